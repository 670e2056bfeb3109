//! Ground-truth metrics of a fitted network (spec `survival.md`, Metrics and Conventions):
//! precision, recall, edge accuracy, MSE over the union of true and inferred edges,
//! NetRate's MAE and NetRate's "precision" (|E_true| / |E_hat|, named as such).

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::Edge;

/// Metrics against a network with known parameters.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SurvivalMetrics {
    /// The edge threshold: an inferred edge is `|value| > min_rate`.
    pub min_rate: f64,
    /// True edges (all of the truth file, including any naming nodes the data lacks).
    pub true_edges: usize,
    /// Inferred edges.
    pub inferred_edges: usize,
    /// Inferred edges that are true.
    pub true_positives: usize,
    /// True positives / inferred edges (NaN: none inferred).
    pub precision: f64,
    /// True positives / true edges.
    pub recall: f64,
    /// `1 − Σ|I(α*) − I(α̂)| / (Σ I(α*) + Σ I(α̂))`.
    pub edge_accuracy: f64,
    /// Mean `(α* − α̂)²` over the union of true and inferred edges (raw α̂, 0 where absent).
    pub mse: f64,
    /// NetRate's "mae": mean `|α̂ − α*| / α*` over true edges (raw α̂).
    pub mae: f64,
    /// NetRate's "precision": `|E_true| / |E_hat|` — not true positives over inferred edges.
    pub netrate_pr: f64,
}

/// Computes the metrics of `edges` (any order; zeros allowed) against true parameters.
/// `true_edges` counts every edge of the truth file (the recall denominator).
pub fn metrics(
    edges: &[Edge],
    truth: &FxHashMap<(u32, u32), f64>,
    true_edges: usize,
    min_rate: f64,
) -> SurvivalMetrics {
    let fitted: FxHashMap<(u32, u32), f64> =
        edges.iter().map(|e| ((e.src, e.dst), e.value)).collect();
    let inferred = edges.iter().filter(|e| e.value.abs() > min_rate).count();
    let tp = edges
        .iter()
        .filter(|e| e.value.abs() > min_rate && truth.contains_key(&(e.src, e.dst)))
        .count();
    let mut sq = 0.0;
    let mut union = 0usize;
    let mut mae = 0.0;
    let mut keys: Vec<_> = truth.keys().copied().collect();
    keys.sort_unstable();
    for k in &keys {
        let a = truth[k];
        let f = fitted.get(k).copied().unwrap_or(0.0);
        sq += (a - f) * (a - f);
        union += 1;
        mae += (f - a).abs() / a.abs();
    }
    for e in edges {
        if e.value.abs() > min_rate && !truth.contains_key(&(e.src, e.dst)) {
            sq += e.value * e.value;
            union += 1;
        }
    }
    let fp = inferred - tp;
    let fn_ = true_edges - tp;
    SurvivalMetrics {
        min_rate,
        true_edges,
        inferred_edges: inferred,
        true_positives: tp,
        precision: tp as f64 / inferred as f64,
        recall: tp as f64 / true_edges as f64,
        edge_accuracy: 1.0 - (fp + fn_) as f64 / (true_edges + inferred) as f64,
        mse: if union == 0 { 0.0 } else { sq / union as f64 },
        mae: if keys.is_empty() {
            f64::NAN
        } else {
            mae / keys.len() as f64
        },
        netrate_pr: true_edges as f64 / inferred as f64,
    }
}
