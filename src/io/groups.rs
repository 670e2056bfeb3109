//! Rows grouped by a text key, keys in the order of their first row: `--group` for the
//! cascade readers, and NetInf's long tables (whose cascades may always interleave).

use crate::cascade::UserId;
use rustc_hash::FxHashMap;

/// One cascade's (time, magnitude, user) events as a grouping reader holds them.
pub(crate) type Events = Vec<(f64, f64, UserId)>;

/// Values keyed by text, in the order each key first appeared.
#[derive(Debug)]
pub(crate) struct Groups<T> {
    index: FxHashMap<String, usize>,
    groups: Vec<(String, T)>,
}

impl<T: Default> Groups<T> {
    /// No groups yet.
    pub(crate) fn new() -> Self {
        Groups {
            index: FxHashMap::default(),
            groups: Vec::new(),
        }
    }

    /// The value of `key`; a new key gets a default value, after every earlier key.
    pub(crate) fn entry(&mut self, key: &str) -> &mut T {
        let i = match self.index.get(key) {
            Some(&i) => i,
            None => {
                self.index.insert(key.to_string(), self.groups.len());
                self.groups.push((key.to_string(), T::default()));
                self.groups.len() - 1
            }
        };
        &mut self.groups[i].1
    }

    /// The groups, in order of first appearance.
    pub(crate) fn into_vec(self) -> Vec<(String, T)> {
        self.groups
    }
}
