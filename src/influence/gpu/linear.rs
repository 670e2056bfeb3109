//! The linear kernel (one cascade per invocation) and its scan form for very long cascades.

use super::linear_scan::{linear_scan, pack_scan};
use super::{Device, scatter};
use crate::cascade::CascadeSet;
use crate::gpu::{Binding, GpuError, KernelSpec, dispatch};
use crate::influence::InfluenceValidParams;
use crate::influence::cpu::{LinearScratch, linear as cpu_linear, linear_twin};
use crate::influence::packing::{plan, split_lens};
use crate::influence::uniforms::LinearParams;
use crate::influence::{Power, SelfTerm};

/// The linear kernel.
pub const LINEAR: KernelSpec = KernelSpec {
    name: "cascadia.influence.linear",
    source: include_str!("../../../shaders/influence/linear.wgsl"),
    entry: "main",
    workgroup_size: [64, 1, 1],
    bindings: &[
        Binding::Uniform,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadWrite,
    ],
};

/// Largest cascade ever sent to the one-invocation kernel (it loops 2(n − 1) times per
/// invocation); [`LinearOptions::max_invocation_events`] is capped at it.
pub const GPU_MAX_EVENTS: usize = 16_384;

/// Longest cascade the linear path sends to the GPU; longer ones are computed by the f64 CPU
/// reference (~20 ms per 10⁶ events on one core). The f32 error grows with the cascade: on an
/// NVIDIA H100 (approximate f32 `exp` and division) one 10⁵-event cascade measured 2.3e-5 and
/// one 10⁶-event cascade 1.8e-4 against the f64 reference, near [`F32_TOLERANCE`]
/// (`cargo run --release --example gpu_precision`), so the stated tolerance is only claimed up
/// to here.
pub const GPU_LINEAR_MAX_EVENTS: usize = 1_000_000;

/// Default [`LinearOptions::max_invocation_events`] and [`LinearOptions::scan_chunk_events`]:
/// measured on an NVIDIA H100 (`cargo run --release --example gpu_linear_sweep`), one
/// invocation per cascade of up to 256 events and 256-event chunks above beat the previous
/// 16,384 / 1,024 split by 1.1× (10,000 × 300), 1.2× (1,000 × 1,000), 3.6× (100 × 10,000) and
/// 8× (8 × 16,384), and tie on one 10⁶-event cascade: a GPU invocation walking a long cascade
/// alone is latency-bound, so long cascades need many short chunks in flight.
pub const DEFAULT_SPLIT_EVENTS: usize = 256;

/// f32 kernel vs the f64 reference: each event's value is a sum/product chain over at most
/// n terms of relative error ~ε₃₂ = 6e-8, and the exponentials carry ~1e-7 each. Measured over
/// the adversarial batch of tests/integration/gpu.rs (ties, 3e7 s gaps, zero followers, up to
/// 2,000 events, five parameter sets): f32 twin vs f64 1.3e-6, lavapipe (Mesa 25.0.7) vs f64
/// 3.8e-6; the scan form on one synthetic cascade of 10⁵ / 10⁶ events: twin 1.4e-5 / 2.8e-5,
/// lavapipe 1.7e-5 / 5.3e-5 (s = 1 is the worst). The absolute part covers values far below 1.
pub const F32_TOLERANCE: (f64, f64) = (2e-4, 1e-6);

/// The packed, f32 form of a batch that the kernel (and its twin) read.
#[derive(Clone, Debug, Default)]
pub struct Packed {
    /// Uniform parameters.
    pub params: LinearParams,
    /// Event offsets per packed cascade.
    pub offsets: Vec<u32>,
    /// `t_e − t_{e−1}` (0 for a root).
    pub dt: Vec<f32>,
    /// `max(f, 1)^β`.
    pub w: Vec<f32>,
    /// For each packed cascade, its index in the set.
    pub cascades: Vec<usize>,
}

/// How the linear path splits a batch.
#[derive(Clone, Copy, Debug)]
pub struct LinearOptions {
    /// Cascades up to this many events run one per invocation; longer ones take the scan
    /// form (default [`DEFAULT_SPLIT_EVENTS`]; capped at [`GPU_MAX_EVENTS`]).
    pub max_invocation_events: usize,
    /// Least events per chunk of the scan form (default [`DEFAULT_SPLIT_EVENTS`]). A group's
    /// chunks grow to √n for its largest cascade of n events (a 10⁶-event cascade: 1,000
    /// chunks of 1,000 events), so that the carries, which loop over a cascade's chunks, loop
    /// at most √n times.
    pub scan_chunk_events: usize,
}

impl Default for LinearOptions {
    fn default() -> Self {
        LinearOptions {
            max_invocation_events: DEFAULT_SPLIT_EVENTS,
            scan_chunk_events: DEFAULT_SPLIT_EVENTS,
        }
    }
}

/// What a [`linear_with`] run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinearReport {
    /// Groups of short cascades (one submission each on a GPU).
    pub groups: usize,
    /// Groups of long cascades in the scan form.
    pub scan_groups: usize,
    /// Chunks of the scan form, all groups together.
    pub scan_chunks: usize,
    /// Cascades too large for one storage binding or over [`GPU_LINEAR_MAX_EVENTS`], computed
    /// by the f64 CPU reference.
    pub cpu_cascades: usize,
}

pub(super) fn linear_params(params: &InfluenceValidParams, n_cascades: usize) -> LinearParams {
    LinearParams {
        n_cascades: u32::try_from(n_cascades).expect("fewer than 2^32 cascades per group"),
        power: if params.power == Power::Two { 2 } else { 1 },
        self_included: u32::from(params.self_term == SelfTerm::Included),
        has_alpha: u32::from(params.alpha.is_some()),
        decay: params.decay_per_s as f32,
        alpha: params.alpha.unwrap_or(1.0) as f32,
        _pad0: 0,
        _pad1: 0,
    }
}

/// The listed cascades' events concatenated in list order: event offsets (`len + 1`
/// entries), `dt` and `w` (f64 on the host, then f32). Cascades in parallel, `β = 1` decided
/// once (in the loop the compiler calls `pow` for every event).
pub(super) fn pack_events(
    set: &CascadeSet,
    cascades: &[usize],
    params: &InfluenceValidParams,
) -> (Vec<u32>, Vec<f32>, Vec<f32>) {
    use rayon::prelude::*;
    let lens = || cascades.iter().map(|&i| set.get(i).len());
    let mut offsets = Vec::with_capacity(cascades.len() + 1);
    offsets.push(0);
    let mut total = 0;
    for n in lens() {
        total += n;
        offsets.push(u32_len(total));
    }
    let (mut dt, mut w) = (vec![0.0f32; total], vec![0.0f32; total]);
    let jobs: Vec<_> = cascades
        .iter()
        .zip(split_lens(&mut dt, lens()))
        .zip(split_lens(&mut w, lens()))
        .map(|((&i, dt), w)| (i, dt, w))
        .collect();
    let unit = params.beta == 1.0;
    jobs.into_par_iter()
        .with_min_len(64)
        .for_each(|(i, dt, w)| {
            let c = set.get(i);
            if let Some(d) = dt.first_mut() {
                *d = 0.0;
            }
            for (d, t) in dt.iter_mut().skip(1).zip(c.times.windows(2)) {
                *d = (t[1] - t[0]) as f32;
            }
            if unit {
                for (w, &m) in w.iter_mut().zip(c.magnitudes) {
                    *w = m.max(1.0) as f32;
                }
            } else {
                for (w, &m) in w.iter_mut().zip(c.magnitudes) {
                    *w = m.max(1.0).powf(params.beta) as f32;
                }
            }
        });
    (offsets, dt, w)
}

pub(super) fn u32_len(n: usize) -> u32 {
    u32::try_from(n).expect("a group holds fewer than 2^32 events")
}

/// Packs the listed cascades of `set` for the one-invocation kernel.
pub fn pack_group(set: &CascadeSet, cascades: &[usize], params: &InfluenceValidParams) -> Packed {
    let (offsets, dt, w) = pack_events(set, cascades, params);
    Packed {
        params: linear_params(params, cascades.len()),
        offsets,
        dt,
        w,
        cascades: cascades.to_vec(),
    }
}

/// Packs every cascade of `set` with at most [`GPU_MAX_EVENTS`] events, in input order.
pub fn pack(set: &CascadeSet, params: &InfluenceValidParams) -> Packed {
    let idx: Vec<usize> = (0..set.len())
        .filter(|&i| set.get(i).len() <= GPU_MAX_EVENTS)
        .collect();
    pack_group(set, &idx, params)
}

/// Tweet influence of every event of `set` into `out` (flat, by the set's offsets) on the
/// GPU with the default [`LinearOptions`].
///
/// # Errors
/// A GPU error (validation, lost device, read-back).
pub fn linear(
    ctx: &crate::gpu::Context,
    set: &CascadeSet,
    params: &InfluenceValidParams,
    out: &mut [f64],
) -> Result<(), GpuError> {
    linear_with(
        Device::gpu(ctx),
        set,
        params,
        &LinearOptions::default(),
        out,
    )
    .map(|_| ())
}

/// Tweet influence of every event of `set` into `out` on `device`: short cascades by the
/// one-invocation kernel, long ones by the scan kernels, each in groups by size under the
/// device's byte budget (4 bytes per event in the largest buffer); a cascade too large for
/// one binding, or over [`GPU_LINEAR_MAX_EVENTS`], by the f64 CPU reference.
///
/// # Errors
/// A GPU error (validation, lost device, read-back).
pub fn linear_with(
    device: Device<'_>,
    set: &CascadeSet,
    params: &InfluenceValidParams,
    options: &LinearOptions,
    out: &mut [f64],
) -> Result<LinearReport, GpuError> {
    let sizes: Vec<usize> = set.iter().map(|c| c.len()).collect();
    // Over GPU_LINEAR_MAX_EVENTS a cascade is "over every budget": the f64 CPU computes it.
    let cost = |n: usize| {
        if n > GPU_LINEAR_MAX_EVENTS {
            u64::MAX
        } else {
            4 * n as u64
        }
    };
    let budget = device.budget();
    let max_inv = options.max_invocation_events.clamp(1, GPU_MAX_EVENTS);
    let chunk = options.scan_chunk_events.max(1);
    let short = plan(&sizes, |i| sizes[i] <= max_inv, cost, budget);
    let long = plan(&sizes, |i| sizes[i] > max_inv, cost, budget);
    let mut report = LinearReport::default();
    for g in &short.groups {
        let p = pack_group(set, &g.cascades, params);
        let vals = run_short(device, &p)?;
        scatter(set, &g.cascades, &vals, out);
        report.groups += 1;
    }
    for g in &long.groups {
        let largest = g.cascades.iter().map(|&i| sizes[i]).max().unwrap_or(0);
        let p = pack_scan(set, &g.cascades, params, group_chunk(chunk, largest));
        let vals = linear_scan(device, &p)?;
        scatter(set, &g.cascades, &vals, out);
        report.scan_groups += 1;
        report.scan_chunks += p.params.n_chunks as usize;
    }
    let mut scratch = LinearScratch::default();
    let offsets = set.offsets();
    for &i in short.oversize.iter().chain(&long.oversize) {
        cpu_linear(
            set.get(i),
            params,
            &mut scratch,
            &mut out[offsets[i]..offsets[i + 1]],
        );
        report.cpu_cascades += 1;
    }
    Ok(report)
}

/// Chunk length of a scan group whose largest cascade has `largest` events: at least `chunk`,
/// and at least √largest, so that neither a chunk's replay nor the carries' chain over the
/// chunks is longer than ~√n steps (the f32 error grows with the longer of the two: measured
/// on one 10⁶-event cascade on an H100, 1.6e-4 with 256-event chunks, 3,900 carry steps). The
/// carries then loop at most √n times: 5,657 for the largest cascade one binding holds.
fn group_chunk(chunk: usize, largest: usize) -> usize {
    chunk.max(largest.isqrt())
}

fn run_short(device: Device<'_>, p: &Packed) -> Result<Vec<f32>, GpuError> {
    match device {
        Device::Twin { .. } => {
            let mut out = vec![0.0f32; p.dt.len()];
            linear_twin(&p.params, &p.offsets, &p.dt, &p.w, &mut out);
            Ok(out)
        }
        Device::Gpu { ctx, .. } => {
            let grid = dispatch::grid_1d(p.params.n_cascades, LINEAR.workgroup_size[0]);
            let zeros = vec![0u8; p.dt.len() * 4];
            let res = ctx.run(
                &LINEAR,
                bytemuck::bytes_of(&p.params),
                &[
                    bytemuck::cast_slice(&p.offsets),
                    bytemuck::cast_slice(&p.dt),
                    bytemuck::cast_slice(&p.w),
                ],
                &[&zeros],
                grid,
            )?;
            Ok(bytemuck::pod_collect_to_vec(&res[0]))
        }
    }
}
