//! Criterion benches of the influence algorithms: events/s per algorithm over cascade sizes
//! 10 … 10^5 on a log axis, so the slope shows how cost grows (linear O(n), backsub O(n²),
//! recursion O(n³)). Group `influence/batch`: the run driver's batch step on identical batches,
//! ids `cpu/<algo>/<cascades>x<n>` and `gpu/<algo>/<cascades>x<n>` (packing, upload and
//! read-back included; skipped without an adapter — on lavapipe these are software timings).
//! Run: `cargo bench --bench influence`.

use cascadia::Backend;
use cascadia::cascade::CascadeSet;
use cascadia::influence::{
    Algorithm, InfluenceParams, compute_batch, cpu::LinearScratch, tweet_influence,
};
use cascadia::synth::influence::cascade_events;
use criterion::{
    AxisScale, BenchmarkId, Criterion, PlotConfiguration, Throughput, criterion_group,
    criterion_main,
};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    for (algo, name, max_n) in [
        (Algorithm::Linear, "linear", 100_000usize),
        (Algorithm::Backsub, "backsub", 10_000),
        (Algorithm::Recursion, "recursion", 1_000),
    ] {
        let mut group = c.benchmark_group(format!("influence/{name}"));
        group.plot_config(PlotConfiguration::default().summary_scale(AxisScale::Logarithmic));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(2))
            .warm_up_time(Duration::from_millis(300));
        let mut n = 10;
        while n <= max_n {
            let set =
                CascadeSet::from_events("bench", &cascade_events(n, 42)).expect("valid events");
            let params = InfluenceParams::default()
                .algorithm(algo)
                .check()
                .expect("valid parameters");
            let mut out = vec![0.0; n];
            let mut scratch = LinearScratch::default();
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::new("cpu", n), &n, |b, _| {
                b.iter(|| {
                    tweet_influence(black_box(set.get(0)), &params, &mut scratch, &mut out)
                        .expect("bench runs")
                });
            });
            n *= 10;
        }
        group.finish();
    }
}

fn bench_batch(c: &mut Criterion) {
    let ctx = match cascadia::gpu::Context::shared() {
        Ok(ctx) => Some(ctx),
        Err(e) => {
            eprintln!("influence/batch: no GPU ids ({e})");
            None
        }
    };
    let mut group = c.benchmark_group("influence/batch");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300));
    for (algo, cascades, n) in [
        (Algorithm::Linear, 10_000usize, 10usize),
        (Algorithm::Linear, 100, 1_000),
        (Algorithm::Linear, 1, 200_000),
        (Algorithm::Recursion, 100, 30),
        (Algorithm::Recursion, 4, 300),
    ] {
        let set = cascadia::synth::influence::batch_set(cascades, n);
        let params = InfluenceParams::default()
            .algorithm(algo)
            .check()
            .expect("valid parameters");
        let (mut out, mut parents) = (vec![0.0; set.n_events()], vec![0i64; set.n_events()]);
        group.throughput(Throughput::Elements(set.n_events() as u64));
        let label = format!("{}/{cascades}x{n}", format!("{algo:?}").to_lowercase());
        let mut backends = vec![("cpu", Backend::Cpu)];
        if let Some(ctx) = &ctx {
            backends.push(("gpu", Backend::Gpu(ctx.clone())));
        }
        for (name, backend) in &backends {
            group.bench_function(BenchmarkId::new(*name, &label), |b| {
                b.iter(|| {
                    compute_batch(black_box(&set), &params, backend, &mut out, &mut parents)
                        .expect("bench runs")
                });
            });
        }
    }
    group.finish();
}

// A private module: criterion_group! generates an undocumented public function.
mod group {
    use super::*;
    criterion_group!(benches, bench, bench_batch);
}
use group::benches;
criterion_main!(benches);
