//! Realistic retweet cascades for the influence capability: heavy-tailed cascade sizes and
//! follower counts, tied times, long gaps, Zipf-like user activity. Streams to a writer:
//! memory O(largest cascade).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};
use serde::Serialize;
use std::io::Write;

/// Configuration of [`write_cascades`].
#[derive(Clone, Debug, Serialize)]
pub struct SynthConfig {
    /// Number of cascades.
    pub cascades: u64,
    /// Size of the user pool.
    pub users: u64,
    /// Largest cascade size.
    pub max_size: u64,
    /// Tail exponent `a` of the size distribution, `P(size >= k) ≈ k^{-a}`.
    pub size_exponent: f64,
    /// Share of events whose time equals the previous event's (ties).
    pub tie_share: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            cascades: 1000,
            users: 100_000,
            max_size: 100_000,
            size_exponent: 1.0,
            tie_share: 0.05,
            seed: 1,
        }
    }
}

/// What [`write_cascades`] wrote.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SynthStats {
    /// Cascades written.
    pub cascades: u64,
    /// Events written.
    pub events: u64,
    /// Largest cascade written.
    pub largest: u64,
}

/// Writes `cfg.cascades` cascades as the long CSV `cascade_id,time,user_id,followers`
/// (times in Unix seconds, rows of a cascade contiguous and sorted by time).
///
/// # Errors
/// A write error.
pub fn write_cascades(cfg: &SynthConfig, out: &mut dyn Write) -> std::io::Result<SynthStats> {
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let followers: LogNormal<f64> = LogNormal::new(5.0, 2.0).expect("valid log-normal parameters");
    let mut stats = SynthStats::default();
    let mut buf = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(b"cascade_id,time,user_id,followers\n");
    let users = cfg.users.max(1) as f64;
    for c in 0..cfg.cascades {
        // Discrete power law: size = floor(U^{-1/a}), capped.
        let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
        let size = (u.powf(-1.0 / cfg.size_exponent).floor() as u64).clamp(1, cfg.max_size.max(1));
        let mut t = (1.6e9 + rng.random::<f64>() * 3.0e7).floor();
        for k in 0..size {
            if k > 0 && rng.random::<f64>() >= cfg.tie_share {
                // Lomax gaps (scale 60 s, shape 1.1): mostly seconds to minutes, sometimes months.
                let v: f64 = rng.random::<f64>().max(1e-300);
                let gap = 60.0 * (v.powf(-1.0 / 1.1) - 1.0);
                t += gap.min(3.0e7).ceil();
            }
            let user = (users.powf(rng.random::<f64>()) - 1.0).floor() as u64;
            let f = if rng.random::<f64>() < 0.05 {
                0.0
            } else {
                followers.sample(&mut rng).round().min(1e8)
            };
            // Times and follower counts are whole numbers: written as integers.
            let _ = writeln!(buf, "c{c},{},u{user},{}", t as i64, f as i64);
            if buf.len() > (1 << 20) - 256 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        stats.cascades += 1;
        stats.events += size;
        stats.largest = stats.largest.max(size);
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(stats)
}

/// One in-memory cascade of `n` events with the same generator's gaps, ties and followers
/// (for benches and property tests): `(time, followers, user)` triples.
pub fn cascade_events(n: usize, seed: u64) -> Vec<(f64, f64, u32)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let followers: LogNormal<f64> = LogNormal::new(5.0, 2.0).expect("valid log-normal parameters");
    let mut t = 0.0;
    (0..n)
        .map(|k| {
            if k > 0 && rng.random::<f64>() >= 0.05 {
                let v: f64 = rng.random::<f64>().max(1e-300);
                t += (60.0 * (v.powf(-1.0 / 1.1) - 1.0)).min(3.0e7).ceil();
            }
            let f = if rng.random::<f64>() < 0.05 {
                0.0
            } else {
                followers.sample(&mut rng).round()
            };
            (t, f, rng.random_range(0..1_000_000u32))
        })
        .collect()
}

/// A batch of `cascades` in-memory cascades of `n` events each ([`cascade_events`] with seeds
/// 0, 1, …), for benches that compare engines on whole batches.
pub fn batch_set(cascades: usize, n: usize) -> crate::cascade::CascadeSet {
    let mut set = crate::cascade::CascadeSet::new();
    for c in 0..cascades {
        set.begin_cascade("b");
        for (t, f, u) in cascade_events(n, c as u64) {
            set.push_valid(t, f, crate::cascade::UserId(u));
        }
        set.finish_cascade(crate::cascade::Dedupe::None);
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_counted() {
        let cfg = SynthConfig {
            cascades: 50,
            seed: 7,
            ..Default::default()
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let sa = write_cascades(&cfg, &mut a).unwrap();
        write_cascades(&cfg, &mut b).unwrap();
        assert_eq!(a, b, "same seed, same bytes");
        let rows = a.iter().filter(|&&c| c == b'\n').count() as u64;
        assert_eq!(rows, sa.events + 1, "one row per event plus the header");
        assert_eq!(sa.cascades, 50, "cascade count");
    }
}
