//! Network recovery metrics: precision and recall after every inferred edge, the
//! break-even point and the area under the precision–recall curve (plotted by
//! [`crate::plots::pr_svg`]).

use serde::Serialize;

/// Precision and recall after the first `k` inferred edges.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PrPoint {
    /// Edges inferred so far.
    pub k: usize,
    /// How many of them are true edges.
    pub true_positives: usize,
    /// `true_positives / k`.
    pub precision: f64,
    /// `true_positives / |true edges|`.
    pub recall: f64,
}

/// Precision and recall after every step, in selection order (`hits[i]`: whether the i-th
/// inferred edge is a true one). Unlike SNAP's table, nothing is re-sorted or dropped.
pub fn precision_recall(hits: &[bool], n_true: usize) -> Vec<PrPoint> {
    let mut tp = 0;
    hits.iter()
        .enumerate()
        .map(|(i, &hit)| {
            tp += usize::from(hit);
            PrPoint {
                k: i + 1,
                true_positives: tp,
                precision: tp as f64 / (i + 1) as f64,
                recall: if n_true == 0 {
                    0.0
                } else {
                    tp as f64 / n_true as f64
                },
            }
        })
        .collect()
}

/// The break-even point: precision where it equals recall. With `k` edges inferred,
/// `P = TP/k` and `R = TP/|E|` meet at `k = |E|`; `None` if fewer edges were inferred.
pub fn break_even(curve: &[PrPoint], n_true: usize) -> Option<f64> {
    if n_true == 0 {
        return None;
    }
    curve.get(n_true - 1).map(|p| p.precision)
}

/// Area under the precision–recall curve as average precision: `Σ_k P_k · (R_k − R_{k−1})`
/// (each true edge adds its precision / |E|), from recall 0 to the final recall.
pub fn area_under_pr(curve: &[PrPoint]) -> f64 {
    let mut prev = 0.0;
    let mut area = 0.0;
    for p in curve {
        area += p.precision * (p.recall - prev);
        prev = p.recall;
    }
    area
}

/// How well an inferred network (its edges in selection order) recovers a true one: the
/// `truth` object of NetInf's JSON summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TruthMetrics {
    /// Distinct edges of the true network (the recall denominator).
    pub true_edges: usize,
    /// True edges naming a node the data lacks (never recoverable).
    pub true_edges_with_unknown_nodes: usize,
    /// Inferred edges that are true edges.
    pub true_positives: usize,
    /// Precision after the last step (`None` with no edge inferred).
    pub precision: Option<f64>,
    /// Recall after the last step (`None` with no edge inferred).
    pub recall: Option<f64>,
    /// [`break_even`]: precision at `k = |E|`, `None` if fewer edges were inferred.
    pub break_even_point: Option<f64>,
    /// [`area_under_pr`].
    pub area_under_pr: f64,
}

impl TruthMetrics {
    /// The metrics of a precision–recall `curve` against a network of `true_edges` edges, of
    /// which `unknown` name nodes the data lacks.
    pub fn new(curve: &[PrPoint], true_edges: usize, unknown: usize) -> Self {
        let last = curve.last().copied();
        TruthMetrics {
            true_edges,
            true_edges_with_unknown_nodes: unknown,
            true_positives: last.map_or(0, |p| p.true_positives),
            precision: last.map(|p| p.precision),
            recall: last.map(|p| p.recall),
            break_even_point: break_even(curve, true_edges),
            area_under_pr: area_under_pr(curve),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_break_even_and_area_on_a_hand_example() {
        // 3 true edges; inferred: hit, miss, hit, hit.
        let c = precision_recall(&[true, false, true, true], 3);
        assert_eq!(c[1].precision, 0.5);
        assert_eq!(c[3].recall, 1.0);
        assert_eq!(break_even(&c, 3), Some(2.0 / 3.0));
        assert_eq!(break_even(&c, 5), None);
        let ap = (1.0 + 2.0 / 3.0 + 3.0 / 4.0) / 3.0;
        assert!((area_under_pr(&c) - ap).abs() < 1e-15);
    }
}
