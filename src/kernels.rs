//! Every kernel of the crate, for the static shader tests. It sits above the GPU runtime and
//! the capabilities (each registers its kernels in its own `gpu` module), so that the runtime
//! imports no capability.

use crate::gpu::KernelSpec;

/// All registered kernels.
pub const ALL_KERNELS: &[&KernelSpec] = &[
    &crate::gpu::SELFTEST_LOOP,
    &crate::influence::gpu::LINEAR,
    &crate::influence::gpu::LINEAR_SCAN_FWD_LOCAL,
    &crate::influence::gpu::LINEAR_SCAN_FWD_CARRY,
    &crate::influence::gpu::LINEAR_SCAN_FWD_APPLY,
    &crate::influence::gpu::LINEAR_SCAN_BWD_CARRY,
    &crate::influence::gpu::LINEAR_SCAN_BWD_APPLY,
    &crate::influence::gpu::RECURSION_Q,
    &crate::influence::gpu::RECURSION_M,
    &crate::influence::gpu::tune::TUNE_AUC,
    &crate::netinf::gpu::GAINS,
    &crate::netinf::gpu::GREEDY_INIT,
    &crate::netinf::gpu::GREEDY_BEGIN,
    &crate::netinf::gpu::GREEDY_PICK,
    &crate::netinf::gpu::GREEDY_ARGS_UPDATE,
    &crate::netinf::gpu::GREEDY_UPDATE,
    &crate::netinf::gpu::GREEDY_ARGS_MARK,
    &crate::netinf::gpu::GREEDY_MARK,
    &crate::netinf::gpu::GREEDY_ARGS_EVAL,
    &crate::netinf::gpu::GREEDY_EVAL,
    &crate::survival::gpu::TERM_RATES,
    &crate::survival::gpu::EM_UPDATE,
    &crate::threshold::gpu::SEED,
    &crate::threshold::gpu::SPREAD,
    &crate::threshold::gpu::ACTIVATE,
    &crate::threshold::gpu::COUNT,
];
