//! GPU path of the influence capability: kernel registration and host code.
//!
//! - [`linear`] (`shaders/influence/linear.wgsl`, one cascade per invocation) for cascades up
//!   to [`LinearOptions::max_invocation_events`], and the chunked scan form
//!   (`shaders/influence/linear_scan.wgsl`, five entry points in one submission) for longer
//!   ones, so that one 10⁶-event cascade spreads over ~10³ invocations instead of serialising
//!   a batch.
//! - [`recursion`] (`shaders/influence/recursion.wgsl`): the paper's M×P column recursion,
//!   many cascades per submission, with the full pairwise M when asked.
//!
//! Every [`Device`] runs a batch through `influence::packing::plan`: groups of cascades of similar
//! sizes under a byte budget (the device's storage binding limit), results written back in
//! input order. [`Device::Twin`] runs the kernels' f32 CPU twins over the very same groups,
//! so the packing and the kernels' arithmetic are checked without a GPU.

mod linear;
mod linear_scan;
mod recursion;
pub mod tune;

pub use linear::{
    DEFAULT_SPLIT_EVENTS, F32_TOLERANCE, GPU_LINEAR_MAX_EVENTS, GPU_MAX_EVENTS, LINEAR,
    LinearOptions, LinearReport, linear, linear_with,
};
// The packed layouts, for the tests that run kernels and twins on the same packing; not API.
#[doc(hidden)]
pub use linear::{Packed, pack, pack_group};
pub use linear_scan::{
    LINEAR_SCAN_BWD_APPLY, LINEAR_SCAN_BWD_CARRY, LINEAR_SCAN_FWD_APPLY, LINEAR_SCAN_FWD_CARRY,
    LINEAR_SCAN_FWD_LOCAL,
};
#[doc(hidden)]
pub use linear_scan::{ScanPacked, pack_scan};
pub use recursion::{
    RECURSION_F32_TOLERANCE, RECURSION_M, RECURSION_Q, RecursionReport, recursion,
    recursion_matrices,
};
#[doc(hidden)]
pub use recursion::{RecursionPacked, pack_recursion};

use crate::cascade::CascadeSet;
use crate::gpu::Context;

/// Where the packed groups of the GPU path run: a device, or the kernels' f32 CPU twins (which
/// check the packing and the kernels' arithmetic without a GPU). Not a [`crate::backend::Backend`]:
/// both variants compute what the device computes, in f32.
#[derive(Clone, Copy, Debug)]
pub enum Device<'a> {
    /// The WGSL kernels on a device; groups under `max_group_bytes` and the device's storage
    /// binding limit.
    Gpu {
        /// The device.
        ctx: &'a Context,
        /// A cap on a group's largest buffer, below the binding limit (tests use it to split
        /// a batch into many groups).
        max_group_bytes: u64,
    },
    /// The kernels' f32 CPU twins over the same packing.
    Twin {
        /// Bytes of a group's largest buffer.
        max_group_bytes: u64,
    },
}

impl<'a> Device<'a> {
    /// The device, grouped under its storage binding limit.
    pub fn gpu(ctx: &'a Context) -> Self {
        Device::Gpu {
            ctx,
            max_group_bytes: u64::MAX,
        }
    }

    /// The twins, grouped as on a device with lavapipe's 128 MiB binding limit.
    pub fn twin() -> Self {
        Device::Twin {
            max_group_bytes: 128 << 20,
        }
    }

    fn budget(&self) -> u64 {
        match self {
            Device::Gpu {
                ctx,
                max_group_bytes,
            } => ctx.max_binding_bytes().min(*max_group_bytes),
            Device::Twin { max_group_bytes } => *max_group_bytes,
        }
    }
}

/// Copies a group's f32 per-event results (its cascades' events concatenated in group order,
/// as every kernel here lays them out) into `out` (flat, by the set's offsets), cascades in
/// parallel.
fn scatter(set: &CascadeSet, cascades: &[usize], vals: &[f32], out: &mut [f64]) {
    use rayon::prelude::*;
    let mut slots: Vec<Option<&mut [f64]>> =
        super::packing::split_lens(out, set.iter().map(|c| c.len()))
            .into_iter()
            .map(Some)
            .collect();
    let mut a = 0;
    let jobs: Vec<_> = cascades
        .iter()
        .map(|&ci| {
            let o = slots[ci].take().expect("each cascade once in a group");
            let v = &vals[a..a + o.len()];
            a += o.len();
            (o, v)
        })
        .collect();
    jobs.into_par_iter().with_min_len(64).for_each(|(o, v)| {
        for (o, &v) in o.iter_mut().zip(v) {
            *o = f64::from(v);
        }
    });
}
