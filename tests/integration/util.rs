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

/// The shared GPU context. GPU tests carry `#[cfg_attr(cascadia_no_vulkan, ignore = …)]`:
/// where the build found no Vulkan driver (`build.rs`) they are reported as ignored, and
/// everywhere else they run, so a missing or unusable adapter fails them here.
#[track_caller]
pub fn gpu() -> std::sync::Arc<cascadia::gpu::Context> {
    cascadia::gpu::Context::shared().unwrap_or_else(|e| {
        panic!(
            "a Vulkan driver is installed (or CASCADIA_REQUIRE_GPU=1) but no usable GPU adapter: {e}"
        )
    })
}

/// For tests that cover CPU engines too: the shared context, or `None` (said on stderr)
/// where the build found no Vulkan driver.
pub fn gpu_if_present() -> Option<std::sync::Arc<cascadia::gpu::Context>> {
    if cfg!(cascadia_no_vulkan) {
        eprintln!("no Vulkan driver: GPU engines left out of this test");
        None
    } else {
        Some(gpu())
    }
}

/// The number of proptest cases for a property that runs `default` cases, scaled by the one
/// knob `PROPTEST_CASES` (the count of a standard 256-case property: `PROPTEST_CASES=1024`
/// runs every property four times as long). proptest reads the variable itself only for
/// properties without a `with_cases`; every property here has one.
pub fn cases(default: u32) -> u32 {
    match std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        Some(n) => (u64::from(default) * n / 256).clamp(1, u64::from(u32::MAX)) as u32,
        None => default,
    }
}

/// Parameters a test builds, checked (a test's parameters are valid by construction; an
/// invalid one is a bug in the test).
pub trait Check: Clone {
    /// The checked type.
    type Valid;
    /// `self.clone().check()`, expected to pass.
    fn valid(&self) -> Self::Valid;
}

impl Check for cascadia::influence::InfluenceParams {
    type Valid = cascadia::influence::InfluenceValidParams;
    #[track_caller]
    fn valid(&self) -> Self::Valid {
        self.clone().check().expect("valid test parameters")
    }
}

impl Check for cascadia::netinf::NetInfParams {
    type Valid = cascadia::netinf::NetInfValidParams;
    #[track_caller]
    fn valid(&self) -> Self::Valid {
        self.clone().check().expect("valid test parameters")
    }
}

/// [`Check::valid`] as a function, for call sites.
#[track_caller]
pub fn valid<P: Check>(p: &P) -> P::Valid {
    p.valid()
}
