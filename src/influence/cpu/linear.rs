//! The exact O(n) algorithm (spec `influence.md`, "Exact linear-time algorithm").
//!
//! `M = Dg (I − Q)^{-1}` and `q_kj = (α w_k)^s e^{-s r (t_j − t_k)} / D_j^s` is separable, so
//! the row sums `x = (I − Q)^{-1} 1` follow from one forward pass (the normalisers, in the
//! bounded form `G_j = D_{j-1} + w_{j-1}`, `D_j = e^{-rΔt} G_j`) and one backward pass
//! (`U = e^{-s r Δt} U + x_{i+1} / G_{i+1}^s`, `y_i = (α w_i)^s U`). Every quantity stays
//! bounded: `e^{-rΔt} / D_{i+1} = 1 / G_{i+1}`, so no overflow and no 0/0 across gaps where
//! `e^{-rΔt}` underflows.
//!
//! Time O(n), memory O(n) (two scratch vectors, reused across cascades).

use crate::cascade::Cascade;
use crate::influence::InfluenceValidParams;
use crate::influence::SelfTerm;

/// Reusable scratch space for [`linear`].
#[derive(Debug, Default, Clone)]
pub struct LinearScratch {
    g: Vec<f64>,
    e: Vec<f64>,
    w: Vec<f64>,
}

/// Tweet influence of every event of `c` into `out` (length `c.len()`).
pub fn linear(
    c: Cascade<'_>,
    params: &InfluenceValidParams,
    scratch: &mut LinearScratch,
    out: &mut [f64],
) {
    let n = c.len();
    debug_assert_eq!(out.len(), n);
    if n == 0 {
        return;
    }
    let r = params.decay_per_s;
    let s = params.power;
    let alpha = params.alpha_or_one();
    let LinearScratch { g, e, w } = scratch;
    g.clear();
    g.resize(n, 0.0);
    e.clear();
    e.resize(n, 0.0);
    w.clear();
    params.extend_weights(c.magnitudes, w);

    // Forward: G_j = D_{j-1} + w_{j-1}, D_j = e^{-r (t_j - t_{j-1})} G_j; e[j] = e^{-rΔ}.
    let mut d = 0.0;
    for j in 1..n {
        let ej = (-r * (c.times[j] - c.times[j - 1])).exp();
        e[j] = ej;
        g[j] = d + w[j - 1];
        d = ej * g[j];
    }

    // Backward: x_n = 1, U = 0.
    let excluded = params.self_term == SelfTerm::Excluded;
    let mut u = 0.0;
    let mut x_next = 1.0;
    out[n - 1] = params.diagonal(n - 1) * if excluded { 0.0 } else { 1.0 };
    for i in (0..n - 1).rev() {
        u = s.apply(e[i + 1]) * u + x_next / s.apply(g[i + 1]);
        let y = s.apply(alpha * w[i]) * u;
        let x = 1.0 + y;
        out[i] = params.diagonal(i) * if excluded { y } else { x };
        x_next = x;
    }
}

/// CPU twin of `shaders/influence/linear.wgsl`: the same packed inputs (per-event `dt` and
/// `w`, computed on the host in f64), the same per-invocation decomposition (one cascade per
/// call of [`linear_twin_one`], G kept in `out` during the forward pass, the output of event
/// i+1 written once its G is read) and the same operation order. With `F = f32` it predicts
/// the GPU's result up to the GPU's `exp`; with `F = f64` it equals [`linear`] to rounding.
pub fn linear_twin<F: num_traits::Float>(
    params: &crate::influence::uniforms::LinearParams,
    offsets: &[u32],
    dt: &[F],
    w: &[F],
    out: &mut [F],
) {
    for c in 0..params.n_cascades as usize {
        let (s, e) = (offsets[c] as usize, offsets[c + 1] as usize);
        linear_twin_one(params, &dt[s..e], &w[s..e], &mut out[s..e]);
    }
}

/// One invocation of the linear kernel: one cascade.
pub fn linear_twin_one<F: num_traits::Float>(
    params: &crate::influence::uniforms::LinearParams,
    dt: &[F],
    w: &[F],
    out: &mut [F],
) {
    let n = dt.len();
    let f = |x: f32| F::from(x).expect("f32 converts to any float");
    let one = F::one();
    let r = f(params.decay);
    let a = if params.has_alpha == 1 {
        f(params.alpha)
    } else {
        one
    };
    let pow_s = |x: F| if params.power == 2 { x * x } else { x };
    let diag = |i: usize| {
        if params.has_alpha == 1 && i > 0 {
            one - f(params.alpha)
        } else {
            one
        }
    };
    let mut d = F::zero();
    for j in 1..n {
        let g = d + w[j - 1];
        out[j] = g;
        d = (-r * dt[j]).exp() * g;
    }
    let mut u = F::zero();
    let mut x_next = one;
    let mut pending = if params.self_included == 1 {
        diag(n - 1)
    } else {
        F::zero()
    };
    for k in 1..n {
        let i = n - 1 - k;
        let g1 = out[i + 1];
        u = pow_s((-r * dt[i + 1]).exp()) * u + x_next / pow_s(g1);
        let y = pow_s(a * w[i]) * u;
        let x = one + y;
        out[i + 1] = pending;
        pending = diag(i) * if params.self_included == 1 { x } else { y };
        x_next = x;
    }
    if n > 0 {
        out[0] = pending;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cascade::CascadeSet;
    use crate::influence::{InfluenceParams, Power, Preset};

    #[test]
    fn one_and_two_events() {
        let p = InfluenceParams::preset(Preset::Birdspotter)
            .check()
            .unwrap(); // s = 1, self included
        let mut sc = LinearScratch::default();
        let mut out = vec![0.0; 1];
        linear(
            CascadeSet::from_events("a", &[(0.0, 3.0, 0)])
                .expect("valid events")
                .get(0),
            &p,
            &mut sc,
            &mut out,
        );
        assert_eq!(out, vec![1.0], "n = 1 -> [1]");
        let mut out = vec![0.0; 2];
        linear(
            CascadeSet::from_events("b", &[(0.0, 3.0, 0), (9.0, 1.0, 1)])
                .expect("valid events")
                .get(0),
            &p,
            &mut sc,
            &mut out,
        );
        assert_eq!(out, vec![2.0, 1.0], "n = 2 -> [2, 1]");
    }

    #[test]
    fn worked_three_tweet_example() {
        // Sec. 3.2: m_12 = 1, m_13 = m_11 p_13² + m_12 p_23²; φ(v_1) = m_12 + m_13 (s = 2).
        let set =
            CascadeSet::from_events("c", &[(0.0, 100.0, 0), (10.0, 50.0, 1), (30.0, 20.0, 2)])
                .expect("valid events");
        let c = set.get(0);
        let r = 6.8e-4;
        let p = InfluenceParams::default()
            .power(Power::Two)
            .decay_per_s(r)
            .check()
            .unwrap();
        let a = 100.0 * (-r * 30.0f64).exp();
        let b = 50.0 * (-r * 20.0f64).exp();
        let (p13, p23) = (a / (a + b), b / (a + b));
        let m13 = p13 * p13 + p23 * p23;
        let mut out = vec![0.0; 3];
        linear(c, &p, &mut LinearScratch::default(), &mut out);
        assert!(
            (out[0] - (1.0 + m13)).abs() < 1e-14,
            "φ(v_1) = {} vs {}",
            out[0],
            1.0 + m13
        );
        assert!(
            (out[1] - p23 * p23).abs() < 1e-14,
            "φ(v_2) = {} vs {}",
            out[1],
            p23 * p23
        );
        assert_eq!(out[2], 0.0, "the last event influences nobody");
    }
}
