//! Workgroup arithmetic in one place: 1-D work over a 2-D grid past 65,535 workgroups.

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
