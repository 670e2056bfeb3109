//! GPU path of the influence capability: kernel registration and host code.
//!
//! `linear` packs a batch of cascades (per-event time deltas and weights, computed in f64 on
//! the host), runs `shaders/influence/linear.wgsl` with one cascade per invocation, and
//! scatters the f32 results back as f64. Cascades over [`GPU_MAX_EVENTS`] events run on the
//! CPU reference instead (one invocation would loop too long: lavapipe and real GPUs stop
//! long-running invocations); the splitting scan form for very long cascades is not written yet.

use super::cpu::{LinearScratch, linear as cpu_linear};
use super::{InfluenceParams, SelfTerm};
use crate::cascade::CascadeSet;
use crate::gpu::{Binding, Context, GpuError, KernelSpec, dispatch};

/// Uniform parameters of the linear kernel.
/// Mirrors struct LinearParams in shaders/influence/linear.wgsl — keep in sync (checked by
/// tests/integration/shaders.rs).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct LinearParams {
    /// Cascades in the batch.
    pub n_cascades: u32,
    /// `s`: 1 or 2.
    pub power: u32,
    /// 1 when the self term is included.
    pub self_included: u32,
    /// 1 when α is set.
    pub has_alpha: u32,
    /// `r` per second.
    pub decay: f32,
    /// `α` (ignored unless `has_alpha`).
    pub alpha: f32,
    /// Padding to 32 bytes.
    pub _pad0: u32,
    /// Padding to 32 bytes.
    pub _pad1: u32,
}

/// The linear kernel.
pub const LINEAR: KernelSpec = KernelSpec {
    name: "cascadia.influence.linear",
    source: include_str!("../../shaders/influence/linear.wgsl"),
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

/// Largest cascade sent to the GPU: the kernel loops 2(n − 1) times per invocation.
pub const GPU_MAX_EVENTS: usize = 16_384;

/// f32 kernel vs the f64 reference: each event's value is a sum/product chain over at most
/// n terms of relative error ~ε₃₂ = 6e-8, and the exponentials carry ~1e-7 each; over
/// 16,384-event cascades the bound is ~1e-3 relative. Measured over the adversarial batch of
/// tests/integration/gpu.rs (ties, 3e7 s gaps, zero followers, up to 2,000 events, five
/// parameter sets): f32 twin vs f64 1.3e-6, lavapipe (Mesa 25.0.7) vs f64 3.8e-6. The absolute
/// part covers values far below 1.
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

/// Packs the cascades of `set` with at most `GPU_MAX_EVENTS` events.
pub fn pack(set: &CascadeSet, params: &InfluenceParams) -> Packed {
    let mut p = Packed {
        offsets: vec![0],
        ..Default::default()
    };
    for (i, c) in set.iter().enumerate() {
        if c.len() > GPU_MAX_EVENTS {
            continue;
        }
        for k in 0..c.len() {
            let dt = if k == 0 {
                0.0
            } else {
                c.times[k] - c.times[k - 1]
            };
            p.dt.push(dt as f32);
            p.w.push(params.weight(c.magnitudes[k]) as f32);
        }
        p.offsets
            .push(u32::try_from(p.dt.len()).expect("a batch holds fewer than 2^32 events"));
        p.cascades.push(i);
    }
    p.params = LinearParams {
        n_cascades: u32::try_from(p.cascades.len()).expect("fewer than 2^32 cascades per batch"),
        power: if params.power == super::Power::Two {
            2
        } else {
            1
        },
        self_included: u32::from(params.self_term == SelfTerm::Included),
        has_alpha: u32::from(params.alpha.is_some()),
        decay: params.decay_per_s as f32,
        alpha: params.alpha.unwrap_or(1.0) as f32,
        _pad0: 0,
        _pad1: 0,
    };
    p
}

/// Tweet influence of every event of `set` into `out` (flat, by the set's offsets) on the
/// GPU; cascades over `GPU_MAX_EVENTS` events on the CPU reference.
///
/// # Errors
/// A GPU error (limits, validation, read-back).
pub fn linear(
    ctx: &Context,
    set: &CascadeSet,
    params: &InfluenceParams,
    out: &mut [f64],
) -> Result<(), GpuError> {
    let p = pack(set, params);
    if p.params.n_cascades > 0 {
        let (gx, gy) = dispatch::grid_1d(p.params.n_cascades, LINEAR.workgroup_size[0]);
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
            (gx, gy),
        )?;
        let vals: &[f32] = bytemuck::cast_slice(&res[0]);
        let offsets = set.offsets();
        for (k, &ci) in p.cascades.iter().enumerate() {
            let (a, b) = (p.offsets[k] as usize, p.offsets[k + 1] as usize);
            for (o, &v) in out[offsets[ci]..offsets[ci + 1]]
                .iter_mut()
                .zip(&vals[a..b])
            {
                *o = f64::from(v);
            }
        }
    }
    let mut scratch = LinearScratch::default();
    let offsets = set.offsets();
    for (i, c) in set.iter().enumerate() {
        if c.len() > GPU_MAX_EVENTS {
            cpu_linear(
                c,
                params,
                &mut scratch,
                &mut out[offsets[i]..offsets[i + 1]],
            );
        }
    }
    Ok(())
}
