//! GPU path of NetInf: the per-node greedies resident on the device.
//!
//! Nodes are taken in batches (by incidences, [`GpuOptions::batch_incidences`], and so that
//! every buffer fits one storage binding). A batch is prepared on other threads while the
//! device works on the batches before it: its node problems built in parallel, packed
//! (`Resident::pack` lays the batch out, its `write_*` write it straight into the mapped
//! device buffers). Its greedies then run on the
//! device in lock-step rounds (`shaders/netinf/greedy.wgsl`: pick each active node's best
//! candidate, update `best_c(v)`, mark the candidates of the changed cascades, re-evaluate
//! them), with no host work between rounds: each round's dispatches are sized by the round
//! before (indirect dispatch). The first command buffer of a batch records as many rounds as
//! the last batch took (32 for the first batch), later ones twice as many as the one before,
//! up to 256; a second one goes in flight only while the rounds in flight may not finish the
//! batch. After each command buffer the host reads the counters and, in the next command
//! buffer (of this batch or, once it has finished, of the next), copies the new log entries
//! (steps, changed cascades, gain changes): it computes each step's statistics from them in
//! the CPU engine's order and assembles the [`NodeRun`]s. The device keeps its own cutoff
//! from a histogram of step gains (1,024 buckets: a lower bound on the k-th largest step,
//! so nodes whose next gain falls below it stop early), raised every round and carried from
//! batch to batch; the host's exact cutoff is written between submissions. Logs that might
//! overflow pause the device until the host has read them ("drains"); the command buffer
//! that copies the old entries resumes it.
//!
//! The kernels are exact (see the WGSL header): the GPU engine's gains equal the CPU's bit
//! for bit, so it selects the same edges with the same statistics; there is no tolerance and
//! no near-tie to confirm. A node with a non-finite weight or initial best, or a candidate
//! with more than `MAX_CANDIDATE_INCIDENCES` incidences (a long loop for one invocation),
//! runs its greedy on the host. The older `gains` kernel and its `DeviceBatch` evaluate
//! listed gains of packed segments (its twin is `cpu::gains::gains`); the engine no longer
//! uses them.

use std::time::Instant;

use rayon::prelude::*;

use std::sync::atomic::Ordering as AtomicOrdering;

use super::cpu::gains::{NodeIndex, NodeProblem, NodeScratch, PackedGains};
use super::cpu::greedy::{GreedyScratch, NodeRun, NodeStep, node_greedy};
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

/// Uniform parameters of the resident greedy kernels.
/// Mirrors struct GreedyParams in shaders/netinf/greedy_common.wgsl — keep in sync (checked by
/// tests/integration/shaders.rs). `m_*`: offsets (u32 words) into the `mdata` binding;
/// `c_*`: into `ctrl`; `u_*`: into `logu`; `f_*`: into `logf`; `cap_*`: log capacities in
/// entries.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[expect(
    missing_docs,
    reason = "the fields are documented as a group above and in the WGSL"
)]
pub struct GreedyParams {
    pub cutoff: f64,
    pub limit: u32,
    pub n_nodes: u32,
    pub n_cands: u32,
    pub n_casc: u32,
    pub m_cand_start: u32,
    pub m_inc_k: u32,
    pub m_node_cand: u32,
    pub m_node_casc: u32,
    pub m_cand_key: u32,
    pub m_casc_start: u32,
    pub m_casc_cand: u32,
    pub c_list0: u32,
    pub c_list1: u32,
    pub c_chosen: u32,
    pub c_selected: u32,
    pub c_stamp: u32,
    pub c_aff: u32,
    pub u_step: u32,
    pub u_ch: u32,
    pub u_delta: u32,
    pub f_step: u32,
    pub f_ch: u32,
    pub f_delta: u32,
    pub cap_step: u32,
    pub cap_ch: u32,
    pub cap_delta: u32,
    pub kth: u32,
    pub c_hist: u32,
    pub _pad2: u32,
    pub _pad3: u32,
}

/// The bindings shared by every resident greedy kernel.
const GREEDY_BINDINGS: &[Binding] = &[
    Binding::Uniform,
    Binding::ReadOnly,
    Binding::ReadOnly,
    Binding::ReadWrite,
    Binding::ReadWrite,
    Binding::ReadWrite,
    Binding::ReadWrite,
    Binding::ReadWrite,
];

/// The bindings of the kernels that write indirect arguments (uniform, ctrl, args).
const GREEDY_ARGS_BINDINGS: &[Binding] =
    &[Binding::Uniform, Binding::ReadWrite, Binding::ReadWrite];

const fn greedy_kernel(name: &'static str, entry: &'static str, wg: u32) -> KernelSpec {
    KernelSpec {
        name,
        source: concat!(
            include_str!("../../shaders/netinf/greedy_common.wgsl"),
            include_str!("../../shaders/netinf/greedy.wgsl")
        ),
        entry,
        workgroup_size: [wg, 1, 1],
        bindings: GREEDY_BINDINGS,
    }
}

const fn greedy_args_kernel(name: &'static str, entry: &'static str, wg: u32) -> KernelSpec {
    KernelSpec {
        name,
        source: concat!(
            include_str!("../../shaders/netinf/greedy_common.wgsl"),
            include_str!("../../shaders/netinf/greedy_args.wgsl")
        ),
        entry,
        workgroup_size: [wg, 1, 1],
        bindings: GREEDY_ARGS_BINDINGS,
    }
}

/// Initial gains of every candidate of a batch.
pub const GREEDY_INIT: KernelSpec =
    greedy_kernel("cascadia.netinf.greedy.init_gains", "init_gains", 64);
/// Starts a round (counters, log capacity, the pick's arguments).
pub const GREEDY_BEGIN: KernelSpec =
    greedy_args_kernel("cascadia.netinf.greedy.begin", "begin", 256);
/// Each active node's next edge (workgroup argmax).
pub const GREEDY_PICK: KernelSpec = greedy_kernel("cascadia.netinf.greedy.pick", "pick", 64);
/// The update's arguments.
pub const GREEDY_ARGS_UPDATE: KernelSpec =
    greedy_args_kernel("cascadia.netinf.greedy.args_update", "args_update", 1);
/// `best_c(v)` over the chosen candidates' incidences, logged.
pub const GREEDY_UPDATE: KernelSpec = greedy_kernel("cascadia.netinf.greedy.update", "update", 64);
/// The mark's arguments.
pub const GREEDY_ARGS_MARK: KernelSpec =
    greedy_args_kernel("cascadia.netinf.greedy.args_mark", "args_mark", 1);
/// The candidates sharing a changed cascade, each once.
pub const GREEDY_MARK: KernelSpec = greedy_kernel("cascadia.netinf.greedy.mark", "mark", 64);
/// The evaluation's arguments.
pub const GREEDY_ARGS_EVAL: KernelSpec =
    greedy_args_kernel("cascadia.netinf.greedy.args_eval", "args_eval", 1);
/// The affected candidates' gains, changed ones logged.
pub const GREEDY_EVAL: KernelSpec =
    greedy_kernel("cascadia.netinf.greedy.evaluate", "evaluate", 64);

/// Every resident greedy kernel (for the registry).
pub const GREEDY_KERNELS: [&KernelSpec; 9] = [
    &GREEDY_INIT,
    &GREEDY_BEGIN,
    &GREEDY_PICK,
    &GREEDY_ARGS_UPDATE,
    &GREEDY_UPDATE,
    &GREEDY_ARGS_MARK,
    &GREEDY_MARK,
    &GREEDY_ARGS_EVAL,
    &GREEDY_EVAL,
];

// Header words of `ctrl` (keep in sync with shaders/netinf/greedy_common.wgsl).
const ROUND: usize = 0;
const PAUSED: usize = 1;
const COUNT0: usize = 2;
const STEP_USED: usize = 4;
const EVAL_INC: usize = 9;
const EVAL_GAINS: usize = 10;
const ACTIVE_C: usize = 12;
const ACTIVE_K: usize = 13;
const INC_LO: usize = 14;
const GAINS_LO: usize = 16;
const DEV_CUT: usize = 18;
const ARGS_PICK: u64 = 20;
const ARGS_UPDATE: u64 = 24;
const ARGS_MARK: u64 = 28;
const ARGS_EVAL: u64 = 32;
/// Words of the header (the rest of `ctrl` follows).
const HEADER: usize = 40;
/// Buckets of the step-gain histogram (the last words of `ctrl`; `bucket` in the WGSL).
const HIST: usize = 1024;

/// The kernels of a round, in dispatch order (the keys of `GpuStats::kernel_seconds`).
const ROUND_KERNELS: [&str; 8] = [
    "begin",
    "pick",
    "args_update",
    "update",
    "args_mark",
    "mark",
    "args_eval",
    "evaluate",
];

/// Rounds recorded in the first command buffer of a batch; later ones double up to
/// [`MAX_ROUNDS_PER_SUBMISSION`] (a finished batch's extra rounds are idle dispatches).
const FIRST_ROUNDS_PER_SUBMISSION: u32 = 32;
/// The most rounds per command buffer.
const MAX_ROUNDS_PER_SUBMISSION: u32 = 256;

/// The device nodes of a batch, packed for the resident greedy kernels.
#[derive(Debug, Default)]
pub struct Resident {
    /// Uniform parameters (the cutoff is rewritten between submissions).
    pub params: GreedyParams,
    /// Initial `ctrl`.
    pub ctrl: Vec<u32>,
    /// Words of `logu` and `logf`.
    pub log_words: (usize, usize),
    /// First batch candidate of each node (and the total).
    pub cand_base: Vec<u32>,
    /// First batch incidence of each node (and the total).
    pub inc_base: Vec<u32>,
    /// First batch cascade of each node (and the total).
    pub casc_base: Vec<u32>,
}

/// Byte sizes of the resident buffers for `n` nodes, `c` candidates, `k` node cascades and
/// `i` incidences: the largest one decides whether a batch fits one binding.
fn resident_bytes(n: u64, c: u64, k: u64, i: u64) -> u64 {
    resident_bytes_with(n, c, k, i, caps(n, c, k, Room::Rounds(2)))
}

fn resident_bytes_with(n: u64, c: u64, k: u64, i: u64, caps: (u64, u64, u64)) -> u64 {
    let (cap_step, cap_ch, cap_delta) = caps;
    let mdata = 4 * ((c + 1) + i + 2 * (n + 1) + c + (k + 1) + i);
    let ctrl = 4 * (HEADER as u64 + 3 * n + 3 * c + HIST as u64);
    let logu = 4 * (5 * cap_step + cap_ch + 2 * cap_delta);
    let logf = 8 * (cap_step + cap_ch + cap_delta);
    [mdata, 8 * i, 8 * k, 8 * c, ctrl, logu, logf]
        .into_iter()
        .max()
        .unwrap_or(0)
}

/// How much log room a batch gets.
#[derive(Clone, Copy, Debug)]
enum Room {
    /// Room for this many rounds of every node stepping at once.
    Rounds(u64),
    /// Room for one such round and this many entries more.
    Spare(u32),
}

/// Log capacities (steps, changes, deltas) for `n` nodes, `c` candidates and `k` cascades.
/// A round that might not fit pauses the batch until the host has read the logs; the first
/// round always fits. Real rounds use a fraction of the worst case (most nodes stop early,
/// most candidates keep their gain), so a room of r rounds lasts many more.
fn caps(n: u64, c: u64, k: u64, room: Room) -> (u64, u64, u64) {
    match room {
        Room::Rounds(r) => (2 * r * n + 256, r * k + 256, r * c + 256),
        Room::Spare(x) => (n + u64::from(x), k + u64::from(x), c + u64::from(x)),
    }
}

impl Resident {
    /// Lays out `problems[nodes]` (written by `write_mdata`, `write_inc_w`, `write_best`) for
    /// greedies of at most `limit` steps, with the device's cutoff on the `kth` largest step gain (`0`: no
    /// cutoff). Logs: `log_spare` entries beyond one round (see
    /// [`GpuOptions::log_spare`]), else room for up to 16 rounds within `max_bytes` per buffer.
    pub fn pack(
        problems: &[NodeProblem],
        nodes: &[usize],
        limit: usize,
        kth: Option<usize>,
        log_spare: Option<u32>,
        max_bytes: u64,
    ) -> Self {
        let n = nodes.len();
        let mut cand_base = Vec::with_capacity(n + 1);
        let mut inc_base = Vec::with_capacity(n + 1);
        let mut casc_base = Vec::with_capacity(n + 1);
        let (mut c, mut i, mut k) = (0u32, 0u32, 0u32);
        for &v in nodes {
            let p = &problems[v];
            cand_base.push(c);
            inc_base.push(i);
            casc_base.push(k);
            c += p.n_candidates() as u32;
            i += p.n_incidences() as u32;
            k += p.init_best.len() as u32;
        }
        cand_base.push(c);
        inc_base.push(i);
        casc_base.push(k);
        let mut params = GreedyParams {
            cutoff: 0.0,
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
            n_nodes: n as u32,
            n_cands: c,
            n_casc: k,
            kth: kth.map_or(0, |k| u32::try_from(k).unwrap_or(u32::MAX)),
            ..Default::default()
        };
        // mdata: cand_start | inc_k | node_cand | node_casc | cand_key | casc_start | casc_cand
        params.m_cand_start = 0;
        params.m_inc_k = params.m_cand_start + c + 1;
        params.m_node_cand = params.m_inc_k + i;
        params.m_node_casc = params.m_node_cand + n as u32 + 1;
        params.m_cand_key = params.m_node_casc + n as u32 + 1;
        params.m_casc_start = params.m_cand_key + c;
        params.m_casc_cand = params.m_casc_start + k + 1;
        // ctrl: header | list0 | list1 | chosen | selected | stamp | affected
        params.c_list0 = HEADER as u32;
        params.c_list1 = params.c_list0 + n as u32;
        params.c_chosen = params.c_list1 + n as u32;
        params.c_selected = params.c_chosen + n as u32;
        params.c_stamp = params.c_selected + c;
        params.c_aff = params.c_stamp + c;
        params.c_hist = params.c_aff + c;
        let mut ctrl = vec![0u32; params.c_hist as usize + HIST];
        // Round 1 reads list 1: every node.
        ctrl[COUNT0 + 1] = n as u32;
        ctrl[ACTIVE_C] = c;
        ctrl[ACTIVE_K] = k;
        for x in 0..n {
            ctrl[params.c_list1 as usize + x] = x as u32;
        }
        let (n64, c64, k64, i64) = (n as u64, u64::from(c), u64::from(k), u64::from(i));
        let (cs, cc, cd) = match log_spare {
            Some(x) => caps(n64, c64, k64, Room::Spare(x)),
            None => [16, 8, 4, 2]
                .into_iter()
                .map(|r| caps(n64, c64, k64, Room::Rounds(r)))
                .find(|&cp| resident_bytes_with(n64, c64, k64, i64, cp) <= max_bytes)
                .unwrap_or_else(|| caps(n64, c64, k64, Room::Rounds(2))),
        };
        params.cap_step = cs as u32;
        params.cap_ch = cc as u32;
        params.cap_delta = cd as u32;
        params.u_step = 0;
        params.u_ch = 5 * params.cap_step;
        params.u_delta = params.u_ch + params.cap_ch;
        params.f_step = 0;
        params.f_ch = params.cap_step;
        params.f_delta = params.f_ch + params.cap_ch;
        let log_words = (
            (params.u_delta + 2 * params.cap_delta) as usize,
            (params.f_delta + params.cap_delta) as usize,
        );
        Resident {
            params,
            ctrl,
            log_words,
            cand_base,
            inc_base,
            casc_base,
        }
    }

    /// Writes the `mdata` binding of `problems[nodes]` (as packed) into `out` (exactly
    /// `4 * mdata_words()` bytes): cand_start | inc_k | node_cand |
    /// node_casc | cand_key | casc_start | casc_cand, ranges offset to the batch.
    pub fn write_mdata(
        &self,
        problems: &[NodeProblem],
        nodes: &[usize],
        keys: &[u32],
        out: wgpu::WriteOnly<'_, [u8]>,
    ) {
        let n = nodes.len();
        let (c, i, k) = (
            self.params.n_cands as usize,
            self.inc_base[n] as usize,
            self.params.n_casc as usize,
        );
        let mut parts = split_bytes(out, [c, 1, i, n + 1, n + 1, c, k, 1, i].map(|w| 4 * w));
        let mut next = || parts.next().expect("nine sections");
        let (cand_start, mut end1, inc_k, mut node_cand, mut node_casc) =
            (next(), next(), next(), next(), next());
        let (cand_key, casc_start, mut end2, casc_cand) = (next(), next(), next(), next());
        let total = self.inc_base[n];
        end1.copy_from_slice(bytemuck::bytes_of(&total));
        end2.copy_from_slice(bytemuck::bytes_of(&total));
        node_cand.copy_from_slice(bytemuck::cast_slice(&self.cand_base));
        node_casc.copy_from_slice(bytemuck::cast_slice(&self.casc_base));
        let per = |w, len: fn(&NodeProblem) -> usize| {
            split_bytes(w, nodes.iter().map(move |&v| 4 * len(&problems[v])))
        };
        // (wgpu's write-only slices cannot cross threads: one pass, node by node, through a
        // small buffer that stays in cache.)
        let mut buf: Vec<u32> = Vec::new();
        let mut put = |mut w: wgpu::WriteOnly<'_, [u8]>, it: &mut dyn Iterator<Item = u32>| {
            buf.clear();
            buf.extend(it);
            w.copy_from_slice(bytemuck::cast_slice(&buf));
        };
        let chunks = per(cand_start, NodeProblem::n_candidates)
            .zip(per(inc_k, NodeProblem::n_incidences))
            .zip(per(cand_key, NodeProblem::n_candidates))
            .zip(per(casc_start, |p| p.init_best.len()))
            .zip(per(casc_cand, NodeProblem::n_incidences));
        for (x, ((((w_cs, w_ik), w_key), w_ks), w_cc)) in chunks.enumerate() {
            let p = &problems[nodes[x]];
            let (ib, kb, cb) = (self.inc_base[x], self.casc_base[x], self.cand_base[x]);
            put(
                w_cs,
                &mut p.inc_start[..p.n_candidates()].iter().map(|&s| s + ib),
            );
            put(w_ik, &mut p.inc_k.iter().map(|&kk| kk + kb));
            put(w_key, &mut p.srcs.iter().map(|&s| keys[s as usize]));
            put(
                w_ks,
                &mut p.casc_start[..p.init_best.len()].iter().map(|&s| s + ib),
            );
            put(w_cc, &mut p.casc_cand.iter().map(|&j| j + cb));
        }
    }

    /// Words of the `mdata` binding.
    pub fn mdata_words(&self) -> usize {
        self.params.m_casc_cand as usize + *self.inc_base.last().unwrap_or(&0) as usize
    }

    /// Writes `w_c(u,v)` of every incidence (`8 *` incidences bytes).
    pub fn write_inc_w(
        &self,
        problems: &[NodeProblem],
        nodes: &[usize],
        out: wgpu::WriteOnly<'_, [u8]>,
    ) {
        let chunks = split_bytes(out, nodes.iter().map(|&v| 8 * problems[v].n_incidences()));
        for (mut w, &v) in chunks.zip(nodes) {
            w.copy_from_slice(bytemuck::cast_slice(&problems[v].inc_w));
        }
    }

    /// Writes the initial `best_c(v)` of every cascade of every node (`8 *` cascades bytes).
    pub fn write_best(
        &self,
        problems: &[NodeProblem],
        nodes: &[usize],
        out: wgpu::WriteOnly<'_, [u8]>,
    ) {
        let chunks = split_bytes(out, nodes.iter().map(|&v| 8 * problems[v].init_best.len()));
        for (mut w, &v) in chunks.zip(nodes) {
            w.copy_from_slice(bytemuck::cast_slice(&problems[v].init_best));
        }
    }
}

/// `out` split into consecutive pieces of `lens` bytes (which must add up to its length).
fn split_bytes<'a>(
    out: wgpu::WriteOnly<'a, [u8]>,
    lens: impl IntoIterator<Item = usize>,
) -> impl Iterator<Item = wgpu::WriteOnly<'a, [u8]>> {
    let mut rest = Some(out);
    lens.into_iter().map(move |len| {
        let (head, tail) = rest.take().expect("pieces within the slice").split_at(len);
        rest = Some(tail);
        head
    })
}

/// The counters of a `ctrl` header read back.
#[derive(Clone, Copy, Debug, Default)]
struct Header {
    round: u32,
    paused: bool,
    next_active: u32,
    used: [u32; 3],
    incidences: u64,
    gains: u64,
}

impl Header {
    fn parse(bytes: &[u8]) -> Self {
        let w: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect();
        let round = w[ROUND];
        let wide = |lo: usize| u64::from(w[lo]) | (u64::from(w[lo + 1]) << 32);
        Header {
            round,
            paused: w[PAUSED] == 1,
            next_active: w[COUNT0 + ((round as usize + 1) & 1)],
            used: [w[STEP_USED], w[STEP_USED + 1], w[STEP_USED + 2]],
            incidences: wide(INC_LO) + u64::from(w[EVAL_INC]),
            gains: wide(GAINS_LO) + u64::from(w[EVAL_GAINS]),
        }
    }
}

/// Log entries `[from, to)` of each log (steps, changes, deltas) copied into one staging
/// buffer.
struct LogCopy {
    staging: crate::gpu::Staging,
    from: [u32; 3],
    to: [u32; 3],
}

/// A submitted command buffer and what it copies back.
struct InFlight {
    sub: crate::gpu::Submission,
    /// (batch, log epoch, staging) of the counters of the batch whose rounds it records.
    header: Option<(u64, u32, crate::gpu::Staging)>,
    /// Rounds it records.
    rounds: u32,
    /// Timestamps around their dispatches (profiling).
    stamps: Option<crate::gpu::Timestamps>,
    /// Log entries of batches (the one it runs, and a finished one's last entries).
    copies: Vec<(u64, LogCopy)>,
    /// The first gains of the batch it starts.
    initial: Option<(u64, crate::gpu::Staging)>,
}

impl InFlight {
    fn refers_to(&self, id: u64) -> bool {
        self.header.as_ref().is_some_and(|h| h.0 == id)
            || self.copies.iter().any(|c| c.0 == id)
            || self.initial.as_ref().is_some_and(|s| s.0 == id)
    }
}

/// CPU seconds of the calling thread (Linux: `/proc/thread-self/schedstat`), or wall-clock
/// seconds since `start` where that is not available.
fn thread_cpu_seconds(start: Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or_else(|| start.elapsed().as_secs_f64(), |ns| ns as f64 * 1e-9)
}

/// What one engine run moved and waited for (the counters of [`GpuStats`]).
#[derive(Debug, Default)]
struct Meter {
    submissions: u64,
    bytes_up: u64,
    bytes_down: u64,
    seconds_wait: f64,
}

impl Meter {
    fn submit(&mut self, enc: crate::gpu::Encoder<'_>) -> Result<crate::gpu::Submission, GpuError> {
        self.submissions += 1;
        enc.submit()
    }

    fn wait(&mut self, ctx: &Context, sub: &crate::gpu::Submission) -> Result<(), GpuError> {
        let t = Instant::now();
        let r = ctx.wait(sub);
        self.seconds_wait += t.elapsed().as_secs_f64();
        r
    }

    fn read(
        &mut self,
        ctx: &Context,
        s: &crate::gpu::Staging,
        sub: &crate::gpu::Submission,
        bytes: u64,
    ) -> Result<Vec<u8>, GpuError> {
        let t = Instant::now();
        let r = ctx.read(s, sub, bytes)?;
        self.seconds_wait += t.elapsed().as_secs_f64();
        self.bytes_down += r.len() as u64;
        Ok(r)
    }

    fn upload(&mut self, ctx: &Context, label: &str, data: &[u8]) -> Result<GpuBuffer, GpuError> {
        self.bytes_up += data.len() as u64;
        ctx.upload(label, data)
    }

    fn write_at(&mut self, ctx: &Context, b: &GpuBuffer, offset: u64, data: &[u8]) {
        self.bytes_up += data.len() as u64;
        ctx.write_at(b, offset, data);
    }
}

/// A batch's buffers and kernels on the device.
struct DeviceGreedy<'a> {
    ctx: &'a Context,
    uniform: GpuBuffer,
    ctrl: GpuBuffer,
    /// The indirect arguments (bound by the kernels that write them, not by the ones they
    /// size).
    args: GpuBuffer,
    gain: GpuBuffer,
    logu: GpuBuffer,
    logf: GpuBuffer,
    k: Vec<crate::gpu::Bound>,
    params: GreedyParams,
    _keep: [GpuBuffer; 3],
}

impl<'a> DeviceGreedy<'a> {
    /// Creates the batch's buffers, writing `problems[nodes]` (packed as `r`) straight into
    /// them.
    fn upload(
        ctx: &'a Context,
        r: &Resident,
        problems: &[NodeProblem],
        nodes: &[usize],
        keys: &[u32],
        m: &mut Meter,
    ) -> Result<Self, GpuError> {
        let uniform = ctx.uniform(
            "cascadia.netinf.greedy.params",
            bytemuck::bytes_of(&r.params),
        );
        m.bytes_up += std::mem::size_of::<GreedyParams>() as u64;
        let n_inc = u64::from(*r.inc_base.last().expect("n + 1 entries"));
        let bytes = [
            4 * r.mdata_words() as u64,
            8 * n_inc,
            8 * u64::from(r.params.n_casc),
        ];
        m.bytes_up += bytes.iter().sum::<u64>();
        let mdata = ctx.upload_with("cascadia.netinf.mdata", bytes[0], |w| {
            r.write_mdata(problems, nodes, keys, w);
        })?;
        let inc_w = ctx.upload_with("cascadia.netinf.inc_w", bytes[1], |w| {
            r.write_inc_w(problems, nodes, w);
        })?;
        let best = ctx.upload_with("cascadia.netinf.best", bytes[2], |w| {
            r.write_best(problems, nodes, w);
        })?;
        let gain = ctx.zeroed("cascadia.netinf.gain", 8 * u64::from(r.params.n_cands))?;
        let ctrl = m.upload(ctx, "cascadia.netinf.ctrl", bytemuck::cast_slice(&r.ctrl))?;
        let logu = ctx.zeroed("cascadia.netinf.logu", 4 * r.log_words.0 as u64)?;
        let logf = ctx.zeroed("cascadia.netinf.logf", 8 * r.log_words.1 as u64)?;
        let args = ctx.zeroed("cascadia.netinf.args", 4 * (HEADER as u64))?;
        let buffers = [&mdata, &inc_w, &best, &gain, &ctrl, &logu, &logf];
        let k = GREEDY_KERNELS
            .iter()
            .map(|spec| {
                if spec.bindings == GREEDY_ARGS_BINDINGS {
                    ctx.bind(spec, &uniform, &[&ctrl, &args])
                } else {
                    ctx.bind(spec, &uniform, &buffers)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(DeviceGreedy {
            ctx,
            uniform,
            ctrl,
            args,
            gain,
            logu,
            logf,
            k,
            params: r.params,
            _keep: [mdata, inc_w, best],
        })
    }

    fn set_cutoff(&mut self, cutoff: f64, m: &mut Meter) {
        if cutoff.to_bits() != self.params.cutoff.to_bits() {
            self.params.cutoff = cutoff;
            m.write_at(self.ctx, &self.uniform, 0, bytemuck::bytes_of(&cutoff));
        }
    }

    /// Records `rounds` rounds; with `stamps`, a timestamp before the first dispatch and
    /// after every dispatch (`1 + 8 * rounds` of them, in [`ROUND_KERNELS`] order).
    fn rounds(
        &self,
        enc: &mut crate::gpu::Encoder<'_>,
        rounds: u32,
        stamps: Option<&crate::gpu::Timestamps>,
    ) {
        let [
            _,
            begin,
            pick,
            args_update,
            update,
            args_mark,
            mark,
            args_eval,
            eval,
        ] = &self.k[..]
        else {
            unreachable!("nine kernels")
        };
        // A round, in ROUND_KERNELS order: each kernel with the header word of its indirect
        // arguments (none: one workgroup).
        let round = [
            (begin, None),
            (pick, Some(ARGS_PICK)),
            (args_update, None),
            (update, Some(ARGS_UPDATE)),
            (args_mark, None),
            (mark, Some(ARGS_MARK)),
            (args_eval, None),
            (eval, Some(ARGS_EVAL)),
        ];
        enc.pass("cascadia.netinf.greedy.rounds", |pass| {
            let mut i = 0;
            let mut stamp = |pass: &mut crate::gpu::Pass<'_>| {
                if let Some(t) = stamps {
                    pass.timestamp(t, i);
                    i += 1;
                }
            };
            stamp(pass);
            for _ in 0..rounds {
                for &(k, args) in &round {
                    match args {
                        Some(word) => pass.dispatch_indirect(k, &self.args, 4 * word),
                        None => pass.dispatch(k, (1, 1)),
                    }
                    stamp(pass);
                }
            }
        });
    }

    /// Records copies of log entries `[from, to)` into a new staging buffer.
    fn copy_logs(
        &self,
        enc: &mut crate::gpu::Encoder<'_>,
        from: [u32; 3],
        to: [u32; 3],
    ) -> Option<LogCopy> {
        if from == to {
            return None;
        }
        let p = &self.params;
        // (u32 words per entry, logu offset, f64 offset) of steps, changes, deltas.
        let layout = [
            (5u64, p.u_step, p.f_step),
            (1, p.u_ch, p.f_ch),
            (2, p.u_delta, p.f_delta),
        ];
        let mut bytes = 0u64;
        for (l, &(wu, _, _)) in layout.iter().enumerate() {
            bytes += u64::from(to[l] - from[l]) * (4 * wu + 8);
        }
        let staging = self.ctx.staging(bytes);
        let mut at = 0u64;
        for (l, &(wu, ou, of)) in layout.iter().enumerate() {
            let n = u64::from(to[l] - from[l]);
            let f = u64::from(from[l]);
            enc.copy(
                &self.logu,
                4 * (u64::from(ou) + wu * f),
                &staging,
                at,
                4 * wu * n,
            );
            at += 4 * wu * n;
            enc.copy(&self.logf, 8 * (u64::from(of) + f), &staging, at, 8 * n);
            at += 8 * n;
        }
        Some(LogCopy { staging, from, to })
    }
}

/// What the host keeps of a device node while its greedy runs.
#[derive(Default)]
struct NodeLog {
    steps: Vec<NodeStep>,
    /// (round, node-local candidate, new gain).
    deltas: Vec<(u32, u32, f64)>,
}

/// Reads one log copy of batch `prep` into its nodes' logs and offers the new step gains to
/// the cutoff.
fn take_logs(
    bytes: &[u8],
    copy: &LogCopy,
    prep: &Prepared<'_>,
    logs: &mut [NodeLog],
    kth: &KthGain,
) {
    let (r, problems, nodes, cand_node) = (&prep.r, &prep.problems, &prep.device, &prep.cand_node);
    let n = |l: usize| (copy.to[l] - copy.from[l]) as usize;
    let u32s = |b: &[u8]| -> Vec<u32> {
        b.chunks_exact(4)
            .map(|x| u32::from_le_bytes(x.try_into().expect("4 bytes")))
            .collect()
    };
    let mut at = 0usize;
    let mut take = |bytes_len: usize| {
        let s = &bytes[at..at + bytes_len];
        at += bytes_len;
        s
    };
    let step_u = u32s(take(20 * n(0)));
    let step_f = crate::gpu::f64s(take(8 * n(0)));
    let ch_u = u32s(take(4 * n(1)));
    let ch_f = crate::gpu::f64s(take(8 * n(1)));
    let d_u = u32s(take(8 * n(2)));
    let d_f = crate::gpu::f64s(take(8 * n(2)));
    let mut gains = Vec::with_capacity(n(0));
    let mut dts = Vec::new();
    for (s, w) in step_u.chunks_exact(5).enumerate() {
        let (x, round, c, base, vol) = (w[0] as usize, w[1], w[2], w[3], w[4] as usize);
        let p = &problems[nodes[x]];
        let log = &mut logs[x];
        debug_assert_eq!(
            round as usize,
            log.steps.len() + 1,
            "a node steps every round"
        );
        let first = (base - copy.from[1]) as usize;
        let (mut sum_sq, mut sum_dt) = (0.0, 0.0);
        dts.clear();
        for q in first..first + vol {
            let e = (ch_u[q] - r.inc_base[x]) as usize;
            let d = ch_f[q];
            sum_sq += d * d;
            sum_dt += p.inc_dt[e];
            dts.push(p.inc_dt[e]);
        }
        dts.sort_by(f64::total_cmp);
        let gain = step_f[s];
        gains.push(gain);
        log.steps.push(NodeStep {
            src: p.srcs[(c - r.cand_base[x]) as usize],
            gain,
            vol: vol as u32,
            median_dt: dts[vol / 2],
            mean_dt: sum_dt / vol as f64,
            sum_sq,
            delta_start: 0,
            delta_end: 0,
        });
    }
    for (w, &g) in d_u.chunks_exact(2).zip(&d_f) {
        let x = cand_node[w[0] as usize] as usize;
        logs[x].deltas.push((w[1], w[0] - r.cand_base[x], g));
    }
    kth.offer_gains(&gains);
}

/// A batch prepared on the builder threads: its node problems built and its device nodes
/// packed.
struct Prepared<'a> {
    /// The batch's nodes.
    nodes: std::ops::Range<usize>,
    problems: Vec<NodeProblem>,
    /// Problems (indices into `problems`) whose greedies run on the host.
    host: Vec<usize>,
    /// Problems whose greedies run on the device.
    device: Vec<usize>,
    /// The device nodes, packed.
    r: Resident,
    /// Device node (index into `device`) of each packed candidate.
    cand_node: Vec<u32>,
    /// Seconds building and packing.
    seconds: f64,
    /// The device nodes' buffers (made and written on the builder thread, so the copies into
    /// them overlap the device's work on the batches before), taken when the batch starts.
    upload: Option<Result<DeviceGreedy<'a>, GpuError>>,
    /// Bytes and seconds of `upload`.
    bytes_up: u64,
    seconds_upload: f64,
}

/// What [`prepare`] needs besides the batch's nodes.
struct PrepareInputs<'a> {
    ctx: &'a Context,
    set: &'a CascadeSet,
    index: &'a NodeIndex,
    params: &'a NetInfValidParams,
    keys: &'a [u32],
    limit: usize,
    kth: Option<usize>,
    log_spare: Option<u32>,
    max_bytes: u64,
}

/// Builds the problems of `nodes` in parallel, sends the ones the device cannot run to the
/// host and packs the others.
fn prepare<'a>(inp: &PrepareInputs<'a>, nodes: std::ops::Range<usize>) -> Prepared<'a> {
    let t = Instant::now();
    let problems: Vec<NodeProblem> = (nodes.start as u32..nodes.end as u32)
        .into_par_iter()
        .map_init(NodeScratch::default, |scratch, u| {
            let mut p = NodeProblem::default();
            p.build(u, inp.set, inp.index, inp.params, scratch);
            p
        })
        .collect();
    let (host, device): (Vec<usize>, Vec<usize>) = (0..problems.len()).partition(|&x| {
        let p = &problems[x];
        host_node(p)
            || resident_bytes(
                1,
                p.n_candidates() as u64,
                p.init_best.len() as u64,
                p.n_incidences() as u64,
            ) > inp.max_bytes
    });
    let mut r = Resident::pack(
        &problems,
        &device,
        inp.limit,
        inp.kth,
        inp.log_spare,
        inp.max_bytes,
    );
    let mut cand_node = vec![0u32; r.params.n_cands as usize];
    for x in 0..device.len() {
        cand_node[r.cand_base[x] as usize..r.cand_base[x + 1] as usize].fill(x as u32);
    }
    let seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut meter = Meter::default();
    let upload = (!device.is_empty())
        .then(|| DeviceGreedy::upload(inp.ctx, &r, &problems, &device, inp.keys, &mut meter));
    // The initial counters live on the device now.
    r.ctrl = Vec::new();
    Prepared {
        nodes,
        problems,
        host,
        device,
        r,
        cand_node,
        seconds,
        upload,
        bytes_up: meter.bytes_up,
        seconds_upload: t.elapsed().as_secs_f64(),
    }
}

/// A batch whose greedies run on the device.
struct Live<'a> {
    id: u64,
    prep: Prepared<'a>,
    dev: DeviceGreedy<'a>,
    logs: Vec<NodeLog>,
    initial: Vec<f64>,
    /// Log entries copied (or being copied), and known to exist, in the current log epoch.
    copied: [u32; 3],
    known: [u32; 3],
    /// Log epochs start at 0 and after each drain.
    epoch: u32,
    /// The next command buffer empties the logs (a drain) after copying the old entries.
    reset: bool,
    per_cb: u32,
    /// Rounds the batch is expected to take (the last batch's), if known.
    expect: Option<u32>,
    first: bool,
    done: bool,
    last: Header,
}

impl Live<'_> {
    /// Whether another command buffer of rounds should go in flight now, with `queued`
    /// rounds of this batch in flight: none are, or they may not be enough (a second command
    /// buffer keeps the device busy while the host reads the first one's counters; when the
    /// first is expected to end the batch, the second would be idle).
    fn wants_rounds(&self, queued: u32) -> bool {
        !self.done && (queued == 0 || self.expect.is_none_or(|e| self.last.round + queued < e))
    }
}

/// The resident engine's stream of command buffers over all batches (see the module docs).
struct Stream<'a, 'k> {
    ctx: &'a Context,
    kth: &'k KthGain,
    keys: &'k [u32],
    limit: usize,
    lives: std::collections::VecDeque<Live<'a>>,
    inflight: std::collections::VecDeque<InFlight>,
    next_id: u64,
    /// Rounds the last batch took: the next one is expected to take as many (its first
    /// command buffer records that many, rounded up to a power of two).
    expect: Option<u32>,
    /// The device cutoff and the histogram of step gains of the batches so far (word 0 and
    /// 1..=`HIST`): each batch's rounds start from them and write them back, so a new batch
    /// cuts off as early as the last one ended.
    carry: Option<GpuBuffer>,
    /// Time the kernels (timestamps around every dispatch).
    profile: bool,
    stats: GpuStats,
    meter: Meter,
    runs: Vec<NodeRun>,
    progress: &'k dyn Progress,
    progress_at: usize,
}

impl<'a> Stream<'a, '_> {
    /// Starts batch `prep`: its host nodes run here (in parallel), its device nodes are
    /// uploaded.
    fn start(&mut self, mut prep: Prepared<'a>) -> Result<(), GpuError> {
        self.stats.batches += 1;
        self.stats.seconds_build += prep.seconds;
        self.stats.seconds_upload += prep.seconds_upload;
        self.meter.bytes_up += prep.bytes_up;
        self.stats.host_nodes += prep.host.len() as u64;
        let host_runs: Vec<NodeRun> = prep
            .host
            .par_iter()
            .map_init(GreedyScratch::default, |scratch, &x| {
                let p = &prep.problems[x];
                let run = node_greedy(
                    p,
                    self.limit.min(p.n_candidates()),
                    self.kth.cutoff(),
                    true,
                    self.keys,
                    scratch,
                );
                self.kth.offer(&run);
                run
            })
            .collect();
        self.stats.host_incidences += host_runs
            .iter()
            .map(|r| r.incidences_evaluated)
            .sum::<u64>();
        self.runs.extend(host_runs);
        let Some(dev) = prep.upload.take() else {
            self.advance(prep.nodes.end);
            return Ok(());
        };
        let dev = dev?;
        self.lives.push_back(Live {
            id: self.next_id,
            logs: (0..prep.device.len()).map(|_| NodeLog::default()).collect(),
            prep,
            dev,
            initial: Vec::new(),
            copied: [0; 3],
            known: [0; 3],
            epoch: 0,
            reset: false,
            per_cb: self.expect.map_or(FIRST_ROUNDS_PER_SUBMISSION, |r| {
                r.next_power_of_two()
                    .clamp(FIRST_ROUNDS_PER_SUBMISSION, MAX_ROUNDS_PER_SUBMISSION)
            }),
            expect: self.expect,
            first: true,
            done: false,
            last: Header::default(),
        });
        self.next_id += 1;
        Ok(())
    }

    /// Records and submits one command buffer: the log entries not yet copied of every
    /// batch, then (with `rounds`) the newest batch's next rounds and its counters.
    fn record(&mut self, rounds: bool) -> Result<(), GpuError> {
        let te = Instant::now();
        let cutoff = self
            .kth
            .cutoff()
            .map_or(0.0, |c| f64::from_bits(c.load(AtomicOrdering::Relaxed)));
        let mut enc = self.ctx.encoder("cascadia.netinf.greedy");
        let mut copies = Vec::new();
        for live in &mut self.lives {
            if let Some(c) = live.dev.copy_logs(&mut enc, live.copied, live.known) {
                copies.push((live.id, c));
            }
            live.copied = live.known;
        }
        let (mut header, mut initial, mut recorded, mut stamps) = (None, None, 0, None);
        if rounds {
            let live = self.lives.back_mut().expect("a batch to run");
            live.dev.set_cutoff(cutoff, &mut self.meter);
            if live.reset {
                // A drain: the copies above read the old entries before these rounds
                // overwrite them; the writes land before this command buffer runs.
                self.meter
                    .write_at(self.ctx, &live.dev.ctrl, 4 * PAUSED as u64, &[0; 4]);
                self.meter
                    .write_at(self.ctx, &live.dev.ctrl, 4 * STEP_USED as u64, &[0; 12]);
                (live.copied, live.known) = ([0; 3], [0; 3]);
                live.epoch += 1;
                live.reset = false;
            }
            let n_cands = live.prep.r.params.n_cands;
            let hist = 4 * u64::from(live.prep.r.params.c_hist);
            let carry = match self.carry.take() {
                Some(c) => c,
                None => self
                    .ctx
                    .zeroed("cascadia.netinf.carry", 4 * (1 + HIST as u64))?,
            };
            if live.first {
                enc.copy_buffer(&carry, 0, &live.dev.ctrl, 4 * DEV_CUT as u64, 4);
                enc.copy_buffer(&carry, 4, &live.dev.ctrl, hist, 4 * HIST as u64);
                enc.dispatch(
                    &live.dev.k[0],
                    dispatch::grid_1d(n_cands, GREEDY_INIT.workgroup_size[0]),
                );
                let s = self.ctx.staging(8 * u64::from(n_cands));
                enc.copy(&live.dev.gain, 0, &s, 0, 8 * u64::from(n_cands));
                initial = Some((live.id, s));
                live.first = false;
            }
            stamps = if self.profile {
                self.ctx.timestamps(1 + 8 * live.per_cb)
            } else {
                None
            };
            live.dev.rounds(&mut enc, live.per_cb, stamps.as_ref());
            if let Some(t) = &stamps {
                enc.resolve(t);
            }
            recorded = live.per_cb;
            enc.copy_buffer(&live.dev.ctrl, 4 * DEV_CUT as u64, &carry, 0, 4);
            enc.copy_buffer(&live.dev.ctrl, hist, &carry, 4, 4 * HIST as u64);
            self.carry = Some(carry);
            live.per_cb = (live.per_cb * 2).min(MAX_ROUNDS_PER_SUBMISSION);
            let bytes = 4 * HEADER as u64;
            let s = self.ctx.staging(bytes);
            enc.copy(&live.dev.ctrl, 0, &s, 0, bytes);
            header = Some((live.id, live.epoch, s));
        }
        let sub = self.meter.submit(enc)?;
        self.inflight.push_back(InFlight {
            sub,
            header,
            rounds: recorded,
            stamps,
            copies,
            initial,
        });
        self.stats.seconds_record += te.elapsed().as_secs_f64();
        Ok(())
    }

    /// Waits for the oldest command buffer and takes what it copied back.
    fn process(&mut self) -> Result<(), GpuError> {
        let f = self
            .inflight
            .pop_front()
            .expect("a command buffer in flight");
        let (ctx, meter) = (self.ctx, &mut self.meter);
        meter.wait(ctx, &f.sub)?;
        let tl = Instant::now();
        let w0 = meter.seconds_wait;
        let live = |lives: &std::collections::VecDeque<Live<'a>>, id: u64| {
            lives
                .iter()
                .position(|l| l.id == id)
                .expect("a batch outlives its command buffers")
        };
        if let Some(t) = &f.stamps {
            let ticks = ctx.read_timestamps(t, &f.sub)?;
            meter.bytes_down += 8 * ticks.len() as u64;
            let ns = ctx.timestamp_period();
            let times = self
                .stats
                .kernel_seconds
                .get_or_insert_with(Default::default);
            for (j, w) in ticks.windows(2).enumerate() {
                let name = ROUND_KERNELS[j % ROUND_KERNELS.len()];
                *times.entry(name.to_string()).or_default() +=
                    w[1].saturating_sub(w[0]) as f64 * ns * 1e-9;
            }
        }
        if let Some((id, s)) = &f.initial {
            let x = live(&self.lives, *id);
            let l = &mut self.lives[x];
            l.initial = crate::gpu::f64s(&meter.read(ctx, s, &f.sub, u64::MAX)?);
        }
        for (id, c) in &f.copies {
            let x = live(&self.lives, *id);
            let l = &mut self.lives[x];
            let bytes = meter.read(ctx, &c.staging, &f.sub, u64::MAX)?;
            take_logs(&bytes, c, &l.prep, &mut l.logs, self.kth);
        }
        if let Some((id, epoch, s)) = &f.header {
            let h = Header::parse(&meter.read(ctx, s, &f.sub, u64::MAX)?);
            let x = live(&self.lives, *id);
            let l = &mut self.lives[x];
            if h.round >= l.last.round {
                l.last = h;
            }
            // Counters from before a drain describe emptied logs.
            if *epoch == l.epoch && !l.done {
                l.known = h.used;
                if u64::from(h.round) >= self.limit as u64 || h.next_active == 0 {
                    l.done = true;
                    self.expect = Some(h.round);
                } else if h.paused && !l.reset {
                    // Resume at once: the rounds in flight are idle until then.
                    self.stats.drains += 1;
                    l.reset = true;
                }
            }
        }
        self.stats.seconds_logs += tl.elapsed().as_secs_f64() - (meter.seconds_wait - w0);
        // Batches done, read to the end and no longer used by the device are finished.
        let mut x = 0;
        while x < self.lives.len() {
            let l = &self.lives[x];
            if l.done && l.copied == l.known && !self.inflight.iter().any(|f| f.refers_to(l.id)) {
                let l = self.lives.remove(x).expect("in range");
                self.finish(l);
            } else {
                x += 1;
            }
        }
        Ok(())
    }

    /// Rounds of batch `id` in the command buffers in flight.
    fn queued(&self, id: u64) -> u32 {
        self.inflight
            .iter()
            .filter(|f| f.header.as_ref().is_some_and(|h| h.0 == id))
            .map(|f| f.rounds)
            .sum()
    }

    /// Moves the progress bar to `end` (batches finish in order, but a batch with no device
    /// node starts while the one before is still being read).
    fn advance(&mut self, end: usize) {
        self.progress_at = self.progress_at.max(end);
        self.progress.set_position(self.progress_at as u64);
    }

    /// Assembles a finished batch's node runs.
    fn finish(&mut self, l: Live<'_>) {
        let (r, prep) = (&l.prep.r, &l.prep);
        self.stats.rounds += u64::from(l.last.round);
        self.stats.gains += l.last.gains + u64::from(r.params.n_cands);
        self.stats.incidences +=
            l.last.incidences + u64::from(*r.inc_base.last().expect("n + 1 entries"));
        for (x, (mut log, &v)) in l.logs.into_iter().zip(&prep.device).enumerate() {
            let p = &prep.problems[v];
            let base = r.cand_base[x] as usize;
            let init = &l.initial[base..base + p.n_candidates()];
            log.deltas.sort_unstable_by_key(|&(round, c, _)| (round, c));
            let mut run = NodeRun {
                node: p.node,
                n_candidates: p.n_candidates() as u32,
                n_incidences: p.n_incidences() as u64,
                initial: init
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| **g > 0.0)
                    .map(|(j, &g)| (j as u32, g))
                    .collect(),
                steps: log.steps,
                deltas: Vec::with_capacity(log.deltas.len()),
                incidences_evaluated: 0,
            };
            let mut d = log.deltas.iter().peekable();
            for (s, step) in run.steps.iter_mut().enumerate() {
                step.delta_start = run.deltas.len() as u32;
                while let Some(&&(round, c, g)) = d.peek() {
                    if round as usize != s + 1 {
                        break;
                    }
                    run.deltas.push((c, g));
                    d.next();
                }
                step.delta_end = run.deltas.len() as u32;
            }
            self.runs.push(run);
        }
        self.advance(prep.nodes.end);
    }
}

/// Whether node problem `p` runs on the host: a non-finite weight or initial best (the
/// kernels see finite values only; WGSL lets implementations assume no ∞/NaN), or a
/// candidate with more than [`MAX_CANDIDATE_INCIDENCES`] incidences (one invocation's loop).
fn host_node(p: &NodeProblem) -> bool {
    p.init_best.iter().any(|b| !b.is_finite())
        || p.inc_w.iter().any(|w| !w.is_finite())
        || p.inc_start
            .windows(2)
            .any(|w| (w[1] - w[0]) as usize > MAX_CANDIDATE_INCIDENCES)
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

/// Every node's greedy run with the greedies resident on the GPU: node batches of at most
/// `opts.batch_incidences` incidences (and one storage binding per buffer), in node order.
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
            what: "netinf's exact greedy kernels".into(),
        });
    }
    let t0 = Instant::now();
    let cpu0 = thread_cpu_seconds(t0);
    let n = keys.len();
    let max_bytes = opts
        .segment_incidences
        .map_or(u64::MAX, |s| 8 * s as u64)
        .min(ctx.max_binding_bytes());
    let sizes = node_incidences(set, index, n);
    // Batches: nodes in order while every buffer fits.
    let mut batches = Vec::new();
    let mut v = 0usize;
    while v < n {
        let mut end = v;
        let (mut inc, mut casc, mut cand) = (0u64, 0u64, 0u64);
        while end < n {
            // A node's candidates: at most its incidences and at most the other nodes.
            let c2 = cand + sizes[end].min(n as u64 - 1);
            let (i2, k2) = (inc + sizes[end], casc + index.of(end).len() as u64);
            let fits = resident_bytes((end - v + 1) as u64, c2, k2, i2) <= max_bytes;
            if end > v && (!fits || i2 > opts.batch_incidences as u64) {
                break;
            }
            (inc, casc, cand) = (i2, k2, c2);
            end += 1;
        }
        batches.push(v..end);
        v = end;
    }
    let inputs = PrepareInputs {
        ctx,
        set,
        index,
        params,
        keys,
        limit,
        kth: kth.limit,
        log_spare: opts.log_spare,
        max_bytes,
    };
    let mut stream = Stream {
        ctx,
        kth,
        keys,
        limit,
        lives: Default::default(),
        inflight: Default::default(),
        next_id: 0,
        expect: None,
        carry: None,
        profile: opts.profile,
        stats: GpuStats {
            adapter: ctx.describe(),
            ..Default::default()
        },
        meter: Meter::default(),
        runs: Vec::with_capacity(n),
        progress,
        progress_at: 0,
    };
    // The first batch is prepared before the device has anything to do; each later one on
    // other threads while the device runs the batches before it.
    let mut first_prepare = 0.0;
    std::thread::scope(|scope| -> Result<(), GpuError> {
        let mut queue = batches.into_iter();
        let spawn = |nodes: std::ops::Range<usize>| {
            let inputs = &inputs;
            scope.spawn(move || prepare(inputs, nodes))
        };
        let mut ahead = queue.next().map(spawn);
        loop {
            if stream.lives.back().is_none_or(|l| l.done)
                && let Some(h) = ahead.take()
            {
                let prep = h.join().expect("preparing a batch does not panic");
                if stream.stats.batches == 0 {
                    first_prepare = prep.seconds + prep.seconds_upload;
                }
                ahead = queue.next().map(spawn);
                stream.start(prep)?;
                continue;
            }
            let running = stream.lives.back().is_some_and(|l| !l.done);
            if running
                && stream.inflight.len() < 2
                && stream
                    .lives
                    .back()
                    .is_some_and(|l| l.wants_rounds(stream.queued(l.id)))
            {
                stream.record(true)?;
            } else if ahead.is_none()
                && !running
                && stream.lives.iter().any(|l| l.copied != l.known)
            {
                // The last batch's last log entries, with no next batch to carry them.
                stream.record(false)?;
            } else if !stream.inflight.is_empty() {
                stream.process()?;
            } else {
                debug_assert!(stream.lives.is_empty() && ahead.is_none());
                break;
            }
        }
        Ok(())
    })?;
    let Stream {
        mut stats,
        meter,
        runs,
        ..
    } = stream;
    stats.submissions = meter.submissions;
    stats.bytes_up = meter.bytes_up;
    stats.bytes_down = meter.bytes_down;
    stats.seconds_wait = meter.seconds_wait;
    stats.seconds_host = thread_cpu_seconds(t0) - cpu0 + first_prepare;
    Ok((runs, stats))
}
