//! `cascadia influence tune-decay`: the decay search of Appendix D (spec `influence.md`,
//! "Tuning the decay r").

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, ensure};
use cascadia::backend::AutoRule;
use cascadia::cascade::{CascadeSet, Dedupe};
use cascadia::influence::tune::{self, Evaluator, Point};
use cascadia::io::{Format, ReadOptions, open_cascades};
use cascadia::plots::{LinePlot, Series};
use clap::Args;
use serde_json::json;

use super::args::{BackendArg, backend, threads};
use super::influence::{FormatArg, PresetArg};
use super::output::Outputs;

/// `--backend auto` for the search: the CPU (README, "Tuning the decay r": the CPU's sorted
/// evaluator is O((n + positives) log n) per cascade and r; the GPU runs the pairwise
/// definition, O(n · positives)).
const AUTO_RULE: AutoRule = AutoRule::Cpu(
    "tune-decay: --backend auto runs on the CPU (its O(n log n) evaluator beat the GPU's pairwise kernel on an H200)",
);

/// Arguments of `cascadia influence tune-decay`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  cascadia influence tune-decay --input retweets.csv --followers followers.csv --refine --output auc.csv --plot auc.svg --summary tune.json"
)]
pub(crate) struct TuneArgs {
    /// Cascades, as for `cascadia influence` (CSV, per-cascade files, JSON Lines).
    #[arg(long, short)]
    input: String,
    /// Input format.
    #[arg(long, value_enum, default_value = "auto")]
    format: FormatArg,
    /// Follower list `follower,followee` (follower follows followee), ids as in the cascades;
    /// rows naming users absent from the cascades are counted and not used.
    #[arg(long)]
    followers: PathBuf,
    /// Smallest r of the grid (1/s).
    #[arg(long, default_value_t = 1e-8)]
    r_min: f64,
    /// Largest r of the grid (1/s).
    #[arg(long, default_value_t = 3.0)]
    r_max: f64,
    /// Grid points, log-spaced.
    #[arg(long, default_value_t = 200)]
    points: usize,
    /// Refine between the best grid point's neighbours (golden section in log r) until r is
    /// known to 1 %.
    #[arg(long)]
    refine: bool,
    /// Use only the first N cascades.
    #[arg(long)]
    max_cascades: Option<usize>,
    /// Preset whose social strength β is used (every preset has β = 1 today).
    #[arg(long, value_enum, default_value = "paper")]
    preset: PresetArg,
    /// Social strength β: w = max(followers, 1)^β.
    #[arg(long)]
    social_strength: Option<f64>,
    /// Evaluate the objective by its definition (every p_kj computed and sorted per event:
    /// O(n² log n) per cascade and r) instead of the sorted O(n log n) evaluator.
    #[arg(long)]
    exact: bool,
    /// The curve: `r,auc,events`, one row per r tried, ascending in r.
    #[arg(long)]
    output: PathBuf,
    /// Plot of the curve (SVG; x = log10 r).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Summary JSON: best_r, best_auc, events, counts, timings.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// cpu (all cores), gpu (the pairwise counts on the device, the definition's ties, within
    /// 1e-6 of the CPU), auto (the CPU: measured faster).
    #[arg(long, value_enum, default_value = "cpu")]
    backend: BackendArg,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// No human summary.
    #[arg(long, short)]
    quiet: bool,
    /// Print the GPU adapter.
    #[arg(long, short)]
    verbose: bool,
}

pub(crate) fn run(a: TuneArgs) -> Result<ExitCode> {
    let t0 = Instant::now();
    threads(a.threads);
    ensure!(
        a.r_min > 0.0 && a.r_max > a.r_min && a.r_max.is_finite(),
        "--r-min and --r-max must satisfy 0 < r-min < r-max, got {} and {}",
        a.r_min,
        a.r_max
    );
    ensure!(a.points >= 2, "--points must be at least 2");
    let beta = a
        .social_strength
        .unwrap_or_else(|| cascadia::influence::InfluenceParams::preset(a.preset.into()).beta);
    ensure!(
        beta.is_finite() && beta >= 0.0,
        "--social-strength must be a number >= 0"
    );
    let format: Format = a.format.into();
    let mut source = open_cascades(
        &a.input,
        format,
        ReadOptions {
            skip_invalid: false,
            group: false,
            dedupe: Dedupe::None,
        },
    )?;
    let mut set = CascadeSet::new();
    let mut users = cascadia::cascade::Interner::new();
    while source.next_cascade(&mut set, &mut users)?.is_some() {
        if a.max_cascades.is_some_and(|m| set.len() >= m) {
            break;
        }
    }
    let followers = tune::read_followers(&a.followers, &users)?;
    let prep = tune::prepare(&set, &followers, beta);
    let kept: usize = prep
        .iter()
        .map(|p| (1..p.len()).filter(|&j| p.kept(j)).count())
        .sum();
    if kept == 0 {
        return Err(tune::no_follower_edge(&a.followers).into());
    }
    let t1 = Instant::now();
    let be = backend(a.backend, AUTO_RULE, a.verbose)?;
    let rs = tune::grid(a.r_min, a.r_max, a.points);
    let mut gpu_stats = None;
    let ev = if a.exact {
        Evaluator::Exact
    } else {
        Evaluator::Fast
    };
    let result = match be.gpu() {
        Some(ctx) => {
            let mut st = cascadia::influence::gpu::tune::TuneGpuStats::default();
            let r = tune::search(&rs, a.refine, |rs| {
                Ok(cascadia::influence::gpu::tune::evaluate(
                    ctx, &prep, rs, &mut st,
                )?)
            })?;
            gpu_stats = Some(st);
            r
        }
        None => tune::search(&rs, a.refine, |rs| Ok(tune::evaluate(&prep, rs, ev)))?,
    };
    let seconds = t1.elapsed().as_secs_f64();
    let mut outputs = Outputs::default();
    outputs.write(&a.output, |w| {
        use std::io::Write;
        writeln!(w, "r,auc,events")?;
        for p in &result.curve {
            writeln!(w, "{},{},{}", p.r, p.auc, p.events)?;
        }
        Ok(())
    })?;
    if let Some(path) = &a.plot {
        let pts: Vec<(f64, f64)> = result
            .curve
            .iter()
            .filter(|p| p.auc.is_finite())
            .map(|p| (p.r.log10(), p.auc))
            .collect();
        let (lo, hi) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| {
                (l.min(p.1), h.max(p.1))
            });
        let mut plot = LinePlot::unit(
            "mean per-event AUC against the decay r",
            "log10 r (1/s)",
            "mean AUC",
        );
        plot.x_range = (a.r_min.log10(), a.r_max.log10());
        plot.y_range = ((lo - 0.02).max(0.0), (hi + 0.02).min(1.0));
        plot.series.push(Series {
            label: "AUC".into(),
            points: pts,
        });
        plot.series.push(Series {
            label: format!("best r = {:.3e}", result.best.r),
            points: vec![
                (result.best.r.log10(), plot.y_range.0),
                (result.best.r.log10(), plot.y_range.1),
            ],
        });
        let svg = plot.svg();
        outputs.write(path, |w| std::io::Write::write_all(w, svg.as_bytes()))?;
    }
    let best: Point = result.best;
    let evals = result.curve.len();
    let summary = json!({
        "command": "influence tune-decay",
        "input": a.input,
        "followers": a.followers,
        "best_r": best.r,
        "best_auc": best.auc,
        "events": best.events,
        "cascades": set.len(),
        "follower_rows": followers.rows,
        "follower_rows_unknown_users": followers.unknown,
        "follower_rows_duplicate": followers.duplicates,
        "beta": beta,
        "grid": {"r_min": a.r_min, "r_max": a.r_max, "points": a.points},
        "refinements": result.refinements,
        "r_evaluated": evals,
        "evaluator": if be.is_gpu() { "gpu pairwise counts" } else if a.exact { "exact" } else { "fast" },
        "backend": be.describe(),
        "seconds_read": (t1 - t0).as_secs_f64(),
        "seconds_search": seconds,
        "events_r_per_second": kept as f64 * evals as f64 / seconds.max(1e-12),
        "gpu": gpu_stats,
    });
    if let Some(p) = &a.summary {
        outputs.json(p, &summary)?;
    }
    outputs.commit()?;
    if !a.quiet {
        if followers.unknown > 0 {
            eprintln!(
                "cascadia: {} follower rows name users absent from the cascades (not used)",
                followers.unknown
            );
        }
        eprintln!(
            "cascadia influence tune-decay: best r = {:.4e} /s, mean AUC {:.6} over {} events of {} cascades ({} r values in {:.3} s, {}; {:.3e} events·r/s)",
            best.r,
            best.auc,
            best.events,
            set.len(),
            evals,
            seconds,
            be.describe(),
            kept as f64 * evals as f64 / seconds.max(1e-12)
        );
        // The flat top: the r range within 1e-4 of the best AUC.
        let top: Vec<f64> = result
            .curve
            .iter()
            .filter(|p| p.auc >= best.auc - 1e-4)
            .map(|p| p.r)
            .collect();
        if let (Some(lo), Some(hi)) = (top.first(), top.last()) {
            eprintln!(
                "  AUC within 1e-4 of the best for r in [{lo:.3e}, {hi:.3e}] (report the curve, not only its argmax)"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `cascadia synth decay-cascades`.
#[derive(Debug, Args)]
pub(crate) struct SynthDecayArgs {
    /// The planted decay r (1/s): parents are drawn from Eq. 1 with it; gaps are
    /// exponential with mean 1/r.
    #[arg(long, default_value_t = 6.2e-4)]
    decay: f64,
    /// Cascades.
    #[arg(long, default_value_t = 400)]
    cascades: usize,
    /// Users.
    #[arg(long, default_value_t = 3000)]
    users: usize,
    /// Mean cascade size.
    #[arg(long, default_value_t = 40.0)]
    mean_size: f64,
    /// Random followees per user besides the reposted authors (noise).
    #[arg(long, default_value_t = 5)]
    noise_follows: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory for cascades.csv (cascade_id,time,user_id,followers) and followers.csv
    /// (follower,followee).
    #[arg(long)]
    output_dir: PathBuf,
}

pub(crate) fn synth(a: SynthDecayArgs) -> Result<ExitCode> {
    use cascadia::synth::decay::{DecayConfig, decay_cascades};
    ensure!(a.decay > 0.0 && a.decay.is_finite(), "--decay must be > 0");
    ensure!(
        a.users >= 2 && a.cascades >= 1,
        "--users >= 2 and --cascades >= 1"
    );
    ensure!(a.mean_size >= 2.0, "--mean-size must be >= 2");
    let cfg = DecayConfig {
        cascades: a.cascades,
        users: a.users,
        mean_size: a.mean_size,
        r: a.decay,
        beta: 1.0,
        noise_follows: a.noise_follows,
        seed: a.seed,
    };
    let (rows, edges) = decay_cascades(&cfg);
    std::fs::create_dir_all(&a.output_dir).map_err(|e| cascadia::Error::io(&a.output_dir, e))?;
    let mut outputs = Outputs::default();
    outputs.write(&a.output_dir.join("cascades.csv"), |w| {
        use std::io::Write;
        writeln!(w, "cascade_id,time,user_id,followers")?;
        for &(c, t, u, f) in &rows {
            writeln!(w, "{c},{t},{u},{f}")?;
        }
        Ok(())
    })?;
    outputs.write(&a.output_dir.join("followers.csv"), |w| {
        use std::io::Write;
        writeln!(w, "follower,followee")?;
        for &(x, y) in &edges {
            writeln!(w, "{x},{y}")?;
        }
        Ok(())
    })?;
    outputs.commit()?;
    eprintln!(
        "cascadia synth decay-cascades: {} cascades, {} events, {} follower edges, planted r = {}, in {}",
        a.cascades,
        rows.len(),
        edges.len(),
        a.decay,
        a.output_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
