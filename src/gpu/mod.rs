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
pub mod registry;

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
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("cascadia"),
            required_features: wgpu::Features::empty(),
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
        use wgpu::util::DeviceExt;
        if let Some(why) = self.lost.lock().ok().and_then(|f| f.clone()) {
            return Err(GpuError::DeviceLost(why));
        }
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let (pipeline, layout) = &*self.pipeline(kernel);
        let (mut ins, mut outs) = (inputs.iter(), outputs.iter());
        let mut buffers = Vec::with_capacity(kernel.bindings.len());
        let mut rw = Vec::new();
        for (i, b) in kernel.bindings.iter().enumerate() {
            let (data, usage): (&[u8], wgpu::BufferUsages) = match b {
                Binding::Uniform => (uniform, wgpu::BufferUsages::UNIFORM),
                Binding::ReadOnly => (
                    ins.next().expect("one input per read-only binding"),
                    wgpu::BufferUsages::STORAGE,
                ),
                Binding::ReadWrite => {
                    rw.push(i);
                    (
                        outs.next().expect("one output per read-write binding"),
                        wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                    )
                }
            };
            if data.len() as u64 > self.max_binding {
                return Err(GpuError::TooLarge {
                    what: format!("{} binding {i}", kernel.name),
                    needed: data.len() as u64,
                    limit: self.max_binding,
                });
            }
            // Sizes are rounded up to 4 bytes with a 16-byte minimum (empty arrays still bind).
            let mut padded = data.to_vec();
            padded.resize(data.len().max(16).next_multiple_of(4), 0);
            buffers.push(
                self.device
                    .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some(kernel.name),
                        contents: &padded,
                        usage,
                    }),
            );
        }
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: u32::try_from(i).expect("few bindings"),
                resource: b.as_entire_binding(),
            })
            .collect();
        let group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel.name),
            layout,
            entries: &entries,
        });
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some(kernel.name),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(kernel.name),
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(grid.0, grid.1, 1);
        }
        let staging: Vec<wgpu::Buffer> = rw
            .iter()
            .map(|&i| {
                let size = buffers[i].size();
                let s = self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("cascadia.staging"),
                    size,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                encoder.copy_buffer_to_buffer(&buffers[i], 0, &s, 0, size);
                s
            })
            .collect();
        self.queue.submit([encoder.finish()]);
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Validation {
                kernel: kernel.name.to_string(),
                message: e.to_string(),
            });
        }
        let mut results = Vec::with_capacity(staging.len());
        for s in &staging {
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
            let want = outputs[results.len()].len();
            let bytes = {
                let view = s
                    .slice(..)
                    .get_mapped_range()
                    .map_err(|e| GpuError::Map(format!("{e:?}")))?;
                view[..want].to_vec()
            };
            s.unmap();
            results.push(bytes);
        }
        Ok(results)
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
