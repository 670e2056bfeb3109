//! Every kernel of the crate, for the static shader tests.

use super::kernel::KernelSpec;

/// All registered kernels.
pub const ALL_KERNELS: &[&KernelSpec] = &[
    &super::SELFTEST_LOOP,
    &crate::influence::gpu::LINEAR,
    &crate::netinf::gpu::GAINS,
];
