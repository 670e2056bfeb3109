//! Cascades over a fixed set of nodes: the input of network inference (NetInf, and the
//! survival models), read from SNAP's text format or a long CSV.

use super::{CascadeSet, Dedupe, Interner, UserId};
use crate::error::{Error, Result};

/// Nodes and cascades as read from a NetInf text file or a long CSV.
///
/// Node `i` is `UserId(i)`: the order of the node block (SNAP format) or of first
/// appearance (long CSV). Every output maps it back to the id the user wrote.
#[derive(Clone, Debug)]
pub struct NodeCascades {
    /// Node ids as written in the input.
    pub nodes: Interner,
    /// Display name of each node (the SNAP node block's second column; the id otherwise).
    pub names: Vec<String>,
    /// One cascade per input cascade, events sorted by time (ties in input order); the user
    /// column holds node indices and magnitudes are unused (0).
    pub cascades: CascadeSet,
    /// Nodes that appeared more than once inside one cascade. The last time wins, as in
    /// SNAP; the count is reported in the summary.
    pub duplicates: u64,
    /// Located, non-fatal remarks about the input (e.g. skipped empty cascade lines).
    pub warnings: Vec<String>,
}

impl Default for NodeCascades {
    fn default() -> Self {
        NodeCascades {
            nodes: Interner::new(),
            names: Vec::new(),
            cascades: CascadeSet::new(),
            duplicates: 0,
            warnings: Vec::new(),
        }
    }
}

impl NodeCascades {
    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// The id of node `i` as the input wrote it.
    pub fn id(&self, i: u32) -> &str {
        self.nodes.name(UserId(i))
    }

    /// Builds a data set from in-memory cascades of `(node, time)` over nodes `0..n_nodes`
    /// named by their index (cascade `c` is named `c`). A repeated node keeps its last time,
    /// as in the readers.
    ///
    /// # Errors
    /// [`Error::InvalidEvent`] for a node index `>= n_nodes` or a time that is not a finite
    /// number `>= 0`.
    pub fn from_cascades(n_nodes: usize, cascades: &[Vec<(u32, f64)>]) -> Result<Self> {
        let mut data = NodeCascades::default();
        for i in 0..n_nodes {
            data.nodes.intern(&i.to_string());
            data.names.push(i.to_string());
        }
        let mut builder = CascadeBuilder::default();
        for (c, events) in cascades.iter().enumerate() {
            for (e, &(node, t)) in events.iter().enumerate() {
                let bad = |what: String| Error::InvalidEvent {
                    cascade: c.to_string(),
                    event: e,
                    what,
                };
                if node as usize >= n_nodes {
                    return Err(bad(format!("node {node} is not below the {n_nodes} nodes")));
                }
                if !(t.is_finite() && t >= 0.0) {
                    return Err(bad(format!("time {t} is not a finite number >= 0")));
                }
                builder.push(node, t);
            }
            data.duplicates += builder.finish(&c.to_string(), &mut data.cascades);
        }
        Ok(data)
    }
}

/// Collects one cascade's `(node, time)` pairs, keeping the last time of a repeated node.
#[derive(Debug, Default)]
pub(crate) struct CascadeBuilder {
    events: Vec<(u32, f64)>,
    seen: rustc_hash::FxHashMap<u32, usize>,
    duplicates: u64,
}

impl CascadeBuilder {
    pub(crate) fn push(&mut self, node: u32, time: f64) {
        match self.seen.entry(node) {
            std::collections::hash_map::Entry::Occupied(e) => {
                self.events[*e.get()].1 = time;
                self.duplicates += 1;
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(self.events.len());
                self.events.push((node, time));
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Moves the cascade into `set` (sorted by time, stable) and returns how many repeated
    /// nodes it had.
    pub(crate) fn finish(&mut self, name: &str, set: &mut CascadeSet) -> u64 {
        set.begin_cascade(name);
        for &(node, t) in &self.events {
            set.push_valid(t, 0.0, UserId(node));
        }
        set.finish_cascade(Dedupe::None);
        self.events.clear();
        self.seen.clear();
        std::mem::take(&mut self.duplicates)
    }
}
