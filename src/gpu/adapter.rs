//! Adapter choice and device creation: `WGPU_BACKEND` and `WGPU_ADAPTER_NAME` (a substring of
//! the adapter name) are honoured, else the best native adapter (discrete > integrated >
//! virtual > CPU); the device is opened with the adapter's own limits, and `SHADER_F64` and
//! timestamp queries inside passes when offered.

use super::{Context, GpuError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

impl Context {
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
        let stamps = wgpu::Features::TIMESTAMP_QUERY
            | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS
            | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES;
        let timestamps = adapter.features().contains(stamps);
        let mut features = wgpu::Features::empty();
        if f64 {
            features |= wgpu::Features::SHADER_F64;
        }
        if timestamps {
            features |= stamps;
        }
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
            timestamps,
            pipelines: Mutex::new(HashMap::new()),
            lost,
        };
        ctx.self_test()?;
        Ok(ctx)
    }
}
