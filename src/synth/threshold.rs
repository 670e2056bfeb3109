//! The synthetic benchmark of the threshold model (spec `threshold.md`, Synthetic benchmark;
//! the authors' protocol): a graph, node features, thresholds that are a function of the
//! features, 5 % seeds, and cascades simulated for a number of rounds.
//!
//! Graphs (influence runs both ways along the undirected ones, as in hpe-ltm's `nx.Graph`):
//! Erdős–Rényi G(n, p), Barabási–Albert (m edges per new node, targets by degree),
//! Watts–Strogatz (ring of k nearest neighbours, each edge rewired with probability 0.1), and
//! Forest Fire (directed; forward burning p, backward 0.1 — a node is influenced by the nodes
//! it links to, as hpe-ltm reads SNAP's graph).
//!
//! Thresholds: `linear` — 100 standard normal features, 10 informative with coefficients
//! 100·U[0, 1), y = x·β + N(0, 10²), θ = (y + 1000)/9000 (mean ≈ 0.11, sd ≈ 0.02: every cascade
//! saturates in a few steps, as the authors' `make_regression` set-up); `linear-nonsat` —
//! the same with mean 0.3 (θ = (y + 2700)/9000); `quad` — 10 normal features, one θ ~
//! U(0.05, 0.45) per sign quadrant of the first two; `uniform` — θ ~ U[0, 1] with 10 noise
//! features (the classic LTM).

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rustc_hash::FxHashSet;

use crate::threshold::simulate::{Run, RunResult, ThresholdSource, simulate_cpu};
use crate::threshold::{Features, Graph, Weights};

/// Graph models of the benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Erdős–Rényi, param = p.
    Er,
    /// Barabási–Albert, param = m.
    Ba,
    /// Watts–Strogatz, param = k (rewiring 0.1).
    Ws,
    /// Forest Fire, param = forward burning probability (backward 0.1).
    Ff,
}

/// Threshold families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Linear in 100 features, saturating.
    Linear,
    /// Linear, mean 0.3.
    LinearNonsat,
    /// One θ per quadrant of two features.
    Quad,
    /// U[0, 1].
    Uniform,
}

/// A generated benchmark world.
#[derive(Clone, Debug)]
pub struct World {
    /// Nodes.
    pub n: usize,
    /// Influence edges u → v.
    pub edges: Vec<(u32, u32)>,
    /// Feature names.
    pub feature_names: Vec<String>,
    /// Row-major features.
    pub features: Vec<f64>,
    /// True thresholds.
    pub theta: Vec<f64>,
    /// Seeds of each cascade.
    pub seeds: Vec<Vec<u32>>,
}

impl World {
    /// The world's graph (uniform weights, node ids `0..n`), one run per seed set, and the
    /// runs simulated for `steps` rounds under the true thresholds.
    pub fn simulate(&self, steps: u32) -> (Graph, Vec<Run>, Vec<RunResult>) {
        let edges: Vec<(u32, u32, f64)> = self.edges.iter().map(|&(u, v)| (u, v, 1.0)).collect();
        let g = Graph::from_edges(
            (0..self.n).map(|i| i.to_string()).collect(),
            &edges,
            Weights::Uniform,
        )
        .expect("generated edges are distinct and without self-loops");
        let runs: Vec<Run> = self
            .seeds
            .iter()
            .enumerate()
            .map(|(c, s)| Run {
                id: c.to_string(),
                seeds: s.clone(),
                draw: 0,
            })
            .collect();
        let res = simulate_cpu(
            &g,
            &ThresholdSource::Fixed(self.theta.clone()),
            &runs,
            steps,
            true,
        );
        (g, runs, res)
    }

    /// The features as the estimators take them.
    pub fn features(&self) -> Features {
        Features {
            names: self.feature_names.clone(),
            values: self.features.clone(),
        }
    }
}

fn undirected(pairs: impl IntoIterator<Item = (u32, u32)>) -> Vec<(u32, u32)> {
    let mut set = FxHashSet::default();
    for (a, b) in pairs {
        if a != b {
            set.insert((a, b));
            set.insert((b, a));
        }
    }
    let mut v: Vec<(u32, u32)> = set.into_iter().collect();
    v.sort_unstable();
    v
}

/// The graph of `model` with parameter `param` on `n` nodes.
pub fn graph(model: Model, n: usize, param: f64, rng: &mut impl Rng) -> Vec<(u32, u32)> {
    match model {
        Model::Er => {
            let mut pairs = Vec::new();
            for u in 0..n as u32 {
                for v in u + 1..n as u32 {
                    if rng.random::<f64>() < param {
                        pairs.push((u, v));
                    }
                }
            }
            undirected(pairs)
        }
        Model::Ba => {
            let m = (param as usize).max(1).min(n.saturating_sub(1).max(1));
            let mut pairs = Vec::new();
            let mut repeated: Vec<u32> = Vec::new();
            let mut targets: Vec<u32> = (0..m.min(n) as u32).collect();
            for v in m as u32..n as u32 {
                for &t in &targets {
                    pairs.push((v, t));
                    repeated.push(t);
                    repeated.push(v);
                }
                let mut next = FxHashSet::default();
                while next.len() < m {
                    next.insert(repeated[rng.random_range(0..repeated.len())]);
                }
                targets = next.into_iter().collect();
                targets.sort_unstable();
            }
            undirected(pairs)
        }
        Model::Ws => {
            let half = (param as usize / 2).min(n.saturating_sub(1) / 2);
            let mut set: FxHashSet<(u32, u32)> = FxHashSet::default();
            let key = |a: u32, b: u32| (a.min(b), a.max(b));
            for j in 1..=half {
                for u in 0..n {
                    set.insert(key(u as u32, ((u + j) % n) as u32));
                }
            }
            for j in 1..=half {
                for u in 0..n {
                    let v = ((u + j) % n) as u32;
                    if rng.random::<f64>() < 0.1 && set.contains(&key(u as u32, v)) {
                        let w = rng.random_range(0..n as u32);
                        if w != u as u32 && !set.contains(&key(u as u32, w)) {
                            set.remove(&key(u as u32, v));
                            set.insert(key(u as u32, w));
                        }
                    }
                }
            }
            let mut pairs: Vec<(u32, u32)> = set.into_iter().collect();
            pairs.sort_unstable();
            undirected(pairs)
        }
        Model::Ff => {
            let linked = super::graphs::forest_fire(n, param, 0.1 / param.max(1e-9), rng);
            let mut v: Vec<(u32, u32)> = linked.into_iter().map(|(a, b)| (b, a)).collect();
            v.sort_unstable();
            v
        }
    }
}

/// Features and thresholds of `family`.
pub fn thresholds(
    family: Family,
    n: usize,
    rng: &mut impl Rng,
) -> (Vec<String>, Vec<f64>, Vec<f64>) {
    let normal = |rng: &mut dyn rand::RngCore| -> f64 { StandardNormal.sample(rng) };
    match family {
        Family::Linear | Family::LinearNonsat => {
            let k = 100;
            let x: Vec<f64> = (0..n * k).map(|_| normal(rng)).collect();
            let beta: Vec<f64> = (0..10).map(|_| 100.0 * rng.random::<f64>()).collect();
            let shift = if family == Family::Linear {
                1000.0
            } else {
                2700.0
            };
            let theta = (0..n)
                .map(|v| {
                    let y: f64 =
                        (0..10).map(|j| x[v * k + j] * beta[j]).sum::<f64>() + 10.0 * normal(rng);
                    (y + shift) / 9000.0
                })
                .collect();
            ((0..k).map(|j| format!("x{j}")).collect(), x, theta)
        }
        Family::Quad => {
            let k = 10;
            let x: Vec<f64> = (0..n * k).map(|_| normal(rng)).collect();
            let q: Vec<f64> = (0..4).map(|_| rng.random_range(0.05..0.45)).collect();
            let theta = (0..n)
                .map(|v| {
                    let (a, b) = (x[v * k] >= 0.0, x[v * k + 1] >= 0.0);
                    q[match (a, b) {
                        (true, true) => 0,
                        (false, true) => 1,
                        (false, false) => 2,
                        (true, false) => 3,
                    }]
                })
                .collect();
            ((0..k).map(|j| format!("x{j}")).collect(), x, theta)
        }
        Family::Uniform => {
            let k = 10;
            let x: Vec<f64> = (0..n * k).map(|_| normal(rng)).collect();
            let theta = (0..n).map(|_| rng.random::<f64>()).collect();
            ((0..k).map(|j| format!("x{j}")).collect(), x, theta)
        }
    }
}

/// A world: graph, features, thresholds and `cascades` seed sets of `seed_share · n` nodes.
pub fn world(
    model: Model,
    param: f64,
    family: Family,
    n: usize,
    cascades: usize,
    seed_share: f64,
    seed: u64,
) -> World {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let edges = graph(model, n, param, &mut rng);
    let (feature_names, features, theta) = thresholds(family, n, &mut rng);
    let k = ((seed_share * n as f64).round() as usize).min(n);
    let seeds = (0..cascades)
        .map(|_| {
            let mut s: Vec<u32> = rand::seq::index::sample(&mut rng, n, k)
                .into_iter()
                .map(|i| i as u32)
                .collect();
            s.sort_unstable();
            s
        })
        .collect();
    World {
        n,
        edges,
        feature_names,
        features,
        theta,
        seeds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphs_have_the_expected_size_and_symmetry() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let er = graph(Model::Er, 1000, 0.1, &mut rng);
        let m = er.len() as f64 / 2.0;
        assert!((m - 49_950.0).abs() < 1000.0, "{m}");
        let set: FxHashSet<(u32, u32)> = er.iter().copied().collect();
        assert!(er.iter().all(|&(a, b)| set.contains(&(b, a))));
        let ba = graph(Model::Ba, 1000, 5.0, &mut rng);
        assert_eq!(ba.len(), 2 * 5 * 995);
        let ws = graph(Model::Ws, 1000, 10.0, &mut rng);
        assert_eq!(ws.len(), 2 * 5 * 1000);
        let ff = graph(Model::Ff, 500, 0.3, &mut rng);
        assert!(!ff.is_empty() && ff.iter().all(|&(a, b)| a != b));
    }

    #[test]
    fn threshold_families_match_their_description() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let (_, _, t) = thresholds(Family::Linear, 3000, &mut rng);
        let mean = t.iter().sum::<f64>() / 3000.0;
        assert!((mean - 0.111).abs() < 0.01, "{mean}");
        let (_, _, t) = thresholds(Family::LinearNonsat, 3000, &mut rng);
        let mean = t.iter().sum::<f64>() / 3000.0;
        assert!((mean - 0.3).abs() < 0.01, "{mean}");
        let (_, x, t) = thresholds(Family::Quad, 1000, &mut rng);
        let mut distinct = t.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert!(distinct.len() <= 4 && t.iter().all(|&v| (0.05..0.45).contains(&v)));
        assert_eq!(x.len(), 10_000);
    }
}
