//! NetInf: SNAP goldens (`../shared/fixtures/netinf`), the R package variant, the bound,
//! the stopping rules and scores.

use std::path::PathBuf;

use cascadia::cascade::NodeCascades;
use cascadia::io::snap_text::{NetInfFormat, read_netinf};
use cascadia::netinf::{self, Inference, Model, NetInfParams, StopReason, Weights};
use cascadia::progress::NoProgress;

use crate::util::shared_dir;

/// The four SNAP fixtures with the flags of their `<f>-snap.cmd`.
pub const FIXTURES: &[(&str, Model, f64, usize)] = &[
    ("kcp1024-exp", Model::Exp, 1.0, 1444),
    ("kcp256-exp-hetero", Model::Exp, 1.0, 400),
    ("hier256-pow", Model::Pow, 2.0, 242),
    ("rand256-ray", Model::Ray, 1.0, 398),
];

pub fn fixture(name: &str, suffix: &str) -> PathBuf {
    shared_dir()
        .join("fixtures/netinf")
        .join(format!("{name}-{suffix}"))
}

pub fn load(name: &str) -> NodeCascades {
    read_netinf(&fixture(name, "cascades.txt"), NetInfFormat::Auto).expect("fixture reads")
}

fn run(data: &NodeCascades, model: Model, alpha: f64, k: usize) -> Inference {
    let params = NetInfParams {
        model,
        alpha,
        edges: Some(k),
        ..Default::default()
    };
    netinf::infer(data, &crate::util::valid(&params), &NoProgress).expect("infer")
}

/// `rank,src,dst,gain,objective` of `<f>-ref-greedy.csv`.
fn ref_greedy(name: &str) -> Vec<(String, String, f64, f64)> {
    let text = std::fs::read_to_string(fixture(name, "ref-greedy.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[1].to_string(),
                f[2].to_string(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect()
}

/// SNAP's `edge.info`: `src/dst/vol/marginal_gain/median_timediff/average_timediff`.
fn snap_edge_info(name: &str) -> Vec<(String, String, u32, f64, f64, f64)> {
    let text = std::fs::read_to_string(fixture(name, "snap-edge.info")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.trim().split('/').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
                f[5].parse().unwrap(),
            )
        })
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
}

#[test]
fn same_edges_as_snap_at_every_rank_on_every_fixture() {
    for &(name, model, alpha, k) in FIXTURES {
        let data = load(name);
        let out = run(&data, model, alpha, k);
        let snap = snap_edge_info(name);
        let reference = ref_greedy(name);
        assert_eq!(out.steps.len(), snap.len(), "{name}: number of edges");
        assert_eq!(out.stop, StopReason::EdgeLimit, "{name}");
        for (i, (s, e)) in out.steps.iter().zip(&snap).enumerate() {
            let (src, dst) = (data.id(s.src), data.id(s.dst));
            assert_eq!(
                (src, dst),
                (e.0.as_str(), e.1.as_str()),
                "{name}: rank {}",
                i + 1
            );
            assert_eq!(s.vol, e.2, "{name}: vol at rank {}", i + 1);
            // edge.info prints %f: 6 decimals.
            for (what, a, b) in [
                ("gain", s.gain, e.3),
                ("median", s.median_dt, e.4),
                ("mean", s.mean_dt, e.5),
            ] {
                assert!(
                    (a - b).abs() <= 5.1e-7,
                    "{name}: {what} at rank {}: {a} vs SNAP {b}",
                    i + 1
                );
            }
        }
        let mut worst = (0.0f64, 0usize);
        for (i, (s, r)) in out.steps.iter().zip(&reference).enumerate() {
            assert_eq!(
                (data.id(s.src), data.id(s.dst)),
                (r.0.as_str(), r.1.as_str()),
                "{name}: ref rank {}",
                i + 1
            );
            for e in [rel(s.gain, r.2), rel(s.objective, r.3)] {
                if e > worst.0 {
                    worst = (e, i + 1);
                }
            }
        }
        assert!(
            worst.0 <= 1e-9,
            "{name}: worst relative error {:e} at rank {}",
            worst.0,
            worst.1
        );
        // The bound is an upper bound on the optimum at every step, hence >= the objective,
        // and F is the running sum of the gains.
        for s in &out.steps {
            assert!(
                s.bound >= s.objective * (1.0 - 1e-12),
                "{name}: bound {} < F {}",
                s.bound,
                s.objective
            );
        }
        assert!(out.initial_bound >= out.steps.last().unwrap().objective);
    }
}

/// `origin_node,destination_node,improvement,p_value` of the R package's output.
fn r_package(name: &str) -> Vec<(String, String, f64, f64)> {
    let text = std::fs::read_to_string(fixture("kcp1024-exp", name_suffix_r(name))).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').map(|x| x.trim_matches('"')).collect();
            (
                f[0].into(),
                f[1].into(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

fn name_suffix_r(name: &str) -> &'static str {
    match name {
        "kcp1024-exp" => "rpkg-n1444.csv",
        "kcp1024-exp-p05" => "rpkg-p05.csv",
        _ => "rpkg-p05.csv",
    }
}

/// `--weights paper` against R NetworkInference 1.2.5 (β 0.5, ε 1e-10). The gains agree to
/// machine precision while the sequences agree; they part at rank 956, where two edges have
/// exactly equal gains (under these weights a cascade's improvement is often exactly
/// log(β/ε)) and R's choice depends on its own rounding and map order. After that the
/// sets still agree on all but a handful of edges.
#[test]
fn paper_weights_match_the_r_package_up_to_its_first_exact_tie() {
    let data = load("kcp1024-exp");
    let params = NetInfParams {
        edges: Some(1444),
        weights: Weights::Paper {
            beta: 0.5,
            epsilon: 1e-10,
        },
        ties: netinf::Ties::Last,
        ..Default::default()
    };
    let out = netinf::infer(&data, &crate::util::valid(&params), &NoProgress).unwrap();
    let r = r_package("kcp1024-exp");
    assert_eq!(out.steps.len(), r.len());
    let first_diff = out
        .steps
        .iter()
        .zip(&r)
        .position(|(s, e)| (data.id(s.src), data.id(s.dst)) != (e.0.as_str(), e.1.as_str()))
        .unwrap_or(r.len());
    assert!(
        first_diff >= 955,
        "sequences part at rank {}",
        first_diff + 1
    );
    for (i, (s, e)) in out.steps.iter().zip(&r).take(first_diff).enumerate() {
        assert!(
            rel(s.gain, e.2) <= 1e-12,
            "rank {}: gain {} vs R {}",
            i + 1,
            s.gain,
            e.2
        );
        assert!(
            (s.p_value - e.3).abs() <= 1e-3,
            "rank {}: p {} vs R {}",
            i + 1,
            s.p_value,
            e.3
        );
    }
    // Where they part, the gains are equal to 1e-12: a tie, not a different optimum.
    if first_diff < r.len() {
        assert!(rel(out.steps[first_diff].gain, r[first_diff].2) <= 1e-12);
    }
    let theirs: std::collections::HashSet<(&str, &str)> =
        r.iter().map(|e| (e.0.as_str(), e.1.as_str())).collect();
    let common = out
        .steps
        .iter()
        .filter(|s| theirs.contains(&(data.id(s.src), data.id(s.dst))))
        .count();
    assert!(
        common >= 1430,
        "only {common} of 1444 edges in common with R"
    );

    // The p-value rule: R stops after 1362 edges (the first with p >= 0.05 included).
    let auto = NetInfParams {
        edges: None,
        p_value_cutoff: Some(0.05),
        ..params
    };
    let out = netinf::infer(&data, &crate::util::valid(&auto), &NoProgress).unwrap();
    let r05 = r_package("kcp1024-exp-p05");
    assert_eq!(out.stop, StopReason::PValue);
    assert!(out.steps.last().unwrap().p_value >= 0.05);
    assert!(
        out.steps.len().abs_diff(r05.len()) <= 10,
        "{} edges vs R's {}",
        out.steps.len(),
        r05.len()
    );
}

mod oracles {
    use super::*;
    use crate::oracle::netinf::{exhaustive_opt, lazy_greedy, plain_greedy};
    use proptest::prelude::*;

    fn params_strategy() -> impl Strategy<Value = NetInfParams> {
        (
            0..3usize,
            prop::bool::ANY,
            prop::bool::ANY,
            0.3f64..3.0,
            1..12usize,
        )
            .prop_map(|(m, paper, last, alpha, k)| {
                let model = [Model::Exp, Model::Pow, Model::Ray][m];
                NetInfParams {
                    model,
                    alpha: if model == Model::Pow {
                        alpha + 1.0
                    } else {
                        alpha
                    },
                    edges: Some(k),
                    weights: if paper {
                        Weights::Paper {
                            beta: 0.5,
                            epsilon: 1e-10,
                        }
                    } else {
                        Weights::Snap { epsilon: 1e-64 }
                    },
                    ties: if last {
                        netinf::Ties::Last
                    } else {
                        netinf::Ties::First
                    },
                    ..Default::default()
                }
            })
    }

    /// Random cascades over few nodes; times on a coarse grid (ties, equal Δ in different
    /// cascades, hence tied gains) or continuous.
    fn data_strategy() -> impl Strategy<Value = NodeCascades> {
        (2..8usize, prop::bool::ANY).prop_flat_map(|(n, coarse)| {
            let event = (0..n as u32, 0.0f64..6.0)
                .prop_map(move |(v, t)| (v, if coarse { (t * 2.0).floor() / 2.0 } else { t }));
            prop::collection::vec(prop::collection::vec(event, 1..7), 1..7)
                .prop_map(move |cs| NodeCascades::from_cascades(n, &cs).expect("valid cascades"))
        })
    }

    fn ours(data: &NodeCascades, p: &NetInfParams) -> Vec<(u32, u32, f64)> {
        netinf::infer(data, &crate::util::valid(p), &NoProgress)
            .unwrap()
            .steps
            .iter()
            .map(|s| (s.src, s.dst, s.gain))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::util::cases(256)))]

        /// The per-node merge, SNAP's global lazy greedy and the plain greedy pick the same
        /// edges with the same gains (bit for bit), under both weights, both tie rules and
        /// every model, with ties in time and in gain.
        #[test]
        fn merge_equals_lazy_equals_plain(data in data_strategy(), p in params_strategy()) {
            let plain = plain_greedy(&data, &p);
            prop_assert_eq!(&lazy_greedy(&data, &p), &plain);
            prop_assert_eq!(&ours(&data, &p), &plain);
            // Without a limit too (runs to zero gain).
            let unlimited = NetInfParams { edges: None, ..p };
            prop_assert_eq!(ours(&data, &unlimited), plain_greedy(&data, &unlimited));
        }

        /// On tiny instances: F(G_i) equals the network's score, the greedy is within
        /// (1 − 1/e) of the exhaustive optimum, and every per-step bound is >= that optimum.
        #[test]
        fn bound_and_objective_against_exhaustive_search(data in data_strategy(), p in params_strategy()) {
            let k = p.edges.unwrap().min(3);
            let p = NetInfParams { edges: Some(k), ..p };
            let out = netinf::infer(&data, &crate::util::valid(&p), &NoProgress).unwrap();
            let opt = exhaustive_opt(&data, &p, k);
            let tol = 1e-9 * opt.abs().max(1.0);
            let mut edges = Vec::new();
            for s in &out.steps {
                edges.push((s.src, s.dst));
                let f = cascadia::netinf::score::score(&data, &crate::util::valid(&p), &edges).objective;
                prop_assert!((f - s.objective).abs() <= tol, "F {} vs score {}", s.objective, f);
                prop_assert!(s.bound >= opt - tol, "bound {} < OPT {}", s.bound, opt);
            }
            prop_assert!(out.initial_bound >= opt - tol);
            let f = out.steps.last().map_or(0.0, |s| s.objective);
            prop_assert!(f >= (1.0 - 1.0 / std::f64::consts::E) * opt - tol, "greedy {} vs OPT {}", f, opt);
        }
    }
}

mod synthetic {
    use super::*;
    use cascadia::metrics::edges::{break_even, precision_recall};
    use cascadia::synth::cascades::{CascadeConfig, cascades_until_coverage, paper_kronecker};
    use cascadia::synth::graphs;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// Paper Table 2: on a 1024-node core-periphery Kronecker network with exponential
    /// incubation and 99% edge coverage, the break-even point is at least 0.92.
    #[test]
    fn recovers_a_core_periphery_kronecker_network() {
        let (edges, cascades) = paper_kronecker(10, 7, 100_000);
        assert_eq!(edges.len(), 1444);
        let data = NodeCascades::from_cascades(1024, &cascades).expect("valid cascades");
        let out = run(&data, Model::Exp, 1.0, edges.len());
        let truth: std::collections::HashSet<(u32, u32)> = edges.iter().copied().collect();
        let hits: Vec<bool> = out
            .steps
            .iter()
            .map(|s| truth.contains(&(s.src, s.dst)))
            .collect();
        let bep = break_even(&precision_recall(&hits, edges.len()), edges.len()).unwrap();
        assert!(
            bep >= 0.92,
            "break-even point {bep} ({} cascades)",
            cascades.len()
        );
    }

    #[test]
    fn generators_are_seeded_and_well_formed() {
        let g = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (
                graphs::kronecker(graphs::seeds::HIERARCHICAL, 8, None, &mut rng),
                graphs::forest_fire(300, 0.35, 0.32, &mut rng),
                graphs::erdos_renyi(300, 900, &mut rng),
            )
        };
        let (k, f, e) = g(3);
        assert_eq!(
            (k.clone(), f.clone(), e.clone()),
            g(3),
            "same seed, same graphs"
        );
        assert_ne!(k, g(4).0);
        // (Σ seed)^levels expected edges.
        assert_eq!(k.len(), (2.138f64.powi(8)).round() as usize);
        assert_eq!(e.len(), 900);
        for edges in [&k, &f, &e] {
            assert!(edges.iter().all(|(u, v)| u != v), "no self-loops");
            assert!(edges.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
        }
        // Forest Fire: every node but the first links to at least its ambassador.
        let with_out: std::collections::HashSet<u32> = f.iter().map(|e| e.0).collect();
        assert_eq!(with_out.len(), 299);
        // Cascades: sorted times within the window, every node at most once, >= 2 nodes.
        let cfg = CascadeConfig {
            model: Model::Ray,
            alpha: 1.0,
            delta: 1.0,
            beta: 0.5,
            window: 10.0,
        };
        let mut rng = StdRng::seed_from_u64(1);
        let cs = cascades_until_coverage(300, &e, &cfg, 0.5, 10_000, &mut rng);
        for c in &cs {
            assert!(c.len() >= 2);
            assert!(c.windows(2).all(|w| w[0].1 <= w[1].1));
            assert!(c.iter().all(|&(_, t)| (0.0..10.0).contains(&t)));
            let nodes: std::collections::HashSet<u32> = c.iter().map(|x| x.0).collect();
            assert_eq!(nodes.len(), c.len());
        }
    }
}

/// The paper's online rule stops at the first step with F >= (1 − ε') · bound, and not before.
#[test]
fn stop_ratio_stops_at_the_first_step_within_the_bound() {
    let data = load("kcp256-exp-hetero");
    for ratio in [0.05, 0.2] {
        let params = NetInfParams {
            edges: Some(400),
            stop_ratio: Some(ratio),
            ..Default::default()
        };
        let out = netinf::infer(&data, &crate::util::valid(&params), &NoProgress).unwrap();
        assert_eq!(out.stop, StopReason::StopRatio, "ratio {ratio}");
        let (last, before) = out.steps.split_last().unwrap();
        assert!(last.objective >= (1.0 - ratio) * last.bound);
        assert!(before.iter().all(|s| s.objective < (1.0 - ratio) * s.bound));
        // The same prefix as the unlimited run.
        let full = run(&data, Model::Exp, 1.0, 400);
        assert_eq!(out.steps[..], full.steps[..out.steps.len()]);
    }
}

/// The distributed path (`cascadia.spark.netinf`): the per-node phase over disjoint node
/// ranges, shipped as bytes and merged, selects the same edges with the same statistics, bit
/// for bit, as the one-machine engine — every fixture, both weights and both tie rules.
#[test]
fn node_ranges_encoded_and_merged_equal_the_engine_bit_for_bit() {
    use cascadia::netinf::{NodeRun, Ties, merge_runs, node_runs};
    let bits = |inf: &Inference| -> Vec<[u64; 8]> {
        inf.steps
            .iter()
            .map(|s| {
                [
                    u64::from(s.src),
                    u64::from(s.dst),
                    s.gain.to_bits(),
                    s.objective.to_bits(),
                    s.bound.to_bits(),
                    u64::from(s.vol),
                    s.median_dt.to_bits() ^ s.mean_dt.to_bits().rotate_left(1),
                    s.p_value.to_bits(),
                ]
            })
            .collect()
    };
    for &(name, model, alpha, k) in FIXTURES {
        let data = load(name);
        let n = data.n_nodes() as u32;
        for (weights, ties) in [
            (Weights::Snap { epsilon: 1e-64 }, Ties::First),
            (
                Weights::Paper {
                    beta: 0.5,
                    epsilon: 1e-10,
                },
                Ties::Last,
            ),
        ] {
            let params = crate::util::valid(&NetInfParams {
                model,
                alpha,
                edges: Some(k / 2),
                weights,
                ties,
                ..Default::default()
            });
            let engine = netinf::infer(&data, &params, &NoProgress).unwrap();
            // Three uneven ranges, in reverse order; each through the byte encoding.
            let cuts = [0, n / 7, n / 2, n];
            let mut runs = Vec::new();
            for w in cuts.windows(2).rev() {
                let part = node_runs(&data, &params, w[0]..w[1]).unwrap();
                let bytes = NodeRun::encode_all(&part);
                runs.extend(NodeRun::decode_all(&bytes).unwrap());
            }
            let merged = merge_runs(&data, &params, runs.clone()).unwrap();
            assert_eq!(bits(&merged), bits(&engine), "{name} {weights:?} {ties:?}");
            assert_eq!(merged.stop, engine.stop);
            assert_eq!(
                merged.initial_bound.to_bits(),
                engine.initial_bound.to_bits()
            );
            // A node missing, or given twice, is refused.
            let mut short = runs.clone();
            short.pop();
            assert!(merge_runs(&data, &params, short).is_err());
            let mut twice = runs.clone();
            twice.push(runs[0].clone());
            assert!(merge_runs(&data, &params, twice).is_err());
        }
    }
    // Truncated or foreign bytes are refused, never a panic.
    let data = load("hier256-pow");
    let params = crate::util::valid(&NetInfParams {
        model: Model::Pow,
        alpha: 2.0,
        edges: Some(20),
        ..Default::default()
    });
    let bytes = NodeRun::encode_all(&node_runs(&data, &params, 0..30).unwrap());
    for cut in [0, 3, 8, 40, bytes.len() / 2, bytes.len() - 1] {
        assert!(NodeRun::decode_all(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    assert!(node_runs(&data, &params, 10..300).is_err());
}
