//! The start-up self-test: refuses drivers that silently truncate long shader loops (Debian
//! 12's Mesa 22.3 lavapipe stops each invocation after 65,535 iterations).

use super::{Binding, Context, GpuError, KernelSpec};

/// The loop-truncation self-test kernel (`shaders/gpu/selftest_loop.wgsl`). It has no CPU twin:
/// the host computes its expected output (an iteration count) directly.
pub(crate) const SELFTEST_LOOP: KernelSpec = KernelSpec {
    name: "cascadia.gpu.selftest_loop",
    source: include_str!("../../shaders/gpu/selftest_loop.wgsl"),
    entry: "main",
    workgroup_size: [1, 1, 1],
    bindings: &[Binding::Uniform, Binding::ReadWrite],
};

/// Iterations of the self-test loop: above Mesa 22.3's 65,535 cap.
pub(super) const SELFTEST_ITERATIONS: u32 = 70_000;

/// The self-test's verdict: a driver whose loop ran fewer iterations than asked is refused.
///
/// # Errors
/// [`GpuError::TruncatingDriver`] when `got != wanted`.
pub(crate) fn check_loop_count(driver: &str, wanted: u32, got: u32) -> Result<(), GpuError> {
    if got == wanted {
        Ok(())
    } else {
        Err(GpuError::TruncatingDriver {
            driver: driver.to_string(),
            wanted,
            got,
        })
    }
}

impl Context {
    pub(super) fn self_test(&self) -> Result<(), GpuError> {
        let uniform = [SELFTEST_ITERATIONS, 0, 0, 0];
        let out = self.run(
            &SELFTEST_LOOP,
            bytemuck::cast_slice(&uniform),
            &[],
            &[&[0u8; 16]],
            (1, 1),
        )?;
        let got = u32::from_le_bytes(out[0][..4].try_into().expect("16-byte output"));
        check_loop_count(
            &format!("{} {}", self.info.driver, self.info.driver_info),
            SELFTEST_ITERATIONS,
            got,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncating_driver_is_refused() {
        // Mesa 22.3's lavapipe runs 65,535 of the 70,000 iterations.
        let e = check_loop_count("llvmpipe Mesa 22.3.6", SELFTEST_ITERATIONS, 65_535).unwrap_err();
        assert!(e.to_string().contains("truncates shader loops"), "{e}");
        assert!(
            e.to_string().contains("--backend cpu"),
            "says what to do: {e}"
        );
        assert!(
            check_loop_count("ok", SELFTEST_ITERATIONS, SELFTEST_ITERATIONS).is_ok(),
            "a full count passes"
        );
    }

    #[test]
    fn context_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Context>();
    }
}
