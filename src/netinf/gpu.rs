//! GPU path of NetInf: the marginal gains of the per-node greedies, batched across nodes.
//!
//! Nodes are taken in batches (by incidences, [`GpuOptions::batch_incidences`]). A batch's
//! node problems are built on the host, packed into segments (each one set of bindings under
//! the device's storage limit) and uploaded once; the concatenated `best_c(v)` of all its
//! nodes lives in one buffer. The greedies of the batch then advance in lock-step rounds:
//! every unfinished node selects its next edge on the host (`NodeGreedy::next`, cheap:
//! a heap pop and the changed cascades), the new `best` array and the lists of affected
//! candidates go up, one submission evaluates every listed gain of every node
//! (`shaders/netinf/gains.wgsl`), and the gains come back to `NodeGreedy::apply`. One host
//! round trip per round, not per candidate or per node; rounds = the most steps of a node.
//!
//! The kernel is exact (see the WGSL header): the GPU engine's gains equal the CPU's bit for
//! bit, so it selects the same edges with the same statistics; there is no tolerance and no
//! near-tie to confirm. Candidates with more than `MAX_CANDIDATE_INCIDENCES` incidences (a
//! long loop for one invocation) or with a non-finite weight or initial best are evaluated on
//! the host.

use std::time::Instant;

use rayon::prelude::*;

use super::cpu::gains::{NodeIndex, NodeProblem, NodeScratch, PackedGains};
use super::cpu::greedy::{NodeGreedy, NodeRun};
use super::{GpuOptions, GpuStats, KthGain};
use crate::cascade::CascadeSet;
use crate::gpu::{Binding, Context, Dispatch, GpuBuffer, GpuError, KernelSpec, dispatch};
use crate::netinf::NetInfValidParams;
use crate::progress::Progress;

/// Uniform parameters of the gains kernel.
/// Mirrors struct GainsParams in shaders/netinf/gains.wgsl — keep in sync (checked by
/// tests/integration/shaders.rs).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GainsParams {
    /// Gains to compute.
    pub n_items: u32,
    /// 1: item `i` is candidate `list[i]`; 0: item `i` is candidate `i`.
    pub use_list: u32,
    /// Padding to 16 bytes.
    pub _pad0: u32,
    /// Padding to 16 bytes.
    pub _pad1: u32,
}

/// The gains kernel.
pub const GAINS: KernelSpec = KernelSpec {
    name: "cascadia.netinf.gains",
    source: include_str!("../../shaders/netinf/gains.wgsl"),
    entry: "main",
    workgroup_size: [64, 1, 1],
    bindings: &[
        Binding::Uniform,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadWrite,
    ],
};

/// Longest loop of one invocation: candidates with more incidences run on the host.
pub(crate) const MAX_CANDIDATE_INCIDENCES: usize = 1 << 16;

/// A batch of node problems packed for the kernel.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// The segments.
    pub segments: Vec<PackedGains>,
    /// Segment of each batch candidate (`u32::MAX` for host candidates).
    pub seg_of: Vec<u32>,
    /// Index of each batch candidate inside its segment.
    pub local: Vec<u32>,
    /// First batch candidate of each node (and the total).
    pub cand_base: Vec<usize>,
    /// First index into the batch's `best` of each node (and the total).
    pub best_base: Vec<usize>,
}

/// Marks a candidate evaluated on the host.
pub const HOST: u32 = u32::MAX;

/// Packs `problems` into segments of at most `segment_incidences` incidences and candidates.
pub fn pack(problems: &[NodeProblem], segment_incidences: usize) -> Batch {
    let cap = segment_incidences.max(1);
    let max_loop = MAX_CANDIDATE_INCIDENCES.min(cap);
    let mut b = Batch {
        cand_base: vec![0],
        best_base: vec![0],
        ..Default::default()
    };
    let mut seg = PackedGains {
        inc_start: vec![0],
        ..Default::default()
    };
    for p in problems {
        let base = *b.best_base.last().expect("starts with 0");
        // The kernel sees finite values only (WGSL lets implementations assume no ∞/NaN);
        // the rare candidates with a −∞ weight (a Rayleigh delay past 1e154) or into a node
        // whose initial best is −∞ are evaluated on the host, with IEEE semantics.
        let node_host = p.init_best.iter().any(|b| !b.is_finite());
        for j in 0..p.n_candidates() {
            let r = p.inc_start[j] as usize..p.inc_start[j + 1] as usize;
            let host = node_host
                || r.len() > max_loop
                || p.inc_w[r.clone()].iter().any(|w| !w.is_finite());
            if host {
                b.seg_of.push(HOST);
                b.local.push(0);
                continue;
            }
            if seg.inc_k.len() + r.len() > cap || seg.n_candidates() + 1 > cap {
                b.segments.push(std::mem::replace(
                    &mut seg,
                    PackedGains {
                        inc_start: vec![0],
                        ..Default::default()
                    },
                ));
            }
            b.seg_of.push(b.segments.len() as u32);
            b.local.push(seg.n_candidates() as u32);
            seg.inc_k.extend(
                p.inc_k[r.clone()]
                    .iter()
                    .map(|&k| (base + k as usize) as u32),
            );
            seg.inc_w.extend_from_slice(&p.inc_w[r]);
            seg.inc_start.push(seg.inc_k.len() as u32);
        }
        b.cand_base
            .push(b.cand_base.last().expect("starts with 0") + p.n_candidates());
        b.best_base.push(base + p.init_best.len());
    }
    if seg.n_candidates() > 0 {
        b.segments.push(seg);
    }
    b
}

struct DeviceSegment {
    n: u32,
    list: GpuBuffer,
    inc_start: GpuBuffer,
    inc_k: GpuBuffer,
    inc_w: GpuBuffer,
    out: GpuBuffer,
}

/// A packed [`Batch`] resident on the device with its `best` array.
pub struct DeviceBatch {
    segs: Vec<DeviceSegment>,
    best: GpuBuffer,
}

impl DeviceBatch {
    /// Uploads `batch` and `best` (indexed as the batch's `inc_k`).
    ///
    /// # Errors
    /// A buffer over the device's binding limit.
    pub fn upload(ctx: &Context, batch: &Batch, best: &[f64]) -> Result<Self, GpuError> {
        let mut segs = Vec::with_capacity(batch.segments.len());
        for s in &batch.segments {
            let n = s.n_candidates() as u32;
            segs.push(DeviceSegment {
                n,
                list: ctx.zeroed("cascadia.netinf.list", u64::from(n) * 4)?,
                inc_start: ctx.upload(
                    "cascadia.netinf.inc_start",
                    bytemuck::cast_slice(&s.inc_start),
                )?,
                inc_k: ctx.upload("cascadia.netinf.inc_k", bytemuck::cast_slice(&s.inc_k))?,
                inc_w: ctx.upload("cascadia.netinf.inc_w", bytemuck::cast_slice(&s.inc_w))?,
                out: ctx.zeroed("cascadia.netinf.out", u64::from(n) * 8)?,
            });
        }
        let best = ctx.upload("cascadia.netinf.best", bytemuck::cast_slice(best))?;
        Ok(DeviceBatch { segs, best })
    }

    /// Replaces the `best` array (same length as uploaded).
    pub fn set_best(&self, ctx: &Context, best: &[f64]) {
        ctx.write(&self.best, bytemuck::cast_slice(best));
    }

    /// The host side of the `gains` kernel (`shaders/netinf/gains.wgsl`; CPU twin
    /// `cpu/gains.rs::gains`): for each segment `s`, the gains of the segment-local candidates `lists[s]` (or of
    /// every candidate when `lists` is `None`), all in one submission: one vector per
    /// segment.
    ///
    /// # Errors
    /// A lost device, a validation error or a failed read-back.
    pub fn gains(
        &self,
        ctx: &Context,
        lists: Option<&[Vec<u32>]>,
    ) -> Result<Vec<Vec<f64>>, GpuError> {
        let segs = &self.segs;
        let mut uniforms = Vec::with_capacity(segs.len());
        let mut used = Vec::with_capacity(segs.len());
        for (s, d) in segs.iter().enumerate() {
            let n = match lists {
                Some(l) => {
                    if l[s].is_empty() {
                        continue;
                    }
                    ctx.write(&d.list, bytemuck::cast_slice(&l[s]));
                    l[s].len() as u32
                }
                None => d.n,
            };
            if n == 0 {
                continue;
            }
            uniforms.push(GainsParams {
                n_items: n,
                use_list: u32::from(lists.is_some()),
                _pad0: 0,
                _pad1: 0,
            });
            used.push(s);
        }
        let buffers: Vec<[&GpuBuffer; 6]> = used
            .iter()
            .map(|&s| {
                let d = &segs[s];
                [
                    &d.list,
                    &d.inc_start,
                    &d.inc_k,
                    &d.inc_w,
                    &self.best,
                    &d.out,
                ]
            })
            .collect();
        let dispatches: Vec<Dispatch> = uniforms
            .iter()
            .zip(&buffers)
            .map(|(u, b)| Dispatch {
                kernel: &GAINS,
                uniform: bytemuck::bytes_of(u),
                buffers: b,
                grid: dispatch::grid_1d(u.n_items, GAINS.workgroup_size[0]),
            })
            .collect();
        let reads: Vec<(&GpuBuffer, u64)> = used
            .iter()
            .zip(&uniforms)
            .map(|(&s, u)| (&segs[s].out, u64::from(u.n_items) * 8))
            .collect();
        let res = ctx.submit(&dispatches, &reads)?;
        let mut out = vec![Vec::new(); segs.len()];
        for (u, &s) in used.iter().enumerate() {
            out[s] = crate::gpu::f64s(&res[u]);
        }
        Ok(out)
    }
}

/// Runs the greedies of `problems` to completion with gains on the GPU (see the module
/// docs); the runs equal [`super::cpu::greedy::node_greedy`]'s.
///
/// # Errors
/// A GPU error (limits, validation, lost device, read-back).
pub(crate) fn run_batch(
    ctx: &Context,
    problems: &[NodeProblem],
    segment_incidences: usize,
    limit: usize,
    kth: &KthGain,
    keys: &[u32],
    stats: &mut GpuStats,
) -> Result<Vec<NodeRun>, GpuError> {
    let batch = pack(problems, segment_incidences);
    let mut best_all: Vec<f64> = problems
        .iter()
        .flat_map(|p| p.init_best.iter().copied())
        .collect();
    let t = Instant::now();
    let dev = DeviceBatch::upload(ctx, &batch, &best_all)?;
    stats.batches += 1;
    stats.segments += batch.segments.len() as u64;
    let initial = dev.gains(ctx, None)?;
    stats.rounds += 1;
    stats.gains += batch
        .segments
        .iter()
        .map(|s| s.n_candidates() as u64)
        .sum::<u64>();
    stats.incidences += batch
        .segments
        .iter()
        .map(|s| s.inc_k.len() as u64)
        .sum::<u64>();
    stats.seconds_device += t.elapsed().as_secs_f64();

    let n = problems.len();
    let mut states: Vec<NodeGreedy> = (0..n).map(|_| NodeGreedy::default()).collect();
    let host_initial: u64 = states
        .par_iter_mut()
        .zip(problems)
        .enumerate()
        .map(|(i, (st, p))| {
            let mut host = 0;
            let g: Vec<f64> = (0..p.n_candidates())
                .map(|j| {
                    let c = batch.cand_base[i] + j;
                    match batch.seg_of[c] {
                        HOST => {
                            host += 1;
                            p.gain(j, &p.init_best)
                        }
                        s => initial[s as usize][batch.local[c] as usize],
                    }
                })
                .collect();
            st.start(p, &g, limit.min(p.n_candidates()), true, keys);
            host
        })
        .sum();
    stats.host_gains += host_initial;

    let mut active = vec![true; n];
    let mut lists: Vec<Vec<u32>> = vec![Vec::new(); batch.segments.len()];
    let mut locs: Vec<(u32, u32)> = Vec::new();
    let mut loc_start = vec![0usize; n + 1];
    loop {
        let stepped: Vec<bool> = states
            .par_iter_mut()
            .zip(problems)
            .zip(&active)
            .map(|((st, p), &a)| a && st.next(p, kth.cutoff()))
            .collect();
        for i in 0..n {
            if active[i] && !stepped[i] {
                kth.offer(&states[i].run);
            }
        }
        active = stepped;
        if !active.iter().any(|&s| s) {
            break;
        }
        // Gather the new best values and the candidates to evaluate, segment by segment.
        for l in &mut lists {
            l.clear();
        }
        locs.clear();
        let mut items = 0u64;
        for i in 0..n {
            loc_start[i] = locs.len();
            if !active[i] {
                continue;
            }
            let st = &states[i];
            let base = batch.best_base[i];
            for &k in st.changed() {
                best_all[base + k as usize] = st.best()[k as usize];
            }
            for &j in st.affected() {
                let c = batch.cand_base[i] + j as usize;
                let s = batch.seg_of[c];
                if s == HOST {
                    locs.push((HOST, j));
                } else {
                    let l = &mut lists[s as usize];
                    locs.push((s, l.len() as u32));
                    l.push(batch.local[c]);
                    let seg = &batch.segments[s as usize];
                    let lc = batch.local[c] as usize;
                    items += u64::from(seg.inc_start[lc + 1] - seg.inc_start[lc]);
                }
            }
        }
        loc_start[n] = locs.len();
        let t = Instant::now();
        dev.set_best(ctx, &best_all);
        let res = dev.gains(ctx, Some(&lists))?;
        stats.seconds_device += t.elapsed().as_secs_f64();
        stats.rounds += 1;
        stats.gains += lists.iter().map(|l| l.len() as u64).sum::<u64>();
        stats.incidences += items;
        let host: u64 = states
            .par_iter_mut()
            .zip(problems)
            .enumerate()
            .filter(|(i, _)| active[*i])
            .map(|(i, (st, p))| {
                let mut host = 0;
                let g: Vec<f64> = locs[loc_start[i]..loc_start[i + 1]]
                    .iter()
                    .map(|&(s, x)| {
                        if s == HOST {
                            host += 1;
                            p.gain(x as usize, st.best())
                        } else {
                            res[s as usize][x as usize]
                        }
                    })
                    .collect();
                st.apply(p, &g, keys);
                host
            })
            .sum();
        stats.host_gains += host;
    }
    Ok(states.iter_mut().map(NodeGreedy::take_run).collect())
}

/// Incidences of each node's problem (Σ over its cascades of the strictly earlier events).
pub(crate) fn node_incidences(set: &CascadeSet, index: &NodeIndex, n: usize) -> Vec<u64> {
    (0..n)
        .into_par_iter()
        .map(|v| {
            index
                .of(v)
                .iter()
                .map(|&(c, pos)| {
                    let t = set.get(c as usize).times;
                    t.partition_point(|&x| x < t[pos as usize]) as u64
                })
                .sum()
        })
        .collect()
}

/// Every node's greedy run with gains on the GPU, node batches of at most
/// `opts.batch_incidences` incidences in node order.
///
/// # Errors
/// [`GpuError::MissingFeature`] without `SHADER_F64`; any GPU error.
#[expect(
    clippy::too_many_arguments,
    reason = "the inputs of one phase of infer_with, passed through"
)]
pub(crate) fn node_runs(
    ctx: &Context,
    opts: &GpuOptions,
    set: &CascadeSet,
    index: &NodeIndex,
    params: &NetInfValidParams,
    keys: &[u32],
    limit: usize,
    kth: &KthGain,
    progress: &dyn Progress,
) -> Result<(Vec<NodeRun>, GpuStats), GpuError> {
    if !ctx.has_f64() {
        return Err(GpuError::MissingFeature {
            adapter: ctx.describe(),
            feature: "64-bit floats (SHADER_F64)".into(),
            what: "netinf's exact gains kernel".into(),
        });
    }
    let n = keys.len();
    let mut stats = GpuStats {
        adapter: ctx.describe(),
        ..Default::default()
    };
    let segment = opts
        .segment_incidences
        .unwrap_or(usize::MAX)
        .min((ctx.max_binding_bytes() / 8) as usize);
    let sizes = node_incidences(set, index, n);
    let mut runs = Vec::with_capacity(n);
    let mut v = 0usize;
    while v < n {
        let mut end = v + 1;
        let mut total = sizes[v];
        while end < n && total + sizes[end] <= opts.batch_incidences as u64 {
            total += sizes[end];
            end += 1;
        }
        let problems: Vec<NodeProblem> = (v as u32..end as u32)
            .into_par_iter()
            .map_init(NodeScratch::default, |scratch, u| {
                let mut p = NodeProblem::default();
                p.build(u, set, index, params, scratch);
                p
            })
            .collect();
        runs.extend(run_batch(
            ctx, &problems, segment, limit, kth, keys, &mut stats,
        )?);
        v = end;
        progress.set_position(v as u64);
    }
    Ok((runs, stats))
}
