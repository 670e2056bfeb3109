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

/// CPU twin of `shaders/influence/linear_scan.wgsl`: the five entry points in order, each
/// over every chunk (or cascade), with the kernel's steps in the kernel's order. Chunk-local
/// state (`comp`, `carry`) lives here; `g` and `out` are per event, as on the device.
#[expect(
    clippy::needless_range_loop,
    reason = "k is the invocation index of the kernel's entry points"
)]
pub fn linear_scan_twin<F: num_traits::Float>(
    params: &crate::influence::uniforms::ScanParams,
    index: &[u32],
    dt: &[F],
    w: &[F],
    g: &mut [F],
    out: &mut [F],
) {
    let f = |x: f32| F::from(x).expect("f32 converts to any float");
    let (zero, one) = (F::zero(), F::one());
    let nk = params.n_chunks as usize;
    let nc = params.n_cascades as usize;
    let lo = |k: usize| index[k] as usize;
    let cascade_of = |k: usize| index[nk + 1 + k] as usize;
    let start = |c: usize| index[2 * nk + 1 + c] as usize;
    let chunk0 = |c: usize| index[2 * nk + nc + 2 + c] as usize;
    // The shader's chunk_span: cascade start and end, chunk start and end.
    let span = |k: usize| {
        let c = cascade_of(k);
        (start(c), start(c + 1), lo(k), lo(k + 1))
    };
    let r = f(params.decay);
    let pow_s = |x: F| if params.power == 2 { x * x } else { x };
    let alpha = if params.has_alpha == 1 {
        f(params.alpha)
    } else {
        one
    };
    let a_s = pow_s(alpha);
    let diag = |first: bool| {
        if params.has_alpha == 1 && !first {
            one - f(params.alpha)
        } else {
            one
        }
    };
    // Backward step i − 1 ← i: (m, c) from G_i (the shader's bwd_coeffs).
    let bwd_coeffs = |i: usize, g_i: F| {
        let inv = one / pow_s(g_i);
        (pow_s((-r * dt[i]).exp()) + a_s * pow_s(w[i]) * inv, inv)
    };
    let mut comp = vec![(zero, zero); nk];
    let mut carry = vec![zero; nk];
    // fwd_local
    for k in 0..nk {
        let s0 = start(cascade_of(k));
        let (mut a, mut b) = (one, zero);
        for j in lo(k)..lo(k + 1) {
            if j == s0 {
                (a, b) = (zero, zero);
            } else {
                let e = (-r * dt[j]).exp();
                a = e * a;
                b = e * (b + w[j - 1]);
            }
        }
        comp[k] = (a, b);
    }
    // fwd_carry
    for c in 0..nc {
        let mut d = zero;
        for k in chunk0(c)..chunk0(c + 1) {
            carry[k] = d;
            d = comp[k].0 * d + comp[k].1;
        }
    }
    // fwd_apply
    for k in 0..nk {
        let (s0, end, p, q) = span(k);
        let mut d = carry[k];
        for j in p..q {
            if j == s0 {
                d = zero;
                g[j] = zero;
            } else {
                let gj = d + w[j - 1];
                g[j] = gj;
                d = (-r * dt[j]).exp() * gj;
            }
        }
        let g_top = if q < end { d + w[q - 1] } else { zero };
        let top = if q == end { end - 1 } else { q };
        let (mut a, mut b) = (one, zero);
        let mut g1 = if q == end { g[top] } else { g_top };
        for i in (p + 1..=top).rev() {
            let (m, c) = bwd_coeffs(i, g1);
            a = m * a;
            b = m * b + c;
            g1 = g[i - 1];
        }
        comp[k] = (a, b);
    }
    // bwd_carry
    for c in 0..nc {
        let (k0, k1) = (chunk0(c), chunk0(c + 1));
        let mut u = zero;
        for k in (k0..k1).rev() {
            carry[k] = u;
            u = if k + 1 == k1 {
                comp[k].1
            } else {
                comp[k].0 * u + comp[k].1
            };
        }
    }
    // bwd_apply
    for k in 0..nk {
        let (s0, end, p, q) = span(k);
        let top = if q == end {
            out[end - 1] = if params.self_included == 1 {
                diag(end - 1 == s0)
            } else {
                zero
            };
            end - 1
        } else {
            q
        };
        let mut u = carry[k];
        for i in (p + 1..=top).rev() {
            let (m, c) = bwd_coeffs(i, g[i]);
            u = m * u + c;
            let y = a_s * pow_s(w[i - 1]) * u;
            let v = if params.self_included == 1 {
                one + y
            } else {
                y
            };
            out[i - 1] = diag(i - 1 == s0) * v;
        }
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
