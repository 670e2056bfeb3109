//! NetInf's tables: `edges.csv` (the selected edges in selection order) and the
//! precision–recall table against a true network. Numbers are written as Rust's `Display`
//! writes f64 (shortest round-trip text); node ids as the input wrote them.

use std::io::Write;

use super::Inference;
use crate::cascade::NodeCascades;
use crate::io::network::TrueNetwork;
use crate::metrics::edges::{PrPoint, precision_recall};

/// Writes `edges.csv`: `rank,src,dst,gain,objective,bound,vol,median_dt,mean_dt,p_value`, one
/// row per selected edge in selection order (rank from 1).
///
/// # Errors
/// What `out` fails with.
pub fn write_edges(
    out: &mut impl Write,
    data: &NodeCascades,
    inference: &Inference,
) -> std::io::Result<()> {
    writeln!(
        out,
        "rank,src,dst,gain,objective,bound,vol,median_dt,mean_dt,p_value"
    )?;
    for (i, s) in inference.steps.iter().enumerate() {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            i + 1,
            data.id(s.src),
            data.id(s.dst),
            s.gain,
            s.objective,
            s.bound,
            s.vol,
            s.median_dt,
            s.mean_dt,
            s.p_value
        )?;
    }
    Ok(())
}

/// Precision and recall of `inference` against `truth` after every step, in selection order.
pub fn pr_curve(inference: &Inference, truth: &TrueNetwork) -> Vec<PrPoint> {
    let hits: Vec<bool> = inference
        .steps
        .iter()
        .map(|s| truth.edges.contains(&(s.src, s.dst)))
        .collect();
    precision_recall(&hits, truth.total)
}

/// Writes the precision–recall table: `k,src,dst,true_edge,precision,recall`, one row per
/// step (`curve` from [`pr_curve`]).
///
/// # Errors
/// What `out` fails with.
pub fn write_pr(
    out: &mut impl Write,
    data: &NodeCascades,
    inference: &Inference,
    truth: &TrueNetwork,
    curve: &[PrPoint],
) -> std::io::Result<()> {
    writeln!(out, "k,src,dst,true_edge,precision,recall")?;
    for (pt, s) in curve.iter().zip(&inference.steps) {
        writeln!(
            out,
            "{},{},{},{},{},{}",
            pt.k,
            data.id(s.src),
            data.id(s.dst),
            u8::from(truth.edges.contains(&(s.src, s.dst))),
            pt.precision,
            pt.recall
        )?;
    }
    Ok(())
}
