//! Measures the f32 GPU paths against the f64 reference on single synthetic cascades, for the
//! five parameter sets of `tests/integration/gpu.rs`: the linear path on long cascades (the
//! scan form), the numbers behind [`cascadia::influence::gpu::F32_TOLERANCE`] and
//! [`cascadia::influence::gpu::GPU_LINEAR_MAX_EVENTS`], and the recursion, behind
//! [`cascadia::influence::gpu::RECURSION_F32_TOLERANCE`]. Error is
//! `max |a − e| / max(|a|, |e|, abs/rel)` with the tolerance's own floor.
//! Run: `cargo run --release --example gpu_precision` (twin always; the GPU when an adapter
//! exists).

use cascadia::cascade::CascadeSet;
use cascadia::influence::gpu::{
    Device, F32_TOLERANCE, LinearOptions, RECURSION_F32_TOLERANCE, linear_with, recursion,
};
use cascadia::influence::{InfluenceParams, Power, Preset, SelfTerm, cpu};
use cascadia::synth::influence::cascade_events;

fn worst(a: &[f64], e: &[f64], tolerance: (f64, f64)) -> f64 {
    let floor = tolerance.1 / tolerance.0;
    a.iter()
        .zip(e)
        .map(|(&a, &e)| (a - e).abs() / a.abs().max(e.abs()).max(floor))
        .fold(0.0, f64::max)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = cascadia::gpu::Context::shared().ok();
    if let Some(ctx) = &ctx {
        println!("adapter: {}", ctx.describe());
    }
    let grid = [
        InfluenceParams::preset(Preset::Paper),
        InfluenceParams::preset(Preset::Descendants),
        InfluenceParams::preset(Preset::Birdspotter),
        InfluenceParams::default()
            .alpha(Some(0.3))
            .beta(0.8)
            .self_term(SelfTerm::Included)
            .power(Power::One),
        InfluenceParams::default()
            .alpha(Some(0.7))
            .beta(1.3)
            .decay_per_s(1e-2),
    ]
    .map(|p| p.check().expect("valid parameters"));
    let options = LinearOptions::default();
    println!(
        "| events | split | worst twin vs f64 | worst GPU vs f64 | (over {} parameter sets) |",
        grid.len()
    );
    println!("|---:|---|---:|---:|---|");
    for n in [100_000usize, 1_000_000] {
        let set = CascadeSet::from_events("long", &cascade_events(n, 11)).expect("valid events");
        let (mut w_twin, mut w_gpu) = (0.0f64, 0.0f64);
        for params in &grid {
            let mut reference = vec![0.0; n];
            cpu::linear(
                set.get(0),
                params,
                &mut cpu::LinearScratch::default(),
                &mut reference,
            );
            let mut out = vec![0.0; n];
            linear_with(Device::twin(), &set, params, &options, &mut out)?;
            w_twin = w_twin.max(worst(&out, &reference, F32_TOLERANCE));
            if let Some(ctx) = &ctx {
                linear_with(Device::gpu(ctx), &set, params, &options, &mut out)?;
                w_gpu = w_gpu.max(worst(&out, &reference, F32_TOLERANCE));
            }
        }
        let gpu = if ctx.is_some() {
            format!("{w_gpu:.2e}")
        } else {
            "no adapter".into()
        };
        println!(
            "| {n} | scan, {}-event chunks | {w_twin:.2e} | {gpu} |  |",
            // The host's chunk rule: at least the option, at least √n.
            options.scan_chunk_events.max(n.isqrt())
        );
    }
    println!();
    println!("| recursion, events | worst twin vs f64 | worst GPU vs f64 |");
    println!("|---:|---:|---:|");
    for n in [300usize, 1_000, 2_000] {
        let set = CascadeSet::from_events("rec", &cascade_events(n, 13)).expect("valid events");
        let (mut w_twin, mut w_gpu) = (0.0f64, 0.0f64);
        for params in &grid {
            let params = params
                .clone()
                .with_algorithm(cascadia::influence::Algorithm::Recursion);
            let mut reference = vec![0.0; n];
            cpu::recursion(set.get(0), &params, &mut reference);
            let mut out = vec![0.0; n];
            recursion(Device::twin(), &set, &params, &mut out, None)?;
            w_twin = w_twin.max(worst(&out, &reference, RECURSION_F32_TOLERANCE));
            if let Some(ctx) = &ctx {
                recursion(Device::gpu(ctx), &set, &params, &mut out, None)?;
                w_gpu = w_gpu.max(worst(&out, &reference, RECURSION_F32_TOLERANCE));
            }
        }
        let gpu = if ctx.is_some() {
            format!("{w_gpu:.2e}")
        } else {
            "no adapter".into()
        };
        println!("| {n} | {w_twin:.2e} | {gpu} |");
    }
    Ok(())
}
