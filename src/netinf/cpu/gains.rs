//! Marginal gains of candidate parents: per node problem ([`NodeProblem::gain`]) and over a
//! packed batch of node problems ([`gains`], the twin of `shaders/netinf/gains.wgsl`).
//!
//! Spec `netinf.md`, Candidates and marginal gains: for a target node v and a candidate
//! parent u,
//!
//! ```text
//! δ(u,v | G) = Σ_{c ∋ u,v : t_u < t_v} max(0, w_c(u,v) − best_c(v))
//! ```
//!
//! depends only on the edges of G into v. A [`NodeProblem`] holds everything that sum needs
//! for one v: its cascades (local index k), the (candidate × cascade) incidences grouped by
//! candidate (for evaluating a gain) and by cascade (for finding the candidates an update
//! touches). It is built from the cascades on demand, node by node, so memory is that of the
//! largest node, never Σ|c|² at once.

use crate::cascade::CascadeSet;
use crate::netinf::NetInfValidParams;
use crate::netinf::Weights;

/// For every node, the (cascade, position) of its events: a CSR over all events.
#[derive(Clone, Debug, Default)]
pub struct NodeIndex {
    start: Vec<usize>,
    entries: Vec<(u32, u32)>,
}

impl NodeIndex {
    /// Indexes `set` by node (`users` holds node indices `< n_nodes`).
    ///
    /// # Panics
    /// If a node index is `>= n_nodes` or the set has more than 2^32 cascades or events per
    /// cascade.
    pub fn build(set: &CascadeSet, n_nodes: usize) -> Self {
        let mut count = vec![0usize; n_nodes + 1];
        for c in set.iter() {
            for u in c.users {
                count[u.index() + 1] += 1;
            }
        }
        for i in 0..n_nodes {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        let mut entries = vec![(0u32, 0u32); set.n_events()];
        for (ci, c) in set.iter().enumerate() {
            for (pos, u) in c.users.iter().enumerate() {
                entries[fill[u.index()]] = (ci as u32, pos as u32);
                fill[u.index()] += 1;
            }
        }
        NodeIndex {
            start: count,
            entries,
        }
    }

    /// The (cascade, position) pairs of node `v`, cascades ascending.
    pub fn of(&self, v: usize) -> &[(u32, u32)] {
        &self.entries[self.start[v]..self.start[v + 1]]
    }
}

/// The candidate parents of one target node and their incidences.
#[derive(Clone, Debug, Default)]
pub struct NodeProblem {
    /// The target node v.
    pub node: u32,
    /// `best_c(v)` before any edge into v, per local cascade k: `log ε` (SNAP), or
    /// `log ε + max_u log f(Δ_uv)` over earlier nodes (paper / R).
    pub init_best: Vec<f64>,
    /// Candidate parents (node indices), ascending.
    pub srcs: Vec<u32>,
    /// Candidate `i`'s incidences are `inc_start[i]..inc_start[i + 1]`, cascades ascending.
    pub inc_start: Vec<u32>,
    /// Local cascade index k of each incidence.
    pub inc_k: Vec<u32>,
    /// Weight `w_c(u,v)` of each incidence: `log f(Δ)` (SNAP) or `log β + log f(Δ)` (paper).
    pub inc_w: Vec<f64>,
    /// `Δ = t_v − t_u` of each incidence.
    pub inc_dt: Vec<f64>,
    /// Candidates present in local cascade k are `casc_cand[casc_start[k]..casc_start[k + 1]]`.
    pub casc_start: Vec<u32>,
    /// See `casc_start`.
    pub casc_cand: Vec<u32>,
}

/// Reusable scratch for building node problems.
#[derive(Debug, Default)]
pub struct NodeScratch {
    /// Per node: incidences as a candidate (first pass), then its candidate index.
    slot: Vec<u32>,
    /// Per candidate: the next free incidence of its group.
    fill: Vec<u32>,
    /// Per local cascade: its strictly earlier events.
    earlier: Vec<u32>,
}

impl NodeProblem {
    /// Number of candidate parents.
    pub fn n_candidates(&self) -> usize {
        self.srcs.len()
    }

    /// Number of (candidate × cascade) incidences.
    pub fn n_incidences(&self) -> usize {
        self.inc_k.len()
    }

    /// Builds the problem of target node `v` under `params`' model, α and weights (reusing
    /// `self`'s allocations).
    ///
    /// A counting sort by candidate: one pass counts each earlier node's incidences, a second
    /// writes every incidence straight into its candidate's group, cascades ascending (the
    /// order of a stable sort by candidate), so the time is linear in the incidences.
    pub fn build(
        &mut self,
        v: u32,
        set: &CascadeSet,
        index: &NodeIndex,
        params: &NetInfValidParams,
        scratch: &mut NodeScratch,
    ) {
        let (model, alpha) = (params.model, params.alpha);
        let (log_beta, log_eps, paper) = match params.weights {
            Weights::Snap { epsilon } => (0.0, epsilon.ln(), false),
            Weights::Paper { beta, epsilon } => (beta.ln(), epsilon.ln(), true),
        };
        let entries = index.of(v as usize);
        let n_nodes = index.start.len().saturating_sub(1);
        if scratch.slot.len() < n_nodes {
            scratch.slot.resize(n_nodes, 0);
        }
        let NodeScratch {
            slot,
            fill,
            earlier,
        } = scratch;
        // Pass 1: the earlier events of each cascade and each candidate's incidences.
        earlier.clear();
        self.srcs.clear();
        for &(c, pos) in entries {
            let casc = set.get(c as usize);
            let t_v = casc.times[pos as usize];
            // Times are sorted, so the strictly earlier events are a prefix.
            let e = casc.times.partition_point(|&t| t < t_v);
            earlier.push(e as u32);
            for u in &casc.users[..e] {
                let s = &mut slot[u.index()];
                if *s == 0 {
                    self.srcs.push(u.0);
                }
                *s += 1;
            }
        }
        self.srcs.sort_unstable();
        // Candidate groups: ranges by candidate, and each node's slot becomes its candidate.
        self.inc_start.clear();
        fill.clear();
        let mut total = 0u32;
        for (i, &u) in self.srcs.iter().enumerate() {
            self.inc_start.push(total);
            fill.push(total);
            let s = &mut slot[u as usize];
            total += *s;
            *s = i as u32;
        }
        self.inc_start.push(total);
        let ni = total as usize;
        self.inc_k.clear();
        self.inc_k.resize(ni, 0);
        self.inc_w.clear();
        self.inc_w.resize(ni, 0.0);
        self.inc_dt.clear();
        self.inc_dt.resize(ni, 0.0);
        // Pass 2: every incidence into its group, cascades ascending.
        self.node = v;
        self.init_best.clear();
        for (k, (&(c, pos), &e)) in entries.iter().zip(earlier.iter()).enumerate() {
            let casc = set.get(c as usize);
            let t_v = casc.times[pos as usize];
            let mut best_eps = f64::NEG_INFINITY;
            for (u, &t_u) in casc.users[..e as usize].iter().zip(casc.times) {
                let dt = t_v - t_u;
                let lf = model.log_density(alpha, dt);
                best_eps = best_eps.max(lf);
                let i = slot[u.index()] as usize;
                let at = fill[i] as usize;
                fill[i] += 1;
                self.inc_k[at] = k as u32;
                self.inc_w[at] = log_beta + lf;
                self.inc_dt[at] = dt;
            }
            self.init_best.push(if paper && e > 0 {
                log_eps + best_eps
            } else {
                log_eps
            });
        }
        for &u in &self.srcs {
            slot[u as usize] = 0;
        }
        // The inverse index: candidates per local cascade (cascade k has earlier[k]).
        let m = entries.len();
        self.casc_start.clear();
        self.casc_start.push(0);
        let mut acc = 0u32;
        for &e in earlier.iter() {
            acc += e;
            self.casc_start.push(acc);
        }
        self.casc_cand.clear();
        self.casc_cand.resize(ni, 0);
        fill.clear();
        fill.extend_from_slice(&self.casc_start[..m]);
        for i in 0..self.srcs.len() {
            for inc in self.inc_start[i]..self.inc_start[i + 1] {
                let k = self.inc_k[inc as usize] as usize;
                self.casc_cand[fill[k] as usize] = i as u32;
                fill[k] += 1;
            }
        }
    }

    /// The marginal gain of candidate `i` given the current `best` per local cascade,
    /// summed in cascade order (the order every engine uses, so gains compare bit for bit).
    #[inline]
    pub fn gain(&self, i: usize, best: &[f64]) -> f64 {
        let r = self.inc_start[i] as usize..self.inc_start[i + 1] as usize;
        let mut g = 0.0;
        for (&k, &w) in self.inc_k[r.clone()].iter().zip(&self.inc_w[r]) {
            let d = w - best[k as usize];
            if d > 0.0 {
                g += d;
            }
        }
        g
    }
}

/// The marginal gain of every candidate of `problem` given `best`.
pub fn node_gains(problem: &NodeProblem, best: &[f64], out: &mut Vec<f64>) {
    out.clear();
    out.extend((0..problem.n_candidates()).map(|i| problem.gain(i, best)));
}

/// The candidates and incidences of one segment of a packed batch of node problems: what
/// `shaders/netinf/gains.wgsl` reads. Incidences point into a batch-wide `best` array that
/// concatenates the `best_c(v)` of every node of the batch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PackedGains {
    /// Candidate `c`'s incidences are `inc_start[c]..inc_start[c + 1]`, cascades ascending.
    pub inc_start: Vec<u32>,
    /// Index into the batch's `best` of each incidence.
    pub inc_k: Vec<u32>,
    /// `w_c(u,v)` of each incidence (finite).
    pub inc_w: Vec<f64>,
}

impl PackedGains {
    /// Number of candidates.
    pub fn n_candidates(&self) -> usize {
        self.inc_start.len().saturating_sub(1)
    }
}

/// The kernel `gains`' twin: into `out[item]` the gain of candidate `list[item]` (or of
/// candidate `item` for every candidate when `list` is `None`), summed in cascade order with
/// the kernel's operations.
pub fn gains(seg: &PackedGains, best: &[f64], list: Option<&[u32]>, out: &mut Vec<f64>) {
    let one = |c: usize| {
        let mut g = 0.0;
        for e in seg.inc_start[c] as usize..seg.inc_start[c + 1] as usize {
            let d = seg.inc_w[e] - best[seg.inc_k[e] as usize];
            if d > 0.0 {
                g += d;
            }
        }
        g
    };
    out.clear();
    match list {
        Some(l) => out.extend(l.iter().map(|&c| one(c as usize))),
        None => out.extend((0..seg.n_candidates()).map(one)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cascade::{Dedupe, UserId};
    use crate::netinf::{Model, NetInfParams};
    use proptest::prelude::*;

    /// The earlier build, kept as the oracle: every incidence materialized, then a stable
    /// comparison sort by candidate.
    fn build_by_sort(
        v: u32,
        set: &CascadeSet,
        index: &NodeIndex,
        params: &NetInfValidParams,
    ) -> NodeProblem {
        let (model, alpha) = (params.model, params.alpha);
        let (log_beta, log_eps, paper) = match params.weights {
            Weights::Snap { epsilon } => (0.0, epsilon.ln(), false),
            Weights::Paper { beta, epsilon } => (beta.ln(), epsilon.ln(), true),
        };
        let mut p = NodeProblem {
            node: v,
            ..Default::default()
        };
        let mut raw: Vec<(u32, u32, f64, f64)> = Vec::new();
        for (k, &(c, pos)) in index.of(v as usize).iter().enumerate() {
            let casc = set.get(c as usize);
            let t_v = casc.times[pos as usize];
            let earlier = casc.times.partition_point(|&t| t < t_v);
            let mut best_eps = f64::NEG_INFINITY;
            for e in 0..earlier {
                let dt = t_v - casc.times[e];
                let lf = model.log_density(alpha, dt);
                best_eps = best_eps.max(lf);
                raw.push((casc.users[e].0, k as u32, log_beta + lf, dt));
            }
            p.init_best.push(if paper && earlier > 0 {
                log_eps + best_eps
            } else {
                log_eps
            });
        }
        raw.sort_by_key(|r| r.0);
        for &(u, k, w, dt) in &raw {
            if p.srcs.last() != Some(&u) {
                p.srcs.push(u);
                p.inc_start.push(p.inc_k.len() as u32);
            }
            p.inc_k.push(k);
            p.inc_w.push(w);
            p.inc_dt.push(dt);
        }
        p.inc_start.push(p.inc_k.len() as u32);
        let m = p.init_best.len();
        p.casc_start = vec![0; m + 1];
        for &k in &p.inc_k {
            p.casc_start[k as usize + 1] += 1;
        }
        for k in 0..m {
            p.casc_start[k + 1] += p.casc_start[k];
        }
        p.casc_cand = vec![0; p.inc_k.len()];
        let mut fill: Vec<u32> = p.casc_start[..m].to_vec();
        for i in 0..p.srcs.len() {
            for inc in p.inc_start[i]..p.inc_start[i + 1] {
                let k = p.inc_k[inc as usize] as usize;
                p.casc_cand[fill[k] as usize] = i as u32;
                fill[k] += 1;
            }
        }
        p
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    fn assert_same(a: &NodeProblem, b: &NodeProblem) {
        assert_eq!(a.node, b.node);
        assert_eq!(
            bits(&a.init_best),
            bits(&b.init_best),
            "init_best of {}",
            a.node
        );
        assert_eq!(a.srcs, b.srcs, "srcs of {}", a.node);
        assert_eq!(a.inc_start, b.inc_start, "inc_start of {}", a.node);
        assert_eq!(a.inc_k, b.inc_k, "inc_k of {}", a.node);
        assert_eq!(bits(&a.inc_w), bits(&b.inc_w), "inc_w of {}", a.node);
        assert_eq!(bits(&a.inc_dt), bits(&b.inc_dt), "inc_dt of {}", a.node);
        assert_eq!(a.casc_start, b.casc_start, "casc_start of {}", a.node);
        assert_eq!(a.casc_cand, b.casc_cand, "casc_cand of {}", a.node);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The counting-sort build equals the sort build field by field (ties in time,
        /// nodes in many cascades, every model and weighting), reusing one scratch and one
        /// problem across nodes of different sizes.
        #[test]
        fn counting_build_equals_sort_build(
            n in 2u32..40,
            cascades in prop::collection::vec(
                prop::collection::vec((0u32..40, 0u32..6), 1..30), 1..12),
            model in 0usize..3,
            paper in any::<bool>(),
        ) {
            let mut set = CascadeSet::new();
            for (ci, events) in cascades.iter().enumerate() {
                set.begin_cascade(&format!("c{ci}"));
                let mut seen = std::collections::HashSet::new();
                let mut ev: Vec<(f64, u32)> = events
                    .iter()
                    .filter(|(u, _)| *u < n && seen.insert(*u))
                    .map(|&(u, t)| (f64::from(t) * 0.5, u))
                    .collect();
                ev.sort_by(|a, b| a.0.total_cmp(&b.0));
                for (t, u) in ev {
                    set.push_event(t, 1.0, UserId(u)).unwrap();
                }
                set.finish_cascade(Dedupe::None);
            }
            let params = NetInfParams {
                model: [Model::Exp, Model::Pow, Model::Ray][model],
                alpha: 1.5,
                weights: if paper {
                    Weights::Paper { beta: 0.5, epsilon: 1e-9 }
                } else {
                    Weights::Snap { epsilon: 1e-9 }
                },
                ..Default::default()
            }
            .check()
            .unwrap();
            let index = NodeIndex::build(&set, n as usize);
            let mut scratch = NodeScratch::default();
            let mut p = NodeProblem::default();
            for v in (0..n).rev().chain(0..n) {
                p.build(v, &set, &index, &params, &mut scratch);
                assert_same(&p, &build_by_sort(v, &set, &index, &params));
            }
        }
    }
}
