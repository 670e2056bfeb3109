//! User influence (Eq. 3): per-user running sums, so memory is O(users), never O(events).

use super::Aggregation;
use crate::cascade::{CascadeSet, UserId};
use crate::metrics::ranking::percentiles;

/// One user's influence.
#[derive(Clone, Debug, PartialEq)]
pub struct UserInfluence {
    /// The user.
    pub user: UserId,
    /// Number of the user's events (over all cascades).
    pub events: u64,
    /// Number of distinct cascades the user took part in.
    pub cascades: u64,
    /// Mean (or sum) of the user's tweet influences.
    pub influence: f64,
    /// `φ%`: 0 for the least influential user, 1 for the most; tied values share one value
    /// (the share of users with a strictly smaller influence, rescaled so the maximum is 1).
    pub percentile: f64,
}

/// Accumulates tweet influences per user, cascade by cascade.
#[derive(Debug, Default, Clone)]
pub struct UserAggregator {
    /// By user id: one 32-byte record each, so that an event (a random user) touches one
    /// cache line rather than one per field.
    users: Vec<Sums>,
    n_cascades: u64,
}

/// How many events ahead a user's sums are prefetched.
const AHEAD: usize = 8;

/// One user's running sums.
#[derive(Debug, Default, Clone, Copy)]
#[repr(align(32))]
struct Sums {
    influence: f64,
    events: u64,
    cascades: u64,
    /// The last cascade (numbered from 1) that counted in `cascades`.
    last_cascade: u64,
}

impl UserAggregator {
    /// An empty aggregator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one cascade's events.
    pub fn add_cascade(&mut self, users: &[UserId], influence: &[f64]) {
        self.n_cascades += 1;
        for (&u, &phi) in users.iter().zip(influence) {
            self.add(u, phi);
        }
    }

    /// Adds every cascade of `set`, whose events have tweet influences `influence` (flat, by
    /// the set's offsets). The same as [`Self::add_cascade`] for each cascade, with the sums
    /// of users a few events ahead prefetched (a random user per event).
    pub fn add_batch(&mut self, set: &CascadeSet, influence: &[f64]) {
        let users = set.all_users();
        let offsets = set.offsets();
        for i in 0..set.len() {
            self.n_cascades += 1;
            for e in offsets[i]..offsets[i + 1] {
                if let Some(s) = users.get(e + AHEAD).and_then(|u| self.users.get(u.index())) {
                    crate::prefetch::prefetch(s);
                }
                self.add(users[e], influence[e]);
            }
        }
    }

    /// Adds one event of the current cascade.
    fn add(&mut self, u: UserId, phi: f64) {
        let i = u.index();
        if i >= self.users.len() {
            let n = (i + 1).max(self.users.len() * 2);
            self.users.resize(n, Sums::default());
        }
        let s = &mut self.users[i];
        s.influence += phi;
        s.events += 1;
        if s.last_cascade != self.n_cascades {
            s.last_cascade = self.n_cascades;
            s.cascades += 1;
        }
    }

    /// Users with at least one event, in id order, with influence and percentile.
    pub fn finish(&self, aggregation: Aggregation) -> Vec<UserInfluence> {
        let mut out: Vec<UserInfluence> = (self.users.iter().enumerate())
            .filter(|(_, s)| s.events > 0)
            .map(|(i, s)| UserInfluence {
                user: UserId(u32::try_from(i).expect("user ids come from a u32 interner")),
                events: s.events,
                cascades: s.cascades,
                influence: match aggregation {
                    Aggregation::Mean => s.influence / s.events as f64,
                    Aggregation::Sum => s.influence,
                },
                percentile: 0.0,
            })
            .collect();
        let values: Vec<f64> = out.iter().map(|u| u.influence).collect();
        for (u, p) in out.iter_mut().zip(percentiles(&values)) {
            u.percentile = p;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_sum_and_distinct_cascades() {
        let mut a = UserAggregator::new();
        a.add_cascade(&[UserId(0), UserId(1), UserId(0)], &[3.0, 1.0, 1.0]);
        a.add_cascade(&[UserId(1)], &[5.0]);
        let mean = a.finish(Aggregation::Mean);
        assert_eq!(mean[0].events, 2, "user 0 has two events");
        assert_eq!(mean[0].cascades, 1, "in one cascade");
        assert_eq!(mean[0].influence, 2.0, "mean of 3 and 1");
        assert_eq!(mean[1].cascades, 2, "user 1 in two cascades");
        assert_eq!(mean[1].influence, 3.0, "mean of 1 and 5");
        let mut set = CascadeSet::new();
        for (users, times) in [(&[0u32, 1, 0][..], &[0.0, 1.0, 2.0][..]), (&[1], &[0.0])] {
            set.begin_cascade("c");
            for (&u, &t) in users.iter().zip(times) {
                set.push_event(t, 1.0, UserId(u)).unwrap();
            }
            set.finish_cascade(crate::cascade::Dedupe::None);
        }
        let mut b = UserAggregator::new();
        b.add_batch(&set, &[3.0, 1.0, 1.0, 5.0]);
        assert_eq!(
            b.finish(Aggregation::Mean),
            mean,
            "a batch adds as its cascades do"
        );
        let sum = a.finish(Aggregation::Sum);
        assert_eq!(sum[1].influence, 6.0, "sum of 1 and 5");
        assert_eq!(
            (mean[0].percentile, mean[1].percentile),
            (0.0, 1.0),
            "least 0, most 1"
        );
    }
}
