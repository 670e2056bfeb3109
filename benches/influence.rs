//! Criterion benches of the influence algorithms: events/s per algorithm over cascade sizes
//! 10 … 10^5 on a log axis, so the slope shows how cost grows (linear O(n), backsub O(n²),
//! recursion O(n³)). Run: `cargo bench --bench influence`.

use cascadia::cascade::CascadeSet;
use cascadia::influence::{Algorithm, InfluenceParams, cpu::LinearScratch, tweet_influence};
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
            let set = CascadeSet::from_events("bench", &cascade_events(n, 42));
            let params = InfluenceParams::default().algorithm(algo);
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

// A private module: criterion_group! generates an undocumented public function.
mod group {
    use super::*;
    criterion_group!(benches, bench);
}
use group::benches;
criterion_main!(benches);
