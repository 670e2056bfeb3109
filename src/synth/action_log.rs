//! A synthetic social graph with known influence probabilities and an action log simulated
//! over it (for `cascadia probabilities`): preferential attachment (heavy-tailed degrees), a
//! share of ties with creation times, per-direction true probabilities and mean delays, and a
//! continuous-time independent cascade per action.
//!
//! Without decay the static model is the truth: an adopter v gets one chance per neighbour u
//! (whose tie exists at t_v), succeeding with probability `p_vu` after an Exp(mean `d_vu`)
//! delay. With `decay`, the chance fades with the delay: an attempt with delay Δ succeeds with
//! probability `p_vu e^{−Δ/d_vu}` — influence that decays in time, the continuous-time model's
//! premise.

use rand::{Rng, SeedableRng};
use rustc_hash::FxHashMap;

/// Settings of the generator.
#[derive(Clone, Copy, Debug)]
pub struct ActionLogConfig {
    /// Users.
    pub users: usize,
    /// Ties per new user (preferential attachment).
    pub ties_per_user: usize,
    /// Share of ties with a creation time (uniform over the horizon); the rest always existed.
    pub dated_share: f64,
    /// Actions.
    pub actions: usize,
    /// Time horizon: actions start uniformly in [0, horizon).
    pub horizon: f64,
    /// True probabilities are uniform in [p_lo, p_hi].
    pub p_lo: f64,
    /// Upper end of the true probabilities.
    pub p_hi: f64,
    /// Mean delays are uniform in [1, max_delay].
    pub max_delay: f64,
    /// Influence that decays with the delay (see the module docs).
    pub decay: bool,
    /// Stop an action after this many adopters (heavy-tailed graphs make the cascade
    /// supercritical; a cap keeps the log's size predictable).
    pub max_action_size: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for ActionLogConfig {
    fn default() -> Self {
        ActionLogConfig {
            users: 2000,
            ties_per_user: 3,
            dated_share: 0.3,
            actions: 2000,
            horizon: 1000.0,
            p_lo: 0.01,
            p_hi: 0.2,
            max_delay: 20.0,
            decay: false,
            max_action_size: usize::MAX,
            seed: 1,
        }
    }
}

/// The generated data: ties `(u, v, created)`, the truth per direction `(src, dst, p, mean
/// delay)`, and log rows `(user, action, time)` grouped by action in time order.
#[derive(Clone, Debug, Default)]
pub struct ActionLogData {
    /// Undirected ties over users `1..=users`.
    pub ties: Vec<(i64, i64, Option<f64>)>,
    /// Both directions of every tie.
    pub truth: Vec<(i64, i64, f64, f64)>,
    /// `(user, action, time)`.
    pub log: Vec<(i64, i64, f64)>,
}

/// Generates a graph, its truth and an action log (deterministic per seed).
pub fn generate(cfg: &ActionLogConfig) -> ActionLogData {
    let mut rng = rand::rngs::StdRng::seed_from_u64(cfg.seed);
    let n = cfg.users.max(2);
    let m = cfg.ties_per_user.max(1);
    // Preferential attachment: targets drawn from the list of tie endpoints.
    let mut endpoints: Vec<u32> = Vec::new();
    let mut seen: FxHashMap<(u32, u32), ()> = FxHashMap::default();
    let mut ties: Vec<(u32, u32)> = Vec::new();
    for u in 1..n as u32 {
        let k = m.min(u as usize);
        let mut chosen = 0;
        let mut tries = 0;
        while chosen < k && tries < 100 * k {
            tries += 1;
            let v = if endpoints.is_empty() || rng.random::<f64>() < 0.1 {
                rng.random_range(0..u)
            } else {
                endpoints[rng.random_range(0..endpoints.len())]
            };
            let key = (v.min(u), v.max(u));
            if v == u || seen.insert(key, ()).is_some() {
                continue;
            }
            ties.push((v, u));
            endpoints.push(v);
            endpoints.push(u);
            chosen += 1;
        }
    }
    let mut out = ActionLogData::default();
    // adjacency: (neighbour, created, p, mean delay) per direction
    let mut adj: Vec<Vec<(u32, f64, f64, f64)>> = vec![Vec::new(); n];
    for &(a, b) in &ties {
        let created = (rng.random::<f64>() < cfg.dated_share)
            .then(|| (rng.random::<f64>() * cfg.horizon).floor());
        out.ties.push((i64::from(a) + 1, i64::from(b) + 1, created));
        for (src, dst) in [(a, b), (b, a)] {
            let p = rng.random_range(cfg.p_lo..=cfg.p_hi);
            let d = rng.random_range(1.0..=cfg.max_delay.max(1.0));
            out.truth
                .push((i64::from(src) + 1, i64::from(dst) + 1, p, d));
            adj[src as usize].push((dst, created.unwrap_or(f64::NAN), p, d));
        }
    }
    for action in 1..=cfg.actions as i64 {
        let source = rng.random_range(0..n as u32);
        let t0 = (rng.random::<f64>() * cfg.horizon).floor();
        let mut time: FxHashMap<u32, f64> = FxHashMap::default();
        let mut heap = std::collections::BinaryHeap::new();
        heap.push(std::cmp::Reverse((t0.to_bits(), source)));
        time.insert(source, t0);
        let mut done: FxHashMap<u32, ()> = FxHashMap::default();
        while let Some(std::cmp::Reverse((bits, v))) = heap.pop() {
            if done.len() >= cfg.max_action_size {
                break;
            }
            let t = f64::from_bits(bits);
            if done.contains_key(&v) || time[&v] != t {
                continue;
            }
            done.insert(v, ());
            out.log.push((i64::from(v) + 1, action, t));
            for &(u, created, p, d) in &adj[v as usize] {
                if done.contains_key(&u) || (!created.is_nan() && created > t) {
                    continue;
                }
                let delay = (-(1.0 - rng.random::<f64>()).ln() * d).ceil().max(1.0);
                let chance = if cfg.decay { p * (-delay / d).exp() } else { p };
                if rng.random::<f64>() >= chance {
                    continue;
                }
                let tu = t + delay;
                if time.get(&u).is_none_or(|&old| tu < old) {
                    time.insert(u, tu);
                    heap.push(std::cmp::Reverse((tu.to_bits(), u)));
                }
            }
        }
    }
    out
}
