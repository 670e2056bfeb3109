//! Cascades over a node list: SNAP's NetInf text format and the long CSV
//! `cascade_id,node,time` (the input of NetInf and the survival models).
//!
//! SNAP text: a node block of `id,name` lines, one empty line, then one cascade per line as
//! `id,time,id,time,…` (pairs in any order; CRLF accepted). Network files, which share the
//! node block, are in [`super::network`].

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use super::groups::Groups;
use crate::cascade::CascadeBuilder;
use crate::cascade::Interner;
use crate::cascade::NodeCascades;
use crate::error::{Error, InputError, InputErrorKind, Location, Result};

/// Which cascade format a NetInf input is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NetInfFormat {
    /// Decide from the first line: a header naming `cascade_id` means CSV.
    #[default]
    Auto,
    /// SNAP's text format (node block, empty line, one cascade per line).
    Snap,
    /// Long CSV with a header `cascade_id,node,time` (any column order, extra columns ignored).
    Csv,
    /// Parquet with the long CSV's columns (needs the `columnar` feature).
    Parquet,
    /// Arrow IPC (file or stream) with the long CSV's columns (needs the `columnar` feature).
    Arrow,
}

pub(super) fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let (reader, _) = super::open_input(path)?;
    Ok(Box::new(BufReader::with_capacity(1 << 20, reader)))
}

pub(super) fn err(path: &Path, line: u64, field: Option<&str>, kind: InputErrorKind) -> Error {
    let mut loc = Location::line(path, line);
    if let Some(f) = field {
        loc = loc.with_field(f);
    }
    InputError::new(loc, kind).into()
}

/// Reads a NetInf input in `format` (auto-detected from its first line by default).
///
/// # Errors
/// Located input errors (file, line, field), I/O errors.
pub fn read_netinf(path: &Path, format: NetInfFormat) -> Result<NodeCascades> {
    let format = match format {
        NetInfFormat::Auto if path.as_os_str() == "-" => NetInfFormat::Snap,
        NetInfFormat::Auto => match super::columnar_format(path) {
            Some(super::Format::Parquet) => NetInfFormat::Parquet,
            Some(_) => NetInfFormat::Arrow,
            None if super::header_has(&super::first_line(path)?, "cascade_id") => NetInfFormat::Csv,
            None => NetInfFormat::Snap,
        },
        f => f,
    };
    match format {
        NetInfFormat::Csv => read_long_csv(path),
        NetInfFormat::Parquet | NetInfFormat::Arrow => read_columnar(path, format),
        _ => read_snap(path),
    }
}

#[cfg(feature = "columnar")]
fn read_columnar(path: &Path, format: NetInfFormat) -> Result<NodeCascades> {
    use super::columnar::{Batches, Columnar, read_node_cascades};
    let kind = if format == NetInfFormat::Parquet {
        Columnar::Parquet
    } else {
        Columnar::Arrow
    };
    read_node_cascades(Batches::open(path, kind)?)
}

#[cfg(not(feature = "columnar"))]
fn read_columnar(path: &Path, _format: NetInfFormat) -> Result<NodeCascades> {
    Err(err(
        path,
        1,
        None,
        InputErrorKind::UnknownFormat(
            "this build of cascadia has no Parquet/Arrow support (the `columnar` feature)".into(),
        ),
    ))
}

/// Iterates over the lines of a reader, stripping `\r\n`, with 1-based line numbers.
pub(super) struct Lines {
    pub(super) reader: Box<dyn BufRead>,
    pub(super) buf: String,
    /// Number of the last line read.
    pub(super) line: u64,
}

impl Lines {
    /// The next line without its line end; `None` at the end of the input.
    pub(super) fn next(&mut self, path: &Path) -> Result<Option<&str>> {
        self.buf.clear();
        let n = self
            .reader
            .read_line(&mut self.buf)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::InvalidData => err(
                    path,
                    self.line + 1,
                    None,
                    InputErrorKind::Csv("the line is not valid UTF-8".into()),
                ),
                _ => Error::io(path, e),
            })?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        Ok(Some(self.buf.trim_end_matches(['\n', '\r'])))
    }
}

/// Reads the node block (up to the first empty line) into `nodes`/`names`; `rest` says what
/// the file holds after the empty line, for the error when there is none.
pub(super) fn read_node_block(
    lines: &mut Lines,
    path: &Path,
    nodes: &mut Interner,
    names: &mut Vec<String>,
    rest: &str,
) -> Result<()> {
    loop {
        let line = lines.line + 1;
        let Some(text) = lines.next(path)? else {
            return Err(err(
                path,
                lines.line.max(1),
                None,
                InputErrorKind::Layout(format!("no empty line after the node block: {rest}")),
            ));
        };
        if text.trim().is_empty() {
            return Ok(());
        }
        let (id, name) = match text.split_once(',') {
            Some((id, name)) => (id.trim(), name.trim()),
            None => (text.trim(), text.trim()),
        };
        if nodes.get(id).is_some() {
            return Err(err(
                path,
                line,
                Some("id"),
                InputErrorKind::DuplicateNodeId(id.to_string()),
            ));
        }
        nodes.intern(id);
        names.push(if name.is_empty() { id } else { name }.to_string());
    }
}

/// Reads SNAP's text format.
///
/// # Errors
/// An unknown node id, a non-numeric time, an odd number of fields, a missing empty line
/// after the node block, an input without cascades: each with file and line.
pub fn read_snap(path: &Path) -> Result<NodeCascades> {
    let mut lines = Lines {
        reader: open(path)?,
        buf: String::new(),
        line: 0,
    };
    let mut data = NodeCascades::default();
    read_node_block(
        &mut lines,
        path,
        &mut data.nodes,
        &mut data.names,
        "the NetInf format is `id,name` node lines, one empty line, then one cascade per line as `id,time,id,time,…`",
    )?;
    let mut builder = CascadeBuilder::default();
    let mut empty_lines: Vec<u64> = Vec::new();
    loop {
        let line = lines.line + 1;
        let Some(text) = lines.next(path)? else { break };
        if text.trim().is_empty() {
            empty_lines.push(line);
            continue;
        }
        let fields: Vec<&str> = text.split(',').collect();
        if fields.len() % 2 == 1 {
            return Err(err(
                path,
                line,
                None,
                InputErrorKind::OddFieldCount {
                    found: fields.len(),
                },
            ));
        }
        for (p, pair) in fields.chunks_exact(2).enumerate() {
            let id = pair[0].trim();
            let node = data.nodes.get(id).ok_or_else(|| {
                err(
                    path,
                    line,
                    Some(&format!("node (field {})", 2 * p + 1)),
                    InputErrorKind::UnknownNode {
                        node: id.to_string(),
                    },
                )
            })?;
            let t = super::parse_time(pair[1])
                .map_err(|k| err(path, line, Some(&format!("time (field {})", 2 * p + 2)), k))?;
            builder.push(node.0, t);
        }
        let name = data.cascades.len().to_string();
        data.duplicates += builder.finish(&name, &mut data.cascades);
    }
    // A single trailing empty line is how many files end; anything else is reported.
    if let Some(&last) = empty_lines.last()
        && last == lines.line
    {
        empty_lines.pop();
    }
    if !empty_lines.is_empty() {
        data.warnings.push(format!(
            "{}: skipped {} empty cascade line(s), first at line {}",
            path.display(),
            empty_lines.len(),
            empty_lines[0]
        ));
    }
    if data.cascades.is_empty() {
        return Err(err(
            path,
            lines.line.max(1),
            None,
            InputErrorKind::Layout("the file has no cascades after the node block".into()),
        ));
    }
    Ok(data)
}

/// Reads a long CSV with a header naming `cascade_id`, `node` and `time` (aliases: `user_id`
/// or `cascade_node` for the node, `event_time` for the time). Rows of one cascade may be
/// interleaved with others; cascades keep the order of their first row, nodes the order of
/// their first appearance.
///
/// # Errors
/// Missing columns, wrong field counts, bad times: each with file, line and field.
pub fn read_long_csv(path: &Path) -> Result<NodeCascades> {
    let mut rows = super::rows::RowSource::open(path, super::rows::general_only())?;
    let hint = "a NetInf CSV needs cascade_id,node,time";
    let c_col = rows.require("cascade_id", &["cascade_id"], hint)?;
    let n_col = rows.require("node", NODE_COLUMNS, hint)?;
    let t_col = rows.require("time", TIME_COLUMNS, hint)?;
    let t_name = rows.header()[t_col].clone();

    let mut long = LongCascades::default();
    while rows.read_record()? {
        rows.check_field_count()?;
        let [cid, node, time] = rows.fields([c_col, n_col, t_col]);
        let t = super::parse_time(time).map_err(|k| InputError::new(rows.at(&t_name), k))?;
        long.push(cid, node, t);
    }
    if rows.rows() == 0 {
        return Err(err(path, 1, None, InputErrorKind::Empty));
    }
    Ok(long.finish())
}

/// The names the node column of a NetInf long table may have.
pub(crate) const NODE_COLUMNS: &[&str] = &["node", "user_id", "cascade_node", "node_name"];
/// The names the time column of a NetInf long table may have.
pub(crate) const TIME_COLUMNS: &[&str] = &["time", "event_time"];

/// A NetInf long table, row by row, whatever its format: cascades in order of their first row
/// (rows of one cascade may interleave with others), nodes in order of first appearance, a
/// node seen twice in a cascade keeps its last time (as SNAP).
#[derive(Debug)]
pub(crate) struct LongCascades {
    data: NodeCascades,
    cascades: Groups<CascadeBuilder>,
}

impl Default for LongCascades {
    fn default() -> Self {
        LongCascades {
            data: NodeCascades::default(),
            cascades: Groups::new(),
        }
    }
}

impl LongCascades {
    /// Adds the infection of `node` at `time` in `cascade`.
    pub(crate) fn push(&mut self, cascade: &str, node: &str, time: f64) {
        if self.data.nodes.get(node).is_none() {
            self.data.names.push(node.to_string());
        }
        let id = self.data.nodes.intern(node);
        self.cascades.entry(cascade).push(id.0, time);
    }

    /// The cascades and nodes read.
    pub(crate) fn finish(self) -> NodeCascades {
        let mut data = self.data;
        for (name, mut b) in self.cascades.into_vec() {
            if !b.is_empty() {
                data.duplicates += b.finish(&name, &mut data.cascades);
            }
        }
        data
    }
}

pub(super) fn node_block(w: &mut impl Write, n_nodes: usize) -> std::io::Result<()> {
    for i in 0..n_nodes {
        writeln!(w, "{i},{i}")?;
    }
    writeln!(w)
}

/// Writes generated cascades over nodes `0..n_nodes` in SNAP's text format.
///
/// # Errors
/// What `w` fails with.
pub fn write_snap_cascades(
    w: &mut impl Write,
    n_nodes: usize,
    cascades: &[Vec<(u32, f64)>],
) -> std::io::Result<()> {
    node_block(w, n_nodes)?;
    for c in cascades {
        let mut first = true;
        for &(v, t) in c {
            if !first {
                w.write_all(b",")?;
            }
            first = false;
            write!(w, "{v},{t}")?;
        }
        writeln!(w)?;
    }
    Ok(())
}
