//! Dense ids for users and the interner that maps the ids users wrote to them.

use super::StrList;
use std::hash::Hasher;

/// A user, as a dense index into an [`Interner`]. Outputs map it back to the original id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub u32);

impl UserId {
    /// The dense index, for indexing per-user arrays.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Maps external string ids to dense [`UserId`]s and back.
///
/// Memory: one copy of each distinct string, 8 bytes for where it ends, and 16-byte table
/// slots (at most three quarters full). Every input event looks its user up here, so a slot
/// holds the name's first eight bytes and its length beside the id: names of up to eight
/// bytes (most ids) are compared without leaving the table. The table is open-addressed with
/// linear probing, so that a reader that knows a name a row ahead can `Interner::prefetch`
/// the slot where its search starts.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    /// A power of two in length (or empty); `id == EMPTY` marks a free slot.
    slots: Vec<Slot>,
    /// Name `i` is `names.get(i)`.
    names: StrList,
}

/// A table slot: the name's first eight bytes (little-endian, zero-padded), its length and
/// its id.
#[derive(Clone, Copy, Debug)]
struct Slot {
    head: u64,
    len: u32,
    id: u32,
}

/// The id of a free slot (no name gets it: ids stay below).
const EMPTY: u32 = u32::MAX;
const FREE: Slot = Slot {
    head: 0,
    len: 0,
    id: EMPTY,
};

/// What the table compares and where a name's search starts: its first eight bytes,
/// zero-padded, and its hash.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Key {
    head: u64,
    hash: u64,
}

impl Key {
    /// The key of `name`.
    #[inline]
    pub(crate) fn of(name: &str) -> Key {
        let b = name.as_bytes();
        let n = b.len();
        // The first eight bytes, zero-padded: from at most two loads that may overlap.
        let head = if n >= 8 {
            u64::from_le_bytes(b[..8].try_into().expect("eight bytes"))
        } else if n >= 4 {
            let lo = u32::from_le_bytes(b[..4].try_into().expect("four bytes"));
            let hi = u32::from_le_bytes(b[n - 4..n].try_into().expect("four bytes"));
            u64::from(lo) | (u64::from(hi) << (8 * (n - 4)))
        } else if n > 0 {
            u64::from(b[0])
                | (u64::from(b[n / 2]) << (8 * (n / 2)))
                | (u64::from(b[n - 1]) << (8 * (n - 1)))
        } else {
            0
        };
        let hash = if n <= 8 {
            // The head and length are the whole name: one multiply mixes them.
            let m = u128::from(head ^ 0x243f_6a88_85a3_08d3)
                * u128::from(0x9e37_79b9_7f4a_7c15 ^ n as u64);
            (m as u64) ^ ((m >> 64) as u64)
        } else {
            let mut h = rustc_hash::FxHasher::default();
            h.write(b);
            h.finish()
        };
        Key { head, hash }
    }
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `name`, assigning the next dense id if it is new.
    ///
    /// # Panics
    /// If `u32::MAX` distinct ids are interned, or a name is 4 GiB long (internal limits far
    /// above any workstation input).
    pub fn intern(&mut self, name: &str) -> UserId {
        self.intern_keyed(name, Key::of(name))
    }

    /// [`Self::intern`] with the key of `name` computed beforehand.
    #[inline]
    pub(crate) fn intern_keyed(&mut self, name: &str, key: Key) -> UserId {
        if self.slots.is_empty() {
            self.grow();
        }
        let i = match self.search(name, key) {
            Ok(id) => return id,
            Err(free) => free,
        };
        let id = u32::try_from(self.len())
            .ok()
            .filter(|&id| id != EMPTY)
            .expect("fewer than 2^32 - 1 distinct user ids");
        let len = u32::try_from(name.len()).expect("user ids shorter than 4 GiB");
        self.slots[i] = Slot {
            head: key.head,
            len,
            id,
        };
        self.names.push(name);
        if 4 * self.len() > 3 * self.slots.len() {
            self.grow();
        }
        UserId(id)
    }

    /// Starts loading the slot where the search for `key` begins (a hint: see the type's
    /// documentation).
    #[inline]
    pub(crate) fn prefetch(&self, key: Key) {
        if let Some(s) = self.slots.get(self.start(key)) {
            crate::prefetch::prefetch(s);
        }
    }

    fn start(&self, key: Key) -> usize {
        // (FxHasher's `finish` rotates its best bits down to the low ones.)
        key.hash as usize & self.slots.len().wrapping_sub(1)
    }

    /// The id of `name`, or the free slot where it would go.
    #[inline]
    fn search(&self, name: &str, key: Key) -> Result<UserId, usize> {
        let mask = self.slots.len() - 1;
        let mut i = self.start(key);
        loop {
            let s = self.slots[i];
            if s.id == EMPTY {
                return Err(i);
            }
            if s.head == key.head
                && s.len as usize == name.len()
                && (name.len() <= 8 || self.names.get(s.id as usize) == name)
            {
                return Ok(UserId(s.id));
            }
            i = (i + 1) & mask;
        }
    }

    /// Doubles the table (at least 1024 slots) and puts every name back.
    fn grow(&mut self) {
        let n = (2 * self.slots.len()).max(1024);
        self.slots = vec![FREE; n];
        for id in 0..self.len() {
            let name = self.names.get(id);
            let key = Key::of(name);
            let i = self.search(name, key).expect_err("names are distinct");
            self.slots[i] = Slot {
                head: key.head,
                len: name.len() as u32,
                id: id as u32,
            };
        }
    }

    /// The id of `name`, if it was interned.
    pub fn get(&self, name: &str) -> Option<UserId> {
        if self.slots.is_empty() {
            return None;
        }
        self.search(name, Key::of(name)).ok()
    }

    /// The original string of `id`.
    ///
    /// # Panics
    /// If `id` did not come from this interner.
    pub fn name(&self, id: UserId) -> &str {
        self.names.get(id.index())
    }

    /// The names of ids `start..`, in id order (to mirror an interner's new ids elsewhere).
    pub fn names_from(&self, start: usize) -> impl Iterator<Item = &str> + '_ {
        (start.min(self.len())..self.len()).map(|i| self.name(UserId(i as u32)))
    }

    /// Number of distinct ids.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no id was interned.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_heads_are_the_first_eight_bytes_zero_padded() {
        for name in [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdef",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "é",
            "aé",
        ] {
            let mut head = [0u8; 8];
            let n = name.len().min(8);
            head[..n].copy_from_slice(&name.as_bytes()[..n]);
            assert_eq!(Key::of(name).head, u64::from_le_bytes(head), "{name}");
        }
    }

    #[test]
    fn intern_is_idempotent_and_reversible() {
        let mut i = Interner::new();
        let a = i.intern("alice");
        let b = i.intern("bob");
        assert_eq!(i.intern("alice"), a, "same string, same id");
        assert_ne!(a, b, "different strings, different ids");
        assert_eq!(i.name(b), "bob", "ids map back to the original");
        assert_eq!(i.len(), 2, "two distinct ids");
        assert_eq!((i.get("bob"), i.get("carol")), (Some(b), None), "get");
    }

    use proptest::prelude::*;

    proptest! {
        /// Ids are dense, in order of first appearance, and the same for the same name, across
        /// growth; names that share their first eight bytes (or are prefixes of one another)
        /// stay apart.
        #[test]
        fn intern_matches_a_hash_map(
            names in prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "", "a", "ab", "abcdefgh", "abcdefghi", "abcdefghij", "abcdefgh\0",
                        "user_0001", "user_0002", "é", "ée",
                    ]),
                    0u32..3000,
                ),
                0..6000,
            )
        ) {
            let mut interner = Interner::new();
            let mut reference = std::collections::HashMap::new();
            for (prefix, n) in &names {
                let name = if n % 3 == 0 { prefix.to_string() } else { format!("{prefix}{n}") };
                let next = reference.len() as u32;
                let want = *reference.entry(name.clone()).or_insert(next);
                prop_assert_eq!(interner.intern(&name), UserId(want), "{}", name);
                prop_assert_eq!(interner.get(&name), Some(UserId(want)));
                prop_assert_eq!(interner.name(UserId(want)), name.as_str());
            }
            prop_assert_eq!(interner.len(), reference.len());
        }
    }
}
