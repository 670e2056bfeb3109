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
    raw: Vec<(u32, u32, f64, f64)>,
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
        self.node = v;
        self.init_best.clear();
        let raw = &mut scratch.raw;
        raw.clear();
        for (k, &(c, pos)) in index.of(v as usize).iter().enumerate() {
            let casc = set.get(c as usize);
            let t_v = casc.times[pos as usize];
            // Times are sorted, so the strictly earlier events are a prefix.
            let earlier = casc.times.partition_point(|&t| t < t_v);
            let mut best_eps = f64::NEG_INFINITY;
            for e in 0..earlier {
                let dt = t_v - casc.times[e];
                let lf = model.log_density(alpha, dt);
                best_eps = best_eps.max(lf);
                raw.push((casc.users[e].0, k as u32, log_beta + lf, dt));
            }
            self.init_best.push(if paper && earlier > 0 {
                log_eps + best_eps
            } else {
                log_eps
            });
        }
        // Group by candidate; the stable sort keeps cascades ascending inside a group.
        raw.sort_by_key(|r| r.0);
        self.srcs.clear();
        self.inc_start.clear();
        self.inc_k.clear();
        self.inc_w.clear();
        self.inc_dt.clear();
        for &(u, k, w, dt) in raw.iter() {
            if self.srcs.last() != Some(&u) {
                self.srcs.push(u);
                self.inc_start.push(self.inc_k.len() as u32);
            }
            self.inc_k.push(k);
            self.inc_w.push(w);
            self.inc_dt.push(dt);
        }
        self.inc_start.push(self.inc_k.len() as u32);
        // The inverse index: candidates per local cascade.
        let m = self.init_best.len();
        self.casc_start.clear();
        self.casc_start.resize(m + 1, 0);
        for &k in &self.inc_k {
            self.casc_start[k as usize + 1] += 1;
        }
        for k in 0..m {
            self.casc_start[k + 1] += self.casc_start[k];
        }
        self.casc_cand.clear();
        self.casc_cand.resize(self.inc_k.len(), 0);
        let mut fill: Vec<u32> = self.casc_start[..m].to_vec();
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
