//! Influence probabilities: every output table against `../shared/fixtures/probabilities`
//! (the paper's Fig. 2 example under the spec's conventions), brute-force oracles on random
//! tiny inputs, and recovery on synthetic data.

use std::io::Read;

use cascadia::probabilities::evaluate::{self, MODELS};
use cascadia::probabilities::input::{read_graph, read_log};
use cascadia::probabilities::output::*;
use cascadia::probabilities::{Split, run_learn};

use crate::util::shared_dir;

fn fixture(name: &str) -> String {
    let p = shared_dir().join("fixtures/probabilities").join(name);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    if name.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

/// Compares two CSV tables row by row: same header, same rows in the same order, numbers at
/// 1e-9 relative, empty fields equal.
pub fn assert_table(name: &str, got: &str, want: &str) {
    let g: Vec<&str> = got.lines().collect();
    let w: Vec<&str> = want.lines().collect();
    assert_eq!(g.first(), w.first(), "{name}: header");
    assert_eq!(g.len(), w.len(), "{name}: rows\n{got}\nwant\n{want}");
    for (k, (a, b)) in g.iter().zip(&w).enumerate().skip(1) {
        let (fa, fb): (Vec<&str>, Vec<&str>) = (a.split(',').collect(), b.split(',').collect());
        assert_eq!(fa.len(), fb.len(), "{name} row {k}: {a} vs {b}");
        for (x, y) in fa.iter().zip(&fb) {
            match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(x), Ok(y)) => assert!(
                    (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
                    "{name} row {k}: {a} vs {b}"
                ),
                _ => assert_eq!(x, y, "{name} row {k}: {a} vs {b}"),
            }
        }
    }
}

fn table(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut v = Vec::new();
    f(&mut v).unwrap();
    String::from_utf8(v).unwrap()
}

#[test]
fn every_table_matches_the_fixture() {
    let dir = shared_dir().join("fixtures/probabilities");
    let g = read_graph(&dir.join("graph.csv")).unwrap();
    let log = read_log(&dir.join("log.csv"), &g, false).unwrap();
    let c = run_learn(&g, &log, &Split::TestActions(vec![4, 5])).unwrap();
    assert_table(
        "probs",
        &table(|w| write_probabilities(w, &g, &c)),
        &fixture("ref-probs.csv"),
    );
    assert_table(
        "counts",
        &table(|w| write_counts(w, &g, &c)),
        &fixture("ref-counts.csv"),
    );
    assert_table(
        "users",
        &table(|w| write_users(w, &g, &c)),
        &fixture("ref-users.csv"),
    );
    assert_table(
        "actions",
        &table(|w| write_actions(w, &log, &c)),
        &fixture("ref-actions.csv"),
    );
    assert_table(
        "split",
        &table(|w| write_split(w, &log, &c)),
        &fixture("ref-split.csv"),
    );
    assert_table(
        "log issues",
        &table(|w| write_log_issues(w, &log.issues)),
        &fixture("ref-log-issues.csv"),
    );
    let cases = evaluate::cases(&g, &log, &c, false);
    assert_table(
        "cases",
        &table(|w| write_cases(w, &g, &log, &cases)),
        &fixture("ref-cases.csv.gz"),
    );
    let curves = curves(&cases);
    const ALL: [usize; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    assert_table(
        "auc",
        &table(|w| write_auc(w, &cases, &curves, &ALL)),
        &fixture("ref-auc.csv"),
    );
    assert_table(
        "roc",
        &table(|w| write_roc(w, &curves, &ALL)),
        &fixture("ref-roc.csv.gz"),
    );
    let preds: Vec<_> = (0..4)
        .map(|k| evaluate::time_prediction(&g, &c, &cases, k))
        .collect();
    assert_table(
        "time",
        &table(|w| write_time(w, &preds)),
        &fixture("ref-time.csv"),
    );
    assert_table(
        "time cases",
        &table(|w| write_time_cases(w, &g, &log, &cases, &preds)),
        &fixture("ref-time-cases.csv"),
    );
    assert_table(
        "coverage",
        &table(|w| write_coverage(w, &preds)),
        &fixture("ref-time-coverage.csv"),
    );
    assert_eq!(MODELS.len(), 12);
}

mod oracles {
    use std::collections::{BTreeMap, BTreeSet};

    use cascadia::probabilities::evaluate::{auc, roc};
    use cascadia::probabilities::input::{ActionLog, SocialGraph};
    use cascadia::probabilities::learn::{estimators, learn};
    use proptest::prelude::*;

    /// A random tiny world: 2–6 users, some ties (some with creation times), 1–6 actions with
    /// integer times in 0..6 (ties in time likely).
    /// Ties `(u, v, created)` and log rows `(user, action, time)`.
    type World = (Vec<(i64, i64, Option<f64>)>, Vec<(i64, i64, f64)>);

    fn world() -> impl Strategy<Value = World> {
        (2i64..7).prop_flat_map(|n| {
            let pairs: Vec<(i64, i64)> = (1..=n)
                .flat_map(|u| (u + 1..=n).map(move |v| (u, v)))
                .collect();
            let m = pairs.len();
            (
                proptest::collection::vec((any::<bool>(), proptest::option::of(0u8..6)), m),
                proptest::collection::vec((1..=n, 1i64..7, 0u8..6), 1..25),
            )
                .prop_map(move |(keep, rows)| {
                    let edges = pairs
                        .iter()
                        .zip(&keep)
                        .filter(|(_, k)| k.0)
                        .map(|(&(u, v), k)| (u, v, k.1.map(f64::from)))
                        .collect::<Vec<_>>();
                    let rows = rows
                        .into_iter()
                        .map(|(u, a, t)| (u, a, f64::from(t)))
                        .collect();
                    (edges, rows)
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::util::cases(256)))]

        /// Every count and estimator equals a definition-by-definition enumeration over user
        /// pairs and actions (rules 2–8), from the raw rows.
        #[test]
        fn counts_equal_a_direct_enumeration((edges, rows) in world()) {
            prop_assume!(!edges.is_empty());
            let g = SocialGraph::from_edges(&edges).unwrap();
            let log = ActionLog::from_rows(&g, &rows);
            let c = learn(&g, &log, vec![false; log.actions.len()]);
            // Oracle: first row per (user, action) in input order, for users in the graph.
            let users: BTreeSet<i64> = edges.iter().flat_map(|e| [e.0, e.1]).collect();
            let mut t: BTreeMap<(i64, i64), f64> = BTreeMap::new();
            for &(u, a, time) in &rows {
                if users.contains(&u) {
                    t.entry((u, a)).or_insert(time);
                }
            }
            let actions: BTreeSet<i64> = t.keys().map(|k| k.1).collect();
            let created = |v: i64, u: i64| edges.iter().find(|e| (e.0, e.1) == (v, u) || (e.0, e.1) == (u, v)).map(|e| e.2);
            let a_u = |u: i64| actions.iter().filter(|&&a| t.contains_key(&(u, a))).count() as u32;
            let props = |v: i64, u: i64, a: i64| -> Option<f64> {
                let (tv, tu) = (*t.get(&(v, a))?, *t.get(&(u, a))?);
                let cr = created(v, u)?;
                (tv < tu && cr.is_none_or(|c| c <= tv)).then_some(tu - tv)
            };
            for u_node in 0..g.n_nodes() as u32 {
                let u = g.ids[u_node as usize];
                prop_assert_eq!(c.a_u[u_node as usize], a_u(u));
                for s in g.slots(u_node) {
                    let v = g.ids[g.nbr[s] as usize];
                    let both = actions.iter().filter(|&&a| t.contains_key(&(v, a)) && t.contains_key(&(u, a))).count() as u32;
                    prop_assert_eq!(c.a_and[s], both);
                    let deltas: Vec<f64> = actions.iter().filter_map(|&a| props(v, u, a)).collect();
                    prop_assert_eq!(c.a_v2u[s], deltas.len() as u32);
                    prop_assert!((c.dt_sum[s] - deltas.iter().sum::<f64>()).abs() < 1e-12);
                    let credit: f64 = actions
                        .iter()
                        .filter(|&&a| props(v, u, a).is_some())
                        .map(|&a| {
                            let k = users.iter().filter(|&&w| props(w, u, a).is_some()).count();
                            1.0 / k as f64
                        })
                        .sum();
                    prop_assert!((c.credit[s] - credit).abs() < 1e-12);
                    // DT: propagations within each parent's own τ.
                    let tau_of = |w: i64| -> Option<f64> {
                        let d: Vec<f64> = actions.iter().filter_map(|&a| props(w, u, a)).collect();
                        (!d.is_empty()).then(|| d.iter().sum::<f64>() / d.len() as f64)
                    };
                    let within = |w: i64, a: i64| props(w, u, a).zip(tau_of(w)).is_some_and(|(d, tau)| d <= tau);
                    let dt = actions.iter().filter(|&&a| within(v, a)).count() as u32;
                    prop_assert_eq!(c.a_v2u_dt[s], dt);
                    let credit_dt: f64 = actions
                        .iter()
                        .filter(|&&a| within(v, a))
                        .map(|&a| 1.0 / users.iter().filter(|&&w| within(w, a)).count() as f64)
                        .sum();
                    prop_assert!((c.credit_dt[s] - credit_dt).abs() < 1e-12);
                    let e = estimators(&c, &g, s, u_node);
                    if !deltas.is_empty() {
                        let a_or = f64::from(a_u(u) + a_u(v) - both);
                        prop_assert!((e[0] - deltas.len() as f64 / f64::from(a_u(v))).abs() < 1e-12);
                        prop_assert!((e[1] - deltas.len() as f64 / a_or).abs() < 1e-12);
                    } else {
                        prop_assert_eq!(e, [0.0; 8]);
                    }
                }
            }
        }

        /// CT: the score (max over parent times) equals the maximum of a dense scan of f(t);
        /// DT: Eq. 2's incremental updates with Eq. 13's removals (recomputing the product
        /// when p = 1) give the same maximum as the recomputed product.
        #[test]
        fn ct_and_dt_scores_equal_their_definitions((edges, rows) in world(), every in 2usize..4) {
            prop_assume!(!edges.is_empty());
            let g = SocialGraph::from_edges(&edges).unwrap();
            let log = ActionLog::from_rows(&g, &rows);
            let test: Vec<bool> = (0..log.actions.len()).map(|i| i % every == every - 1).collect();
            let c = learn(&g, &log, test);
            for x in cascadia::probabilities::evaluate::cases(&g, &log, &c, true) {
                let est: Vec<[f64; 8]> = x.parents.iter().map(|&(s, _)| estimators(&c, &g, s, x.user)).collect();
                let tau: Vec<Option<f64>> = x.parents.iter().map(|&(s, _)| c.tau(s)).collect();
                for k in 0..4 {
                    let f = |t: f64| -> f64 {
                        1.0 - x.parents.iter().enumerate().filter(|(_, p)| p.1 <= t).map(|(q, p)| match tau[q] {
                            Some(tau) => 1.0 - est[q][k] * (-(t - p.1) / tau).exp(),
                            None => 1.0,
                        }).product::<f64>()
                    };
                    let (lo, hi) = (x.parents[0].1, x.parents.last().unwrap().1 + 10.0);
                    let dense = (0..=4000).map(|i| f(lo + (hi - lo) * f64::from(i) / 4000.0)).fold(f64::NEG_INFINITY, f64::max);
                    let at_parents = x.parents.iter().map(|p| f(p.1)).fold(f64::NEG_INFINITY, f64::max);
                    let score = x.scores[4 + k];
                    prop_assert!((score - at_parents).abs() < 1e-12, "ct score {} vs f at parents {}", score, at_parents);
                    prop_assert!(dense <= score + 1e-12, "a dense scan found {} > {}", dense, score);
                    // DT, incrementally: events (time, +1 activation / −1 expiry) in time order,
                    // activations at a time before expiries at the same time (the window is closed).
                    let mut events: Vec<(f64, i32, usize)> = Vec::new();
                    for (q, p) in x.parents.iter().enumerate() {
                        if let Some(tau) = tau[q] {
                            events.push((p.1, 1, q));
                            events.push((p.1 + tau, -1, q));
                        }
                    }
                    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
                    let mut active: Vec<usize> = Vec::new();
                    let mut pu = 0.0f64;
                    let mut best = if events.is_empty() { 0.0 } else { f64::NEG_INFINITY };
                    for (i, &(t, kind, q)) in events.iter().enumerate() {
                        let p = est[q][4 + k];
                        if kind == 1 {
                            pu += (1.0 - pu) * p; // Eq. 2
                            active.push(q);
                        } else {
                            active.retain(|&a| a != q);
                            pu = if p < 1.0 {
                                ((pu - p) / (1.0 - p)).max(0.0) // Eq. 13
                            } else {
                                1.0 - active.iter().map(|&a| 1.0 - est[a][4 + k]).product::<f64>()
                            };
                        }
                        // Evaluate at parent times only, after every activation at that time
                        // and before any expiry at it.
                        let next_same_activation = events.get(i + 1).is_some_and(|e| e.0 == t && e.1 == 1);
                        if kind == 1 && !next_same_activation {
                            best = best.max(pu);
                        }
                    }
                    if events.is_empty() {
                        best = 0.0;
                    }
                    prop_assert!((x.scores[8 + k] - best).abs() < 1e-9, "dt score {} vs incremental {}", x.scores[8 + k], best);
                }
            }
        }

        /// AUC by the trapezoid rule = the Mann–Whitney statistic with ties counted ½.
        #[test]
        fn auc_is_the_mann_whitney_statistic(scored in proptest::collection::vec((0u8..6, any::<bool>()), 2..60)) {
            let s: Vec<(f64, bool)> = scored.iter().map(|&(x, l)| (f64::from(x) / 5.0, l)).collect();
            let pos: Vec<f64> = s.iter().filter(|x| x.1).map(|x| x.0).collect();
            let neg: Vec<f64> = s.iter().filter(|x| !x.1).map(|x| x.0).collect();
            prop_assume!(!pos.is_empty() && !neg.is_empty());
            let mut u = 0.0;
            for p in &pos {
                for n in &neg {
                    u += if p > n { 1.0 } else if p == n { 0.5 } else { 0.0 };
                }
            }
            let mw = u / (pos.len() * neg.len()) as f64;
            prop_assert!((auc(&roc(s)) - mw).abs() < 1e-12);
        }
    }
}

/// Recovery on synthetic data: the learned Bernoulli probability correlates with the true p
/// (pairs whose source performed ≥ 20 training actions), and the twelve AUCs are reported.
#[test]
fn learned_probabilities_track_the_truth_on_synthetic_data() {
    use cascadia::probabilities::input::{ActionLog, SocialGraph};
    use cascadia::probabilities::learn::{estimators, learn};
    use cascadia::synth::action_log::{ActionLogConfig, generate};
    let d = generate(&ActionLogConfig {
        users: 2000,
        actions: 5000,
        seed: 1,
        ..Default::default()
    });
    let g = SocialGraph::from_edges(&d.ties).unwrap();
    let log = ActionLog::from_rows(&g, &d.log);
    let c = learn(&g, &log, vec![false; log.actions.len()]);
    let truth: std::collections::HashMap<(i64, i64), f64> =
        d.truth.iter().map(|t| ((t.0, t.1), t.2)).collect();
    let mut xs = Vec::new();
    for u in 0..g.n_nodes() as u32 {
        for s in g.slots(u) {
            let v = g.nbr[s];
            if c.a_u[v as usize] >= 20 {
                xs.push((
                    truth[&(g.ids[v as usize], g.ids[u as usize])],
                    estimators(&c, &g, s, u)[0],
                ));
            }
        }
    }
    let n = xs.len() as f64;
    let (mx, my) = (
        xs.iter().map(|p| p.0).sum::<f64>() / n,
        xs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let cov: f64 = xs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let (vx, vy): (f64, f64) = (
        xs.iter().map(|p| (p.0 - mx).powi(2)).sum(),
        xs.iter().map(|p| (p.1 - my).powi(2)).sum(),
    );
    let r = cov / (vx * vy).sqrt();
    eprintln!(
        "{} pairs, Pearson r(true p, learned bern) = {r:.3}",
        xs.len()
    );
    assert!(xs.len() > 1000 && r > 0.45, "r = {r}");
}
