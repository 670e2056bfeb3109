//! Network files: SNAP's node block of `id,name` lines, one empty line, then `src,dst[,alpha]`
//! lines (ground truth, inferred networks, rates): read with located errors, written to any
//! `Write`.

use std::io::Write;
use std::path::Path;

use rustc_hash::FxHashSet;

use super::snap_text::{Lines, err, node_block, open, read_node_block};
use crate::cascade::{Interner, NodeCascades};
use crate::error::{InputErrorKind, Result};

/// A ground-truth network, resolved against the nodes of a data set.
#[derive(Clone, Debug, Default)]
pub struct TrueNetwork {
    /// Edges whose endpoints both occur in the data's node list, as node indices.
    pub edges: FxHashSet<(u32, u32)>,
    /// All distinct edges of the file (the recall denominator), including those naming
    /// nodes the data lacks.
    pub total: usize,
    /// Distinct edges naming a node the data lacks (they can never be recovered).
    pub unknown_endpoint: usize,
    /// The third field (a rate α) of the edges that have one, by edge (known nodes only).
    pub rates: rustc_hash::FxHashMap<(u32, u32), f64>,
    /// Distinct edges that have a numeric third field (known or unknown nodes).
    pub with_rate: usize,
}

/// Reads a network file (node block, empty line, `src,dst[,alpha]`) and resolves its edges
/// against `nodes`.
///
/// # Errors
/// A missing empty line, an edge line with fewer than two fields, an edge naming a node its
/// own node block lacks: each with file and line.
pub fn read_network(path: &Path, nodes: &Interner) -> Result<TrueNetwork> {
    let mut lines = Lines {
        reader: open(path)?,
        buf: String::new(),
        line: 0,
    };
    let mut own = Interner::new();
    let mut names = Vec::new();
    read_node_block(
        &mut lines,
        path,
        &mut own,
        &mut names,
        "a network file is `id,name` node lines, one empty line, then `src,dst[,alpha]` lines",
    )?;
    let mut net = TrueNetwork::default();
    let mut all: FxHashSet<(String, String)> = FxHashSet::default();
    loop {
        let line = lines.line + 1;
        let Some(text) = lines.next(path)? else { break };
        if text.trim().is_empty() {
            continue;
        }
        let mut fields = text.split(',').map(str::trim);
        let (Some(src), Some(dst)) = (fields.next(), fields.next()) else {
            return Err(err(
                path,
                line,
                None,
                InputErrorKind::Layout(format!("expected `src,dst[,alpha]`, found {text:?}")),
            ));
        };
        for (id, field) in [(src, "src"), (dst, "dst")] {
            if own.get(id).is_none() {
                return Err(err(
                    path,
                    line,
                    Some(field),
                    InputErrorKind::UnknownNode {
                        node: id.to_string(),
                    },
                ));
            }
        }
        if !all.insert((src.to_string(), dst.to_string())) {
            continue;
        }
        let rate = fields
            .next()
            .and_then(|a| a.parse::<f64>().ok())
            .filter(|a| a.is_finite());
        if rate.is_some() {
            net.with_rate += 1;
        }
        match (nodes.get(src), nodes.get(dst)) {
            (Some(u), Some(v)) => {
                net.edges.insert((u.0, v.0));
                if let Some(a) = rate {
                    net.rates.insert((u.0, v.0), a);
                }
            }
            _ => net.unknown_endpoint += 1,
        }
    }
    net.total = all.len();
    Ok(net)
}

/// Writes a network in SNAP's format: the node block of `data`, an empty line, then one
/// `src,dst` line per edge in the given order.
///
/// # Errors
/// What `w` fails with.
pub fn write_network(
    w: &mut impl Write,
    data: &NodeCascades,
    edges: impl IntoIterator<Item = (u32, u32)>,
) -> std::io::Result<()> {
    for i in 0..data.n_nodes() as u32 {
        writeln!(w, "{},{}", data.id(i), data.names[i as usize])?;
    }
    writeln!(w)?;
    for (u, v) in edges {
        writeln!(w, "{},{}", data.id(u), data.id(v))?;
    }
    Ok(())
}

/// Writes a network over nodes `0..n_nodes` with one parameter per edge (node block, empty
/// line, `src,dst,alpha`).
///
/// # Errors
/// What `w` fails with.
pub fn write_rate_edges(
    w: &mut impl Write,
    n_nodes: usize,
    edges: &[(u32, u32, f64)],
) -> std::io::Result<()> {
    node_block(w, n_nodes)?;
    for (u, v, a) in edges {
        writeln!(w, "{u},{v},{a}")?;
    }
    Ok(())
}
