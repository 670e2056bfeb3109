//! Cascades from a network with known parameters under either survival model (spec
//! `survival.md`, Simulation; paper Sec. 5.1): a source at the cascade's start, then each
//! node's infection time by inverse-transform sampling of its piecewise hazard.
//!
//! Every node draws `E_i ~ Exp(1)` once per cascade and is infected when its cumulative
//! hazard reaches `E_i`. The hazard only changes when a node is infected, so the next
//! infection is the earliest of the nodes' solutions of `H_i(t) = E_i` under the current
//! piece; nodes whose solution lies beyond the window are not infected. The solution is in
//! closed form where it has one (exp; every multiplicative baseline) and by bisection to
//! the last bit otherwise (pow, ray: `H_i` is continuous and increasing).

use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::params::{Baseline, Shape, SurvivalModel};
use super::problem::{baseline_integral, clock, shape_fns};

/// A network with one parameter per directed edge: α_ji (additive) or a_ji (multiplicative).
#[derive(Clone, Debug, Default)]
pub struct RateNetwork {
    /// Nodes `0..n_nodes`.
    pub n_nodes: usize,
    /// Out-edges of each node: `(target, parameter)`.
    pub out: Vec<Vec<(u32, f64)>>,
}

impl RateNetwork {
    /// Builds the adjacency from `(src, dst, parameter)` edges.
    pub fn new(n_nodes: usize, edges: &[(u32, u32, f64)]) -> Self {
        let mut out = vec![Vec::new(); n_nodes];
        for &(u, v, a) in edges {
            out[u as usize].push((v, a));
        }
        RateNetwork { n_nodes, out }
    }

    /// Every edge as `(src, dst, parameter)`.
    pub fn edges(&self) -> Vec<(u32, u32, f64)> {
        self.out
            .iter()
            .enumerate()
            .flat_map(|(u, o)| o.iter().map(move |&(v, a)| (u as u32, v, a)))
            .collect()
    }
}

/// The model and window of a simulation.
#[derive(Clone, Copy, Debug)]
pub struct SimConfig {
    /// The risk model (its parameters: shape and δ, or baseline, b; λ is unused).
    pub model: SurvivalModel,
    /// Observation window T: a cascade ends at its start + T.
    pub window: f64,
}

/// One cascade from `source` at time `t0`: `(node, time)` by time, the source first.
pub fn cascade(
    net: &RateNetwork,
    cfg: &SimConfig,
    source: u32,
    t0: f64,
    rng: &mut impl Rng,
) -> Vec<(u32, f64)> {
    let n = net.n_nodes;
    let horizon = t0 + cfg.window;
    let mut events = vec![(source, t0)];
    match cfg.model {
        SurvivalModel::Additive { shape, delta } => {
            // Only nodes with an infected parent are at risk: state in maps, so that a
            // cascade costs what it touches, not the network's size. Each at-risk node draws
            // its Exp(1) threshold when it first becomes at risk.
            let mut infected: FxHashSet<u32> = FxHashSet::default();
            infected.insert(source);
            // Per at-risk node: threshold and infected parents (parent time, α).
            let mut risk: Risk = FxHashMap::default();
            let mut order: Vec<u32> = Vec::new();
            let add = |u: u32,
                       t: f64,
                       infected: &FxHashSet<u32>,
                       risk: &mut Risk,
                       order: &mut Vec<u32>,
                       rng: &mut dyn rand::RngCore| {
                for &(v, a) in &net.out[u as usize] {
                    if infected.contains(&v) || a <= 0.0 || a.is_nan() {
                        continue;
                    }
                    let entry = risk.entry(v).or_insert_with(|| {
                        order.push(v);
                        (-(1.0 - rng.random::<f64>()).ln(), Vec::new())
                    });
                    entry.1.push((t, a));
                }
            };
            add(source, t0, &infected, &mut risk, &mut order, rng);
            let mut now = t0;
            loop {
                let mut best = (f64::INFINITY, u32::MAX);
                for &v in &order {
                    let (e, parents) = &risk[&v];
                    let t = solve_additive(parents, shape, delta, *e, now, horizon);
                    if t < best.0 || (t == best.0 && v < best.1) {
                        best = (t, v);
                    }
                }
                let (t, v) = best;
                if t > horizon || t.is_nan() {
                    break;
                }
                now = t;
                infected.insert(v);
                events.push((v, t));
                order.retain(|&x| x != v);
                risk.remove(&v);
                add(v, t, &infected, &mut risk, &mut order, rng);
            }
        }
        SurvivalModel::Multiplicative { baseline, b, .. } => {
            // The baseline puts every node at risk: dense state, O(n) per infection.
            let mut infected_at = vec![f64::NAN; n];
            infected_at[source as usize] = t0;
            let threshold: Vec<f64> = (0..n).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect();
            let eb = b.exp();
            // Cumulative hazard so far and the current exponent Σ a_ki of each node.
            let mut cum = vec![0.0f64; n];
            let mut expo = vec![0.0f64; n];
            for &(v, a) in &net.out[source as usize] {
                expo[v as usize] += a;
            }
            let mut now = t0;
            loop {
                let mut best = (f64::INFINITY, u32::MAX);
                for v in 0..n {
                    if !infected_at[v].is_nan() {
                        continue;
                    }
                    let rate = eb * expo[v].exp();
                    let need = (threshold[v] - cum[v]) / rate;
                    let t = invert_baseline(baseline, now, need, t0);
                    if t < best.0 {
                        best = (t, v as u32);
                    }
                }
                let (t, v) = best;
                if t > horizon || t.is_nan() {
                    break;
                }
                for u in 0..n {
                    if infected_at[u].is_nan() {
                        cum[u] += eb * expo[u].exp() * baseline_integral(baseline, now, t, t0);
                    }
                }
                now = t;
                infected_at[v as usize] = t;
                events.push((v, t));
                for &(w, a) in &net.out[v as usize] {
                    expo[w as usize] += a;
                }
            }
        }
    }
    events
}

/// Nodes at risk: their Exp(1) threshold and infected parents (parent time, α).
type Risk = FxHashMap<u32, (f64, Vec<(f64, f64)>)>;

/// The time `t ≥ now` at which `∫_now^t α_0/e^b = need` (∞ if never).
fn invert_baseline(baseline: Baseline, now: f64, need: f64, t_src: f64) -> f64 {
    if need < 0.0 {
        return now;
    }
    if need.is_nan() || need.is_infinite() {
        return f64::INFINITY;
    }
    let a = clock(baseline, now, t_src);
    let tau = match baseline {
        Baseline::Const => a + need,
        Baseline::Linear => (a * a + 2.0 * need).sqrt(),
        Baseline::Inverse => a * need.exp(),
    };
    // Back from the clock to time.
    tau - clock(baseline, t_src, t_src) + t_src
}

/// The time `t ∈ [now, horizon]` at which `Σ_j α_j Γ(t − t_j) = e` (∞ if not reached).
fn solve_additive(
    parents: &[(f64, f64)],
    shape: Shape,
    delta: f64,
    e: f64,
    now: f64,
    horizon: f64,
) -> f64 {
    let h = |t: f64| -> f64 {
        parents
            .iter()
            .map(|&(tj, a)| a * shape_fns(shape, delta, t - tj).1)
            .sum()
    };
    if shape == Shape::Exp {
        let (sa, sat) = parents
            .iter()
            .fold((0.0, 0.0), |(s, st), &(tj, a)| (s + a, st + a * tj));
        let t = (e + sat) / sa;
        return if t <= horizon {
            t.max(now)
        } else {
            f64::INFINITY
        };
    }
    if h(horizon) < e {
        return f64::INFINITY;
    }
    let (mut lo, mut hi) = (now, horizon);
    if h(lo) >= e {
        return lo;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if h(mid) >= e {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// `n_cascades` cascades from sources drawn uniformly, each starting at 0, in parallel and
/// reproducibly (cascade `c` uses its own generator seeded from `seed` and `c`).
pub fn cascades(
    net: &RateNetwork,
    cfg: &SimConfig,
    n_cascades: usize,
    seed: u64,
) -> Vec<Vec<(u32, f64)>> {
    (0..n_cascades)
        .into_par_iter()
        .map(|c| {
            let mut rng = rng_for(seed, c as u64);
            let source = rng.random_range(0..net.n_nodes as u32);
            cascade(net, cfg, source, 0.0, &mut rng)
        })
        .collect()
}

/// The generator of cascade `c` of a run seeded with `seed`.
pub fn rng_for(seed: u64, c: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(
        seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ c.wrapping_add(0x632B_E59B_D9B4_E019),
    )
}

/// A core-periphery Kronecker network of `2^levels` nodes with `edges` edges (as
/// `synth graph`), each with a parameter drawn uniformly from `[lo, hi]`.
pub fn kronecker_rates(levels: u32, edges: usize, lo: f64, hi: f64, seed: u64) -> RateNetwork {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let e = crate::synth::graphs::kronecker(
        crate::synth::graphs::seeds::CORE_PERIPHERY,
        levels,
        Some(edges),
        &mut rng,
    );
    let rated: Vec<(u32, u32, f64)> = e
        .iter()
        .map(|&(u, v)| (u, v, rng.random_range(lo..=hi)))
        .collect();
    RateNetwork::new(1 << levels, &rated)
}

/// The paper's recovery experiment (Sec. 5.1, Fig. 1–2): for each number of cascades,
/// simulate that many cascades from `net` (seeded), fit `params` to them, and measure the
/// result against the true parameters with the edge threshold `min_rate`.
///
/// # Errors
/// What [`super::fit`] returns.
pub fn recovery(
    net: &RateNetwork,
    params: &super::SurvivalValidParams,
    window: f64,
    sizes: &[usize],
    min_rate: f64,
    seed: u64,
) -> crate::Result<Vec<(usize, super::metrics::SurvivalMetrics, super::FitStats)>> {
    let truth: rustc_hash::FxHashMap<(u32, u32), f64> = net
        .edges()
        .into_iter()
        .map(|(u, v, a)| ((u, v), a))
        .collect();
    let cfg = SimConfig {
        model: params.model,
        window,
    };
    let mut out = Vec::new();
    for &n in sizes {
        let cs = cascades(net, &cfg, n, seed);
        let data = crate::cascade::NodeCascades::from_cascades(net.n_nodes, &cs)?;
        let fit = super::fit(&data, params, &crate::progress::NoProgress)?;
        let m = super::metrics::metrics(&fit.edges, &truth, truth.len(), min_rate);
        out.push((n, m, fit.stats));
    }
    Ok(out)
}

/// An Erdős–Rényi network of `edges` distinct directed edges over `n_nodes` nodes, each with a
/// parameter uniform in `[lo, hi]`: the same network as `cascadia synth graph --kind er --nodes
/// N --edges M --alpha-range LO,HI --seed S` (the scaling data of the README and the benches).
pub fn random_rates(n_nodes: usize, edges: usize, lo: f64, hi: f64, seed: u64) -> RateNetwork {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let e = crate::synth::graphs::erdos_renyi(n_nodes, edges, &mut rng);
    let rated: Vec<(u32, u32, f64)> = e
        .iter()
        .map(|&(u, v)| (u, v, rng.random_range(lo..=hi)))
        .collect();
    RateNetwork::new(n_nodes, &rated)
}

/// The scaling data of the README and the benches: `nodes` nodes, `2 nodes` edges with α ~
/// U[0.02, 0.1] ([`random_rates`], seed 5), `n_cascades` additive exponential cascades with
/// window 40 (seed 1): the same as the README's `synth graph` / `synth cascades` commands.
///
/// # Errors
/// None in practice (the simulated cascades are valid); the builder's error otherwise.
pub fn scaling_data(
    nodes: usize,
    n_cascades: usize,
) -> crate::Result<crate::cascade::NodeCascades> {
    let net = random_rates(nodes, 2 * nodes, 0.02, 0.1, 5);
    let cfg = SimConfig {
        model: SurvivalModel::Additive {
            shape: Shape::Exp,
            delta: 1.0,
        },
        window: 40.0,
    };
    crate::cascade::NodeCascades::from_cascades(nodes, &cascades(&net, &cfg, n_cascades, 1))
}

/// The number of log-term entries of a data set (Σ over cascades of |c|(|c| − 1)/2): the
/// work of one gradient over every node, the unit of the survival benches.
pub fn log_term_entries(data: &crate::cascade::NodeCascades) -> u64 {
    data.cascades
        .iter()
        .map(|c| (c.len() * c.len().saturating_sub(1) / 2) as u64)
        .sum()
}
