//! A cache hint for random lookups whose keys are known a few steps ahead.

/// Starts loading the cache line that holds `x`, without waiting for it: a hint with no
/// effect on results (x86-64 `prefetcht0`; nothing on other targets).
#[inline(always)]
pub(crate) fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    safe_arch::prefetch_t0(x);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
