//! The engine table: every golden and oracle case runs on each engine.

use cascadia::cascade::Cascade;
use cascadia::influence::{Algorithm, InfluenceParams, tweet_influence};

/// One way to compute tweet influence.
pub struct Engine {
    pub name: &'static str,
    pub algorithm: Algorithm,
}

/// All engines. (GPU engines join this table when they exist.)
pub const ENGINES: &[Engine] = &[
    Engine {
        name: "cpu_linear",
        algorithm: Algorithm::Linear,
    },
    Engine {
        name: "cpu_backsub",
        algorithm: Algorithm::Backsub,
    },
    Engine {
        name: "cpu_recursion",
        algorithm: Algorithm::Recursion,
    },
];

impl Engine {
    pub fn run(&self, c: Cascade<'_>, params: &InfluenceParams) -> Vec<f64> {
        let p = params.clone().algorithm(self.algorithm);
        let mut out = vec![0.0; c.len()];
        tweet_influence(c, &p, &mut Default::default(), &mut out).expect("engine runs");
        out
    }
}
