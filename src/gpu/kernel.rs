//! Kernel registration: one `KernelSpec` per WGSL file, checked against the WGSL by
//! `tests/integration/shaders.rs` without a GPU.

/// How a binding is declared in WGSL (group 0, `@binding(i)` in this order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// `var<uniform>`.
    Uniform,
    /// `var<storage, read>`.
    ReadOnly,
    /// `var<storage, read_write>`.
    ReadWrite,
}

/// A registered compute kernel.
#[derive(Clone, Copy, Debug)]
pub struct KernelSpec {
    /// Label and pipeline-cache key, `"cascadia.<capability>.<kernel>"`.
    pub name: &'static str,
    /// The WGSL source.
    pub source: &'static str,
    /// Entry point.
    pub entry: &'static str,
    /// `@workgroup_size` of the entry point.
    pub workgroup_size: [u32; 3],
    /// The bindings of group 0, in order.
    pub bindings: &'static [Binding],
}
