//! Cascades whose parents were drawn from Eq. 1 with a known decay r, and the follower graph
//! that the decay search (`cascadia influence tune-decay`) ranks against: each reposter
//! follows the author of the event it reposted, plus random other users (noise). The AUC
//! objective is then largest near the true r.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp};

/// Settings of the generator.
#[derive(Clone, Copy, Debug)]
pub struct DecayConfig {
    /// Cascades.
    pub cascades: usize,
    /// Users (authors drawn uniformly).
    pub users: usize,
    /// Mean cascade size (sizes 2 + geometric).
    pub mean_size: f64,
    /// The true decay r (1/s).
    pub r: f64,
    /// Social strength β of Eq. 1.
    pub beta: f64,
    /// Random followees per user besides the true parents' authors.
    pub noise_follows: usize,
    /// Seed.
    pub seed: u64,
}

/// `(cascade_id, time, user, followers)` rows and `(follower, followee)` edges.
pub type DecayData = (Vec<(u32, f64, u32, f64)>, Vec<(u32, u32)>);

/// Generates cascades and followers (see the module docs). Inter-arrival gaps are
/// exponential with mean 1/r, so the decay shapes who is reposted.
pub fn decay_cascades(cfg: &DecayConfig) -> DecayData {
    let mut rng = rand::rngs::StdRng::seed_from_u64(cfg.seed);
    let followers: Vec<f64> = (0..cfg.users)
        .map(|_| (10.0 * rng.random::<f64>().powf(-1.2)).floor())
        .collect();
    let gap = Exp::new(cfg.r).expect("r > 0");
    let mut rows = Vec::new();
    let mut edges = rustc_hash::FxHashSet::default();
    let p_stop = 1.0 / (cfg.mean_size - 1.0).max(1.0);
    for c in 0..cfg.cascades as u32 {
        let mut n = 2;
        while rng.random::<f64>() > p_stop && n < 10_000 {
            n += 1;
        }
        let mut t = 0.0;
        let mut ev: Vec<(f64, u32)> = Vec::with_capacity(n);
        for j in 0..n {
            if j > 0 {
                t += gap.sample(&mut rng);
            }
            let u = rng.random_range(0..cfg.users as u32);
            if j > 0 {
                // Parent ∝ w_k e^{−r (t − t_k)} (log space).
                let logs: Vec<f64> = ev
                    .iter()
                    .map(|&(tk, uk)| {
                        cfg.beta * followers[uk as usize].max(1.0).ln() - cfg.r * (t - tk)
                    })
                    .collect();
                let m = logs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = logs.iter().map(|l| (l - m).exp()).sum();
                let mut x = rng.random::<f64>() * total;
                let mut parent = ev.len() - 1;
                for (k, l) in logs.iter().enumerate() {
                    x -= (l - m).exp();
                    if x <= 0.0 {
                        parent = k;
                        break;
                    }
                }
                edges.insert((u, ev[parent].1));
            }
            ev.push((t, u));
            rows.push((c, t, u, followers[u as usize]));
        }
    }
    for u in 0..cfg.users as u32 {
        for _ in 0..cfg.noise_follows {
            edges.insert((u, rng.random_range(0..cfg.users as u32)));
        }
    }
    let mut e: Vec<(u32, u32)> = edges.into_iter().collect();
    e.sort_unstable();
    (rows, e)
}
