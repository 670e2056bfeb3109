//! `cascadia influence`: tweet and user influence from a file of cascades.

use super::args::{self, BackendArg};
use super::output::Outputs;
use super::progress::Bar;
use anyhow::{Context, Result};
use cascadia::cascade::Dedupe;
use cascadia::influence::output::{TweetCsvWriter, write_pairwise, write_users};
use cascadia::influence::{
    self, Aggregation, Algorithm, Batch, InfluenceParams, InfluenceSink, InfluenceValidParams,
    Power, Preset, RunResult, Runner, SelfTerm,
};
use cascadia::io::atomic::OutputFile;
use cascadia::io::{Format, ReadOptions, open_cascades};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum PresetArg {
    /// s = 2, r = 6.8e-4 /s, self term excluded (the paper, Eq. 1-3).
    Paper,
    /// s = 1, r = 6.8e-4 /s, self term excluded (expected number of descendants).
    Descendants,
    /// s = 1, r = 6.8e-5 /s, self term included (the public birdspotter 0.1.6b1 code).
    Birdspotter,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum SelfTermArg {
    /// Count M_ii: phi(v_i) = sum_k M_ik.
    Included,
    /// Do not count M_ii: phi(v_i) = sum_{k>i} M_ik.
    Excluded,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum DedupeArg {
    /// Keep every event.
    None,
    /// Keep each user's first event in a cascade.
    First,
    /// Keep each user's last event in a cascade (birdspotter's data preparation).
    Last,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum AggregateArg {
    /// Mean tweet influence over the user's events (Eq. 3).
    Mean,
    /// Sum of the user's tweet influences.
    Sum,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum AlgoArg {
    /// Exact O(n) algorithm (separable back substitution).
    Linear,
    /// Exact O(n^2) back substitution.
    Backsub,
    /// The paper's O(n^3) column recursion (cascades up to 8192 events).
    Recursion,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum FormatArg {
    /// Detect: directory or glob -> casin; .jsonl -> jsonl; .parquet/.pq -> parquet;
    /// .arrow/.arrows/.ipc/.feather -> arrow; CSV header with cascade_id -> csv.
    Auto,
    /// Long CSV: cascade_id,time,user_id,followers (or magnitude); other columns ignored.
    Csv,
    /// Per-cascade files time,magnitude,user_id (one file per cascade; id = file stem).
    Casin,
    /// JSON Lines: {"cascade_id":..,"events":[{"time":..,"user_id":..,"followers":..}]}.
    Jsonl,
    /// Parquet with the long CSV's columns (ids as text, integers or dictionary).
    Parquet,
    /// Arrow IPC file or stream with the long CSV's columns.
    Arrow,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Auto => Format::Auto,
            FormatArg::Csv => Format::Csv,
            FormatArg::Casin => Format::Casin,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Parquet => Format::Parquet,
            FormatArg::Arrow => Format::Arrow,
        }
    }
}

impl From<PresetArg> for Preset {
    fn from(p: PresetArg) -> Self {
        match p {
            PresetArg::Paper => Preset::Paper,
            PresetArg::Descendants => Preset::Descendants,
            PresetArg::Birdspotter => Preset::Birdspotter,
        }
    }
}

/// Arguments of `cascadia influence`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Example:\n  cascadia influence --input retweets.csv --preset paper --output tweets.csv --users-output users.csv\n  cascadia influence tune-decay --input retweets.csv --followers followers.csv --refine --output auc.csv"
)]
pub(crate) struct InfluenceArgs {
    #[command(subcommand)]
    command: Option<InfluenceCommand>,
    /// Input: a CSV file, a directory or glob of per-cascade CSV files, a .jsonl file, or - for
    /// standard input. Times are seconds (numbers) or RFC 3339 timestamps.
    #[arg(long, short, required = true)]
    input: Option<String>,
    /// Input format.
    #[arg(long, value_enum, default_value = "auto")]
    format: FormatArg,
    /// Tweet output CSV (cascade_id,pos,user_id,time,influence,expected_parent); - or omitted
    /// for standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// User output CSV (user_id,events,cascades,influence,percentile), most influential first.
    #[arg(long)]
    users_output: Option<PathBuf>,
    /// JSON summary: parameters, preset, algorithm, counts and timings.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Parameter preset; the flags below override its values.
    #[arg(long, value_enum, default_value = "paper")]
    preset: PresetArg,
    /// Power s applied to edge probabilities: 2 = paper (Eq. 2), 1 = expected descendants.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
    power: Option<u8>,
    /// Temporal decay r in 1/s (paper and descendants: 6.8e-4; birdspotter: 6.8e-5; the
    /// paper's own tuning reports 6.2e-4).
    #[arg(long, allow_negative_numbers = true)]
    decay: Option<f64>,
    /// Social strength beta: w = max(followers, 1)^beta (default 1).
    #[arg(long, allow_negative_numbers = true)]
    social_strength: Option<f64>,
    /// Spatial decay alpha in (0, 1]: q = (alpha p)^s and M_jj = 1 - alpha for reposts.
    /// Default: none.
    #[arg(long, allow_negative_numbers = true)]
    spatial_decay: Option<f64>,
    /// Whether a tweet's influence counts itself (paper: excluded; birdspotter: included).
    #[arg(long, value_enum)]
    self_term: Option<SelfTermArg>,
    /// A user appearing several times in one cascade: keep all events (default), the first or
    /// the last (birdspotter's data preparation keeps the last). Removed events are counted
    /// in the summary.
    #[arg(long, value_enum, default_value = "none")]
    dedupe_users: DedupeArg,
    /// User influence: mean (Eq. 3, default) or sum of the user's tweet influences.
    #[arg(long, value_enum, default_value = "mean")]
    aggregate: AggregateArg,
    /// Algorithm; all three are exact and agree to 1e-9 relative.
    #[arg(long, value_enum, default_value = "linear")]
    algo: AlgoArg,
    /// Also write the pairwise matrix M (rows cascade_id,i,j,m for i <= j) to this file, for
    /// cascades of at most --pairwise-max-events events.
    #[arg(long)]
    pairwise: Option<PathBuf>,
    /// Largest cascade written to --pairwise (its output has n(n+1)/2 rows).
    #[arg(long, default_value_t = 200)]
    pairwise_max_events: usize,
    /// Allow the rows of a cascade to be interleaved with other cascades. Holds the whole
    /// input in memory (about 40 bytes per event plus ids); without it, rows of one cascade
    /// must be contiguous and memory stays O(users + largest cascade).
    #[arg(long)]
    group: bool,
    /// Skip invalid rows instead of stopping at the first: each is reported on stderr, counted
    /// in the summary, and the exit code is 1.
    #[arg(long)]
    skip_invalid: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Events per batch handed to the workers (memory vs parallelism).
    #[arg(long, default_value_t = 131_072)]
    batch_events: usize,
    /// Where tweet influences are computed. The GPU path is f32 (agrees with the f64 CPU
    /// reference to 2e-4 relative for linear, 5e-4 for recursion) and runs --algo linear
    /// (cascades over 256 events in the chunked scan form) or --algo recursion (cascades
    /// whose n x n matrix exceeds one storage binding on the CPU). `auto`: --algo recursion
    /// on a hardware GPU (2-10x a 16-core CPU on cascades of 300 to 1,000 events, on an H100),
    /// --algo linear and backsub on the CPU. WGPU_ADAPTER_NAME (substring) and WGPU_BACKEND
    /// choose the adapter.
    #[arg(long, value_enum, default_value = "cpu")]
    backend: BackendArg,
    /// Print the GPU adapter (name, backend, driver) on stderr.
    #[arg(long, short)]
    verbose: bool,
    /// No progress bar and no human summary on stderr (errors are still printed).
    #[arg(long, short)]
    quiet: bool,
}

/// Parameter names as `cascadia influence` spells them on the command line.
const FLAGS: &[(&str, &str)] = &[
    ("decay_per_s", "--decay"),
    ("beta", "--social-strength"),
    ("alpha", "--spatial-decay"),
];

impl TryFrom<&InfluenceArgs> for InfluenceValidParams {
    type Error = cascadia::ParamError;

    fn try_from(a: &InfluenceArgs) -> Result<Self, Self::Error> {
        let mut p = InfluenceParams::preset(a.preset.into());
        if let Some(s) = a.power {
            p = p.power(if s == 1 { Power::One } else { Power::Two });
        }
        if let Some(r) = a.decay {
            p = p.decay_per_s(r);
        }
        if let Some(b) = a.social_strength {
            p = p.beta(b);
        }
        if a.spatial_decay.is_some() {
            p = p.alpha(a.spatial_decay);
        }
        if let Some(t) = a.self_term {
            p = p.self_term(match t {
                SelfTermArg::Included => SelfTerm::Included,
                SelfTermArg::Excluded => SelfTerm::Excluded,
            });
        }
        p = p
            .aggregation(match a.aggregate {
                AggregateArg::Mean => Aggregation::Mean,
                AggregateArg::Sum => Aggregation::Sum,
            })
            .algorithm(match a.algo {
                AlgoArg::Linear => Algorithm::Linear,
                AlgoArg::Backsub => Algorithm::Backsub,
                AlgoArg::Recursion => Algorithm::Recursion,
            });
        p.check().map_err(|e| args::flag(e, FLAGS))
    }
}

/// Where the tweets go: CSV text, or (for a `.parquet`/`.arrow` path) typed batches.
#[allow(
    clippy::large_enum_variant,
    reason = "one value per run; boxing either writer buys nothing"
)]
enum Tweets {
    Csv(TweetCsvWriter<OutputFile>),
    #[cfg(feature = "columnar")]
    Table(cascadia::influence::output::TweetTableWriter<OutputFile>),
}

impl Tweets {
    fn create(path: &std::path::Path) -> Result<Self> {
        #[cfg(feature = "columnar")]
        if let Some(kind) = cascadia::io::columnar::Columnar::of_path(path) {
            return Ok(Tweets::Table(
                cascadia::influence::output::TweetTableWriter::new(
                    kind,
                    Outputs::create(path)?,
                    path,
                )?,
            ));
        }
        Ok(Tweets::Csv(TweetCsvWriter::new(
            Outputs::create(path)?,
            path,
        )))
    }

    /// Stages the finished output.
    fn stage(self, outputs: &mut Outputs) -> Result<()> {
        match self {
            Tweets::Csv(w) => outputs.add(w.into_inner()?),
            #[cfg(feature = "columnar")]
            Tweets::Table(w) => outputs.add_as_is(w.into_inner()?),
        }
    }
}

impl InfluenceSink for Tweets {
    fn batch(&mut self, batch: &Batch<'_>) -> cascadia::Result<()> {
        match self {
            Tweets::Csv(w) => w.batch(batch),
            #[cfg(feature = "columnar")]
            Tweets::Table(w) => w.batch(batch),
        }
    }

    fn finish(&mut self) -> cascadia::Result<()> {
        match self {
            Tweets::Csv(w) => w.finish(),
            #[cfg(feature = "columnar")]
            Tweets::Table(w) => w.finish(),
        }
    }
}

/// The CLI's sink: tweets CSV plus, optionally, pairwise matrices.
struct Sink<'a> {
    tweets: Tweets,
    pairwise: Option<(OutputFile, PathBuf, usize)>,
    params: &'a InfluenceValidParams,
    pairwise_cascades: u64,
}

impl InfluenceSink for Sink<'_> {
    fn batch(&mut self, batch: &Batch<'_>) -> cascadia::Result<()> {
        self.tweets.batch(batch)?;
        if let Some((out, path, max)) = &mut self.pairwise {
            for c in batch.cascades.iter() {
                if c.len() <= *max {
                    write_pairwise(out, path, c.name, &influence::pairwise(c, self.params))?;
                    self.pairwise_cascades += 1;
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> cascadia::Result<()> {
        self.tweets.finish()
    }
}

#[derive(Debug, Subcommand)]
enum InfluenceCommand {
    /// Tune the decay r (Appendix D): the mean per-event AUC of Eq. 1's probabilities at
    /// ranking the earlier authors the reposter follows, over a grid of r (and a refinement).
    TuneDecay(super::tune::TuneArgs),
    /// Political behaviour and populations (Sec. 4 and 6): polarisation, engagement, parties,
    /// botness populations with Welch tests against Human, and the polarisation map.
    Politics(super::politics::PoliticsArgs),
    /// The paper's Appendix C check: influence against the true reachable counts on
    /// simulated cascades, with the truth's own split-half agreement and a sweep.
    Validate(super::validate::ValidateArgs),
}

pub(crate) fn run(args: InfluenceArgs) -> Result<ExitCode> {
    match args.command {
        Some(InfluenceCommand::TuneDecay(t)) => return super::tune::run(t),
        Some(InfluenceCommand::Politics(p)) => return super::politics::run(p),
        Some(InfluenceCommand::Validate(v)) => return super::validate::run(v),
        None => {}
    }
    let input = args
        .input
        .clone()
        .context("give --input (see cascadia influence --help)")?;
    let params = InfluenceValidParams::try_from(&args)?;
    args::threads(args.threads);
    let format = args.format.into();
    let dedupe = match args.dedupe_users {
        DedupeArg::None => Dedupe::None,
        DedupeArg::First => Dedupe::First,
        DedupeArg::Last => Dedupe::Last,
    };
    let options = ReadOptions {
        skip_invalid: args.skip_invalid,
        group: args.group,
        dedupe,
    };
    let backend = args::backend(args.backend, influence::auto_rule(&params), args.verbose)?;
    let software = backend.is_software();
    let backend_name = backend.describe();
    let source = open_cascades(&input, format, options)?;

    let out_path = args.output.clone().unwrap_or_else(|| PathBuf::from("-"));
    let mut outputs = Outputs::default();
    let mut sink = Sink {
        tweets: Tweets::create(&out_path)?,
        pairwise: match &args.pairwise {
            Some(p) => {
                let mut w = Outputs::create(p)?;
                w.write_all(b"cascade_id,i,j,m\n")
                    .with_context(|| format!("writing {}", p.display()))?;
                Some((w, p.clone(), args.pairwise_max_events))
            }
            None => None,
        },
        params: &params,
        pairwise_cascades: 0,
    };
    let bar = Bar::new(args.quiet);
    let quiet = args.quiet;
    let RunResult {
        summary,
        users,
        names,
    } = Runner::new(&params)
        .batch_events(args.batch_events)
        .backend(backend)
        .progress(&bar)
        .on_skip(|e| eprintln!("cascadia: skipped row: {e}"))
        .run(source, &mut sink)
        .map_err(|e| args::flag_error(e, args::BACKEND_FLAG))?;
    bar.finish();
    sink.tweets.stage(&mut outputs)?;
    if let Some((w, _, _)) = sink.pairwise.take() {
        outputs.add(w)?;
    }
    if let Some(p) = &args.users_output {
        let mut w = Outputs::create(p)?;
        write_users(&mut w, p, &users, &names)?;
        outputs.add(w)?;
    }
    let json = json!({
        "cascadia_version": env!("CARGO_PKG_VERSION"),
        "command": "influence",
        "input": input,
        "backend": backend_name,
        "params": params,
        "dedupe_users": dedupe,
        "pairwise_cascades": sink.pairwise_cascades,
        "run": summary,
    });
    if let Some(p) = &args.summary {
        outputs.json(p, &json)?;
    }
    outputs.commit()?;
    if !quiet {
        let preset = params
            .preset
            .map_or("custom".to_string(), |p| format!("{p:?}").to_lowercase());
        eprintln!(
            "cascadia influence: {} cascades, {} events, {} users in {:.3} s ({:.0} events/s, {} threads)",
            summary.cascades,
            summary.events,
            summary.users,
            summary.seconds,
            summary.events_per_second,
            summary.threads
        );
        eprintln!(
            "  preset {preset} (s = {}, r = {:e}/s, beta = {}, alpha = {}, self term {:?}), algorithm {:?}, users by {:?}",
            params.power.as_f64(),
            params.decay_per_s,
            params.beta,
            params.alpha.map_or("none".to_string(), |a| a.to_string()),
            params.self_term,
            params.algorithm,
            params.aggregation
        );
        eprintln!(
            "  backend {backend_name}{}",
            if software {
                " (software Vulkan: timings are not GPU timings)"
            } else {
                ""
            }
        );
        if summary.deduplicated_events > 0 {
            eprintln!(
                "  {} repeated events removed by --dedupe-users",
                summary.deduplicated_events
            );
        }
        let mut top: Vec<&cascadia::influence::UserInfluence> = users.iter().collect();
        top.sort_by(|a, b| b.influence.total_cmp(&a.influence));
        for u in top.iter().take(5) {
            eprintln!(
                "  top user {:<20} influence {:>12.4}  ({} events in {} cascades)",
                names.name(u.user),
                u.influence,
                u.events,
                u.cascades
            );
        }
    }
    if summary.skipped_rows > 0 {
        eprintln!(
            "cascadia: {} invalid rows skipped (see above)",
            summary.skipped_rows
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn params(argv: &[&str]) -> Result<InfluenceValidParams, String> {
        #[derive(Parser)]
        struct W {
            #[command(flatten)]
            a: InfluenceArgs,
        }
        let mut full = vec!["x", "--input", "in.csv"];
        full.extend_from_slice(argv);
        let w = W::try_parse_from(full).map_err(|e| e.to_string())?;
        InfluenceValidParams::try_from(&w.a).map_err(|e| e.to_string())
    }

    #[test]
    fn presets_and_overrides() {
        assert_eq!(
            params(&[]).unwrap().into_inner(),
            InfluenceParams::preset(Preset::Paper),
            "default preset"
        );
        let p = params(&["--preset", "birdspotter", "--decay", "1e-3", "--power", "2"]).unwrap();
        assert_eq!(
            (p.decay_per_s, p.power, p.self_term),
            (1e-3, Power::Two, SelfTerm::Included),
            "overrides"
        );
        let p = params(&[
            "--spatial-decay",
            "0.25",
            "--social-strength",
            "0.5",
            "--self-term",
            "included",
        ])
        .unwrap();
        assert_eq!(
            (p.alpha, p.beta, p.self_term),
            (Some(0.25), 0.5, SelfTerm::Included),
            "knobs"
        );
    }

    #[test]
    fn bad_values_name_the_flag() {
        assert!(
            params(&["--decay", "-2"]).unwrap_err().contains("--decay"),
            "negative decay"
        );
        assert!(
            params(&["--spatial-decay", "2"])
                .unwrap_err()
                .contains("--spatial-decay"),
            "alpha > 1"
        );
        assert!(
            params(&["--power", "3"]).is_err(),
            "power 3 is rejected by clap"
        );
    }
}
