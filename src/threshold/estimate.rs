//! Trigger (threshold) estimation (spec `threshold.md`, Trigger estimation): per-node bounds
//! from observed cascades, the group-level trigger search over the lagged risk set, and the
//! trigger-based causal tree on node features with honest validation.
//!
//! **Bounds.** A node first active at step s ≥ 1 had `I(s−1) ≥ θ` (upper bound U) and
//! `I(s−2) < θ` (lower bound L; −∞ when s = 1); a node inactive through the horizon T had
//! `I(T−1) < θ` (L; U = +∞). Across cascades L = max, U = min. So every bound is a strict
//! statement about θ under the model: `L < θ ≤ U` for every node with consistent data.
//! θ̂ = (max(L, 0) + U)/2 (the midpoint rule; a first-step activation bounds θ below by
//! nothing but the influence floor 0); U = +∞ → `censored`, θ̂ from the group estimate;
//! L ≥ U → `inconsistent`, θ̂ = U.
//!
//! **Trigger search** ([`best_trigger`]): rows sorted by exposure once; candidate τ are
//! midpoints of consecutive distinct exposures, "treated" is I ≥ τ, both arms need ≥ 2 rows,
//! the largest signed effect wins with the smallest τ on ties — one pass over prefix sums,
//! O(n) per search after the sort, where hpe-ltm/CTL recompute each candidate's arms
//! (O(n²)).
//!
//! **Causal tree** ([`fit_tree`]): graph nodes are split 80/20 (by a hash of the node index)
//! into training and validation; every row follows its node. A tree node's trigger and
//! effect come from its training rows. A split on feature f at cut c (candidates: up to
//! `max_cuts` quantiles of the node's training values) is scored by the training objective
//! `Σ_children n·e²` (the adaptive causal-tree criterion) and kept only if it raises it and
//! also raises the same objective on the validation rows, with each child's τ from training
//! applied to its validation rows (honest validation, the CTL method's idea). Stopping rules:
//! depth `max_depth`, children of at least `min_rows` training rows with a trigger on each
//! side, a validation arm of at least one row on each side. Leaves give their τ to every
//! node whose features reach them.

use rayon::prelude::*;
use serde::Serialize;

use super::{Activations, Features, Graph, NEVER};

/// Per-node bounds and estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeEstimate {
    /// Lower bound (−∞: none).
    pub lower: f64,
    /// Upper bound (+∞: none).
    pub upper: f64,
    /// θ̂.
    pub theta_hat: f64,
    /// Cascades where the node was not a seed (and so carried information).
    pub n_cascades: u32,
    /// `ok`, `censored` or `inconsistent`.
    pub status: Status,
    /// The group-level (tree leaf or global) estimate for this node (+∞: none).
    pub theta_group: f64,
}

/// Status of a node's estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// `L < U < ∞`.
    Ok,
    /// `U = +∞`: never seen activating.
    Censored,
    /// `L ≥ U`: no fixed threshold explains the data.
    Inconsistent,
}

impl Status {
    /// The output name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Censored => "censored",
            Status::Inconsistent => "inconsistent",
        }
    }
}

/// The observation horizon: `until`, else the largest step of the file.
pub fn horizon(acts: &Activations, until: Option<u32>) -> u32 {
    until.unwrap_or_else(|| acts.max_step())
}

/// Units of node v's in-neighbours active at step ≤ t, for t = `at` (each `NEVER` skipped).
fn units_at(g: &Graph, step_of: &[u32], v: u32, at: [u32; 2]) -> [u64; 2] {
    let mut out = [0u64; 2];
    for e in g.inn(v) {
        let s = step_of[g.in_src[e] as usize];
        if s == NEVER {
            continue;
        }
        for k in 0..2 {
            if at[k] != NEVER && s <= at[k] {
                out[k] += u64::from(g.in_q[e]);
            }
        }
    }
    out
}

/// Per-node bounds over every cascade observed to `horizon` (activations after it ignored).
/// θ̂ of censored nodes is left +∞ here; [`finish`] fills it from a group estimate.
pub fn bounds(g: &Graph, acts: &Activations, horizon: u32) -> Vec<NodeEstimate> {
    let n = g.n_nodes();
    let init = || {
        (
            vec![f64::NEG_INFINITY; n],
            vec![f64::INFINITY; n],
            vec![0u32; n],
            Vec::new(),
        )
    };
    let (lower, upper, count, _) = (0..acts.len())
        .into_par_iter()
        .fold(init, |(mut lo, mut up, mut cnt, mut step_of), c| {
            acts.step_of(c, n, horizon, &mut step_of);
            for v in 0..n as u32 {
                let s = step_of[v as usize];
                if s == 0 {
                    continue;
                }
                if s == NEVER {
                    if horizon == 0 {
                        continue;
                    }
                    let [u, _] = units_at(g, &step_of, v, [horizon - 1, NEVER]);
                    let i = g.influence(v, u);
                    lo[v as usize] = lo[v as usize].max(i);
                } else {
                    let prev = if s >= 2 { s - 2 } else { NEVER };
                    let [u_up, u_lo] = units_at(g, &step_of, v, [s - 1, prev]);
                    up[v as usize] = up[v as usize].min(g.influence(v, u_up));
                    if prev != NEVER {
                        lo[v as usize] = lo[v as usize].max(g.influence(v, u_lo));
                    }
                }
                cnt[v as usize] += 1;
            }
            (lo, up, cnt, step_of)
        })
        .reduce(init, |(mut a, mut b, mut c, s), (x, y, z, _)| {
            for v in 0..n {
                a[v] = a[v].max(x[v]);
                b[v] = b[v].min(y[v]);
                c[v] += z[v];
            }
            (a, b, c, s)
        });
    (0..n)
        .map(|v| {
            let (l, u) = (lower[v], upper[v]);
            let (status, theta_hat) = if u == f64::INFINITY {
                (Status::Censored, f64::INFINITY)
            } else if l >= u {
                (Status::Inconsistent, u)
            } else {
                (Status::Ok, (l.max(0.0) + u) / 2.0)
            };
            NodeEstimate {
                lower: l,
                upper: u,
                theta_hat,
                n_cascades: count[v],
                status,
                theta_group: f64::INFINITY,
            }
        })
        .collect()
}

/// Gives every node its group estimate and censored nodes their θ̂ from it.
pub fn finish(est: &mut [NodeEstimate], group: &[f64]) {
    for (e, &t) in est.iter_mut().zip(group) {
        e.theta_group = t;
        if e.status == Status::Censored {
            e.theta_hat = t;
        }
    }
}

/// One row of the lagged risk set: a node inactive at t, its exposure `I_v(t)`, and whether
/// it activated at t+1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RiskRow {
    /// The node.
    pub node: u32,
    /// `I_v(t)`.
    pub exposure: f64,
    /// Active at t+1.
    pub active: bool,
}

/// The lagged risk set of every cascade for t = 0 … horizon−1, sorted by exposure (stable:
/// cascade, step, node order within ties).
pub fn risk_set(g: &Graph, acts: &Activations, horizon: u32) -> Vec<RiskRow> {
    let n = g.n_nodes();
    let mut rows: Vec<RiskRow> = (0..acts.len())
        .into_par_iter()
        .map_init(Vec::new, |step_of, c| {
            acts.step_of(c, n, horizon, step_of);
            let mut out = Vec::new();
            // Units per node accumulate step by step: add each node's out-edges at its step.
            let mut units = vec![0u64; n];
            let mut by_step: Vec<Vec<u32>> = vec![Vec::new(); horizon as usize + 1];
            for (v, &s) in step_of.iter().enumerate() {
                if s != NEVER {
                    by_step[s as usize].push(v as u32);
                }
            }
            for t in 0..horizon {
                for &u in &by_step[t as usize] {
                    for e in g.out(u) {
                        units[g.out_dst[e] as usize] += u64::from(g.out_q[e]);
                    }
                }
                for v in 0..n as u32 {
                    let s = step_of[v as usize];
                    if s != NEVER && s <= t {
                        continue;
                    }
                    out.push(RiskRow {
                        node: v,
                        exposure: g.influence(v, units[v as usize]),
                        active: s == t + 1,
                    });
                }
            }
            out
        })
        .flatten()
        .collect();
    rows.sort_by(|a, b| a.exposure.total_cmp(&b.exposure));
    rows
}

/// A trigger: τ and the effect of exposure ≥ τ on activation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Trigger {
    /// τ.
    pub tau: f64,
    /// Mean activation of treated (I ≥ τ) minus control.
    pub effect: f64,
    /// Treated rows.
    pub treated: u32,
    /// Control rows.
    pub control: u32,
}

/// The trigger of rows sorted by exposure (`active` flags and exposures given as two
/// iterators' worth of slices): see the module docs. `None` with fewer than 2 distinct
/// exposures or no candidate with 2 rows per arm.
pub fn best_trigger(rows: &[RiskRow]) -> Option<Trigger> {
    let n = rows.len();
    let total: u64 = rows.iter().map(|r| u64::from(r.active)).sum();
    let mut best: Option<Trigger> = None;
    let mut ones_below = 0u64;
    for i in 1..n {
        ones_below += u64::from(rows[i - 1].active);
        let (a, b) = (rows[i - 1].exposure, rows[i].exposure);
        if a == b {
            continue;
        }
        let (control, treated) = (i as u64, (n - i) as u64);
        if control < 2 || treated < 2 {
            continue;
        }
        let effect =
            (total - ones_below) as f64 / treated as f64 - ones_below as f64 / control as f64;
        if effect > 0.0 && best.is_none_or(|t| effect > t.effect) {
            best = Some(Trigger {
                tau: (a + b) / 2.0,
                effect,
                treated: treated as u32,
                control: control as u32,
            });
        }
    }
    best
}

/// Effect of `tau` on rows (treated mean − control mean), with both arms' sizes; `None` if
/// an arm is empty.
fn effect_at(rows: &[RiskRow], tau: f64) -> Option<(f64, usize)> {
    let (mut nt, mut yt, mut nc, mut yc) = (0usize, 0usize, 0usize, 0usize);
    for r in rows {
        if r.exposure >= tau {
            nt += 1;
            yt += usize::from(r.active);
        } else {
            nc += 1;
            yc += usize::from(r.active);
        }
    }
    (nt > 0 && nc > 0).then(|| (yt as f64 / nt as f64 - yc as f64 / nc as f64, nt + nc))
}

/// Settings of the causal tree.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TreeConfig {
    /// Deepest level (the root is 0).
    pub max_depth: u32,
    /// Fewest training rows per child.
    pub min_rows: usize,
    /// Candidate cuts per feature and node (quantiles).
    pub max_cuts: usize,
    /// Share of nodes held out for validation.
    pub validation: f64,
    /// Seed of the node split.
    pub seed: u64,
}

impl Default for TreeConfig {
    fn default() -> Self {
        TreeConfig {
            max_depth: 6,
            min_rows: 50,
            max_cuts: 32,
            validation: 0.2,
            seed: 0,
        }
    }
}

/// A fitted tree node.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Tree {
    /// An internal node: feature < cut goes left.
    Split {
        /// Feature name.
        feature: String,
        /// Its index.
        #[serde(skip)]
        index: usize,
        /// The cut.
        cut: f64,
        /// Rows below.
        rows: usize,
        /// feature < cut.
        left: Box<Tree>,
        /// feature ≥ cut.
        right: Box<Tree>,
    },
    /// A leaf.
    Leaf {
        /// Its trigger (+∞: none).
        tau: f64,
        /// Training effect.
        effect: f64,
        /// Validation effect at the same τ (NaN: an empty arm).
        effect_validation: f64,
        /// Training rows.
        rows: usize,
    },
}

impl Tree {
    /// The τ of a node with features `x(f)`.
    pub fn predict(&self, x: impl Fn(usize) -> f64) -> f64 {
        let mut t = self;
        loop {
            match t {
                Tree::Split {
                    index,
                    cut,
                    left,
                    right,
                    ..
                } => {
                    t = if x(*index) < *cut { left } else { right };
                }
                Tree::Leaf { tau, .. } => return *tau,
            }
        }
    }

    /// Leaves.
    pub fn leaves(&self) -> usize {
        match self {
            Tree::Split { left, right, .. } => left.leaves() + right.leaves(),
            Tree::Leaf { .. } => 1,
        }
    }

    /// Depth (a leaf: 0).
    pub fn depth(&self) -> u32 {
        match self {
            Tree::Split { left, right, .. } => 1 + left.depth().max(right.depth()),
            Tree::Leaf { .. } => 0,
        }
    }
}

/// Whether node v is held out for validation.
fn held_out(v: u32, cfg: &TreeConfig) -> bool {
    let h = super::simulate::mix64(cfg.seed ^ super::simulate::mix64(u64::from(v) + 1));
    ((h >> 11) as f64 / (1u64 << 53) as f64) < cfg.validation
}

/// Fits the trigger-based causal tree on risk rows sorted by exposure (see the module docs).
pub fn fit_tree(rows: &[RiskRow], feats: &Features, cfg: &TreeConfig) -> Tree {
    let (train, val): (Vec<RiskRow>, Vec<RiskRow>) =
        rows.iter().partition(|r| !held_out(r.node, cfg));
    grow(&train, &val, feats, cfg, 0)
}

fn objective(parts: &[(&[RiskRow], Option<Trigger>)]) -> f64 {
    parts
        .iter()
        .map(|(r, t)| t.map_or(0.0, |t| r.len() as f64 * t.effect * t.effect))
        .sum()
}

fn val_objective(parts: &[(&[RiskRow], f64)]) -> Option<f64> {
    let mut s = 0.0;
    for (r, tau) in parts {
        let (e, n) = effect_at(r, *tau)?;
        s += n as f64 * e * e;
    }
    Some(s)
}

fn grow(
    train: &[RiskRow],
    val: &[RiskRow],
    feats: &Features,
    cfg: &TreeConfig,
    depth: u32,
) -> Tree {
    let here = best_trigger(train);
    let leaf = || {
        let tau = here.map_or(f64::INFINITY, |t| t.tau);
        Tree::Leaf {
            tau,
            effect: here.map_or(0.0, |t| t.effect),
            effect_validation: effect_at(val, tau).map_or(f64::NAN, |e| e.0),
            rows: train.len(),
        }
    };
    let Some(here_t) = here else { return leaf() };
    if depth >= cfg.max_depth || train.len() < 2 * cfg.min_rows {
        return leaf();
    }
    let base = objective(&[(train, here)]);
    let Some(base_val) = val_objective(&[(val, here_t.tau)]) else {
        return leaf();
    };
    // (gain, feature, cut): the best over features, in parallel.
    let best = (0..feats.names.len())
        .into_par_iter()
        .filter_map(|f| {
            let mut xs: Vec<f64> = train.iter().map(|r| feats.get(r.node, f)).collect();
            xs.sort_by(f64::total_cmp);
            xs.dedup();
            if xs.len() < 2 {
                return None;
            }
            let k = cfg.max_cuts.min(xs.len() - 1);
            let mut cuts: Vec<f64> = (1..=k)
                .map(|i| xs[i * (xs.len() - 1) / k.max(1)].max(xs[1]))
                .collect();
            cuts.dedup();
            let mut best: Option<(f64, usize, f64)> = None;
            let (mut left, mut right) = (Vec::new(), Vec::new());
            for &cut in &cuts {
                left.clear();
                right.clear();
                for r in train {
                    if feats.get(r.node, f) < cut {
                        left.push(*r)
                    } else {
                        right.push(*r)
                    }
                }
                if left.len() < cfg.min_rows || right.len() < cfg.min_rows {
                    continue;
                }
                let (tl, tr) = (best_trigger(&left), best_trigger(&right));
                if tl.is_none() || tr.is_none() {
                    continue;
                }
                let gain = objective(&[(&left, tl), (&right, tr)]) - base;
                if gain > 0.0 && best.is_none_or(|b| gain > b.0) {
                    best = Some((gain, f, cut));
                }
            }
            best
        })
        .reduce_with(|a, b| {
            if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) {
                b
            } else {
                a
            }
        });
    let Some((_, f, cut)) = best else {
        return leaf();
    };
    let split = |rows: &[RiskRow]| -> (Vec<RiskRow>, Vec<RiskRow>) {
        rows.iter().partition(|r| feats.get(r.node, f) < cut)
    };
    let (tl, tr) = split(train);
    let (vl, vr) = split(val);
    let (Some(a), Some(b)) = (best_trigger(&tl), best_trigger(&tr)) else {
        return leaf();
    };
    match val_objective(&[(&vl, a.tau), (&vr, b.tau)]) {
        Some(v) if v > base_val => {}
        _ => return leaf(),
    }
    Tree::Split {
        feature: feats.names[f].clone(),
        index: f,
        cut,
        rows: train.len(),
        left: Box::new(grow(&tl, &vl, feats, cfg, depth + 1)),
        right: Box::new(grow(&tr, &vr, feats, cfg, depth + 1)),
    }
}

/// The quadratic-time trigger search (every candidate's arms recounted), as the authors'
/// code does it: the oracle of [`best_trigger`] in the tests and the baseline of the speed
/// comparison.
pub fn best_trigger_naive(rows: &[RiskRow]) -> Option<Trigger> {
    let mut ex: Vec<f64> = rows.iter().map(|r| r.exposure).collect();
    ex.sort_by(f64::total_cmp);
    ex.dedup();
    let mut best: Option<Trigger> = None;
    for w in ex.windows(2) {
        let tau = (w[0] + w[1]) / 2.0;
        let (mut nt, mut yt, mut nc, mut yc) = (0u32, 0u32, 0u32, 0u32);
        for r in rows {
            if r.exposure >= tau {
                nt += 1;
                yt += u32::from(r.active);
            } else {
                nc += 1;
                yc += u32::from(r.active);
            }
        }
        if nt < 2 || nc < 2 {
            continue;
        }
        let effect = f64::from(yt) / f64::from(nt) - f64::from(yc) / f64::from(nc);
        if effect > 0.0 && best.is_none_or(|b| effect > b.effect) {
            best = Some(Trigger {
                tau,
                effect,
                treated: nt,
                control: nc,
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threshold::Weights;
    use crate::threshold::simulate::{Run, ThresholdSource, random_seeds, simulate_cpu};
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};

    fn acts_of(results: &[crate::threshold::simulate::RunResult]) -> Activations {
        Activations {
            ids: (0..results.len()).map(|i| i.to_string()).collect(),
            rows: results.iter().map(|r| r.activations.clone()).collect(),
        }
    }

    fn er(n: usize, p: f64, seed: u64) -> Graph {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut edges = Vec::new();
        for u in 0..n as u32 {
            for v in 0..n as u32 {
                if u != v && rng.random::<f64>() < p {
                    edges.push((u, v, 1.0));
                }
            }
        }
        Graph::from_edges(
            (0..n).map(|i| i.to_string()).collect(),
            &edges,
            Weights::Uniform,
        )
        .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Every `ok` node's interval holds its true θ (L < θ ≤ U): a property, not a tolerance.
        #[test]
        fn ok_intervals_contain_the_truth(seed in 0u64..5000, n in 5usize..60, cascades in 1usize..12, steps in 1u32..7) {
            let g = er(n, 0.15, seed);
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let theta: Vec<f64> = (0..n).map(|_| rng.random_range(0.05..0.6)).collect();
            let runs: Vec<Run> = (0..cascades as u64).map(|r| Run { id: r.to_string(), seeds: random_seeds(n, 1 + n / 10, seed, r), draw: 0 }).collect();
            let res = simulate_cpu(&g, &ThresholdSource::Fixed(theta.clone()), &runs, steps, true);
            let acts = acts_of(&res);
            let est = bounds(&g, &acts, steps);
            for (v, e) in est.iter().enumerate() {
                if e.status == Status::Ok {
                    prop_assert!(e.lower < theta[v] && theta[v] <= e.upper, "node {v}: {e:?} vs {}", theta[v]);
                }
                prop_assert!(e.status != Status::Inconsistent, "simulated data are consistent");
            }
        }

        #[test]
        fn trigger_search_equals_the_quadratic_oracle(xs in proptest::collection::vec((0u32..8, any::<bool>()), 0..60)) {
            let mut rows: Vec<RiskRow> = xs.iter().map(|&(e, a)| RiskRow { node: 0, exposure: f64::from(e) / 8.0, active: a }).collect();
            rows.sort_by(|a, b| a.exposure.total_cmp(&b.exposure));
            prop_assert_eq!(best_trigger(&rows), best_trigger_naive(&rows));
        }
    }

    #[test]
    fn censored_and_inconsistent_where_constructed() {
        // 0 → 2, 1 → 2; node 3 isolated.
        let g = Graph::from_edges(
            (0..4).map(|i| i.to_string()).collect(),
            &[(0, 2, 1.0), (1, 2, 1.0)],
            Weights::Uniform,
        )
        .unwrap();
        // Cascade a: seeds 0,1 → 2 activates at step 2 although I(0) = 1 already: then at
        // step 1 it had I = 1 and did not activate (L = 1), and U = I(1) = 1: L ≥ U.
        let acts = Activations {
            ids: vec!["a".into()],
            rows: vec![vec![(0, 0), (1, 0), (2, 2)]],
        };
        let est = bounds(&g, &acts, 2);
        assert_eq!(est[2].status, Status::Inconsistent);
        assert_eq!(est[2].theta_hat, 1.0);
        assert_eq!(est[3].status, Status::Censored, "never active: U = +inf");
        assert_eq!((est[3].lower, est[3].n_cascades), (0.0, 1));
        assert_eq!(est[0].n_cascades, 0, "seeds carry no information");
        // One seed activates 2 at step 1: U = 1/2, L = −∞, θ̂ = 1/4.
        let acts = Activations {
            ids: vec!["b".into()],
            rows: vec![vec![(0, 0), (2, 1)]],
        };
        let mut est = bounds(&g, &acts, 3);
        assert_eq!(
            (est[2].status, est[2].upper, est[2].theta_hat),
            (Status::Ok, 0.5, 0.25)
        );
        finish(&mut est, &[0.3; 4]);
        assert_eq!(est[3].theta_hat, 0.3);
        assert_eq!(est[2].theta_hat, 0.25);
    }

    #[test]
    fn trigger_needs_two_distinct_exposures_and_two_rows_per_arm() {
        let r = |e: f64, a: bool| RiskRow {
            node: 0,
            exposure: e,
            active: a,
        };
        assert_eq!(
            best_trigger(&[r(0.1, false), r(0.1, true), r(0.1, true)]),
            None
        );
        assert_eq!(
            best_trigger(&[r(0.1, false), r(0.5, true), r(0.5, true)]),
            None
        );
        let t = best_trigger(&[r(0.1, false), r(0.1, false), r(0.5, true), r(0.5, true)]).unwrap();
        assert_eq!((t.tau, t.effect), (0.3, 1.0));
    }

    #[test]
    fn tree_separates_two_threshold_groups() {
        // Feature 0 > 0 → θ = 0.1, else θ = 0.6, on an ER graph with many cascades.
        let n = 400;
        let g = er(n, 0.03, 1);
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let x: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let theta: Vec<f64> = x.iter().map(|&v| if v > 0.0 { 0.1 } else { 0.6 }).collect();
        let runs: Vec<Run> = (0..40)
            .map(|r| Run {
                id: r.to_string(),
                seeds: random_seeds(n, 40, 2, r),
                draw: 0,
            })
            .collect();
        let res = simulate_cpu(&g, &ThresholdSource::Fixed(theta), &runs, 6, true);
        let acts = acts_of(&res);
        let rows = risk_set(&g, &acts, 6);
        let feats = Features {
            names: vec!["x".into(), "noise".into()],
            values: x.iter().flat_map(|&v| [v, rng.random::<f64>()]).collect(),
        };
        let tree = fit_tree(&rows, &feats, &TreeConfig::default());
        match &tree {
            Tree::Split { feature, cut, .. } => {
                assert_eq!(feature, "x");
                assert!(cut.abs() < 0.15, "cut {cut}");
            }
            Tree::Leaf { .. } => panic!("no split: {tree:?}"),
        }
        let lo = tree.predict(|_| 0.5);
        let hi = tree.predict(|_| -0.5);
        assert!(lo < hi, "{lo} {hi}");
        assert!(lo < 0.2 && hi > 0.3, "{lo} {hi}");
    }
}
