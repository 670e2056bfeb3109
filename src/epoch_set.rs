//! A set of small integer keys (node or cascade indices) that empties in O(1): each member
//! carries the epoch it was inserted in, and `clear` starts a new epoch. Shared by the
//! per-action performer lookup of `probabilities` and the per-node cascade marks of `survival`.

/// Membership by epoch over keys `0..n`.
#[derive(Clone, Debug)]
pub(crate) struct EpochSet {
    stamp: Vec<u32>,
    epoch: u32,
}

impl EpochSet {
    /// An empty set over keys `0..n`.
    pub(crate) fn new(n: usize) -> Self {
        EpochSet {
            stamp: vec![0; n],
            epoch: 1,
        }
    }

    /// Empties the set (O(1), except once every 2³² − 1 calls).
    pub(crate) fn clear(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.epoch = 1;
        }
    }

    /// Whether `i` is a member.
    #[inline]
    pub(crate) fn contains(&self, i: usize) -> bool {
        self.stamp[i] == self.epoch
    }

    /// Adds `i`; true if it was not a member.
    #[inline]
    pub(crate) fn insert(&mut self, i: usize) -> bool {
        let new = self.stamp[i] != self.epoch;
        self.stamp[i] = self.epoch;
        new
    }
}

#[cfg(test)]
mod tests {
    use super::EpochSet;

    #[test]
    fn clear_empties_and_insert_reports_new_members() {
        let mut s = EpochSet::new(4);
        assert!(!s.contains(2));
        assert!(s.insert(2));
        assert!(!s.insert(2));
        assert!(s.contains(2) && !s.contains(3));
        s.clear();
        assert!(!s.contains(2));
        // The wrap-around resets every stamp.
        s.epoch = u32::MAX;
        s.insert(1);
        s.clear();
        assert!(!s.contains(1) && s.epoch == 1);
    }
}
