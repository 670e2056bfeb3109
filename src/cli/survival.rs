//! `cascadia survival`: network inference with survival models (NetRate's additive model and
//! the multiplicative model), and `cascadia survival validate`: the predictive check.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use cascadia::cascade::NodeCascades;
use cascadia::io::network::read_network;
use cascadia::metrics::edges::precision_recall;
use cascadia::plots::{LinePlot, Series, pr_svg};
use cascadia::survival::metrics::{SurvivalMetrics, metrics};
use cascadia::survival::output::{write_nodes, write_rate_network, write_rates};
use cascadia::survival::validate::{Validation, validate};
use cascadia::survival::{
    self, Baseline, Fit, Shape, SurvivalModel, SurvivalParams, SurvivalValidParams,
};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::args::{self, BackendArg};
use super::output::Outputs;
use super::progress::Bar;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModelArg {
    /// Additive risk: λ_i(t) = Σ_j α_ji γ(t_j; t), α ≥ 0 (NetRate with --shape).
    Additive,
    /// Multiplicative risk: λ_i(t) = α_0(t) exp(Σ_j a_ji), with an L1 penalty λ.
    Multiplicative,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ShapeArg {
    /// γ = 1, Γ = Δ (NetRate exponential).
    Exp,
    /// γ = 1/Δ, Γ = log(Δ/δ) for Δ > δ, both 0 otherwise (NetRate power law).
    Pow,
    /// γ = Δ, Γ = Δ²/2 (NetRate Rayleigh).
    Ray,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum BaselineArg {
    /// α_0 = e^b.
    Const,
    /// α_0 = e^b τ, τ = time since the cascade's source.
    Linear,
    /// α_0 = e^b / τ, τ = time since the cascade's source + 1.
    Inverse,
}

/// The data and the model, shared by fitting and validation.
#[derive(Debug, Args)]
pub(crate) struct ModelArgs {
    /// Input cascades (SNAP text or long CSV; - for standard input). Single-node cascades are
    /// data (they add censoring terms).
    #[arg(long, short, required = true)]
    input: Option<PathBuf>,
    /// Input format.
    #[arg(long, value_enum, default_value = "auto")]
    format: super::netinf::FormatArg,
    /// Risk model.
    #[arg(long, value_enum, default_value = "additive")]
    model: ModelArg,
    /// Additive model: time-shaping function.
    #[arg(long, value_enum, default_value = "exp")]
    shape: ShapeArg,
    /// Additive `pow`: the minimum delay δ (> 0).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    delta: f64,
    /// Multiplicative model: baseline shape.
    #[arg(long, value_enum, default_value = "const")]
    baseline: BaselineArg,
    /// Multiplicative model: baseline level b (α_0 = e^b …; the paper: -3).
    #[arg(long, allow_negative_numbers = true, default_value_t = -3.0)]
    b: f64,
    /// Multiplicative model: L1 weight λ (≥ 0).
    #[arg(long, allow_negative_numbers = true, default_value_t = 5.0)]
    lambda: f64,
    /// Observation window T (> 0): each cascade is observed until its source's time + T, and
    /// an infection later than that is an error. Default: each cascade until its last infection.
    #[arg(long, allow_negative_numbers = true)]
    window: Option<f64>,
    /// Per-cascade windows: a CSV `cascade_id,window` (ids as the long CSV names cascades; for
    /// SNAP text, the 0-based cascade line). Cascades it does not list use --window (or their
    /// own last infection).
    #[arg(long)]
    windows: Option<PathBuf>,
    /// Certificate tolerance: the largest scaled gradient residual accepted (on the support:
    /// |∂/∂α_j|/S_j; off it: the sign or L1 condition).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-9)]
    tol: f64,
    /// Newton steps allowed per node.
    #[arg(long, default_value_t = 1000)]
    max_iterations: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// The library's model from the flags.
pub(crate) fn model_of(
    model: ModelArg,
    shape: ShapeArg,
    delta: f64,
    baseline: BaselineArg,
    b: f64,
    lambda: f64,
) -> SurvivalModel {
    match model {
        ModelArg::Additive => SurvivalModel::Additive {
            shape: match shape {
                ShapeArg::Exp => Shape::Exp,
                ShapeArg::Pow => Shape::Pow,
                ShapeArg::Ray => Shape::Ray,
            },
            delta,
        },
        ModelArg::Multiplicative => SurvivalModel::Multiplicative {
            baseline: match baseline {
                BaselineArg::Const => Baseline::Const,
                BaselineArg::Linear => Baseline::Linear,
                BaselineArg::Inverse => Baseline::Inverse,
            },
            b,
            lambda,
        },
    }
}

impl ModelArgs {
    fn params(&self) -> Result<SurvivalValidParams> {
        let model = model_of(
            self.model,
            self.shape,
            self.delta,
            self.baseline,
            self.b,
            self.lambda,
        );
        const FLAGS: &[(&str, &str)] = &[
            ("window", "--window"),
            ("delta", "--delta"),
            ("b", "--b"),
            ("lambda", "--lambda"),
            ("tol", "--tol"),
            ("max_iterations", "--max-iterations"),
        ];
        Ok(SurvivalParams {
            model,
            window: self.window,
            windows: None,
            tol: self.tol,
            max_iterations: self.max_iterations,
            keep_zeros: false,
        }
        .check()
        .map_err(|e| args::flag(e, FLAGS))?)
    }

    fn input(&self) -> Result<&Path> {
        self.input
            .as_deref()
            .context("give --input (see cascadia survival --help)")
    }

    fn read(&self) -> Result<NodeCascades> {
        super::netinf::read_input(self.input()?, self.format)
    }

    /// The parameters with the per-cascade windows of `--windows` resolved against `data`.
    fn params_for(&self, data: &NodeCascades, keep_zeros: bool) -> Result<SurvivalValidParams> {
        let mut p = self.params()?.into_inner();
        p.keep_zeros = keep_zeros;
        if let Some(path) = &self.windows {
            p.windows = Some(read_windows(path, data)?);
        }
        Ok(p.check()
            .map_err(|e| args::flag(e, &[("windows", "--windows")]))?)
    }

    fn value_name(&self) -> &'static str {
        match self.model {
            ModelArg::Additive => "alpha",
            ModelArg::Multiplicative => "a",
        }
    }
}

/// Arguments of `cascadia survival`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:\n  cascadia survival --input cascades.txt --shape exp --window 10 --output rates.csv --nodes-output nodes.csv --truth network.txt\n  cascadia survival --model multiplicative --baseline const --b -3 --lambda 5 --window 3 --input cascades.txt --output a.csv\n\nEvery node's optimum is certified (nodes.csv); a node that misses the tolerance is reported and the exit code is 1. See README \"Survival models\"."
)]
pub(crate) struct SurvivalArgs {
    #[command(subcommand)]
    command: Option<SurvivalCommand>,
    #[command(flatten)]
    fit: FitArgs,
}

#[derive(Debug, Subcommand)]
enum SurvivalCommand {
    /// Predictive check: fit on 80% of the cascades, simulate from the held-out cascades'
    /// sources, compare cascade sizes and durations (Kolmogorov–Smirnov distances).
    Validate(ValidateArgs),
}

/// Arguments of the fit.
#[derive(Debug, Args)]
pub(crate) struct FitArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Fitted parameters: `src,dst,alpha` (additive) or `src,dst,a` (multiplicative), every
    /// nonzero one, by target then parent (- or omitted: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Write every variable, zeros included.
    #[arg(long)]
    all_candidates: bool,
    /// One row per node with its certificate:
    /// node,n_vars,n_terms,objective,stationarity,min_grad_off_support,iterations,status.
    #[arg(long)]
    nodes_output: Option<PathBuf>,
    /// The inferred network (|value| > --min-rate) in SNAP's format with rates: node block,
    /// empty line, src,dst,value.
    #[arg(long)]
    network_output: Option<PathBuf>,
    /// Ground-truth network with rates (node block, empty line, src,dst,alpha): precision,
    /// recall, edge accuracy, MSE, NetRate's MAE.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// An edge is a parameter with |value| above this (NetRate's min_tol).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-4)]
    min_rate: f64,
    /// JSON summary: parameters, counts, certificate extremes, timings, metrics.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// With --truth: write the precision–recall curve (edges ranked by |value|) and a
    /// true-vs-fitted plot as SVG, as <PREFIX>-pr.svg and <PREFIX>-fit.svg.
    #[arg(long, requires = "truth", value_name = "PREFIX")]
    plot: Option<PathBuf>,
    /// Where the additive model's warm start runs. `gpu`: EM sweeps over every node of a batch
    /// in f64 kernels (needs SHADER_F64), then the same CPU Newton polish to the certificate.
    /// `auto`: the CPU. The multiplicative model always runs on the CPU.
    #[arg(long, value_enum, default_value = "cpu")]
    backend: BackendArg,
    /// Print the GPU adapter on stderr.
    #[arg(long, short)]
    verbose: bool,
    /// No progress bar and no human summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Arguments of `cascadia survival validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Share of the cascades (in input order, every fifth by default) held out for testing.
    #[arg(long, default_value_t = 0.2)]
    test_fraction: f64,
    /// Simulated cascades per held-out cascade.
    #[arg(long, default_value_t = 1)]
    replicates: usize,
    /// Random seed of the simulation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// JSON report (- or omitted: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

pub(crate) fn run(args: SurvivalArgs) -> Result<ExitCode> {
    match args.command {
        Some(SurvivalCommand::Validate(v)) => run_validate(v),
        None => run_fit(args.fit),
    }
}

fn fit_with_progress(
    data: &NodeCascades,
    params: &SurvivalValidParams,
    backend: &cascadia::Backend,
    quiet: bool,
) -> Result<Fit> {
    let bar = Bar::counting(quiet, "nodes");
    let fit = survival::fit_with(data, params, &bar, backend)?;
    bar.finish();
    Ok(fit)
}

fn run_fit(a: FitArgs) -> Result<ExitCode> {
    args::threads(a.model.threads);
    // Parameters are checked before reading (a bad flag fails fast), then with the windows.
    a.model.params()?;
    if !(a.min_rate.is_finite() && a.min_rate >= 0.0) {
        bail!(
            "--min-rate {}: must be a finite number >= 0 (NetRate: 1e-4)",
            a.min_rate
        );
    }
    let t0 = std::time::Instant::now();
    let data = a.model.read()?;
    let read_seconds = t0.elapsed().as_secs_f64();
    let params = a.model.params_for(&data, a.all_candidates)?;
    let truth = match &a.truth {
        Some(p) => {
            let t = read_network(p, &data.nodes)?;
            if t.with_rate < t.total {
                bail!(
                    "{}: {} of its {} edges have no numeric third field; the survival metrics need `src,dst,alpha` lines",
                    p.display(),
                    t.total - t.with_rate,
                    t.total
                );
            }
            Some(t)
        }
        None => None,
    };
    let backend = args::backend(a.backend, survival::AUTO_RULE, a.verbose)?;
    let fit = fit_with_progress(&data, &params, &backend, a.quiet)?;

    let mut outputs = Outputs::default();
    let out_path = a.output.clone().unwrap_or_else(|| PathBuf::from("-"));
    let name = a.model.value_name();
    outputs.write(&out_path, |w| write_rates(w, &data, &fit.edges, name))?;
    if let Some(p) = &a.nodes_output {
        outputs.write(p, |w| write_nodes(w, &data, &fit.nodes))?;
    }
    if let Some(p) = &a.network_output {
        outputs.write(p, |w| write_rate_network(w, &data, &fit.edges, a.min_rate))?;
    }
    let m: Option<SurvivalMetrics> = truth
        .as_ref()
        .map(|t| metrics(&fit.edges, &t.rates, t.total, a.min_rate));
    if let (Some(prefix), Some(t)) = (&a.plot, &truth) {
        let title = a.model.input()?.display().to_string();
        let mut ranked: Vec<_> = fit
            .edges
            .iter()
            .filter(|e| e.value.abs() > a.min_rate)
            .collect();
        ranked.sort_by(|x, y| {
            y.value
                .abs()
                .total_cmp(&x.value.abs())
                .then((x.src, x.dst).cmp(&(y.src, y.dst)))
        });
        let hits: Vec<bool> = ranked
            .iter()
            .map(|e| t.rates.contains_key(&(e.src, e.dst)))
            .collect();
        let curve = precision_recall(&hits, t.total);
        outputs.write(&suffixed(prefix, "-pr.svg"), |w| {
            w.write_all(pr_svg(&curve, &format!("survival ({name}): {title}")).as_bytes())
        })?;
        outputs.write(&suffixed(prefix, "-fit.svg"), |w| {
            w.write_all(fit_svg(&fit, &t.rates, name, &title).as_bytes())
        })?;
    }
    let st = &fit.stats;
    let not_optimal: Vec<String> = fit
        .nodes
        .iter()
        .filter(|n| !n.status.is_optimal())
        .map(|n| {
            format!(
                "{} ({}: stationarity {:e})",
                data.id(n.node),
                n.status.name(),
                n.stationarity
            )
        })
        .collect();
    let summary = json!({
        "cascadia_version": env!("CARGO_PKG_VERSION"),
        "command": "survival",
        "input": a.model.input()?,
        "params": *params,
        "min_rate": a.min_rate,
        "nodes": data.n_nodes(),
        "cascades": data.cascades.len(),
        "events": data.cascades.n_events(),
        "repeated_nodes_in_cascades": data.duplicates,
        "warnings": data.warnings,
        "edges": fit.edges.iter().filter(|e| e.value.abs() > a.min_rate).count(),
        "objective_total": fit.nodes.iter().map(|n| n.objective).sum::<f64>(),
        "stats": st,
        "gpu": fit.gpu,
        "not_optimal": not_optimal,
        "seconds_read": read_seconds,
        "truth": m,
    });
    if let Some(p) = &a.summary {
        outputs.json(p, &summary)?;
    }
    outputs.commit()?;
    if !a.quiet {
        eprintln!(
            "cascadia survival: {} nodes, {} cascades, {} variables, {} log terms; {} nonzero parameters ({} above {}) in {:.3} s (read {:.3} s), {} Newton steps",
            data.n_nodes(),
            data.cascades.len(),
            st.variables,
            st.terms,
            st.support,
            fit.edges
                .iter()
                .filter(|e| e.value.abs() > a.min_rate)
                .count(),
            a.min_rate,
            st.seconds_index + st.seconds_solve,
            read_seconds,
            st.iterations
        );
        eprintln!(
            "  certificate: largest stationarity residual {:.2e}, smallest off-support margin {:.2e} (tolerance {:e})",
            st.max_stationarity, st.min_grad_off_support, params.tol
        );
        if let Some(g) = &fit.gpu {
            eprintln!(
                "  gpu: {} ({} batches, {} submissions, {} dispatches, {} bytes up, {} down; {:.3} s){}",
                g.adapter,
                g.batches,
                g.submissions,
                g.dispatches,
                g.bytes_up,
                g.bytes_down,
                g.seconds_device,
                if backend.is_software() {
                    " — a software device: not GPU timings"
                } else {
                    ""
                }
            );
        }
        if let Some(m) = &m {
            eprintln!(
                "  truth: {} true edges, {} inferred, {} true positives; precision {:.4}, recall {:.4}, edge accuracy {:.4}, MSE {:.4}, NetRate MAE {:.4} (NetRate's \"precision\" |E_true|/|E_hat| = {:.4})",
                m.true_edges,
                m.inferred_edges,
                m.true_positives,
                m.precision,
                m.recall,
                m.edge_accuracy,
                m.mse,
                m.mae,
                m.netrate_pr
            );
        }
    }
    if !not_optimal.is_empty() {
        eprintln!(
            "cascadia survival: {} node(s) did not reach the certificate (see nodes.csv): {}",
            not_optimal.len(),
            not_optimal
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads `cascade_id,window` rows into one window per cascade of `data` (NaN: not listed).
fn read_windows(path: &Path, data: &NodeCascades) -> Result<Vec<f64>> {
    let text = std::fs::read_to_string(path).map_err(|e| cascadia::Error::io(path, e))?;
    let index: std::collections::HashMap<&str, usize> = data
        .cascades
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name, i))
        .collect();
    let mut out = vec![f64::NAN; data.cascades.len()];
    let mut lines = text.lines().enumerate();
    let header = lines
        .next()
        .map(|(_, h)| h.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if header.replace(' ', "") != "cascade_id,window" {
        bail!(
            "{}:1: expected the header `cascade_id,window`, found {header:?}",
            path.display()
        );
    }
    for (k, line) in lines {
        let n = k + 1;
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let [id, w] = f[..] else {
            bail!(
                "{}:{n}: expected `cascade_id,window`, found {line:?}",
                path.display()
            );
        };
        let Some(&c) = index.get(id) else {
            bail!(
                "{}:{n}: field `cascade_id`: cascade {id:?} is not in the input",
                path.display()
            );
        };
        match w.parse::<f64>() {
            Ok(t) if t.is_finite() && t > 0.0 => out[c] = t,
            _ => bail!(
                "{}:{n}: field `window`: {w:?} is not a number > 0",
                path.display()
            ),
        }
    }
    Ok(out)
}

/// `prefix` + `suffix` as a path.
fn suffixed(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// True vs fitted parameter of every true edge (log10 of both when all are positive).
fn fit_svg(
    fit: &Fit,
    truth: &rustc_hash::FxHashMap<(u32, u32), f64>,
    name: &str,
    title: &str,
) -> String {
    let fitted: rustc_hash::FxHashMap<(u32, u32), f64> = fit
        .edges
        .iter()
        .map(|e| ((e.src, e.dst), e.value))
        .collect();
    let mut keys: Vec<_> = truth.keys().copied().collect();
    keys.sort_unstable();
    let log = truth.values().all(|&v| v > 0.0) && name == "alpha";
    let floor = 1e-6;
    let pts: Vec<(f64, f64)> = keys
        .iter()
        .map(|k| {
            let (t, f) = (truth[k], fitted.get(k).copied().unwrap_or(0.0));
            if log {
                (t.log10(), f.max(floor).log10())
            } else {
                (t, f)
            }
        })
        .collect();
    let lo = pts
        .iter()
        .map(|p| p.0.min(p.1))
        .fold(f64::INFINITY, f64::min);
    let hi = pts
        .iter()
        .map(|p| p.0.max(p.1))
        .fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let label = if log {
        format!("log10 {name}")
    } else {
        name.to_string()
    };
    let mut plot = LinePlot::unit(
        &format!("true vs fitted {name}: {title}"),
        &format!("true {label}"),
        &format!(
            "fitted {label}{}",
            if log { " (0 shown at -6)" } else { "" }
        ),
    );
    plot.x_range = (lo, hi);
    plot.y_range = (lo, hi);
    plot.diagonal = true;
    plot.markers = true;
    plot.series.push(Series {
        label: "true edges".into(),
        points: pts,
    });
    plot.svg()
}

fn run_validate(a: ValidateArgs) -> Result<ExitCode> {
    args::threads(a.model.threads);
    a.model.params()?;
    if !(a.test_fraction > 0.0 && a.test_fraction < 1.0) {
        bail!(
            "--test-fraction {}: must be in (0, 1) (default 0.2)",
            a.test_fraction
        );
    }
    if a.replicates == 0 {
        bail!("--replicates 0: must be >= 1");
    }
    let data = a.model.read()?;
    let params = a.model.params_for(&data, false)?;
    let bar = Bar::counting(a.quiet, "nodes");
    let v: Validation = validate(&data, &params, a.test_fraction, a.replicates, a.seed, &bar)?;
    bar.finish();
    let mut outputs = Outputs::default();
    let out_path = a.output.clone().unwrap_or_else(|| PathBuf::from("-"));
    let report = json!({
        "cascadia_version": env!("CARGO_PKG_VERSION"),
        "command": "survival validate",
        "input": a.model.input()?,
        "params": *params,
        "test_fraction": a.test_fraction,
        "replicates": a.replicates,
        "seed": a.seed,
        "validation": v,
    });
    outputs.json(&out_path, &report)?;
    outputs.commit()?;
    if !a.quiet {
        eprintln!(
            "cascadia survival validate: {} training and {} test cascades; KS distance of sizes {:.4}, of durations {:.4} ({} simulated cascades; fit: {} nodes not optimal)",
            v.train_cascades,
            v.test_cascades,
            v.ks_size,
            v.ks_duration,
            v.simulated_cascades,
            v.not_optimal
        );
    }
    Ok(ExitCode::SUCCESS)
}
