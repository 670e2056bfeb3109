//! Workgroup arithmetic in one place (1-D work over a 2-D grid past 65,535 workgroups), and
//! submissions: many dispatches in one command buffer inside a validation error scope, with
//! the asked prefixes read back through staging buffers (one wait).

use super::{Binding, Context, GpuBuffer, GpuError, KernelSpec};

/// The most workgroups per dimension that every device accepts.
pub const MAX_GROUPS_PER_DIM: u32 = 65_535;

/// Workgroup counts `(x, y)` covering `items` invocations at `workgroup` per group. Kernels
/// recover the flat index as `(gid.y * num_workgroups.x * WG_SIZE) + gid.x` and bounds-check it.
pub fn grid_1d(items: u32, workgroup: u32) -> (u32, u32) {
    let groups = items.div_ceil(workgroup).max(1);
    if groups <= MAX_GROUPS_PER_DIM {
        (groups, 1)
    } else {
        (MAX_GROUPS_PER_DIM, groups.div_ceil(MAX_GROUPS_PER_DIM))
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

impl Context {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_cover_every_item() {
        for items in [1u32, 63, 64, 65, 64 * 65_535, 64 * 65_535 + 1, 10_000_000] {
            let (x, y) = grid_1d(items, 64);
            assert!(
                x <= MAX_GROUPS_PER_DIM && y <= MAX_GROUPS_PER_DIM,
                "{items}: within limits"
            );
            assert!(
                u64::from(x) * u64::from(y) * 64 >= u64::from(items),
                "{items}: covered"
            );
        }
    }
}
