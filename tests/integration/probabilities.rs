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
    let cases = evaluate::cases(&g, &log, &c);
    assert_table(
        "cases",
        &table(|w| write_cases(w, &g, &log, &cases)),
        &fixture("ref-cases.csv.gz"),
    );
    let curves = curves(&cases);
    assert_table(
        "auc",
        &table(|w| write_auc(w, &cases, &curves)),
        &fixture("ref-auc.csv"),
    );
    assert_table(
        "roc",
        &table(|w| write_roc(w, &curves)),
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
