//! A #DebateNight-like world with planted effects (for `cascadia influence politics`): users
//! with a party, partisan hashtag use drawn from the authors' list by frequency, botness
//! scores and reference populations, and retweet cascades whose sizes scale with a planted
//! per-user reach — bots 2.5× humans on average, pro-Republican bots 2× pro-Democrat bots —
//! so the report can be checked against what was planted.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp, Poisson};

/// Settings.
#[derive(Clone, Copy, Debug)]
pub struct DebateConfig {
    /// Users.
    pub users: usize,
    /// Cascades.
    pub cascades: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for DebateConfig {
    fn default() -> Self {
        DebateConfig {
            users: 5000,
            cascades: 6000,
            seed: 1,
        }
    }
}

/// A generated user.
#[derive(Clone, Debug)]
pub struct DebateUser {
    /// `democrat`, `republican`, `neutral` or `none` (no partisan hashtag).
    pub party: &'static str,
    /// Botness (NaN for protected and suspended users).
    pub botness: f64,
    /// `protected`, `suspended` or empty.
    pub population: &'static str,
    /// Planted reach (cascade size multiplier).
    pub reach: f64,
    /// Followers.
    pub followers: f64,
}

/// The world: users, tweets (`user, hashtags`), cascades (`cascade, time, user, followers`).
pub struct Debate {
    /// Users by index (ids `u{index}`).
    pub users: Vec<DebateUser>,
    /// Tweets: user index and space-separated hashtags.
    pub tweets: Vec<(u32, String)>,
    /// Retweet cascades in time order: (cascade, time, user); users ≥ `users.len()` are the
    /// audience (`a{index − users}`, followers 1–100).
    pub cascades: Vec<(u32, f64, u32)>,
}

/// Planted reach of the populations (bots: 5/3 for pro-Democrat, 10/3 for pro-Republican and
/// others, ~2.5 on average with the party mix below).
pub fn reach_of(population: &str, botness: f64, party: &str) -> f64 {
    match population {
        "suspended" => 2.0,
        "protected" => 1.0,
        _ if botness >= 0.6 => {
            if party == "democrat" {
                5.0 / 3.0
            } else {
                10.0 / 3.0
            }
        }
        _ if botness <= 0.2 => 1.0,
        _ => 1.3,
    }
}

/// Generates the world; `dem_tags` and `rep_tags` are `(hashtag, frequency)` lists.
pub fn debate(
    cfg: &DebateConfig,
    dem_tags: &[(String, f64)],
    rep_tags: &[(String, f64)],
) -> Debate {
    let mut rng = rand::rngs::StdRng::seed_from_u64(cfg.seed);
    let pick = |tags: &[(String, f64)], rng: &mut rand::rngs::StdRng| -> String {
        let total: f64 = tags.iter().map(|t| t.1).sum();
        let mut x = rng.random::<f64>() * total;
        for (t, f) in tags {
            x -= f;
            if x <= 0.0 {
                return t.clone();
            }
        }
        tags.last().map(|t| t.0.clone()).unwrap_or_default()
    };
    let mut users = Vec::with_capacity(cfg.users);
    for _ in 0..cfg.users {
        let kind = rng.random::<f64>();
        let (botness, population) = if kind < 0.03 {
            (f64::NAN, "protected")
        } else if kind < 0.06 {
            (f64::NAN, "suspended")
        } else if kind < 0.64 {
            (rng.random_range(0.0..0.2), "")
        } else if kind < 0.88 {
            (rng.random_range(0.2..0.6), "")
        } else {
            (rng.random_range(0.6..1.0), "")
        };
        let is_bot = botness >= 0.6 || population == "suspended";
        let e = rng.random::<f64>();
        let party = if e < 0.3 {
            "none"
        } else if e < 0.36 {
            "neutral"
        } else {
            let rep_share = if is_bot { 0.65 } else { 0.5 };
            if rng.random::<f64>() < rep_share {
                "republican"
            } else {
                "democrat"
            }
        };
        users.push(DebateUser {
            party,
            botness,
            population,
            reach: reach_of(population, botness, party),
            followers: (10.0 * rng.random::<f64>().powf(-1.1)).floor(),
        });
    }
    let mut tweets = Vec::new();
    for (u, user) in users.iter().enumerate() {
        let is_bot = user.botness >= 0.6 || user.population == "suspended";
        let k = Poisson::new(if is_bot { 6.0 } else { 2.0 })
            .expect("positive")
            .sample(&mut rng) as usize
            + 1;
        for _ in 0..k {
            let tags: Vec<String> = match user.party {
                "democrat" => (0..rng.random_range(1..3))
                    .map(|_| pick(dem_tags, &mut rng))
                    .collect(),
                "republican" => (0..rng.random_range(1..3))
                    .map(|_| pick(rep_tags, &mut rng))
                    .collect(),
                "neutral" => vec![pick(dem_tags, &mut rng), pick(rep_tags, &mut rng)],
                _ => vec!["debatenight".to_string()],
            };
            // Case and a leading # vary as in real data.
            let text: Vec<String> = tags
                .iter()
                .map(|t| {
                    if rng.random::<bool>() {
                        format!("#{t}")
                    } else {
                        t.to_uppercase()
                    }
                })
                .collect();
            tweets.push((u as u32, text.join(" ")));
        }
    }
    let gap = Exp::new(1.0 / 60.0).expect("rate > 0");
    let mut cascades = Vec::new();
    for c in 0..cfg.cascades as u32 {
        let orig = rng.random_range(0..cfg.users) as u32;
        let mean = 3.0 * users[orig as usize].reach;
        let size = Poisson::new(mean).expect("positive").sample(&mut rng) as usize;
        let mut t = rng.random_range(0.0..86_400.0f64).floor();
        cascades.push((c, t, orig));
        for _ in 0..size {
            let d: f64 = gap.sample(&mut rng);
            t += d.floor();
            // Most retweeters are an audience outside the profiled users (ids >= users), so
            // a profiled user's influence comes mostly from the cascades it starts.
            let who = if rng.random::<f64>() < 0.9 {
                (cfg.users + rng.random_range(0..5 * cfg.users)) as u32
            } else {
                rng.random_range(0..cfg.users) as u32
            };
            cascades.push((c, t, who));
        }
    }
    Debate {
        users,
        tweets,
        cascades,
    }
}
