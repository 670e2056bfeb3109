//! Writers of a fit: `rates.csv` (one row per parameter), `nodes.csv` (one row per node with
//! its certificate), and the inferred network with rates in SNAP's format.

use std::io::Write;

use super::{Edge, NodeFit};
use crate::cascade::NodeCascades;

/// Appends `x` in its shortest round-trip form (`NaN` for NaN).
fn push_f64(line: &mut String, x: f64) {
    line.push_str(ryu::Buffer::new().format(x));
}

/// `src,dst,<value>` with one row per parameter in `edges` (`value_name`: `alpha` or `a`).
///
/// # Errors
/// What `w` fails with.
pub fn write_rates(
    w: &mut impl Write,
    data: &NodeCascades,
    edges: &[Edge],
    value_name: &str,
) -> std::io::Result<()> {
    writeln!(w, "src,dst,{value_name}")?;
    write_edge_lines(w, data, edges.iter())
}

/// One `src,dst,value` line per edge.
fn write_edge_lines<'a>(
    w: &mut impl Write,
    data: &NodeCascades,
    edges: impl Iterator<Item = &'a Edge>,
) -> std::io::Result<()> {
    let mut line = String::new();
    for e in edges {
        line.clear();
        line.push_str(data.id(e.src));
        line.push(',');
        line.push_str(data.id(e.dst));
        line.push(',');
        push_f64(&mut line, e.value);
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// `node,n_vars,n_terms,objective,stationarity,min_grad_off_support,iterations,status`.
///
/// # Errors
/// What `w` fails with.
pub fn write_nodes(
    w: &mut impl Write,
    data: &NodeCascades,
    nodes: &[NodeFit],
) -> std::io::Result<()> {
    writeln!(
        w,
        "node,n_vars,n_terms,objective,stationarity,min_grad_off_support,iterations,status"
    )?;
    let mut line = String::new();
    for n in nodes {
        line.clear();
        line.push_str(data.id(n.node));
        line.push_str(&format!(",{},{},", n.n_vars, n.n_terms));
        for v in [n.objective, n.stationarity, n.min_grad_off_support] {
            push_f64(&mut line, v);
            line.push(',');
        }
        line.push_str(&format!("{},{}\n", n.iterations, n.status.name()));
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// The network of the edges with `|value| > min_rate`: the node block of `data`, an empty
/// line, then `src,dst,value` lines (the format of NetRate's ground truth).
///
/// # Errors
/// What `w` fails with.
pub fn write_rate_network(
    w: &mut impl Write,
    data: &NodeCascades,
    edges: &[Edge],
    min_rate: f64,
) -> std::io::Result<()> {
    for i in 0..data.n_nodes() as u32 {
        writeln!(w, "{},{}", data.id(i), data.names[i as usize])?;
    }
    writeln!(w)?;
    write_edge_lines(w, data, edges.iter().filter(|e| e.value.abs() > min_rate))
}
