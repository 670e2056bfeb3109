//! O(n²) back substitution: `(I − Q) x = 1` with every `q_ij` computed explicitly in log
//! space. Independent of the linear algorithm's running normaliser; an oracle for it and a
//! product algorithm (`--algo backsub`). Time O(n²), memory O(n).

use super::edge_probs::log_terms;
use crate::cascade::Cascade;
use crate::influence::InfluenceValidParams;
use crate::influence::SelfTerm;

/// Tweet influence of every event of `c` into `out` (length `c.len()`).
pub fn backsub(c: Cascade<'_>, params: &InfluenceValidParams, out: &mut [f64]) {
    let n = c.len();
    if n == 0 {
        return;
    }
    let (lw, ld) = log_terms(c, params);
    let r = params.decay_per_s;
    let s = params.power.as_f64();
    let ln_alpha = params.alpha_or_one().ln();
    let excluded = params.self_term == SelfTerm::Excluded;
    let mut x = vec![0.0; n];
    x[n - 1] = 1.0;
    out[n - 1] = params.diagonal(n - 1) * if excluded { 0.0 } else { 1.0 };
    for i in (0..n - 1).rev() {
        let ti = c.times[i];
        let base = ln_alpha + lw[i];
        let mut y = 0.0;
        for j in i + 1..n {
            let q = (s * (base - r * (c.times[j] - ti) - ld[j])).exp();
            y += q * x[j];
        }
        x[i] = 1.0 + y;
        out[i] = params.diagonal(i) * if excluded { y } else { x[i] };
    }
}
