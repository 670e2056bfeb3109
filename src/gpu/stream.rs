//! Device-resident programs: kernels bound once to resident buffers ([`Bound`]), many
//! dispatches (direct or indirect, their sizes written by earlier kernels) recorded into one
//! command buffer ([`Encoder`]), submissions left in flight ([`Submission`]) and read back
//! later through staging buffers ([`Staging`]). What a loop of rounds on the device needs
//! instead of [`Context::submit`]'s one-wait-per-call.
//!
//! A driver that reports round trips, bytes moved and host time between submissions counts
//! them around these calls (it knows what it submits, writes and reads).

use super::{Binding, Context, GpuBuffer, GpuError, KernelSpec};

/// A kernel bound once to its uniform and storage buffers (pipeline and bind group made once).
pub struct Bound {
    pipeline: super::pipeline::Pipeline,
    group: wgpu::BindGroup,
    name: &'static str,
}

/// A mappable buffer that copies from the device land in.
pub struct Staging {
    buffer: wgpu::Buffer,
    bytes: u64,
}

/// Device timestamps written between dispatches ([`Pass::timestamp`]) and resolved into a
/// staging buffer ([`Encoder::resolve`]); read with [`Context::read_timestamps`].
pub struct Timestamps {
    set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    staging: Staging,
    count: u32,
}

/// The most timestamps one [`Timestamps`] holds (wgpu's limit on a query set).
pub const MAX_TIMESTAMPS: u32 = wgpu::QUERY_SET_MAX_QUERIES;

/// A submitted command buffer (wait for it with [`Context::wait`]).
#[derive(Clone, Debug)]
pub struct Submission(wgpu::SubmissionIndex);

impl Context {
    /// A uniform buffer holding `data` (padded to 16 bytes), rewritable with
    /// [`Context::write_at`] between submissions.
    pub fn uniform(&self, label: &str, data: &[u8]) -> GpuBuffer {
        use wgpu::util::DeviceExt;
        let mut padded = data.to_vec();
        padded.resize(data.len().max(16).next_multiple_of(16), 0);
        let buffer = self
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: &padded,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            });
        GpuBuffer {
            buffer,
            bytes: data.len() as u64,
        }
    }

    /// Overwrites `data.len()` bytes of `buffer` at byte `offset` (both multiples of 4),
    /// ordered before the next submission.
    ///
    /// # Panics
    /// Unaligned or out-of-range writes (a caller bug).
    pub fn write_at(&self, buffer: &GpuBuffer, offset: u64, data: &[u8]) {
        assert!(
            offset.is_multiple_of(4) && data.len().is_multiple_of(4),
            "aligned write"
        );
        assert!(
            offset + data.len() as u64 <= buffer.buffer.size(),
            "write in range"
        );
        self.queue.write_buffer(&buffer.buffer, offset, data);
    }

    /// Binds `kernel` to `uniform` and `buffers` (its storage bindings, in order).
    ///
    /// # Errors
    /// A validation error (a buffer too small or of the wrong usage for its binding).
    ///
    /// # Panics
    /// A buffer count that does not match the kernel's bindings (a caller bug).
    pub fn bind(
        &self,
        kernel: &KernelSpec,
        uniform: &GpuBuffer,
        buffers: &[&GpuBuffer],
    ) -> Result<Bound, GpuError> {
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let pipeline = self.pipeline(kernel);
        let mut storage = buffers.iter();
        let entries: Vec<wgpu::BindGroupEntry> = kernel
            .bindings
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: u32::try_from(i).expect("few bindings"),
                resource: match b {
                    Binding::Uniform => uniform.buffer.as_entire_binding(),
                    Binding::ReadOnly | Binding::ReadWrite => storage
                        .next()
                        .expect("one buffer per storage binding")
                        .buffer
                        .as_entire_binding(),
                },
            })
            .collect();
        assert!(storage.next().is_none(), "no extra buffers");
        let group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel.name),
            layout: &pipeline.1,
            entries: &entries,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Validation {
                kernel: kernel.name.to_string(),
                message: e.to_string(),
            });
        }
        Ok(Bound {
            pipeline,
            group,
            name: kernel.name,
        })
    }

    /// A staging buffer of `bytes` bytes (rounded up to 4).
    pub fn staging(&self, bytes: u64) -> Staging {
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("cascadia.staging"),
            size: bytes.max(4).next_multiple_of(4),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Staging { buffer, bytes }
    }

    /// Whether the device writes timestamps inside compute passes.
    pub fn has_timestamps(&self) -> bool {
        self.timestamps
    }

    /// Room for `count` timestamps (at most [`MAX_TIMESTAMPS`]); `None` where the device
    /// has no timestamp queries inside passes.
    pub fn timestamps(&self, count: u32) -> Option<Timestamps> {
        if !self.timestamps || count == 0 || count > MAX_TIMESTAMPS {
            return None;
        }
        let set = self.device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("cascadia.timestamps"),
            ty: wgpu::QueryType::Timestamp,
            count,
        });
        let bytes = 8 * u64::from(count);
        let resolve = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("cascadia.timestamps.resolve"),
            size: bytes,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        Some(Timestamps {
            set,
            resolve,
            staging: self.staging(bytes),
            count,
        })
    }

    /// Nanoseconds per timestamp tick.
    pub fn timestamp_period(&self) -> f64 {
        f64::from(self.queue.get_timestamp_period())
    }

    /// The timestamps `t` holds once `sub` (the submission that resolves them) has finished,
    /// in ticks ([`Context::timestamp_period`]); unwritten ones are unspecified.
    ///
    /// # Errors
    /// A failed wait or mapping.
    pub fn read_timestamps(&self, t: &Timestamps, sub: &Submission) -> Result<Vec<u64>, GpuError> {
        let bytes = self.read(&t.staging, sub, 8 * u64::from(t.count))?;
        Ok(bytes
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect())
    }

    /// Starts recording a command buffer.
    pub fn encoder(&self, label: &'static str) -> Encoder<'_> {
        let encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
        Encoder {
            ctx: self,
            encoder,
            label,
        }
    }

    /// Blocks until `sub` has finished on the device.
    ///
    /// # Errors
    /// A lost device or a failed wait.
    pub fn wait(&self, sub: &Submission) -> Result<(), GpuError> {
        let r = self.device.poll(wgpu::PollType::Wait {
            submission_index: Some(sub.0.clone()),
            timeout: None,
        });
        r.map_err(|e| GpuError::Map(e.to_string()))?;
        self.check_lost()
    }

    /// The first `bytes` of `s`, once `sub` (the submission that copies into it) has
    /// finished: waits for that submission only, so later ones stay in flight.
    ///
    /// # Errors
    /// A failed wait or mapping.
    pub fn read(&self, s: &Staging, sub: &Submission, bytes: u64) -> Result<Vec<u8>, GpuError> {
        let bytes = bytes.min(s.bytes);
        if bytes == 0 {
            return Ok(Vec::new());
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let range = 0..bytes.next_multiple_of(4);
        s.buffer
            .slice(range.clone())
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(sub.0.clone()),
                timeout: None,
            })
            .map_err(|e| GpuError::Map(e.to_string()))?;
        rx.recv()
            .map_err(|e| GpuError::Map(e.to_string()))?
            .map_err(|e| GpuError::Map(e.to_string()))?;
        let out = {
            let view = s
                .buffer
                .slice(range)
                .get_mapped_range()
                .map_err(|e| GpuError::Map(format!("{e:?}")))?;
            view[..bytes as usize].to_vec()
        };
        s.buffer.unmap();
        Ok(out)
    }

    pub(super) fn check_lost(&self) -> Result<(), GpuError> {
        if let Some(why) = self.lost.lock().ok().and_then(|f| f.clone()) {
            return Err(GpuError::DeviceLost(why));
        }
        Ok(())
    }
}

/// A compute pass being recorded (see [`Encoder::pass`]).
pub struct Pass<'e>(wgpu::ComputePass<'e>);

impl Pass<'_> {
    /// Dispatches `k` over `grid` workgroups.
    pub fn dispatch(&mut self, k: &Bound, grid: (u32, u32)) {
        self.0.set_pipeline(&k.pipeline.0);
        self.0.set_bind_group(0, &k.group, &[]);
        self.0.dispatch_workgroups(grid.0, grid.1, 1);
    }

    /// Dispatches `k` with the workgroup counts (three u32) at byte `offset` of `args`, as an
    /// earlier kernel wrote them (`args` must not be bound by `k`).
    pub fn dispatch_indirect(&mut self, k: &Bound, args: &GpuBuffer, offset: u64) {
        self.0.set_pipeline(&k.pipeline.0);
        self.0.set_bind_group(0, &k.group, &[]);
        self.0.dispatch_workgroups_indirect(&args.buffer, offset);
    }
}

impl Pass<'_> {
    /// Writes timestamp `i` of `t` when the device gets here (after the dispatches before).
    pub fn timestamp(&mut self, t: &Timestamps, i: u32) {
        self.0.write_timestamp(&t.set, i);
    }
}

/// A command buffer being recorded: dispatches in order (wgpu orders each dispatch's writes
/// before the next dispatch's reads, indirect arguments included) and copies to staging.
pub struct Encoder<'a> {
    ctx: &'a Context,
    encoder: wgpu::CommandEncoder,
    label: &'static str,
}

impl Encoder<'_> {
    /// Dispatches `k` over `grid` workgroups (in a pass of its own).
    pub fn dispatch(&mut self, k: &Bound, grid: (u32, u32)) {
        self.pass(k.name, |p| p.dispatch(k, grid));
    }

    /// Records `f`'s dispatches into one compute pass (cheaper to record and submit than a
    /// pass per dispatch; each dispatch still sees the writes of the ones before it).
    pub fn pass(&mut self, label: &'static str, f: impl FnOnce(&mut Pass<'_>)) {
        let pass = self
            .encoder
            .begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(label),
                timestamp_writes: None,
            });
        f(&mut Pass(pass));
    }

    /// Copies `bytes` bytes at `src_offset` of `src` to `dst_offset` of `dst` (all multiples
    /// of 4).
    pub fn copy(
        &mut self,
        src: &GpuBuffer,
        src_offset: u64,
        dst: &Staging,
        dst_offset: u64,
        bytes: u64,
    ) {
        self.raw_copy(&src.buffer, src_offset, &dst.buffer, dst_offset, bytes);
    }

    /// Copies `bytes` bytes at `src_offset` of `src` to `dst_offset` of `dst`, both device
    /// buffers (all multiples of 4).
    pub fn copy_buffer(
        &mut self,
        src: &GpuBuffer,
        src_offset: u64,
        dst: &GpuBuffer,
        dst_offset: u64,
        bytes: u64,
    ) {
        self.raw_copy(&src.buffer, src_offset, &dst.buffer, dst_offset, bytes);
    }

    fn raw_copy(&mut self, src: &wgpu::Buffer, so: u64, dst: &wgpu::Buffer, d: u64, bytes: u64) {
        if bytes > 0 {
            self.encoder.copy_buffer_to_buffer(src, so, dst, d, bytes);
        }
    }

    /// Resolves all of `t`'s timestamps into its staging buffer (after the passes before).
    pub fn resolve(&mut self, t: &Timestamps) {
        self.encoder
            .resolve_query_set(&t.set, 0..t.count, &t.resolve, 0);
        self.encoder.copy_buffer_to_buffer(
            &t.resolve,
            0,
            &t.staging.buffer,
            0,
            8 * u64::from(t.count),
        );
    }

    /// Submits the command buffer (validation errors become [`GpuError::Validation`]).
    ///
    /// # Errors
    /// A lost device or a validation error.
    pub fn submit(self) -> Result<Submission, GpuError> {
        self.ctx.check_lost()?;
        let scope = self
            .ctx
            .device
            .push_error_scope(wgpu::ErrorFilter::Validation);
        let idx = self.ctx.queue.submit([self.encoder.finish()]);
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Validation {
                kernel: self.label.to_string(),
                message: e.to_string(),
            });
        }
        Ok(Submission(idx))
    }
}
