//! NetInf: infer the network of diffusion from infection times by greedy maximisation of a
//! submodular likelihood (spec `netinf.md`; Gomez-Rodriguez, Leskovec, Krause, KDD 2010).
//!
//! [`infer`] runs the exact greedy as a parallel merge of per-node greedy sequences (see
//! [`cpu::greedy`]), reports per step the marginal gain, the objective `F(G_i)`, the
//! Theorem 4 upper bound on `F(OPT_k)` and SNAP's edge statistics, and applies the stopping
//! rules. [`score`] gives a network's log-likelihood over the best tree and over all trees.
//!
//! Indices: node `i` is position `i` of the input's node block (or first appearance); cascade
//! `c` is the `c`-th cascade of the input; the local index `k` of a node problem enumerates
//! the cascades containing the target node, ascending.

/// The per-node problems, gains (the twin of `shaders/netinf/gains.wgsl`) and greedy state
/// machine: exposed for the integration tests and benches that check them against the GPU
/// kernel and the oracles; not API (hidden from the docs, may change).
#[doc(hidden)]
pub mod cpu;
/// The GPU engine behind [`infer_with`] on a GPU backend: exposed for the integration tests and
/// benches (the kernel against its twin, packing into segments); not API.
#[cfg(feature = "gpu")]
#[doc(hidden)]
pub mod gpu;
mod model;
pub mod output;
mod params;
pub mod score;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering as AtomicOrdering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

pub use cpu::greedy::{NodeRun, NodeStep};
pub use model::Model;
pub use params::{NetInfParams, NetInfValidParams, Ties, Weights};

use crate::backend::Backend;
use crate::cascade::NodeCascades;
use crate::error::Result;
use crate::progress::Progress;
use cpu::gains::{NodeIndex, NodeProblem, NodeScratch};
use cpu::greedy::{GreedyScratch, TopKSum, node_greedy, step_order};

/// One selected edge.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// Source node index.
    pub src: u32,
    /// Target node index.
    pub dst: u32,
    /// Marginal gain `δ(src,dst | G_{i−1})`.
    pub gain: f64,
    /// Objective `F(G_i)` (the sum of the gains so far).
    pub objective: f64,
    /// Theorem 4: `F(G_i) + Σ of the k largest current gains`, an upper bound on `F(OPT_k)`.
    pub bound: f64,
    /// Cascades where `src` became the best parent of `dst` (SNAP's `vol`).
    pub vol: u32,
    /// Median Δ over those cascades (SNAP's: the upper median).
    pub median_dt: f64,
    /// Mean Δ over those cascades.
    pub mean_dt: f64,
    /// One-sided Vuong test p-value of this edge (the R package's test, see `vuong_p_value`).
    pub p_value: f64,
}

/// Why the greedy stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// `--edges` edges were selected.
    EdgeLimit,
    /// The best remaining gain was zero.
    ZeroGain,
    /// Every candidate edge was selected.
    CandidatesExhausted,
    /// `F(G_i) >= (1 − ε') · bound_i`.
    StopRatio,
    /// The last edge's Vuong p-value reached the cutoff.
    PValue,
}

/// Sizes and timings of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InferenceStats {
    /// Nodes.
    pub nodes: usize,
    /// Cascades.
    pub cascades: usize,
    /// Candidate edges (ordered pairs with `t_u < t_v` in at least one cascade).
    pub candidates: u64,
    /// (candidate × cascade) incidences, Σ over cascades of the earlier/later pairs.
    pub incidences: u64,
    /// Largest node problem, in incidences (the working memory per thread is ~40 bytes each).
    pub max_node_incidences: u64,
    /// Per-node greedy steps computed (≥ the edges selected; the rest were cut by the k-th
    /// gain bound).
    pub node_steps: u64,
    /// Incidences summed over by every marginal gain evaluated (initial gains and the
    /// re-evaluations after each step), both engines.
    pub incidences_evaluated: u64,
    /// Seconds building node problems and running per-node greedies (parallel phase).
    pub seconds_nodes: f64,
    /// Seconds merging and computing bounds (sequential phase).
    pub seconds_merge: f64,
    /// `"cpu"` or `"gpu"`.
    pub engine: String,
    /// What the GPU engine did (GPU runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu: Option<GpuStats>,
}

/// Sizes of the GPU backend's node batches (unused on the CPU).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct GpuOptions {
    /// Incidences of a batch of node problems resident on the device at once (host ~48 and
    /// device ~24 bytes each, and at most one storage binding per buffer; up to three batches
    /// at a time: one finishing, one running, the next being prepared).
    pub batch_incidences: usize,
    /// Most incidences per storage binding (8 bytes each); `None`: as many as one storage
    /// binding of the device holds. A node over it runs on the host.
    pub segment_incidences: Option<usize>,
    /// Log room beyond one round of every node stepping: `None` for a second such round (the
    /// default); small values make the device pause often for the host to read the logs
    /// (for tests of that path).
    pub log_spare: Option<u32>,
    /// Time every kernel on the device with timestamps written between dispatches (where
    /// the device offers timestamp queries inside passes): `GpuStats::kernel_seconds`. The
    /// timestamps serialize the dispatches, so the run itself is slower.
    pub profile: bool,
}

impl Default for GpuOptions {
    fn default() -> Self {
        GpuOptions {
            batch_incidences: 1 << 24,
            segment_incidences: None,
            log_spare: None,
            profile: false,
        }
    }
}

/// What the GPU backend did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GpuStats {
    /// The adapter.
    pub adapter: String,
    /// Node batches (each resident on the device while its greedies run).
    pub batches: u64,
    /// Lock-step greedy rounds on the device, over all batches.
    pub rounds: u64,
    /// Command buffers submitted (each records many rounds).
    pub submissions: u64,
    /// Times a batch paused for the host to read its logs before going on.
    pub drains: u64,
    /// Bytes written to the device.
    pub bytes_up: u64,
    /// Bytes read back from the device.
    pub bytes_down: u64,
    /// Host CPU seconds outside waits for the device: the engine thread's CPU time
    /// (recording and submitting, reading the logs, host-node greedies) plus the wall time of
    /// preparing the first batch (nothing runs on the device then; later batches are
    /// prepared on other threads while the device works on the ones before).
    pub seconds_host: f64,
    /// Seconds the host waited for the device.
    pub seconds_wait: f64,
    /// Building and packing the node problems (in parallel; after the first batch, on other
    /// threads while the device runs the batches before, so only the first batch's is in
    /// `seconds_host`).
    pub seconds_build: f64,
    /// Creating the device buffers and copying the packed problems into them (on the
    /// preparing thread, as `seconds_build`).
    pub seconds_upload: f64,
    /// Recording and submitting command buffers (wall time; part of `seconds_host`).
    pub seconds_record: f64,
    /// Reading the logs into the node runs (part of `seconds_host`).
    pub seconds_logs: f64,
    /// Gains evaluated on the device (initial ones included).
    pub gains: u64,
    /// Incidences those gains summed over.
    pub incidences: u64,
    /// Nodes whose greedy ran on the host (a non-finite weight or a candidate too long for
    /// one invocation).
    pub host_nodes: u64,
    /// Incidences evaluated by those host greedies.
    pub host_incidences: u64,
    /// With [`GpuOptions::profile`] on a device with timestamp queries inside passes: device
    /// seconds of each greedy kernel over all rounds (between the timestamps before and
    /// after its dispatches), by kernel name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel_seconds: Option<std::collections::BTreeMap<String, f64>>,
}

/// A lower bound on the k-th largest gain of all per-node sequences, raised as nodes finish:
/// a node may stop once its next gain falls below it (nothing cut can be among the first k
/// global steps).
#[derive(Debug)]
pub(crate) struct KthGain {
    pub(crate) limit: Option<usize>,
    heap: Mutex<std::collections::BinaryHeap<std::cmp::Reverse<u64>>>,
    cutoff: AtomicU64,
}

impl KthGain {
    /// For `limit` edges (`None`: no limit, no cutoff).
    pub(crate) fn new(limit: Option<usize>) -> Self {
        KthGain {
            limit,
            heap: Mutex::new(std::collections::BinaryHeap::new()),
            cutoff: AtomicU64::new(0.0f64.to_bits()),
        }
    }

    /// The cutoff for [`cpu::greedy::NodeGreedy::next`] (`None` without a limit).
    pub(crate) fn cutoff(&self) -> Option<&AtomicU64> {
        self.limit.map(|_| &self.cutoff)
    }

    /// Takes a finished node's step gains into account.
    pub(crate) fn offer(&self, run: &NodeRun) {
        if self.limit.is_some() && !run.steps.is_empty() {
            let gains: Vec<f64> = run.steps.iter().map(|s| s.gain).collect();
            self.offer_gains(&gains);
        }
    }

    /// Takes step gains into account (steps of any nodes, as soon as they exist).
    pub(crate) fn offer_gains(&self, gains: &[f64]) {
        let Some(limit) = self.limit else { return };
        if gains.is_empty() {
            return;
        }
        let mut heap = self.heap.lock().expect("no thread panics while holding it");
        for g in gains {
            heap.push(std::cmp::Reverse(g.to_bits()));
            if heap.len() > limit {
                heap.pop();
            }
        }
        if heap.len() == limit
            && let Some(std::cmp::Reverse(bits)) = heap.peek()
        {
            self.cutoff.fetch_max(*bits, AtomicOrdering::Relaxed);
        }
    }
}

/// The result of [`infer`].
#[derive(Clone, Debug, Serialize)]
pub struct Inference {
    /// Selected edges in selection order.
    pub steps: Vec<Step>,
    /// Why it stopped.
    pub stop: StopReason,
    /// The Theorem 4 bound before any edge: the sum of the k largest initial gains.
    pub initial_bound: f64,
    /// Sizes and timings.
    pub stats: InferenceStats,
}

/// Where `--backend auto` runs NetInf: the CPU engine, measured faster than the GPU engine on
/// every host tried (see the README).
pub const AUTO_RULE: crate::backend::AutoRule = crate::backend::AutoRule::Cpu(
    "--backend auto runs netinf on the CPU engine (measured faster than the GPU engine on every \
     host tried, an H100 with 2 to 16 cores included); --backend gpu forces the GPU",
);

/// Runs NetInf on `data` on the CPU.
///
/// # Errors
/// None today on the CPU (parameters come checked); the signature leaves room for I/O.
pub fn infer(
    data: &NodeCascades,
    params: &NetInfValidParams,
    progress: &dyn Progress,
) -> Result<Inference> {
    infer_with(data, params, progress, &Backend::Cpu, GpuOptions::default())
}

/// Runs NetInf on `data` with the per-node gains on `backend`: on the CPU, nodes in parallel
/// over rayon's threads; on a GPU, batches of nodes (sized by `gpu_options`) in lock-step rounds with
/// an exact f64 kernel (see [`gpu`]). Both select the same edges with the same statistics,
/// bit for bit.
///
/// # Errors
/// A GPU error (a device without `SHADER_F64`, a lost device).
pub fn infer_with(
    data: &NodeCascades,
    params: &NetInfValidParams,
    progress: &dyn Progress,
    backend: &Backend,
    gpu_options: GpuOptions,
) -> Result<Inference> {
    #[cfg(not(feature = "gpu"))]
    let _ = gpu_options;
    let t0 = Instant::now();
    let n = data.n_nodes();
    let index = NodeIndex::build(&data.cascades, n);
    #[cfg(feature = "gpu")]
    let (limit, keys) = (params.edges.unwrap_or(usize::MAX), tie_keys(n, params.ties));

    // Phase 1 (parallel): each node's greedy sequence. Once k gains are known, the k-th
    // largest is a lower bound on the final k-th largest: later nodes stop below it.
    let kth = KthGain::new(params.edges);
    progress.set_total(n as u64);
    let (runs, gpu_stats): (Vec<NodeRun>, Option<GpuStats>) = match backend {
        Backend::Cpu => (
            cpu_runs(data, &index, params, 0..n as u32, &kth, progress),
            None,
        ),
        #[cfg(feature = "gpu")]
        Backend::Gpu(ctx) => {
            let (runs, st) = gpu::node_runs(
                ctx,
                &gpu_options,
                &data.cascades,
                &index,
                params,
                &keys,
                limit,
                &kth,
                progress,
            )?;
            (runs, Some(st))
        }
    };
    let seconds_nodes = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();

    let mut inference = merge_runs(data, params, runs)?;
    let stats = &mut inference.stats;
    stats.seconds_nodes = seconds_nodes;
    stats.engine = if gpu_stats.is_some() { "gpu" } else { "cpu" }.to_string();
    if let Some(g) = &gpu_stats {
        // The host nodes' runs counted themselves; the device's evaluations come from its
        // counters.
        stats.incidences_evaluated += g.incidences;
    }
    stats.gpu = gpu_stats;
    stats.seconds_merge = t1.elapsed().as_secs_f64();
    Ok(inference)
}

/// Phase 1 on the CPU for the nodes `nodes`: their greedy sequences in parallel, offering
/// their gains to `kth`'s cutoff.
fn cpu_runs(
    data: &NodeCascades,
    index: &NodeIndex,
    params: &NetInfValidParams,
    nodes: std::ops::Range<u32>,
    kth: &KthGain,
    progress: &dyn Progress,
) -> Vec<NodeRun> {
    let limit = params.edges.unwrap_or(usize::MAX);
    let keys = tie_keys(data.n_nodes(), params.ties);
    let done = AtomicUsize::new(0);
    let total = nodes.len();
    nodes
        .into_par_iter()
        .map_init(
            || {
                (
                    NodeProblem::default(),
                    NodeScratch::default(),
                    GreedyScratch::default(),
                )
            },
            |(problem, scratch, greedy), v| {
                problem.build(v, &data.cascades, index, params, scratch);
                let run = node_greedy(
                    problem,
                    limit.min(problem.n_candidates()),
                    kth.cutoff(),
                    true,
                    &keys,
                    greedy,
                );
                kth.offer(&run);
                let d = done.fetch_add(1, AtomicOrdering::Relaxed) + 1;
                if d.is_multiple_of(256) || d == total {
                    progress.set_position(d as u64);
                }
                run
            },
        )
        .collect()
}

/// The tie keys of the nodes: their order (`Ties::First`) or its reverse.
fn tie_keys(n: usize, ties: Ties) -> Vec<u32> {
    match ties {
        Ties::First => (0..n as u32).collect(),
        Ties::Last => (0..n as u32).rev().collect(),
    }
}

/// Phase 1 for the nodes `nodes` only (a sub-range of `0..n_nodes`), on the CPU: each target
/// node's greedy sequence depends on the cascades alone, never on another node's, so disjoint
/// ranges may run on different machines (`cascadia.spark.netinf`) and [`merge_runs`] of their
/// union selects the same edges, bit for bit, as [`infer`]. (A range's own k-th-gain cutoff is
/// at most the global one: it may keep longer sequences, never cut a selected step.)
///
/// # Errors
/// A range outside `0..n_nodes`.
pub fn node_runs(
    data: &NodeCascades,
    params: &NetInfValidParams,
    nodes: std::ops::Range<u32>,
) -> Result<Vec<NodeRun>> {
    let n = data.n_nodes() as u32;
    if nodes.start > nodes.end || nodes.end > n {
        return Err(crate::error::ParamError {
            field: "nodes",
            value: format!("{}..{}", nodes.start, nodes.end),
            expected: "a range of node indices within 0..(number of nodes)",
        }
        .into());
    }
    let index = NodeIndex::build(&data.cascades, data.n_nodes());
    let kth = KthGain::new(params.edges);
    Ok(cpu_runs(
        data,
        &index,
        params,
        nodes,
        &kth,
        &crate::progress::NoProgress,
    ))
}

/// Phase 2: merges every node's greedy sequence (`runs`, one per node of `data` in any order,
/// from [`node_runs`] or the engines) into the global greedy: selection order, objective,
/// Theorem 4 bound, p-values and the stopping rules. Single-threaded.
///
/// # Errors
/// `runs` that do not hold each node of `data` exactly once.
pub fn merge_runs(
    data: &NodeCascades,
    params: &NetInfValidParams,
    mut runs: Vec<NodeRun>,
) -> Result<Inference> {
    let n = data.n_nodes();
    runs.sort_by_key(|r| r.node);
    if runs.len() != n || runs.iter().enumerate().any(|(i, r)| r.node as usize != i) {
        return Err(crate::error::ParamError {
            field: "runs",
            value: format!("{} node runs", runs.len()),
            expected: "exactly one run per node of the cascades (node indices 0..n, each once)",
        }
        .into());
    }
    let limit = params.edges.unwrap_or(usize::MAX);
    let keys = tie_keys(n, params.ties);
    // Phase 2 (sequential): merge, objective, bound, p-values, stopping rules.
    let mut base = Vec::with_capacity(n + 1);
    let mut stats = InferenceStats {
        nodes: n,
        cascades: data.cascades.len(),
        ..Default::default()
    };
    base.push(0usize);
    for r in &runs {
        stats.candidates += u64::from(r.n_candidates);
        stats.incidences += r.n_incidences;
        stats.max_node_incidences = stats.max_node_incidences.max(r.n_incidences);
        stats.node_steps += r.steps.len() as u64;
        stats.incidences_evaluated += r.incidences_evaluated;
        base.push(base.last().copied().unwrap_or(0) + r.n_candidates as usize);
    }
    let mut order: Vec<(f64, u32, u32, u32)> = runs
        .iter()
        .flat_map(|r| {
            r.steps
                .iter()
                .enumerate()
                .map(move |(j, s)| (s.gain, s.src, r.node, j as u32))
        })
        .collect();
    order.sort_unstable_by(|a, b| {
        let key = |x: &(f64, u32, u32, u32)| (x.0, keys[x.1 as usize], keys[x.2 as usize]);
        step_order(key(a), key(b))
    });
    order.truncate(limit);

    let mut initial = vec![0.0; base[n]];
    for r in &runs {
        for &(i, g) in &r.initial {
            initial[base[r.node as usize] + i as usize] = g;
        }
    }
    let k_bound = params.edges.unwrap_or(initial.len());
    let mut topk = TopKSum::new(k_bound, initial);
    let initial_bound = topk.sum();
    let n_casc = data.cascades.len();
    let mut steps = Vec::with_capacity(order.len());
    let mut objective = 0.0;
    let mut stop = None;
    for &(gain, src, dst, j) in &order {
        let run = &runs[dst as usize];
        let s = &run.steps[j as usize];
        debug_assert_eq!((s.src, s.gain.to_bits()), (src, gain.to_bits()));
        for &(cand, g) in &run.deltas[s.delta_start as usize..s.delta_end as usize] {
            topk.update(base[dst as usize] + cand as usize, g);
        }
        objective += gain;
        let bound = objective + topk.sum();
        let p_value = vuong_p_value(gain, s.sum_sq, n_casc);
        steps.push(Step {
            src,
            dst,
            gain,
            objective,
            bound,
            vol: s.vol,
            median_dt: s.median_dt,
            mean_dt: s.mean_dt,
            p_value,
        });
        if let Some(r) = params.stop_ratio
            && objective >= (1.0 - r) * bound
        {
            stop = Some(StopReason::StopRatio);
            break;
        }
        if let Some(cut) = params.p_value_cutoff
            && p_value >= cut
        {
            stop = Some(StopReason::PValue);
            break;
        }
    }
    let stop = stop.unwrap_or(if steps.len() == limit {
        StopReason::EdgeLimit
    } else if steps.len() as u64 == stats.candidates {
        StopReason::CandidatesExhausted
    } else {
        StopReason::ZeroGain
    });
    Ok(Inference {
        steps,
        stop,
        initial_bound,
        stats,
    })
}

/// The R package's one-sided Vuong test for adding an edge: per-cascade log-likelihood
/// differences `l_c = Δ_c − 1/n` (a penalty of one log-likelihood unit per edge, spread
/// over the n cascades), statistic `Σ l / (sd(l) √n)`, p = `1 − Φ(stat)` with Φ from
/// Abramowitz–Stegun 7.1.26 as in the package (absolute error < 1.5e-7). `gain = Σ Δ_c`,
/// `sum_sq = Σ Δ_c²`.
pub(crate) fn vuong_p_value(gain: f64, sum_sq: f64, n: usize) -> f64 {
    if n < 2 {
        return f64::NAN;
    }
    let nf = n as f64;
    let sum_l = gain - 1.0;
    let sum_l2 = sum_sq - 2.0 * gain / nf + 1.0 / nf;
    let var = ((sum_l2 - sum_l * sum_l / nf) / (nf - 1.0)).max(0.0);
    let sd = var.sqrt();
    if sd == 0.0 {
        return if sum_l > 0.0 { 0.0 } else { 1.0 };
    }
    let stat = sum_l / (sd * nf.sqrt());
    1.0 - normal_cdf(stat)
}

/// Φ(x) by Abramowitz–Stegun 7.1.26 (as the R package computes it).
pub(crate) fn normal_cdf(x: f64) -> f64 {
    let (a1, a2, a3, a4, a5, p) = (
        0.254829592,
        -0.284496736,
        1.421413741,
        -1.453152027,
        1.061405429,
        0.3275911,
    );
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + p * x);
    let y = 1.0 - (((((a5 * t + a4) * t) + a3) * t + a2) * t + a1) * t * (-x * x).exp();
    0.5 * (1.0 + sign * y)
}
