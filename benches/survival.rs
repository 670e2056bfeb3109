//! Criterion benches of the survival models: NetRate's demo (1,024 nodes, 1,001 cascades;
//! read excluded) fitted to the certificate on the CPU and, when an adapter with f64 exists,
//! with the GPU warm start; and synthetic additive data on an Erdős–Rényi network of growing
//! size (cascades ∝ nodes), so the slope shows how cost grows. Throughput is in log-term
//! entries (Σ over nodes and log terms of the earlier nodes), the work of one gradient.
//! Run: `cargo bench --bench survival`. On lavapipe the `gpu` ids are software-Vulkan numbers.

use cascadia::Backend;
use cascadia::io::snap_text::{NetInfFormat, read_netinf};
use cascadia::progress::NoProgress;
use cascadia::survival::simulate::{log_term_entries, scaling_data};
use cascadia::survival::{SurvivalParams, fit, fit_with};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let shared = std::env::var_os("CASCADIA_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let demo = read_netinf(
        &shared.join("fixtures/survival/netrate-demo-cascades.txt"),
        NetInfFormat::Auto,
    )
    .expect("the NetRate demo fixture");
    let params = SurvivalParams {
        window: Some(10.0),
        ..Default::default()
    }
    .check()
    .expect("valid");
    let gpu = match cascadia::gpu::Context::shared() {
        Ok(ctx) if ctx.has_f64() => Some(Backend::Gpu(ctx)),
        _ => None,
    };
    let mut g = c.benchmark_group("survival/netrate-demo");
    g.measurement_time(Duration::from_secs(3)).sample_size(10);
    g.throughput(Throughput::Elements(log_term_entries(&demo)));
    g.bench_function("cpu", |b| {
        b.iter(|| black_box(fit(&demo, &params, &NoProgress).expect("fit")))
    });
    if let Some(backend) = &gpu {
        g.bench_function("gpu", |b| {
            b.iter(|| black_box(fit_with(&demo, &params, &NoProgress, backend).expect("fit")))
        });
    }
    g.finish();

    let params = SurvivalParams {
        window: Some(40.0),
        ..Default::default()
    }
    .check()
    .expect("valid");
    let mut g = c.benchmark_group("survival/er-additive");
    g.measurement_time(Duration::from_secs(3)).sample_size(10);
    for nodes in [1_000usize, 10_000, 100_000] {
        let data = scaling_data(nodes, nodes).expect("valid cascades");
        g.throughput(Throughput::Elements(log_term_entries(&data)));
        g.bench_with_input(BenchmarkId::new("cpu", nodes), &data, |b, d| {
            b.iter(|| black_box(fit(d, &params, &NoProgress).expect("fit")))
        });
    }
    g.finish();
}

// A private module: criterion_group! generates an undocumented public function.
mod group {
    use super::*;
    criterion_group!(benches, bench);
}
use group::benches;
criterion_main!(benches);
