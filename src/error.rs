//! Typed errors of the library: bad input (located), bad parameters, I/O.
//!
//! Every input error carries a [`Location`] (file, line, field), so that a message reads
//! `data.csv:12: field `time`: expected a number, found "abc"`, and says what to do.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input a problem was found: a path, a 1-based line, a field name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The input file (or `-` for standard input).
    pub path: PathBuf,
    /// 1-based line number, when the problem sits on one line.
    pub line: Option<u64>,
    /// The column or JSON field, when one is at fault.
    pub field: Option<String>,
    /// 1-based row number of a columnar input (Parquet, Arrow), which has no lines.
    pub row: Option<u64>,
}

impl Location {
    /// A location naming only a file.
    pub fn file(path: &Path) -> Self {
        Location {
            path: path.to_path_buf(),
            line: None,
            field: None,
            row: None,
        }
    }

    /// A location naming a row of a columnar input (Parquet, Arrow; 1-based).
    pub fn row(path: &Path, row: u64) -> Self {
        Location {
            row: Some(row),
            ..Location::file(path)
        }
    }

    /// A location naming a file and a line.
    pub fn line(path: &Path, line: u64) -> Self {
        Location {
            path: path.to_path_buf(),
            line: Some(line),
            field: None,
            row: None,
        }
    }

    /// The same location, narrowed to a field.
    #[must_use]
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(row) = self.row {
            write!(f, ": row {row}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        Ok(())
    }
}

/// Bad input data, located. Display: `{path}:{line}: field `{field}`: {kind}`.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {kind}")]
pub struct InputError {
    /// Where the problem is.
    pub location: Location,
    /// What the problem is.
    pub kind: InputErrorKind,
}

impl InputError {
    /// Builds an error at `location`.
    pub fn new(location: Location, kind: InputErrorKind) -> Self {
        InputError { location, kind }
    }
}

/// What is wrong with an input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InputErrorKind {
    /// The file has no header or no data rows.
    #[error("the input is empty; expected a header line and at least one row")]
    Empty,
    /// A required column is missing from the header.
    #[error("missing column `{column}` (the header has: {found}); {hint}")]
    MissingColumn {
        /// The column that is missing.
        column: String,
        /// The header as read.
        found: String,
        /// What the reader expects.
        hint: String,
    },
    /// A field that must be a number is not one.
    #[error("expected a number, found {found:?}")]
    NotANumber {
        /// The text found.
        found: String,
    },
    /// A time that is neither a number of seconds nor an RFC 3339 timestamp.
    #[error(
        "expected a time in seconds or an RFC 3339 timestamp (e.g. 2016-09-27T01:00:00Z), found {found:?}"
    )]
    BadTime {
        /// The text found.
        found: String,
    },
    /// A number that is NaN or infinite.
    #[error("value {found:?} is not finite; times and magnitudes must be finite numbers")]
    NotFinite {
        /// The text found.
        found: String,
    },
    /// A negative follower count.
    #[error("negative magnitude {0}; follower counts must be >= 0 (0 is read as 1)")]
    NegativeMagnitude(f64),
    /// A negative time.
    #[error("negative time {0}; times must be >= 0 (seconds, or an RFC 3339 timestamp)")]
    NegativeTime(f64),
    /// A cascade id seen again after rows of another cascade.
    #[error(
        "cascade {cascade:?} reappears after rows of other cascades; rows of one cascade must be contiguous: sort the file by cascade_id, or pass --group (which holds the whole input in memory)"
    )]
    CascadeReappears {
        /// The cascade id.
        cascade: String,
    },
    /// A row with the wrong number of fields.
    #[error("expected {expected} fields as in the header, found {found}")]
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields on this row.
        found: usize,
    },
    /// A JSON line that does not parse or lacks a field.
    #[error("{0}")]
    Json(String),
    /// A cascade with no events.
    #[error("cascade {0:?} has no events")]
    EmptyCascade(String),
    /// The CSV parser failed (e.g. invalid UTF-8, an unclosed quote).
    #[error("malformed CSV: {0}")]
    Csv(String),
    /// A path or glob that names no input file.
    #[error("no input files match; give a file, a directory of per-cascade CSV files, or a glob")]
    NoFiles,
    /// A node id in a cascade (or a network edge) that the node block does not list.
    #[error(
        "node {node:?} is not in the node block at the top of the file; list every node as `id,name` before the empty line"
    )]
    UnknownNode {
        /// The id found.
        node: String,
    },
    /// A cascade line of the NetInf text format with an odd number of fields.
    #[error("a cascade line must hold `node,time` pairs, found {found} fields (an odd number)")]
    OddFieldCount {
        /// Fields on this line.
        found: usize,
    },
    /// A node listed twice in the node block.
    #[error("node {0:?} is listed twice in the node block")]
    DuplicateNodeId(String),
    /// A file with no empty line between the node block and the cascades (or edges).
    #[error("{0}")]
    Layout(String),
    /// A missing value (null) in a columnar input.
    #[error("missing value (null); every row needs this field")]
    Null,
    /// A column of a type the reader cannot use.
    #[error("column of type {found}; expected {expected}")]
    ColumnType {
        /// The column's Arrow type.
        found: String,
        /// What the reader takes.
        expected: &'static str,
    },
    /// A Parquet or Arrow file that cannot be decoded.
    #[error("malformed Parquet/Arrow input: {0}")]
    Columnar(String),
    /// An input format that cannot be recognised.
    #[error("cannot tell the input format: {0}; pass --format csv|casin|jsonl")]
    UnknownFormat(String),
}

/// A parameter outside its accepted range, named as the CLI flag is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("parameter `{field}` = {value}: {expected}")]
pub struct ParamError {
    /// The parameter (CLI flag name).
    pub field: &'static str,
    /// The value given.
    pub value: String,
    /// The accepted range, and what to do.
    pub expected: &'static str,
}

/// The crate's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input data (boxed: it carries a path and the offending text).
    #[error(transparent)]
    Input(Box<InputError>),
    /// A bad parameter.
    #[error(transparent)]
    Params(#[from] ParamError),
    /// The GPU path failed.
    #[cfg(feature = "gpu")]
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),
    /// A cascade too large for the chosen algorithm.
    #[error(
        "cascade {cascade:?} has {events} events, more than --algo {algorithm} accepts ({limit}); use --algo linear (exact, O(n))"
    )]
    CascadeTooLarge {
        /// The cascade id.
        cascade: String,
        /// Its number of events.
        events: usize,
        /// The algorithm's limit.
        limit: usize,
        /// The algorithm.
        algorithm: &'static str,
    },
    /// An event given through the library (not read from a file) that breaks the cascade
    /// model's invariants: a time or magnitude that is not a finite number `>= 0`, a node
    /// outside the node list.
    #[error("cascade {cascade:?}, event {event}: {what}")]
    InvalidEvent {
        /// The cascade.
        cascade: String,
        /// The event's 0-based position in the cascade as given.
        event: usize,
        /// What is wrong.
        what: String,
    },
    /// Input that is well-formed row by row but unusable as a whole (an empty log, a test
    /// split naming absent actions), with what to do.
    #[error("{0}")]
    Data(String),
    /// An infection time a model cannot accept (beyond the observation window, or one no
    /// earlier node can explain), named by cascade, node and time.
    #[error("cascade {cascade:?}, node {node:?} at time {time}: {what}")]
    InvalidInfection {
        /// The cascade.
        cascade: String,
        /// The node, as the input names it.
        node: String,
        /// Its infection time.
        time: f64,
        /// What is wrong, and what to do.
        what: String,
    },
    /// Reading or writing a file failed. The message names the file; the cause is the
    /// [`source`](std::error::Error::source) (the CLI prints the chain: `I/O error on x.csv:
    /// No space left on device`).
    #[error("I/O error on {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(Box::new(e))
    }
}

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_display_names_file_line_and_field() {
        let loc = Location::line(Path::new("a.csv"), 4).with_field("time");
        let err = InputError::new(loc, InputErrorKind::NotANumber { found: "x".into() });
        assert_eq!(
            err.to_string(),
            "a.csv:4: field `time`: expected a number, found \"x\""
        );
    }
}
