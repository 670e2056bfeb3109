//! Tuning the decay r (spec `influence.md`, "Tuning the decay r", Appendix D of the paper): how
//! well Eq. 1's edge probabilities `p_kj(r)` rank the earlier events whose authors the
//! reposter follows, as a mean per-event AUC, searched over r.
//!
//! Conventions (normative, the spec's): cascades sorted stably by time, followers 0 read as
//! 1, every repost scored, every earlier *event* one candidate, labelled 1 iff the reposter
//! follows its author (a self-follow row labels the reposter's own earlier events), the score
//! is `p_kj` in f64 with the log-space normaliser (underflowed scores tie at 0), the per-event
//! AUC is the pairwise definition with ties ½, events whose candidates are all positive or
//! all negative are skipped, the objective is the plain mean over kept events.
//!
//! Three evaluators of the same objective:
//! - [`auc_exact`]: the definition, to the bit — every `p_kj` computed as the spec says,
//!   sorted, pairs counted (O(n² log n) per cascade and r): the reference.
//! - [`auc_fast`] (the default): the order of `p_kj` over candidates k is the order of
//!   `y_k = ln w_k + r (t_k − t_1)`, the same for every reposter j; only the underflow to 0
//!   depends on j, and it cuts a prefix of that order. So one sort per (cascade, r), the
//!   candidates inserted into a Fenwick tree of ranks as j advances, and each positive's
//!   count of negatives below / tied read in O(log n): O((n + positives) log n) per cascade
//!   and r. It equals the definition except where two candidates' log-scores differ by less
//!   than the rounding of `y` (relative ~1e-16 of `r·t`).
//! - [`twin`] / the GPU kernel (`shaders/influence/tune_auc.wgsl`): the pairwise counts per
//!   (r, event, positive) as the device computes them, `x_k = ln w_k − r (t_j − t_k)` in f64
//!   against a host-computed underflow cutoff. Log-scores order the scores except where
//!   `exp` rounds distinct ones to one subnormal f64 (p < 2.2e-308); the host recomputes the
//!   counts of those rare positives by the definition, so the GPU equals the definition too.

#![allow(
    clippy::needless_range_loop,
    reason = "events are indexed across several parallel arrays (lw, t, norms, ranks)"
)]
use std::path::Path;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::cascade::{CascadeSet, Interner, UserId};
use crate::error::{InputErrorKind, Result};
use crate::io::table::Table;

/// `exp(y)` is 0 in f64 below this (half the smallest subnormal, ln 2⁻¹⁰⁷⁵).
pub const UNDERFLOW: f64 = -745.133_219_101_941_1;

/// `exp(y)` is subnormal below this (ln of the smallest normal f64, 2⁻¹⁰²²): there distinct
/// log-scores can round to one score.
pub const SUBNORMAL: f64 = -708.396_418_532_264_1;

/// Who follows whom, over the cascades' users.
#[derive(Clone, Debug, Default)]
pub struct Followers {
    /// Followees of each follower.
    pub followees: FxHashMap<UserId, Vec<UserId>>,
    /// Edges read.
    pub rows: u64,
    /// Edges naming a user absent from the cascades (unused).
    pub unknown: u64,
    /// Repeated edges.
    pub duplicates: u64,
}

/// Reads `follower,followee` (any order of columns; "follower follows followee") over the
/// users of `users`; rows naming other users are counted, not used.
///
/// # Errors
/// A missing column, a bad row (file, line).
pub fn read_followers(path: &Path, users: &Interner) -> Result<Followers> {
    let t = Table::open(path)?;
    let hint = "the follower list is `follower,followee` (follower follows followee)";
    let (ca, cb) = (t.column("follower", hint)?, t.column("followee", hint)?);
    let mut f = Followers::default();
    let mut seen: FxHashSet<(UserId, UserId)> = FxHashSet::default();
    t.for_each(|r| {
        f.rows += 1;
        match (users.get(r.text(ca)), users.get(r.text(cb))) {
            (Some(a), Some(b)) => {
                if seen.insert((a, b)) {
                    f.followees.entry(a).or_default().push(b);
                } else {
                    f.duplicates += 1;
                }
            }
            _ => f.unknown += 1,
        }
        Ok(())
    })?;
    Ok(f)
}

/// One cascade prepared for the search: events in stable time order.
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    /// `ln w_k = β ln max(f_k, 1)`.
    pub lw: Vec<f64>,
    /// `t_k − t_1`.
    pub t: Vec<f64>,
    /// Positives of event j: `pos[pos_ptr[j]..pos_ptr[j + 1]]`, candidate indices < j,
    /// ascending.
    pub pos_ptr: Vec<u32>,
    /// Candidate indices.
    pub pos: Vec<u32>,
}

impl Prepared {
    /// Events.
    pub fn len(&self) -> usize {
        self.lw.len()
    }

    /// No events.
    pub fn is_empty(&self) -> bool {
        self.lw.is_empty()
    }

    /// Positives of event j.
    pub fn positives(&self, j: usize) -> &[u32] {
        &self.pos[self.pos_ptr[j] as usize..self.pos_ptr[j + 1] as usize]
    }

    /// Whether event j is scored (some positive and some negative candidate).
    pub fn kept(&self, j: usize) -> bool {
        let p = self.positives(j).len();
        j >= 1 && p > 0 && p < j
    }

    /// `ln Σ_{l<j} w_l e^{−r (t_j − t_l)}` for every event (NaN for j = 0): the running
    /// log-space normaliser.
    pub fn log_norms(&self, r: f64) -> Vec<f64> {
        let mut out = vec![f64::NAN; self.len()];
        let mut acc = f64::NEG_INFINITY;
        for j in 1..self.len() {
            // acc = ln Σ_{l<j-1} w_l e^{-r (t_{j-1} - t_l)}, advanced to j.
            let prev = logaddexp(acc, self.lw[j - 1]);
            acc = prev - r * (self.t[j] - self.t[j - 1]);
            out[j] = acc;
        }
        out
    }
}

fn logaddexp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// Prepares every cascade of `set` (already sorted by time, as the readers leave it) with
/// social strength `beta`. Cascades with fewer than 3 events (no scorable event) are kept but
/// contribute nothing.
pub fn prepare(set: &CascadeSet, followers: &Followers, beta: f64) -> Vec<Prepared> {
    (0..set.len())
        .into_par_iter()
        .map(|c| {
            let cas = set.get(c);
            let n = cas.len();
            let t0 = cas.times.first().copied().unwrap_or(0.0);
            let mut p = Prepared {
                lw: cas
                    .magnitudes
                    .iter()
                    .map(|&f| beta * f.max(1.0).ln())
                    .collect(),
                t: cas.times.iter().map(|&t| t - t0).collect(),
                pos_ptr: Vec::with_capacity(n + 1),
                pos: Vec::new(),
            };
            // Positions of each user in the cascade.
            let mut at: FxHashMap<UserId, Vec<u32>> = FxHashMap::default();
            for (k, &u) in cas.users.iter().enumerate() {
                at.entry(u).or_default().push(k as u32);
            }
            p.pos_ptr.push(0);
            let mut buf = Vec::new();
            for j in 0..n {
                buf.clear();
                if let Some(fs) = followers.followees.get(&cas.users[j]) {
                    for f in fs {
                        if let Some(ks) = at.get(f) {
                            buf.extend(ks.iter().copied().take_while(|&k| (k as usize) < j));
                        }
                    }
                }
                buf.sort_unstable();
                buf.dedup();
                p.pos.extend_from_slice(&buf);
                p.pos_ptr.push(p.pos.len() as u32);
            }
            p
        })
        .collect()
}

/// Sum of per-event AUCs and the number of kept events.
pub type AucSum = (f64, u64);

/// The definition (see the module docs): every `p_kj` in f64, pairs counted after a sort.
pub fn auc_exact(p: &Prepared, r: f64) -> AucSum {
    let norms = p.log_norms(r);
    let (mut sum, mut kept) = (0.0, 0u64);
    let mut scores: Vec<(f64, bool)> = Vec::new();
    for j in 1..p.len() {
        if !p.kept(j) {
            continue;
        }
        scores.clear();
        let pos = p.positives(j);
        let mut pi = 0;
        for k in 0..j {
            let is_pos = pi < pos.len() && pos[pi] as usize == k;
            pi += usize::from(is_pos);
            let x = p.lw[k] - r * (p.t[j] - p.t[k]);
            scores.push(((x - norms[j]).exp(), is_pos));
        }
        sum += pairwise_auc(&mut scores);
        kept += 1;
    }
    (sum, kept)
}

/// AUC of `(score, positive)` by the pairwise definition with ties ½ (sorting).
pub fn pairwise_auc(scores: &mut [(f64, bool)]) -> f64 {
    scores.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut i, mut neg_below, mut credit) = (0usize, 0u64, 0.0f64);
    let (np, nn) = scores.iter().fold(
        (0u64, 0u64),
        |(p, n), s| if s.1 { (p + 1, n) } else { (p, n + 1) },
    );
    while i < scores.len() {
        let mut e = i;
        while e < scores.len() && scores[e].0 == scores[i].0 {
            e += 1;
        }
        let (gp, gn) =
            scores[i..e].iter().fold(
                (0u64, 0u64),
                |(p, n), s| if s.1 { (p + 1, n) } else { (p, n + 1) },
            );
        credit += gp as f64 * (neg_below as f64 + 0.5 * gn as f64);
        neg_below += gn;
        i = e;
    }
    credit / (np as f64 * nn as f64)
}

/// A Fenwick tree of counts.
struct Fenwick(Vec<u32>);

impl Fenwick {
    fn add(&mut self, mut i: usize) {
        i += 1;
        while i < self.0.len() {
            self.0[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    /// Count at positions < i.
    fn below(&self, mut i: usize) -> u64 {
        let mut s = 0u64;
        while i > 0 {
            s += u64::from(self.0[i]);
            i &= i - 1;
        }
        s
    }
}

/// The O((n + positives) log n) evaluator (see the module docs).
pub fn auc_fast(p: &Prepared, r: f64) -> AucSum {
    let n = p.len();
    if n < 3 {
        return (0.0, 0);
    }
    let norms = p.log_norms(r);
    let y: Vec<f64> = (0..n).map(|k| p.lw[k] + r * p.t[k]).collect();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by(|&a, &b| y[a as usize].total_cmp(&y[b as usize]));
    // Dense ranks of distinct values.
    let mut rank = vec![0u32; n];
    let mut distinct: Vec<f64> = Vec::with_capacity(n);
    for &k in &order {
        let v = y[k as usize];
        if distinct.last() != Some(&v) {
            distinct.push(v);
        }
        rank[k as usize] = (distinct.len() - 1) as u32;
    }
    let mut tree = Fenwick(vec![0; distinct.len() + 1]);
    let mut in_rank = vec![0u32; distinct.len()];
    let (mut sum, mut kept) = (0.0, 0u64);
    let mut py: Vec<(f64, u32, u32)> = Vec::new();
    for j in 1..n {
        tree.add(rank[j - 1] as usize);
        in_rank[rank[j - 1] as usize] += 1;
        if !p.kept(j) {
            continue;
        }
        let pos = p.positives(j);
        let (np, nn) = (pos.len() as u64, (j - pos.len()) as u64);
        // Zero scores: x − L < UNDERFLOW ⟺ y < UNDERFLOW + L + r t_j (a prefix of the order).
        let below_l = |v: f64, lim: f64| v - r * p.t[j] - norms[j] < lim;
        let zero_rank = distinct.partition_point(|&v| below_l(v, UNDERFLOW));
        // Scores below the smallest normal: exact p compared within this window (slack of
        // one unit in the log-score covers the rounding of y).
        let sub_rank = distinct.partition_point(|&v| below_l(v, SUBNORMAL + 1.0));
        let zeros_all = tree.below(zero_rank);
        py.clear();
        py.extend(pos.iter().map(|&k| (y[k as usize], rank[k as usize], k)));
        py.sort_by(|a, b| a.0.total_cmp(&b.0));
        let zeros_pos = py.iter().filter(|q| (q.1 as usize) < zero_rank).count() as u64;
        let zeros_neg = zeros_all - zeros_pos;
        let mut credit = 0.0;
        let mut i = 0;
        let mut pos_below = 0u64;
        while i < py.len() {
            let mut e = i;
            while e < py.len() && py[e].1 == py[i].1 {
                e += 1;
            }
            let g = (e - i) as u64;
            let rk = py[i].1 as usize;
            if rk < zero_rank {
                credit += g as f64 * 0.5 * zeros_neg as f64;
            } else if rk < sub_rank {
                // Subnormal scores: the definition itself (every negative's score compared).
                let (below, tie) = exact_pair_counts(p, r, j, py[i].2 as usize, norms[j]);
                credit += g as f64 * (f64::from(below) + 0.5 * f64::from(tie));
            } else {
                let neg_below = tree.below(rk) - pos_below;
                let neg_tie = u64::from(in_rank[rk]) - g;
                credit += g as f64 * (neg_below as f64 + 0.5 * neg_tie as f64);
            }
            pos_below += g;
            i = e;
        }
        sum += credit / (np as f64 * nn as f64);
        kept += 1;
    }
    (sum, kept)
}

/// Per (event, positive) counts of negatives below and tied, as the GPU kernel computes them:
/// `x_k = ln w_k − r (t_j − t_k)`, zero below `cut_j = UNDERFLOW + L_j` (tied).
pub fn pair_counts(p: &Prepared, r: f64, j: usize, k: usize, cut: f64) -> (u32, u32) {
    let x = |i: usize| {
        let v = p.lw[i] - r * (p.t[j] - p.t[i]);
        if v < cut { f64::NEG_INFINITY } else { v }
    };
    let xk = x(k);
    let (mut below, mut tie) = (0u32, 0u32);
    for i in 0..j {
        let xi = x(i);
        below += u32::from(xi < xk);
        tie += u32::from(xi == xk);
    }
    // Remove the positives (k itself among them).
    for &q in p.positives(j) {
        let xq = x(q as usize);
        below -= u32::from(xq < xk);
        tie -= u32::from(xq == xk);
    }
    (below, tie)
}

/// Whether positive k of event j has a subnormal (or nearly subnormal) score: the kernel's
/// log-score counts are then replaced by [`exact_pair_counts`] on the host.
pub fn in_window(p: &Prepared, r: f64, j: usize, k: usize, norm: f64) -> bool {
    let x = p.lw[k] - r * (p.t[j] - p.t[k]) - norm;
    (UNDERFLOW..SUBNORMAL + 1.0).contains(&x)
}

/// The counts of the definition (every score `exp(x − L_j)` compared): negatives of event j
/// below and tied with positive k.
pub fn exact_pair_counts(p: &Prepared, r: f64, j: usize, k: usize, norm: f64) -> (u32, u32) {
    let score = |i: usize| (p.lw[i] - r * (p.t[j] - p.t[i]) - norm).exp();
    let sk = score(k);
    let pos = p.positives(j);
    let (mut below, mut tie) = (0u32, 0u32);
    for m in 0..j {
        if pos.binary_search(&(m as u32)).is_ok() {
            continue;
        }
        let sm = score(m);
        below += u32::from(sm < sk);
        tie += u32::from(sm == sk);
    }
    (below, tie)
}

/// The kernel's CPU twin over one cascade: the same counts (those of positives with
/// subnormal scores from the definition, as the GPU's host does), summed per event.
pub fn twin(p: &Prepared, r: f64) -> AucSum {
    let norms = p.log_norms(r);
    let (mut sum, mut kept) = (0.0, 0u64);
    for j in 1..p.len() {
        if !p.kept(j) {
            continue;
        }
        let pos = p.positives(j);
        let (np, nn) = (pos.len() as f64, (j - pos.len()) as f64);
        let cut = UNDERFLOW + norms[j];
        let credit: f64 = pos
            .iter()
            .map(|&k| {
                let (b, t) = if in_window(p, r, j, k as usize, norms[j]) {
                    exact_pair_counts(p, r, j, k as usize, norms[j])
                } else {
                    pair_counts(p, r, j, k as usize, cut)
                };
                f64::from(b) + 0.5 * f64::from(t)
            })
            .sum();
        sum += credit / (np * nn);
        kept += 1;
    }
    (sum, kept)
}

/// The spec's default grid: `points` log-spaced r on [lo, hi].
pub fn grid(lo: f64, hi: f64, points: usize) -> Vec<f64> {
    if points <= 1 {
        return vec![lo];
    }
    let (a, b) = (lo.log10(), hi.log10());
    (0..points)
        .map(|i| 10f64.powf(a + i as f64 * (b - a) / (points - 1) as f64))
        .collect()
}

/// Which evaluator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Evaluator {
    /// [`auc_fast`].
    Fast,
    /// [`auc_exact`].
    Exact,
    /// [`twin`] (CPU) — the GPU runs its kernel.
    Twin,
}

/// One point of the curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Point {
    /// r.
    pub r: f64,
    /// Mean AUC over kept events (NaN: none).
    pub auc: f64,
    /// Kept events.
    pub events: u64,
}

/// Mean AUC of every r over all cascades on the CPU (all cores).
pub fn evaluate(cascades: &[Prepared], rs: &[f64], ev: Evaluator) -> Vec<Point> {
    let f = match ev {
        Evaluator::Fast => auc_fast,
        Evaluator::Exact => auc_exact,
        Evaluator::Twin => twin,
    };
    rs.par_iter()
        .map(|&r| {
            // Per cascade in order: the sum's order is fixed.
            let parts: Vec<AucSum> = cascades.par_iter().map(|p| f(p, r)).collect();
            let (s, k) = parts
                .iter()
                .fold((0.0, 0u64), |a, b| (a.0 + b.0, a.1 + b.1));
            Point {
                r,
                auc: if k == 0 { f64::NAN } else { s / k as f64 },
                events: k,
            }
        })
        .collect()
}

/// The search's result.
#[derive(Clone, Debug, Serialize)]
pub struct Search {
    /// Every r tried (grid, then refinement), ascending in r.
    pub curve: Vec<Point>,
    /// The best point (the smallest r among equal AUCs).
    pub best: Point,
    /// Refinement rounds run.
    pub refinements: u32,
}

/// The best point of a curve (largest AUC; the smallest r on ties).
pub fn best_of(curve: &[Point]) -> Option<Point> {
    curve
        .iter()
        .filter(|p| p.auc.is_finite())
        .fold(None, |b: Option<Point>, &p| match b {
            Some(q) if q.auc > p.auc || (q.auc == p.auc && q.r <= p.r) => Some(q),
            _ => Some(p),
        })
}

/// Grid search, then (with `refine`) golden-section refinement in log r between the best
/// grid point's neighbours until the bracket is within 1 % of r. `eval` maps a list of r to
/// their points (any backend).
pub fn search(
    rs: &[f64],
    refine: bool,
    mut eval: impl FnMut(&[f64]) -> Result<Vec<Point>>,
) -> Result<Search> {
    let mut curve = eval(rs)?;
    let mut refinements = 0;
    let Some(mut best) = best_of(&curve) else {
        return Ok(Search {
            best: Point {
                r: f64::NAN,
                auc: f64::NAN,
                events: 0,
            },
            curve,
            refinements,
        });
    };
    if refine && rs.len() >= 2 {
        let i = rs.iter().position(|&r| r == best.r).unwrap_or(0);
        let (mut a, mut b) = (
            rs[i.saturating_sub(1)].ln(),
            rs[(i + 1).min(rs.len() - 1)].ln(),
        );
        let g = (5f64.sqrt() - 1.0) / 2.0;
        let mut c = b - g * (b - a);
        let mut d = a + g * (b - a);
        let mut fc = eval(&[c.exp()])?[0];
        let mut fd = eval(&[d.exp()])?[0];
        curve.push(fc);
        curve.push(fd);
        // Until the bracket [e^a, e^b] is within 1 % (b − a < ln 1.01).
        while b - a > 1.01f64.ln() && refinements < 60 {
            refinements += 1;
            if fc.auc >= fd.auc {
                b = d;
                d = c;
                fd = fc;
                c = b - g * (b - a);
                fc = eval(&[c.exp()])?[0];
                curve.push(fc);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + g * (b - a);
                fd = eval(&[d.exp()])?[0];
                curve.push(fd);
            }
        }
        curve.sort_by(|x, y| x.r.total_cmp(&y.r));
        best = best_of(&curve).unwrap_or(best);
    }
    Ok(Search {
        curve,
        best,
        refinements,
    })
}

/// An input error for a follower list that touches no scored event.
pub fn no_follower_edge(path: &Path) -> crate::Error {
    crate::io::table::located(
        path,
        1,
        None,
        InputErrorKind::Layout(
            "no follower edge links a reposter to an earlier author in any cascade: nothing to score (are the ids the cascades' user ids, and is the direction follower,followee?)".into(),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn prepared(events: &[(f64, f64, u32)], follows: &[(u32, u32)], beta: f64) -> Prepared {
        let set = CascadeSet::from_events("c", events).unwrap();
        let mut users = Interner::new();
        for i in 0..8 {
            users.intern(&i.to_string());
        }
        let mut f = Followers::default();
        for &(a, b) in follows {
            f.followees.entry(UserId(a)).or_default().push(UserId(b));
        }
        prepare(&set, &f, beta).remove(0)
    }

    /// The brute force without sorting: every (positive, negative) pair compared.
    fn brute(p: &Prepared, r: f64) -> AucSum {
        let norms = p.log_norms(r);
        let (mut s, mut kept) = (0.0, 0);
        for j in 1..p.len() {
            if !p.kept(j) {
                continue;
            }
            let pos = p.positives(j);
            let score = |k: usize| (p.lw[k] - r * (p.t[j] - p.t[k]) - norms[j]).exp();
            let (mut c, mut pairs) = (0.0, 0.0);
            for a in 0..j {
                for b in 0..j {
                    let (pa, pb) = (pos.contains(&(a as u32)), pos.contains(&(b as u32)));
                    if pa && !pb {
                        pairs += 1.0;
                        c += if score(a) > score(b) {
                            1.0
                        } else if score(a) == score(b) {
                            0.5
                        } else {
                            0.0
                        };
                    }
                }
            }
            s += c / pairs;
            kept += 1;
        }
        (s, kept)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn every_evaluator_equals_the_pair_count(
            ev in proptest::collection::vec((0u8..6, 0u8..4, 0u32..8), 1..25),
            follows in proptest::collection::vec((0u32..8, 0u32..8), 0..30),
            r_exp in -6i32..1,
        ) {
            // Times on a coarse grid (ties), magnitudes with repeats and zeros; huge gaps
            // make scores underflow to 0.
            let mut t = 0.0;
            let events: Vec<(f64, f64, u32)> = ev.iter().map(|&(dt, m, u)| {
                t += if dt == 5 { 1e6 } else { f64::from(dt) * 10.0 };
                (t, [0.0, 1.0, 10.0, 1e4][m as usize], u)
            }).collect();
            let p = prepared(&events, &follows, 1.0);
            let r = 10f64.powi(r_exp) * 3.0;
            let want = brute(&p, r);
            for (name, got) in [("exact", auc_exact(&p, r)), ("fast", auc_fast(&p, r)), ("twin", twin(&p, r))] {
                prop_assert_eq!(got.1, want.1, "{} events", name);
                prop_assert!((got.0 - want.0).abs() < 1e-12, "{}: {} vs {}", name, got.0, want.0);
            }
        }
    }

    #[test]
    fn conventions_on_a_worked_example() {
        // Users 0..3; event order: 0 (t 0), 1 (t 10), 2 (t 20), 1 again (t 30).
        // User 2 follows 0; user 1 follows itself and 2.
        let p = prepared(
            &[
                (0.0, 100.0, 0),
                (10.0, 0.0, 1),
                (20.0, 5.0, 2),
                (30.0, 1.0, 1),
            ],
            &[(2, 0), (1, 1), (1, 2)],
            1.0,
        );
        assert_eq!(
            p.positives(1),
            &[] as &[u32],
            "the first repost: one negative, skipped"
        );
        assert_eq!(p.positives(2), &[0]);
        assert_eq!(
            p.positives(3),
            &[1, 2],
            "a self-follow labels the reposter's own earlier event"
        );
        assert!(!p.kept(1) && p.kept(2) && p.kept(3));
        // r = 0: scores ∝ w: event 2 ranks w0 = 100 above w1 = 1 → AUC 1; event 3: positives
        // w1 = 1 (tied with nobody... w1 = max(0,1) = 1) and w2 = 5 vs negative w0 = 100 → 0.
        let (s, k) = auc_exact(&p, 0.0);
        assert_eq!((s, k), (1.0, 2));
        assert_eq!(auc_fast(&p, 0.0), (1.0, 2));
    }

    #[test]
    fn grid_is_the_spec_grid() {
        let g = grid(1e-8, 3.0, 200);
        assert_eq!(g.len(), 200);
        assert!((g[0] - 1e-8).abs() < 1e-20 && (g[199] - 3.0).abs() < 1e-12);
        let i = 57;
        let want =
            10f64.powf((1e-8f64).log10() + i as f64 * ((3f64).log10() - (1e-8f64).log10()) / 199.0);
        assert_eq!(g[i], want);
    }
}

#[cfg(test)]
mod recovery {
    use super::*;
    use crate::synth::decay::{DecayConfig, decay_cascades};

    /// Data generated with a known r: the best r is within 10 % of it, for two r far apart.
    #[test]
    fn the_search_recovers_a_planted_decay() {
        for r_true in [2e-3, 0.5] {
            let cfg = DecayConfig {
                cascades: 400,
                users: 3000,
                mean_size: 40.0,
                r: r_true,
                beta: 1.0,
                noise_follows: 5,
                seed: 3,
            };
            let (rows, edges) = decay_cascades(&cfg);
            let mut set = CascadeSet::new();
            let mut users = Interner::new();
            for u in 0..cfg.users {
                users.intern(&u.to_string());
            }
            let mut cur = u32::MAX;
            for &(c, t, u, f) in &rows {
                if c != cur {
                    if cur != u32::MAX {
                        set.finish_cascade(crate::cascade::Dedupe::None);
                    }
                    set.begin_cascade(&c.to_string());
                    cur = c;
                }
                set.push_event(t, f, UserId(u)).unwrap();
            }
            set.finish_cascade(crate::cascade::Dedupe::None);
            let mut f = Followers::default();
            for &(a, b) in &edges {
                f.followees.entry(UserId(a)).or_default().push(UserId(b));
            }
            let prep = prepare(&set, &f, 1.0);
            let s = search(&grid(1e-8, 3.0, 200), true, |rs| {
                Ok(evaluate(&prep, rs, Evaluator::Fast))
            })
            .unwrap();
            let ratio = s.best.r / r_true;
            assert!(
                (0.9..=1.1).contains(&ratio),
                "r {r_true}: best {:?} ({ratio})",
                s.best
            );
        }
    }
}
