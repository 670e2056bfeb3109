//! Network inference with survival models (spec `survival.md`; Gomez-Rodriguez, Leskovec,
//! Schölkopf, ICML 2013): the additive risk model (NetRate's exponential, power-law and
//! Rayleigh shapes) and the multiplicative risk model with an L1 penalty.
//!
//! Both problems separate by target node: each node's column of rates is the optimum of a
//! small convex program built from the cascades ([`problem`]), solved by an active-set
//! Newton method ([`solver`]) until its optimality certificate holds, all nodes in parallel.
//! Every result carries that certificate ([`NodeFit`]).
//!
//! ```
//! use cascadia::cascade::NodeCascades;
//! use cascadia::survival::{fit, SurvivalParams};
//!
//! // Node 0 infects 1 twice, after 1 and 2 time units; node 1 is never a parent.
//! let data = NodeCascades::from_cascades(2, &[vec![(0, 0.0), (1, 1.0)], vec![(0, 0.0), (1, 2.0)]])?;
//! let params = SurvivalParams { window: Some(10.0), ..Default::default() }.check()?;
//! let out = fit(&data, &params, &cascadia::progress::NoProgress)?;
//! // NetRate's exponential MLE: 2 infections over 1 + 2 units of exposure.
//! assert!((out.edges[0].value - 2.0 / 3.0).abs() < 1e-12);
//! assert!(out.nodes[1].status.is_optimal());
//! # Ok::<(), cascadia::Error>(())
//! ```

pub mod metrics;
pub mod output;
mod params;
pub(crate) mod problem;
pub mod simulate;
pub(crate) mod solver;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

pub use params::{Baseline, Shape, SurvivalModel, SurvivalParams, SurvivalValidParams};
use problem::{Additive, Index, Multiplicative, Scratch, shape_fns};
use solver::{Outcome, Penalty, Settings, Smooth};

use crate::cascade::NodeCascades;
use crate::error::{Error, Result};
use crate::progress::Progress;

/// How one node's fit ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    /// The certificate holds within the tolerance.
    Optimal,
    /// No variables: never infected, or only as a source (column 0, objective 0).
    Empty,
    /// The Newton step limit came first.
    IterationLimit,
    /// No step improved the objective or the residual any more, short of the tolerance.
    Stalled,
}

impl NodeStatus {
    /// The name written in `nodes.csv`.
    pub fn name(self) -> &'static str {
        match self {
            NodeStatus::Optimal => "optimal",
            NodeStatus::Empty => "empty",
            NodeStatus::IterationLimit => "iteration_limit",
            NodeStatus::Stalled => "stalled",
        }
    }

    /// Optimal or empty: a result that may be used.
    pub fn is_optimal(self) -> bool {
        matches!(self, NodeStatus::Optimal | NodeStatus::Empty)
    }
}

/// One node's result and its optimality certificate.
#[derive(Clone, Debug, Serialize)]
pub struct NodeFit {
    /// The node (index into the data's nodes).
    pub node: u32,
    /// Variables (candidate parents).
    pub n_vars: usize,
    /// Log terms (cascades where the node is infected after some other node).
    pub n_terms: usize,
    /// Variables not 0 at the optimum.
    pub support: usize,
    /// The objective at the result: `NLL_i` (additive) or `F_i` including `λ‖a‖₁`.
    pub objective: f64,
    /// Largest scaled gradient residual on the support.
    pub stationarity: f64,
    /// Smallest scaled margin off the support (≥ −tol at the optimum; NaN: none off it).
    pub min_grad_off_support: f64,
    /// Newton steps.
    pub iterations: usize,
    /// How the fit ended.
    pub status: NodeStatus,
}

/// One inferred parameter: α_ji (additive) or a_ji (multiplicative) of the edge `src → dst`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    /// The parent j.
    pub src: u32,
    /// The target i.
    pub dst: u32,
    /// α_ji or a_ji.
    pub value: f64,
}

/// Totals of a fit.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FitStats {
    /// Variables over all nodes.
    pub variables: u64,
    /// Log terms over all nodes.
    pub terms: u64,
    /// Nonzero parameters.
    pub support: u64,
    /// Newton steps over all nodes.
    pub iterations: u64,
    /// Nodes whose certificate does not hold.
    pub not_optimal: usize,
    /// Largest stationarity residual over all nodes.
    pub max_stationarity: f64,
    /// Smallest off-support margin over all nodes (NaN: none).
    pub min_grad_off_support: f64,
    /// Seconds to index the cascades.
    pub seconds_index: f64,
    /// Seconds to build and solve every node.
    pub seconds_solve: f64,
}

/// The result of a fit.
#[derive(Clone, Debug, Default)]
pub struct Fit {
    /// One per node, in node order.
    pub nodes: Vec<NodeFit>,
    /// The parameters by target then parent (node order); zeros only with `keep_zeros`.
    pub edges: Vec<Edge>,
    /// Totals.
    pub stats: FitStats,
}

/// Each cascade's observation horizon (source time + T, or its last time), checking that no
/// infection lies beyond it.
///
/// # Errors
/// [`Error::InvalidInfection`] for an infection after the horizon.
pub fn horizons(data: &NodeCascades, window: Option<f64>) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(data.cascades.len());
    for c in data.cascades.iter() {
        let Some(&t_src) = c.times.first() else {
            out.push(0.0);
            continue;
        };
        let h = match window {
            Some(t) => t_src + t,
            None => *c.times.last().unwrap_or(&t_src),
        };
        if let Some(q) = c.times.iter().position(|&t| t > h) {
            return Err(Error::InvalidInfection {
                cascade: c.name.to_string(),
                node: data.id(c.users[q].0).to_string(),
                time: c.times[q],
                what: format!(
                    "after the observation window: the source is at {t_src} and the window is {} (ends at {h}); give a larger --window",
                    window.unwrap_or(h - t_src)
                ),
            });
        }
        out.push(h);
    }
    Ok(out)
}

/// Fits the model to every node (in parallel) and certifies each optimum.
///
/// # Errors
/// An infection beyond the window; under `pow`, an infection no earlier node can explain
/// (every earlier node within δ: zero hazard).
pub fn fit(data: &NodeCascades, params: &SurvivalValidParams, progress: &dyn Progress) -> Result<Fit> {
    let t0 = Instant::now();
    let n = data.n_nodes();
    let ix = Index::new(data, horizons(data, params.window)?);
    let seconds_index = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    progress.set_total(n as u64);
    let done = AtomicU64::new(0);
    let settings = Settings {
        tol: params.tol,
        max_iterations: params.max_iterations,
    };
    // Per-model totals over all cascades.
    let (gamma_total, lambda_total) = match params.model {
        SurvivalModel::Additive { shape, delta } => {
            let mut total = vec![0.0; n];
            for (c, casc) in data.cascades.iter().enumerate() {
                for (t, u) in casc.times.iter().zip(casc.users) {
                    total[u.0 as usize] += shape_fns(shape, delta, ix.horizon[c] - t).1;
                }
            }
            (total, 0.0)
        }
        SurvivalModel::Multiplicative { baseline, b, .. } => {
            let eb = b.exp();
            let total = data
                .cascades
                .iter()
                .zip(&ix.horizon)
                .filter_map(|(c, &h)| {
                    c.times
                        .first()
                        .map(|&s| eb * problem::baseline_integral(baseline, s, h, s))
                })
                .sum();
            (Vec::new(), total)
        }
    };
    let results: Vec<Result<(NodeFit, Vec<Edge>)>> = (0..n as u32)
        .into_par_iter()
        .map_init(
            || Scratch::new(n, data.cascades.len()),
            |sc, i| {
                let r = fit_node(&ix, i, params, settings, &gamma_total, lambda_total, sc);
                let k = done.fetch_add(1, Ordering::Relaxed) + 1;
                if k % 64 == 0 || k == n as u64 {
                    progress.set_position(k);
                }
                r
            },
        )
        .collect();
    let mut out = Fit::default();
    out.stats.min_grad_off_support = f64::NAN;
    for r in results {
        let (node, edges) = r?;
        let st = &mut out.stats;
        st.variables += node.n_vars as u64;
        st.terms += node.n_terms as u64;
        st.support += node.support as u64;
        st.iterations += node.iterations as u64;
        if !node.status.is_optimal() {
            st.not_optimal += 1;
        }
        st.max_stationarity = st.max_stationarity.max(node.stationarity);
        if !node.min_grad_off_support.is_nan()
            && (st.min_grad_off_support.is_nan() || node.min_grad_off_support < st.min_grad_off_support)
        {
            st.min_grad_off_support = node.min_grad_off_support;
        }
        out.nodes.push(node);
        out.edges.extend(edges);
    }
    out.stats.seconds_index = seconds_index;
    out.stats.seconds_solve = t1.elapsed().as_secs_f64();
    Ok(out)
}

fn fit_node(
    ix: &Index<'_>,
    i: u32,
    params: &SurvivalValidParams,
    settings: Settings,
    gamma_total: &[f64],
    lambda_total: f64,
    sc: &mut Scratch,
) -> Result<(NodeFit, Vec<Edge>)> {
    let empty = |n_terms| NodeFit {
        node: i,
        n_vars: 0,
        n_terms,
        support: 0,
        objective: 0.0,
        stationarity: 0.0,
        min_grad_off_support: f64::NAN,
        iterations: 0,
        status: NodeStatus::Empty,
    };
    let (solution, n_terms, cand, values) = match params.model {
        SurvivalModel::Additive { shape, delta } => {
            let p = Additive::build(ix, i, shape, delta, gamma_total, sc).map_err(|z| {
                let c = ix.data.cascades.get(z.cascade as usize);
                let q = c.users.iter().position(|u| u.0 == i).unwrap_or(0);
                Error::InvalidInfection {
                    cascade: c.name.to_string(),
                    node: ix.data.id(i).to_string(),
                    time: c.times[q],
                    what: format!(
                        "every earlier node is within δ = {delta} of it: zero hazard under the power law; lower --delta"
                    ),
                }
            })?;
            if p.cand.is_empty() {
                return Ok((empty(0), Vec::new()));
            }
            let x0 = p.start(30);
            let sol = solver::solve(&p, Penalty::NonNegative, x0, settings);
            let alpha: Vec<f64> = sol.x.iter().zip(&p.s).map(|(x, s)| x / s).collect();
            (sol, p.n_terms(), p.cand, alpha)
        }
        SurvivalModel::Multiplicative { baseline, b, lambda } => {
            let p = Multiplicative::build(ix, i, baseline, b, lambda_total, sc);
            if p.cand.is_empty() {
                return Ok((empty(p.n_terms), Vec::new()));
            }
            let x0 = vec![0.0; p.n()];
            let sol = solver::solve(&p, Penalty::L1(lambda), x0, settings);
            let a = sol.x.clone();
            (sol, p.n_terms, p.cand, a)
        }
    };
    let status = match solution.outcome {
        Outcome::Optimal => NodeStatus::Optimal,
        Outcome::IterationLimit => NodeStatus::IterationLimit,
        Outcome::Stalled => NodeStatus::Stalled,
    };
    let mut edges: Vec<Edge> = cand
        .iter()
        .zip(&values)
        .filter(|(_, v)| params.keep_zeros || **v != 0.0)
        .map(|(&j, &v)| Edge {
            src: j,
            dst: i,
            value: v,
        })
        .collect();
    edges.sort_unstable_by_key(|e| e.src);
    let node = NodeFit {
        node: i,
        n_vars: cand.len(),
        n_terms,
        support: values.iter().filter(|v| **v != 0.0).count(),
        objective: solution.objective,
        stationarity: solution.stationarity,
        min_grad_off_support: solution.min_grad_off_support,
        iterations: solution.iterations,
        status,
    };
    Ok((node, edges))
}
