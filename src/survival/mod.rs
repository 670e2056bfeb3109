//! Network inference with survival models (spec `survival.md`; Gomez-Rodriguez, Leskovec,
//! Schölkopf, ICML 2013): the additive risk model (NetRate's exponential, power-law and
//! Rayleigh shapes) and the multiplicative risk model with an L1 penalty.
//!
//! Both problems separate by target node: each node's column of rates is the optimum of a
//! small convex program built from the cascades (`problem.rs`), solved by an active-set
//! Newton method (`solver.rs`) until its optimality certificate holds, all nodes in parallel.
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

#[cfg(feature = "gpu")]
pub mod gpu;
pub mod metrics;
pub mod output;
mod params;
pub(crate) mod problem;
pub mod simulate;
pub(crate) mod solver;
pub mod validate;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

pub use params::{Baseline, Shape, SurvivalModel, SurvivalParams, SurvivalValidParams};
use problem::{Additive, Index, Multiplicative, Scratch};
use solver::{Outcome, Penalty, Settings, Smooth};

use crate::backend::{AutoRule, Backend};
use crate::cascade::NodeCascades;
use crate::error::{Error, Result};
use crate::progress::Progress;

/// What `--backend auto` picks: the CPU. The GPU only computes the additive model's warm
/// start (EM sweeps); the Newton polish and the certificate run on the CPU either way, and
/// no real-GPU measurement yet shows it faster.
pub const AUTO_RULE: AutoRule = AutoRule::Cpu(
    "survival: --backend auto runs on the CPU (the GPU engine computes only the warm start; not yet measured faster on a real GPU)",
);

/// EM sweeps of the additive model's warm start (CPU and GPU alike).
pub(crate) const EM_SWEEPS: usize = 30;

/// One node's fit and its nonzero parameters, or why the data could not be fitted.
type NodeResult = Result<(NodeFit, Vec<Edge>)>;

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
    /// Counters of the GPU path (None on the CPU).
    #[cfg(feature = "gpu")]
    pub gpu: Option<gpu::GpuStats>,
    /// Counters of the GPU path (always None without the `gpu` feature).
    #[cfg(not(feature = "gpu"))]
    pub gpu: Option<()>,
}

/// Each cascade's observation horizon (source time + its window: `windows[c]` when given and
/// not NaN, else `window`, else its own last infection), checking that no infection lies
/// beyond it.
///
/// # Errors
/// [`Error::InvalidInfection`] for an infection after the horizon; [`Error::Data`] when
/// `windows` does not have one entry per cascade.
pub fn horizons(
    data: &NodeCascades,
    window: Option<f64>,
    windows: Option<&[f64]>,
) -> Result<Vec<f64>> {
    if let Some(w) = windows
        && w.len() != data.cascades.len()
    {
        return Err(Error::Data(format!(
            "{} per-cascade windows for {} cascades",
            w.len(),
            data.cascades.len()
        )));
    }
    let mut out = Vec::with_capacity(data.cascades.len());
    for (ci, c) in data.cascades.iter().enumerate() {
        let Some(&t_src) = c.times.first() else {
            out.push(0.0);
            continue;
        };
        let own = windows.map(|w| w[ci]).filter(|t| !t.is_nan());
        let length = own.or(window);
        let h = match length {
            Some(t) => t_src + t,
            None => *c.times.last().unwrap_or(&t_src),
        };
        if let Some(q) = c.times.iter().position(|&t| t > h) {
            return Err(Error::InvalidInfection {
                cascade: c.name.to_string(),
                node: data.id(c.users[q].0).to_string(),
                time: c.times[q],
                what: format!(
                    "after the observation window: the source is at {t_src} and the window is {} (ends at {h}); give a larger {}",
                    length.unwrap_or(h - t_src),
                    if own.is_some() {
                        "window for this cascade"
                    } else {
                        "--window"
                    }
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
pub fn fit(
    data: &NodeCascades,
    params: &SurvivalValidParams,
    progress: &dyn Progress,
) -> Result<Fit> {
    fit_with(data, params, progress, &Backend::Cpu)
}

/// [`fit`] with the additive model's warm start on `backend` (the multiplicative model
/// always runs on the CPU). The certified optimum is the same: the GPU only chooses where the
/// CPU's Newton polish starts.
///
/// # Errors
/// As [`fit`]; a GPU error.
pub fn fit_with(
    data: &NodeCascades,
    params: &SurvivalValidParams,
    progress: &dyn Progress,
    backend: &Backend,
) -> Result<Fit> {
    let t0 = Instant::now();
    let n = data.n_nodes();
    let ix = Index::new(
        data,
        horizons(data, params.window, params.windows.as_deref())?,
    );
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
        SurvivalModel::Additive { shape, delta } => (ix.gamma_totals(shape, delta), 0.0),
        SurvivalModel::Multiplicative { baseline, b, .. } => {
            (Vec::new(), ix.lambda_total(baseline, b))
        }
    };
    let node_done = || {
        let k = done.fetch_add(1, Ordering::Relaxed) + 1;
        if k.is_multiple_of(64) || k == n as u64 {
            progress.set_position(k);
        }
    };
    #[cfg(feature = "gpu")]
    let mut gpu_stats = None;
    let results: Vec<NodeResult> = match (backend, params.model) {
        #[cfg(feature = "gpu")]
        (Backend::Gpu(ctx), SurvivalModel::Additive { shape, delta }) => {
            let mut st = gpu::GpuStats {
                adapter: ctx.describe(),
                ..Default::default()
            };
            let r = fit_additive_gpu(
                ctx,
                &ix,
                params,
                settings,
                shape,
                delta,
                &gamma_total,
                &mut st,
                &node_done,
            )?;
            gpu_stats = Some(st);
            r
        }
        _ => (0..n as u32)
            .into_par_iter()
            .map_init(
                || Scratch::new(n, data.cascades.len()),
                |sc, i| {
                    let r = fit_node(&ix, i, params, settings, &gamma_total, lambda_total, sc);
                    node_done();
                    r
                },
            )
            .collect(),
    };
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
            && (st.min_grad_off_support.is_nan()
                || node.min_grad_off_support < st.min_grad_off_support)
        {
            st.min_grad_off_support = node.min_grad_off_support;
        }
        out.nodes.push(node);
        out.edges.extend(edges);
    }
    #[cfg(feature = "gpu")]
    {
        out.gpu = gpu_stats;
    }
    #[cfg(not(feature = "gpu"))]
    let _ = backend;
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
    match params.model {
        SurvivalModel::Additive { shape, delta } => {
            let p = build_additive(ix, i, shape, delta, gamma_total, sc)?;
            if p.cand.is_empty() {
                return Ok((empty(i, 0), Vec::new()));
            }
            let x = p.em(EM_SWEEPS);
            Ok(solve_additive(i, &p, &x, settings, params.keep_zeros))
        }
        SurvivalModel::Multiplicative {
            baseline,
            b,
            lambda,
        } => {
            let p = Multiplicative::build(ix, i, baseline, b, lambda_total, sc);
            if p.cand.is_empty() {
                return Ok((empty(i, p.n_terms), Vec::new()));
            }
            let sol = solver::solve(&p, Penalty::L1(lambda), vec![0.0; p.n()], settings);
            let a = sol.x.clone();
            Ok(finish(i, sol, p.n_terms, &p.cand, &a, params.keep_zeros))
        }
    }
}

/// A node without variables.
fn empty(i: u32, n_terms: usize) -> NodeFit {
    NodeFit {
        node: i,
        n_vars: 0,
        n_terms,
        support: 0,
        objective: 0.0,
        stationarity: 0.0,
        min_grad_off_support: f64::NAN,
        iterations: 0,
        status: NodeStatus::Empty,
    }
}

/// Node `i`'s additive problem, with the power law's zero-hazard infections as errors.
fn build_additive(
    ix: &Index<'_>,
    i: u32,
    shape: Shape,
    delta: f64,
    gamma_total: &[f64],
    sc: &mut Scratch,
) -> Result<Additive> {
    Additive::build(ix, i, shape, delta, gamma_total, sc).map_err(|z| {
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
    })
}

/// The Newton polish of an additive problem from an EM point `x_em`, to the certificate.
fn solve_additive(
    i: u32,
    p: &Additive,
    x_em: &[f64],
    settings: Settings,
    keep_zeros: bool,
) -> (NodeFit, Vec<Edge>) {
    let sol = solver::solve(p, Penalty::NonNegative, p.start_from(x_em), settings);
    let alpha: Vec<f64> = sol.x.iter().zip(&p.s).map(|(x, s)| x / s).collect();
    finish(i, sol, p.n_terms(), &p.cand, &alpha, keep_zeros)
}

/// The GPU path of the additive model: nodes in chunks; each chunk's problems are built in
/// parallel, their warm starts computed on the device in batches under the binding limit
/// (nodes over the loop limit on the host), then polished in parallel.
#[cfg(feature = "gpu")]
#[allow(
    clippy::too_many_arguments,
    reason = "the CPU path's state, passed through rather than bundled for one caller"
)]
fn fit_additive_gpu(
    ctx: &crate::gpu::Context,
    ix: &Index<'_>,
    params: &SurvivalValidParams,
    settings: Settings,
    shape: Shape,
    delta: f64,
    gamma_total: &[f64],
    stats: &mut gpu::GpuStats,
    node_done: &(dyn Fn() + Sync),
) -> Result<Vec<NodeResult>> {
    if !ctx.has_f64() {
        return Err(crate::gpu::GpuError::MissingFeature {
            adapter: ctx.describe(),
            feature: "64-bit floats (SHADER_F64)".into(),
            what: "the survival model's f64 EM kernels".into(),
        }
        .into());
    }
    let n = ix.data.n_nodes() as u32;
    // Entries per batch: under the binding limit, and ~100 MB of device buffers (24 bytes an
    // entry) so that host packing and staging stay bounded.
    let budget = (ctx.max_binding_bytes() / 8).min(1 << 22) as usize;
    let mut results = Vec::with_capacity(n as usize);
    // Chunks of nodes sized from the entries per node seen so far, to fill one device batch
    // (one round trip) per chunk while holding at most about a batch of problems on the host.
    let mut chunk = 1024u32;
    let mut lo = 0u32;
    while lo < n {
        let hi = lo.saturating_add(chunk).min(n);
        let problems: Vec<Additive> = (lo..hi)
            .into_par_iter()
            .map_init(
                || Scratch::new(n as usize, ix.data.cascades.len()),
                |sc, i| build_additive(ix, i, shape, delta, gamma_total, sc),
            )
            .collect::<Result<_>>()?;
        let mut points: Vec<Option<Vec<f64>>> = vec![None; problems.len()];
        let mut batch: Vec<usize> = Vec::new();
        let mut entries = 0usize;
        let flush = |batch: &mut Vec<usize>,
                     points: &mut Vec<Option<Vec<f64>>>,
                     stats: &mut gpu::GpuStats|
         -> Result<()> {
            if batch.is_empty() {
                return Ok(());
            }
            let refs: Vec<&Additive> = batch.iter().map(|&q| &problems[q]).collect();
            let xs = gpu::em_batch(ctx, &refs, EM_SWEEPS, stats)?;
            for (&q, x) in batch.iter().zip(xs) {
                points[q] = Some(x);
            }
            batch.clear();
            Ok(())
        };
        for (q, p) in problems.iter().enumerate() {
            if p.cand.is_empty() {
                continue;
            }
            if !gpu::fits(p) || p.var.len() > budget {
                stats.host_nodes += 1;
                continue;
            }
            if entries + p.var.len() > budget {
                flush(&mut batch, &mut points, stats)?;
                entries = 0;
            }
            entries += p.var.len();
            batch.push(q);
        }
        flush(&mut batch, &mut points, stats)?;
        let seen: usize = problems.iter().map(|p| p.var.len()).sum();
        let per_node = (seen / problems.len().max(1)).max(1);
        chunk = (budget / per_node).clamp(256, 1 << 20) as u32;
        let solved: Vec<NodeResult> = problems
            .par_iter()
            .zip(points.into_par_iter())
            .enumerate()
            .map(|(q, (p, x))| {
                let i = lo + q as u32;
                let r = if p.cand.is_empty() {
                    (empty(i, 0), Vec::new())
                } else {
                    let x = x.unwrap_or_else(|| p.em(EM_SWEEPS));
                    solve_additive(i, p, &x, settings, params.keep_zeros)
                };
                node_done();
                Ok(r)
            })
            .collect();
        results.extend(solved);
        lo = hi;
    }
    Ok(results)
}

/// A node's result from its solution.
fn finish(
    i: u32,
    solution: solver::Solution,
    n_terms: usize,
    cand: &[u32],
    values: &[f64],
    keep_zeros: bool,
) -> (NodeFit, Vec<Edge>) {
    let status = match solution.outcome {
        Outcome::Optimal => NodeStatus::Optimal,
        Outcome::IterationLimit => NodeStatus::IterationLimit,
        Outcome::Stalled => NodeStatus::Stalled,
    };
    let mut edges: Vec<Edge> = cand
        .iter()
        .zip(values)
        .filter(|(_, v)| keep_zeros || **v != 0.0)
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
    (node, edges)
}

#[cfg(test)]
mod tests {
    use super::problem::{Additive, Index, Multiplicative, Scratch};
    use super::solver::{self, Outcome, Penalty, Settings, Smooth, certificate};
    use super::*;
    use crate::progress::NoProgress;
    use proptest::prelude::*;

    const SETTINGS: Settings = Settings {
        tol: 1e-9,
        max_iterations: 1000,
    };

    /// Random cascades over `n` nodes: each cascade a random subset in random order with
    /// increasing times in (0, 10), some single-node.
    fn cascades() -> impl Strategy<Value = (usize, Vec<Vec<(u32, f64)>>)> {
        (2usize..5)
            .prop_flat_map(|n| {
                let cascade = proptest::collection::vec((0..n as u32, 0.01f64..3.0), 1..=n);
                (Just(n), proptest::collection::vec(cascade, 1..7))
            })
            .prop_map(|(n, raw)| {
                let cs = raw
                    .into_iter()
                    .map(|c| {
                        let mut t = 0.0;
                        let mut seen = Vec::new();
                        let mut out = Vec::new();
                        for (k, (u, d)) in c.into_iter().enumerate() {
                            if seen.contains(&u) {
                                continue;
                            }
                            seen.push(u);
                            if k > 0 {
                                t += d;
                            }
                            out.push((u, t));
                        }
                        out
                    })
                    .collect();
                (n, cs)
            })
    }

    fn additive(data: &NodeCascades, window: f64, shape: Shape) -> Vec<Additive> {
        let ix = Index::new(data, horizons(data, Some(window), None).unwrap());
        let total = ix.gamma_totals(shape, 1.0);
        let mut sc = Scratch::new(data.n_nodes(), data.cascades.len());
        (0..data.n_nodes() as u32)
            .map(|i| Additive::build(&ix, i, shape, 1.0, &total, &mut sc).unwrap())
            .collect()
    }

    /// The objective in α straight from the spec's definition, cascade by cascade.
    fn nll_direct(data: &NodeCascades, i: u32, window: f64, alpha: &dyn Fn(u32) -> f64) -> f64 {
        let mut v = 0.0;
        for c in data.cascades.iter() {
            let h = c.times[0] + window;
            let at = c.users.iter().position(|u| u.0 == i);
            match at {
                Some(q) => {
                    let ti = c.times[q];
                    let mut hazard = 0.0;
                    let mut any = false;
                    for (t, u) in c.times.iter().zip(c.users) {
                        if *t < ti {
                            any = true;
                            hazard += alpha(u.0);
                            v += alpha(u.0) * (ti - t);
                        }
                    }
                    if any {
                        v -= hazard.ln();
                    }
                }
                None => {
                    for (t, u) in c.times.iter().zip(c.users) {
                        v += alpha(u.0) * (h - t);
                    }
                }
            }
        }
        v
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Brute force: on tiny problems no point of a dense grid (nor the long-run EM fixed
        /// point) beats the solver, the certificate holds, Σ α_j S_j = n_terms, and the
        /// objective equals the spec's definition evaluated cascade by cascade.
        #[test]
        fn additive_optimum_beats_a_dense_grid((n, cs) in cascades()) {
            let data = NodeCascades::from_cascades(n, &cs).unwrap();
            for (i, p) in additive(&data, 10.0, Shape::Exp).iter().enumerate() {
                if p.cand.is_empty() {
                    continue;
                }
                let sol = solver::solve(p, Penalty::NonNegative, p.start_from(&p.em(30)), SETTINGS);
                prop_assert_eq!(sol.outcome, Outcome::Optimal);
                let sum: f64 = sol.x.iter().sum();
                prop_assert!((sum - p.n_terms() as f64).abs() <= 1e-9 * sum.max(1.0), "Σ x = {} vs {}", sum, p.n_terms());
                let alpha = |j: u32| p.cand.iter().position(|&c| c == j).map_or(0.0, |q| sol.x[q] / p.s[q]);
                let direct = nll_direct(&data, i as u32, 10.0, &alpha);
                prop_assert!((direct - sol.objective).abs() <= 1e-10 * direct.abs().max(1.0), "{} vs {}", direct, sol.objective);
                // Long-run EM: a different algorithm converging to the same optimum.
                let em = p.em(20_000);
                prop_assert!(sol.objective <= p.value(&em) + 1e-12 * sol.objective.abs().max(1.0));
                if p.n() <= 3 {
                    let hi: Vec<f64> = sol.x.iter().map(|x| 3.0 * x + 1.0).collect();
                    let steps = 40usize;
                    let mut x = vec![0.0; p.n()];
                    let mut best = f64::INFINITY;
                    for k in 0..steps.pow(p.n() as u32) {
                        let mut r = k;
                        for (q, xq) in x.iter_mut().enumerate() {
                            *xq = hi[q] * (r % steps) as f64 / (steps - 1) as f64;
                            r /= steps;
                        }
                        best = best.min(p.value(&x));
                    }
                    prop_assert!(sol.objective <= best + 1e-12 * best.abs().max(1.0), "grid {} < solver {}", best, sol.objective);
                }
            }
        }

        /// The multiplicative model against a grid over a ∈ [−4, 4]^n (n ≤ 2) and a
        /// perturbation test: no nearby point has a lower F.
        #[test]
        fn multiplicative_optimum_beats_a_grid((n, cs) in cascades(), lambda in 0.0f64..2.0, base in 0usize..3) {
            let data = NodeCascades::from_cascades(n, &cs).unwrap();
            let baseline = [Baseline::Const, Baseline::Linear, Baseline::Inverse][base];
            let ix = Index::new(&data, horizons(&data, Some(10.0), None).unwrap());
            let total = ix.lambda_total(baseline, -1.0);
            let mut sc = Scratch::new(n, data.cascades.len());
            for i in 0..n as u32 {
                let p = Multiplicative::build(&ix, i, baseline, -1.0, total, &mut sc);
                if p.cand.is_empty() {
                    continue;
                }
                let pen = Penalty::L1(lambda);
                let sol = solver::solve(&p, pen, vec![0.0; p.n()], SETTINGS);
                prop_assert_eq!(sol.outcome, Outcome::Optimal, "{:?}", sol);
                let f = |a: &[f64]| solver::objective(&p, pen, a);
                let mut rng_state = 12345u64;
                for _ in 0..200 {
                    let a: Vec<f64> = sol.x.iter().map(|v| {
                        rng_state = rng_state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        v + ((rng_state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 1e-3
                    }).collect();
                    prop_assert!(sol.objective <= f(&a) + 1e-12 * sol.objective.abs().max(1.0));
                }
                if p.n() <= 2 {
                    let steps = 161usize;
                    let mut a = vec![0.0; p.n()];
                    let mut best = f64::INFINITY;
                    for k in 0..steps.pow(p.n() as u32) {
                        let mut r = k;
                        for aq in a.iter_mut() {
                            *aq = -4.0 + 8.0 * (r % steps) as f64 / (steps - 1) as f64;
                            r /= steps;
                        }
                        best = best.min(f(&a));
                    }
                    prop_assert!(sol.objective <= best + 1e-12 * best.abs().max(1.0), "grid {} < solver {}", best, sol.objective);
                }
            }
        }
    }

    /// The certificate catches a solution that is not optimal: a support value moved by 1%
    /// breaks stationarity; a support variable set to 0 shows a negative off-support gradient.
    #[test]
    fn the_certificate_flips_on_a_perturbed_solution() {
        let data = NodeCascades::from_cascades(
            3,
            &[
                vec![(0, 0.0), (1, 1.0), (2, 1.5)],
                vec![(1, 0.0), (2, 0.7)],
                vec![(0, 0.0), (2, 2.0)],
                vec![(2, 0.0), (0, 3.0)],
            ],
        )
        .unwrap();
        let p = &additive(&data, 10.0, Shape::Exp)[2];
        let sol = solver::solve(p, Penalty::NonNegative, p.start_from(&p.em(30)), SETTINGS);
        assert_eq!(sol.outcome, Outcome::Optimal);
        let mut g = vec![0.0; p.n()];
        p.gradient(&sol.x, &mut g);
        let (stat, _) = certificate(p, Penalty::NonNegative, &sol.x, &g);
        assert!(stat <= 1e-9);
        let q = sol.x.iter().position(|&x| x > 0.0).unwrap();
        let mut moved = sol.x.clone();
        moved[q] *= 1.01;
        p.gradient(&moved, &mut g);
        let (stat, _) = certificate(p, Penalty::NonNegative, &moved, &g);
        assert!(stat > 1e-4, "a 1% move must break stationarity: {stat}");
        let mut zeroed = sol.x.clone();
        zeroed[q] = 0.0;
        if p.value(&zeroed).is_finite() {
            p.gradient(&zeroed, &mut g);
            let (_, off) = certificate(p, Penalty::NonNegative, &zeroed, &g);
            assert!(
                off < -1e-4,
                "a dropped support variable has a negative gradient: {off}"
            );
        }
    }

    /// Exponential NetRate by hand: one parent, k infections after delays d_1…d_k, and c
    /// cascades where the parent is infected and the child is not (censored until the
    /// cascade's source time + T): α = k / (Σ d + Σ (t_src + T − t)).
    #[test]
    fn one_parent_rate_is_infections_over_exposure() {
        let data = NodeCascades::from_cascades(
            2,
            &[
                vec![(0, 0.0), (1, 1.0)],
                vec![(0, 0.0), (1, 2.5)],
                vec![(0, 1.0)],
                vec![(0, 0.0), (1, 0.5)],
            ],
        )
        .unwrap();
        let params = SurvivalParams {
            window: Some(10.0),
            ..Default::default()
        }
        .check()
        .unwrap();
        let out = fit(&data, &params, &NoProgress).unwrap();
        let want = 3.0 / (1.0 + 2.5 + 0.5 + 10.0);
        assert_eq!(out.edges.len(), 1);
        assert!(
            (out.edges[0].value - want).abs() < 1e-12,
            "{} vs {want}",
            out.edges[0].value
        );
        assert_eq!(out.nodes[0].status, NodeStatus::Empty);
        assert_eq!(out.nodes[1].n_terms, 3);
        // NLL = α S − 3 log α = 3 − 3 log α at the optimum.
        assert!((out.nodes[1].objective - (3.0 - 3.0 * want.ln())).abs() < 1e-12);
    }

    /// Per-cascade windows: the censored cascade's exposure is its own window; a window given
    /// for one cascade admits a later infection there; the wrong count is an error.
    #[test]
    fn per_cascade_windows_set_each_horizon() {
        let data = NodeCascades::from_cascades(
            2,
            &[
                vec![(0, 0.0), (1, 11.0)],
                vec![(0, 0.0)],
                vec![(0, 0.0), (1, 1.0)],
            ],
        )
        .unwrap();
        let params = SurvivalParams {
            window: Some(10.0),
            windows: Some(vec![12.0, 4.0, f64::NAN]),
            ..Default::default()
        }
        .check()
        .unwrap();
        let out = fit(&data, &params, &NoProgress).unwrap();
        // Two infections over 11 + 1 units of delay and 4 of censored exposure.
        assert!(
            (out.edges[0].value - 2.0 / 16.0).abs() < 1e-12,
            "{}",
            out.edges[0].value
        );
        let mut p = params.into_inner();
        p.windows = Some(vec![12.0]);
        let e = fit(&data, &p.check().unwrap(), &NoProgress)
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 per-cascade windows for 3 cascades"), "{e}");
        let bad = SurvivalParams {
            windows: Some(vec![0.0]),
            ..Default::default()
        };
        assert_eq!(bad.check().unwrap_err().field, "windows");
    }

    #[test]
    fn infections_after_the_window_and_zero_hazards_are_errors() {
        let data = NodeCascades::from_cascades(2, &[vec![(0, 0.0), (1, 12.0)]]).unwrap();
        let params = SurvivalParams {
            window: Some(10.0),
            ..Default::default()
        }
        .check()
        .unwrap();
        let e = fit(&data, &params, &NoProgress).unwrap_err().to_string();
        assert!(e.contains("node \"1\"") && e.contains("window"), "{e}");
        let data = NodeCascades::from_cascades(2, &[vec![(0, 0.0), (1, 0.5)]]).unwrap();
        let params = SurvivalParams {
            model: SurvivalModel::Additive {
                shape: Shape::Pow,
                delta: 1.0,
            },
            window: Some(10.0),
            ..Default::default()
        }
        .check()
        .unwrap();
        let e = fit(&data, &params, &NoProgress).unwrap_err().to_string();
        assert!(e.contains("zero hazard") && e.contains("--delta"), "{e}");
    }

    #[test]
    fn parameters_out_of_range_name_the_parameter() {
        let bad = |p: SurvivalParams| p.check().unwrap_err().field;
        let base = SurvivalParams::default();
        assert_eq!(
            bad(SurvivalParams {
                window: Some(0.0),
                ..base.clone()
            }),
            "window"
        );
        assert_eq!(
            bad(SurvivalParams {
                window: Some(-1.0),
                ..base.clone()
            }),
            "window"
        );
        assert_eq!(
            bad(SurvivalParams {
                model: SurvivalModel::Additive {
                    shape: Shape::Pow,
                    delta: 0.0
                },
                ..base.clone()
            }),
            "delta"
        );
        assert_eq!(
            bad(SurvivalParams {
                model: SurvivalModel::Multiplicative {
                    baseline: Baseline::Const,
                    b: -3.0,
                    lambda: -1.0
                },
                ..base.clone()
            }),
            "lambda"
        );
        assert_eq!(
            bad(SurvivalParams {
                tol: 0.0,
                ..base.clone()
            }),
            "tol"
        );
    }
}
