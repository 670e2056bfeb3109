//! Transmission likelihoods (spec `netinf.md`, Model): log densities of the time
//! difference `Δ = t_v − t_u > 0` under a global rate α, computed in log space so that a
//! long delay gives a very negative number rather than `log(0) = −∞`.

use serde::{Deserialize, Serialize};

/// The transmission (incubation) model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Exponential `f(Δ) = α e^{−αΔ}` (SNAP `-m:0`).
    #[default]
    Exp,
    /// Power law `f(Δ) = (α − 1) Δ^{−α}`, α > 1 (SNAP `-m:1`).
    Pow,
    /// Rayleigh `f(Δ) = α Δ e^{−αΔ²/2}` (SNAP `-m:2`; the R package's scale σ is α = 1/σ²).
    Ray,
}

impl Model {
    /// `log f(Δ)` for `Δ > 0`.
    #[inline]
    pub fn log_density(self, alpha: f64, dt: f64) -> f64 {
        debug_assert!(dt > 0.0);
        match self {
            Model::Exp => alpha.ln() - alpha * dt,
            Model::Pow => (alpha - 1.0).ln() - alpha * dt.ln(),
            Model::Ray => alpha.ln() + dt.ln() - 0.5 * alpha * dt * dt,
        }
    }

    /// `f(Δ)` itself (may underflow to 0 for long delays; used by the all-trees score).
    pub fn density(self, alpha: f64, dt: f64) -> f64 {
        self.log_density(alpha, dt).exp()
    }

    /// The name used on the command line and in summaries.
    pub fn name(self) -> &'static str {
        match self {
            Model::Exp => "exp",
            Model::Pow => "pow",
            Model::Ray => "ray",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_density_matches_the_density_formulas() {
        let (a, dt) = (1.7_f64, 0.8_f64);
        let exp = a * (-a * dt).exp();
        let pow = (a - 1.0) * dt.powf(-a);
        let ray = a * dt * (-0.5 * a * dt * dt).exp();
        for (m, f) in [(Model::Exp, exp), (Model::Pow, pow), (Model::Ray, ray)] {
            let got = m.log_density(a, dt);
            assert!((got - f.ln()).abs() < 1e-14, "{m:?}: {got} vs {}", f.ln());
        }
        // Far beyond exp's underflow the log stays finite and ordered.
        assert!(Model::Exp.log_density(1.0, 1e4) < Model::Exp.log_density(1.0, 1e3));
    }
}
