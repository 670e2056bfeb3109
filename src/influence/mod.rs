//! Tweet and user influence over all diffusion scenarios (Rizoiu et al., ICWSM 2018;
//! spec `influence.md`).
//!
//! # Model
//!
//! A cascade `v_1 … v_n` (sorted by time, ties in input order) with magnitudes `f_i`:
//!
//! - Eq. 1: `w_k = max(f_k, 1)^β`, `p_kj = w_k e^{-r (t_j − t_k)} / Σ_{l<j} w_l e^{-r (t_j − t_l)}`.
//! - Eq. 2: `q_kj = (α p_kj)^s`, `M_jj = d_j` (`d_1 = 1`, `d_j = 1 − α`, or 1 without α),
//!   `M_ij = Σ_{k=i}^{j−1} M_ik q_kj`.
//! - Tweet influence `φ(v_i) = Σ_{k>i} M_ik` (self excluded) or `Σ_k M_ik` (included).
//! - Eq. 3: user influence = mean (or sum) of the user's tweet influences.
//!
//! Arrays are 0-based; the spec's maths is 1-based (`v_1` is index 0).
//!
//! # Presets
//!
//! | preset | s | r (1/s) | self term |
//! |---|---|---|---|
//! | `paper` (default) | 2 | 6.8e-4 | excluded |
//! | `descendants` | 1 | 6.8e-4 | excluded |
//! | `birdspotter` | 1 | 6.8e-5 | included |
//!
//! # Algorithms and complexity
//!
//! [`Algorithm::Linear`] O(n) time and memory per cascade; [`Algorithm::Backsub`] O(n²) time,
//! O(n) memory; [`Algorithm::Recursion`] O(n³) time, O(n²) memory. The streaming driver
//! [`Runner`] holds one bounded batch of cascades plus per-user running sums:
//! memory O(users + largest cascade), time O(events) with the linear algorithm.
//!
//! # Example
//!
//! ```
//! use cascadia::cascade::CascadeSet;
//! use cascadia::influence::{tweet_influence, InfluenceParams, Preset};
//!
//! // Three events: (time s, followers, user)
//! let set = CascadeSet::from_events("c1", &[(0.0, 1000.0, 1), (60.0, 10.0, 2), (90.0, 5.0, 3)]).unwrap();
//! let params = InfluenceParams::preset(Preset::Descendants).check().unwrap();
//! let mut phi = vec![0.0; 3];
//! tweet_influence(set.get(0), &params, &mut Default::default(), &mut phi).unwrap();
//! assert!((phi[0] - 2.0).abs() < 1e-12); // s = 1: the root has n − 1 expected descendants
//! ```

pub mod cpu;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod output;
pub(crate) mod packing;
mod pairwise;
mod params;
pub mod politics;
mod run;
pub mod tune;
pub mod uniforms;
mod users;

pub use pairwise::pairwise;
pub use params::{
    Aggregation, Algorithm, InfluenceParams, InfluenceValidParams, Power, Preset, SelfTerm,
};
pub use run::{
    Batch, Discard, InfluenceSink, RunOptions, RunResult, RunSummary, Runner, compute_batch,
    sink_fn,
};
pub use users::{UserAggregator, UserInfluence};

use crate::backend::AutoRule;
use crate::cascade::Cascade;
use crate::error::{Error, Result};

/// Where `--backend auto` runs `params.algorithm`, from the measurements in the README ("GPU"):
/// the recursion on a hardware GPU (2-10x a 16-core CPU on cascades of 300 to 1,000 events,
/// on an H100); the linear algorithm and back substitution on the CPU.
pub fn auto_rule(params: &InfluenceValidParams) -> AutoRule {
    match params.algorithm {
        Algorithm::Backsub => AutoRule::Cpu("--algo backsub has no GPU kernel, running on the CPU"),
        Algorithm::Linear => AutoRule::Cpu(
            "--backend auto runs --algo linear on the CPU (f64): end to end it is bound by \
             reading the input, and on an H100 the GPU was no faster; --backend gpu forces the GPU",
        ),
        Algorithm::Recursion => AutoRule::HardwareGpu,
    }
}

/// Tweet influence of every event of `c` into `out` (length `c.len()`), with the algorithm
/// `params.algorithm`. `scratch` is reused across calls by the linear algorithm.
///
/// # Errors
/// [`Error::CascadeTooLarge`] when the recursion is asked for a cascade over
/// [`cpu::RECURSION_MAX_EVENTS`] events.
///
/// # Complexity
/// As the algorithm: O(n), O(n²) or O(n³).
pub fn tweet_influence(
    c: Cascade<'_>,
    params: &InfluenceValidParams,
    scratch: &mut cpu::LinearScratch,
    out: &mut [f64],
) -> Result<()> {
    match params.algorithm {
        Algorithm::Linear => cpu::linear(c, params, scratch, out),
        Algorithm::Backsub => cpu::backsub(c, params, out),
        Algorithm::Recursion => {
            recursion_fits(c)?;
            cpu::recursion(c, params, out);
        }
    }
    Ok(())
}

/// [`Error::CascadeTooLarge`] when `c` exceeds [`cpu::RECURSION_MAX_EVENTS`] (on every
/// backend: the limit is the CPU fallback's matrix).
pub(crate) fn recursion_fits(c: Cascade<'_>) -> Result<()> {
    if c.len() > cpu::RECURSION_MAX_EVENTS {
        return Err(Error::CascadeTooLarge {
            cascade: c.name.to_string(),
            events: c.len(),
            limit: cpu::RECURSION_MAX_EVENTS,
            algorithm: "recursion",
        });
    }
    Ok(())
}
