//! `cascadia synth …`: synthetic inputs with known properties.

use super::output::Outputs;
use anyhow::{Context, Result};
use cascadia::synth::influence::{SynthConfig, write_cascades};
use clap::{Args, Subcommand};
use rand::Rng as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub(crate) enum SynthCommand {
    /// Retweet cascades for `cascadia influence`: heavy-tailed sizes and follower counts,
    /// tied times, gaps of months, Zipf-like user activity (long CSV
    /// cascade_id,time,user_id,followers).
    InfluenceCascades(InfluenceCascadesArgs),
    /// A directed ground-truth network for NetInf (Kronecker, Forest Fire, Erdős–Rényi), in
    /// the NetInf network format (node block, empty line, src,dst,alpha).
    Graph(GraphArgs),
    /// A social graph with known influence probabilities and an action log simulated over it
    /// (for `cascadia probabilities`).
    ActionLog(ActionLogArgs),
    /// Cascades over a network (continuous-time independent cascades), in SNAP's text format,
    /// generated until a share of the network's edges has carried an infection.
    Cascades(CascadesArgs),
    /// The threshold model's benchmark world: graph (er|ba|ws|ff), features, thresholds
    /// (linear|linear-nonsat|quad|uniform), 5 % seeds and simulated activations.
    Threshold(super::threshold::SynthThresholdArgs),
    /// Retweet cascades with parents drawn from Eq. 1 with a known decay r and the follower
    /// list that `cascadia influence tune-decay` ranks against (reposters follow the reposted).
    DecayCascades(super::tune::SynthDecayArgs),
    /// A #DebateNight-like world with planted effects: retweet cascades, tweets with partisan
    /// hashtags, botness scores and populations (for `cascadia influence politics`).
    Debate(super::politics::SynthDebateArgs),
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum GraphKind {
    /// Stochastic Kronecker graph on 2^levels nodes (SNAP's GenFastKronecker sampling).
    Kronecker,
    /// Forest Fire (Leskovec et al. 2005).
    ForestFire,
    /// Erdős–Rényi G(n, m).
    Er,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum SeedPreset {
    /// Core-periphery [0.962 0.535; 0.535 0.107].
    CorePeriphery,
    /// Hierarchical [0.962 0.107; 0.107 0.962].
    Hierarchical,
    /// Random [0.5 0.5; 0.5 0.5].
    Random,
}

#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    /// Generator.
    #[arg(long, value_enum, default_value = "kronecker")]
    kind: GraphKind,
    /// Number of nodes (Kronecker: a power of two).
    #[arg(long, default_value_t = 1024)]
    nodes: usize,
    /// Kronecker seed matrix preset (the paper's three).
    #[arg(long, value_enum, default_value = "core-periphery")]
    seed_matrix: SeedPreset,
    /// Kronecker: a custom seed matrix "a b; c d" (overrides --seed-matrix).
    #[arg(long)]
    matrix: Option<String>,
    /// Number of edges (Kronecker default: (sum of the seed matrix)^levels; ER default: 2 n).
    #[arg(long)]
    edges: Option<usize>,
    /// Forest Fire forward burning probability p.
    #[arg(long, default_value_t = 0.35)]
    forward: f64,
    /// Forest Fire backward burning ratio r.
    #[arg(long, default_value_t = 0.32)]
    backward: f64,
    /// Transmission rate α written on every edge (the third column).
    #[arg(long, default_value_t = 1.0)]
    alpha: f64,
    /// Draw each edge's α uniformly from "LO,HI" instead (e.g. NetRate's demo: 0.01,0.25;
    /// negative values allowed, for the multiplicative model's a_ji).
    #[arg(long, allow_hyphen_values = true, conflicts_with = "alpha")]
    alpha_range: Option<String>,
    /// Random seed (same seed, same file).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file.
    #[arg(long, short)]
    output: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct CascadesArgs {
    /// The network to spread over (node block, empty line, src,dst[,alpha]); node ids must be
    /// 0..n-1 as `synth graph` writes them.
    #[arg(long)]
    network: PathBuf,
    /// Incubation model.
    #[arg(long, value_enum, default_value = "exp")]
    model: super::netinf::ModelArg,
    /// Incubation rate α.
    #[arg(long, default_value_t = 1.0)]
    alpha: f64,
    /// Power law: minimum delay δ.
    #[arg(long, default_value_t = 1.0)]
    delta: f64,
    /// Transmission probability β per edge.
    #[arg(long, default_value_t = 0.2)]
    beta: f64,
    /// Observation window T.
    #[arg(long, default_value_t = 100.0)]
    window: f64,
    /// Stop once this share of the network's edges has carried an infection (paper: 0.99).
    #[arg(long, default_value_t = 0.99)]
    coverage: f64,
    /// Upper limit on the number of cascades.
    #[arg(long, default_value_t = 1_000_000)]
    max_cascades: usize,
    /// Simulate a survival model instead (spec survival.md, Sec. 5.1): each edge's third field
    /// is its parameter (α_ji ≥ 0 additive, a_ji multiplicative); every node's infection time
    /// is drawn exactly from its piecewise hazard; single-node cascades are kept. Uses
    /// --window, --cascades, --seed (not --alpha, --beta, --coverage).
    #[arg(long, value_enum, requires = "cascades")]
    survival: Option<super::survival::ModelArg>,
    /// With --survival additive: time-shaping function.
    #[arg(long, value_enum, default_value = "exp")]
    shape: super::survival::ShapeArg,
    /// With --survival multiplicative: baseline shape.
    #[arg(long, value_enum, default_value = "const")]
    baseline: super::survival::BaselineArg,
    /// With --survival multiplicative: baseline level b.
    #[arg(long, allow_negative_numbers = true, default_value_t = -3.0)]
    b: f64,
    /// With --survival: the number of cascades (sources drawn uniformly, each at time 0).
    #[arg(long, requires = "survival")]
    cascades: Option<usize>,
    /// Random seed (same seed, same file).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file (SNAP text format).
    #[arg(long, short)]
    output: PathBuf,
}

/// "LO,HI" with LO <= HI, both finite.
fn parse_range(text: &str) -> Result<(f64, f64)> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [lo, hi] = parts[..] else {
        anyhow::bail!("expected LO,HI (e.g. 0.01,0.25), found {text:?}");
    };
    let (lo, hi): (f64, f64) = (
        lo.parse()
            .with_context(|| format!("{lo:?} is not a number"))?,
        hi.parse()
            .with_context(|| format!("{hi:?} is not a number"))?,
    );
    anyhow::ensure!(
        lo.is_finite() && hi.is_finite() && lo <= hi,
        "expected finite LO <= HI, found {text:?}"
    );
    Ok((lo, hi))
}

fn parse_matrix(text: &str) -> Result<[[f64; 2]; 2]> {
    let v: Vec<f64> = text
        .split([' ', ';', ','])
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<f64>()
                .with_context(|| format!("--matrix: {s:?} is not a number"))
        })
        .collect::<Result<_>>()?;
    anyhow::ensure!(
        v.len() == 4 && v.iter().all(|x| (0.0..=1.0).contains(x)),
        "--matrix must be four numbers in [0, 1], as \"a b; c d\""
    );
    Ok([[v[0], v[1]], [v[2], v[3]]])
}

fn graph(a: GraphArgs) -> Result<ExitCode> {
    use cascadia::synth::graphs;
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(a.seed);
    anyhow::ensure!(a.nodes >= 2, "--nodes must be >= 2");
    let edges = match a.kind {
        GraphKind::Kronecker => {
            anyhow::ensure!(
                a.nodes.is_power_of_two(),
                "--nodes must be a power of two for a Kronecker graph (got {})",
                a.nodes
            );
            let seed = match &a.matrix {
                Some(m) => parse_matrix(m)?,
                None => match a.seed_matrix {
                    SeedPreset::CorePeriphery => graphs::seeds::CORE_PERIPHERY,
                    SeedPreset::Hierarchical => graphs::seeds::HIERARCHICAL,
                    SeedPreset::Random => graphs::seeds::RANDOM,
                },
            };
            graphs::kronecker(seed, a.nodes.trailing_zeros(), a.edges, &mut rng)
        }
        GraphKind::ForestFire => {
            anyhow::ensure!(
                (0.0..1.0).contains(&a.forward) && (0.0..1.0).contains(&(a.forward * a.backward)),
                "--forward and --forward * --backward must be in [0, 1)"
            );
            graphs::forest_fire(a.nodes, a.forward, a.backward, &mut rng)
        }
        GraphKind::Er => graphs::erdos_renyi(a.nodes, a.edges.unwrap_or(2 * a.nodes), &mut rng),
    };
    let rates: Vec<(u32, u32, f64)> = match &a.alpha_range {
        Some(r) => {
            let (lo, hi) = parse_range(r).context("--alpha-range")?;
            edges
                .iter()
                .map(|&(u, v)| (u, v, rng.random_range(lo..=hi)))
                .collect()
        }
        None => edges.iter().map(|&(u, v)| (u, v, a.alpha)).collect(),
    };
    let mut outputs = Outputs::default();
    outputs.write(&a.output, |w| {
        cascadia::io::network::write_rate_edges(w, a.nodes, &rates)
    })?;
    outputs.commit()?;
    eprintln!(
        "cascadia synth graph: {} nodes, {} edges -> {}",
        a.nodes,
        edges.len(),
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn cascades(a: CascadesArgs) -> Result<ExitCode> {
    if a.survival.is_some() {
        return survival_cascades(a);
    }
    use cascadia::netinf::Model;
    use cascadia::synth::cascades::{CascadeConfig, cascades_until_coverage};
    use rand::SeedableRng;
    let model = match a.model {
        super::netinf::ModelArg::Exp => Model::Exp,
        super::netinf::ModelArg::Pow => Model::Pow,
        super::netinf::ModelArg::Ray => Model::Ray,
    };
    anyhow::ensure!(a.alpha > 0.0 && a.alpha.is_finite(), "--alpha must be > 0");
    anyhow::ensure!(
        model != Model::Pow || a.alpha > 1.0,
        "--alpha must be > 1 for --model pow"
    );
    anyhow::ensure!((0.0..=1.0).contains(&a.beta), "--beta must be in [0, 1]");
    anyhow::ensure!(a.window > 0.0, "--window must be > 0");
    anyhow::ensure!(
        (0.0..=1.0).contains(&a.coverage),
        "--coverage must be in [0, 1]"
    );
    let nodes = numbered_nodes(&a.network)?;
    let net = cascadia::io::network::read_network(&a.network, &nodes)?;
    let mut edges: Vec<(u32, u32)> = net.edges.into_iter().collect();
    edges.sort_unstable();
    let cfg = CascadeConfig {
        model,
        alpha: a.alpha,
        delta: a.delta,
        beta: a.beta,
        window: a.window,
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(a.seed);
    let all = cascades_until_coverage(
        nodes.len(),
        &edges,
        &cfg,
        a.coverage,
        a.max_cascades,
        &mut rng,
    );
    write_cascades_file(&a.output, nodes.len(), &all)?;
    if all.len() == a.max_cascades {
        eprintln!("cascadia: warning: stopped at --max-cascades before reaching --coverage");
    }
    Ok(ExitCode::SUCCESS)
}

/// `synth cascades --survival`: cascades from a rate network under a survival model.
fn survival_cascades(a: CascadesArgs) -> Result<ExitCode> {
    use cascadia::survival::simulate::{RateNetwork, SimConfig, cascades};
    let model = super::survival::model_of(
        a.survival.expect("checked by the caller"),
        a.shape,
        a.delta,
        a.baseline,
        a.b,
        0.0,
    );
    anyhow::ensure!(
        a.window.is_finite() && a.window > 0.0,
        "--window must be a finite number > 0"
    );
    anyhow::ensure!(
        a.delta.is_finite() && a.delta > 0.0,
        "--delta must be a finite number > 0"
    );
    anyhow::ensure!(a.b.is_finite(), "--b must be a finite number");
    let n_cascades = a.cascades.expect("required by clap");
    let nodes = numbered_nodes(&a.network)?;
    let net = cascadia::io::network::read_network(&a.network, &nodes)?;
    anyhow::ensure!(
        net.with_rate == net.total,
        "{}: every edge needs a third field (its parameter) for --survival: {} of {} have none",
        a.network.display(),
        net.total - net.with_rate,
        net.total
    );
    let mut edges: Vec<(u32, u32, f64)> = net.rates.iter().map(|(&(u, v), &r)| (u, v, r)).collect();
    edges.sort_unstable_by_key(|e| (e.0, e.1));
    if let cascadia::survival::SurvivalModel::Additive { .. } = model
        && let Some(e) = edges.iter().find(|e| e.2 < 0.0 || e.2.is_nan())
    {
        anyhow::bail!(
            "{}: edge {},{} has rate {}: the additive model needs α >= 0",
            a.network.display(),
            e.0,
            e.1,
            e.2
        );
    }
    let net = RateNetwork::new(nodes.len(), &edges);
    let cfg = SimConfig {
        model,
        window: a.window,
    };
    let all = cascades(&net, &cfg, n_cascades, a.seed);
    write_cascades_file(&a.output, nodes.len(), &all)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes cascades in SNAP's text format (atomically) and says what was written.
fn write_cascades_file(
    path: &std::path::Path,
    n_nodes: usize,
    all: &[Vec<(u32, f64)>],
) -> Result<()> {
    let mut outputs = Outputs::default();
    outputs.write(path, |w| {
        cascadia::io::snap_text::write_snap_cascades(w, n_nodes, all)
    })?;
    outputs.commit()?;
    let events: usize = all.iter().map(Vec::len).sum();
    eprintln!(
        "cascadia synth cascades: {} cascades ({} single-node), {} events (mean size {:.1}) -> {}",
        all.len(),
        all.iter().filter(|c| c.len() == 1).count(),
        events,
        events as f64 / all.len().max(1) as f64,
        path.display()
    );
    Ok(())
}

/// The node block of a network file whose ids are 0..n-1 in order (as `synth graph` writes).
fn numbered_nodes(path: &std::path::Path) -> Result<cascadia::cascade::Interner> {
    let text = std::fs::read_to_string(path).map_err(|e| cascadia::Error::io(path, e))?;
    let mut nodes = cascadia::cascade::Interner::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        nodes.intern(line.split(',').next().unwrap_or("").trim());
    }
    for i in 0..nodes.len() {
        anyhow::ensure!(
            nodes.get(&i.to_string()) == Some(cascadia::cascade::UserId(i as u32)),
            "{}: node ids must be 0..n-1 in order (as `cascadia synth graph` writes them)",
            path.display()
        );
    }
    Ok(nodes)
}

#[derive(Debug, Args)]
pub(crate) struct ActionLogArgs {
    /// Users (ids 1..=N).
    #[arg(long, default_value_t = 2000)]
    users: usize,
    /// Ties per new user (preferential attachment: heavy-tailed degrees).
    #[arg(long, default_value_t = 3)]
    ties_per_user: usize,
    /// Share of ties with a creation time (the rest always existed).
    #[arg(long, default_value_t = 0.3)]
    dated_share: f64,
    /// Actions (each from one random initiator at a random start).
    #[arg(long, default_value_t = 2000)]
    actions: usize,
    /// Stop each action after this many adopters (heavy-tailed graphs make cascades explode).
    #[arg(long)]
    max_action_size: Option<usize>,
    /// True probabilities are uniform in [0.01, P_MAX].
    #[arg(long, default_value_t = 0.2)]
    p_max: f64,
    /// Influence decays with the delay (an attempt after Δ succeeds with p e^(−Δ/d)): the
    /// continuous-time model's premise. Without it the static model is the truth.
    #[arg(long)]
    decay: bool,
    /// Random seed (same seed, same files).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The graph: u,v,created.
    #[arg(long)]
    graph_output: PathBuf,
    /// The log: user,action,time.
    #[arg(long, short)]
    output: PathBuf,
    /// The truth per direction: src,dst,p,mean_delay.
    #[arg(long)]
    truth: Option<PathBuf>,
}

fn action_log(a: ActionLogArgs) -> Result<ExitCode> {
    use cascadia::synth::action_log::{ActionLogConfig, generate};
    use std::io::Write;
    anyhow::ensure!(a.users >= 2, "--users must be >= 2");
    anyhow::ensure!(
        (0.0..=1.0).contains(&a.dated_share),
        "--dated-share must be in [0, 1]"
    );
    let cfg = ActionLogConfig {
        users: a.users,
        ties_per_user: a.ties_per_user,
        dated_share: a.dated_share,
        actions: a.actions,
        decay: a.decay,
        seed: a.seed,
        p_hi: a.p_max,
        max_action_size: a.max_action_size.unwrap_or(usize::MAX),
        ..Default::default()
    };
    let d = generate(&cfg);
    let mut outputs = Outputs::default();
    outputs.write(&a.graph_output, |w| {
        writeln!(w, "u,v,created")?;
        for (u, v, c) in &d.ties {
            match c {
                Some(c) => writeln!(w, "{u},{v},{c}")?,
                None => writeln!(w, "{u},{v},")?,
            }
        }
        Ok(())
    })?;
    outputs.write(&a.output, |w| {
        writeln!(w, "user,action,time")?;
        for (u, act, t) in &d.log {
            writeln!(w, "{u},{act},{t}")?;
        }
        Ok(())
    })?;
    if let Some(p) = &a.truth {
        outputs.write(p, |w| {
            writeln!(w, "src,dst,p,mean_delay")?;
            for (s, t, p, m) in &d.truth {
                writeln!(w, "{s},{t},{p},{m}")?;
            }
            Ok(())
        })?;
    }
    outputs.commit()?;
    eprintln!(
        "cascadia synth action-log: {} users, {} ties, {} actions, {} log rows{} -> {}",
        a.users,
        d.ties.len(),
        a.actions,
        d.log.len(),
        if a.decay { " (decaying influence)" } else { "" },
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
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
        SynthCommand::Graph(a) => graph(a),
        SynthCommand::Cascades(a) => cascades(a),
        SynthCommand::ActionLog(a) => action_log(a),
        SynthCommand::Threshold(a) => super::threshold::synth(a),
        SynthCommand::DecayCascades(a) => super::tune::synth(a),
        SynthCommand::Debate(a) => super::politics::synth(a),
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
            let path = a.output.unwrap_or_else(|| PathBuf::from("-"));
            let mut out = Outputs::create(&path)?;
            let stats = write_cascades(&cfg, &mut out)
                .with_context(|| format!("writing {}", path.display()))?;
            let mut outputs = Outputs::default();
            outputs.add(out)?;
            outputs.commit()?;
            eprintln!(
                "cascadia synth influence-cascades: {} cascades, {} events (largest {}), seed {}",
                stats.cascades, stats.events, stats.largest, cfg.seed
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
