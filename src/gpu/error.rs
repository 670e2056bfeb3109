//! Errors of the GPU runtime.

/// What can go wrong on the GPU path. Each message says what to do.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum GpuError {
    /// No Vulkan (or other native) adapter.
    #[error(
        "no GPU adapter found{0}; install a Vulkan driver (without a GPU: `apt-get install mesa-vulkan-drivers libvulkan1` for the lavapipe software device) or pass --backend cpu"
    )]
    NoAdapter(String),
    /// The adapter named by WGPU_ADAPTER_NAME does not exist.
    #[error("WGPU_ADAPTER_NAME={wanted:?} matches no adapter; available: {available}")]
    AdapterNotFound {
        /// The requested name.
        wanted: String,
        /// The adapters found.
        available: String,
    },
    /// The device could not be created.
    #[error("could not open the GPU device: {0}")]
    RequestDevice(String),
    /// The driver silently truncates long shader loops (Mesa 22.3's lavapipe stops every
    /// invocation after 65,535 loop iterations).
    #[error(
        "the GPU driver {driver:?} truncates shader loops (a {wanted}-iteration loop ran {got} times); results would be silently wrong. Upgrade Mesa (>= 25) or pass --backend cpu"
    )]
    TruncatingDriver {
        /// Driver name and version.
        driver: String,
        /// Iterations asked for.
        wanted: u32,
        /// Iterations run.
        got: u32,
    },
    /// A validation or out-of-memory error reported by wgpu.
    #[error("GPU error in {kernel}: {message}")]
    Validation {
        /// The kernel label.
        kernel: String,
        /// wgpu's message.
        message: String,
    },
    /// The device was lost (driver reset, GPU removed, out of memory).
    #[error("the GPU device was lost ({0}); rerun, or pass --backend cpu")]
    DeviceLost(String),
    /// Mapping a buffer for read-back failed (device lost, out of memory).
    #[error("reading GPU results back failed: {0}")]
    Map(String),
    /// The kernel needs a device feature the adapter lacks.
    #[error(
        "the GPU adapter {adapter} lacks {feature}, which {what} needs; pass --backend cpu (or --backend auto to fall back)"
    )]
    MissingFeature {
        /// The adapter.
        adapter: String,
        /// The feature, e.g. "64-bit floats (SHADER_F64)".
        feature: String,
        /// Who needs it.
        what: String,
    },
    /// A batch that does not fit the device's limits.
    #[error(
        "{what} needs {needed} bytes, over the device's storage binding limit of {limit}; lower --batch-events"
    )]
    TooLarge {
        /// What was too large.
        what: String,
        /// Bytes needed.
        needed: u64,
        /// The device limit.
        limit: u64,
    },
}
