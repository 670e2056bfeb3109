//! Influence: goldens from the public `birdspotter` code × every engine, the tree oracle, the
//! paper's worked example, and the closed-form pairwise matrix.

use crate::engines::all_engines;
use crate::oracle::trees::{edge_probs, influence_by_trees};
use crate::util::{Tol, assert_close, shared_dir};
use cascadia::cascade::CascadeSet;
use cascadia::influence::{InfluenceParams, Power, Preset, SelfTerm, cpu, pairwise};
use cascadia::io::{Format, ReadOptions, read_all};
use std::collections::HashMap;

struct Golden {
    phi: HashMap<&'static str, Vec<f64>>,
    parent: Vec<i64>,
    keys: Vec<(String, usize)>,
}

fn golden() -> (CascadeSet, Golden) {
    let dir = shared_dir().join("fixtures/influence");
    let (set, _) = read_all(
        dir.join("cascades.csv").to_str().unwrap(),
        Format::Csv,
        ReadOptions::default(),
    )
    .expect("fixture cascades read");
    let mut rdr =
        csv::Reader::from_path(dir.join("expected_tweets.csv")).expect("expected_tweets.csv");
    let mut g = Golden {
        phi: HashMap::new(),
        parent: Vec::new(),
        keys: Vec::new(),
    };
    for rec in rdr.records() {
        let rec = rec.unwrap();
        g.keys.push((rec[0].to_string(), rec[1].parse().unwrap()));
        for (col, name) in [(2, "birdspotter"), (3, "paper"), (4, "descendants")] {
            g.phi
                .entry(name)
                .or_default()
                .push(rec[col].parse().unwrap());
        }
        g.parent.push(rec[5].parse().unwrap());
    }
    (set, g)
}

#[test]
fn golden_birdspotter_every_preset_every_engine() {
    let (set, g) = golden();
    assert_eq!(set.n_events(), g.keys.len(), "one golden row per event");
    assert_eq!(set.len(), 16, "16 fixture cascades");
    // Row order: cascades in file order, events by position.
    let mut k = 0;
    for c in set.iter() {
        for pos in 0..c.len() {
            assert_eq!(
                g.keys[k],
                (c.name.to_string(), pos),
                "golden row {k} lines up"
            );
            k += 1;
        }
    }
    for (preset, name) in [
        (Preset::Paper, "paper"),
        (Preset::Descendants, "descendants"),
        (Preset::Birdspotter, "birdspotter"),
    ] {
        let params = InfluenceParams::preset(preset);
        for engine in all_engines() {
            let got: Vec<f64> = set.iter().flat_map(|c| engine.run(c, &params)).collect();
            assert_close(
                &got,
                &g.phi[name],
                engine.tol,
                &format!("{name} preset on {}", engine.name),
            );
        }
    }
}

#[test]
fn golden_expected_parents() {
    let (set, g) = golden();
    let params = InfluenceParams::preset(Preset::Paper);
    let mut got = Vec::new();
    for c in set.iter() {
        let mut out = vec![0; c.len()];
        cpu::expected_parents(c, &crate::util::valid(&params), &mut out);
        got.extend(out);
    }
    let bad: Vec<usize> = (0..got.len()).filter(|&i| got[i] != g.parent[i]).collect();
    assert!(bad.is_empty(), "expected parents differ at rows {bad:?}");
}

fn random_small(n: usize, seed: u64) -> CascadeSet {
    // Deterministic small cascade with ties and a zero magnitude.
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut t = 0.0;
    let events: Vec<(f64, f64, u32)> = (0..n)
        .map(|k| {
            if k > 0 && next() > 0.2 {
                t += (next() * 3000.0).floor();
            }
            let f = if next() < 0.15 {
                0.0
            } else {
                (next() * 5000.0).floor()
            };
            (t, f, k as u32)
        })
        .collect();
    CascadeSet::from_events("oracle", &events).expect("valid events")
}

#[test]
fn oracle_all_diffusion_trees_up_to_eight_events() {
    for n in 1..=8usize {
        for seed in 0..3u64 {
            let set = random_small(n, seed * 31 + n as u64);
            let c = set.get(0);
            for (power, s) in [(Power::One, 1), (Power::Two, 2)] {
                for beta in [1.0, 0.7] {
                    let r = 6.8e-4;
                    let p = edge_probs(c.times, c.magnitudes, r, beta);
                    let want = influence_by_trees(&p, s);
                    let params = InfluenceParams::default()
                        .power(power)
                        .decay_per_s(r)
                        .beta(beta)
                        .self_term(SelfTerm::Excluded);
                    for engine in all_engines() {
                        let got = engine.run(c, &params);
                        assert_close(
                            &got,
                            &want,
                            engine.tol,
                            &format!(
                                "trees n={n} s={s} beta={beta} seed={seed} on {}",
                                engine.name
                            ),
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn worked_example_three_tweets() {
    // Sec. 3.2: m_12 = 1 (p_12 = 1), m_13 = m_11 p_13^2 + m_12 p_23^2.
    let set = CascadeSet::from_events(
        "ex",
        &[(0.0, 300.0, 1), (120.0, 40.0, 2), (200.0, 900.0, 3)],
    )
    .expect("valid events");
    let c = set.get(0);
    let params = InfluenceParams::preset(Preset::Paper);
    let m = cpu::recursion_matrix(c, &crate::util::valid(&params));
    let p = edge_probs(c.times, c.magnitudes, params.decay_per_s, 1.0);
    assert!(
        (m[[0, 1]] - 1.0).abs() < 1e-15,
        "m_12 = 1, got {}",
        m[[0, 1]]
    );
    let m13 = p[0][2].powi(2) + p[1][2].powi(2);
    assert!(
        (m[[0, 2]] - m13).abs() < 1e-15,
        "m_13 = {} vs {m13}",
        m[[0, 2]]
    );
    for engine in all_engines() {
        let phi = engine.run(c, &params);
        assert_close(
            &phi,
            &[1.0 + m13, p[1][2].powi(2), 0.0],
            engine.tol,
            engine.name,
        );
    }
}

#[test]
fn root_row_sum_is_n_for_power_one() {
    for n in [1usize, 2, 5, 50, 300] {
        let set = random_small(n, 99);
        let params = InfluenceParams::preset(Preset::Birdspotter); // s = 1, self included, no α
        for engine in all_engines() {
            let phi = engine.run(set.get(0), &params);
            assert!(
                (phi[0] - n as f64).abs() <= engine.tol.rel * n as f64,
                "{}: root row sum {} != n = {n}",
                engine.name,
                phi[0]
            );
        }
    }
}

#[test]
fn pairwise_closed_form_matches_recursion() {
    for (n, seed) in [(1usize, 1u64), (2, 2), (17, 3), (120, 4)] {
        let set = random_small(n, seed);
        for alpha in [None, Some(0.3)] {
            for power in [Power::One, Power::Two] {
                let params = InfluenceParams::default()
                    .power(power)
                    .alpha(alpha)
                    .beta(1.2);
                let a = pairwise(set.get(0), &crate::util::valid(&params));
                let b = cpu::recursion_matrix(set.get(0), &crate::util::valid(&params));
                assert_close(
                    a.as_slice().unwrap(),
                    b.as_slice().unwrap(),
                    Tol::F64,
                    &format!("pairwise n={n} {alpha:?} {power:?}"),
                );
            }
        }
    }
}

#[test]
fn recursion_refuses_oversized_cascades_with_advice() {
    let n = cpu::RECURSION_MAX_EVENTS + 1;
    let events: Vec<(f64, f64, u32)> = (0..n).map(|k| (k as f64, 1.0, k as u32)).collect();
    let set = CascadeSet::from_events("big", &events).expect("valid events");
    let params = InfluenceParams::default().algorithm(cascadia::influence::Algorithm::Recursion);
    let mut out = vec![0.0; n];
    let err = cascadia::influence::tweet_influence(
        set.get(0),
        &crate::util::valid(&params),
        &mut Default::default(),
        &mut out,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("--algo linear"),
        "the error says what to do: {err}"
    );
}

#[test]
fn appendix_c_synthetic_ground_truth_spearman() {
    use cascadia::influence::UserAggregator;
    use cascadia::metrics::ranking::spearman;
    use cascadia::synth::appendix_c::ground_truth;
    // The paper: 1000 users, 1000 cascades, Spearman 0.88; `cargo run --release --example
    // appendix_c_truth` measures 0.85 for that setup (seed 1). Smaller here for CI time, where
    // this seed measures 0.803 (paper preset) and 0.805 (descendants); 0.75 leaves margin for
    // rounding, not for a broken model (a wrong decay or power drops it below 0.2).
    let gt = ground_truth(300, 300, 6000, 11);
    // Waiting times are ~1 time unit, so the decay is per unit, not the paper's per-second r.
    for (preset, r, min_rho) in [(Preset::Paper, 0.1, 0.75), (Preset::Descendants, 1.0, 0.75)] {
        let params = InfluenceParams::preset(preset).decay_per_s(r);
        let mut agg = UserAggregator::new();
        for c in gt.cascades.iter() {
            let mut phi = vec![0.0; c.len()];
            cascadia::influence::tweet_influence(
                c,
                &crate::util::valid(&params),
                &mut Default::default(),
                &mut phi,
            )
            .unwrap();
            agg.add_cascade(c.users, &phi);
        }
        let users = agg.finish(cascadia::influence::Aggregation::Mean);
        let (phi, truth): (Vec<f64>, Vec<f64>) = users
            .iter()
            .map(|u| (u.influence, gt.truth[u.user.index()]))
            .filter(|(_, t)| t.is_finite())
            .unzip();
        let rho = spearman(&phi, &truth).expect("non-constant");
        eprintln!(
            "{preset:?}: Spearman {rho:.3} over {} users, {} edges",
            phi.len(),
            gt.edges
        );
        assert!(
            rho >= min_rho,
            "{preset:?}: Spearman {rho} < {min_rho} (paper: 0.88)"
        );
    }
}
