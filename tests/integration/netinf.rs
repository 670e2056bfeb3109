//! NetInf: SNAP goldens (`../shared/fixtures/netinf`), the R package variant, the bound,
//! the stopping rules and scores.

use std::path::PathBuf;

use cascadia::io::netinf_txt::{NetInfFormat, read_netinf};
use cascadia::netinf::{self, Inference, Model, NetInfData, NetInfParams, StopReason, Weights};
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

pub fn load(name: &str) -> NetInfData {
    read_netinf(&fixture(name, "cascades.txt"), NetInfFormat::Auto).expect("fixture reads")
}

fn run(data: &NetInfData, model: Model, alpha: f64, k: usize) -> Inference {
    let params = NetInfParams {
        model,
        alpha,
        edges: Some(k),
        ..Default::default()
    };
    netinf::infer(data, &params, &NoProgress).expect("infer")
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
