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

/// The edges table as [`write_edges`] writes it (same rows), typed.
#[cfg(feature = "columnar")]
pub fn edges_record_batch(data: &NodeCascades, inference: &Inference) -> arrow_array::RecordBatch {
    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use arrow_schema::DataType;
    use std::sync::Arc;
    let schema = crate::io::columnar::schema(&[
        ("rank", DataType::Int64),
        ("src", DataType::Utf8),
        ("dst", DataType::Utf8),
        ("gain", DataType::Float64),
        ("objective", DataType::Float64),
        ("bound", DataType::Float64),
        ("vol", DataType::Int64),
        ("median_dt", DataType::Float64),
        ("mean_dt", DataType::Float64),
        ("p_value", DataType::Float64),
    ]);
    let steps = &inference.steps;
    let f = |g: fn(&super::Step) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(steps.iter().map(g)))
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(1..=steps.len() as i64)),
        Arc::new(StringArray::from_iter_values(
            steps.iter().map(|s| data.id(s.src)),
        )),
        Arc::new(StringArray::from_iter_values(
            steps.iter().map(|s| data.id(s.dst)),
        )),
        f(|s| s.gain),
        f(|s| s.objective),
        f(|s| s.bound),
        Arc::new(Int64Array::from_iter_values(
            steps.iter().map(|s| i64::from(s.vol)),
        )),
        f(|s| s.median_dt),
        f(|s| s.mean_dt),
        f(|s| s.p_value),
    ];
    RecordBatch::try_new(schema, columns).expect("columns match the schema")
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
