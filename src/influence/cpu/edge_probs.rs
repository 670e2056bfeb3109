//! Edge probabilities `p_kj` (Eq. 1) in log space, and the expected parent of each event.
//!
//! `p_kj = w_k e^{-r (t_j - t_k)} / D_j`, `D_j = Σ_{l<j} w_l e^{-r (t_j - t_l)}`. The
//! normaliser is a log-sum-exp, so gaps where `e^{-rΔt}` underflows stay exact (p then
//! concentrates on the latest events).

#![expect(
    clippy::needless_range_loop,
    reason = "indices follow the spec's k < j notation"
)]

use crate::cascade::Cascade;
use crate::influence::InfluenceValidParams;

/// `ln D_j` for every `j >= 1` (entry 0 is `-inf`: the root has no predecessor).
/// O(n²) time: each column is an independent log-sum-exp (the paper's form), kept apart
/// from the linear algorithm's running form so that each checks the other.
pub fn log_normalisers(
    c: Cascade<'_>,
    params: &InfluenceValidParams,
    log_w: &[f64],
    out: &mut Vec<f64>,
) {
    let n = c.len();
    let r = params.decay_per_s;
    out.clear();
    out.resize(n, f64::NEG_INFINITY);
    for j in 1..n {
        let tj = c.times[j];
        let mut m = f64::NEG_INFINITY;
        for k in 0..j {
            m = m.max(log_w[k] - r * (tj - c.times[k]));
        }
        let mut s = 0.0;
        for k in 0..j {
            s += (log_w[k] - r * (tj - c.times[k]) - m).exp();
        }
        out[j] = m + s.ln();
    }
}

/// `(ln w, ln D)` for every event: the log-space terms of Eq. 1 shared by the back
/// substitution, the recursion and the closed-form pairwise matrix.
pub fn log_terms(c: Cascade<'_>, params: &InfluenceValidParams) -> (Vec<f64>, Vec<f64>) {
    let (mut lw, mut ld) = (Vec::new(), Vec::new());
    log_weights(c, params, &mut lw);
    log_normalisers(c, params, &lw, &mut ld);
    (lw, ld)
}

/// `ln w_k = β ln max(f_k, 1)` for every event.
pub fn log_weights(c: Cascade<'_>, params: &InfluenceValidParams, out: &mut Vec<f64>) {
    out.clear();
    out.extend(c.magnitudes.iter().map(|&f| params.log_weight(f)));
}

/// Column `j` of P: `out[k] = p_kj` for `k < j`.
pub fn edge_prob_column(
    c: Cascade<'_>,
    params: &InfluenceValidParams,
    log_w: &[f64],
    log_d_j: f64,
    j: usize,
    out: &mut [f64],
) {
    let r = params.decay_per_s;
    let tj = c.times[j];
    for k in 0..j {
        out[k] = (log_w[k] - r * (tj - c.times[k]) - log_d_j).exp();
    }
}

/// The expected parent of each event: `argmax_k p_kj` (first index wins ties), `-1` for the
/// root. O(n): `p_kj ∝ w_k e^{r t_k}` for fixed `j`, so the argmax over `k < j` is a running
/// argmax of `ln w_k + r (t_k − t_1)`.
pub fn expected_parents(c: Cascade<'_>, params: &InfluenceValidParams, out: &mut [i64]) {
    let n = c.len();
    if n == 0 {
        return;
    }
    let r = params.decay_per_s;
    let t0 = c.times[0];
    out[0] = -1;
    let mut best = 0usize;
    let mut best_score = params.log_weight(c.magnitudes[0]);
    for j in 1..n {
        out[j] = best as i64;
        let score = params.log_weight(c.magnitudes[j]) + r * (c.times[j] - t0);
        if score > best_score {
            best_score = score;
            best = j;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cascade::CascadeSet;

    #[test]
    fn columns_sum_to_one_even_across_huge_gaps() {
        let set = CascadeSet::from_events(
            "c",
            &[
                (0.0, 10.0, 0),
                (5.0, 3.0, 1),
                (5.0e7, 1.0, 2),
                (5.0e7 + 1.0, 0.0, 3),
            ],
        )
        .expect("valid events");
        let c = set.get(0);
        let p = crate::influence::InfluenceParams::default()
            .check()
            .unwrap();
        let (mut lw, mut ld) = (Vec::new(), Vec::new());
        log_weights(c, &p, &mut lw);
        log_normalisers(c, &p, &lw, &mut ld);
        let mut col = vec![0.0; 4];
        for j in 1..4 {
            edge_prob_column(c, &p, &lw, ld[j], j, &mut col);
            let s: f64 = col[..j].iter().sum();
            // The log-space terms reach |r Δt| = 3.4e4 here; their rounding, 3.4e4 · 2.2e-16
            // = 7.5e-12, bounds the error of each p (the reference's log-space form shares it).
            assert!((s - 1.0).abs() < 2e-11, "column {j} sums to {s}");
        }
        // After a 5e7 s gap the earlier events' weights underflow: p concentrates on event 2.
        edge_prob_column(c, &p, &lw, ld[3], 3, &mut col);
        assert!(col[2] > 0.99, "p concentrates on the latest event: {col:?}");
    }

    #[test]
    fn expected_parent_prefers_first_on_ties() {
        let set = CascadeSet::from_events("c", &[(0.0, 5.0, 0), (0.0, 5.0, 1), (0.0, 1.0, 2)])
            .expect("valid events");
        let mut out = vec![0; 3];
        expected_parents(
            set.get(0),
            &crate::influence::InfluenceParams::default()
                .check()
                .unwrap(),
            &mut out,
        );
        assert_eq!(
            out,
            vec![-1, 0, 0],
            "tie between events 0 and 1 goes to the first"
        );
    }
}
