//! Times the GPU linear path on batches of one cascade size under several splits (one
//! cascade per invocation vs the chunked scan form with several chunk lengths), to choose
//! [`LinearOptions`]. Kernel time includes packing, upload and read-back, as the CLI pays it.
//! Run: `cargo run --release --example gpu_linear_sweep` (on lavapipe these are CPU timings).

use cascadia::influence::InfluenceParams;
use cascadia::influence::gpu::{Device, LinearOptions, linear_with};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = cascadia::gpu::Context::shared()?;
    println!("adapter: {}", ctx.describe());
    let params = InfluenceParams::default().check()?;
    println!("| batch | split | events/s |");
    println!("|---|---|---:|");
    for (cascades, n) in [
        (10_000usize, 300usize),
        (1_000, 1_000),
        (100, 10_000),
        (8, 16_384),
        (1, 1_000_000),
    ] {
        let set = cascadia::synth::influence::batch_set(cascades, n);
        let mut out = vec![0.0; set.n_events()];
        let splits: Vec<(String, LinearOptions)> = [
            (16_384usize, 1_024usize),
            (1_024, 256),
            (512, 256),
            (256, 256),
            (256, 128),
            (256, 64),
        ]
        .into_iter()
        .map(|(max, chunk)| {
            (
                format!("one per invocation up to {max}, else scan in {chunk}-event chunks"),
                LinearOptions {
                    max_invocation_events: max,
                    scan_chunk_events: chunk,
                },
            )
        })
        .collect();
        for (name, options) in splits {
            linear_with(Device::gpu(&ctx), &set, &params, &options, &mut out)?;
            let start = Instant::now();
            let mut reps = 0u32;
            while reps < 3 || start.elapsed().as_secs_f64() < 0.5 {
                linear_with(Device::gpu(&ctx), &set, &params, &options, &mut out)?;
                reps += 1;
            }
            let per = start.elapsed().as_secs_f64() / f64::from(reps);
            println!(
                "| {cascades} x {n} | {name} | {:.3e} |",
                set.n_events() as f64 / per
            );
        }
    }
    Ok(())
}
