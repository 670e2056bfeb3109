//! Compute pipelines: one per [`KernelSpec`], built on first use from its WGSL and bindings
//! and cached by name.

use super::{Binding, Context, KernelSpec};
use std::sync::Arc;

/// A kernel's pipeline and its bind group layout.
pub(super) type Pipeline = Arc<(wgpu::ComputePipeline, wgpu::BindGroupLayout)>;

impl Context {
    pub(super) fn pipeline(&self, k: &KernelSpec) -> Pipeline {
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
}
