//! The shared cascade data model: no I/O, no GPU.
//!
//! A cascade is a list of events `v_1 … v_n`, each (user, time, magnitude), sorted by time
//! with ties kept in input order (spec `influence.md`, Input). A [`CascadeSet`] stores many
//! cascades column by column (offsets + times + magnitudes + users), the layout that streams
//! in bounded batches and uploads to a GPU as it is. [`Cascade`] is a borrowed view of one.
//!
//! Invariants, checked when a cascade is pushed and trusted afterwards: times and magnitudes
//! are finite and `>= 0`, times are sorted (a stable sort is applied on push).

mod ids;
mod nodes;
mod str_list;

pub(crate) use ids::Key;
pub use ids::{Interner, UserId};
pub(crate) use nodes::CascadeBuilder;
pub use nodes::NodeCascades;
pub use str_list::StrList;

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// How to treat a user who appears more than once in one cascade.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dedupe {
    /// Keep every event (the paper, and `birdspotter`'s `influence()` function).
    #[default]
    None,
    /// Keep each user's first event in the cascade.
    First,
    /// Keep each user's last event in the cascade (`birdspotter`'s data preparation).
    Last,
}

/// A borrowed view of one cascade, events sorted by time.
#[derive(Clone, Copy, Debug)]
pub struct Cascade<'a> {
    /// The cascade id as the input wrote it.
    pub name: &'a str,
    /// Event times in seconds, non-decreasing.
    pub times: &'a [f64],
    /// Magnitudes (follower counts), `>= 0`.
    pub magnitudes: &'a [f64],
    /// The user of each event.
    pub users: &'a [UserId],
}

impl Cascade<'_> {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether the cascade has no events (never true for a pushed cascade).
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }
}

/// Many cascades stored column by column.
///
/// Memory: 20 bytes per event plus the cascade names. Used as a bounded batch when
/// streaming (see `influence::run`).
#[derive(Clone, Debug)]
pub struct CascadeSet {
    /// Cascade names (one allocation for all, not one per cascade).
    names: StrList,
    offsets: Vec<usize>,
    times: Vec<f64>,
    magnitudes: Vec<f64>,
    users: Vec<UserId>,
    /// Scratch for sorting and deduplication.
    scratch: Vec<usize>,
}

impl Default for CascadeSet {
    /// An empty set (its offsets hold the leading 0).
    fn default() -> Self {
        CascadeSet {
            names: StrList::default(),
            offsets: vec![0],
            times: Vec::new(),
            magnitudes: Vec::new(),
            users: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

impl CascadeSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of cascades.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the set holds no cascade.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total number of events.
    pub fn n_events(&self) -> usize {
        self.times.len()
    }

    /// Removes every cascade, keeping the allocations.
    pub fn clear(&mut self) {
        self.names.truncate(0);
        self.offsets.clear();
        self.offsets.push(0);
        self.times.clear();
        self.magnitudes.clear();
        self.users.clear();
    }

    /// The `i`-th cascade.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn get(&self, i: usize) -> Cascade<'_> {
        let r = self.offsets[i]..self.offsets[i + 1];
        Cascade {
            name: self.names.get(i),
            times: &self.times[r.clone()],
            magnitudes: &self.magnitudes[r.clone()],
            users: &self.users[r],
        }
    }

    /// Iterates over the cascades in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Cascade<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The user of event `e` (a flat index, as [`CascadeSet::offsets`] count).
    pub fn user(&self, e: usize) -> UserId {
        self.users[e]
    }

    /// The user of every event (flat, by [`Self::offsets`]).
    pub fn all_users(&self) -> &[UserId] {
        &self.users
    }

    /// Event offsets: cascade `i` is `offsets[i]..offsets[i + 1]`.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Starts a new cascade; events are then added with [`CascadeSet::push_event`] and the
    /// cascade is closed with [`CascadeSet::finish_cascade`].
    pub fn begin_cascade(&mut self, name: &str) {
        self.names.push(name);
    }

    /// Adds an event to the cascade being built.
    ///
    /// # Errors
    /// [`Error::InvalidEvent`] for a time or magnitude that is not a finite number `>= 0`
    /// (nothing is added).
    pub fn push_event(&mut self, time: f64, magnitude: f64, user: UserId) -> Result<()> {
        for (field, value) in [("time", time), ("magnitude", magnitude)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(Error::InvalidEvent {
                    cascade: self
                        .names
                        .get(self.names.len().saturating_sub(1))
                        .to_string(),
                    event: self.open_len(),
                    what: format!("{field} {value} is not a finite number >= 0"),
                });
            }
        }
        self.push_valid(time, magnitude, user);
        Ok(())
    }

    /// [`CascadeSet::push_event`] for values the caller has validated (the readers, which
    /// report located errors, and the generators).
    #[inline]
    pub(crate) fn push_valid(&mut self, time: f64, magnitude: f64, user: UserId) {
        debug_assert!(time.is_finite() && time >= 0.0 && magnitude.is_finite() && magnitude >= 0.0);
        self.times.push(time);
        self.magnitudes.push(magnitude);
        self.users.push(user);
    }

    /// Closes the cascade being built: stable-sorts its events by time, applies `dedupe`, and
    /// returns how many events deduplication removed. An empty cascade is removed again and
    /// reported by the caller.
    pub fn finish_cascade(&mut self, dedupe: Dedupe) -> usize {
        let start = *self
            .offsets
            .last()
            .expect("offsets always holds a leading 0");
        let n = self.times.len() - start;
        if !self.times[start..].is_sorted() {
            let mut idx: Vec<usize> = (0..n).collect();
            let times = &self.times[start..];
            idx.sort_by(|&a, &b| times[a].total_cmp(&times[b])); // stable: ties keep input order
            self.permute_tail(start, &idx);
        }
        let removed = match dedupe {
            Dedupe::None => 0,
            Dedupe::First | Dedupe::Last => self.dedupe_tail(start, dedupe),
        };
        self.offsets.push(self.times.len());
        removed
    }

    /// Discards the cascade being built (used when a reader skips an invalid cascade).
    pub fn abandon_cascade(&mut self) {
        let start = *self
            .offsets
            .last()
            .expect("offsets always holds a leading 0");
        self.times.truncate(start);
        self.magnitudes.truncate(start);
        self.users.truncate(start);
        if self.names.len() == self.offsets.len() {
            self.names.truncate(self.names.len() - 1);
        }
    }

    /// Number of events of the cascade being built.
    pub fn open_len(&self) -> usize {
        self.times.len() - self.offsets.last().copied().unwrap_or(0)
    }

    fn permute_tail(&mut self, start: usize, idx: &[usize]) {
        let t: Vec<f64> = idx.iter().map(|&i| self.times[start + i]).collect();
        let m: Vec<f64> = idx.iter().map(|&i| self.magnitudes[start + i]).collect();
        let u: Vec<UserId> = idx.iter().map(|&i| self.users[start + i]).collect();
        self.times[start..].copy_from_slice(&t);
        self.magnitudes[start..].copy_from_slice(&m);
        self.users[start..].copy_from_slice(&u);
    }

    fn dedupe_tail(&mut self, start: usize, dedupe: Dedupe) -> usize {
        use std::collections::HashMap;
        let n = self.times.len() - start;
        let mut keep_at: HashMap<UserId, usize> = HashMap::with_capacity(n);
        for k in 0..n {
            let u = self.users[start + k];
            match dedupe {
                Dedupe::First => {
                    keep_at.entry(u).or_insert(k);
                }
                _ => {
                    keep_at.insert(u, k);
                }
            }
        }
        if keep_at.len() == n {
            return 0;
        }
        self.scratch.clear();
        self.scratch
            .extend((0..n).filter(|&k| keep_at[&self.users[start + k]] == k));
        let idx = std::mem::take(&mut self.scratch);
        let kept = idx.len();
        for (dst, &src) in idx.iter().enumerate() {
            self.times[start + dst] = self.times[start + src];
            self.magnitudes[start + dst] = self.magnitudes[start + src];
            self.users[start + dst] = self.users[start + src];
        }
        self.scratch = idx;
        self.times.truncate(start + kept);
        self.magnitudes.truncate(start + kept);
        self.users.truncate(start + kept);
        n - kept
    }

    /// Builds a one-cascade set from `(time, magnitude, user)` triples (sorted by time here).
    ///
    /// # Errors
    /// [`Error::InvalidEvent`] for a time or magnitude that is not a finite number `>= 0`.
    pub fn from_events(name: &str, events: &[(f64, f64, u32)]) -> Result<Self> {
        let mut set = CascadeSet::new();
        set.begin_cascade(name);
        for &(t, m, u) in events {
            set.push_event(t, m, UserId(u))?;
        }
        set.finish_cascade(Dedupe::None);
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_set_takes_cascades_like_a_new_one() {
        // `Default` once left `offsets` empty, so the first finished cascade panicked.
        let mut set = CascadeSet::default();
        set.begin_cascade("c");
        set.push_event(1.0, 2.0, UserId(0)).unwrap();
        set.finish_cascade(Dedupe::None);
        assert_eq!(
            (set.len(), set.n_events(), set.offsets()),
            (1, 1, &[0, 1][..])
        );
    }

    #[test]
    fn finish_sorts_stably_by_time() {
        let set = CascadeSet::from_events("c", &[(5.0, 1.0, 0), (1.0, 2.0, 1), (1.0, 3.0, 2)])
            .expect("valid events");
        let c = set.get(0);
        assert_eq!(c.times, &[1.0, 1.0, 5.0], "sorted");
        assert_eq!(
            c.users,
            &[UserId(1), UserId(2), UserId(0)],
            "ties keep input order"
        );
        assert_eq!(c.magnitudes, &[2.0, 3.0, 1.0], "columns move together");
    }

    #[test]
    fn dedupe_first_and_last() {
        let events = [(0.0, 1.0, 7), (1.0, 2.0, 8), (2.0, 3.0, 7), (3.0, 4.0, 9)];
        for (mode, want_mags) in [
            (Dedupe::First, vec![1.0, 2.0, 4.0]),
            (Dedupe::Last, vec![2.0, 3.0, 4.0]),
        ] {
            let mut set = CascadeSet::new();
            set.begin_cascade("c");
            for &(t, m, u) in &events {
                set.push_event(t, m, UserId(u)).unwrap();
            }
            assert_eq!(
                set.finish_cascade(mode),
                1,
                "one duplicate removed ({mode:?})"
            );
            assert_eq!(set.get(0).magnitudes, want_mags.as_slice(), "{mode:?}");
        }
    }
}

#[cfg(test)]
mod invariants {
    use super::*;

    #[test]
    fn invalid_events_are_errors_in_every_build() {
        for (t, m, what) in [
            (f64::NAN, 1.0, "time NaN"),
            (-1.0, 1.0, "time -1"),
            (0.0, f64::INFINITY, "magnitude inf"),
            (0.0, -2.0, "magnitude -2"),
        ] {
            let err = CascadeSet::from_events("c", &[(0.0, 1.0, 0), (t, m, 1)]).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("\"c\", event 1") && text.contains(what),
                "{text}"
            );
        }
        let mut set = CascadeSet::new();
        set.begin_cascade("d");
        assert!(set.push_event(f64::NAN, 0.0, UserId(0)).is_err());
        assert_eq!(set.open_len(), 0, "nothing added");
    }
}
