//! The paper's triangular M×P column recursion (Eq. 2): `M_jj = d_j`,
//! `M_ij = Σ_{k=i}^{j-1} M_ik q_kj`. Time O(n³), memory O(n²): the paper's algorithm
//! (`--algo recursion`) and an oracle for the others.

use super::edge_probs::{edge_prob_column, log_normalisers, log_weights};
use crate::cascade::Cascade;
use crate::influence::{InfluenceParams, SelfTerm};
use ndarray::Array2;

/// Largest cascade the recursion accepts: its n×n matrix takes `8 n²` bytes (512 MiB here).
pub const RECURSION_MAX_EVENTS: usize = 8192;

/// The full pairwise influence matrix M (upper triangular, n×n) by the column recursion.
pub fn recursion_matrix(c: Cascade<'_>, params: &InfluenceParams) -> Array2<f64> {
    let n = c.len();
    let mut m = Array2::<f64>::zeros((n, n));
    if n == 0 {
        return m;
    }
    let (mut lw, mut ld) = (Vec::new(), Vec::new());
    log_weights(c, params, &mut lw);
    log_normalisers(c, params, &lw, &mut ld);
    let alpha = params.alpha_or_one();
    let s = params.power;
    let mut q = vec![0.0; n];
    m[[0, 0]] = params.diagonal(0);
    let stride = n;
    let data = m.as_slice_mut().expect("a fresh Array2 is contiguous");
    for j in 1..n {
        edge_prob_column(c, params, &lw, ld[j], j, &mut q);
        for qk in &mut q[..j] {
            *qk = s.apply(alpha * *qk);
        }
        for i in 0..j {
            let row = &data[i * stride..i * stride + j];
            // M_ij = Σ_{k=i}^{j-1} M_ik q_kj  (M_ik = 0 for k < i)
            let v: f64 = row[i..j].iter().zip(&q[i..j]).map(|(a, b)| a * b).sum();
            data[i * stride + j] = v;
        }
        data[j * stride + j] = params.diagonal(j);
    }
    m
}

/// Tweet influence of every event of `c` into `out`: row sums of [`recursion_matrix`]
/// (self term excluded: the sum over `k > i`, never `total − M_ii`).
pub fn recursion(c: Cascade<'_>, params: &InfluenceParams, out: &mut [f64]) {
    let m = recursion_matrix(c, params);
    let excluded = params.self_term == SelfTerm::Excluded;
    for (i, row) in m.rows().into_iter().enumerate() {
        let from = if excluded { i + 1 } else { i };
        out[i] = row.iter().skip(from).sum();
    }
}
