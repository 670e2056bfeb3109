//! The threshold model end to end: GPU = kernels' twin = CPU frontier = brute force on
//! random and adversarial batches (a batch over the binding limit split into many, hubs over
//! one chunk), the CLI's four commands and their located errors.

use assert_cmd::Command;
use cascadia::threshold::simulate::{
    self, NeedSource, Run, ThresholdSource, chunks, draw_key, random_seeds, results_from_state,
    twin,
};
use cascadia::threshold::{Graph, Weights};
use rand::{Rng, SeedableRng};
use std::path::Path;

fn random_graph(n: usize, avg_deg: f64, seed: u64, weights: Weights, hub: bool) -> Graph {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut set = std::collections::BTreeMap::new();
    let m = (avg_deg * n as f64) as usize;
    while set.len() < m.min(n * (n - 1)) {
        let (u, v) = (rng.random_range(0..n as u32), rng.random_range(0..n as u32));
        if u != v {
            set.insert((u, v), rng.random_range(0.5..2.0));
        }
    }
    if hub {
        // Node 0 influences everyone: more out-edges than one spread chunk.
        for v in 1..n as u32 {
            set.insert((0, v), 1.0);
        }
    }
    let edges: Vec<(u32, u32, f64)> = set.into_iter().map(|((u, v), w)| (u, v, w)).collect();
    Graph::from_edges((0..n).map(|i| format!("n{i}")).collect(), &edges, weights).unwrap()
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver (install mesa-vulkan-drivers)"
)]
fn gpu_equals_the_twin_and_the_cpu_bit_for_bit() {
    let ctx = crate::util::gpu();
    for (case, (n, deg, weights, hub, uniform)) in [
        (200, 3.0, Weights::Uniform, false, true),
        (300, 5.0, Weights::Column, false, true),
        (5000, 2.0, Weights::Uniform, true, true),
        (150, 4.0, Weights::Uniform, false, false),
        (1, 0.0, Weights::Uniform, false, true),
    ]
    .into_iter()
    .enumerate()
    {
        let g = random_graph(n, deg, case as u64, weights, hub);
        let source = if uniform {
            ThresholdSource::Uniform { seed: 7 }
        } else {
            // Fixed thresholds on the fraction grid: ties, zeros and infinities.
            let mut rng = rand::rngs::StdRng::seed_from_u64(3);
            ThresholdSource::Fixed(
                (0..n)
                    .map(|_| match rng.random_range(0..5) {
                        0 => 0.0,
                        1 => f64::INFINITY,
                        2 => 0.5,
                        _ => rng.random(),
                    })
                    .collect(),
            )
        };
        let runs: Vec<Run> = (0..40u64)
            .map(|r| Run {
                id: r.to_string(),
                seeds: random_seeds(n, 1 + n / 50, 1, r),
                draw: r,
            })
            .collect();
        let cpu = simulate::simulate_cpu(&g, &source, &runs, 6, true);
        let mut stats = cascadia::threshold::gpu::GpuStats::default();
        let gpu = cascadia::threshold::gpu::simulate(&ctx, &g, &source, &runs, 6, true, &mut stats)
            .unwrap();
        assert_eq!(gpu, cpu, "case {case}: GPU vs CPU frontier");
        // Counts only (the count kernel's read-back) equal too.
        let counts = cascadia::threshold::gpu::simulate(
            &ctx,
            &g,
            &source,
            &runs,
            6,
            false,
            &mut Default::default(),
        )
        .unwrap();
        assert!(
            counts
                .iter()
                .zip(&cpu)
                .all(|(a, b)| a.new_per_step == b.new_per_step && a.activations.is_empty()),
            "case {case}: counts"
        );
        // The twin on the kernels' inputs.
        let seeds: Vec<Vec<u32>> = runs.iter().map(|r| r.seeds.clone()).collect();
        let fixed;
        let keys: Vec<u32>;
        let needs = match &source {
            ThresholdSource::Fixed(_) => {
                let mut v = Vec::new();
                source.needs_into(&g, 0, &mut v);
                fixed = v;
                NeedSource::Fixed(&fixed)
            }
            ThresholdSource::Uniform { seed } => {
                keys = runs.iter().map(|r| draw_key(*seed, r.draw)).collect();
                NeedSource::Keys(&keys)
            }
        };
        let st = twin(
            &g,
            &chunks(&g, cascadia::threshold::gpu::CHUNK_EDGES),
            needs,
            &seeds,
            6,
        );
        assert_eq!(
            results_from_state(&st, n, 6, true),
            cpu,
            "case {case}: twin vs CPU"
        );
        if case == 2 {
            assert!(
                stats.batches >= 1 && stats.dispatches == 13 * stats.batches,
                "{stats:?}"
            );
            assert!(
                g.out(0).len() > cascadia::threshold::gpu::CHUNK_EDGES as usize,
                "the hub spans chunks"
            );
        }
    }
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver (install mesa-vulkan-drivers)"
)]
fn a_batch_over_the_binding_limit_is_split_and_deterministic() {
    let ctx = crate::util::gpu();
    // 30,000 nodes × runs: 120 kB per run; enough runs to pass lavapipe's 128 MiB binding.
    // Counts only: nothing of size runs × nodes comes back.
    let n = 30_000;
    let g = random_graph(n, 2.0, 11, Weights::Uniform, false);
    let runs: Vec<Run> = (0..1200u64)
        .map(|r| Run {
            id: r.to_string(),
            seeds: random_seeds(n, 300, 2, r),
            draw: r,
        })
        .collect();
    let source = ThresholdSource::Uniform { seed: 1 };
    let cpu = simulate::simulate_cpu(&g, &source, &runs, 5, false);
    let mut stats = cascadia::threshold::gpu::GpuStats::default();
    let a =
        cascadia::threshold::gpu::simulate(&ctx, &g, &source, &runs, 5, false, &mut stats).unwrap();
    let b = cascadia::threshold::gpu::simulate(
        &ctx,
        &g,
        &source,
        &runs,
        5,
        false,
        &mut Default::default(),
    )
    .unwrap();
    assert_eq!(a, cpu);
    assert_eq!(a, b, "deterministic across runs");
    if ctx.max_binding_bytes() < 1200 * 4 * n as u64 {
        assert!(stats.batches >= 2, "{stats:?}");
    }
    assert_eq!(
        stats.bytes_down,
        1200 * 6 * 4,
        "per-step counts only: {stats:?}"
    );
}

fn cascadia() -> Command {
    Command::cargo_bin("cascadia").expect("binary built")
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn cli_synth_estimate_predict_and_simulate() {
    let d = tempfile::tempdir().unwrap();
    let w = d.path().join("w");
    cascadia()
        .args([
            "synth",
            "threshold",
            "--nodes",
            "400",
            "--graph",
            "ba",
            "--param",
            "3",
            "--thresholds",
            "linear-nonsat",
            "--cascades",
            "6",
            "--seed",
            "2",
            "--output-dir",
        ])
        .arg(&w)
        .assert()
        .success();
    let p = |name: &str| w.join(name);
    cascadia()
        .args(["threshold", "estimate", "-q", "--graph"])
        .arg(p("graph.csv"))
        .arg("--activations")
        .arg(p("activations.csv"))
        .arg("--features")
        .arg(p("features.csv"))
        .args(["--until-step", "7", "--output"])
        .arg(p("triggers.csv"))
        .arg("--tree")
        .arg(p("tree.json"))
        .assert()
        .success();
    // Every `ok` node's interval holds its true threshold.
    let truth: std::collections::HashMap<String, f64> =
        std::fs::read_to_string(p("thresholds.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let (a, b) = l.split_once(',').unwrap();
                (a.to_string(), b.parse().unwrap())
            })
            .collect();
    let est = std::fs::read_to_string(p("triggers.csv")).unwrap();
    let mut ok = 0;
    for l in est.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        if f[5] == "ok" {
            let (lo, hi): (f64, f64) = (f[1].parse().unwrap(), f[2].parse().unwrap());
            let t = truth[f[0]];
            assert!(lo < t && t <= hi, "{l} vs {t}");
            ok += 1;
        }
    }
    assert!(ok > 50, "{ok} ok nodes");
    let eval = d.path().join("eval");
    cascadia()
        .args(["threshold", "predict", "-q", "--graph"])
        .arg(p("graph.csv"))
        .arg("--activations")
        .arg(p("activations.csv"))
        .arg("--triggers")
        .arg(p("triggers.csv"))
        .arg("--truth")
        .arg(p("thresholds.csv"))
        .args(["--until-step", "7", "--plot", "--output-dir"])
        .arg(&eval)
        .assert()
        .success();
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(eval.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["methods"]["oracle"]["scores"]["one_step_jaccard"], 1.0);
    assert_eq!(s["methods"]["oracle"]["mse"], 0.0);
    assert!(eval.join("steps.svg").exists());
    // Simulating the true thresholds from the same seeds reproduces the activations.
    let out = d.path().join("sim.csv");
    cascadia()
        .args(["threshold", "simulate", "-q", "--graph"])
        .arg(p("graph.csv"))
        .arg("--thresholds")
        .arg(p("thresholds.csv"))
        .arg("--seeds")
        .arg(p("seeds.csv"))
        .args(["--steps", "7", "--output"])
        .arg(&out)
        .assert()
        .success();
    // (Rows are ordered by step and node index; the file's node order differs from synth's.)
    let sorted = |path: &Path| {
        let mut v: Vec<String> = std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        v.sort();
        v
    };
    assert_eq!(sorted(&out), sorted(&p("activations.csv")));
}

#[test]
fn cli_errors_are_located_and_outputs_untouched() {
    let d = tempfile::tempdir().unwrap();
    let g = write(d.path(), "g.csv", "src,dst\na,b\nb,c\n");
    let out = write(d.path(), "out.csv", "old\n");
    for (file, text, want) in [
        (
            "a.csv",
            "cascade_id,node,step\nx,a,0\nx,q,1\n",
            "a.csv:3: field `node`: node \"q\" is not in the graph",
        ),
        (
            "a.csv",
            "cascade_id,node,step\nx,a,0\nx,a,1\n",
            "a.csv:3: node \"a\" appears twice",
        ),
        (
            "a.csv",
            "cascade_id,node,step\nx,a,-2\n",
            "a.csv:2: field `step`: negative value -2",
        ),
    ] {
        let a = write(d.path(), file, text);
        let r = cascadia()
            .args(["threshold", "estimate", "-q", "--graph"])
            .arg(&g)
            .arg("--activations")
            .arg(&a)
            .arg("--output")
            .arg(&out)
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&r.get_output().stderr).to_string();
        assert!(err.contains(want), "{err}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old\n");
    }
    let t = write(d.path(), "t.csv", "node,theta\na,0.5\nb,x\n");
    let r = cascadia()
        .args(["threshold", "simulate", "-q", "--graph"])
        .arg(&g)
        .arg("--thresholds")
        .arg(&t)
        .args(["--seed-fraction", "0.5", "--output"])
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&r.get_output().stderr).to_string();
    assert!(err.contains("t.csv:3: field `theta`"), "{err}");
    cascadia()
        .args(["threshold", "simulate", "--help"])
        .assert()
        .success();
}
