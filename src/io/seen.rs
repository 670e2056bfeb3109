//! The set of cascade ids a streaming reader has seen, to catch an id that reappears after
//! another cascade — exact and immediate, yet cheap per cascade.
//!
//! A hash set of a million 128-bit id hashes is a 32 MiB table, and every new cascade inserts
//! at a random place in it: a cache (and TLB) miss per cascade that also evicts the user
//! interner's table, which every event needs. Here the hashes go to sorted runs instead
//! (appended, sorted in small chunks and merged like a log-structured tree: sequential memory
//! only), and a blocked Bloom filter (one 64-bit word per query, 16 bits per id: about 1%
//! false positives) answers "never seen" for almost every new id without touching the runs.
//! Only the filter's rare positives search the runs. Memory: 18 bytes per id.

/// Ids kept unsorted before they are sorted into a run.
const RECENT: usize = 4096;

/// Bits of filter per id before the filter grows.
const BITS_PER_ID: usize = 16;

/// 128-bit hashes of the ids seen so far.
#[derive(Debug, Default)]
pub(super) struct SeenIds {
    /// The latest hashes, unsorted (at most [`RECENT`]).
    recent: Vec<u128>,
    /// Sorted runs, each at least twice as long as the next one.
    runs: Vec<Vec<u128>>,
    /// Blocked Bloom filter over every hash (empty until the first insert).
    filter: Vec<u64>,
    count: usize,
}

impl SeenIds {
    /// Records the cascade id `name`; `false` if it was recorded before (or, with odds of
    /// 2^-128 per pair, shares its 128-bit hash with one that was).
    pub(super) fn insert(&mut self, name: &str) -> bool {
        self.insert_hash(id_hash(name))
    }

    /// Records `h`; `false` if it was recorded before.
    fn insert_hash(&mut self, h: u128) -> bool {
        if self.filter.is_empty() {
            self.filter = vec![0; 1024];
        }
        if self.filter_has(h) && self.contains(h) {
            return false;
        }
        if (self.count + 1) * BITS_PER_ID > self.filter.len() * 64 {
            self.grow_filter();
        }
        self.filter_add(h);
        self.count += 1;
        self.recent.push(h);
        if self.recent.len() == RECENT {
            let mut run = std::mem::take(&mut self.recent);
            run.sort_unstable();
            self.runs.push(run);
            while let [.., a, b] = &self.runs[..] {
                if a.len() > 2 * b.len() {
                    break;
                }
                let b = self.runs.pop().expect("two runs");
                let a = self.runs.pop().expect("two runs");
                self.runs.push(merge(&a, &b));
            }
        }
        true
    }

    /// Exact membership (slow path: scans the recent hashes and searches each run).
    fn contains(&self, h: u128) -> bool {
        self.recent.contains(&h) || self.runs.iter().any(|r| r.binary_search(&h).is_ok())
    }

    fn filter_has(&self, h: u128) -> bool {
        let (w, m) = slot(self.filter.len(), h);
        self.filter[w] & m == m
    }

    fn filter_add(&mut self, h: u128) {
        let (w, m) = slot(self.filter.len(), h);
        self.filter[w] |= m;
    }

    /// Four times the words (a power of two), refilled from every hash.
    fn grow_filter(&mut self) {
        self.filter = vec![0; self.filter.len() * 4];
        for &h in self.recent.iter().chain(self.runs.iter().flatten()) {
            let (w, m) = slot(self.filter.len(), h);
            self.filter[w] |= m;
        }
    }
}

/// The word of `h` in a filter of `words` words (a power of two), and the mask of its three
/// bits in that word.
fn slot(words: usize, h: u128) -> (usize, u64) {
    let word = (h as u64 as usize) & (words - 1);
    let hi = (h >> 64) as u64;
    let mask = (1u64 << (hi & 63)) | (1u64 << ((hi >> 6) & 63)) | (1u64 << ((hi >> 12) & 63));
    (word, mask)
}

/// A 128-bit hash of a cascade id: two independently seeded `foldhash` quality hashes
/// (a quarter of the cost of two SipHashes; a cascade id is hashed once per cascade).
fn id_hash(name: &str) -> u128 {
    use std::hash::BuildHasher;
    const A: foldhash::quality::FixedState =
        foldhash::quality::FixedState::with_seed(0x243f_6a88_85a3_08d3);
    const B: foldhash::quality::FixedState =
        foldhash::quality::FixedState::with_seed(0x1319_8a2e_0370_7344);
    (u128::from(A.hash_one(name)) << 64) | u128::from(B.hash_one(name))
}

/// The merge of two sorted runs.
fn merge(a: &[u128], b: &[u128]) -> Vec<u128> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn a_million_distinct_ids_then_every_one_again() {
        let mut seen = SeenIds::default();
        let h = |i: u64| u128::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
        for i in 0..1_000_000 {
            assert!(seen.insert_hash(h(i)), "{i} is new");
        }
        assert!(seen.runs.len() < 20, "runs are merged: {}", seen.runs.len());
        for i in (0..1_000_000).step_by(997) {
            assert!(!seen.insert_hash(h(i)), "{i} was seen");
        }
        assert!(seen.insert_hash(h(1_000_000)), "a new one after all");
        assert!(!seen.insert_hash(h(1_000_000)), "and at once seen");
    }

    proptest! {
        /// Small hash values (dense, so the filter and the runs see many repeats) answer as a
        /// `HashSet` does, across run merges and filter growth.
        #[test]
        fn answers_as_a_hash_set(ids in prop::collection::vec(0u128..30_000, 0..40_000)) {
            let (mut seen, mut set) = (SeenIds::default(), HashSet::new());
            for h in ids {
                let h = h.wrapping_mul(0x2545_F491_4F6C_DD1D_9E37_79B9_7F4A_7C15);
                prop_assert_eq!(seen.insert_hash(h), set.insert(h));
            }
        }
    }
}
