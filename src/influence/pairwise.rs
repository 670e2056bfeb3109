//! The full pairwise influence matrix M by its closed form (spec `influence.md`):
//! with `q_kj = a_k b_j`, `M_ij = d_i a_i b_j Π_{i<l<j} (1 + a_l b_l)` for `i < j`, evaluated
//! in log space. O(n²) time and memory (the size of the output), against the recursion's O(n³).

use crate::cascade::Cascade;
use crate::influence::InfluenceValidParams;
use crate::influence::cpu::edge_probs::log_terms;
use ndarray::Array2;

/// M for one cascade (upper triangular, diagonal `d_i`).
pub fn pairwise(c: Cascade<'_>, params: &InfluenceValidParams) -> Array2<f64> {
    let n = c.len();
    let mut m = Array2::<f64>::zeros((n, n));
    if n == 0 {
        return m;
    }
    let (lw, ld) = log_terms(c, params);
    let s = params.power.as_f64();
    let r = params.decay_per_s;
    let ln_alpha = params.alpha_or_one().ln();
    // ln q_ij = s (ln α + ln w_i − r (t_j − t_i) − ln D_j);  L_l = ln(1 + q_ll).
    let log_q = |i: usize, j: usize| s * (ln_alpha + lw[i] - r * (c.times[j] - c.times[i]) - ld[j]);
    let mut prefix = vec![0.0; n]; // prefix[k] = Σ_{1<=l<=k} L_l
    for l in 1..n {
        prefix[l] = prefix[l - 1] + log_q(l, l).exp().ln_1p();
    }
    for i in 0..n {
        m[[i, i]] = params.diagonal(i);
        for j in i + 1..n {
            let log_prod = prefix[j - 1] - prefix[i];
            m[[i, j]] = params.diagonal(i) * (log_q(i, j) + log_prod).exp();
        }
    }
    m
}
