//! GPU path of the threshold simulation: a batch of runs (every node of every run, run-major)
//! advanced by two kernels per round — `spread.wgsl` (the nodes activated at step t add
//! their out-edges' units to inactive targets, integer atomics) and `activate.wgsl`
//! (acc ≥ need) — after `seed.wgsl` writes the seeds, and `count.wgsl` tallies new
//! activations per run and step: every round of a batch in one submission, one host round
//! trip per batch.
//!
//! Nothing of size runs × nodes crosses the bus unless the activations are kept: the graph,
//! the denominators and (fixed thresholds) the needs are uploaded once; per batch only the
//! seed cells and one draw key per run go up (uniform thresholds are drawn on the device
//! by the same integer hash as the CPU, [`super::simulate::uniform_need`]), and only the
//! per-step counts come back (the whole state with `keep`). The state and accumulator
//! buffers start zeroed on the device; without `keep` they are made once and the count
//! kernel clears them behind itself for the next batch (no allocation per batch).
//!
//! Integer units make the result independent of the order of the atomic adds, so the device
//! equals the CPU twin ([`super::simulate::twin`]) and the frontier engine bit for bit.

use std::time::Instant;

use serde::Serialize;

use super::Graph;
use super::simulate::{Run, RunResult, ThresholdSource, chunks, draw_key, results_from_state};
use crate::gpu::{Binding, Context, Dispatch, GpuError, KernelSpec, dispatch};

/// Uniform parameters of every threshold kernel.
/// Mirrors struct RoundParams in shaders/threshold/spread.wgsl (and seed, activate, count) — keep in sync (checked by
/// tests/integration/shaders.rs).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct RoundParams {
    /// Nodes.
    pub n: u32,
    /// Edge chunks.
    pub chunks: u32,
    /// Runs in the batch.
    pub runs: u32,
    /// The round's step t.
    pub step: u32,
    /// 0: fixed needs; 1: uniform draws from the run keys.
    pub mode: u32,
    /// Rounds of the simulation (count.wgsl's row length − 1).
    pub steps: u32,
    /// Invocations of this dispatch.
    pub items: u32,
    /// Padding to 32 bytes.
    pub _pad: u32,
}

const fn kernel(
    name: &'static str,
    source: &'static str,
    bindings: &'static [Binding],
) -> KernelSpec {
    KernelSpec {
        name,
        source,
        entry: "main",
        workgroup_size: [64, 1, 1],
        bindings,
    }
}

/// Seeds: state = 1 at each seed cell.
pub const SEED: KernelSpec = kernel(
    "cascadia.threshold.seed",
    include_str!("../../shaders/threshold/seed.wgsl"),
    &[Binding::Uniform, Binding::ReadOnly, Binding::ReadWrite],
);

/// Nodes activated at t spread their units.
pub const SPREAD: KernelSpec = kernel(
    "cascadia.threshold.spread",
    include_str!("../../shaders/threshold/spread.wgsl"),
    &[
        Binding::Uniform,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadWrite,
    ],
);

/// Inactive nodes whose units reach their need activate at t + 1.
pub const ACTIVATE: KernelSpec = kernel(
    "cascadia.threshold.activate",
    include_str!("../../shaders/threshold/activate.wgsl"),
    &[
        Binding::Uniform,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadWrite,
    ],
);

/// New activations per run and step; clears the state and accumulators behind itself.
pub const COUNT: KernelSpec = kernel(
    "cascadia.threshold.count",
    include_str!("../../shaders/threshold/count.wgsl"),
    &[
        Binding::Uniform,
        Binding::ReadWrite,
        Binding::ReadWrite,
        Binding::ReadWrite,
    ],
);

/// Longest edge loop of one spread invocation.
pub const CHUNK_EDGES: u32 = 4096;

/// Most (run, node) cells per batch whatever the binding limit (host memory per batch:
/// three arrays of this many u32).
const MAX_CELLS: u64 = 1 << 28;

/// Counters of the GPU path: what predicts its cost on a real GPU.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GpuStats {
    /// The adapter.
    pub adapter: String,
    /// Batches (= submissions = host round trips).
    pub batches: u64,
    /// Kernel dispatches.
    pub dispatches: u64,
    /// Runs per batch (the largest).
    pub runs_per_batch: u64,
    /// Bytes uploaded.
    pub bytes_up: u64,
    /// Bytes read back.
    pub bytes_down: u64,
    /// Seconds inside submissions (upload, kernels, read-back).
    pub seconds_device: f64,
    /// Seconds of host work outside them (thresholds, initial states, results).
    pub seconds_host: f64,
    /// Seconds of the whole call (the rest: graph upload, buffer creation and release).
    pub seconds_total: f64,
}

/// Simulates every run on the device (see the module docs); the results equal
/// [`super::simulate::simulate_cpu`]'s.
///
/// # Errors
/// A buffer over the binding limit (the graph's edges), a validation error, a lost device.
pub fn simulate(
    ctx: &Context,
    g: &Graph,
    source: &ThresholdSource,
    runs: &[Run],
    steps: u32,
    keep: bool,
    stats: &mut GpuStats,
) -> Result<Vec<RunResult>, GpuError> {
    let n = g.n_nodes();
    stats.adapter = ctx.describe();
    if n == 0 || runs.is_empty() {
        return Ok(runs
            .iter()
            .map(|_| RunResult {
                new_per_step: vec![0; steps as usize + 1],
                activations: Vec::new(),
            })
            .collect());
    }
    let t0 = Instant::now();
    let list = chunks(g, CHUNK_EDGES);
    let flat: Vec<u32> = list.iter().flatten().copied().collect();
    fn non_empty(v: &[u32]) -> Vec<u32> {
        if v.is_empty() { vec![0] } else { v.to_vec() }
    }
    let (mode, fixed) = match source {
        ThresholdSource::Fixed(_) => {
            let mut v = Vec::new();
            source.needs_into(g, 0, &mut v);
            (0u32, v)
        }
        ThresholdSource::Uniform { .. } => (1u32, vec![0]),
    };
    let up = |label: &str, v: &[u32]| ctx.upload(label, bytemuck::cast_slice(&non_empty(v)));
    let graph_bufs = [
        up("cascadia.threshold.chunks", &flat)?,
        up("cascadia.threshold.out_dst", &g.out_dst)?,
        up("cascadia.threshold.out_q", &g.out_q)?,
        up("cascadia.threshold.need", &fixed)?,
        up("cascadia.threshold.den", &g.den)?,
        up("cascadia.threshold.max_units", &g.max_units)?,
    ];
    stats.bytes_up += graph_bufs.iter().map(|b| b.bytes()).sum::<u64>();
    let [chunk_buf, dst_buf, q_buf, need_buf, den_buf, max_buf] = &graph_bufs;
    let per_run = 4 * n as u64;
    let batch = ((ctx.max_binding_bytes() / per_run).min(MAX_CELLS / n as u64)).max(1) as usize;
    stats.runs_per_batch = stats.runs_per_batch.max(batch.min(runs.len()) as u64);
    let mut out = Vec::with_capacity(runs.len());
    let cells_max = batch.min(runs.len()) * n;
    // Reused across batches without `keep` (count.wgsl leaves them zeroed).
    let reused = if keep {
        None
    } else {
        Some((
            ctx.zeroed("cascadia.threshold.state", cells_max as u64 * 4)?,
            ctx.zeroed("cascadia.threshold.acc", cells_max as u64 * 4)?,
        ))
    };
    stats.seconds_host += t0.elapsed().as_secs_f64();
    for group in runs.chunks(batch) {
        let th = Instant::now();
        let cells = group.len() * n;
        let seed_cells: Vec<u32> = group
            .iter()
            .enumerate()
            .flat_map(|(r, run)| run.seeds.iter().map(move |&v| (r * n) as u32 + v))
            .collect();
        let keys: Vec<u32> = match source {
            ThresholdSource::Uniform { seed } => {
                group.iter().map(|r| draw_key(*seed, r.draw)).collect()
            }
            ThresholdSource::Fixed(_) => vec![0],
        };
        stats.seconds_host += th.elapsed().as_secs_f64();
        let td = Instant::now();
        let seed_buf = up("cascadia.threshold.seed_cells", &seed_cells)?;
        let key_buf = up("cascadia.threshold.keys", &keys)?;
        let fresh;
        let (state_buf, acc_buf) = match &reused {
            Some((s, a)) => (s, a),
            None => {
                fresh = (
                    ctx.zeroed("cascadia.threshold.state", cells as u64 * 4)?,
                    ctx.zeroed("cascadia.threshold.acc", cells as u64 * 4)?,
                );
                (&fresh.0, &fresh.1)
            }
        };
        let count_len = group.len() * (steps as usize + 1);
        let count_buf = ctx.zeroed("cascadia.threshold.counts", count_len as u64 * 4)?;
        stats.bytes_up += seed_buf.bytes() + key_buf.bytes();
        let spread_items = u32::try_from(list.len() as u64 * group.len() as u64)
            .map_err(|_| GpuError::Map("too many (run, chunk) pairs in one batch".into()))?;
        let base = RoundParams {
            n: n as u32,
            chunks: list.len() as u32,
            runs: group.len() as u32,
            step: 0,
            mode,
            steps,
            items: 0,
            _pad: 0,
        };
        let seed_p = RoundParams {
            items: seed_cells.len() as u32,
            ..base
        };
        let spread_p: Vec<RoundParams> = (0..steps)
            .map(|t| RoundParams {
                step: t,
                items: spread_items,
                ..base
            })
            .collect();
        let activate_p: Vec<RoundParams> = (0..steps)
            .map(|t| RoundParams {
                step: t,
                items: cells as u32,
                ..base
            })
            .collect();
        let count_p = RoundParams {
            items: cells as u32,
            ..base
        };
        let seed_bufs = [&seed_buf, state_buf];
        let spread_bufs = [chunk_buf, dst_buf, q_buf, state_buf, acc_buf];
        let activate_bufs = [need_buf, den_buf, max_buf, &key_buf, acc_buf, state_buf];
        let count_bufs = [state_buf, acc_buf, &count_buf];
        let grid = |items: u32| dispatch::grid_1d(items.max(1), 64);
        let mut ds = Vec::with_capacity(2 * steps as usize + 2);
        ds.push(Dispatch {
            kernel: &SEED,
            uniform: bytemuck::bytes_of(&seed_p),
            buffers: &seed_bufs,
            grid: grid(seed_p.items),
        });
        for t in 0..steps as usize {
            ds.push(Dispatch {
                kernel: &SPREAD,
                uniform: bytemuck::bytes_of(&spread_p[t]),
                buffers: &spread_bufs,
                grid: grid(spread_items),
            });
            ds.push(Dispatch {
                kernel: &ACTIVATE,
                uniform: bytemuck::bytes_of(&activate_p[t]),
                buffers: &activate_bufs,
                grid: grid(cells as u32),
            });
        }
        let reads: Vec<(&crate::gpu::GpuBuffer, u64)> = if keep {
            vec![(state_buf, cells as u64 * 4)]
        } else {
            ds.push(Dispatch {
                kernel: &COUNT,
                uniform: bytemuck::bytes_of(&count_p),
                buffers: &count_bufs,
                grid: grid(cells as u32),
            });
            vec![(&count_buf, count_len as u64 * 4)]
        };
        let back = ctx.submit(&ds, &reads)?;
        stats.batches += 1;
        stats.dispatches += ds.len() as u64;
        stats.bytes_down += back.iter().map(|b| b.len() as u64).sum::<u64>();
        stats.seconds_device += td.elapsed().as_secs_f64();
        let th = Instant::now();
        let words: Vec<u32> = back
            .first()
            .map(|b| bytemuck::pod_collect_to_vec(b))
            .unwrap_or_default();
        if keep {
            out.extend(results_from_state(&words, n, steps, true));
        } else {
            out.extend(words.chunks(steps as usize + 1).map(|c| RunResult {
                new_per_step: c.to_vec(),
                activations: Vec::new(),
            }));
        }
        stats.seconds_host += th.elapsed().as_secs_f64();
    }
    drop(reused);
    stats.seconds_total += t0.elapsed().as_secs_f64();
    Ok(out)
}
