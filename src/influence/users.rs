//! User influence (Eq. 3): per-user running sums, so memory is O(users), never O(events).

use super::Aggregation;
use crate::cascade::UserId;
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
    sum: Vec<f64>,
    events: Vec<u64>,
    cascades: Vec<u64>,
    last_cascade: Vec<u64>,
    n_cascades: u64,
}

impl UserAggregator {
    /// An empty aggregator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one cascade's events.
    pub fn add_cascade(&mut self, users: &[UserId], influence: &[f64]) {
        self.n_cascades += 1;
        let stamp = self.n_cascades;
        for (&u, &phi) in users.iter().zip(influence) {
            let i = u.index();
            if i >= self.sum.len() {
                let n = (i + 1).max(self.sum.len() * 2);
                self.sum.resize(n, 0.0);
                self.events.resize(n, 0);
                self.cascades.resize(n, 0);
                self.last_cascade.resize(n, 0);
            }
            self.sum[i] += phi;
            self.events[i] += 1;
            if self.last_cascade[i] != stamp {
                self.last_cascade[i] = stamp;
                self.cascades[i] += 1;
            }
        }
    }

    /// Users with at least one event, in id order, with influence and percentile.
    pub fn finish(&self, aggregation: Aggregation) -> Vec<UserInfluence> {
        let mut out: Vec<UserInfluence> = (0..self.sum.len())
            .filter(|&i| self.events[i] > 0)
            .map(|i| UserInfluence {
                user: UserId(u32::try_from(i).expect("user ids come from a u32 interner")),
                events: self.events[i],
                cascades: self.cascades[i],
                influence: match aggregation {
                    Aggregation::Mean => self.sum[i] / self.events[i] as f64,
                    Aggregation::Sum => self.sum[i],
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
        let sum = a.finish(Aggregation::Sum);
        assert_eq!(sum[1].influence, 6.0, "sum of 1 and 5");
        assert_eq!(
            (mean[0].percentile, mean[1].percentile),
            (0.0, 1.0),
            "least 0, most 1"
        );
    }
}
