//! The decay search: GPU = twin = the sorted CPU evaluator = the definition (to 1e-6) on
//! random cascades with ties and underflow, and the CLI end to end on planted data.

use assert_cmd::Command;
use cascadia::cascade::{CascadeSet, Dedupe, Interner, UserId};
use cascadia::influence::tune::{self, Evaluator, Followers, prepare};
use rand::{Rng, SeedableRng};

fn random_world(seed: u64) -> Vec<tune::Prepared> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut set = CascadeSet::new();
    for c in 0..30 {
        set.begin_cascade(&c.to_string());
        let n = rng.random_range(1..120);
        let mut t = 0.0;
        for _ in 0..n {
            // Ties in time and magnitude, and gaps long enough to underflow at large r.
            t += match rng.random_range(0..10) {
                0 => 0.0,
                1 => 5e5,
                _ => f64::from(rng.random_range(1..60u32)),
            };
            let m = [0.0, 1.0, 7.0, 1e3, 1e6][rng.random_range(0..5)];
            set.push_event(t, m, UserId(rng.random_range(0..40)))
                .unwrap();
        }
        set.finish_cascade(Dedupe::None);
    }
    let mut users = Interner::new();
    for u in 0..40 {
        users.intern(&u.to_string());
    }
    let mut f = Followers::default();
    for a in 0..40u32 {
        for _ in 0..6 {
            f.followees
                .entry(UserId(a))
                .or_default()
                .push(UserId(rng.random_range(0..40)));
        }
    }
    prepare(&set, &f, 1.0)
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver (install mesa-vulkan-drivers)"
)]
fn gpu_twin_fast_and_exact_agree() {
    let ctx = crate::util::gpu();
    for seed in 0..3 {
        let prep = random_world(seed);
        let rs = tune::grid(1e-6, 3.0, 25);
        let exact = tune::evaluate(&prep, &rs, Evaluator::Exact);
        let fast = tune::evaluate(&prep, &rs, Evaluator::Fast);
        let twin = tune::evaluate(&prep, &rs, Evaluator::Twin);
        let mut st = Default::default();
        let gpu = cascadia::influence::gpu::tune::evaluate(&ctx, &prep, &rs, &mut st).unwrap();
        for i in 0..rs.len() {
            assert!(exact[i].events > 0);
            for (name, got) in [("fast", fast[i]), ("twin", twin[i]), ("gpu", gpu[i])] {
                assert_eq!(got.events, exact[i].events, "{name} events at r {}", rs[i]);
                assert!(
                    (got.auc - exact[i].auc).abs() <= 1e-6,
                    "{name} at r {}: {} vs {}",
                    rs[i],
                    got.auc,
                    exact[i].auc
                );
            }
        }
    }
}

fn cascadia() -> Command {
    Command::cargo_bin("cascadia").expect("binary built")
}

#[test]
fn cli_recovers_a_planted_decay_and_refuses_unusable_followers() {
    let d = tempfile::tempdir().unwrap();
    let w = d.path().join("w");
    cascadia()
        .args([
            "synth",
            "decay-cascades",
            "--decay",
            "0.01",
            "--cascades",
            "300",
            "--seed",
            "4",
            "--output-dir",
        ])
        .arg(&w)
        .assert()
        .success();
    let s = d.path().join("s.json");
    cascadia()
        .args(["influence", "tune-decay", "-q", "--refine", "--input"])
        .arg(w.join("cascades.csv"))
        .arg("--followers")
        .arg(w.join("followers.csv"))
        .arg("--output")
        .arg(d.path().join("auc.csv"))
        .arg("--plot")
        .arg(d.path().join("auc.svg"))
        .arg("--summary")
        .arg(&s)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&s).unwrap()).unwrap();
    let r = v["best_r"].as_f64().unwrap();
    assert!((0.009..=0.011).contains(&r), "best r {r}");
    let curve = std::fs::read_to_string(d.path().join("auc.csv")).unwrap();
    assert!(curve.starts_with("r,auc,events\n") && curve.lines().count() > 200);
    // A follower list over other users: an error that says so, and no output.
    let f = d.path().join("f.csv");
    std::fs::write(&f, "follower,followee\nx,y\n").unwrap();
    let out = d.path().join("auc2.csv");
    let r = cascadia()
        .args(["influence", "tune-decay", "-q", "--input"])
        .arg(w.join("cascades.csv"))
        .arg("--followers")
        .arg(&f)
        .arg("--output")
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&r.get_output().stderr).to_string();
    assert!(err.contains("no follower edge"), "{err}");
    assert!(!out.exists());
    std::fs::write(&f, "follower,who\n1,2\n").unwrap();
    let r = cascadia()
        .args(["influence", "tune-decay", "-q", "--input"])
        .arg(w.join("cascades.csv"))
        .arg("--followers")
        .arg(&f)
        .arg("--output")
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&r.get_output().stderr).to_string();
    assert!(err.contains("f.csv:1") && err.contains("followee"), "{err}");
}
