//! Dense ids for users and the interner that maps the ids users wrote to them.

use compact_str::CompactString;
use rustc_hash::FxHashMap as HashMap;

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
/// Memory: one copy of each distinct string plus a hash-table entry.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    /// Keys up to 24 bytes are stored inline, so a lookup touches one cache line, not two.
    map: HashMap<CompactString, u32>,
    names: Vec<CompactString>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `name`, assigning the next dense id if it is new.
    ///
    /// # Panics
    /// If more than `u32::MAX` distinct ids are interned (an internal limit far above any
    /// workstation input).
    pub fn intern(&mut self, name: &str) -> UserId {
        if let Some(&id) = self.map.get(name) {
            return UserId(id);
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct user ids");
        self.names.push(CompactString::from(name));
        self.map.insert(CompactString::from(name), id);
        UserId(id)
    }

    /// The id of `name`, if it was interned.
    pub fn get(&self, name: &str) -> Option<UserId> {
        self.map.get(name).copied().map(UserId)
    }

    /// The original string of `id`.
    ///
    /// # Panics
    /// If `id` did not come from this interner.
    pub fn name(&self, id: UserId) -> &str {
        &self.names[id.index()]
    }

    /// The names of ids `start..`, in id order (to mirror an interner's new ids elsewhere).
    pub fn names_from(&self, start: usize) -> impl Iterator<Item = &str> + '_ {
        self.names[start.min(self.names.len())..]
            .iter()
            .map(CompactString::as_str)
    }

    /// Number of distinct ids.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no id was interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
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
