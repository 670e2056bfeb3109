//! The log-likelihood of a given network (spec `netinf.md`, Matrix-tree likelihood).
//!
//! Best tree (paper Alg. 1, SNAP's `GetProb`): every node picks its best incoming network
//! edge from an earlier node, or the ε-edge: `Σ_c Σ_v log max(ε, max_u f(Δ_uv))`.
//! All trees (paper Th. 1): in time order the matrix of the matrix-tree theorem is
//! triangular, so the sum over all spanning trees is the product over nodes of the sum of
//! their incoming weights: `Σ_c Σ_v log(ε + Σ_u f(Δ_uv))` (computed with log-sum-exp).
//! Under the paper weights, network edges weigh `β f` and the ε-alternative is `ε f` of
//! every earlier node. Always `all_trees >= best_tree`.

use rustc_hash::FxHashSet;
use serde::Serialize;

use super::Weights;
use crate::cascade::NodeCascades;
use crate::netinf::NetInfValidParams;

/// A network's log-likelihood.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct NetworkScore {
    /// Over the best tree of each cascade.
    pub best_tree: f64,
    /// Over all trees of each cascade.
    pub all_trees: f64,
    /// The best-tree score minus that of the empty network: the NetInf objective F(G).
    pub objective: f64,
}

/// Scores `edges` (node indices) on `data`.
pub fn score(
    data: &NodeCascades,
    params: &NetInfValidParams,
    edges: &[(u32, u32)],
) -> NetworkScore {
    let set: FxHashSet<(u32, u32)> = edges.iter().copied().collect();
    let (log_beta, log_eps, paper) = match params.weights {
        Weights::Snap { epsilon } => (0.0, epsilon.ln(), false),
        Weights::Paper { beta, epsilon } => (beta.ln(), epsilon.ln(), true),
    };
    let (mut best_tree, mut all_trees, mut empty) = (0.0, 0.0, 0.0);
    let mut terms: Vec<f64> = Vec::new();
    for c in data.cascades.iter() {
        for i in 0..c.len() {
            let (v, t_v) = (c.users[i].0, c.times[i]);
            let earlier = c.times.partition_point(|&t| t < t_v);
            if paper && earlier == 0 {
                continue; // the first node has no parent at all (R: NA)
            }
            let mut best_eps = if paper { f64::NEG_INFINITY } else { log_eps };
            let mut best_net = f64::NEG_INFINITY;
            terms.clear();
            for e in 0..earlier {
                let lf = params.model.log_density(params.alpha, t_v - c.times[e]);
                if paper {
                    best_eps = best_eps.max(log_eps + lf);
                    terms.push(log_eps + lf);
                }
                if set.contains(&(c.users[e].0, v)) {
                    best_net = best_net.max(log_beta + lf);
                    terms.push(log_beta + lf);
                }
            }
            if !paper {
                terms.push(log_eps);
            }
            empty += best_eps;
            best_tree += best_eps.max(best_net);
            all_trees += log_sum_exp(&terms);
        }
    }
    NetworkScore {
        best_tree,
        all_trees,
        objective: best_tree - empty,
    }
}

fn log_sum_exp(xs: &[f64]) -> f64 {
    let m = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}
