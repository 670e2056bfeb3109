//! `cascadia threshold simulate|estimate|predict` and `cascadia synth threshold`: the linear
//! threshold model with heterogeneous thresholds (spec `threshold.md`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail, ensure};
use cascadia::backend::AutoRule;
use cascadia::plots::{LinePlot, Series};
use cascadia::threshold::estimate::{self, TreeConfig};
use cascadia::threshold::input::{
    Steps, read_activations, read_features, read_graph, read_node_values, read_thresholds,
};
use cascadia::threshold::output::{
    ScoreRow, write_activations, write_estimates, write_scores, write_spread,
};
use cascadia::threshold::predict::{self, StepScore};
use cascadia::threshold::simulate::{self, Run, ThresholdSource, random_seeds};
use cascadia::threshold::{Activations, Graph, Weights};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::args::{BackendArg, backend, threads};
use super::output::Outputs;

/// `--backend auto` for the simulation: measured on a real GPU (README, Threshold model).
pub(crate) const AUTO_RULE: AutoRule = AutoRule::HardwareGpu;

#[derive(Debug, Subcommand)]
pub(crate) enum ThresholdCommand {
    /// Simulate many runs (seed sets × threshold draws) in synchronous rounds; write the new
    /// activations per step and a spread summary.
    Simulate(SimulateArgs),
    /// Per-node threshold bounds and estimates from observed activations; with --features the
    /// trigger-based causal tree gives group estimates.
    Estimate(EstimateArgs),
    /// Score estimated thresholds on observed activations: one-step Jaccard per step, the
    /// cumulative Jaccard, hpe-ltm's recall, against random, global and (with --truth) oracle
    /// baselines.
    Predict(PredictArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum WeightsArg {
    /// b_uv = 1/indeg(v): the fraction of active in-neighbours (exact).
    Uniform,
    /// b_uv = w_uv / sum of v's in-weights, from the graph's `weight` column.
    Column,
}

/// The graph and how to read it, shared by every command.
#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    /// Graph: `src,dst[,weight]`, one row per edge; src influences dst.
    #[arg(long)]
    graph: PathBuf,
    /// Edge weights: uniform (fraction of active in-neighbours) or column (normalised per
    /// target).
    #[arg(long, value_enum, default_value = "uniform")]
    weights: WeightsArg,
    /// Read each row `src,dst` as "src follows dst": dst influences src.
    #[arg(long)]
    reverse: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// No human summary on stderr.
    #[arg(long, short)]
    quiet: bool,
}

impl GraphArgs {
    fn load(&self) -> Result<Graph> {
        threads(self.threads);
        let w = match self.weights {
            WeightsArg::Uniform => Weights::Uniform,
            WeightsArg::Column => Weights::Column,
        };
        Ok(read_graph(&self.graph, w, self.reverse)?)
    }
}

/// Activations and how to bucket timestamps.
#[derive(Debug, Args)]
pub(crate) struct ActivationArgs {
    /// Activations: `cascade_id,node,step` (seeds at step 0), or `cascade_id,node,time` with
    /// --step-width.
    #[arg(long)]
    activations: PathBuf,
    /// Bucket a `time` column into steps of this width: step = floor((time - origin) / width).
    #[arg(long)]
    step_width: Option<f64>,
    /// Time of step 0 with --step-width.
    #[arg(long, default_value_t = 0.0, requires = "step_width")]
    origin: f64,
    /// Observe only up to this step (the horizon T; default: the largest step in the file).
    #[arg(long)]
    until_step: Option<u32>,
}

impl ActivationArgs {
    fn load(&self, g: &Graph) -> Result<Activations> {
        let steps = match self.step_width {
            Some(w) => {
                ensure!(
                    w > 0.0 && w.is_finite(),
                    "--step-width must be a positive number, got {w}"
                );
                ensure!(self.origin.is_finite(), "--origin must be finite");
                Some(Steps {
                    width: w,
                    origin: self.origin,
                })
            }
            None => None,
        };
        let a = read_activations(&self.activations, g, steps, false)?;
        if a.is_empty() {
            bail!(
                "{}: no activations; the file is `cascade_id,node,step`",
                self.activations.display()
            );
        }
        Ok(a)
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("theta").required(true).args(["thresholds", "uniform", "constant"])))]
#[command(group(clap::ArgGroup::new("seed_set").required(true).args(["seeds", "seed_fraction"])))]
pub(crate) struct SimulateArgs {
    #[command(flatten)]
    graph: GraphArgs,
    /// Fixed thresholds `node,theta` (`inf`: never activates), the same in every run.
    #[arg(long)]
    thresholds: Option<PathBuf>,
    /// Draw θ ~ U[0,1) per node and run (the classic LTM; seeded by --seed).
    #[arg(long)]
    uniform: bool,
    /// The same θ for every node.
    #[arg(long)]
    constant: Option<f64>,
    /// Seed sets: `cascade_id,node` (each cascade's step-0 set); every set runs --runs times
    /// (threshold draws 0..runs; ids `cascade/draw` when runs > 1).
    #[arg(long)]
    seeds: Option<PathBuf>,
    /// A random seed set of this share of the nodes per run (ids 0..runs).
    #[arg(long)]
    seed_fraction: Option<f64>,
    /// Runs (per seed set with --seeds).
    #[arg(long, default_value_t = 1)]
    runs: u64,
    /// Rounds after the seeds (steps 1..N).
    #[arg(long, default_value_t = 8)]
    steps: u32,
    /// Seed of the threshold draws and random seed sets.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// New activations: `cascade_id,node,step` (seeds at step 0).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Spread per step over all runs: `step,mean_new,mean_active,q05,q50,q95`.
    #[arg(long)]
    spread: Option<PathBuf>,
    /// Summary JSON (parameters, spread per step, timings, GPU counters).
    #[arg(long)]
    summary: Option<PathBuf>,
    /// cpu (all cores, a frontier per run), gpu (batched rounds, same activations bit for
    /// bit), auto (a hardware GPU when there is one).
    #[arg(long, value_enum, default_value = "cpu")]
    backend: BackendArg,
    /// Print the GPU adapter.
    #[arg(long, short)]
    verbose: bool,
}

fn simulate_cmd(a: SimulateArgs) -> Result<ExitCode> {
    let t0 = Instant::now();
    let g = a.graph.load()?;
    let n = g.n_nodes();
    ensure!(a.runs >= 1, "--runs must be at least 1");
    let source = if let Some(p) = &a.thresholds {
        ThresholdSource::Fixed(read_thresholds(p, &g)?)
    } else if let Some(c) = a.constant {
        ensure!(!c.is_nan(), "--constant must be a number");
        ThresholdSource::Fixed(vec![c; n])
    } else {
        ThresholdSource::Uniform { seed: a.seed }
    };
    let runs: Vec<Run> = if let Some(p) = &a.seeds {
        let sets = read_activations(p, &g, None, true)?;
        ensure!(!sets.is_empty(), "{}: no seed rows", p.display());
        let mut runs = Vec::new();
        for (c, id) in sets.ids.iter().enumerate() {
            let seeds: Vec<u32> = sets.rows[c].iter().map(|r| r.0).collect();
            for d in 0..a.runs {
                runs.push(Run {
                    id: if a.runs == 1 {
                        id.clone()
                    } else {
                        format!("{id}/{d}")
                    },
                    seeds: seeds.clone(),
                    draw: d,
                });
            }
        }
        runs
    } else {
        let f = a.seed_fraction.expect("clap requires one");
        ensure!(
            (0.0..=1.0).contains(&f),
            "--seed-fraction must be in [0, 1], got {f}"
        );
        let k = (f * n as f64).round() as usize;
        (0..a.runs)
            .map(|r| Run {
                id: r.to_string(),
                seeds: random_seeds(n, k, a.seed, r),
                draw: r,
            })
            .collect()
    };
    let keep = a.output.is_some();
    let be = backend(a.backend, AUTO_RULE, a.verbose)?;
    let t1 = Instant::now();
    let mut gpu_stats = None;
    let results = match be.gpu() {
        Some(ctx) => {
            let mut st = cascadia::threshold::gpu::GpuStats::default();
            let r = cascadia::threshold::gpu::simulate(
                ctx, &g, &source, &runs, a.steps, keep, &mut st,
            )?;
            gpu_stats = Some(st);
            r
        }
        None => simulate::simulate_cpu(&g, &source, &runs, a.steps, keep),
    };
    let seconds = t1.elapsed().as_secs_f64();
    let spread = simulate::summarise(&results, a.steps);
    let mut outputs = Outputs::default();
    if let Some(p) = &a.output {
        outputs.write(p, |w| write_activations(w, &g, &runs, &results))?;
    }
    if let Some(p) = &a.spread {
        outputs.write(p, |w| write_spread(w, &spread))?;
    }
    // Edges a run touches at most: every edge once.
    let edge_runs = runs.len() as f64 * g.n_edges() as f64;
    let summary = json!({
        "graph": a.graph.graph,
        "nodes": n,
        "edges": g.n_edges(),
        "weights": g.weights,
        "runs": runs.len(),
        "steps": a.steps,
        "thresholds": match &source { ThresholdSource::Fixed(_) => "fixed", ThresholdSource::Uniform { .. } => "uniform" },
        "seed": a.seed,
        "backend": be.describe(),
        "spread": spread,
        "seconds_simulate": seconds,
        "seconds_total": t0.elapsed().as_secs_f64(),
        "runs_edges_per_second": edge_runs / seconds.max(1e-12),
        "gpu": gpu_stats,
    });
    if let Some(p) = &a.summary {
        outputs.json(p, &summary)?;
    }
    outputs.commit()?;
    if !a.graph.quiet {
        let last = spread.last().expect("step 0 at least");
        eprintln!(
            "cascadia threshold simulate: {} runs on {} nodes / {} edges, {} steps in {:.3} s ({}; {:.3e} runs·edges/s)",
            runs.len(),
            n,
            g.n_edges(),
            a.steps,
            seconds,
            be.describe(),
            edge_runs / seconds.max(1e-12)
        );
        eprintln!("  step  mean new  mean active    q05    q50    q95");
        for s in &spread {
            eprintln!(
                "  {:>4}  {:>8.2}  {:>11.2}  {:>5}  {:>5}  {:>5}",
                s.step, s.mean_new, s.mean_active, s.q05, s.q50, s.q95
            );
        }
        eprintln!(
            "  final: {:.1}% of nodes active on average",
            100.0 * last.mean_active / n.max(1) as f64
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub(crate) struct EstimateArgs {
    #[command(flatten)]
    graph: GraphArgs,
    #[command(flatten)]
    acts: ActivationArgs,
    /// Node features `node,f1,f2,...`: fit the trigger-based causal tree and take censored
    /// nodes' estimates from its leaves (without: one global trigger).
    #[arg(long)]
    features: Option<PathBuf>,
    /// Per-node estimates: `node,L,U,theta_hat,n_cascades,status,theta_group`.
    #[arg(long)]
    output: PathBuf,
    /// The fitted tree as JSON (with --features).
    #[arg(long, requires = "features")]
    tree: Option<PathBuf>,
    /// Summary JSON (counts by status, the global trigger, the tree's size, timings).
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Tree: deepest level.
    #[arg(long, default_value_t = 6)]
    max_depth: u32,
    /// Tree: fewest training rows per child.
    #[arg(long, default_value_t = 50)]
    min_rows: usize,
    /// Tree: candidate cuts per feature and node (quantiles).
    #[arg(long, default_value_t = 32)]
    max_cuts: usize,
    /// Tree: share of nodes held out for honest validation.
    #[arg(long, default_value_t = 0.2)]
    validation: f64,
    /// Tree: seed of the validation split.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn estimate_cmd(a: EstimateArgs) -> Result<ExitCode> {
    let t0 = Instant::now();
    let g = a.graph.load()?;
    let acts = a.acts.load(&g)?;
    let feats = a
        .features
        .as_ref()
        .map(|p| read_features(p, &g))
        .transpose()?;
    ensure!(
        a.validation > 0.0 && a.validation < 1.0,
        "--validation must be in (0, 1)"
    );
    let horizon = estimate::horizon(&acts, a.acts.until_step);
    let t1 = Instant::now();
    let mut est = estimate::bounds(&g, &acts, horizon);
    let rows = estimate::risk_set(&g, &acts, horizon);
    let global = estimate::best_trigger(&rows);
    let t2 = Instant::now();
    let cfg = TreeConfig {
        max_depth: a.max_depth,
        min_rows: a.min_rows.max(2),
        max_cuts: a.max_cuts.max(1),
        validation: a.validation,
        seed: a.seed,
    };
    let tree = feats.as_ref().map(|f| estimate::fit_tree(&rows, f, &cfg));
    let t3 = Instant::now();
    let n = g.n_nodes();
    let group: Vec<f64> = match (&tree, &feats) {
        (Some(t), Some(f)) => (0..n as u32).map(|v| t.predict(|k| f.get(v, k))).collect(),
        _ => vec![global.map_or(f64::INFINITY, |t| t.tau); n],
    };
    estimate::finish(&mut est, &group);
    let count = |s: estimate::Status| est.iter().filter(|e| e.status == s).count();
    let mut outputs = Outputs::default();
    outputs.write(&a.output, |w| write_estimates(w, &g, &est))?;
    if let (Some(p), Some(t)) = (&a.tree, &tree) {
        outputs.json(p, t)?;
    }
    let summary = json!({
        "graph": a.graph.graph,
        "activations": a.acts.activations,
        "nodes": n,
        "cascades": acts.len(),
        "horizon": horizon,
        "ok": count(estimate::Status::Ok),
        "censored": count(estimate::Status::Censored),
        "inconsistent": count(estimate::Status::Inconsistent),
        "risk_rows": rows.len(),
        "global_trigger": global,
        "tree": tree.as_ref().map(|t| json!({"leaves": t.leaves(), "depth": t.depth(), "config": cfg})),
        "seconds_bounds_and_rows": (t2 - t1).as_secs_f64(),
        "seconds_tree": (t3 - t2).as_secs_f64(),
        "seconds_total": t0.elapsed().as_secs_f64(),
    });
    if let Some(p) = &a.summary {
        outputs.json(p, &summary)?;
    }
    outputs.commit()?;
    if !a.graph.quiet {
        eprintln!(
            "cascadia threshold estimate: {} nodes over {} cascades to step {}: {} ok, {} censored, {} inconsistent; global trigger {}",
            n,
            acts.len(),
            horizon,
            count(estimate::Status::Ok),
            count(estimate::Status::Censored),
            count(estimate::Status::Inconsistent),
            global.map_or("none".to_string(), |t| format!(
                "{:.4} (effect {:.3})",
                t.tau, t.effect
            ))
        );
        if let Some(t) = &tree {
            eprintln!(
                "  causal tree: {} leaves, depth {}, {:.2} s over {} risk rows",
                t.leaves(),
                t.depth(),
                (t3 - t2).as_secs_f64(),
                rows.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColumnArg {
    /// Per-node estimates (censored nodes from the group).
    ThetaHat,
    /// The group (tree leaf or global) estimate of every node.
    ThetaGroup,
}

#[derive(Debug, Args)]
pub(crate) struct PredictArgs {
    #[command(flatten)]
    graph: GraphArgs,
    #[command(flatten)]
    acts: ActivationArgs,
    /// Estimated thresholds: `cascadia threshold estimate`'s output (or any `node,<column>`
    /// table).
    #[arg(long)]
    triggers: PathBuf,
    /// The column of --triggers to use.
    #[arg(long, value_enum, default_value = "theta-hat")]
    column: ColumnArg,
    /// True thresholds `node,theta` (synthetic data): adds the oracle and the threshold MSE.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// First origin step scored (predicting from-step + 1 onwards).
    #[arg(long, default_value_t = 0)]
    from_step: u32,
    /// Seed of the random baseline.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Directory for steps.csv, summary.json and (with --plot) steps.svg.
    #[arg(long)]
    output_dir: PathBuf,
    /// Plot the one-step Jaccard per step and method.
    #[arg(long)]
    plot: bool,
}

fn predict_cmd(a: PredictArgs) -> Result<ExitCode> {
    let g = a.graph.load()?;
    let acts = a.acts.load(&g)?;
    let col = match a.column {
        ColumnArg::ThetaHat => "theta_hat",
        ColumnArg::ThetaGroup => "theta_group",
    };
    let learned = read_node_values(
        &a.triggers,
        &g,
        col,
        "triggers are `node,theta_hat,...` (cascadia threshold estimate's output)",
    )?;
    let truth = a
        .truth
        .as_ref()
        .map(|p| read_thresholds(p, &g))
        .transpose()?;
    let horizon = estimate::horizon(&acts, a.acts.until_step);
    ensure!(
        a.from_step < horizon,
        "--from-step {} leaves no step to score (the horizon is {horizon})",
        a.from_step
    );
    let n = g.n_nodes();
    let global = predict::best_constant(&g, &acts, horizon).unwrap_or(0.5);
    let mut methods: Vec<(&str, Vec<f64>)> = vec![
        ("triggers", learned),
        ("random", predict::random_thetas(n, a.seed)),
        ("global", vec![global; n]),
    ];
    if let Some(t) = &truth {
        methods.push(("oracle", t.clone()));
    }
    let mut rows = Vec::new();
    let mut overall = serde_json::Map::new();
    for (name, theta) in &methods {
        let scores = predict::evaluate(&g, &acts, horizon, theta, a.from_step);
        for (k, t) in (a.from_step..horizon).enumerate() {
            let at: Vec<StepScore> = scores.iter().map(|c| c[k]).collect();
            rows.push(ScoreRow {
                method: name.to_string(),
                step: t + 1,
                summary: predict::summarise(&at),
            });
        }
        let all = predict::summarise(scores.iter().flatten());
        let mse = truth.as_ref().map(|t| predict::mse(theta, t, &acts));
        overall.insert(
            name.to_string(),
            json!({"scores": all, "mse": mse.map(|m| m.0), "mse_nodes": mse.map(|m| m.1)}),
        );
    }
    std::fs::create_dir_all(&a.output_dir).map_err(|e| cascadia::Error::io(&a.output_dir, e))?;
    let d = |name: &str| a.output_dir.join(name);
    let mut outputs = Outputs::default();
    outputs.write(&d("steps.csv"), |w| write_scores(w, &rows))?;
    let summary = json!({
        "graph": a.graph.graph,
        "activations": a.acts.activations,
        "triggers": a.triggers,
        "column": col,
        "cascades": acts.len(),
        "horizon": horizon,
        "from_step": a.from_step,
        "global_constant": global,
        "global_note": "the best constant by one-step Jaccard on these same activations (in-sample: a ceiling for one threshold for everyone)",
        "methods": overall,
    });
    outputs.json(&d("summary.json"), &summary)?;
    if a.plot {
        let mut p = LinePlot::unit(
            "one-step Jaccard of new activations",
            "predicted step",
            "Jaccard",
        );
        p.x_range = (
            f64::from(a.from_step + 1),
            f64::from(horizon.max(a.from_step + 2)),
        );
        p.markers = false;
        for (name, _) in &methods {
            p.series.push(Series {
                label: name.to_string(),
                points: rows
                    .iter()
                    .filter(|r| r.method == *name && r.summary.one_step_jaccard.is_finite())
                    .map(|r| (f64::from(r.step), r.summary.one_step_jaccard))
                    .collect(),
            });
        }
        let svg = p.svg();
        outputs.write(&d("steps.svg"), |w| {
            std::io::Write::write_all(w, svg.as_bytes())
        })?;
    }
    outputs.commit()?;
    if !a.graph.quiet {
        eprintln!(
            "cascadia threshold predict: {} cascades, steps {}..{}",
            acts.len(),
            a.from_step + 1,
            horizon
        );
        eprintln!("  method     one-step J  cumulative J  recall (hpe-ltm)  mse");
        for (name, _) in &methods {
            let m = &overall[*name];
            eprintln!(
                "  {:<9}  {:>10.4}  {:>12.4}  {:>16.4}  {}",
                name,
                m["scores"]["one_step_jaccard"].as_f64().unwrap_or(f64::NAN),
                m["scores"]["cumulative_jaccard"]
                    .as_f64()
                    .unwrap_or(f64::NAN),
                m["scores"]["recall"].as_f64().unwrap_or(f64::NAN),
                m["mse"]
                    .as_f64()
                    .map_or("-".to_string(), |x| format!("{x:.5}"))
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run(cmd: ThresholdCommand) -> Result<ExitCode> {
    match cmd {
        ThresholdCommand::Simulate(a) => simulate_cmd(a),
        ThresholdCommand::Estimate(a) => estimate_cmd(a),
        ThresholdCommand::Predict(a) => predict_cmd(a),
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ModelArg {
    /// Erdős–Rényi G(n, p); --param p.
    Er,
    /// Barabási–Albert; --param m.
    Ba,
    /// Watts–Strogatz, rewiring 0.1; --param k.
    Ws,
    /// Forest Fire, backward 0.1; --param forward burning probability.
    Ff,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum FamilyArg {
    /// Linear in 100 features (mean ~0.11: saturates in a few steps).
    Linear,
    /// Linear, mean 0.3 (does not saturate).
    LinearNonsat,
    /// One θ ~ U(0.05, 0.45) per sign quadrant of two features.
    Quad,
    /// θ ~ U[0,1].
    Uniform,
}

/// `cascadia synth threshold`.
#[derive(Debug, Args)]
pub(crate) struct SynthThresholdArgs {
    /// Nodes.
    #[arg(long, default_value_t = 3000)]
    nodes: usize,
    /// Graph model.
    #[arg(long, value_enum, default_value = "er")]
    graph: ModelArg,
    /// The model's parameter (p, m, k or the forward burning probability).
    #[arg(long, default_value_t = 0.1)]
    param: f64,
    /// Threshold family.
    #[arg(long, value_enum, default_value = "quad")]
    thresholds: FamilyArg,
    /// Cascades (each with its own 5 % seed set).
    #[arg(long, default_value_t = 1)]
    cascades: usize,
    /// Share of nodes seeding each cascade.
    #[arg(long, default_value_t = 0.05)]
    seed_share: f64,
    /// Rounds simulated after the seeds (7: the authors' 8 snapshots).
    #[arg(long, default_value_t = 7)]
    steps: u32,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Directory for graph.csv, thresholds.csv, features.csv, seeds.csv, activations.csv,
    /// world.json.
    #[arg(long)]
    output_dir: PathBuf,
}

pub(crate) fn synth(a: SynthThresholdArgs) -> Result<ExitCode> {
    use cascadia::synth::threshold::{Family, Model, world};
    ensure!(a.nodes >= 2, "--nodes must be at least 2");
    ensure!(
        (0.0..=1.0).contains(&a.seed_share),
        "--seed-share must be in [0, 1]"
    );
    let model = match a.graph {
        ModelArg::Er => Model::Er,
        ModelArg::Ba => Model::Ba,
        ModelArg::Ws => Model::Ws,
        ModelArg::Ff => Model::Ff,
    };
    match model {
        Model::Er | Model::Ff => ensure!(
            a.param > 0.0 && a.param < 1.0,
            "--param must be a probability in (0, 1) for er and ff"
        ),
        Model::Ba => ensure!(
            a.param >= 1.0 && a.param < a.nodes as f64,
            "--param must be in [1, nodes) for ba"
        ),
        // k < 2 leaves the ring without edges (every node isolated), as networkx's.
        Model::Ws => ensure!(
            a.param >= 2.0 && a.param < a.nodes as f64,
            "--param must be in [2, nodes) for ws"
        ),
    }
    let family = match a.thresholds {
        FamilyArg::Linear => Family::Linear,
        FamilyArg::LinearNonsat => Family::LinearNonsat,
        FamilyArg::Quad => Family::Quad,
        FamilyArg::Uniform => Family::Uniform,
    };
    let w = world(
        model,
        a.param,
        family,
        a.nodes,
        a.cascades,
        a.seed_share,
        a.seed,
    );
    let (g, runs, res) = w.simulate(a.steps);
    std::fs::create_dir_all(&a.output_dir).map_err(|e| cascadia::Error::io(&a.output_dir, e))?;
    let d = |name: &str| a.output_dir.join(name);
    let mut outputs = Outputs::default();
    outputs.write(&d("graph.csv"), |f| {
        use std::io::Write;
        writeln!(f, "src,dst")?;
        for &(u, v) in &w.edges {
            writeln!(f, "{u},{v}")?;
        }
        Ok(())
    })?;
    outputs.write(&d("thresholds.csv"), |f| {
        use std::io::Write;
        writeln!(f, "node,theta")?;
        for (v, t) in w.theta.iter().enumerate() {
            writeln!(f, "{v},{t}")?;
        }
        Ok(())
    })?;
    outputs.write(&d("features.csv"), |f| {
        use std::io::Write;
        writeln!(f, "node,{}", w.feature_names.join(","))?;
        let k = w.feature_names.len();
        for v in 0..w.n {
            write!(f, "{v}")?;
            for x in &w.features[v * k..(v + 1) * k] {
                write!(f, ",{x}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    })?;
    outputs.write(&d("seeds.csv"), |f| {
        use std::io::Write;
        writeln!(f, "cascade_id,node")?;
        for (c, s) in w.seeds.iter().enumerate() {
            for v in s {
                writeln!(f, "{c},{v}")?;
            }
        }
        Ok(())
    })?;
    outputs.write(&d("activations.csv"), |f| {
        write_activations(f, &g, &runs, &res)
    })?;
    let sizes: Vec<Vec<u32>> = res.iter().map(|r| r.new_per_step.clone()).collect();
    outputs.json(&d("world.json"), &json!({
        "nodes": w.n, "graph": model, "param": a.param, "edges": w.edges.len(), "thresholds": family,
        "theta_mean": w.theta.iter().sum::<f64>() / w.n as f64,
        "cascades": a.cascades, "seed_share": a.seed_share, "steps": a.steps, "seed": a.seed,
        "new_per_step": sizes,
    }))?;
    outputs.commit()?;
    let active: u32 = res.iter().map(|r| r.new_per_step.iter().sum::<u32>()).sum();
    eprintln!(
        "cascadia synth threshold: {} nodes, {} edges, {} cascade(s), {:.1}% active on average after {} steps, in {}",
        w.n,
        w.edges.len(),
        a.cascades,
        100.0 * f64::from(active) / (w.n * a.cascades.max(1)) as f64,
        a.steps,
        a.output_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
