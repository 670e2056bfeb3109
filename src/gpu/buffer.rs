//! Resident storage buffers: uploads, zeroed buffers and writes, each checked against the
//! device's storage binding limit.

use super::{Context, GpuError};

/// A storage buffer on the device (see [`Context::upload`]).
#[derive(Debug)]
pub struct GpuBuffer {
    pub(super) buffer: wgpu::Buffer,
    pub(super) bytes: u64,
}

impl GpuBuffer {
    /// Size in bytes as asked (before padding).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Context {
    /// A storage buffer holding `data` (padded to 4 bytes, at least 16), readable and
    /// writable by kernels and by [`Context::write`] / [`Context::submit`] reads.
    ///
    /// # Errors
    /// [`GpuError::TooLarge`] over the device's storage binding limit.
    pub fn upload(&self, label: &str, data: &[u8]) -> Result<GpuBuffer, GpuError> {
        self.upload_with(label, data.len() as u64, |mut w| w.copy_from_slice(data))
    }

    /// A storage buffer of `bytes` bytes (as [`Context::upload`]) that `fill` writes straight
    /// into its mapping (it gets exactly `bytes` bytes; the padding stays zero): no copy of
    /// the data on the host, and `fill` may split the slice and write it from many threads.
    ///
    /// # Errors
    /// As [`Context::upload`].
    pub fn upload_with(
        &self,
        label: &str,
        bytes: u64,
        fill: impl FnOnce(wgpu::WriteOnly<'_, [u8]>),
    ) -> Result<GpuBuffer, GpuError> {
        self.check_size(label, bytes)?;
        let size = bytes.max(16).next_multiple_of(4);
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::INDIRECT
                | wgpu::BufferUsages::COPY_DST
                | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: true,
        });
        {
            let mut view = buffer
                .slice(..)
                .get_mapped_range_mut()
                .map_err(|e| GpuError::Map(format!("{e:?}")))?;
            // Buffers mapped at creation start zeroed.
            fill(view.slice(..bytes as usize));
        }
        buffer.unmap();
        Ok(GpuBuffer { buffer, bytes })
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
                | wgpu::BufferUsages::INDIRECT
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
        if data.len().is_multiple_of(4) {
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
}

/// The f64 values of bytes read back from the device (little-endian, as every device
/// cascadia supports writes them; a read-back is not 8-byte aligned, so no cast).
pub fn f64s(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect()
}
