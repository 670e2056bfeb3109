//! Prediction and its scores (spec `threshold.md`, Prediction and evaluation).
//!
//! From the true state at step t, a node inactive at t is predicted new at t+1 iff
//! `I_v(t) ≥ θ̂_v`. Scores, per origin step t of every cascade:
//! - **one-step Jaccard** of the predicted and true new activations at t+1 (the primary
//!   score; a step where both are empty is skipped and counted);
//! - **cumulative Jaccard**: θ̂ rolled out from the true state at t to the horizon T, the
//!   cumulative active sets compared at every step t+1 … T;
//! - **recall** (hpe-ltm's reported number, for compatibility only): |P∩T|/|T| of the same
//!   rolled-out cumulative sets at steps t … T, the trivial origin included — θ ≡ 0 drives it
//!   to 1.
//!
//! The library also runs the spec's benchmark protocol ([`protocol`]): at every t,
//! thresholds learned from steps ≤ t only, by each method (random, the best global
//! constant, per-node bounds, the trigger tree, the oracle), scored on step t+1.

use rayon::prelude::*;
use serde::Serialize;

use super::estimate::{self, TreeConfig};
use super::simulate::uniform_theta;
use super::{Activations, Features, Graph, NEVER};

/// Scores of one origin step t (predicting t+1).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct StepScore {
    /// One-step Jaccard (`None`: both sets empty, skipped).
    pub one_step: Option<f64>,
    /// Mean cumulative Jaccard over steps t+1 … T.
    pub cumulative: f64,
    /// Mean recall over steps t … T.
    pub recall: f64,
}

/// Units of every node from the active set `step_of ≤ t`.
fn units_at(g: &Graph, step_of: &[u32], t: u32, units: &mut Vec<u64>) {
    units.clear();
    units.resize(g.n_nodes(), 0);
    for (u, &s) in step_of.iter().enumerate() {
        if s != NEVER && s <= t {
            for e in g.out(u as u32) {
                units[g.out_dst[e] as usize] += u64::from(g.out_q[e]);
            }
        }
    }
}

fn jaccard(inter: usize, a: usize, b: usize) -> f64 {
    let union = a + b - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

/// The one-step Jaccard at origin `t` of one cascade (`truth`: its step per node), `None`
/// when prediction and truth are both empty; `units` is scratch.
fn one_step(g: &Graph, needs: &[u32], truth: &[u32], t: u32, units: &mut Vec<u64>) -> Option<f64> {
    units_at(g, truth, t, units);
    let (mut inter, mut pred, mut real) = (0usize, 0usize, 0usize);
    for v in 0..g.n_nodes() {
        if truth[v] != NEVER && truth[v] <= t {
            continue;
        }
        let p = needs[v] != NEVER && units[v] >= u64::from(needs[v]);
        let r = truth[v] == t + 1;
        inter += usize::from(p && r);
        pred += usize::from(p);
        real += usize::from(r);
    }
    (pred + real > 0).then(|| jaccard(inter, pred, real))
}

/// Scores of origin `t` in one cascade (`truth`: its step per node up to `horizon`), with
/// unit needs `needs` from θ̂.
pub fn score_origin(g: &Graph, needs: &[u32], truth: &[u32], t: u32, horizon: u32) -> StepScore {
    let n = g.n_nodes();
    let mut units = Vec::new();
    let one_step = one_step(g, needs, truth, t, &mut units);
    let active = |s: u32, at: u32| s != NEVER && s <= at;
    // Roll out from the true state at t.
    let mut state: Vec<u32> = truth
        .iter()
        .map(|&s| if active(s, t) { s } else { NEVER })
        .collect();
    let (mut cum_sum, mut rec_sum) = (0.0, 0.0);
    let recall_at = |state: &[u32], at: u32| -> (f64, f64) {
        let (mut i, mut p, mut r) = (0usize, 0usize, 0usize);
        for v in 0..n {
            let (a, b) = (active(state[v], at), active(truth[v], at));
            i += usize::from(a && b);
            p += usize::from(a);
            r += usize::from(b);
        }
        (
            jaccard(i, p, r),
            if r == 0 { 1.0 } else { i as f64 / r as f64 },
        )
    };
    rec_sum += recall_at(&state, t).1;
    for step in t..horizon {
        units_at(g, &state, step, &mut units);
        for v in 0..n {
            if state[v] == NEVER && needs[v] != NEVER && units[v] >= u64::from(needs[v]) {
                state[v] = step + 1;
            }
        }
        let (j, r) = recall_at(&state, step + 1);
        cum_sum += j;
        rec_sum += r;
    }
    let steps_after = f64::from(horizon - t);
    StepScore {
        one_step,
        cumulative: if horizon > t {
            cum_sum / steps_after
        } else {
            1.0
        },
        recall: rec_sum / (steps_after + 1.0),
    }
}

/// Scores of every cascade at every origin `t ∈ from..horizon`: `[cascade][t − from]`.
pub fn evaluate(
    g: &Graph,
    acts: &Activations,
    horizon: u32,
    theta_hat: &[f64],
    from: u32,
) -> Vec<Vec<StepScore>> {
    let needs = g.needs(theta_hat);
    (0..acts.len())
        .into_par_iter()
        .map(|c| {
            let mut truth = Vec::new();
            acts.step_of(c, g.n_nodes(), horizon, &mut truth);
            (from..horizon)
                .map(|t| score_origin(g, &needs, &truth, t, horizon))
                .collect()
        })
        .collect()
}

/// Means of a method's scores: per origin step and overall.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Mean one-step Jaccard over non-skipped (cascade, step) pairs (NaN: none).
    pub one_step_jaccard: f64,
    /// Skipped (cascade, step) pairs (both sets empty).
    pub skipped: usize,
    /// Mean cumulative Jaccard.
    pub cumulative_jaccard: f64,
    /// Mean recall (hpe-ltm's number).
    pub recall: f64,
    /// Scored (cascade, step) pairs.
    pub pairs: usize,
}

/// Summarises scores (any selection of them).
pub fn summarise<'a>(scores: impl IntoIterator<Item = &'a StepScore>) -> Summary {
    let (mut j, mut nj, mut skipped, mut c, mut r, mut n) = (0.0, 0usize, 0usize, 0.0, 0.0, 0usize);
    for s in scores {
        match s.one_step {
            Some(x) => {
                j += x;
                nj += 1;
            }
            None => skipped += 1,
        }
        c += s.cumulative;
        r += s.recall;
        n += 1;
    }
    let d = n.max(1) as f64;
    Summary {
        one_step_jaccard: if nj == 0 { f64::NAN } else { j / nj as f64 },
        skipped,
        cumulative_jaccard: c / d,
        recall: r / d,
        pairs: n,
    }
}

/// θ ~ U[0, 1) per node (the random baseline).
pub fn random_thetas(n: usize, seed: u64) -> Vec<f64> {
    (0..n as u32)
        .map(|v| uniform_theta(seed, u64::MAX, v))
        .collect()
}

/// The best global constant: the θ of the grid 0, 0.01, …, 1 (then the midpoints of the
/// best's neighbourhood, 0.001 apart) with the highest mean one-step Jaccard over origins
/// `0..until` (the training steps); the smallest on ties. `None` without a scored step.
pub fn best_constant(g: &Graph, acts: &Activations, until: u32) -> Option<f64> {
    if until == 0 {
        return None;
    }
    let n = g.n_nodes();
    let score = |theta: f64| -> f64 {
        let s = evaluate_one_step(g, acts, until, &vec![theta; n]);
        if s.is_nan() { f64::NEG_INFINITY } else { s }
    };
    let pick = |grid: Vec<f64>| -> (f64, f64) {
        let scored: Vec<(f64, f64)> = grid.par_iter().map(|&t| (t, score(t))).collect();
        scored
            .into_iter()
            .fold((f64::NAN, f64::NEG_INFINITY), |b, (t, s)| {
                if s > b.1 { (t, s) } else { b }
            })
    };
    let (coarse, s) = pick((0..=100).map(|k| f64::from(k) / 100.0).collect());
    if s == f64::NEG_INFINITY {
        return None;
    }
    let (fine, _) = pick(
        (-9..=9)
            .map(|k| coarse + f64::from(k) / 1000.0)
            .filter(|&t| t >= 0.0)
            .collect(),
    );
    Some(fine)
}

/// Mean one-step Jaccard over origins `0..until` of every cascade (NaN: none scored).
fn evaluate_one_step(g: &Graph, acts: &Activations, until: u32, theta: &[f64]) -> f64 {
    let needs = g.needs(theta);
    let n = g.n_nodes();
    let (mut sum, mut cnt) = (0.0, 0usize);
    let mut truth = Vec::new();
    let mut units = Vec::new();
    for c in 0..acts.len() {
        acts.step_of(c, n, until, &mut truth);
        for t in 0..until {
            if let Some(j) = one_step(g, &needs, &truth, t, &mut units) {
                sum += j;
                cnt += 1;
            }
        }
    }
    if cnt == 0 { f64::NAN } else { sum / cnt as f64 }
}

/// Threshold MSE against the truth over the nodes that are not a seed in every cascade
/// (seeds carry no information; with one cascade: every seed excluded), with both values
/// finite. Returns (mse, nodes used).
pub fn mse(theta_hat: &[f64], truth: &[f64], acts: &Activations) -> (f64, usize) {
    let mut seeded = vec![0usize; truth.len()];
    for rows in &acts.rows {
        for &(v, s) in rows {
            if s == 0 {
                seeded[v as usize] += 1;
            }
        }
    }
    let (mut s, mut k) = (0.0, 0usize);
    for v in 0..truth.len() {
        if seeded[v] < acts.len() && theta_hat[v].is_finite() && truth[v].is_finite() {
            s += (theta_hat[v] - truth[v]).powi(2);
            k += 1;
        }
    }
    (if k == 0 { f64::NAN } else { s / k as f64 }, k)
}

/// The methods of the benchmark protocol.
pub const METHODS: [&str; 5] = ["random", "global", "per_node", "tree", "oracle"];

/// One method's scores at one origin step of the protocol.
#[derive(Clone, Debug, Serialize)]
pub struct ProtocolScore {
    /// The method.
    pub method: &'static str,
    /// Origin step t (learned from steps ≤ t, scored on t+1).
    pub step: u32,
    /// Scores of every cascade at t, summarised.
    pub summary: Summary,
    /// Threshold MSE (seeds excluded).
    pub mse: f64,
}

/// The spec's protocol on one data set with known thresholds: for t = 1 … horizon−1, each
/// method learns from the activations up to t and is scored at origin t.
pub fn protocol(
    g: &Graph,
    acts: &Activations,
    feats: &Features,
    truth: &[f64],
    horizon: u32,
    tree: &TreeConfig,
    seed: u64,
) -> Vec<ProtocolScore> {
    let n = g.n_nodes();
    let mut out = Vec::new();
    for t in 1..horizon {
        let global = best_constant(g, acts, t).unwrap_or(0.5);
        let mut per_node = estimate::bounds(g, acts, t);
        let rows = estimate::risk_set(g, acts, t);
        let root = estimate::best_trigger(&rows).map_or(global, |x| x.tau);
        estimate::finish(&mut per_node, &vec![root; n]);
        let fitted = estimate::fit_tree(&rows, feats, tree);
        let tree_theta: Vec<f64> = (0..n as u32)
            .map(|v| {
                let x = fitted.predict(|f| feats.get(v, f));
                if x.is_finite() { x } else { global }
            })
            .collect();
        let methods: [(&str, Vec<f64>); 5] = [
            ("random", random_thetas(n, seed ^ u64::from(t))),
            ("global", vec![global; n]),
            ("per_node", per_node.iter().map(|e| e.theta_hat).collect()),
            ("tree", tree_theta),
            ("oracle", truth.to_vec()),
        ];
        for (method, theta) in methods {
            // Origin t only (evaluate would also roll out every later origin).
            let needs = g.needs(&theta);
            let at_t: Vec<StepScore> = (0..acts.len())
                .into_par_iter()
                .map(|c| {
                    let mut truth = Vec::new();
                    acts.step_of(c, n, horizon, &mut truth);
                    score_origin(g, &needs, &truth, t, horizon)
                })
                .collect();
            out.push(ProtocolScore {
                method: METHODS
                    .iter()
                    .find(|&&m| m == method)
                    .copied()
                    .expect("listed"),
                step: t,
                summary: summarise(&at_t),
                mse: mse(&theta, truth, acts).0,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threshold::Weights;
    use crate::threshold::simulate::{Run, ThresholdSource, random_seeds, simulate_cpu};
    use rand::{Rng, SeedableRng};

    fn world(seed: u64) -> (Graph, Vec<f64>, Activations) {
        let n = 300;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut edges = Vec::new();
        for u in 0..n as u32 {
            for v in 0..n as u32 {
                if u != v && rng.random::<f64>() < 0.03 {
                    edges.push((u, v, 1.0));
                }
            }
        }
        let g = Graph::from_edges(
            (0..n).map(|i| i.to_string()).collect(),
            &edges,
            Weights::Uniform,
        )
        .unwrap();
        let theta: Vec<f64> = (0..n).map(|_| rng.random_range(0.05..0.45)).collect();
        let runs: Vec<Run> = (0..5)
            .map(|r| Run {
                id: r.to_string(),
                seeds: random_seeds(n, 15, seed, r),
                draw: 0,
            })
            .collect();
        let res = simulate_cpu(&g, &ThresholdSource::Fixed(theta.clone()), &runs, 7, true);
        let acts = Activations {
            ids: runs.iter().map(|r| r.id.clone()).collect(),
            rows: res.into_iter().map(|r| r.activations).collect(),
        };
        (g, theta, acts)
    }

    #[test]
    fn the_oracle_scores_one_and_zero_thresholds_max_recall() {
        let (g, theta, acts) = world(3);
        let s = summarise(evaluate(&g, &acts, 7, &theta, 0).iter().flatten());
        assert_eq!(s.one_step_jaccard, 1.0);
        assert_eq!(s.cumulative_jaccard, 1.0);
        assert_eq!(s.recall, 1.0);
        let zero = summarise(
            evaluate(&g, &acts, 7, &vec![0.0; g.n_nodes()], 0)
                .iter()
                .flatten(),
        );
        assert_eq!(zero.recall, 1.0, "θ ≡ 0 activates everything: recall 1");
        assert!(zero.cumulative_jaccard < 1.0 && zero.one_step_jaccard < 1.0);
    }

    #[test]
    fn protocol_ranks_the_oracle_first() {
        let (g, theta, acts) = world(4);
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let feats = Features {
            names: vec!["a".into()],
            values: (0..g.n_nodes()).map(|_| rng.random::<f64>()).collect(),
        };
        let p = protocol(&g, &acts, &feats, &theta, 7, &TreeConfig::default(), 0);
        assert_eq!(p.len(), 6 * 5);
        let mean = |m: &str| {
            let v: Vec<f64> = p
                .iter()
                .filter(|s| s.method == m && s.summary.one_step_jaccard.is_finite())
                .map(|s| s.summary.one_step_jaccard)
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert_eq!(mean("oracle"), 1.0);
        assert!(
            mean("per_node") > mean("random"),
            "{} {}",
            mean("per_node"),
            mean("random")
        );
        assert!(
            p.iter()
                .filter(|s| s.method == "oracle")
                .all(|s| s.mse == 0.0)
        );
    }
}
