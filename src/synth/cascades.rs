//! Continuous-time independent cascades over a known network (spec `netinf.md`, Synthetic
//! data; SNAP's `TNetInfBs::GenCascade`): a random source at t = 0; each infected node
//! infects each out-neighbour with probability β after a delay drawn from the incubation
//! model; the earliest arrival wins; nodes reached at or after the window T are not
//! infected; a cascade with fewer than two nodes is redrawn.

use rand::Rng;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::netinf::Model;

/// Cascade generator settings.
#[derive(Clone, Copy, Debug)]
pub struct CascadeConfig {
    /// Incubation model: exponential with rate α; power law (Pareto, minimum `delta`,
    /// density ∝ Δ^−α); Rayleigh with `f = α Δ e^{−αΔ²/2}`.
    pub model: Model,
    /// Incubation rate α.
    pub alpha: f64,
    /// Minimum delay of the power law (SNAP's δ, default 1).
    pub delta: f64,
    /// Transmission probability β per edge.
    pub beta: f64,
    /// Observation window T.
    pub window: f64,
}

/// Draws one delay.
pub fn delay(cfg: &CascadeConfig, rng: &mut impl Rng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    match cfg.model {
        Model::Exp => -u.ln() / cfg.alpha,
        Model::Pow => cfg.delta * u.powf(-1.0 / (cfg.alpha - 1.0)),
        Model::Ray => (-2.0 * u.ln() / cfg.alpha).sqrt(),
    }
}

/// A cascade as `(node, time)` sorted by time, and the edges that carried an infection.
pub type CascadeAndEdges = (Vec<(u32, f64)>, Vec<(u32, u32)>);

/// One cascade as `(node, time)` sorted by time, and the edges that carried an infection.
pub fn cascade(
    n_nodes: usize,
    out: &[Vec<u32>],
    cfg: &CascadeConfig,
    rng: &mut impl Rng,
) -> CascadeAndEdges {
    loop {
        let source = rng.random_range(0..n_nodes as u32);
        let mut time: FxHashMap<u32, f64> = FxHashMap::default();
        let mut parent: FxHashMap<u32, u32> = FxHashMap::default();
        let mut done: FxHashSet<u32> = FxHashSet::default();
        let mut heap = std::collections::BinaryHeap::new();
        time.insert(source, 0.0);
        heap.push(std::cmp::Reverse((0.0f64.to_bits(), source)));
        let mut events = Vec::new();
        while let Some(std::cmp::Reverse((bits, u))) = heap.pop() {
            let t = f64::from_bits(bits);
            if done.contains(&u) || time[&u] != t {
                continue;
            }
            done.insert(u);
            events.push((u, t));
            for &v in &out[u as usize] {
                if done.contains(&v) || rng.random::<f64>() > cfg.beta {
                    continue;
                }
                let tv = t + delay(cfg, rng);
                if tv >= cfg.window {
                    continue;
                }
                if time.get(&v).is_none_or(|&old| tv < old) {
                    time.insert(v, tv);
                    parent.insert(v, u);
                    heap.push(std::cmp::Reverse((tv.to_bits(), v)));
                }
            }
        }
        if events.len() >= 2 {
            let used = events
                .iter()
                .filter_map(|(v, _)| parent.get(v).map(|&u| (u, *v)))
                .collect();
            return (events, used);
        }
    }
}

/// Cascades until `coverage` of the edges have carried an infection (or `max_cascades`).
pub fn cascades_until_coverage(
    n_nodes: usize,
    edges: &[(u32, u32)],
    cfg: &CascadeConfig,
    coverage: f64,
    max_cascades: usize,
    rng: &mut impl Rng,
) -> Vec<Vec<(u32, f64)>> {
    let mut out = vec![Vec::new(); n_nodes];
    for &(u, v) in edges {
        out[u as usize].push(v);
    }
    let mut used: FxHashSet<(u32, u32)> = FxHashSet::default();
    let need = (coverage * edges.len() as f64).ceil() as usize;
    let mut all = Vec::new();
    while used.len() < need && all.len() < max_cascades {
        let (c, u) = cascade(n_nodes, &out, cfg, rng);
        used.extend(u);
        all.push(c);
    }
    all
}

/// A synthetic cascade: `(node, infection time)` by time.
pub type SynthCascade = Vec<(u32, f64)>;

/// The NetInf paper's Table 2 setting: a core-periphery Kronecker network of `2^levels`
/// nodes with ~1.41 edges per node, exponential incubation (α = 1, Δ = 1), β = 0.2,
/// window 100, and cascades until 99% of the edges have carried an infection (or
/// `max_cascades`). Returns the edges and the cascades; shared by the recovery test and the
/// benches so both measure the same data.
pub fn paper_kronecker(
    levels: u32,
    seed: u64,
    max_cascades: usize,
) -> (Vec<(u32, u32)>, Vec<SynthCascade>) {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let n = 1usize << levels;
    let edges = super::graphs::kronecker(
        super::graphs::seeds::CORE_PERIPHERY,
        levels,
        Some((n * 1410).div_ceil(1000)),
        &mut rng,
    );
    let cfg = CascadeConfig {
        model: crate::netinf::Model::Exp,
        alpha: 1.0,
        delta: 1.0,
        beta: 0.2,
        window: 100.0,
    };
    let cascades = cascades_until_coverage(n, &edges, &cfg, 0.99, max_cascades, &mut rng);
    (edges, cascades)
}
