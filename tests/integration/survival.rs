//! Survival-model network inference: the cvxpy reference on NetRate's demo
//! (`../shared/fixtures/survival`), brute force on tiny problems, the certificate, recovery
//! on simulated data.

use std::collections::HashMap;
use std::path::PathBuf;

use cascadia::cascade::NodeCascades;
use cascadia::io::network::read_network;
use cascadia::io::snap_text::{NetInfFormat, read_netinf};
use cascadia::progress::NoProgress;
use cascadia::survival::{self, Fit, NodeStatus, Shape, SurvivalModel, SurvivalParams};

use crate::util::shared_dir;

pub fn fixture(name: &str) -> PathBuf {
    shared_dir().join("fixtures/survival").join(name)
}

fn demo() -> NodeCascades {
    read_netinf(&fixture("netrate-demo-cascades.txt"), NetInfFormat::Auto).expect("fixture reads")
}

fn demo_fit(data: &NodeCascades, keep_zeros: bool) -> Fit {
    let params = SurvivalParams {
        window: Some(10.0),
        keep_zeros,
        ..Default::default()
    }
    .check()
    .unwrap();
    survival::fit(data, &params, &NoProgress).expect("fit")
}

fn csv_rows(path: &PathBuf) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Every node of the demo: objective within 1e-9 relative (or 1e-6 absolute) of cvxpy's and
/// never above it by more, the same variables and log terms, status optimal/empty, the
/// identity Σ α_j S_j = n_terms through the objective's linear part, and every α within 1e-6.
#[test]
fn netrate_demo_matches_cvxpy() {
    let data = demo();
    let fit = demo_fit(&data, true);
    let by_id: HashMap<&str, usize> = (0..data.n_nodes())
        .map(|i| (data.id(i as u32), i))
        .collect();
    let mut checked = 0;
    let mut worst_rel = 0.0f64;
    for row in csv_rows(&fixture("netrate-demo-ref-objective.csv")) {
        let i = by_id[row[0].as_str()];
        let n = &fit.nodes[i];
        let n_vars: usize = row[1].parse().unwrap();
        let objective: f64 = row[2].parse().unwrap();
        let n_terms: usize = row[6].parse().unwrap();
        assert_eq!(n.n_vars, n_vars, "node {}: variables", row[0]);
        assert_eq!(n.n_terms, n_terms, "node {}: log terms", row[0]);
        if row[3] == "empty" {
            assert_eq!(n.status, NodeStatus::Empty, "node {}", row[0]);
            assert_eq!(n.objective, 0.0);
            continue;
        }
        assert_eq!(n.status, NodeStatus::Optimal, "node {}: {n:?}", row[0]);
        let diff = n.objective - objective;
        let rel = diff / objective.abs();
        worst_rel = worst_rel.max(rel.abs());
        assert!(
            rel.abs() <= 1e-9 || diff.abs() <= 1e-6,
            "node {}: objective {} vs cvxpy {objective}",
            row[0],
            n.objective
        );
        assert!(
            diff <= 1e-9 * objective.abs().max(1.0),
            "node {}: objective {} above cvxpy's {objective}",
            row[0],
            n.objective
        );
        assert!(
            n.stationarity <= 1e-9
                && (n.min_grad_off_support.is_nan() || n.min_grad_off_support >= -1e-9),
            "{n:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 699);
    eprintln!("worst relative objective difference: {worst_rel:e}");

    let fitted: HashMap<(String, String), f64> = fit
        .edges
        .iter()
        .map(|e| {
            (
                (data.id(e.src).to_string(), data.id(e.dst).to_string()),
                e.value,
            )
        })
        .collect();
    let reference = csv_rows(&fixture("netrate-demo-ref.csv"));
    assert_eq!(reference.len(), 277_064);
    assert_eq!(fitted.len(), reference.len(), "one parameter per variable");
    let mut worst = 0.0f64;
    for row in &reference {
        let a: f64 = row[2].parse().unwrap();
        let f = fitted[&(row[0].clone(), row[1].clone())];
        worst = worst.max((a - f).abs());
        assert!(
            (a - f).abs() <= 1e-6,
            "alpha {}->{}: {f} vs cvxpy {a}",
            row[0],
            row[1]
        );
    }
    eprintln!("worst |alpha - cvxpy|: {worst:e}");
}

/// The identity of the README: at the additive optimum Σ_j α_j S_j = n_terms, checked through
/// the objective: NLL = n_terms − Σ_c log(hazard) (so objective + Σ log = n_terms).
#[test]
fn netrate_demo_accuracy_table() {
    let data = demo();
    let fit = demo_fit(&data, false);
    let truth = read_network(&fixture("netrate-demo-network.txt"), &data.nodes).unwrap();
    assert_eq!(truth.total, 2042);
    let m = survival::metrics::metrics(&fit.edges, &truth.rates, truth.total, 1e-4);
    assert_eq!((m.inferred_edges, m.true_positives), (4707, 1714), "{m:?}");
    assert!((m.precision - 0.364).abs() < 5e-4 && (m.recall - 0.839).abs() < 5e-4);
    assert!((m.edge_accuracy - 0.508).abs() < 5e-4);
    assert!((m.netrate_pr - 0.434).abs() < 5e-4);
    assert!((m.mae - 1.968).abs() < 5e-4, "{}", m.mae);
    assert!((m.mse - 20.2).abs() < 0.05, "{}", m.mse);
    let m2 = survival::metrics::metrics(&fit.edges, &truth.rates, truth.total, 1e-2);
    assert_eq!((m2.inferred_edges, m2.true_positives), (4235, 1707));
    let _ = SurvivalModel::Additive {
        shape: Shape::Exp,
        delta: 1.0,
    };
}

/// GPU kernels against their CPU twins on the demo (every node, 30 EM sweeps, then one
/// evaluation): bit for bit on lavapipe; on any device within 1e-13 relative (a driver may
/// contract w·x + s into an FMA). The whole GPU fit equals the CPU fit.
#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver (install mesa-vulkan-drivers)"
)]
fn gpu_kernels_match_their_twins_and_the_fit_matches_the_cpu() {
    let ctx = crate::util::gpu();
    let data = demo();
    let params = SurvivalParams {
        window: Some(10.0),
        ..Default::default()
    }
    .check()
    .unwrap();
    let r = survival::gpu::twin_report(&ctx, &data, &params, 30).unwrap();
    eprintln!("{r:?}");
    assert_eq!(r.nodes, 699);
    assert!(r.values > 500_000);
    assert!(
        r.max_rel_x <= 1e-13 && r.max_rel_r <= 1e-13 && r.max_abs_grad <= 1e-12,
        "{r:?}"
    );
    assert!(r.max_abs_grad_vs_solver <= 1e-9, "{r:?}");
    if ctx.is_software() {
        assert_eq!(
            r.differing, 0,
            "lavapipe computes exactly what the twin does"
        );
    }
    let cpu = survival::fit(&data, &params, &NoProgress).unwrap();
    let backend = cascadia::Backend::Gpu(ctx.clone());
    let gpu = survival::fit_with(&data, &params, &NoProgress, &backend).unwrap();
    let g = gpu.gpu.as_ref().unwrap();
    assert_eq!(
        (g.batches, g.device_nodes, g.host_nodes),
        (1, 699, 0),
        "one round trip for all nodes"
    );
    assert_eq!(cpu.edges.len(), gpu.edges.len());
    for (a, b) in cpu.edges.iter().zip(&gpu.edges) {
        assert_eq!((a.src, a.dst), (b.src, b.dst));
        assert!(
            (a.value - b.value).abs() <= 1e-9 * a.value.abs().max(1e-3),
            "{a:?} vs {b:?}"
        );
        if ctx.is_software() {
            assert_eq!(a.value.to_bits(), b.value.to_bits());
        }
    }
    assert!(gpu.nodes.iter().all(|n| n.status.is_optimal()));
}

/// Recovery on simulated data (the paper's Fig. 1–2 trend): with more cascades the edge
/// accuracy rises and the MSE falls, for exp, pow, ray and the multiplicative model, and
/// every node is certified optimal.
#[test]
fn recovery_improves_with_more_cascades() {
    use cascadia::survival::Baseline;
    use cascadia::survival::simulate::{kronecker_rates, recovery};
    // (name, model, parameter range lo, hi, numbers of cascades, edge threshold)
    type Case = (&'static str, SurvivalModel, f64, f64, Vec<usize>, f64);
    let cases: Vec<Case> = vec![
        (
            "exp",
            SurvivalModel::Additive {
                shape: Shape::Exp,
                delta: 1.0,
            },
            0.5,
            1.5,
            vec![100, 400, 1600],
            1e-4,
        ),
        (
            "pow",
            SurvivalModel::Additive {
                shape: Shape::Pow,
                delta: 1.0,
            },
            0.5,
            1.5,
            vec![100, 400, 1600],
            1e-4,
        ),
        (
            "ray",
            SurvivalModel::Additive {
                shape: Shape::Ray,
                delta: 1.0,
            },
            0.5,
            1.5,
            vec![100, 400, 1600],
            1e-4,
        ),
        (
            "multiplicative",
            SurvivalModel::Multiplicative {
                baseline: Baseline::Const,
                b: -3.0,
                lambda: 20.0,
            },
            1.0,
            3.0,
            vec![150, 600, 2400],
            0.1,
        ),
    ];
    for (name, model, lo, hi, sizes, min_rate) in cases {
        let levels = if name == "multiplicative" { 6 } else { 7 };
        let net = kronecker_rates(levels, (1usize << levels) * 3 / 2, lo, hi, 3);
        let window = if name == "multiplicative" { 3.0 } else { 5.0 };
        let params = SurvivalParams {
            model,
            window: Some(window),
            ..Default::default()
        }
        .check()
        .unwrap();
        let rows = recovery(&net, &params, window, &sizes, min_rate, 2).unwrap();
        for (n, m, st) in &rows {
            eprintln!(
                "{name} {n} cascades: edge accuracy {:.4}, MSE {:.4}",
                m.edge_accuracy, m.mse
            );
            assert_eq!(st.not_optimal, 0, "{name} {n}");
        }
        for w in rows.windows(2) {
            assert!(
                w[1].1.edge_accuracy > w[0].1.edge_accuracy,
                "{name}: accuracy {:?}",
                rows.iter().map(|r| r.1.edge_accuracy).collect::<Vec<_>>()
            );
            assert!(
                w[1].1.mse < w[0].1.mse,
                "{name}: MSE {:?}",
                rows.iter().map(|r| r.1.mse).collect::<Vec<_>>()
            );
        }
    }
}
