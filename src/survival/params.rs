//! Survival-model parameters, validated once before any work.

use serde::{Deserialize, Serialize};

use crate::checked::Checked;
use crate::error::ParamError;

/// Time-shaping function γ of the additive model (spec Table 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// γ = 1, Γ = Δ (NetRate exponential).
    Exp,
    /// γ = 1/Δ, Γ = log(Δ/δ) for Δ > δ, both 0 otherwise (NetRate power law).
    Pow,
    /// γ = Δ, Γ = Δ²/2 (NetRate Rayleigh).
    Ray,
}

impl Shape {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Exp => "exp",
            Shape::Pow => "pow",
            Shape::Ray => "ray",
        }
    }
}

/// Baseline α_0(t) of the multiplicative model, times `e^b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Baseline {
    /// `e^b`.
    Const,
    /// `e^b τ`, τ the time since the cascade's source.
    Linear,
    /// `e^b / τ`, τ the time since the cascade's source plus one (finite at the source).
    Inverse,
}

/// Which risk model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum SurvivalModel {
    /// Additive risk (NetRate and Table 1): `λ_i(t) = Σ_j α_ji γ(t_j; t)`, `α ≥ 0`.
    Additive {
        /// Time-shaping function.
        shape: Shape,
        /// The power law's minimum delay δ (> 0; unused by exp and ray).
        delta: f64,
    },
    /// Multiplicative risk: `λ_i(t) = α_0(t) exp(Σ_j a_ji)`, L1-penalised.
    Multiplicative {
        /// Baseline shape.
        baseline: Baseline,
        /// Baseline level b (the paper: −3).
        b: f64,
        /// L1 weight λ (≥ 0).
        lambda: f64,
    },
}

/// Parameters of a survival-model fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurvivalParams {
    /// The model.
    pub model: SurvivalModel,
    /// Observation window T: each cascade is observed until its source's time + T.
    /// `None`: each cascade's own last infection (window = last − source time).
    pub window: Option<f64>,
    /// Per-cascade windows (by cascade index; NaN: use `window`), e.g. from
    /// `--windows windows.csv`. Data rather than a parameter: not serialised.
    #[serde(skip)]
    pub windows: Option<Vec<f64>>,
    /// Certificate tolerance: scaled gradient residuals (default 1e-9).
    pub tol: f64,
    /// Newton steps allowed per node.
    pub max_iterations: usize,
    /// Keep every variable in the result, zeros included (`--all-candidates`).
    pub keep_zeros: bool,
}

impl Default for SurvivalParams {
    fn default() -> Self {
        SurvivalParams {
            model: SurvivalModel::Additive {
                shape: Shape::Exp,
                delta: 1.0,
            },
            window: None,
            windows: None,
            tol: 1e-9,
            max_iterations: 1000,
            keep_zeros: false,
        }
    }
}

impl SurvivalParams {
    /// Checks every parameter.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first parameter out of range (`window`, `delta`, `b`,
    /// `lambda`, `tol`, `max_iterations`).
    pub fn check(self) -> Result<SurvivalValidParams, ParamError> {
        let bad = |field, value: String, expected| {
            Err(ParamError {
                field,
                value,
                expected,
            })
        };
        if let Some(t) = self.window
            && !(t.is_finite() && t > 0.0)
        {
            return bad(
                "window",
                t.to_string(),
                "must be a finite number > 0 (NetRate's demo: 10)",
            );
        }
        if let Some(w) = &self.windows
            && let Some(&t) = w
                .iter()
                .find(|t| !(t.is_nan() || (t.is_finite() && **t > 0.0)))
        {
            return bad(
                "windows",
                t.to_string(),
                "every per-cascade window must be a finite number > 0",
            );
        }
        match self.model {
            SurvivalModel::Additive { delta, .. } => {
                if !(delta.is_finite() && delta > 0.0) {
                    return bad(
                        "delta",
                        delta.to_string(),
                        "must be a finite number > 0 (default 1)",
                    );
                }
            }
            SurvivalModel::Multiplicative { b, lambda, .. } => {
                if !b.is_finite() {
                    return bad(
                        "b",
                        b.to_string(),
                        "must be a finite number (the paper: -3)",
                    );
                }
                if !(lambda.is_finite() && lambda >= 0.0) {
                    return bad("lambda", lambda.to_string(), "must be a finite number >= 0");
                }
            }
        }
        if !(self.tol.is_finite() && self.tol > 0.0 && self.tol < 1.0) {
            return bad(
                "tol",
                self.tol.to_string(),
                "must be in (0, 1) (default 1e-9)",
            );
        }
        if self.max_iterations == 0 {
            return bad("max_iterations", "0".into(), "must be >= 1");
        }
        Ok(Checked::accepted(self))
    }
}

/// [`SurvivalParams`] that passed [`SurvivalParams::check`].
pub type SurvivalValidParams = Checked<SurvivalParams>;
