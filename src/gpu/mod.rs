//! The GPU runtime: the only module that names `wgpu` types.
//!
//! One shared [`Context`] (instance, adapter, device, queue, pipeline cache). Adapter choice
//! honours `WGPU_BACKEND` and `WGPU_ADAPTER_NAME` (a substring of the adapter name), else the
//! best native adapter (discrete > integrated > virtual > CPU). The device is opened with the
//! adapter's own limits (wgpu's defaults would cap bindings at 128 MiB and workgroups at 256).
//! At start-up a self-test refuses drivers that silently truncate long shader loops (Debian
//! 12's Mesa 22.3 lavapipe stops each invocation after 65,535 loop iterations).
//!
//! Capabilities see only [`Context`], [`KernelSpec`] and [`dispatch`]; a wgpu upgrade touches
//! this directory alone. Split as cubecl's wgpu runtime: `adapter.rs` (adapter choice, device,
//! limits), `pipeline.rs` (one pipeline per [`KernelSpec`], cached), `buffer.rs` (resident
//! buffers), `dispatch.rs` (workgroup arithmetic, submissions and read-back), `stream.rs` (kernels
//! bound once, indirect dispatches in one pass, submissions in flight), `selftest.rs`
//! (the loop-truncation test run when a context opens).

mod adapter;
mod buffer;
pub mod dispatch;
mod error;
mod kernel;
mod pipeline;
mod selftest;
mod stream;

pub use buffer::{GpuBuffer, f64s};
pub use dispatch::Dispatch;
pub use error::GpuError;
pub use kernel::{Binding, KernelSpec};
pub(crate) use selftest::SELFTEST_LOOP;
pub use stream::{Bound, Encoder, MAX_TIMESTAMPS, Pass, Staging, Submission, Timestamps};

use pipeline::Pipeline;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A GPU device ready to run cascadia's kernels.
pub struct Context {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    max_binding: u64,
    f64: bool,
    /// Timestamp queries inside passes (for per-kernel device time).
    timestamps: bool,
    pipelines: Mutex<HashMap<&'static str, Pipeline>>,
    /// Set by wgpu's device-lost callback; checked before every submission.
    lost: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

static SHARED: OnceLock<Result<Arc<Context>, GpuError>> = OnceLock::new();

impl Context {
    /// The process-wide context, created (and self-tested) on first use.
    ///
    /// # Errors
    /// No adapter, a device that cannot be opened, or a driver that truncates loops.
    pub fn shared() -> Result<Arc<Context>, GpuError> {
        SHARED.get_or_init(|| Context::new().map(Arc::new)).clone()
    }

    /// Adapter name, backend, device type and driver, e.g. for `-v` and bench tables.
    pub fn describe(&self) -> String {
        let i = &self.info;
        format!(
            "{} ({:?}, {:?}, driver {} {})",
            i.name, i.backend, i.device_type, i.driver, i.driver_info
        )
    }

    /// Whether the adapter is a software rasteriser (lavapipe): its timings are not GPU timings.
    pub fn is_software(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
    }

    /// The largest storage binding in bytes.
    pub fn max_binding_bytes(&self) -> u64 {
        self.max_binding
    }

    /// Whether kernels may use `f64` (the adapter has `SHADER_F64`; requested when offered).
    pub fn has_f64(&self) -> bool {
        self.f64
    }
}
