//! `cascadia influence politics` end to end on `synth debate`'s planted effects, the hashtag
//! counter against a direct count, and located errors.

use assert_cmd::Command;
use std::path::Path;

fn cascadia() -> Command {
    Command::cargo_bin("cascadia").expect("binary built")
}

fn partisan() -> std::path::PathBuf {
    crate::util::shared_dir().join("fixtures/debatenight/partisan-hashtags.csv")
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

#[test]
fn the_report_recovers_the_planted_effects() {
    let d = tempfile::tempdir().unwrap();
    let w = d.path().join("w");
    cascadia()
        .args(["synth", "debate", "--seed", "3", "--partisan-hashtags"])
        .arg(partisan())
        .arg("--output-dir")
        .arg(&w)
        .assert()
        .success();
    cascadia()
        .args(["influence", "-q", "--preset", "descendants", "--input"])
        .arg(w.join("cascades.csv"))
        .arg("--output")
        .arg(d.path().join("t.csv"))
        .arg("--users-output")
        .arg(d.path().join("users.csv"))
        .assert()
        .success();
    let rep = d.path().join("report");
    cascadia()
        .args(["influence", "politics", "-q", "--plot", "--users"])
        .arg(d.path().join("users.csv"))
        .arg("--tweets")
        .arg(w.join("tweets.csv"))
        .arg("--partisan-hashtags")
        .arg(partisan())
        .arg("--botness")
        .arg(w.join("botness.csv"))
        .arg("--output-dir")
        .arg(&rep)
        .assert()
        .success();
    let pops = rows(&rep.join("populations.csv"));
    let mean = |pop: &str, party: &str| -> f64 {
        pops.iter()
            .find(|r| r[0] == pop && r[1] == party)
            .map(|r| r[3].parse().unwrap())
            .unwrap()
    };
    // Planted: bots ≈ 2.5–2.75× humans; pro-Republican bots 2× pro-Democrat bots.
    let bot_ratio = mean("bot", "all") / mean("human", "all");
    assert!((2.0..3.5).contains(&bot_ratio), "bot/human {bot_ratio}");
    let party_ratio = mean("bot", "republican") / mean("bot", "democrat");
    assert!(
        (1.4..2.8).contains(&party_ratio),
        "rep bot / dem bot {party_ratio}"
    );
    let p: f64 = pops
        .iter()
        .find(|r| r[0] == "bot" && r[1] == "all")
        .unwrap()[7]
        .parse()
        .unwrap();
    assert!(p < 1e-6, "Welch p {p}");
    for f in [
        "profiles.csv",
        "summary.json",
        "influence_ccdf.svg",
        "polarisation_density.svg",
        "party_by_influence.svg",
        "polarisation_map.svg",
        "polarisation_map.png",
    ] {
        assert!(rep.join(f).exists(), "{f}");
    }
    // The hashtag counter against a direct count of the tweets file.
    let list: std::collections::HashMap<String, String> = std::fs::read_to_string(partisan())
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect();
    let mut direct: std::collections::HashMap<String, (u64, u64)> = Default::default();
    for r in rows(&w.join("tweets.csv")) {
        for tag in r[1].split([' ', '|']) {
            match list
                .get(&tag.trim_start_matches('#').to_lowercase())
                .map(String::as_str)
            {
                Some("democrat") => direct.entry(r[0].clone()).or_default().0 += 1,
                Some("republican") => direct.entry(r[0].clone()).or_default().1 += 1,
                _ => {}
            }
        }
    }
    let mut checked = 0;
    for r in rows(&rep.join("profiles.csv")) {
        let want = direct.get(&r[0]).copied().unwrap_or((0, 0));
        assert_eq!(
            (r[3].parse::<u64>().unwrap(), r[4].parse::<u64>().unwrap()),
            want,
            "{}",
            r[0]
        );
        checked += u64::from(want.0 + want.1 > 0);
    }
    assert!(checked > 1000);
}

#[test]
fn bad_inputs_are_located() {
    let d = tempfile::tempdir().unwrap();
    let users = d.path().join("users.csv");
    std::fs::write(
        &users,
        "user_id,events,cascades,influence,percentile\na,1,1,2.0,1\nb,1,1,1.0,0\n",
    )
    .unwrap();
    let out = d.path().join("r");
    for (file, text, want) in [
        (
            "bot.csv",
            "user_id,botness\na,1.5\n",
            "bot.csv:2: field `botness`: botness 1.5 is outside [0, 1]",
        ),
        (
            "bot.csv",
            "user_id,botness,population\na,,robot\n",
            "field `population`",
        ),
    ] {
        let p = d.path().join(file);
        std::fs::write(&p, text).unwrap();
        let counts = d.path().join("c.csv");
        std::fs::write(&counts, "user_id,dem,rep\na,1,2\n").unwrap();
        let r = cascadia()
            .args(["influence", "politics", "-q", "--users"])
            .arg(&users)
            .arg("--hashtag-counts")
            .arg(&counts)
            .arg("--botness")
            .arg(&p)
            .arg("--output-dir")
            .arg(&out)
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&r.get_output().stderr).to_string();
        assert!(err.contains(want), "{err}");
    }
    let counts = d.path().join("c.csv");
    std::fs::write(&counts, "user_id,dem,rep\na,-1,2\n").unwrap();
    let r = cascadia()
        .args(["influence", "politics", "-q", "--users"])
        .arg(&users)
        .arg("--hashtag-counts")
        .arg(&counts)
        .arg("--output-dir")
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&r.get_output().stderr).to_string();
    assert!(err.contains("c.csv:2: field `dem`"), "{err}");
    assert!(!out.join("profiles.csv").exists(), "no partial report");
}

#[test]
fn appendix_c_validation_runs_and_reports() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("appc");
    cascadia()
        .args([
            "influence",
            "validate",
            "--synthetic",
            "--users",
            "300",
            "--cascades",
            "300",
            "--max-edges",
            "3000",
            "--plot",
            "--output-dir",
        ])
        .arg(&out)
        .assert()
        .success();
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let rho = s["spearman"].as_f64().unwrap();
    assert!(rho > 0.6, "Spearman {rho}");
    assert!(s["truth_split_half"].as_f64().unwrap().is_finite());
    assert!(out.join("influence_vs_truth.svg").exists() && out.join("points.csv").exists());
    cascadia()
        .args(["influence", "validate", "--output-dir"])
        .arg(&out)
        .assert()
        .code(2);
}
