//! Shared test helpers.

use std::path::PathBuf;

/// `../shared` beside the repository, or `CASCADIA_SHARED`. Missing fixtures fail the test.
pub fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("CASCADIA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        dir.join("fixtures").is_dir(),
        "shared fixtures not found at {} (set CASCADIA_SHARED)",
        dir.display()
    );
    dir
}

/// A tolerance: `|a − b| <= rel · max(|a|, |b|) + abs`.
#[derive(Clone, Copy, Debug)]
pub struct Tol {
    pub rel: f64,
    pub abs: f64,
}

impl Tol {
    /// f64 algorithms against each other and against the f64 golden files (spec: 1e-9
    /// relative, 1e-12 absolute near zero).
    pub const F64: Tol = Tol {
        rel: 1e-9,
        abs: 1e-12,
    };
}

/// Asserts that two vectors agree within `tol`, reporting the worst index, both values and
/// the tolerance.
#[track_caller]
pub fn assert_close(actual: &[f64], expected: &[f64], tol: Tol, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    let mut worst: Option<(usize, f64)> = None;
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let ok = if a.is_nan() || e.is_nan() {
            false
        } else {
            (a - e).abs() <= tol.rel * a.abs().max(e.abs()) + tol.abs
        };
        if !ok {
            let excess = (a - e).abs() / (tol.rel * a.abs().max(e.abs()) + tol.abs);
            if worst.is_none_or(|(_, w)| excess > w || excess.is_nan()) {
                worst = Some((i, excess));
            }
        }
    }
    if let Some((i, _)) = worst {
        panic!(
            "{what}: worst mismatch at index {i}: actual {:e}, expected {:e}, tolerance rel {:e} abs {:e}",
            actual[i], expected[i], tol.rel, tol.abs
        );
    }
}

/// The shared GPU context, or `None` (with a loud line) when no adapter exists. With
/// `CASCADIA_REQUIRE_GPU=1` (set by .ci/run, which installs lavapipe) a missing adapter fails.
pub fn gpu() -> Option<std::sync::Arc<cascadia::gpu::Context>> {
    match cascadia::gpu::Context::shared() {
        Ok(ctx) => Some(ctx),
        Err(e) => {
            if std::env::var("CASCADIA_REQUIRE_GPU").is_ok_and(|v| v == "1") {
                panic!("CASCADIA_REQUIRE_GPU=1 but no usable GPU: {e}");
            }
            eprintln!("skipped: no GPU adapter ({e})");
            None
        }
    }
}
