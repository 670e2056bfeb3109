//! The predictive check of Sec. 5: fit on a training share of the cascades, simulate from the
//! held-out cascades' sources with the fitted model and the same window, and compare the
//! distributions of cascade size and duration with the held-out set (two-sample
//! Kolmogorov–Smirnov distances).

use serde::Serialize;

use super::simulate::{RateNetwork, SimConfig, cascade, rng_for};
use super::{SurvivalValidParams, fit};
use crate::cascade::NodeCascades;
use crate::error::Result;
use crate::progress::Progress;

/// The outcome of a predictive check.
#[derive(Clone, Debug, Serialize)]
pub struct Validation {
    /// Cascades fitted on.
    pub train_cascades: usize,
    /// Held-out cascades.
    pub test_cascades: usize,
    /// Cascades simulated from the held-out sources.
    pub simulated_cascades: usize,
    /// Nonzero parameters of the fitted model.
    pub fitted_edges: usize,
    /// Nodes whose fit did not reach the certificate.
    pub not_optimal: usize,
    /// KS distance between held-out and simulated cascade sizes.
    pub ks_size: f64,
    /// KS distance between held-out and simulated durations (last − first infection).
    pub ks_duration: f64,
    /// Mean size: held-out, simulated.
    pub mean_size: (f64, f64),
    /// Mean duration: held-out, simulated.
    pub mean_duration: (f64, f64),
}

/// The two-sample Kolmogorov–Smirnov distance `sup |F_a − F_b|` (0 if either is empty).
pub fn ks_distance(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Runs the check: cascade `c` is held out when `c mod k == k − 1` with `k = round(1 /
/// test_fraction)` (every fifth by default); `replicates` simulations per held-out cascade.
///
/// # Errors
/// What [`fit`] returns.
pub fn validate(
    data: &NodeCascades,
    params: &SurvivalValidParams,
    test_fraction: f64,
    replicates: usize,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Validation> {
    let k = (1.0 / test_fraction).round().max(2.0) as usize;
    let mut train = NodeCascades {
        nodes: data.nodes.clone(),
        names: data.names.clone(),
        ..Default::default()
    };
    let mut test = Vec::new();
    let mut train_windows = Vec::new();
    let own = |c: usize| {
        params
            .windows
            .as_ref()
            .map(|w| w[c])
            .filter(|t| !t.is_nan())
    };
    for (c, casc) in data.cascades.iter().enumerate() {
        if c % k == k - 1 {
            test.push((c, casc));
        } else {
            train_windows.push(own(c).unwrap_or(f64::NAN));
            train.cascades.begin_cascade(casc.name);
            for (t, u) in casc.times.iter().zip(casc.users) {
                train.cascades.push_event(*t, 0.0, *u)?;
            }
            train.cascades.finish_cascade(crate::cascade::Dedupe::None);
        }
    }
    let mut train_params = (**params).clone();
    if train_params.windows.is_some() {
        train_params.windows = Some(train_windows);
    }
    let train_params = train_params.check()?;
    let fitted = fit(&train, &train_params, progress)?;
    let edges: Vec<(u32, u32, f64)> = fitted
        .edges
        .iter()
        .map(|e| (e.src, e.dst, e.value))
        .collect();
    let net = RateNetwork::new(data.n_nodes(), &edges);
    let (mut size_test, mut dur_test, mut size_sim, mut dur_sim) = (vec![], vec![], vec![], vec![]);
    for (c, &(orig, casc)) in test.iter().enumerate() {
        let (Some(&t0), Some(&last)) = (casc.times.first(), casc.times.last()) else {
            continue;
        };
        size_test.push(casc.len() as f64);
        dur_test.push(last - t0);
        let cfg = SimConfig {
            model: params.model,
            window: own(orig).or(params.window).unwrap_or(last - t0),
        };
        for r in 0..replicates {
            let mut rng = rng_for(seed, (c * replicates + r) as u64);
            let sim = cascade(&net, &cfg, casc.users[0].0, t0, &mut rng);
            size_sim.push(sim.len() as f64);
            dur_sim.push(sim.last().map_or(0.0, |e| e.1 - t0));
        }
    }
    Ok(Validation {
        train_cascades: train.cascades.len(),
        test_cascades: test.len(),
        simulated_cascades: size_sim.len(),
        fitted_edges: edges.len(),
        not_optimal: fitted.stats.not_optimal,
        ks_size: ks_distance(&size_test, &size_sim),
        ks_duration: ks_distance(&dur_test, &dur_sim),
        mean_size: (mean(&size_test), mean(&size_sim)),
        mean_duration: (mean(&dur_test), mean(&dur_sim)),
    })
}
