//! The paper's triangular M×P column recursion (Eq. 2): `M_jj = d_j`,
//! `M_ij = Σ_{k=i}^{j-1} M_ik q_kj`. Time O(n³), memory O(n²): the paper's algorithm
//! (`--algo recursion`) and an oracle for the others.

use super::edge_probs::{edge_prob_column, log_terms};
use crate::cascade::Cascade;
use crate::influence::InfluenceValidParams;
use crate::influence::SelfTerm;
use ndarray::Array2;

/// Largest cascade the recursion accepts: its n×n matrix takes `8 n²` bytes (512 MiB here).
pub const RECURSION_MAX_EVENTS: usize = 8192;

/// The full pairwise influence matrix M (upper triangular, n×n) by the column recursion.
pub fn recursion_matrix(c: Cascade<'_>, params: &InfluenceValidParams) -> Array2<f64> {
    let n = c.len();
    let mut m = Array2::<f64>::zeros((n, n));
    if n == 0 {
        return m;
    }
    let (lw, ld) = log_terms(c, params);
    let alpha = params.alpha_or_one();
    let s = params.power;
    let stride = n;
    let data = m.as_slice_mut().expect("a fresh Array2 is contiguous");
    for i in 0..n {
        data[i * stride + i] = params.diagonal(i);
    }
    // Columns are processed in blocks of BLOCK: the block's Q columns stay in L2 while each
    // row i of M (read from i to j) stays in L1 across the block's columns. Within a row,
    // columns go left to right, so M_ik for k < j is ready when M_ij needs it.
    const BLOCK: usize = 64;
    let mut q = vec![0.0; BLOCK * n];
    for j0 in (1..n).step_by(BLOCK) {
        let j1 = (j0 + BLOCK).min(n);
        for j in j0..j1 {
            let col = &mut q[(j - j0) * n..(j - j0 + 1) * n];
            edge_prob_column(c, params, &lw, ld[j], j, col);
            for qk in &mut col[..j] {
                *qk = s.apply(alpha * *qk);
            }
        }
        for i in 0..j1 - 1 {
            for j in j0.max(i + 1)..j1 {
                let col = &q[(j - j0) * n..(j - j0 + 1) * n];
                // M_ij = Σ_{k=i}^{j-1} M_ik q_kj  (M_ik = 0 for k < i)
                let v = dot(&data[i * stride + i..i * stride + j], &col[i..j]);
                data[i * stride + j] = v;
            }
        }
    }
    m
}

/// Dot product with eight independent accumulators: the single-accumulator sum is bound by
/// the latency of one floating-point add per term (measured 272 ms for n = 1000); eight lanes
/// let the compiler vectorise. Summation order differs from a left fold by rounding only.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
}

/// Tweet influence of every event of `c` into `out`: row sums of [`recursion_matrix`]
/// (self term excluded: the sum over `k > i`, never `total − M_ii`).
pub fn recursion(c: Cascade<'_>, params: &InfluenceValidParams, out: &mut [f64]) {
    let m = recursion_matrix(c, params);
    let excluded = params.self_term == SelfTerm::Excluded;
    for (i, row) in m.rows().into_iter().enumerate() {
        let from = if excluded { i + 1 } else { i };
        out[i] = row.iter().skip(from).sum();
    }
}

/// CPU twin of `shaders/influence/recursion.wgsl`: `q_columns` for every event, then
/// `m_rows` for every event, block after block, with the kernel's steps in the kernel's
/// order (f32, so it predicts the GPU's results up to the GPU's `exp`).
#[expect(
    clippy::too_many_arguments,
    reason = "mirrors the kernel's bindings one for one"
)]
pub fn recursion_twin(
    params: &crate::influence::uniforms::RecursionParams,
    blocks: &[(u32, u32)],
    cascades: &[[u32; 4]],
    event_cascade: &[u32],
    terms: &[[f32; 4]],
    q: &mut [f32],
    m: &mut [f32],
    phi: &mut [f32],
) {
    let n_events = params.n_events as usize;
    let s = if params.power == 2 { 2.0f32 } else { 1.0 };
    for e in 0..n_events {
        let [start, n, base, _] = cascades[event_cascade[e] as usize].map(|v| v as usize);
        let j = e - start;
        let d = if params.has_alpha == 1 && j > 0 {
            1.0 - params.alpha
        } else {
            1.0
        };
        m[base + j * n + j] = d;
        phi[e] = if params.self_included == 1 { d } else { 0.0 };
        if j == 0 {
            continue;
        }
        let tj = terms[e - 1];
        let lg = terms[e][3];
        for k in 0..j {
            let tk = terms[start + k];
            let gap = (tj[0] - tk[0]) + (tj[1] - tk[1]);
            q[base + j * n + k] = (s * (params.log_alpha + tk[2] - lg - gap)).exp();
        }
    }
    for &(j0, j1) in blocks {
        for e in 0..n_events {
            let [start, n, base, _] = cascades[event_cascade[e] as usize].map(|v| v as usize);
            let i = e - start;
            let (ja, jb) = ((j0 as usize).max(i + 1), (j1 as usize).min(n));
            let kb = i - i % 64;
            let mut acc = phi[e];
            for j in ja..jb {
                let mut v = 0.0f32;
                for k in kb..j {
                    v += m[base + k * n + i] * q[base + j * n + k];
                }
                m[base + j * n + i] = v;
                acc += v;
            }
            phi[e] = acc;
        }
    }
}
