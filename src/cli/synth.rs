//! `cascadia synth …`: synthetic inputs with known properties.

use anyhow::{Context, Result};
use cascadia::synth::influence::{SynthConfig, write_cascades};
use clap::{Args, Subcommand};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub(crate) enum SynthCommand {
    /// Retweet cascades for `cascadia influence`: heavy-tailed sizes and follower counts,
    /// tied times, gaps of months, Zipf-like user activity (long CSV
    /// cascade_id,time,user_id,followers).
    InfluenceCascades(InfluenceCascadesArgs),
}

#[derive(Debug, Args)]
pub(crate) struct InfluenceCascadesArgs {
    /// Number of cascades.
    #[arg(long, default_value_t = 1000)]
    cascades: u64,
    /// Size of the user pool (user activity is log-uniform over it).
    #[arg(long, default_value_t = 100_000)]
    users: u64,
    /// Largest cascade size.
    #[arg(long, default_value_t = 100_000)]
    max_size: u64,
    /// Tail exponent a of cascade sizes, P(size >= k) ~ k^-a (1 gives a mean of ~ln(max-size)).
    #[arg(long, default_value_t = 1.0)]
    size_exponent: f64,
    /// Share of reposts at the same second as the previous event.
    #[arg(long, default_value_t = 0.05)]
    tie_share: f64,
    /// Random seed (same seed, same file).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file (- or omitted: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub(crate) fn run(cmd: SynthCommand) -> Result<ExitCode> {
    match cmd {
        SynthCommand::InfluenceCascades(a) => {
            anyhow::ensure!(
                a.size_exponent > 0.0 && a.size_exponent.is_finite(),
                "--size-exponent must be > 0"
            );
            anyhow::ensure!(
                (0.0..1.0).contains(&a.tie_share),
                "--tie-share must be in [0, 1)"
            );
            let cfg = SynthConfig {
                cascades: a.cascades,
                users: a.users,
                max_size: a.max_size,
                size_exponent: a.size_exponent,
                tie_share: a.tie_share,
                seed: a.seed,
            };
            let mut out: Box<dyn Write> = match &a.output {
                Some(p) if p.as_os_str() != "-" => Box::new(BufWriter::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("cannot create {}", p.display()))?,
                )),
                _ => Box::new(BufWriter::new(std::io::stdout().lock())),
            };
            let stats = write_cascades(&cfg, &mut out).context("writing cascades")?;
            eprintln!(
                "cascadia synth influence-cascades: {} cascades, {} events (largest {}), seed {}",
                stats.cascades, stats.events, stats.largest, cfg.seed
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
