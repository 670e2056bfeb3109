//! The linear algorithm's chunked scan form for long cascades
//! (`shaders/influence/linear_scan.wgsl`, five entry points; CPU twin
//! `cpu/linear_scan.rs::linear_scan_twin`): packing, registration and dispatch.

use super::Device;
use super::linear::{linear_params, pack_events, u32_len};
use crate::cascade::CascadeSet;
use crate::gpu::{Binding, Dispatch, GpuBuffer, GpuError, KernelSpec, dispatch};
use crate::influence::InfluenceValidParams;
use crate::influence::cpu::linear_scan_twin;
use crate::influence::uniforms::ScanParams;

const SCAN_SOURCE: &str = include_str!("../../../shaders/influence/linear_scan.wgsl");
const SCAN_BINDINGS: &[Binding] = &[
    Binding::Uniform,
    Binding::ReadOnly,
    Binding::ReadOnly,
    Binding::ReadOnly,
    Binding::ReadWrite,
    Binding::ReadWrite,
    Binding::ReadWrite,
    Binding::ReadWrite,
];

macro_rules! scan_kernel {
    ($name:ident, $entry:literal, $doc:literal) => {
        #[doc = $doc]
        pub const $name: KernelSpec = KernelSpec {
            name: concat!("cascadia.influence.linear_scan.", $entry),
            source: SCAN_SOURCE,
            entry: $entry,
            workgroup_size: [64, 1, 1],
            bindings: SCAN_BINDINGS,
        };
    };
}
scan_kernel!(
    LINEAR_SCAN_FWD_LOCAL,
    "fwd_local",
    "Scan pass 1: each chunk's forward affine map."
);
scan_kernel!(
    LINEAR_SCAN_FWD_CARRY,
    "fwd_carry",
    "Scan pass 2: the D entering each chunk."
);
scan_kernel!(
    LINEAR_SCAN_FWD_APPLY,
    "fwd_apply",
    "Scan pass 3: G per event, each chunk's backward map."
);
scan_kernel!(
    LINEAR_SCAN_BWD_CARRY,
    "bwd_carry",
    "Scan pass 4: the U at the top of each chunk."
);
scan_kernel!(
    LINEAR_SCAN_BWD_APPLY,
    "bwd_apply",
    "Scan pass 5: tweet influence per event."
);

/// The packed form of a group of long cascades for the scan kernels.
#[derive(Clone, Debug, Default)]
pub struct ScanPacked {
    /// Uniform parameters.
    pub params: ScanParams,
    /// `[chunk bounds | chunk → cascade | cascade event starts | cascade chunk starts]`.
    pub index: Vec<u32>,
    /// As [`super::Packed::dt`].
    pub dt: Vec<f32>,
    /// As [`super::Packed::w`].
    pub w: Vec<f32>,
    /// For each packed cascade, its index in the set.
    pub cascades: Vec<usize>,
}

/// Packs the listed cascades of `set` for the scan kernels, in chunks of `chunk` events.
///
/// # Panics
/// If `chunk` is 0.
pub fn pack_scan(
    set: &CascadeSet,
    cascades: &[usize],
    params: &InfluenceValidParams,
    chunk: usize,
) -> ScanPacked {
    assert!(chunk > 0, "chunks hold at least one event");
    let (starts, dt, w) = pack_events(set, cascades, params);
    let n = dt.len();
    let (mut bounds, mut owner, mut chunk0) = (vec![], vec![], vec![0]);
    for (ci, se) in starts.windows(2).enumerate() {
        let (s, e) = (se[0] as usize, se[1] as usize);
        let mut p = s;
        while p < e {
            bounds.push(u32_len(p));
            owner.push(u32_len(ci));
            p = (p + chunk).min(e);
        }
        chunk0.push(u32_len(bounds.len()));
    }
    let n_chunks = bounds.len();
    bounds.push(u32_len(n));
    let lp = linear_params(params, cascades.len());
    let mut index = bounds;
    index.extend(owner);
    index.extend(starts);
    index.extend(chunk0);
    ScanPacked {
        params: ScanParams {
            n_chunks: u32_len(n_chunks),
            n_cascades: lp.n_cascades,
            power: lp.power,
            self_included: lp.self_included,
            has_alpha: lp.has_alpha,
            decay: lp.decay,
            alpha: lp.alpha,
            _pad: 0,
        },
        index,
        dt,
        w,
        cascades: cascades.to_vec(),
    }
}

/// Runs the five scan entry points of one packed group in one submission (or their twin) and
/// returns the group's tweet influences in packed order.
///
/// # Errors
/// A GPU error.
pub(super) fn linear_scan(device: Device<'_>, p: &ScanPacked) -> Result<Vec<f32>, GpuError> {
    let n = p.dt.len();
    match device {
        Device::Twin { .. } => {
            let (mut g, mut out) = (vec![0.0f32; n], vec![0.0f32; n]);
            linear_scan_twin(&p.params, &p.index, &p.dt, &p.w, &mut g, &mut out);
            Ok(out)
        }
        Device::Gpu { ctx, .. } => {
            let chunks = u64::from(p.params.n_chunks);
            let index = ctx.upload("linear_scan index", bytemuck::cast_slice(&p.index))?;
            let dt = ctx.upload("linear_scan dt", bytemuck::cast_slice(&p.dt))?;
            let w = ctx.upload("linear_scan w", bytemuck::cast_slice(&p.w))?;
            let g = ctx.zeroed("linear_scan g", 4 * n as u64)?;
            let out = ctx.zeroed("linear_scan out", 4 * n as u64)?;
            let comp = ctx.zeroed("linear_scan comp", 8 * chunks)?;
            let carry = ctx.zeroed("linear_scan carry", 4 * chunks)?;
            let buffers: [&GpuBuffer; 7] = [&index, &dt, &w, &g, &out, &comp, &carry];
            let per_chunk = dispatch::grid_1d(p.params.n_chunks, 64);
            let per_cascade = dispatch::grid_1d(p.params.n_cascades, 64);
            let uniform = bytemuck::bytes_of(&p.params);
            let d = |kernel, grid| Dispatch {
                kernel,
                uniform,
                buffers: &buffers,
                grid,
            };
            let res = ctx.submit(
                &[
                    d(&LINEAR_SCAN_FWD_LOCAL, per_chunk),
                    d(&LINEAR_SCAN_FWD_CARRY, per_cascade),
                    d(&LINEAR_SCAN_FWD_APPLY, per_chunk),
                    d(&LINEAR_SCAN_BWD_CARRY, per_cascade),
                    d(&LINEAR_SCAN_BWD_APPLY, per_chunk),
                ],
                &[(&out, 4 * n as u64)],
            )?;
            Ok(bytemuck::pod_collect_to_vec(&res[0]))
        }
    }
}
