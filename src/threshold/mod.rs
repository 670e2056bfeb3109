//! The linear threshold model with heterogeneous thresholds (spec `threshold.md`; Tran &
//! Zheleva, AAAI 2022; Granovetter 1978): batched simulation ([`simulate`], CPU and GPU),
//! per-node trigger bounds and the trigger-based causal tree ([`estimate`]), and next-step
//! prediction with its scores ([`predict`]).
//!
//! **Exact influence.** `I_v(t) = Σ_{u active, u→v} b_uv` with `b_uv = w_uv / Σ_{u'→v} w_u'v`
//! is held as an integer sum: every in-edge carries `q_uv` units and every node a denominator
//! `den_v`, so `I_v = Σ q / den`. Uniform weights (the default: the fraction of active
//! in-neighbours, as hpe-ltm, ndlib and CyNetDiff) are exact: `q = 1`, `den = indeg`.
//! Column weights are rounded to multiples of 2⁻³¹ (`q = round(b · 2³¹)`, `den = 2³¹`; error
//! below 2⁻³² per edge). A threshold becomes the smallest unit count that reaches it,
//! [`need`]: `m/den ≥ θ` computed once in f64, so every engine — the CPU frontier, the
//! kernels' CPU twin, the GPU — compares integers, in any summation order, with the same
//! result bit for bit.
//!
//! **Activation rule** (the spec's, literally): v activates at step t+1 iff `I_v(t) ≥ θ_v`, ties
//! activate, a node without in-neighbours has `I = 0`. So a node with θ ≤ 0 activates at step
//! 1 whatever its neighbours do (this is why θ ≡ 0 maximises hpe-ltm's recall); with the
//! smallest positive θ one active in-neighbour suffices and activity spreads one hop per step.

pub mod estimate;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod input;
pub mod output;
pub mod predict;
pub mod simulate;

pub use input::{Activations, Features, Graph, Weights};

/// A node that can never activate (θ above every reachable influence, or +∞).
pub const NEVER: u32 = u32::MAX;

/// The denominator of column weights: `b_uv` in units of 2⁻³¹.
pub const COLUMN_UNITS: u32 = 1 << 31;

/// The smallest unit count `m` with `m / den ≥ θ` (f64 division, ties activate), or [`NEVER`]
/// when even `max_units` (every in-neighbour active) falls short.
pub fn need(theta: f64, den: u32, max_units: u32) -> u32 {
    if theta <= 0.0 {
        return 0;
    }
    if theta.is_nan() || !theta.is_finite() {
        return NEVER;
    }
    let den_f = f64::from(den.max(1));
    let reaches = |m: u64| (m as f64) / den_f >= theta;
    if !reaches(u64::from(max_units)) {
        return NEVER;
    }
    // ceil(θ·den) is within one of the answer; settle it with the f64 comparison itself.
    let mut m = ((theta * den_f).ceil() as u64).min(u64::from(max_units));
    while m > 0 && reaches(m - 1) {
        m -= 1;
    }
    while !reaches(m) {
        m += 1;
    }
    m as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn need_is_the_smallest_count_that_reaches_theta() {
        for den in 1..40u32 {
            for k in 0..=200 {
                let theta = f64::from(k) / 173.0;
                let m = need(theta, den, den);
                if m == NEVER {
                    assert!(f64::from(den) / f64::from(den) < theta);
                    continue;
                }
                assert!(f64::from(m) / f64::from(den) >= theta, "{theta} {den} {m}");
                if m > 0 {
                    assert!(f64::from(m - 1) / f64::from(den) < theta);
                }
            }
        }
        assert_eq!(need(0.0, 5, 5), 0);
        assert_eq!(need(-1.0, 0, 0), 0);
        assert_eq!(need(0.2, 0, 0), NEVER);
        assert_eq!(need(f64::INFINITY, 5, 5), NEVER);
        assert_eq!(need(1.0, 5, 5), 5);
        assert_eq!(need(1.0 + 1e-12, 5, 5), NEVER);
        assert_eq!(need(0.5, COLUMN_UNITS, COLUMN_UNITS), 1 << 30);
    }
}
