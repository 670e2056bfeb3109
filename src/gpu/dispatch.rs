//! Workgroup arithmetic in one place (1-D work over a 2-D grid past 65,535 workgroups), and
//! submissions: many dispatches in one command buffer inside a validation error scope, with
//! the asked prefixes read back through staging buffers (one wait).

use super::{Binding, Context, GpuBuffer, GpuError, KernelSpec, Staging};

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
        let label = dispatches
            .first()
            .map_or("cascadia.read", |d| d.kernel.name);
        let mut enc = self.encoder(label);
        for d in dispatches {
            let uniform = self.uniform(d.kernel.name, d.uniform);
            let bound = self.bind(d.kernel, &uniform, d.buffers)?;
            enc.dispatch(&bound, d.grid);
        }
        let staging: Vec<(Staging, u64)> = reads
            .iter()
            .map(|&(b, bytes)| {
                let want = bytes.min(b.bytes);
                let s = self.staging(want);
                enc.copy(b, 0, &s, 0, want.max(4).next_multiple_of(4));
                (s, want)
            })
            .collect();
        let sub = enc.submit()?;
        let results = staging
            .iter()
            .map(|(s, want)| self.read(s, &sub, *want))
            .collect::<Result<Vec<_>, _>>()?;
        self.check_lost()?;
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
