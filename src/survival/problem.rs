//! Each node's problem, built from the cascades (spec `survival.md`, Conventions): the
//! additive model's scaled log terms and `S_j`, and the multiplicative model's hazard pieces.

use super::params::{Baseline, Shape};
use super::solver::Smooth;
use crate::cascade::NodeCascades;
use crate::epoch_set::EpochSet;

/// "No variable" in an index array.
pub(crate) const NONE: u32 = u32::MAX;

/// The cascades as the problems need them: events by time, each cascade's observation
/// horizon, and node → (cascade, position) lists.
#[derive(Debug)]
pub(crate) struct Index<'a> {
    pub data: &'a NodeCascades,
    /// Per cascade: the end of its observation window (source time + T).
    pub horizon: Vec<f64>,
    /// CSR over nodes of `(cascade, position)`.
    pub ptr: Vec<usize>,
    pub entries: Vec<(u32, u32)>,
}

impl<'a> Index<'a> {
    pub(crate) fn new(data: &'a NodeCascades, horizon: Vec<f64>) -> Self {
        let n = data.n_nodes();
        let mut counts = vec![0usize; n + 1];
        for c in data.cascades.iter() {
            for u in c.users {
                counts[u.0 as usize + 1] += 1;
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let mut fill = counts.clone();
        let mut entries = vec![(0u32, 0u32); counts[n]];
        for (ci, c) in data.cascades.iter().enumerate() {
            for (p, u) in c.users.iter().enumerate() {
                let k = &mut fill[u.0 as usize];
                entries[*k] = (ci as u32, p as u32);
                *k += 1;
            }
        }
        Index {
            data,
            horizon,
            ptr: counts,
            entries,
        }
    }

    pub(crate) fn of(&self, node: u32) -> &[(u32, u32)] {
        &self.entries[self.ptr[node as usize]..self.ptr[node as usize + 1]]
    }

    /// `Σ_{c ∋ j} Γ(t_j; T_c)` of every node j: the censoring exposure of j in every cascade,
    /// from which each additive problem subtracts the cascades it shares with its target.
    pub(crate) fn gamma_totals(&self, shape: Shape, delta: f64) -> Vec<f64> {
        let mut total = vec![0.0; self.data.n_nodes()];
        for (c, casc) in self.data.cascades.iter().enumerate() {
            for (t, u) in casc.times.iter().zip(casc.users) {
                total[u.0 as usize] += shape_fns(shape, delta, self.horizon[c] - t).1;
            }
        }
        total
    }

    /// `Σ_c Λ_c(a = 0)`: every cascade's integrated baseline hazard from its source to its
    /// horizon (the multiplicative objectives' constant before each node's corrections).
    pub(crate) fn lambda_total(&self, baseline: Baseline, b: f64) -> f64 {
        let eb = b.exp();
        self.data
            .cascades
            .iter()
            .zip(&self.horizon)
            .filter_map(|(c, &h)| {
                c.times
                    .first()
                    .map(|&s| eb * baseline_integral(baseline, s, h, s))
            })
            .sum()
    }
}

/// γ(Δ) and Γ(Δ) of a shape (Table 1; `pow` is 0 for Δ ≤ δ).
pub(crate) fn shape_fns(shape: Shape, delta: f64, d: f64) -> (f64, f64) {
    match shape {
        Shape::Exp => (1.0, d),
        Shape::Ray => (d, 0.5 * d * d),
        Shape::Pow => {
            if d > delta {
                (1.0 / d, (d / delta).ln())
            } else {
                (0.0, 0.0)
            }
        }
    }
}

/// Per-thread scratch of size N (nodes) and C (cascades), reset after each node.
pub(crate) struct Scratch {
    local: Vec<u32>,
    sub: Vec<f64>,
    touched: Vec<u32>,
    /// Cascades already taken into the node's problem (multiplicative model).
    cascades: EpochSet,
}

impl Scratch {
    pub(crate) fn new(n_nodes: usize, n_cascades: usize) -> Self {
        Scratch {
            local: vec![NONE; n_nodes],
            sub: vec![0.0; n_nodes],
            touched: Vec::new(),
            cascades: EpochSet::new(n_cascades),
        }
    }

    fn reset(&mut self) {
        for &j in &self.touched {
            self.local[j as usize] = NONE;
            self.sub[j as usize] = 0.0;
        }
        self.touched.clear();
    }
}

/// An infection no parent can explain: under `pow`, every earlier node is within δ.
#[derive(Clone, Debug)]
pub(crate) struct ZeroHazard {
    pub cascade: u32,
}

/// The additive model's problem of one node in the scaled variables `x_j = S_j α_j`:
/// `Σ_j x_j − Σ_c log(Σ_j w_cj x_j)` with `w_cj = γ_cj / S_j`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Additive {
    /// Candidate parents (node indices), in order of first appearance.
    pub cand: Vec<u32>,
    /// `S_j` of each candidate.
    pub s: Vec<f64>,
    /// Log terms as CSR rows of (candidate, w).
    pub ptr: Vec<u32>,
    pub var: Vec<u32>,
    pub w: Vec<f64>,
}

impl Additive {
    /// Builds node `i`'s problem. `total[j]` is `Σ_{c ∋ j} Γ(t_j; T_c)`.
    pub(crate) fn build(
        ix: &Index<'_>,
        i: u32,
        shape: Shape,
        delta: f64,
        total: &[f64],
        sc: &mut Scratch,
    ) -> Result<Self, ZeroHazard> {
        let mut p = Additive {
            ptr: vec![0],
            ..Default::default()
        };
        let mut s_inf: Vec<f64> = Vec::new();
        for &(c, pos) in ix.of(i) {
            let casc = ix.data.cascades.get(c as usize);
            let ti = casc.times[pos as usize];
            let h = ix.horizon[c as usize];
            // Cascades where i is infected: no censoring term for any co-infected j.
            for (q, u) in casc.users.iter().enumerate() {
                if q == pos as usize {
                    continue;
                }
                let j = u.0;
                let (_, gt) = shape_fns(shape, delta, h - casc.times[q]);
                sc.touched.push(j);
                sc.sub[j as usize] += gt;
            }
            let k = casc.times.partition_point(|&t| t < ti);
            if k == 0 {
                continue;
            }
            let start = p.var.len();
            for q in 0..k {
                let j = casc.users[q].0;
                let d = ti - casc.times[q];
                let (g, gg) = shape_fns(shape, delta, d);
                if g > 0.0 {
                    let mut l = sc.local[j as usize];
                    if l == NONE {
                        l = p.cand.len() as u32;
                        sc.local[j as usize] = l;
                        p.cand.push(j);
                        s_inf.push(0.0);
                    }
                    s_inf[l as usize] += gg;
                    p.var.push(l);
                    p.w.push(g);
                }
            }
            if p.var.len() == start {
                sc.reset();
                return Err(ZeroHazard { cascade: c });
            }
            p.ptr.push(p.var.len() as u32);
        }
        p.s = p
            .cand
            .iter()
            .zip(&s_inf)
            .map(|(&j, &si)| si + (total[j as usize] - sc.sub[j as usize]))
            .collect();
        for (l, w) in p.var.iter().zip(p.w.iter_mut()) {
            *w /= p.s[*l as usize];
        }
        sc.reset();
        Ok(p)
    }

    pub(crate) fn n_terms(&self) -> usize {
        self.ptr.len() - 1
    }

    /// The uniform point EM starts from: `x_j = n_terms / n_vars` (so `Σ x = n_terms`).
    pub(crate) fn em_initial(&self) -> Vec<f64> {
        vec![self.n_terms() as f64 / self.cand.len() as f64; self.cand.len()]
    }

    /// The reciprocal hazard `r_c = 1 / y_c`, `y_c = Σ_e w_e x_{var_e}`, of every log term,
    /// entries summed in row order. CPU twin of `shaders/survival/term_rates.wgsl`.
    pub(crate) fn term_rates(&self, x: &[f64], r: &mut Vec<f64>) {
        r.clear();
        for c in 0..self.n_terms() {
            let mut s = 0.0;
            for e in self.ptr[c] as usize..self.ptr[c + 1] as usize {
                s += self.w[e] * x[self.var[e] as usize];
            }
            r.push(1.0 / s);
        }
    }

    /// One EM (minorise–maximise) sweep from the reciprocal hazards `r`: `acc_j = Σ_c w_cj r_c`
    /// over the terms in ascending order, `x_j ← x_j acc_j` (the scaled gradient is
    /// `1 − acc_j`). CPU twin of `shaders/survival/em_update.wgsl` (the same additions in the
    /// same order: rows ascending add to each variable in ascending term order).
    pub(crate) fn em_update(&self, r: &[f64], x: &mut [f64], acc: &mut Vec<f64>) {
        acc.clear();
        acc.resize(x.len(), 0.0);
        for (c, &rc) in r.iter().enumerate() {
            for e in self.ptr[c] as usize..self.ptr[c + 1] as usize {
                acc[self.var[e] as usize] += self.w[e] * rc;
            }
        }
        for (xj, a) in x.iter_mut().zip(acc.iter()) {
            *xj *= a;
        }
    }

    /// `sweeps` EM sweeps from [`em_initial`](Self::em_initial) (the CPU path of the warm
    /// start; the GPU path runs the same sweeps in its kernels).
    pub(crate) fn em(&self, sweeps: usize) -> Vec<f64> {
        let mut x = self.em_initial();
        let (mut y, mut acc) = (Vec::new(), Vec::new());
        for _ in 0..sweeps {
            self.term_rates(&x, &mut y);
            self.em_update(&y, &mut x, &mut acc);
        }
        x
    }

    /// A feasible start close to the optimum from an EM point: variables far below the
    /// largest set to 0, while every log term keeps one.
    pub(crate) fn start_from(&self, x: &[f64]) -> Vec<f64> {
        let m = self.n_terms();
        let max = x.iter().copied().fold(0.0, f64::max);
        let mut out: Vec<f64> = x
            .iter()
            .map(|&v| if v >= 1e-3 * max { v } else { 0.0 })
            .collect();
        for c in 0..m {
            let r = self.ptr[c] as usize..self.ptr[c + 1] as usize;
            if r.clone().any(|e| out[self.var[e] as usize] > 0.0) {
                continue;
            }
            let best = r
                .max_by(|&a, &b| x[self.var[a] as usize].total_cmp(&x[self.var[b] as usize]))
                .expect("a log term has an entry");
            let j = self.var[best] as usize;
            out[j] = x[j].max(f64::MIN_POSITIVE);
        }
        out
    }
}

impl Smooth for Additive {
    fn n(&self) -> usize {
        self.cand.len()
    }

    fn value(&self, x: &[f64]) -> f64 {
        let mut v: f64 = x.iter().sum();
        for c in 0..self.n_terms() {
            let (a, b) = (self.ptr[c] as usize, self.ptr[c + 1] as usize);
            let y: f64 = (a..b).map(|e| self.w[e] * x[self.var[e] as usize]).sum();
            if y <= 0.0 || y.is_nan() {
                return f64::INFINITY;
            }
            v -= y.ln();
        }
        v
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        g.iter_mut().for_each(|v| *v = 1.0);
        for c in 0..self.n_terms() {
            let (a, b) = (self.ptr[c] as usize, self.ptr[c + 1] as usize);
            let y: f64 = (a..b).map(|e| self.w[e] * x[self.var[e] as usize]).sum();
            let inv = 1.0 / y;
            for e in a..b {
                g[self.var[e] as usize] -= self.w[e] * inv;
            }
        }
    }

    fn hessian(&self, x: &[f64], free: &[u32], pos: &[u32], h: &mut [f64]) {
        let k = free.len();
        let mut row: Vec<(usize, f64)> = Vec::new();
        for c in 0..self.n_terms() {
            let (a, b) = (self.ptr[c] as usize, self.ptr[c + 1] as usize);
            let y: f64 = (a..b).map(|e| self.w[e] * x[self.var[e] as usize]).sum();
            let inv2 = 1.0 / (y * y);
            row.clear();
            row.extend(
                (a..b)
                    .filter(|&e| pos[self.var[e] as usize] != NONE)
                    .map(|e| (pos[self.var[e] as usize] as usize, self.w[e])),
            );
            for &(p, wp) in &row {
                for &(q, wq) in &row {
                    h[p * k + q] += wp * wq * inv2;
                }
            }
        }
    }

    fn scale(&self, _j: usize) -> f64 {
        1.0
    }
}

/// The multiplicative model's problem of one node:
/// `F(a) = K + Σ_pieces c_p exp(Σ_{k infected by the piece's start} a_k) − Σ_j n_j a_j + λ‖a‖₁`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Multiplicative {
    /// Candidate parents (node indices), in order of first appearance.
    pub cand: Vec<u32>,
    /// `n_j`: the log terms in which candidate j is an earlier node.
    pub count: Vec<f64>,
    /// Number of log terms.
    pub n_terms: usize,
    /// Pieces grouped by cascade (CSR): the candidate infected at the piece's start (or
    /// NONE) and the piece's baseline integral `c_p`.
    pub seg: Vec<u32>,
    pub var: Vec<u32>,
    pub coef: Vec<f64>,
    /// Everything that does not depend on `a`.
    pub constant: f64,
}

/// The baseline's clock: time since the cascade's source (`inverse`: plus one, so that
/// `e^b / τ` is finite at the source).
pub(crate) fn clock(baseline: Baseline, t: f64, t_src: f64) -> f64 {
    match baseline {
        Baseline::Inverse => t - t_src + 1.0,
        _ => t - t_src,
    }
}

/// `∫ α_0 / e^b` over `[t1, t2]` on the baseline's clock.
pub(crate) fn baseline_integral(baseline: Baseline, t1: f64, t2: f64, t_src: f64) -> f64 {
    let (a, b) = (clock(baseline, t1, t_src), clock(baseline, t2, t_src));
    match baseline {
        Baseline::Const => b - a,
        Baseline::Linear => 0.5 * (b * b - a * a),
        Baseline::Inverse => (b / a).ln(),
    }
}

/// `log(α_0(t) / e^b)`.
pub(crate) fn log_baseline(baseline: Baseline, t: f64, t_src: f64) -> f64 {
    match baseline {
        Baseline::Const => 0.0,
        Baseline::Linear => clock(baseline, t, t_src).ln(),
        Baseline::Inverse => -clock(baseline, t, t_src).ln(),
    }
}

impl Multiplicative {
    /// Builds node `i`'s problem. `total` is `Σ_c Λ_c(a = 0)` over all cascades.
    pub(crate) fn build(
        ix: &Index<'_>,
        i: u32,
        baseline: Baseline,
        b: f64,
        total: f64,
        sc: &mut Scratch,
    ) -> Self {
        let eb = b.exp();
        let mut p = Multiplicative {
            seg: vec![0],
            constant: total,
            ..Default::default()
        };
        // Candidates and log terms, from the cascades where i is infected.
        sc.cascades.clear();
        let mut relevant: Vec<u32> = Vec::new();
        for &(c, pos) in ix.of(i) {
            sc.cascades.insert(c as usize);
            relevant.push(c);
            let casc = ix.data.cascades.get(c as usize);
            let ti = casc.times[pos as usize];
            let k = casc.times.partition_point(|&t| t < ti);
            if k == 0 {
                continue;
            }
            p.n_terms += 1;
            p.constant -= b + log_baseline(baseline, ti, casc.times[0]);
            for u in &casc.users[..k] {
                let j = u.0;
                let mut l = sc.local[j as usize];
                if l == NONE {
                    l = p.cand.len() as u32;
                    sc.local[j as usize] = l;
                    sc.touched.push(j);
                    p.cand.push(j);
                    p.count.push(0.0);
                }
                p.count[l as usize] += 1.0;
            }
        }
        // Every cascade a candidate appears in changes i's hazard there.
        for &j in &p.cand {
            for &(c, _) in ix.of(j) {
                if sc.cascades.insert(c as usize) {
                    relevant.push(c);
                }
            }
        }
        relevant.sort_unstable();
        for &c in &relevant {
            let casc = ix.data.cascades.get(c as usize);
            let t_src = casc.times[0];
            let h = ix.horizon[c as usize];
            p.constant -= eb * baseline_integral(baseline, t_src, h, t_src);
            let at = casc.users.iter().position(|u| u.0 == i);
            let u_end = at.map_or(h, |q| casc.times[q]);
            for q in 0..casc.len() {
                let t = casc.times[q];
                if t >= u_end {
                    break;
                }
                let next = casc.times.get(q + 1).map_or(u_end, |&n| n.min(u_end));
                p.var.push(sc.local[casc.users[q].0 as usize]);
                p.coef
                    .push(eb * baseline_integral(baseline, t, next, t_src));
            }
            p.seg.push(p.var.len() as u32);
        }
        sc.reset();
        p
    }

    fn segments(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.seg.windows(2).map(|w| w[0] as usize..w[1] as usize)
    }

    /// Each piece's integrated hazard `c_p exp(Σ a_k)` of one cascade's pieces, into `out`.
    fn piece_values(&self, r: std::ops::Range<usize>, a: &[f64], out: &mut Vec<f64>) {
        out.clear();
        let mut cum = 0.0;
        for e in r {
            if self.var[e] != NONE {
                cum += a[self.var[e] as usize];
            }
            out.push(self.coef[e] * cum.exp());
        }
    }
}

impl Smooth for Multiplicative {
    fn n(&self) -> usize {
        self.cand.len()
    }

    fn value(&self, a: &[f64]) -> f64 {
        let mut v = self.constant;
        for r in self.segments() {
            let mut cum = 0.0;
            for e in r {
                if self.var[e] != NONE {
                    cum += a[self.var[e] as usize];
                }
                v += self.coef[e] * cum.exp();
            }
        }
        v - self.count.iter().zip(a).map(|(n, x)| n * x).sum::<f64>()
    }

    fn gradient(&self, a: &[f64], g: &mut [f64]) {
        for (gj, n) in g.iter_mut().zip(&self.count) {
            *gj = -n;
        }
        let mut e_p: Vec<f64> = Vec::new();
        for r in self.segments() {
            self.piece_values(r.clone(), a, &mut e_p);
            let mut suffix = 0.0;
            for (q, e) in r.enumerate().rev() {
                suffix += e_p[q];
                if self.var[e] != NONE {
                    g[self.var[e] as usize] += suffix;
                }
            }
        }
    }

    fn hessian(&self, a: &[f64], free: &[u32], pos: &[u32], h: &mut [f64]) {
        let k = free.len();
        let mut e_p: Vec<f64> = Vec::new();
        let mut at: Vec<(usize, f64)> = Vec::new();
        for r in self.segments() {
            self.piece_values(r.clone(), a, &mut e_p);
            at.clear();
            let mut suffix = 0.0;
            for (q, e) in r.enumerate().rev() {
                suffix += e_p[q];
                let v = self.var[e];
                if v != NONE && pos[v as usize] != NONE {
                    at.push((pos[v as usize] as usize, suffix));
                }
            }
            // `at` runs from the latest position back: H_pq gets the suffix at the later one.
            for (x, &(p, sp)) in at.iter().enumerate() {
                h[p * k + p] += sp;
                for &(q, _) in &at[x + 1..] {
                    h[p * k + q] += sp;
                    h[q * k + p] += sp;
                }
            }
        }
    }

    fn scale(&self, j: usize) -> f64 {
        self.count[j]
    }
}
