//! Packing: the cascades of a batch grouped by size into groups under a byte budget.
//!
//! Every engine runs a batch through [`plan`]: the GPU (one group per submission, each under
//! the device's binding limit), the f32 twins (the same groups, so they predict the GPU's
//! results group for group) and the f64 CPU reference (`--backend cpu`). Groups hold cascades
//! of similar sizes (sorted by size, stable), so the invocations of a GPU warp loop for about
//! as long as each other. Results are written through the set's offsets, so they come back in
//! input order whatever the grouping.

/// A cascade index (into the batch's `CascadeSet`) list with its total cost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Group {
    /// Cascade indexes, by increasing size (ties in input order).
    pub cascades: Vec<usize>,
    /// Sum of the cascades' costs (bytes).
    pub bytes: u64,
}

/// The groups of a batch, and the cascades too costly for any group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Groups, each of total cost at most the budget.
    pub groups: Vec<Group>,
    /// Cascades whose own cost exceeds the budget (input order).
    pub oversize: Vec<usize>,
}

/// Groups the cascades of `sizes` (events per cascade) whose index passes `keep`, by
/// increasing size, cutting a group before its cost would exceed `budget` bytes; `cost(n)` is
/// the bytes a cascade of `n` events takes in the engine's largest buffer.
///
/// # Complexity
/// O(m log m) for m kept cascades.
pub(crate) fn plan(
    sizes: &[usize],
    keep: impl Fn(usize) -> bool,
    cost: impl Fn(usize) -> u64,
    budget: u64,
) -> Plan {
    let mut order: Vec<usize> = (0..sizes.len()).filter(|&i| keep(i)).collect();
    order.sort_by_key(|&i| sizes[i]);
    let mut plan = Plan::default();
    let mut current = Group::default();
    for i in order {
        let c = cost(sizes[i]);
        if c > budget {
            plan.oversize.push(i);
            continue;
        }
        if current.bytes + c > budget && !current.cascades.is_empty() {
            plan.groups.push(std::mem::take(&mut current));
        }
        current.bytes += c;
        current.cascades.push(i);
    }
    if !current.cascades.is_empty() {
        plan.groups.push(current);
    }
    plan.oversize.sort_unstable();
    plan
}

/// `slice` cut into consecutive disjoint runs of the given lengths (which must sum to at most
/// its length), for writing per-cascade results in parallel.
///
/// # Panics
/// If the lengths sum past the slice (a caller bug).
pub(crate) fn split_lens<T>(
    mut slice: &mut [T],
    lens: impl IntoIterator<Item = usize>,
) -> Vec<&mut [T]> {
    lens.into_iter()
        .map(|n| {
            let (run, rest) = std::mem::take(&mut slice).split_at_mut(n);
            slice = rest;
            run
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_size_under_the_budget() {
        let sizes = [5, 1, 9, 3, 3, 100, 0];
        let p = plan(&sizes, |i| i != 6, |n| 4 * n as u64, 40);
        assert_eq!(p.oversize, vec![5], "100 events × 4 B > 40 B");
        let got: Vec<Vec<usize>> = p.groups.iter().map(|g| g.cascades.clone()).collect();
        // sorted: 1(4 B), 3(12), 4(12), 0(20), 2(36)
        assert_eq!(got, vec![vec![1, 3, 4], vec![0], vec![2]]);
        assert!(p.groups.iter().all(|g| g.bytes <= 40));
        let mut all: Vec<usize> = got.concat();
        all.extend(&p.oversize);
        all.sort_unstable();
        assert_eq!(all, vec![0, 1, 2, 3, 4, 5], "every kept cascade once");
    }

    #[test]
    fn split_lens_cuts_consecutive_runs() {
        let mut v = [0, 1, 2, 3, 4, 5, 6];
        let runs = split_lens(&mut v, [2, 0, 3]);
        let got: Vec<Vec<i32>> = runs.iter().map(|r| r.to_vec()).collect();
        assert_eq!(got, vec![vec![0, 1], vec![], vec![2, 3, 4]]);
    }
}
