//! Dense ids for users and the interner that maps the ids users wrote to them.

use super::StrList;
use hashbrown::HashTable;
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
/// Memory: one copy of each distinct string, 8 bytes for where it ends, and a 16-byte
/// hash-table slot. Every input event looks its user up here, so a slot holds the name's
/// first eight bytes and its length beside the id: names of up to eight bytes (most ids)
/// are compared without leaving the table, which is half the size of a table of strings.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    table: HashTable<Slot>,
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

/// A name's first eight bytes, zero-padded, and its hash.
fn key(name: &str) -> (u64, u64) {
    let b = name.as_bytes();
    let mut head = [0u8; 8];
    let n = b.len().min(8);
    head[..n].copy_from_slice(&b[..n]);
    let head = u64::from_le_bytes(head);
    let mut h = rustc_hash::FxHasher::default();
    h.write(b);
    (head, h.finish())
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `name`, assigning the next dense id if it is new.
    ///
    /// # Panics
    /// If more than `u32::MAX` distinct ids are interned, or a name is 4 GiB long (internal
    /// limits far above any workstation input).
    pub fn intern(&mut self, name: &str) -> UserId {
        let (head, h) = key(name);
        if let Some(id) = self.find(head, h, name) {
            return id;
        }
        let id = u32::try_from(self.len()).expect("fewer than 2^32 distinct user ids");
        let len = u32::try_from(name.len()).expect("user ids shorter than 4 GiB");
        let names = &self.names;
        let rehash = |s: &Slot| key(names.get(s.id as usize)).1;
        self.table.insert_unique(h, Slot { head, len, id }, rehash);
        self.names.push(name);
        UserId(id)
    }

    fn find(&self, head: u64, h: u64, name: &str) -> Option<UserId> {
        let len = name.len();
        self.table
            .find(h, |s| {
                s.head == head
                    && s.len as usize == len
                    && (len <= 8 || self.name(UserId(s.id)) == name)
            })
            .map(|s| UserId(s.id))
    }

    /// The id of `name`, if it was interned.
    pub fn get(&self, name: &str) -> Option<UserId> {
        let (head, h) = key(name);
        self.find(head, h, name)
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
    fn intern_is_idempotent_and_reversible() {
        let mut i = Interner::new();
        let a = i.intern("alice");
        let b = i.intern("bob");
        assert_eq!(i.intern("alice"), a, "same string, same id");
        assert_ne!(a, b, "different strings, different ids");
        assert_eq!(i.name(b), "bob", "ids map back to the original");
        assert_eq!(i.len(), 2, "two distinct ids");
    }
}
