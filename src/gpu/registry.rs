//! Every kernel of the crate, for the static shader tests.

use super::kernel::KernelSpec;

/// All registered kernels.
pub const ALL_KERNELS: &[&KernelSpec] = &[
    &super::SELFTEST_LOOP,
    &crate::influence::gpu::LINEAR,
    &crate::influence::gpu::SCAN_FWD_LOCAL,
    &crate::influence::gpu::SCAN_FWD_CARRY,
    &crate::influence::gpu::SCAN_FWD_APPLY,
    &crate::influence::gpu::SCAN_BWD_CARRY,
    &crate::influence::gpu::SCAN_BWD_APPLY,
    &crate::influence::gpu::RECURSION_Q,
    &crate::influence::gpu::RECURSION_M,
    &crate::netinf::gpu::GAINS,
];
