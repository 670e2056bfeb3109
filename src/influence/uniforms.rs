//! The `#[repr(C)]` uniform structs that the influence kernels (`shaders/influence/*.wgsl`)
//! and their CPU twins (`cpu/linear.rs`, `cpu/recursion.rs`) both read: a neutral module, so
//! that the twins do not depend on the GPU host code (and build without the `gpu` feature).

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

/// Uniform parameters of the scan kernels.
/// Mirrors struct ScanParams in shaders/influence/linear_scan.wgsl — keep in sync (checked by
/// tests/integration/shaders.rs).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ScanParams {
    /// Chunks in the group.
    pub n_chunks: u32,
    /// Cascades in the group.
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
    pub _pad: u32,
}

/// Uniform parameters of the recursion kernels.
/// Mirrors struct RecursionParams in shaders/influence/recursion.wgsl — keep in sync (checked
/// by tests/integration/shaders.rs).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct RecursionParams {
    /// Events in the group.
    pub n_events: u32,
    /// `s`: 1 or 2.
    pub power: u32,
    /// 1 when the self term is included.
    pub self_included: u32,
    /// 1 when α is set.
    pub has_alpha: u32,
    /// `α` (ignored unless `has_alpha`).
    pub alpha: f32,
    /// `ln α` (0 without α), from f64.
    pub log_alpha: f32,
    /// `m`: first column of the block.
    pub j0: u32,
    /// `m`: one past the block's last column.
    pub j1: u32,
}
