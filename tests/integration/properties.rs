//! proptest invariants and differential tests (fast = obvious on random inputs).

use crate::engines::engine;
use crate::util::{Tol, assert_close, cases};
use cascadia::cascade::CascadeSet;
use cascadia::influence::{InfluenceParams, Power, SelfTerm};
use proptest::prelude::*;

/// Random cascades: 1–60 events, gaps from 0 (ties) to months, followers 0 to 10^7.
fn cascade() -> impl Strategy<Value = Vec<(f64, f64, u32)>> {
    let gap = prop_oneof![
        3 => Just(0.0),
        6 => 0.0..600.0f64,
        2 => 600.0..86_400.0f64,
        1 => 1.0e6..2.6e7f64, // up to 10 months: e^{-rΔt} underflows
    ];
    let followers = prop_oneof![1 => Just(0.0), 4 => 0.0..1.0e7f64];
    prop::collection::vec((gap, followers), 1..60).prop_map(|v| {
        let mut t = 0.0;
        v.into_iter()
            .enumerate()
            .map(|(k, (g, f))| {
                if k > 0 {
                    t += g.floor();
                }
                (t, f.floor(), k as u32)
            })
            .collect()
    })
}

fn params() -> impl Strategy<Value = InfluenceParams> {
    (
        prop_oneof![Just(Power::One), Just(Power::Two)],
        prop_oneof![Just(6.8e-4), Just(6.8e-5), 1e-6..1e-2f64],
        prop_oneof![Just(1.0), 0.3..1.7f64],
        prop_oneof![Just(None), (0.05..1.0f64).prop_map(Some)],
        prop_oneof![Just(SelfTerm::Excluded), Just(SelfTerm::Included)],
    )
        .prop_map(|(s, r, beta, alpha, st)| {
            InfluenceParams::default()
                .power(s)
                .decay_per_s(r)
                .beta(beta)
                .alpha(alpha)
                .self_term(st)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn algorithms_agree(events in cascade(), params in params()) {
        let set = CascadeSet::from_events("p", &events).expect("valid events");
        let c = set.get(0);
        let reference = engine("cpu_recursion").run(c, &params); // the paper's algorithm
        for e in ["cpu_linear", "cpu_backsub"].map(engine) {
            assert_close(&e.run(c, &params), &reference, Tol::F64, e.name);
        }
    }

    #[test]
    fn influence_is_finite_non_negative_and_bounded(events in cascade(), params in params()) {
        let set = CascadeSet::from_events("p", &events).expect("valid events");
        let phi = engine("cpu_linear").run(set.get(0), &params);
        let n = phi.len() as f64;
        for (i, &x) in phi.iter().enumerate() {
            prop_assert!(x.is_finite() && x >= 0.0, "phi[{}] = {}", i, x);
            if params.power == Power::One && params.alpha.is_none() {
                // s = 1: expected descendants (+ itself) of event i is at most n − i.
                prop_assert!(x <= (n - i as f64) * (1.0 + 1e-9), "phi[{}] = {} > n − i", i, x);
            }
        }
    }

    #[test]
    fn root_row_sum_is_n(events in cascade()) {
        let set = CascadeSet::from_events("p", &events).expect("valid events");
        let params = InfluenceParams::default().power(Power::One).self_term(SelfTerm::Included);
        let phi = engine("cpu_linear").run(set.get(0), &params);
        let n = phi.len() as f64;
        prop_assert!((phi[0] - n).abs() <= 1e-9 * n, "root {} vs n {}", phi[0], n);
    }
}
