//! Criterion benches of NetInf: full inference (candidate building, per-node greedies,
//! merge and bound) on synthetic core-periphery Kronecker networks of growing size, on the
//! CPU and (when an adapter with f64 exists) the GPU engine; and the `gains` kernel: every
//! candidate of every node evaluated once, by the CPU twin and by the GPU (device-resident
//! batch, dispatch and read-back included, upload excluded). Throughput is in
//! (candidate × cascade) incidences, so the slope shows how cost grows with Σ|c|².
//! Run: `cargo bench --bench netinf`. On lavapipe the `gpu` ids are software-Vulkan numbers.

use cascadia::Backend;
use cascadia::cascade::NodeCascades;
use cascadia::netinf::cpu::gains::{NodeIndex, NodeProblem, NodeScratch, gains, node_gains};
use cascadia::netinf::gpu::{DeviceBatch, pack};
use cascadia::netinf::{GpuOptions, NetInfParams, infer, infer_with};
use cascadia::progress::NoProgress;
use cascadia::synth::cascades::paper_kronecker;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn data(levels: u32) -> (NodeCascades, usize) {
    let (edges, cascades) = paper_kronecker(levels, 1, 1_000_000);
    (
        NodeCascades::from_cascades(1 << levels, &cascades).expect("valid cascades"),
        edges.len(),
    )
}

fn gpu() -> Option<std::sync::Arc<cascadia::gpu::Context>> {
    match cascadia::gpu::Context::shared() {
        Ok(ctx) if ctx.has_f64() => {
            eprintln!("netinf gpu benches on {}", ctx.describe());
            Some(ctx)
        }
        Ok(ctx) => {
            eprintln!("no f64 on {}: gpu benches skipped", ctx.describe());
            None
        }
        Err(e) => {
            eprintln!("no GPU ({e}): gpu benches skipped");
            None
        }
    }
}

fn bench(c: &mut Criterion) {
    let ctx = gpu();
    let mut group = c.benchmark_group("netinf/infer");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(300));
    for levels in [8u32, 10, 11] {
        let (d, k) = data(levels);
        let params = NetInfParams {
            edges: Some(k),
            ..Default::default()
        }
        .check()
        .expect("valid parameters");
        let probe = infer(&d, &params, &NoProgress).expect("bench runs");
        group.throughput(Throughput::Elements(probe.stats.incidences));
        group.bench_with_input(
            BenchmarkId::new("cpu", 1usize << levels),
            &levels,
            |b, _| {
                b.iter(|| infer(black_box(&d), &params, &NoProgress).expect("bench runs"));
            },
        );
        if let Some(ctx) = &ctx
            && levels <= 10
        {
            let backend = Backend::Gpu(ctx.clone());
            group.bench_with_input(
                BenchmarkId::new("gpu", 1usize << levels),
                &levels,
                |b, _| {
                    b.iter(|| {
                        infer_with(
                            black_box(&d),
                            &params,
                            &NoProgress,
                            &backend,
                            GpuOptions::default(),
                        )
                        .expect("bench runs")
                    });
                },
            );
        }
    }
    group.finish();

    let mut group = c.benchmark_group("netinf/gains");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(2));
    let (d, _) = data(10);
    let index = NodeIndex::build(&d.cascades, d.n_nodes());
    // The busiest node: the most incidences.
    let mut problem = NodeProblem::default();
    let mut scratch = NodeScratch::default();
    let mut busiest = (0, 0u32);
    for v in 0..d.n_nodes() as u32 {
        problem.build(
            v,
            &d.cascades,
            &index,
            &NetInfParams::default().check().expect("valid parameters"),
            &mut scratch,
        );
        busiest = busiest.max((problem.n_incidences(), v));
    }
    problem.build(
        busiest.1,
        &d.cascades,
        &index,
        &NetInfParams::default().check().expect("valid parameters"),
        &mut scratch,
    );
    let best = problem.init_best.clone();
    let mut out = Vec::new();
    group.throughput(Throughput::Elements(problem.n_incidences() as u64));
    group.bench_function(BenchmarkId::new("node-cpu", problem.n_incidences()), |b| {
        b.iter(|| node_gains(black_box(&problem), &best, &mut out));
    });
    // Every node of the network packed as one batch: twin vs kernel.
    let problems: Vec<NodeProblem> = (0..d.n_nodes() as u32)
        .map(|v| {
            let mut p = NodeProblem::default();
            p.build(
                v,
                &d.cascades,
                &index,
                &NetInfParams::default().check().expect("valid parameters"),
                &mut scratch,
            );
            p
        })
        .collect();
    let batch = pack(&problems, usize::MAX);
    let best: Vec<f64> = problems
        .iter()
        .flat_map(|p| p.init_best.iter().copied())
        .collect();
    let total: usize = batch.segments.iter().map(|s| s.inc_k.len()).sum();
    group.throughput(Throughput::Elements(total as u64));
    group.bench_function(BenchmarkId::new("batch-cpu-twin", total), |b| {
        b.iter(|| {
            for s in &batch.segments {
                gains(black_box(s), &best, None, &mut out);
            }
        });
    });
    if let Some(ctx) = ctx.as_deref() {
        let dev = DeviceBatch::upload(ctx, &batch, &best).expect("upload");
        group.bench_function(BenchmarkId::new("batch-gpu", total), |b| {
            b.iter(|| dev.gains(ctx, None).expect("GPU gains"));
        });
    }
    group.finish();
}

// A private module: criterion_group! generates an undocumented public function.
mod group {
    use super::*;
    criterion_group!(benches, bench);
}
use group::benches;
criterion_main!(benches);
