//! NetInf parameters, validated once before any work.

use serde::{Deserialize, Serialize};

use super::Model;
use crate::checked::Checked;
use crate::error::ParamError;

/// How candidate edges and the "no parent" alternative are weighted.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Weights {
    /// SNAP (the default): an edge weighs `f(Δ)`, a node without a parent in the graph gets
    /// the constant ε-edge `epsilon` (SNAP: 1e-64).
    Snap {
        /// The ε-edge weight.
        epsilon: f64,
    },
    /// The paper / R package variant: network edges weigh `β f(Δ)`, ε-edges `ε f(Δ)` and a
    /// node's initial parent is its best ε-parent among earlier nodes (R: β 0.5, ε 1e-10).
    Paper {
        /// Weight of network edges.
        beta: f64,
        /// Weight of ε-edges.
        epsilon: f64,
    },
}

impl Default for Weights {
    fn default() -> Self {
        Weights::Snap { epsilon: 1e-64 }
    }
}

/// Which of two equal gains the greedy takes first. With continuous times gains are
/// distinct; ties are common under the paper weights, where a cascade's improvement is often
/// exactly `log(β/ε)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// The edge whose source (then target) comes first in the input's node order.
    #[default]
    First,
    /// The edge whose source (then target) comes last: the R package's rule (its scan keeps
    /// the last of equal improvements over pairs sorted by node).
    Last,
}

/// NetInf parameters. Defaults: SNAP semantics, exponential model, α = 1, no edge limit
/// (stop at zero gain), no stopping rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetInfParams {
    /// Transmission model.
    pub model: Model,
    /// Global rate α (> 0; > 1 for the power law).
    pub alpha: f64,
    /// Maximum number of edges k (also the k of the Theorem 4 bound). `None`: until the
    /// gains reach zero or the candidates run out (the bound then uses every candidate).
    pub edges: Option<usize>,
    /// Edge and ε-edge weights.
    pub weights: Weights,
    /// The paper's online stopping rule: stop once `F(G_i) >= (1 − ε') · bound_i`.
    pub stop_ratio: Option<f64>,
    /// Tie rule between equal gains.
    pub ties: Ties,
    /// The R package's automatic edge count: stop after the first edge whose one-sided
    /// Vuong test p-value is `>= cutoff` (that edge is kept, as in R).
    pub p_value_cutoff: Option<f64>,
}

impl Default for NetInfParams {
    fn default() -> Self {
        NetInfParams {
            model: Model::Exp,
            alpha: 1.0,
            edges: None,
            weights: Weights::default(),
            stop_ratio: None,
            ties: Ties::First,
            p_value_cutoff: None,
        }
    }
}

impl NetInfParams {
    /// Checks every parameter and returns the parameters inference takes.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first parameter out of range (`alpha`, `edges`, `beta`,
    /// `epsilon`, `stop_ratio`, `p_value_cutoff`).
    pub fn check(self) -> Result<NetInfValidParams, ParamError> {
        let bad = |field, value: f64, expected| {
            Err(ParamError {
                field,
                value: value.to_string(),
                expected,
            })
        };
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return bad("alpha", self.alpha, "must be a finite number > 0");
        }
        if self.model == Model::Pow && self.alpha <= 1.0 {
            return bad(
                "alpha",
                self.alpha,
                "must be > 1 for the power-law model ((α − 1) Δ^−α is a density only then)",
            );
        }
        if self.edges == Some(0) {
            return Err(ParamError {
                field: "edges",
                value: "0".into(),
                expected: "must be >= 1 (omit it to run until the gains reach zero)",
            });
        }
        let eps = match self.weights {
            Weights::Snap { epsilon } => epsilon,
            Weights::Paper { beta, epsilon } => {
                if !(beta.is_finite() && beta > 0.0) {
                    return bad("beta", beta, "must be a finite number > 0 (R: 0.5)");
                }
                if epsilon >= beta {
                    return bad(
                        "epsilon",
                        epsilon,
                        "must be smaller than beta (an ε-edge is the weak alternative)",
                    );
                }
                epsilon
            }
        };
        if !(eps.is_finite() && eps > 0.0) {
            return bad("epsilon", eps, "must be a finite number > 0 (SNAP: 1e-64)");
        }
        if let Some(r) = self.stop_ratio
            && !(r.is_finite() && (0.0..1.0).contains(&r))
        {
            return bad("stop_ratio", r, "must be in [0, 1) (e.g. 0.05)");
        }
        if let Some(p) = self.p_value_cutoff
            && !(p.is_finite() && p > 0.0 && p <= 1.0)
        {
            return bad("p_value_cutoff", p, "must be in (0, 1] (R: 0.05)");
        }
        Ok(Checked::accepted(self))
    }
}

/// [`NetInfParams`] that passed [`NetInfParams::check`]: the only form inference and scoring
/// take (see [`Checked`]).
pub type NetInfValidParams = Checked<NetInfParams>;

impl TryFrom<NetInfParams> for NetInfValidParams {
    type Error = ParamError;

    fn try_from(p: NetInfParams) -> Result<Self, ParamError> {
        p.check()
    }
}
