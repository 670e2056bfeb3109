//! `cascadia netinf`: infer the diffusion network from infection times (NetInf), and
//! `cascadia netinf score`: the log-likelihood of a given network.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use cascadia::cascade::NodeCascades;
use cascadia::io::network::{read_network, write_network};
use cascadia::io::snap_text::{NetInfFormat, read_netinf};
use cascadia::metrics::edges::TruthMetrics;
use cascadia::netinf::output::{pr_curve, write_edges, write_pr};
use cascadia::netinf::{self, Model, NetInfParams, NetInfValidParams, Ties, Weights};
use cascadia::plots::pr_svg;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::args::{self, BackendArg};
use super::output::Outputs;
use super::progress::Bar;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ModelArg {
    /// Exponential: f(Δ) = α e^(−αΔ) (SNAP -m:0).
    Exp,
    /// Power law: f(Δ) = (α − 1) Δ^(−α), α > 1 (SNAP -m:1).
    Pow,
    /// Rayleigh: f(Δ) = α Δ e^(−αΔ²/2) (SNAP -m:2).
    Ray,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum WeightsArg {
    /// SNAP: edges weigh f(Δ), a node without a parent the constant ε (default 1e-64).
    Snap,
    /// The paper / R package: edges weigh β f(Δ), ε-edges ε f(Δ) (defaults β 0.5, ε 1e-10).
    Paper,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum TiesArg {
    /// Of equal gains, the edge whose source (then target) comes first in the node order.
    First,
    /// ... the one that comes last (the R package's rule).
    Last,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum FormatArg {
    /// .parquet/.arrow by extension; a first line naming cascade_id means CSV, else SNAP text.
    Auto,
    /// SNAP text: `id,name` node lines, an empty line, one `id,time,id,time,…` line per cascade.
    Snap,
    /// Long CSV with a header: cascade_id,node,time (rows of a cascade may be interleaved).
    Csv,
    /// Parquet with the long CSV's columns cascade_id,node,time.
    Parquet,
    /// Arrow IPC (file or stream) with the long CSV's columns.
    Arrow,
}

/// Reads NetInf-style cascades (also the survival models' input), saying the reader's
/// warnings on stderr.
pub(crate) fn read_input(input: &Path, format: FormatArg) -> Result<NodeCascades> {
    let format = match format {
        FormatArg::Auto => NetInfFormat::Auto,
        FormatArg::Snap => NetInfFormat::Snap,
        FormatArg::Csv => NetInfFormat::Csv,
        FormatArg::Parquet => NetInfFormat::Parquet,
        FormatArg::Arrow => NetInfFormat::Arrow,
    };
    let data = read_netinf(input, format)?;
    for w in &data.warnings {
        eprintln!("cascadia: warning: {w}");
    }
    Ok(data)
}

/// The model and weights, shared by inference and scoring.
#[derive(Debug, Args)]
pub(crate) struct ModelArgs {
    /// Input cascades (SNAP text or long CSV; - for standard input). Times are numbers or
    /// RFC 3339 timestamps; a node repeated inside a cascade keeps its last time (as SNAP).
    #[arg(long, short, required = true)]
    input: Option<PathBuf>,
    /// Input format.
    #[arg(long, value_enum, default_value = "auto")]
    format: FormatArg,
    /// Transmission model.
    #[arg(long, value_enum, default_value = "exp")]
    model: ModelArg,
    /// Global transmission rate α (> 0; > 1 for pow).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    alpha: f64,
    /// Edge weights: SNAP's (default) or the paper's / R package's.
    #[arg(long, value_enum, default_value = "snap")]
    weights: WeightsArg,
    /// β of --weights paper (weight of network edges).
    #[arg(long, allow_negative_numbers = true)]
    beta: Option<f64>,
    /// ε: the ε-edge constant (snap, default 1e-64) or ε-edge factor (paper, default 1e-10).
    #[arg(long, allow_negative_numbers = true)]
    epsilon: Option<f64>,
}

impl ModelArgs {
    fn params(&self) -> Result<NetInfParams> {
        if self.weights == WeightsArg::Snap && self.beta.is_some() {
            anyhow::bail!("--beta applies to --weights paper only (SNAP weights have no β)");
        }
        let weights = match self.weights {
            WeightsArg::Snap => Weights::Snap {
                epsilon: self.epsilon.unwrap_or(1e-64),
            },
            WeightsArg::Paper => Weights::Paper {
                beta: self.beta.unwrap_or(0.5),
                epsilon: self.epsilon.unwrap_or(1e-10),
            },
        };
        Ok(NetInfParams {
            model: match self.model {
                ModelArg::Exp => Model::Exp,
                ModelArg::Pow => Model::Pow,
                ModelArg::Ray => Model::Ray,
            },
            alpha: self.alpha,
            weights,
            ..Default::default()
        })
    }

    fn input(&self) -> Result<&Path> {
        self.input
            .as_deref()
            .context("give --input (see cascadia netinf --help)")
    }

    fn read(&self) -> Result<NodeCascades> {
        read_input(self.input()?, self.format)
    }
}

/// Arguments of `cascadia netinf`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Example:\n  cascadia netinf --input cascades.txt --edges 1444 --model exp --alpha 1 --output edges.csv --truth network.txt\n\nThe default reproduces SNAP's examples/netinf edge for edge; see README \"NetInf\"."
)]
pub(crate) struct NetinfArgs {
    #[command(subcommand)]
    command: Option<NetinfCommand>,
    #[command(flatten)]
    infer: InferArgs,
}

#[derive(Debug, Subcommand)]
enum NetinfCommand {
    /// Log-likelihood of a given network over the best tree and over all trees of every cascade.
    Score(ScoreArgs),
}

/// Arguments of `cascadia netinf score`.
#[derive(Debug, Args)]
pub(crate) struct ScoreArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// The network to score (node block, empty line, src,dst[,alpha] lines).
    #[arg(long)]
    network: PathBuf,
}

/// Arguments of the inference run.
#[derive(Debug, Args)]
pub(crate) struct InferArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Number of edges k to infer (also the k of the Theorem 4 bound). Without it: until the
    /// best gain is zero or --stop-ratio / --p-value-cutoff stops.
    #[arg(long, short = 'k')]
    edges: Option<usize>,
    /// Stop once F(G_i) >= (1 − ε') · bound_i: within ε' of the best possible k-edge network
    /// (the paper's online rule). Needs --edges.
    #[arg(long, allow_negative_numbers = true, requires = "edges")]
    stop_ratio: Option<f64>,
    /// Stop after the first edge whose one-sided Vuong test p-value is >= this (the R
    /// package's automatic edge count; that edge is kept, as in R).
    #[arg(long, allow_negative_numbers = true)]
    p_value_cutoff: Option<f64>,
    /// Tie rule for exactly equal gains (R breaks ties as `last`).
    #[arg(long, value_enum, default_value = "first")]
    ties: TiesArg,
    /// Edges in selection order: rank,src,dst,gain,objective,bound,vol,median_dt,mean_dt,p_value
    /// (- or omitted: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// The inferred network in SNAP's format (node block, empty line, src,dst in selection order).
    #[arg(long)]
    network_output: Option<PathBuf>,
    /// JSON summary: parameters, counts, stop reason, objective, bound, timings, metrics.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Ground-truth network (node block, empty line, src,dst[,alpha]): precision and recall
    /// after every step, break-even point, area under the precision–recall curve.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// With --truth: precision and recall per step as CSV (k,src,dst,true_edge,precision,recall).
    #[arg(long, requires = "truth")]
    pr_output: Option<PathBuf>,
    /// With --truth: the precision–recall curve as an SVG plot.
    #[arg(long, requires = "truth")]
    plot: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Where the marginal gains are evaluated. `gpu`: batches of nodes in lock-step rounds
    /// with an exact f64 kernel (needs SHADER_F64), the same edges bit for bit; an error if
    /// no such GPU. `auto`: the CPU, with one line on stderr: on an NVIDIA H100 the GPU
    /// engine was 1.2-3.2x slower than the CPU engine with 2 to 16 cores (two thirds of its
    /// time is host work between rounds; see the README).
    /// WGPU_ADAPTER_NAME and WGPU_BACKEND choose the adapter.
    #[arg(long, value_enum, default_value = "cpu")]
    backend: BackendArg,
    /// GPU engine: incidences of a batch of node problems resident on the device at once
    /// (host ~48 and device ~24 bytes each, and at most one storage binding per buffer; up to
    /// three batches at a time: one finishing, one running, the next being prepared).
    #[arg(long, default_value_t = 1 << 24)]
    gpu_batch_incidences: usize,
    /// GPU engine: time every kernel on the device (timestamps written between dispatches,
    /// where the device offers timestamp queries inside passes) and report the seconds per
    /// kernel in the summary (`stats.gpu.kernel_seconds`). The timestamps serialize the
    /// dispatches, so the run is slower: use it to see where device time goes, not to time
    /// the engine.
    #[arg(long)]
    gpu_profile: bool,
    /// Print the GPU adapter (name, backend, driver) on stderr.
    #[arg(long, short)]
    verbose: bool,
    /// No progress bar and no human summary.
    #[arg(long, short)]
    quiet: bool,
}

pub(crate) fn run(args: NetinfArgs) -> Result<ExitCode> {
    match args.command {
        Some(NetinfCommand::Score(s)) => score(s),
        None => infer(args.infer),
    }
}

/// Checks `params`, naming the flags in the error.
fn check(params: NetInfParams) -> Result<NetInfValidParams> {
    const FLAGS: &[(&str, &str)] = &[
        ("alpha", "--alpha"),
        ("edges", "--edges"),
        ("beta", "--beta"),
        ("epsilon", "--epsilon"),
        ("stop_ratio", "--stop-ratio"),
        ("p_value_cutoff", "--p-value-cutoff"),
    ];
    Ok(params.check().map_err(|e| args::flag(e, FLAGS))?)
}

fn infer(a: InferArgs) -> Result<ExitCode> {
    args::threads(a.threads);
    let mut params = a.model.params()?;
    params.edges = a.edges;
    params.stop_ratio = a.stop_ratio;
    params.p_value_cutoff = a.p_value_cutoff;
    params.ties = match a.ties {
        TiesArg::First => Ties::First,
        TiesArg::Last => Ties::Last,
    };
    let params = check(params)?;
    let t0 = std::time::Instant::now();
    let data = a.model.read()?;
    let read_seconds = t0.elapsed().as_secs_f64();
    let truth = match &a.truth {
        Some(p) => Some(read_network(p, &data.nodes)?),
        None => None,
    };
    let backend = args::backend(a.backend, netinf::AUTO_RULE, a.verbose)?;
    let gpu_options = netinf::GpuOptions {
        batch_incidences: a.gpu_batch_incidences.max(1),
        segment_incidences: None,
        log_spare: None,
        profile: a.gpu_profile,
    };
    let bar = Bar::counting(a.quiet, "nodes");
    let out = netinf::infer_with(&data, &params, &bar, &backend, gpu_options)?;
    bar.finish();

    let mut outputs = Outputs::default();
    let out_path = a.output.clone().unwrap_or_else(|| PathBuf::from("-"));
    outputs.write(&out_path, |w| write_edges(w, &data, &out))?;
    if let Some(p) = &a.network_output {
        outputs.write(p, |w| {
            write_network(w, &data, out.steps.iter().map(|s| (s.src, s.dst)))
        })?;
    }
    let metrics = match &truth {
        Some(t) => {
            let curve = pr_curve(&out, t);
            if let Some(p) = &a.pr_output {
                outputs.write(p, |w| write_pr(w, &data, &out, t, &curve))?;
            }
            if let Some(p) = &a.plot {
                let title = format!("NetInf: {}", a.model.input()?.display());
                outputs.write(p, |w| w.write_all(pr_svg(&curve, &title).as_bytes()))?;
            }
            Some(TruthMetrics::new(&curve, t.total, t.unknown_endpoint))
        }
        None => None,
    };
    let last = out.steps.last();
    let summary = json!({
        "cascadia_version": env!("CARGO_PKG_VERSION"),
        "command": "netinf",
        "input": a.model.input()?,
        "params": params,
        "nodes": data.n_nodes(),
        "cascades": data.cascades.len(),
        "events": data.cascades.n_events(),
        "repeated_nodes_in_cascades": data.duplicates,
        "warnings": data.warnings,
        "edges": out.steps.len(),
        "stop": out.stop,
        "objective": last.map(|s| s.objective),
        "bound": last.map(|s| s.bound),
        "initial_bound": out.initial_bound,
        "stats": out.stats,
        "seconds_read": read_seconds,
        "truth": metrics,
    });
    if let Some(p) = &a.summary {
        outputs.json(p, &summary)?;
    }
    outputs.commit()?;
    if !a.quiet {
        let st = &out.stats;
        eprintln!(
            "cascadia netinf: {} edges from {} candidates ({} nodes, {} cascades, {} incidences) in {:.3} s (read {:.3} s); stop: {:?}",
            out.steps.len(),
            st.candidates,
            st.nodes,
            st.cascades,
            st.incidences,
            st.seconds_nodes + st.seconds_merge,
            read_seconds,
            out.stop
        );
        if let Some(g) = &out.stats.gpu {
            eprintln!(
                "  gpu: {} ({} batches, {} rounds in {} submissions, {} gains over {} incidences, {} nodes on the host; {:.1} MB up, {:.1} MB down; host {:.3} s, waiting {:.3} s){}",
                g.adapter,
                g.batches,
                g.rounds,
                g.submissions,
                g.gains,
                g.incidences,
                g.host_nodes,
                g.bytes_up as f64 / 1e6,
                g.bytes_down as f64 / 1e6,
                g.seconds_host,
                g.seconds_wait,
                if backend.is_software() {
                    " — a software device: not GPU timings"
                } else {
                    ""
                }
            );
        }
        if let Some(times) = out
            .stats
            .gpu
            .as_ref()
            .and_then(|g| g.kernel_seconds.as_ref())
        {
            let list: Vec<String> = times.iter().map(|(k, v)| format!("{k} {v:.4} s")).collect();
            eprintln!("  device time per kernel: {}", list.join(", "));
        } else if a.gpu_profile && out.stats.gpu.is_some() {
            eprintln!("  --gpu-profile: this device has no timestamp queries inside passes");
        }
        if let Some(s) = last {
            eprintln!(
                "  model {} α = {}, objective F = {:.6}, Theorem 4 bound on the best {}-edge network {:.6} (F/bound = {:.4})",
                params.model.name(),
                params.alpha,
                s.objective,
                params.edges.unwrap_or(out.steps.len()),
                s.bound,
                s.objective / s.bound
            );
        }
        if data.duplicates > 0 {
            eprintln!(
                "  {} repeated nodes inside cascades: the last time of each was kept (as SNAP)",
                data.duplicates
            );
        }
        if let Some(m) = &metrics {
            eprintln!(
                "  truth: {} true edges; precision {:.4}, recall {:.4}; break-even point {}; area under PR {:.4}",
                m.true_edges,
                m.precision.unwrap_or(f64::NAN),
                m.recall.unwrap_or(f64::NAN),
                m.break_even_point
                    .map_or("n/a (fewer edges than true edges)".into(), |b| format!(
                        "{b:.4}"
                    )),
                m.area_under_pr
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn score(a: ScoreArgs) -> Result<ExitCode> {
    let params = check(a.model.params()?)?;
    let data = a.model.read()?;
    let net = read_network(&a.network, &data.nodes)?;
    let mut edges: Vec<(u32, u32)> = net.edges.iter().copied().collect();
    edges.sort_unstable();
    let s = netinf::score::score(&data, &params, &edges);
    let out = json!({
        "network": a.network,
        "edges": net.total,
        "edges_with_unknown_nodes": net.unknown_endpoint,
        "params": params,
        "best_tree": s.best_tree,
        "all_trees": s.all_trees,
        "objective": s.objective,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(ExitCode::SUCCESS)
}
