//! Parameters of the influence model, presets, and their validation.

use crate::checked::Checked;
use crate::error::ParamError;
use serde::{Deserialize, Serialize};

/// The power `s` applied to edge probabilities: `q_kj = (α p_kj)^s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Power {
    /// `s = 1`: expected number of descendants in the random diffusion tree.
    One,
    /// `s = 2`: the paper's Eq. 2 (expected path-weighted reach over all trees).
    Two,
}

impl Power {
    /// The exponent as a number.
    pub fn as_f64(self) -> f64 {
        match self {
            Power::One => 1.0,
            Power::Two => 2.0,
        }
    }

    /// `x^s`.
    #[inline]
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Power::One => x,
            Power::Two => x * x,
        }
    }
}

/// Whether a tweet's influence counts the tweet itself (`M_ii`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SelfTerm {
    /// `φ(v_i) = Σ_k M_ik` (the public `birdspotter` code).
    Included,
    /// `φ(v_i) = Σ_{k>i} M_ik` (the paper).
    Excluded,
}

/// How tweet influences aggregate into a user's influence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregation {
    /// Mean over the user's events in all cascades (Eq. 3).
    #[default]
    Mean,
    /// Sum over the user's events.
    Sum,
}

/// Which exact algorithm computes the tweet influences. All agree to 1e-9 relative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// O(n) time, O(n) memory: the separable back substitution (spec, "Exact linear-time").
    #[default]
    Linear,
    /// O(n²) time, O(n) memory: back substitution `(I − Q) x = 1` with explicit `q_kj`.
    Backsub,
    /// O(n³) time, O(n²) memory: the paper's triangular M×P column recursion (Eq. 2).
    Recursion,
}

/// Named parameter sets (spec `influence.md`, Variants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// The paper, Eq. 1–3: s = 2, r = 6.8e-4 s⁻¹, β = 1, no α, self term excluded.
    Paper,
    /// Expected number of descendants: s = 1, r = 6.8e-4 s⁻¹, β = 1, no α, self excluded.
    Descendants,
    /// The public `birdspotter` 0.1.6b1 code: s = 1, r = 6.8e-5 s⁻¹, β = 1, no α, self included.
    Birdspotter,
}

/// Parameters of the influence model (spec `influence.md`, Eq. 1–3).
///
/// [`InfluenceParams::default`] is the `paper` preset: power s = 2, decay r = 6.8e-4 s⁻¹,
/// social strength β = 1, no spatial decay α, self term excluded, mean aggregation, the
/// linear algorithm. Change fields with the builder methods, then [`InfluenceParams::check`]
/// them: the algorithms take only the checked [`InfluenceValidParams`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InfluenceParams {
    /// The preset the values started from (reported in summaries), if any.
    pub preset: Option<Preset>,
    /// `s`.
    pub power: Power,
    /// `r`, temporal decay per second.
    pub decay_per_s: f64,
    /// `β`, social strength: `w_k = max(f_k, 1)^β`.
    pub beta: f64,
    /// `α`, spatial decay in (0, 1]; `None` for no spatial decay (`d_j = 1`, `q = p^s`).
    pub alpha: Option<f64>,
    /// Whether `M_ii` counts.
    pub self_term: SelfTerm,
    /// User aggregation.
    pub aggregation: Aggregation,
    /// Algorithm for tweet influence.
    pub algorithm: Algorithm,
}

impl Default for InfluenceParams {
    fn default() -> Self {
        Self::preset(Preset::Paper)
    }
}

impl InfluenceParams {
    /// The parameters of a preset (see [`Preset`]); aggregation mean, algorithm linear.
    pub fn preset(p: Preset) -> Self {
        let (power, decay_per_s, self_term) = match p {
            Preset::Paper => (Power::Two, 6.8e-4, SelfTerm::Excluded),
            Preset::Descendants => (Power::One, 6.8e-4, SelfTerm::Excluded),
            Preset::Birdspotter => (Power::One, 6.8e-5, SelfTerm::Included),
        };
        InfluenceParams {
            preset: Some(p),
            power,
            decay_per_s,
            beta: 1.0,
            alpha: None,
            self_term,
            aggregation: Aggregation::Mean,
            algorithm: Algorithm::Linear,
        }
    }

    /// Sets the power `s`.
    #[must_use]
    pub fn power(mut self, s: Power) -> Self {
        self.power = s;
        self
    }

    /// Sets the decay `r` (per second).
    #[must_use]
    pub fn decay_per_s(mut self, r: f64) -> Self {
        self.decay_per_s = r;
        self
    }

    /// Sets the social strength `β`.
    #[must_use]
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }

    /// Sets the spatial decay `α` (`None` for none).
    #[must_use]
    pub fn alpha(mut self, alpha: Option<f64>) -> Self {
        self.alpha = alpha;
        self
    }

    /// Sets whether the self term counts.
    #[must_use]
    pub fn self_term(mut self, t: SelfTerm) -> Self {
        self.self_term = t;
        self
    }

    /// Sets the user aggregation.
    #[must_use]
    pub fn aggregation(mut self, a: Aggregation) -> Self {
        self.aggregation = a;
        self
    }

    /// Sets the algorithm.
    #[must_use]
    pub fn algorithm(mut self, a: Algorithm) -> Self {
        self.algorithm = a;
        self
    }

    /// Checks every field and returns the parameters the algorithms take.
    ///
    /// # Errors
    /// A [`ParamError`] naming the parameter (`decay_per_s`, `beta`, `alpha`) and its
    /// accepted range.
    pub fn check(self) -> Result<InfluenceValidParams, ParamError> {
        if !(self.decay_per_s.is_finite() && self.decay_per_s >= 0.0) {
            return Err(ParamError {
                field: "decay_per_s",
                value: self.decay_per_s.to_string(),
                expected: "must be a finite number >= 0 (per second; the paper uses 6.8e-4)",
            });
        }
        if !(self.beta.is_finite() && self.beta.abs() <= 64.0) {
            return Err(ParamError {
                field: "beta",
                value: self.beta.to_string(),
                expected: "must be a finite number in [-64, 64] (the paper uses 1)",
            });
        }
        if let Some(a) = self.alpha
            && !(a.is_finite() && a > 0.0 && a <= 1.0)
        {
            return Err(ParamError {
                field: "alpha",
                value: a.to_string(),
                expected: "must be in (0, 1]; omit it for no spatial decay",
            });
        }
        Ok(Checked::accepted(self))
    }
}

/// [`InfluenceParams`] that passed [`InfluenceParams::check`]: the only form the algorithms
/// take (see [`Checked`]).
pub type InfluenceValidParams = Checked<InfluenceParams>;

impl TryFrom<InfluenceParams> for InfluenceValidParams {
    type Error = ParamError;

    fn try_from(p: InfluenceParams) -> Result<Self, ParamError> {
        p.check()
    }
}

impl InfluenceValidParams {
    /// The same parameters with another algorithm (always valid).
    #[must_use]
    pub fn with_algorithm(self, a: Algorithm) -> Self {
        Checked::accepted(self.into_inner().algorithm(a))
    }
}

impl InfluenceParams {
    /// `d_i`, the diagonal of M (0-based `i`): 1 for the root, `1 − α` otherwise (1 without α).
    #[inline]
    pub fn diagonal(&self, i: usize) -> f64 {
        match self.alpha {
            Some(a) if i > 0 => 1.0 - a,
            _ => 1.0,
        }
    }

    /// `w = max(f, 1)^β` (a magnitude of 0 is read as 1, as the public reference does).
    #[inline]
    pub fn weight(&self, magnitude: f64) -> f64 {
        let f = magnitude.max(1.0);
        if self.beta == 1.0 {
            f
        } else {
            f.powf(self.beta)
        }
    }

    /// Appends [`Self::weight`] of every magnitude to `out`, deciding `β = 1` once: inside a
    /// loop the compiler vectorises the branch away and calls `pow` for every event anyway
    /// (measured: 2.5% of an end-to-end run with β = 1).
    pub fn extend_weights(&self, magnitudes: &[f64], out: &mut Vec<f64>) {
        if self.beta == 1.0 {
            out.extend(magnitudes.iter().map(|&f| f.max(1.0)));
        } else {
            out.extend(magnitudes.iter().map(|&f| f.max(1.0).powf(self.beta)));
        }
    }

    /// `ln w = β ln max(f, 1)`.
    #[inline]
    pub fn log_weight(&self, magnitude: f64) -> f64 {
        self.beta * magnitude.max(1.0).ln()
    }

    /// `α` as used in `q = (α p)^s` (1 without spatial decay).
    #[inline]
    pub fn alpha_or_one(&self) -> f64 {
        self.alpha.unwrap_or(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_match_the_spec_table() {
        let p = InfluenceParams::preset(Preset::Paper);
        assert_eq!(
            (p.power, p.decay_per_s, p.self_term),
            (Power::Two, 6.8e-4, SelfTerm::Excluded),
            "paper"
        );
        let d = InfluenceParams::preset(Preset::Descendants);
        assert_eq!(
            (d.power, d.decay_per_s, d.self_term),
            (Power::One, 6.8e-4, SelfTerm::Excluded),
            "descendants"
        );
        let b = InfluenceParams::preset(Preset::Birdspotter);
        assert_eq!(
            (b.power, b.decay_per_s, b.self_term),
            (Power::One, 6.8e-5, SelfTerm::Included),
            "birdspotter"
        );
        assert_eq!(InfluenceParams::default(), p, "default is the paper preset");
    }

    #[test]
    fn check_names_the_bad_flag() {
        let e = InfluenceParams::default()
            .decay_per_s(-1.0)
            .check()
            .unwrap_err();
        assert_eq!(e.field, "decay_per_s", "decay");
        let e = InfluenceParams::default()
            .alpha(Some(1.5))
            .check()
            .unwrap_err();
        assert_eq!(e.field, "alpha", "alpha");
        let e = InfluenceParams::default()
            .beta(f64::NAN)
            .check()
            .unwrap_err();
        assert_eq!(e.field, "beta", "beta");
        assert!(
            InfluenceParams::default().alpha(Some(0.3)).check().is_ok(),
            "valid alpha"
        );
    }
}
