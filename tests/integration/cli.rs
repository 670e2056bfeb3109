//! The binary end to end: outputs, goldens through the CLI, `--help`, bad input messages
//! (file:line: field), exit codes.

use crate::util::{Tol, assert_close, shared_dir};
use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn cascadia() -> Command {
    Command::cargo_bin("cascadia").expect("binary built")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn column(csv_text: &str, name: &str) -> Vec<String> {
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let i = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    rdr.records().map(|r| r.unwrap()[i].to_string()).collect()
}

fn floats(v: &[String]) -> Vec<f64> {
    v.iter().map(|s| s.parse().unwrap()).collect()
}

/// Runs `cascadia influence` on `input` with extra args; returns (exit code, stdout, stderr).
fn influence(input: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = cascadia()
        .arg("influence")
        .arg("--input")
        .arg(input)
        .args(["-q"])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn goldens_through_the_cli_for_every_preset() {
    let dir = shared_dir().join("fixtures/influence");
    let expected = std::fs::read_to_string(dir.join("expected_tweets.csv")).unwrap();
    for preset in ["paper", "descendants", "birdspotter"] {
        for algo in ["linear", "backsub", "recursion"] {
            let (code, out, err) = influence(
                &dir.join("cascades.csv"),
                &["--preset", preset, "--algo", algo],
            );
            assert_eq!(code, 0, "{preset}/{algo}: {err}");
            assert_eq!(
                column(&out, "cascade_id"),
                column(&expected, "cascade_id"),
                "row order"
            );
            assert_eq!(column(&out, "pos"), column(&expected, "pos"), "positions");
            let got = floats(&column(&out, "influence"));
            let want = floats(&column(&expected, &format!("phi_{preset}")));
            assert_close(&got, &want, Tol::F64, &format!("CLI {preset} {algo}"));
            if preset == "paper" {
                assert_eq!(
                    column(&out, "expected_parent"),
                    column(&expected, "expected_parent_paper"),
                    "parents"
                );
            }
        }
    }
}

#[test]
fn users_summary_and_pairwise_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = shared_dir().join("fixtures/influence/cascades.csv");
    let (u, s, p, t) = (
        tmp.path().join("u.csv"),
        tmp.path().join("s.json"),
        tmp.path().join("p.csv"),
        tmp.path().join("t.csv"),
    );
    let (code, _, err) = influence(
        &input,
        &[
            "--output",
            t.to_str().unwrap(),
            "--users-output",
            u.to_str().unwrap(),
            "--summary",
            s.to_str().unwrap(),
            "--pairwise",
            p.to_str().unwrap(),
            "--pairwise-max-events",
            "10",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let users = std::fs::read_to_string(&u).unwrap();
    assert!(
        users.starts_with("user_id,events,cascades,influence,percentile\n"),
        "users header"
    );
    let pct = floats(&column(&users, "percentile"));
    assert_eq!(
        pct.first(),
        Some(&1.0),
        "most influential first, percentile 1"
    );
    assert_eq!(
        pct.last(),
        Some(&0.0),
        "least influential last, percentile 0"
    );
    let events: u64 = column(&users, "events")
        .iter()
        .map(|e| e.parse::<u64>().unwrap())
        .sum();
    assert_eq!(events, 665, "every event belongs to one user row");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&s).unwrap()).unwrap();
    assert_eq!(summary["run"]["events"], 665, "summary counts events");
    assert_eq!(summary["run"]["cascades"], 16, "summary counts cascades");
    assert_eq!(
        summary["params"]["decay_per_s"], 6.8e-4,
        "summary embeds the parameters"
    );
    assert_eq!(summary["params"]["preset"], "paper", "and the preset");
    let pw = std::fs::read_to_string(&p).unwrap();
    // cascades c00..c07 have at most 10 events: sizes 1,2,3,4,6,7,9 and the 11-event c07 is out.
    let rows = pw.lines().count() - 1;
    let want: usize = [1usize, 2, 3, 4, 6, 7, 9]
        .iter()
        .map(|n| n * (n + 1) / 2)
        .sum();
    assert_eq!(
        rows, want,
        "upper triangles of the cascades of <= 10 events"
    );
}

#[test]
fn help_explains_every_flag() {
    let out = cascadia().args(["influence", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--input",
        "--format",
        "--output",
        "--users-output",
        "--summary",
        "--preset",
        "--power",
        "--decay",
        "--social-strength",
        "--spatial-decay",
        "--self-term",
        "--dedupe-users",
        "--aggregate",
        "--algo",
        "--pairwise",
        "--pairwise-max-events",
        "--group",
        "--skip-invalid",
        "--threads",
        "--batch-events",
        "--quiet",
    ] {
        assert!(help.contains(flag), "--help mentions {flag}");
    }
    assert!(help.contains("6.8e-4"), "--help gives the paper's decay");
}

#[test]
fn bad_input_is_located_and_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let header = "cascade_id,time,user_id,followers\n";
    let cases: &[(&str, String, &str)] = &[
        (
            "missing_col.csv",
            "cascade_id,time,user_id\nc,0,u\n".into(),
            "missing_col.csv:1: missing column `followers`",
        ),
        (
            "bad_time.csv",
            format!("{header}c,0,u,1\nc,abc,v,2\n"),
            "bad_time.csv:3: field `time`: expected a time in seconds or an RFC 3339",
        ),
        (
            "nan_time.csv",
            format!("{header}c,NaN,u,1\n"),
            "nan_time.csv:2: field `time`: value \"NaN\" is not finite",
        ),
        (
            "inf_time.csv",
            format!("{header}c,inf,u,1\n"),
            "inf_time.csv:2: field `time`: value \"inf\" is not finite",
        ),
        (
            "neg_followers.csv",
            format!("{header}c,0,u,1\nc,1,v,-5\n"),
            "neg_followers.csv:3: field `followers`: negative magnitude -5",
        ),
        (
            "bad_followers.csv",
            format!("{header}c,0,u,many\n"),
            "bad_followers.csv:2: field `followers`: expected a number, found \"many\"",
        ),
        (
            "bad_stamp.csv",
            format!("{header}c,2016-13-45T99:00:00Z,u,1\n"),
            "bad_stamp.csv:2: field `time`: expected a time in seconds or an RFC 3339",
        ),
        ("empty.csv", String::new(), "empty.csv: the input is empty"),
        (
            "header_only.csv",
            header.to_string(),
            "header_only.csv: the input is empty",
        ),
        (
            "reappears.csv",
            format!("{header}a,0,u,1\nb,0,v,1\na,5,w,1\n"),
            "reappears.csv:4: field `cascade_id`: cascade \"a\" reappears after rows of other cascades; rows of one cascade must be contiguous: sort the file by cascade_id, or pass --group",
        ),
        (
            "fields.csv",
            format!("{header}c,0,u,1\nc,1,v\n"),
            "fields.csv:3: expected 4 fields as in the header, found 3",
        ),
    ];
    for (name, text, want) in cases {
        let p = write(d, name, text);
        let (code, _, err) = influence(&p, &["--format", "csv"]);
        assert_eq!(code, 2, "{name}: exit code 2 for an error; stderr: {err}");
        assert!(
            err.contains(want),
            "{name}: stderr should contain {want:?}, got {err:?}"
        );
        assert!(!err.contains("panicked"), "{name}: never a panic");
    }
}

#[test]
fn group_allows_interleaved_cascades() {
    let tmp = tempfile::tempdir().unwrap();
    let p = write(
        tmp.path(),
        "inter.csv",
        "cascade_id,time,user_id,followers\na,0,u,10\nb,0,v,5\na,5,w,1\nb,9,x,2\n",
    );
    let (code, out, err) = influence(&p, &["--group", "--preset", "birdspotter"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        column(&out, "cascade_id"),
        ["a", "a", "b", "b"],
        "grouped in order of first appearance"
    );
    assert_eq!(
        floats(&column(&out, "influence")),
        [2.0, 1.0, 2.0, 1.0],
        "two-event cascades"
    );
}

#[test]
fn rows_of_a_cascade_may_come_in_any_order() {
    let tmp = tempfile::tempdir().unwrap();
    let p = write(
        tmp.path(),
        "unsorted.csv",
        "cascade_id,time,user_id,followers,extra\nc,50,late,1,x\nc,0,root,100,y\nc,10,mid,1,z\n",
    );
    let (code, out, err) = influence(&p, &["--preset", "birdspotter"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        column(&out, "user_id"),
        ["root", "mid", "late"],
        "sorted by time"
    );
    assert_eq!(
        column(&out, "pos"),
        ["0", "1", "2"],
        "positions after the sort"
    );
    assert_eq!(
        floats(&column(&out, "influence"))[0],
        3.0,
        "root reaches all"
    );
}

#[test]
fn skip_invalid_reports_counts_and_exits_one() {
    let tmp = tempfile::tempdir().unwrap();
    let p = write(
        tmp.path(),
        "mixed.csv",
        "cascade_id,time,user_id,followers\nc,0,u,1\nc,x,v,1\nc,2,w,-1\nc,3,y,4\n",
    );
    let s = tmp.path().join("s.json");
    let out = cascadia()
        .args([
            "influence",
            "--skip-invalid",
            "--summary",
            s.to_str().unwrap(),
            "--input",
            p.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit code 1: ran with problems; {err}"
    );
    assert!(
        err.contains("mixed.csv:3: field `time`"),
        "first skipped row reported: {err}"
    );
    assert!(
        err.contains("mixed.csv:4: field `followers`"),
        "second skipped row reported: {err}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&s).unwrap()).unwrap();
    assert_eq!(
        summary["run"]["skipped_rows"], 2,
        "summary counts skipped rows"
    );
    assert_eq!(summary["run"]["events"], 2, "the valid rows are kept");
}

#[test]
fn dedupe_users_keeps_first_or_last() {
    let tmp = tempfile::tempdir().unwrap();
    let p = write(
        tmp.path(),
        "dup.csv",
        "cascade_id,time,user_id,followers\nc,0,a,10\nc,5,b,1\nc,9,a,3\n",
    );
    for (mode, users) in [
        ("first", vec!["a", "b"]),
        ("last", vec!["b", "a"]),
        ("none", vec!["a", "b", "a"]),
    ] {
        let (code, out, err) = influence(&p, &["--dedupe-users", mode]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(column(&out, "user_id"), users, "--dedupe-users {mode}");
    }
}

#[test]
fn rfc3339_times_jsonl_and_per_cascade_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let csv_path = write(
        d,
        "long.csv",
        "cascade_id,time,user_id,followers\nx,2016-09-27T01:00:00Z,u1,100\nx,2016-09-27T01:00:30Z,u2,5\nx,2016-09-27T01:02:00Z,u3,7\n",
    );
    let (code, long, err) = influence(&csv_path, &[]);
    assert_eq!(code, 0, "{err}");
    let jsonl = write(
        d,
        "c.jsonl",
        "{\"cascade_id\":\"x\",\"events\":[{\"time\":1474938000,\"user_id\":\"u1\",\"followers\":100},{\"time\":\"2016-09-27T01:00:30Z\",\"user_id\":\"u2\",\"magnitude\":5},{\"time\":1474938120,\"user_id\":\"u3\",\"followers\":7}]}\n",
    );
    let (code, from_json, err) = influence(&jsonl, &[]);
    assert_eq!(code, 0, "{err}");
    std::fs::create_dir(d.join("casin")).unwrap();
    write(
        &d.join("casin"),
        "x.csv",
        "time,magnitude,user_id\n0,100,u1\n30,5,u2\n120,7,u3\n",
    );
    let (code, from_dir, err) = influence(&d.join("casin"), &[]);
    assert_eq!(code, 0, "{err}");
    let a = floats(&column(&long, "influence"));
    assert_close(
        &floats(&column(&from_json, "influence")),
        &a,
        Tol::F64,
        "jsonl = csv",
    );
    assert_close(
        &floats(&column(&from_dir, "influence")),
        &a,
        Tol::F64,
        "per-cascade dir = csv",
    );
    assert_eq!(
        column(&from_dir, "cascade_id"),
        ["x", "x", "x"],
        "cascade id is the file stem"
    );
    let glob = format!("{}/casin/*.csv", d.display());
    let out = cascadia()
        .args(["influence", "-q", "--input", &glob])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "glob input");
    let bad = write(
        d,
        "bad.jsonl",
        "{\"cascade_id\":\"x\",\"events\":[{\"time\":-3,\"user_id\":\"u\",\"followers\":1}]}\n",
    );
    let (code, _, err) = influence(&bad, &[]);
    assert_eq!(code, 2, "bad jsonl is an error");
    assert!(
        err.contains("bad.jsonl:1: field `events[0].time`: negative time -3"),
        "located: {err}"
    );
    let event = "[{\"time\":0,\"user_id\":\"u\",\"followers\":1}]";
    let again = write(
        d,
        "again.jsonl",
        &format!(
            "{{\"cascade_id\":\"x\",\"events\":{event}}}\n{{\"cascade_id\":\"y\",\"events\":{event}}}\n{{\"cascade_id\":\"x\",\"events\":{event}}}\n"
        ),
    );
    let (code, _, err) = influence(&again, &[]);
    assert_eq!(code, 2, "a repeated cascade id is an error: {err}");
    assert!(
        err.contains("again.jsonl:3: field `cascade_id`: cascade \"x\" reappears"),
        "located: {err}"
    );
}

#[test]
fn synth_then_influence_streams_in_input_order() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth.csv");
    let out = cascadia()
        .args([
            "synth",
            "influence-cascades",
            "--cascades",
            "300",
            "--seed",
            "5",
            "--max-size",
            "2000",
            "--output",
            data.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "synth runs");
    // Small batches force many batches through the pipeline; the result must not change.
    let (c1, a, e1) = influence(&data, &["--batch-events", "7"]);
    let (c2, b, e2) = influence(&data, &["--batch-events", "1000000", "--threads", "1"]);
    assert_eq!((c1, c2), (0, 0), "{e1}{e2}");
    assert_eq!(a, b, "batching and threads do not change the output");
    let ids = column(&a, "cascade_id");
    let mut firsts: Vec<&String> = ids.iter().collect();
    firsts.dedup();
    let expected: Vec<String> = (0..300).map(|c| format!("c{c}")).collect();
    assert_eq!(
        firsts.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        expected.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "input order"
    );
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gpu_backend_reproduces_the_goldens() {
    crate::util::gpu();
    let dir = shared_dir().join("fixtures/influence");
    let expected = std::fs::read_to_string(dir.join("expected_tweets.csv")).unwrap();
    for preset in ["paper", "descendants", "birdspotter"] {
        let (code, out, err) = influence(
            &dir.join("cascades.csv"),
            &["--preset", preset, "--backend", "gpu"],
        );
        assert_eq!(code, 0, "{preset}: {err}");
        let got = floats(&column(&out, "influence"));
        let want = floats(&column(&expected, &format!("phi_{preset}")));
        let (rel, abs) = cascadia::influence::gpu::F32_TOLERANCE;
        assert_close(
            &got,
            &want,
            Tol { rel, abs },
            &format!("CLI --backend gpu {preset}"),
        );
    }
    for preset in ["paper", "birdspotter"] {
        let (code, out, err) = influence(
            &dir.join("cascades.csv"),
            &[
                "--preset",
                preset,
                "--backend",
                "gpu",
                "--algo",
                "recursion",
            ],
        );
        assert_eq!(code, 0, "{preset} recursion: {err}");
        let got = floats(&column(&out, "influence"));
        let want = floats(&column(&expected, &format!("phi_{preset}")));
        let (rel, abs) = cascadia::influence::gpu::RECURSION_F32_TOLERANCE;
        assert_close(
            &got,
            &want,
            Tol { rel, abs },
            &format!("CLI --backend gpu --algo recursion {preset}"),
        );
    }
    let (code, _, err) = influence(
        &dir.join("cascades.csv"),
        &["--backend", "gpu", "--algo", "backsub"],
    );
    assert_eq!(code, 2, "the GPU has no back substitution");
    assert!(err.contains("--backend cpu"), "{err}");
    assert!(
        err.contains("parameter `--backend`"),
        "names the flag: {err}"
    );
    let (code, out, err) = influence(
        &dir.join("cascades.csv"),
        &["--backend", "auto", "--algo", "backsub"],
    );
    assert_eq!(code, 0, "auto falls back to the CPU: {err}");
    assert!(err.contains("no GPU kernel"), "says why: {err}");
    let want = floats(&column(&expected, "phi_paper"));
    assert_close(
        &floats(&column(&out, "influence")),
        &want,
        Tol {
            rel: 1e-9,
            abs: 1e-12,
        },
        "auto backsub on the CPU",
    );
}

#[test]
fn backend_auto_runs_linear_on_the_cpu_and_says_why() {
    let input = shared_dir().join("fixtures/influence/cascades.csv");
    let (code, cpu, err) = influence(&input, &["--backend", "cpu"]);
    assert_eq!(code, 0, "{err}");
    let (code, auto, err) = influence(&input, &["--backend", "auto"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("--algo linear on the CPU"), "says why: {err}");
    assert_eq!(auto, cpu, "the f64 CPU output, byte for byte");
}

#[test]
fn netinf_bad_input_is_located_and_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let nodes = "0,a\n1,b\n2,c\n\n";
    let cases: &[(&str, String, &[&str], &str)] = &[
        (
            "unknown.txt",
            format!("{nodes}0,0.0,1,1.0\n0,0.0,7,2.5\n"),
            &[],
            "unknown.txt:6: field `node (field 3)`: node \"7\" is not in the node block",
        ),
        (
            "time.txt",
            format!("{nodes}0,0.0,1,soon\n"),
            &[],
            "time.txt:5: field `time (field 4)`: expected a time in seconds",
        ),
        (
            "odd.txt",
            format!("{nodes}0,0.0,1\n"),
            &[],
            "odd.txt:5: a cascade line must hold `node,time` pairs, found 3 fields",
        ),
        (
            "nolayout.txt",
            "0,a\n1,b\n".into(),
            &[],
            "nolayout.txt:2: no empty line after the node block",
        ),
        (
            "dupid.txt",
            "0,a\n0,b\n\n0,1\n".into(),
            &[],
            "dupid.txt:2: field `id`: node \"0\" is listed twice",
        ),
        (
            "nocasc.txt",
            nodes.to_string(),
            &[],
            "nocasc.txt:4: the file has no cascades",
        ),
        (
            "csvcol.csv",
            "cascade_id,node\nc,1\n".into(),
            &[],
            "csvcol.csv:1: missing column `time`",
        ),
        (
            "csvtime.csv",
            "cascade_id,node,time\nc,1,0\nc,2,NaN\n".into(),
            &[],
            "csvtime.csv:3: field `time`: value \"NaN\" is not finite",
        ),
        (
            "alpha.txt",
            format!("{nodes}0,0,1,1\n"),
            &["--alpha", "-1"],
            "parameter `--alpha` = -1: must be a finite number > 0",
        ),
        (
            "powalpha.txt",
            format!("{nodes}0,0,1,1\n"),
            &["--model", "pow", "--alpha", "1"],
            "parameter `--alpha` = 1: must be > 1 for the power-law model",
        ),
        (
            "k0.txt",
            format!("{nodes}0,0,1,1\n"),
            &["--edges", "0"],
            "parameter `--edges` = 0: must be >= 1",
        ),
    ];
    for (name, text, extra, expected) in cases {
        let p = write(d, name, text);
        let out = cascadia()
            .args(["netinf", "--quiet", "--input"])
            .arg(&p)
            .args(*extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(expected),
            "{name}: expected {expected:?} in {err:?}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

#[test]
fn netinf_warns_about_empty_lines_and_counts_repeated_nodes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Node 1 appears twice in the first cascade: its last time (3.0) is kept, as in SNAP.
    let p = write(
        d,
        "c.txt",
        "0,a\r\n1,b\r\n2,c\r\n\r\n0,0.0,1,1.0,2,2.0,1,3.0\r\n\r\n2,0.0,0,1.0\r\n",
    );
    let s = d.join("s.json");
    let out = cascadia()
        .args(["netinf", "--input"])
        .arg(&p)
        .arg("--summary")
        .arg(&s)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("skipped 1 empty cascade line(s), first at line 6"),
        "{err}"
    );
    assert!(err.contains("1 repeated nodes inside cascades"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&s).unwrap()).unwrap();
    assert_eq!(json["repeated_nodes_in_cascades"], 1);
    assert_eq!(json["cascades"], 2);
    let edges = String::from_utf8_lossy(&out.stdout);
    // Cascade 1 is 0@0, 2@2, 1@3 after the repeat: 2 -> 1 (Δ 1) is a candidate, 1 -> 2 is not.
    let pairs: Vec<(String, String)> = column(&edges, "src")
        .into_iter()
        .zip(column(&edges, "dst"))
        .collect();
    assert!(pairs.contains(&("2".into(), "1".into())), "{edges}");
    assert!(!pairs.contains(&("1".into(), "2".into())), "{edges}");
}

#[test]
fn netinf_cli_reproduces_snap_and_reports_recovery() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let f = shared_dir().join("fixtures/netinf");
    let edges = d.join("edges.csv");
    let out = cascadia()
        .args([
            "netinf", "--edges", "242", "--model", "pow", "--alpha", "2", "--input",
        ])
        .arg(f.join("hier256-pow-cascades.txt"))
        .arg("--truth")
        .arg(f.join("hier256-pow-network.txt"))
        .arg("--output")
        .arg(&edges)
        .arg("--summary")
        .arg(d.join("s.json"))
        .arg("--plot")
        .arg(d.join("pr.svg"))
        .arg("--network-output")
        .arg(d.join("net.txt"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let text = std::fs::read_to_string(&edges).unwrap();
    let reference = std::fs::read_to_string(f.join("hier256-pow-ref-greedy.csv")).unwrap();
    let ours: Vec<(String, String)> = column(&text, "src")
        .into_iter()
        .zip(column(&text, "dst"))
        .collect();
    let theirs: Vec<(String, String)> = column(&reference, "src")
        .into_iter()
        .zip(column(&reference, "dst"))
        .collect();
    assert_eq!(ours, theirs);
    assert_close(
        &floats(&column(&text, "objective")),
        &floats(&column(&reference, "objective")),
        Tol::F64,
        "objective through the CLI",
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("s.json")).unwrap()).unwrap();
    // SNAP's P = R for this fixture (fixtures README): 0.9339.
    let bep = json["truth"]["break_even_point"].as_f64().unwrap();
    assert!((bep - 0.9339).abs() < 5e-4, "break-even point {bep}");
    assert_eq!(json["stop"], "edge_limit");
    assert!(
        std::fs::read_to_string(d.join("pr.svg"))
            .unwrap()
            .contains("<polyline")
    );
    // The network output scores to the same objective.
    let score = cascadia()
        .args([
            "netinf", "score", "--model", "pow", "--alpha", "2", "--input",
        ])
        .arg(f.join("hier256-pow-cascades.txt"))
        .arg("--network")
        .arg(d.join("net.txt"))
        .output()
        .unwrap();
    assert!(score.status.success());
    let s: serde_json::Value = serde_json::from_slice(&score.stdout).unwrap();
    let last = *floats(&column(&text, "objective")).last().unwrap();
    assert!((s["objective"].as_f64().unwrap() - last).abs() <= 1e-9 * last);
    assert!(s["all_trees"].as_f64().unwrap() >= s["best_tree"].as_f64().unwrap());
}

#[test]
fn synth_graph_and_cascades_feed_netinf() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let g = d.join("g.txt");
    let c = d.join("c.txt");
    for args in [
        vec![
            "synth", "graph", "--nodes", "64", "--edges", "90", "--seed", "3", "--output",
        ],
        vec![
            "synth",
            "graph",
            "--kind",
            "forest-fire",
            "--nodes",
            "50",
            "--output",
        ],
        vec![
            "synth", "graph", "--kind", "er", "--nodes", "50", "--edges", "80", "--output",
        ],
    ] {
        let out = cascadia().args(&args).arg(&g).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = cascadia()
        .args([
            "synth", "graph", "--nodes", "64", "--edges", "90", "--seed", "3", "--output",
        ])
        .arg(&g)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = cascadia()
        .args([
            "synth",
            "cascades",
            "--model",
            "ray",
            "--seed",
            "3",
            "--network",
        ])
        .arg(&g)
        .arg("--output")
        .arg(&c)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cascadia()
        .args(["netinf", "--model", "ray", "--edges", "90", "--input"])
        .arg(&c)
        .arg("--truth")
        .arg(&g)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("truth: 90 true edges"), "{err}");
    // Not a power of two: a clear error.
    let out = cascadia()
        .args(["synth", "graph", "--nodes", "100", "--output"])
        .arg(&g)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("power of two"));
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn netinf_backend_gpu_writes_the_cpu_file_byte_for_byte() {
    let ctx = crate::util::gpu();
    let f = shared_dir().join("fixtures/netinf/rand256-ray-cascades.txt");
    let run = |backend: &str| {
        let out = cascadia()
            .args([
                "netinf",
                "--edges",
                "398",
                "--model",
                "ray",
                "--backend",
                backend,
                "-v",
                "--input",
            ])
            .arg(&f)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, cpu, err) = run("cpu");
    assert!(ok, "{err}");
    let (ok, gpu, err) = run("gpu");
    if !ctx.has_f64() {
        assert!(!ok && err.contains("SHADER_F64"), "{err}");
        return;
    }
    assert!(ok, "{err}");
    assert_eq!(gpu, cpu, "same edges.csv, byte for byte");
    assert!(
        err.contains("GPU adapter") && err.contains("rounds"),
        "{err}"
    );
    if ctx.is_software() {
        assert!(err.contains("not GPU timings"), "{err}");
    }
    // `auto` runs netinf on the CPU engine (measured faster than the GPU engine), and says so.
    let (ok, auto, err) = run("auto");
    assert!(ok && auto == cpu, "{err}");
    assert!(err.contains("CPU engine"), "{err}");
}

/// A long CSV of `n` cascades of ten events each over 500 users.
fn ten_event_cascades(n: usize) -> String {
    let mut text = String::from("cascade_id,time,user_id,followers\n");
    for c in 0..n {
        for k in 0..10 {
            text.push_str(&format!("c{c},{k},u{},{}\n", (c * 7 + k) % 500, k * 3));
        }
    }
    text
}

/// A full disk is an error naming the output (the tweets go through a writer thread, whose
/// error must reach the exit code, not vanish with the thread).
#[test]
#[cfg(target_os = "linux")]
fn a_failed_write_is_an_error_naming_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", &ten_event_cascades(3000));
    let (code, _, err) = influence(&input, &["--output", "/dev/full", "--batch-events", "1000"]);
    assert_ne!(code, 0, "exit code: {err}");
    assert!(err.contains("/dev/full"), "names the output: {err}");
    assert!(!err.contains("panicked"), "no panic: {err}");
}

/// The files of `dir`, sorted, with the length and a hash of their contents.
fn files(dir: &Path) -> Vec<(String, usize, u64)> {
    use std::hash::{Hash, Hasher};
    let mut v: Vec<(String, usize, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            let mut h = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut h);
            (
                e.file_name().to_string_lossy().into_owned(),
                bytes.len(),
                h.finish(),
            )
        })
        .collect();
    v.sort();
    v
}

/// A run that fails — on its first row or on a bad row near the end, after most of
/// tweets.csv was written — leaves every earlier output as it was and no partial file.
#[test]
fn a_failed_run_keeps_earlier_outputs_and_leaves_no_partial_file() {
    let inputs = tempfile::tempdir().unwrap();
    let good = write(inputs.path(), "good.csv", &ten_event_cascades(2000));
    let late = {
        let mut t = std::fs::read_to_string(&good).unwrap();
        t.push_str("late,5,u1,not-a-number\n");
        write(inputs.path(), "late.csv", &t)
    };
    let early = write(
        inputs.path(),
        "early.csv",
        "cascade_id,time,user_id,followers\nc,x,u,1\n",
    );
    let out = tempfile::tempdir().unwrap();
    let o = |name: &str| out.path().join(name).to_str().unwrap().to_string();
    let args = [
        "--output",
        &o("tweets.csv"),
        "--users-output",
        &o("users.csv"),
        "--pairwise",
        &o("pairwise.csv"),
        "--summary",
        &o("summary.json"),
        "--batch-events",
        "1000",
    ];
    let (code, _, err) = influence(&good, &args);
    assert_eq!(code, 0, "{err}");
    let before = files(out.path());
    assert_eq!(before.len(), 4, "four outputs");

    for (bad, what) in [(&late, "late.csv:20002"), (&early, "early.csv:2")] {
        let (code, _, err) = influence(bad, &args);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(what), "located: {err}");
        assert_eq!(
            files(out.path()),
            before,
            "a failed run changes nothing in the output folder ({what})"
        );
    }

    // NetInf: a bad row leaves the edges file and the network as they were, too.
    let net_in = write(inputs.path(), "c.txt", "0,0\n1,1\n\n0,1.0,1,2.0\n1,x\n");
    let edges = write(out.path(), "edges.csv", "old edges\n");
    let code = cascadia()
        .args(["netinf", "-q", "--input"])
        .arg(&net_in)
        .arg("--output")
        .arg(&edges)
        .arg("--network-output")
        .arg(out.path().join("net.txt"))
        .output()
        .unwrap()
        .status
        .code();
    assert_eq!(code, Some(2));
    assert_eq!(std::fs::read_to_string(&edges).unwrap(), "old edges\n");
    assert!(
        !out.path().join("net.txt").exists(),
        "no partial network file"
    );
}

/// Ctrl-C (SIGINT) in the middle of a run: exit code 130, the earlier output intact, no
/// temporary left behind.
#[test]
#[cfg(unix)]
fn an_interrupted_run_keeps_earlier_outputs_and_leaves_no_partial_file() {
    use std::io::Write;
    use std::process::Stdio;
    let out = tempfile::tempdir().unwrap();
    let tweets = write(out.path(), "tweets.csv", "earlier results\n");
    let before = files(out.path());
    let bin = assert_cmd::cargo::cargo_bin("cascadia");
    let mut child = std::process::Command::new(bin)
        .args([
            "influence",
            "-q",
            "--input",
            "-",
            "--batch-events",
            "100",
            "--output",
        ])
        .arg(&tweets)
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Input that never ends: rows until the process is gone (then the write fails).
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let mut rows = String::from("cascade_id,time,user_id,followers\n");
        for c in 0u64.. {
            for k in 0..5 {
                rows.push_str(&format!("c{c},{k},u{},{}\n", (c + k) % 97, k));
            }
            if rows.len() > 1 << 16 {
                if stdin.write_all(rows.as_bytes()).is_err() {
                    return;
                }
                rows.clear();
            }
        }
    });
    // Wait until the run has written part of its output beside the target.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let now = files(out.path());
        if now.len() == 2
            && now
                .iter()
                .any(|(name, len, _)| name.ends_with(".partial") && *len > 0)
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no partial output appeared: {now:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    feeder.join().unwrap();
    assert_eq!(status.code(), Some(130), "exit code of an interrupted run");
    assert_eq!(
        files(out.path()),
        before,
        "the earlier output is intact and nothing else is left"
    );
}

/// A gzip input (`.csv.gz`, SNAP text too) reads as the plain file: the same outputs.
#[test]
fn gzip_inputs_read_as_the_plain_files() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let gz = |src: &Path, name: &str| {
        let p = dir.path().join(name);
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&p).unwrap(),
            flate2::Compression::fast(),
        );
        enc.write_all(&std::fs::read(src).unwrap()).unwrap();
        enc.finish().unwrap();
        p
    };
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample-retweets.csv");
    let (code, plain, err) = influence(&sample, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, zipped, err) = influence(&gz(&sample, "s.csv.gz"), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(zipped, plain, "influence: same tweets.csv");

    let snap = shared_dir().join("fixtures/netinf/hier256-pow-cascades.txt");
    let run = |input: &Path| {
        let out = cascadia()
            .args([
                "netinf", "-q", "--model", "pow", "--alpha", "2", "--edges", "50", "--input",
            ])
            .arg(input)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    assert_eq!(
        run(&gz(&snap, "c.txt.gz")),
        run(&snap),
        "netinf: same edges.csv"
    );
}

#[test]
fn survival_bad_input_is_located_and_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let nodes = "0,a\n1,b\n2,c\n\n";
    let cases: &[(&str, String, &[&str], &str)] = &[
        (
            "unknown.txt",
            format!("{nodes}0,0.0,1,1.0\n0,0.0,7,2.5\n"),
            &["--window", "10"],
            "unknown.txt:6: field `node (field 3)`: node \"7\" is not in the node block",
        ),
        (
            "negative.txt",
            format!("{nodes}0,-1.0,1,1.0\n"),
            &["--window", "10"],
            "negative.txt:5: field `time (field 2)`: negative time -1",
        ),
        (
            "word.txt",
            format!("{nodes}0,0.0,1,soon\n"),
            &["--window", "10"],
            "word.txt:5: field `time (field 4)`: expected a time in seconds",
        ),
        (
            "late.txt",
            format!("{nodes}0,0.0,1,11.0\n"),
            &["--window", "10"],
            "cascade \"0\", node \"1\" at time 11: after the observation window: the source is at 0 and the window is 10",
        ),
        (
            "window.txt",
            format!("{nodes}0,0.0,1,1.0\n"),
            &["--window", "0"],
            "parameter `--window` = 0: must be a finite number > 0",
        ),
        (
            "lambda.txt",
            format!("{nodes}0,0.0,1,1.0\n"),
            &["--model", "multiplicative", "--lambda", "-1"],
            "parameter `--lambda` = -1: must be a finite number >= 0",
        ),
        (
            "delta.txt",
            format!("{nodes}0,0.0,1,1.0\n"),
            &["--shape", "pow", "--delta", "0"],
            "parameter `--delta` = 0: must be a finite number > 0",
        ),
        (
            "zero.txt",
            format!("{nodes}0,0.0,1,0.5\n"),
            &["--shape", "pow", "--window", "10"],
            "cascade \"0\", node \"1\" at time 0.5: every earlier node is within δ = 1 of it: zero hazard",
        ),
    ];
    for (name, text, extra, expected) in cases {
        let p = write(d, name, text);
        let out_file = d.join(format!("{name}.rates.csv"));
        std::fs::write(&out_file, "old\n").unwrap();
        let out = cascadia()
            .args(["survival", "--quiet", "--input"])
            .arg(&p)
            .arg("--output")
            .arg(&out_file)
            .args(*extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(expected),
            "{name}: expected {expected:?} in {err:?}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(
            std::fs::read_to_string(&out_file).unwrap(),
            "old\n",
            "{name}: a failed run keeps the old output"
        );
    }
    // A truth network without rates.
    let data = write(d, "ok.txt", &format!("{nodes}0,0.0,1,1.0\n"));
    let truth = write(d, "truth.txt", "0,a\n1,b\n2,c\n\n0,1\n");
    let out = cascadia()
        .args(["survival", "-q", "--window", "10", "-o"])
        .arg(d.join("r.csv"))
        .arg("--input")
        .arg(&data)
        .arg("--truth")
        .arg(&truth)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("truth.txt: 1 of its 1 edges have no numeric third field"),
        "{err}"
    );
    assert!(!d.join("r.csv").exists());
}

/// The CLI on NetRate's demo: the accuracy table of the fixture README, every node optimal,
/// the summary, the network with rates, the plots; the multiplicative model on simulated
/// data; `validate`.
#[test]
fn survival_cli_reproduces_the_reference_and_simulates() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let f = shared_dir().join("fixtures/survival");
    let out = cascadia()
        .args(["survival", "--window", "10", "--input"])
        .arg(f.join("netrate-demo-cascades.txt"))
        .arg("--truth")
        .arg(f.join("netrate-demo-network.txt"))
        .arg("--output")
        .arg(d.join("rates.csv"))
        .arg("--nodes-output")
        .arg(d.join("nodes.csv"))
        .arg("--network-output")
        .arg(d.join("net.txt"))
        .arg("--summary")
        .arg(d.join("s.json"))
        .arg("--plot")
        .arg(d.join("plot"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("2042 true edges, 4707 inferred, 1714 true positives; precision 0.3641, recall 0.8394, edge accuracy 0.5079"), "{err}");
    let nodes = std::fs::read_to_string(d.join("nodes.csv")).unwrap();
    assert!(nodes.starts_with(
        "node,n_vars,n_terms,objective,stationarity,min_grad_off_support,iterations,status\n"
    ));
    let status = column(&nodes, "status");
    assert_eq!(status.len(), 1024);
    assert_eq!(status.iter().filter(|s| *s == "optimal").count(), 699);
    assert_eq!(status.iter().filter(|s| *s == "empty").count(), 325);
    let rates = std::fs::read_to_string(d.join("rates.csv")).unwrap();
    assert!(rates.starts_with("src,dst,alpha\n"));
    assert_eq!(rates.lines().count() - 1, 4715, "every nonzero rate");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("s.json")).unwrap()).unwrap();
    assert_eq!(s["stats"]["variables"], 277_064);
    assert_eq!(s["truth"]["true_positives"], 1714);
    let total = s["objective_total"].as_f64().unwrap();
    assert!(
        (total - 85904.82842303987).abs() / total < 1e-9,
        "sum of objectives {total}"
    );
    let net = std::fs::read_to_string(d.join("net.txt")).unwrap();
    assert_eq!(
        net.lines().filter(|l| l.split(',').count() == 3).count(),
        4707
    );
    for p in ["plot-pr.svg", "plot-fit.svg"] {
        let svg = std::fs::read_to_string(d.join(p)).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"), "{p}");
    }
    // Simulated: a rate network, multiplicative cascades, a fit and the predictive check.
    let g = d.join("g.txt");
    cascadia()
        .args([
            "synth",
            "graph",
            "--nodes",
            "32",
            "--alpha-range",
            "1,3",
            "--seed",
            "3",
            "-o",
        ])
        .arg(&g)
        .assert()
        .success();
    let c = d.join("c.txt");
    cascadia()
        .args([
            "synth",
            "cascades",
            "--survival",
            "multiplicative",
            "--window",
            "3",
            "--cascades",
            "300",
            "--network",
        ])
        .arg(&g)
        .arg("-o")
        .arg(&c)
        .assert()
        .success();
    let out = cascadia()
        .args([
            "survival",
            "--model",
            "multiplicative",
            "--lambda",
            "20",
            "--window",
            "3",
            "--min-rate",
            "0.1",
            "--input",
        ])
        .arg(&c)
        .arg("--truth")
        .arg(&g)
        .arg("-o")
        .arg(d.join("a.csv"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        std::fs::read_to_string(d.join("a.csv"))
            .unwrap()
            .starts_with("src,dst,a\n")
    );
    let out = cascadia()
        .args([
            "survival",
            "validate",
            "-q",
            "--model",
            "multiplicative",
            "--lambda",
            "20",
            "--window",
            "3",
            "--input",
        ])
        .arg(&c)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["validation"]["test_cascades"], 60);
    let ks = v["validation"]["ks_size"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&ks), "{v}");
}

#[test]
fn probabilities_bad_input_is_located_and_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let graph = write(d, "g.csv", "u,v,created\n1,2,\n2,3,5\n");
    let cases: &[(&str, &str, &str, &[&str], &str)] = &[
        (
            "empty.csv",
            "u,v,created\n1,2,\n",
            "user,action,time\n1,1,5\n\n2,1,6\n",
            &[],
            "empty.csv:3: an empty line",
        ),
        (
            "fields.csv",
            "u,v,created\n1,2,\n",
            "user,action,time\n1,1,5\n2,1\n",
            &[],
            "fields.csv:3: expected 3 fields as in the header, found 2",
        ),
        (
            "nan.csv",
            "u,v,created\n1,2,\n",
            "user,action,time\n1,x,5\n",
            &[],
            "nan.csv:2: field `action`: expected a number, found \"x\"",
        ),
        (
            "time.csv",
            "u,v,created\n1,2,\n",
            "user,action,time\n1,1,soon\n",
            &[],
            "time.csv:2: field `time`: expected a number, found \"soon\"",
        ),
        (
            "nolog.csv",
            "u,v,created\n1,2,\n",
            "user,action,time\n",
            &[],
            "nolog.csv: no usable rows",
        ),
        (
            "cols.csv",
            "u,v,created\n1,2,\n",
            "user,time\n1,5\n",
            &[],
            "cols.csv:1: missing column `action`",
        ),
        (
            "dupedge.csv",
            "u,v,created\n1,2,\n2,1,5\n",
            "user,action,time\n1,1,5\n",
            &[],
            "duplicate edge 2–1 (first on line 2)",
        ),
        (
            "loop.csv",
            "u,v,created\n1,1,\n",
            "user,action,time\n1,1,5\n",
            &[],
            "self-loop 1–1",
        ),
        (
            "absent.csv",
            "u,v,created\n1,2,\n",
            "user,action,time\n1,1,5\n2,1,6\n",
            &["--test-actions", "7"],
            "--test-actions names actions the log lacks: 7",
        ),
        (
            "notest.csv",
            "u,v,created\n1,2,\n",
            "user,action,time\n1,1,5\n2,1,6\n",
            &["--test-every", "5"],
            "the split has no test actions",
        ),
    ];
    for (name, g, log, extra, expected) in cases {
        let (gp, lp) = if name.contains("edge") || name.contains("loop") {
            (write(d, name, g), write(d, "log-ok.csv", log))
        } else {
            (graph.clone(), write(d, name, log))
        };
        let dir = d.join(format!("{name}.eval"));
        let out = cascadia()
            .args(["probabilities", "evaluate", "-q", "--graph"])
            .arg(&gp)
            .arg("--log")
            .arg(&lp)
            .arg("--output-dir")
            .arg(&dir)
            .args(*extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(expected),
            "{name}: expected {expected:?} in {err:?}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(!dir.join("auc.csv").exists(), "{name}: no partial output");
    }
    // --skip-invalid skips and reports; unknown users and duplicates are warnings with counts.
    let lp = write(
        d,
        "mixed.csv",
        "user,action,time\n1,1,5\n\n2,1\n9,1,6\n1,1,7\n2,1,6\n3,2,1\n",
    );
    let out = cascadia()
        .args([
            "probabilities",
            "learn",
            "--all-train",
            "--skip-invalid",
            "--graph",
        ])
        .arg(&graph)
        .arg("--log")
        .arg(&lp)
        .arg("-o")
        .arg(d.join("p.csv"))
        .arg("--log-issues")
        .arg(d.join("issues.csv"))
        .arg("--summary")
        .arg(d.join("s.json"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("1 log rows name users the graph lacks")
            && err.contains("1 repeated (user, action) rows")
            && err.contains("2 malformed log rows skipped"),
        "{err}"
    );
    let issues = std::fs::read_to_string(d.join("issues.csv")).unwrap();
    let kinds: Vec<String> = column(&issues, "kind");
    assert_eq!(
        kinds,
        ["empty_line", "field_count", "unknown_user", "duplicate"]
    );
    assert_eq!(column(&issues, "line"), ["3", "4", "5", "6"]);
    let p = std::fs::read_to_string(d.join("p.csv")).unwrap();
    assert_eq!(
        p.lines()
            .nth(1)
            .unwrap()
            .split(',')
            .take(3)
            .collect::<Vec<_>>(),
        ["1", "2", "1.0"],
        "1 -> 2 with bern 1"
    );
}

#[test]
fn probabilities_cli_reproduces_the_fixture_and_runs_on_synthetic_data() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let f = shared_dir().join("fixtures/probabilities");
    let out = cascadia()
        .args([
            "probabilities",
            "evaluate",
            "--test-actions",
            "4,5",
            "--plot",
            "--graph",
        ])
        .arg(f.join("graph.csv"))
        .arg("--log")
        .arg(f.join("log.csv"))
        .arg("--output-dir")
        .arg(d.join("eval"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = std::fs::read_to_string(d.join("eval/auc.csv")).unwrap();
    crate::probabilities::assert_table(
        "auc",
        &got,
        &std::fs::read_to_string(f.join("ref-auc.csv")).unwrap(),
    );
    let got = std::fs::read_to_string(d.join("eval/time.csv")).unwrap();
    crate::probabilities::assert_table(
        "time",
        &got,
        &std::fs::read_to_string(f.join("ref-time.csv")).unwrap(),
    );
    for p in [
        "roc.svg",
        "coverage.svg",
        "summary.json",
        "roc.csv",
        "cases.csv",
    ] {
        assert!(d.join("eval").join(p).exists(), "{p}");
    }
    // --models narrows the model tables (cases.csv keeps all twelve scores).
    let out = cascadia()
        .args([
            "probabilities",
            "evaluate",
            "-q",
            "--test-actions",
            "4,5",
            "--models",
            "bern,ct_bern",
            "--graph",
        ])
        .arg(f.join("graph.csv"))
        .arg("--log")
        .arg(f.join("log.csv"))
        .arg("--output-dir")
        .arg(d.join("eval2"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        column(
            &std::fs::read_to_string(d.join("eval2/auc.csv")).unwrap(),
            "model"
        ),
        ["bern", "ct_bern"]
    );
    assert_eq!(
        column(
            &std::fs::read_to_string(d.join("eval2/time.csv")).unwrap(),
            "model"
        ),
        ["ct_bern"]
    );
    let out = cascadia()
        .args(["probabilities", "learn", "--test-actions", "4,5", "--graph"])
        .arg(f.join("graph.csv"))
        .arg("--log")
        .arg(f.join("log.csv"))
        .arg("-o")
        .arg(d.join("probs.csv"))
        .arg("--counts")
        .arg(d.join("counts.csv"))
        .arg("--im-output")
        .arg(d.join("im.txt"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::probabilities::assert_table(
        "probs",
        &std::fs::read_to_string(d.join("probs.csv")).unwrap(),
        &std::fs::read_to_string(f.join("ref-probs.csv")).unwrap(),
    );
    crate::probabilities::assert_table(
        "counts",
        &std::fs::read_to_string(d.join("counts.csv")).unwrap(),
        &std::fs::read_to_string(f.join("ref-counts.csv")).unwrap(),
    );
    assert_eq!(
        std::fs::read_to_string(d.join("im.txt")).unwrap(),
        "1 2 0.5\n1 3 0.5\n2 3 0.5\n3 1 0.3333333333333333\n"
    );
    // Synthetic: graph, log and truth, then an evaluation.
    cascadia()
        .args([
            "synth",
            "action-log",
            "--users",
            "300",
            "--actions",
            "400",
            "--seed",
            "2",
            "--graph-output",
        ])
        .arg(d.join("sg.csv"))
        .arg("-o")
        .arg(d.join("sl.csv"))
        .arg("--truth")
        .arg(d.join("st.csv"))
        .assert()
        .success();
    let out = cascadia()
        .args(["probabilities", "evaluate", "-q", "--graph"])
        .arg(d.join("sg.csv"))
        .arg("--log")
        .arg(d.join("sl.csv"))
        .arg("--output-dir")
        .arg(d.join("se"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let auc = std::fs::read_to_string(d.join("se/auc.csv")).unwrap();
    assert_eq!(auc.lines().count(), 13);
}

/// `--windows`: per-cascade windows from a CSV; a listed window admits a later infection and
/// sets the censored exposure; unknown cascades and bad windows are located errors.
#[test]
fn survival_per_cascade_windows_from_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = write(d, "c.txt", "0,a\n1,b\n\n0,0,1,11\n0,0\n0,0,1,1\n");
    let run = |windows: &str| {
        let w = write(d, "w.csv", windows);
        cascadia()
            .args(["survival", "-q", "--window", "10", "-o", "-", "--input"])
            .arg(&data)
            .arg("--windows")
            .arg(&w)
            .output()
            .unwrap()
    };
    let out = run("cascade_id,window\n0,12\n1,4\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "src,dst,alpha\n0,1,0.125\n",
        "2 infections / (11 + 1 + 4)"
    );
    let out = run("cascade_id,window\n7,12\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("w.csv:2: field `cascade_id`: cascade \"7\" is not in the input")
    );
    let out = run("cascade_id,window\n0,-1\n");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("w.csv:2: field `window`: \"-1\" is not a number > 0")
    );
    let out = run("cascade_id,window\n1,4\n");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("node \"1\" at time 11: after the observation window"),
        "cascade 0 falls back to --window 10"
    );
}
