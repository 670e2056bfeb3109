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
//! this directory alone.

pub mod dispatch;
mod error;
mod kernel;

pub use error::GpuError;
pub use kernel::{Binding, KernelSpec};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The loop-truncation self-test kernel (`shaders/gpu/selftest_loop.wgsl`). It has no CPU twin:
/// the host computes its expected output (an iteration count) directly.
pub const SELFTEST_LOOP: KernelSpec = KernelSpec {
    name: "cascadia.gpu.selftest_loop",
    source: include_str!("../../shaders/gpu/selftest_loop.wgsl"),
    entry: "main",
    workgroup_size: [1, 1, 1],
    bindings: &[Binding::Uniform, Binding::ReadWrite],
};

/// Iterations of the self-test loop: above Mesa 22.3's 65,535 cap.
const SELFTEST_ITERATIONS: u32 = 70_000;

/// The self-test's verdict: a driver whose loop ran fewer iterations than asked is refused.
///
/// # Errors
/// [`GpuError::TruncatingDriver`] when `got != wanted`.
pub fn check_loop_count(driver: &str, wanted: u32, got: u32) -> Result<(), GpuError> {
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

type Pipeline = Arc<(wgpu::ComputePipeline, wgpu::BindGroupLayout)>;

/// A GPU device ready to run cascadia's kernels.
pub struct Context {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    max_binding: u64,
    f64: bool,
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

    /// Opens a new context and runs the self-test.
    ///
    /// # Errors
    /// As [`Context::shared`].
    pub fn new() -> Result<Context, GpuError> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle().with_env());
        let backends = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::VULKAN);
        let adapters = pollster::block_on(instance.enumerate_adapters(backends));
        let names = || {
            adapters
                .iter()
                .map(|a| a.get_info().name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let adapter = match std::env::var("WGPU_ADAPTER_NAME") {
            Ok(wanted) if !wanted.is_empty() => {
                let w = wanted.to_lowercase();
                adapters
                    .iter()
                    .find(|a| a.get_info().name.to_lowercase().contains(&w))
                    .ok_or_else(|| GpuError::AdapterNotFound {
                        wanted,
                        available: names(),
                    })?
            }
            _ => {
                let rank = |a: &wgpu::Adapter| match a.get_info().device_type {
                    wgpu::DeviceType::DiscreteGpu => 0,
                    wgpu::DeviceType::IntegratedGpu => 1,
                    wgpu::DeviceType::VirtualGpu => 2,
                    wgpu::DeviceType::Cpu => 3,
                    wgpu::DeviceType::Other => 4,
                };
                adapters
                    .iter()
                    .min_by_key(|a| rank(a))
                    .ok_or_else(|| GpuError::NoAdapter(format!(" (backends {backends:?})")))?
            }
        };
        let info = adapter.get_info();
        let limits = adapter.limits();
        let f64 = adapter.features().contains(wgpu::Features::SHADER_F64);
        let features = if f64 {
            wgpu::Features::SHADER_F64
        } else {
            wgpu::Features::empty()
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("cascadia"),
            required_features: features,
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| GpuError::RequestDevice(e.to_string()))?;
        let max_binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        let lost = Arc::new(Mutex::new(None));
        let flag = Arc::clone(&lost);
        device.set_device_lost_callback(move |reason, msg| {
            if let Ok(mut f) = flag.lock() {
                *f = Some(format!("{reason:?}: {msg}"));
            }
        });
        let ctx = Context {
            device,
            queue,
            info,
            max_binding,
            f64,
            pipelines: Mutex::new(HashMap::new()),
            lost,
        };
        ctx.self_test()?;
        Ok(ctx)
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

    fn self_test(&self) -> Result<(), GpuError> {
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

    fn pipeline(&self, k: &KernelSpec) -> Pipeline {
        let mut cache = self
            .pipelines
            .lock()
            .expect("pipeline cache lock is never poisoned");
        cache
            .entry(k.name)
            .or_insert_with(|| {
                let module = self
                    .device
                    .create_shader_module(wgpu::ShaderModuleDescriptor {
                        label: Some(k.name),
                        source: wgpu::ShaderSource::Wgsl(k.source.into()),
                    });
                let entries: Vec<wgpu::BindGroupLayoutEntry> = k
                    .bindings
                    .iter()
                    .enumerate()
                    .map(|(i, b)| wgpu::BindGroupLayoutEntry {
                        binding: u32::try_from(i).expect("few bindings"),
                        visibility: wgpu::ShaderStages::COMPUTE,
                        ty: wgpu::BindingType::Buffer {
                            ty: match b {
                                Binding::Uniform => wgpu::BufferBindingType::Uniform,
                                Binding::ReadOnly => {
                                    wgpu::BufferBindingType::Storage { read_only: true }
                                }
                                Binding::ReadWrite => {
                                    wgpu::BufferBindingType::Storage { read_only: false }
                                }
                            },
                            has_dynamic_offset: false,
                            min_binding_size: None,
                        },
                        count: None,
                    })
                    .collect();
                let layout =
                    self.device
                        .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                            label: Some(k.name),
                            entries: &entries,
                        });
                let pl = self
                    .device
                    .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                        label: Some(k.name),
                        bind_group_layouts: &[Some(&layout)],
                        immediate_size: 0,
                    });
                let pipeline =
                    self.device
                        .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                            label: Some(k.name),
                            layout: Some(&pl),
                            module: &module,
                            entry_point: Some(k.entry),
                            compilation_options: Default::default(),
                            cache: None,
                        });
                Arc::new((pipeline, layout))
            })
            .clone()
    }

    /// Whether kernels may use `f64` (the adapter has `SHADER_F64`; requested when offered).
    pub fn has_f64(&self) -> bool {
        self.f64
    }

    /// A storage buffer holding `data` (padded to 4 bytes, at least 16), readable and
    /// writable by kernels and by [`Context::write`] / [`Context::submit`] reads.
    ///
    /// # Errors
    /// [`GpuError::TooLarge`] over the device's storage binding limit.
    pub fn upload(&self, label: &str, data: &[u8]) -> Result<GpuBuffer, GpuError> {
        use wgpu::util::DeviceExt;
        self.check_size(label, data.len() as u64)?;
        let mut padded = data.to_vec();
        padded.resize(data.len().max(16).next_multiple_of(4), 0);
        let buffer = self
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: &padded,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_DST
                    | wgpu::BufferUsages::COPY_SRC,
            });
        Ok(GpuBuffer {
            buffer,
            bytes: data.len() as u64,
        })
    }

    /// A zero-filled storage buffer of `bytes` bytes (as [`Context::upload`]).
    ///
    /// # Errors
    /// As [`Context::upload`].
    pub fn zeroed(&self, label: &str, bytes: u64) -> Result<GpuBuffer, GpuError> {
        self.check_size(label, bytes)?;
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(16).next_multiple_of(4),
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_DST
                | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        Ok(GpuBuffer { buffer, bytes })
    }

    /// Overwrites the start of `buffer` with `data` (ordered before the next submission).
    ///
    /// # Panics
    /// If `data` is longer than the buffer (a caller bug).
    pub fn write(&self, buffer: &GpuBuffer, data: &[u8]) {
        assert!(
            data.len() as u64 <= buffer.buffer.size(),
            "write of {} bytes into a {}-byte buffer",
            data.len(),
            buffer.buffer.size()
        );
        if data.len() % 4 == 0 {
            self.queue.write_buffer(&buffer.buffer, 0, data);
        } else {
            let mut padded = data.to_vec();
            padded.resize(data.len().next_multiple_of(4), 0);
            self.queue.write_buffer(&buffer.buffer, 0, &padded);
        }
    }

    fn check_size(&self, what: &str, bytes: u64) -> Result<(), GpuError> {
        if bytes > self.max_binding {
            return Err(GpuError::TooLarge {
                what: what.to_string(),
                needed: bytes,
                limit: self.max_binding,
            });
        }
        Ok(())
    }

    /// Records `dispatches` in order into one command buffer, then copies the first `bytes`
    /// of each buffer in `reads` back to the host: one submission, one wait.
    ///
    /// # Errors
    /// A lost device, a validation error, or a failed read-back.
    pub fn submit(
        &self,
        dispatches: &[Dispatch<'_>],
        reads: &[(&GpuBuffer, u64)],
    ) -> Result<Vec<Vec<u8>>, GpuError> {
        use wgpu::util::DeviceExt;
        if let Some(why) = self.lost.lock().ok().and_then(|f| f.clone()) {
            return Err(GpuError::DeviceLost(why));
        }
        let label = dispatches
            .first()
            .map_or("cascadia.read", |d| d.kernel.name);
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
        for d in dispatches {
            let k = d.kernel;
            let (pipeline, layout) = &*self.pipeline(k);
            let mut uniform = d.uniform.to_vec();
            uniform.resize(d.uniform.len().max(16).next_multiple_of(16), 0);
            let ubuf = self
                .device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(k.name),
                    contents: &uniform,
                    usage: wgpu::BufferUsages::UNIFORM,
                });
            let mut storage = d.buffers.iter();
            let entries: Vec<wgpu::BindGroupEntry> = k
                .bindings
                .iter()
                .enumerate()
                .map(|(i, b)| wgpu::BindGroupEntry {
                    binding: u32::try_from(i).expect("few bindings"),
                    resource: match b {
                        Binding::Uniform => ubuf.as_entire_binding(),
                        Binding::ReadOnly | Binding::ReadWrite => storage
                            .next()
                            .expect("one buffer per storage binding")
                            .buffer
                            .as_entire_binding(),
                    },
                })
                .collect();
            let group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(k.name),
                layout,
                entries: &entries,
            });
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(k.name),
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(d.grid.0, d.grid.1, 1);
        }
        let staging: Vec<(wgpu::Buffer, u64)> = reads
            .iter()
            .map(|&(b, bytes)| {
                let size = bytes.min(b.bytes).max(4).next_multiple_of(4);
                let s = self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("cascadia.staging"),
                    size,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                encoder.copy_buffer_to_buffer(&b.buffer, 0, &s, 0, size);
                (s, bytes.min(b.bytes))
            })
            .collect();
        self.queue.submit([encoder.finish()]);
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Validation {
                kernel: label.to_string(),
                message: e.to_string(),
            });
        }
        let mut results = Vec::with_capacity(staging.len());
        for (s, want) in &staging {
            let (tx, rx) = std::sync::mpsc::channel();
            s.slice(..).map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
            self.device
                .poll(wgpu::PollType::wait_indefinitely())
                .map_err(|e| GpuError::Map(e.to_string()))?;
            rx.recv()
                .map_err(|e| GpuError::Map(e.to_string()))?
                .map_err(|e| GpuError::Map(e.to_string()))?;
            let bytes = {
                let view = s
                    .slice(..)
                    .get_mapped_range()
                    .map_err(|e| GpuError::Map(format!("{e:?}")))?;
                view[..*want as usize].to_vec()
            };
            s.unmap();
            results.push(bytes);
        }
        if let Some(why) = self.lost.lock().ok().and_then(|f| f.clone()) {
            return Err(GpuError::DeviceLost(why));
        }
        Ok(results)
    }

    /// Runs `kernel` once over a `grid` of workgroups. Buffers follow `kernel.bindings`: the
    /// uniform gets `uniform`, each read-only binding the next of `inputs`, each read-write
    /// binding the next of `outputs` (its initial contents). Returns the read-write buffers'
    /// final contents, in order.
    ///
    /// # Errors
    /// A binding over the device limit, a validation error, or a failed read-back.
    pub fn run(
        &self,
        kernel: &KernelSpec,
        uniform: &[u8],
        inputs: &[&[u8]],
        outputs: &[&[u8]],
        grid: (u32, u32),
    ) -> Result<Vec<Vec<u8>>, GpuError> {
        let (mut ins, mut outs) = (inputs.iter(), outputs.iter());
        let mut buffers = Vec::with_capacity(kernel.bindings.len());
        let mut rw = Vec::new();
        for (i, b) in kernel.bindings.iter().enumerate() {
            let data: &[u8] = match b {
                Binding::Uniform => continue,
                Binding::ReadOnly => ins.next().expect("one input per read-only binding"),
                Binding::ReadWrite => {
                    rw.push(buffers.len());
                    outs.next().expect("one output per read-write binding")
                }
            };
            buffers.push(self.upload(&format!("{} binding {i}", kernel.name), data)?);
        }
        let refs: Vec<&GpuBuffer> = buffers.iter().collect();
        let reads: Vec<(&GpuBuffer, u64)> = rw.iter().map(|&i| (refs[i], refs[i].bytes)).collect();
        self.submit(
            &[Dispatch {
                kernel,
                uniform,
                buffers: &refs,
                grid,
            }],
            &reads,
        )
    }
}

/// A storage buffer on the device (see [`Context::upload`]).
#[derive(Debug)]
pub struct GpuBuffer {
    buffer: wgpu::Buffer,
    bytes: u64,
}

impl GpuBuffer {
    /// Size in bytes as asked (before padding).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// One kernel dispatch of a [`Context::submit`]: the uniform's bytes and the storage buffers
/// in the order of the kernel's non-uniform bindings.
#[derive(Clone, Copy, Debug)]
pub struct Dispatch<'a> {
    /// The kernel.
    pub kernel: &'a KernelSpec,
    /// Its uniform's bytes.
    pub uniform: &'a [u8],
    /// Its storage buffers, binding order.
    pub buffers: &'a [&'a GpuBuffer],
    /// Workgroups `(x, y)`.
    pub grid: (u32, u32),
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
