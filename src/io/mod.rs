//! Input formats for cascades; every reader returns located errors and streams.
//!
//! | format | what | cascade id |
//! |---|---|---|
//! | [`Format::Csv`] | one file, header with `cascade_id,time,user_id,followers` (or `magnitude`) | the `cascade_id` column |
//! | [`Format::Casin`] | the public reference's per-cascade files `time,magnitude,user_id`: a file, a directory or a glob | the file stem |
//! | [`Format::Jsonl`] | one cascade per line: `{"cascade_id": …, "events": [{"time": …, "user_id": …, "followers": …}]}` | `cascade_id` |
//! | [`Format::Parquet`] | a Parquet file with the long format's columns ([`columnar`]) | the `cascade_id` column |
//! | [`Format::Arrow`] | an Arrow IPC file or stream with the long format's columns ([`columnar`]) | the `cascade_id` column |
//!
//! Times are seconds (any finite number `>= 0`) or RFC 3339 timestamps (converted to
//! seconds since the Unix epoch). Readers implement [`CascadeSource`]: each call appends one
//! whole cascade to a [`CascadeSet`], so memory holds one batch, never the whole file
//! (except with `group`, which must). Every input may be `-` (standard input) or gzip.
//!
//! Also here: the one long-CSV row source every reader builds on (`rows`), SNAP's NetInf
//! text ([`snap_text`]) and network files ([`network`]), number parsing ([`parse`]) and
//! formatting ([`format`](mod@format)) for the capabilities' writers, and outputs that appear whole or not
//! at all ([`atomic`]). `io` knows formats, not models: it imports no capability.

pub mod atomic;
mod cascades_csv;
mod casin;
#[cfg(feature = "columnar")]
pub mod columnar;
pub(crate) mod csv_fields;
mod fast_lines;
pub mod format;
mod groups;
mod jsonl;
pub mod network;
pub mod parse;
pub(crate) mod rows;
mod seen;
pub mod snap_text;
pub mod table;

pub use cascades_csv::CsvReader;
pub use jsonl::JsonlReader;
pub use parse::{fast_decimal, parse_magnitude, parse_time};

use crate::cascade::{CascadeSet, Dedupe, Interner};
use crate::error::{Error, InputError, InputErrorKind, Location, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// An input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Detect from the path: a directory or glob is `casin`; `.jsonl`/`.ndjson` is `jsonl`;
    /// a CSV whose header has `cascade_id` is `csv`, otherwise `casin`.
    Auto,
    /// Long CSV with a `cascade_id` column.
    Csv,
    /// Per-cascade CSV files (`time,magnitude,user_id`), cascade id = file stem.
    Casin,
    /// JSON Lines, one cascade per line.
    Jsonl,
    /// Parquet with the long format's columns (needs the `columnar` feature).
    Parquet,
    /// Arrow IPC (file or stream) with the long format's columns (needs the `columnar`
    /// feature).
    Arrow,
}

/// Options shared by every reader.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOptions {
    /// Skip invalid rows (each is reported through [`CascadeSource::take_skipped`]) instead of
    /// stopping at the first one.
    pub skip_invalid: bool,
    /// Allow the rows of one cascade to be interleaved with others (`--group`): the whole
    /// input is held in memory, O(events).
    pub group: bool,
    /// What to do with a user seen twice in one cascade.
    pub dedupe: Dedupe,
}

/// What a reader produced for one cascade.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Events removed by deduplication.
    pub deduplicated: usize,
}

/// A stream of cascades.
pub trait CascadeSource: Send {
    /// Appends the next cascade to `out`, interning users in `users`. Returns `None` at the
    /// end of the input.
    ///
    /// # Errors
    /// The first invalid row, located, unless `skip_invalid` is set.
    fn next_cascade(
        &mut self,
        out: &mut CascadeSet,
        users: &mut Interner,
    ) -> Result<Option<ReadStats>>;

    /// Rows skipped since the last call (only with `skip_invalid`).
    fn take_skipped(&mut self) -> Vec<InputError>;

    /// Bytes consumed so far, for progress.
    fn bytes_read(&self) -> u64;

    /// Total bytes of the input, when known.
    fn total_bytes(&self) -> Option<u64>;
}

/// Opens `input` (a path, a directory, a glob, or `-` for standard input) as a stream of
/// cascades.
///
/// # Errors
/// A file that cannot be opened, a glob with no match, or a format that cannot be detected.
pub fn open_cascades(
    input: &str,
    format: Format,
    options: ReadOptions,
) -> Result<Box<dyn CascadeSource>> {
    let files = expand_input(input)?;
    let format = match format {
        Format::Auto => detect_format(input, &files)?,
        f => f,
    };
    let source: Box<dyn CascadeSource> = match format {
        Format::Csv => {
            if files.len() != 1 {
                return Err(input_error(
                    Path::new(input),
                    InputErrorKind::UnknownFormat(format!(
                        "{} files match, but --format csv reads one file",
                        files.len()
                    )),
                ));
            }
            Box::new(CsvReader::open(&files[0], None, options)?)
        }
        Format::Casin => Box::new(casin::CasinReader::new(files, options)),
        Format::Jsonl => {
            if files.len() != 1 {
                return Err(input_error(
                    Path::new(input),
                    InputErrorKind::UnknownFormat(format!(
                        "{} files match, but --format jsonl reads one file",
                        files.len()
                    )),
                ));
            }
            Box::new(JsonlReader::open(&files[0], options)?)
        }
        Format::Parquet | Format::Arrow => {
            if files.len() != 1 || files[0].as_os_str() == "-" {
                return Err(input_error(
                    Path::new(input),
                    InputErrorKind::UnknownFormat(
                        "Parquet and Arrow inputs are one file (not standard input)".into(),
                    ),
                ));
            }
            open_columnar(&files[0], format, options)?
        }
        Format::Auto => unreachable!("resolved above"),
    };
    Ok(source)
}

#[cfg(feature = "columnar")]
fn open_columnar(
    path: &Path,
    format: Format,
    options: ReadOptions,
) -> Result<Box<dyn CascadeSource>> {
    let kind = columnar::Columnar::of_format(format).expect("a columnar format");
    Ok(Box::new(columnar::ColumnarReader::open(
        path, kind, options,
    )?))
}

#[cfg(not(feature = "columnar"))]
fn open_columnar(
    path: &Path,
    _format: Format,
    _options: ReadOptions,
) -> Result<Box<dyn CascadeSource>> {
    Err(input_error(
        path,
        InputErrorKind::UnknownFormat(
            "this build of cascadia has no Parquet/Arrow support (the `columnar` feature)".into(),
        ),
    ))
}

/// The columnar format a file name says (`.parquet`, `.pq`; `.arrow`, `.arrows`, `.ipc`,
/// `.feather`), whether or not this build reads it.
pub(crate) fn columnar_format(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    match name.rsplit_once('.')?.1 {
        "parquet" | "pq" => Some(Format::Parquet),
        "arrow" | "arrows" | "ipc" | "feather" => Some(Format::Arrow),
        _ => None,
    }
}

/// Opens `path` for reading (`-` is standard input) and returns its size when known. A gzip
/// input (recognised by its magic bytes, whatever its name) is decompressed as it streams; its
/// size is then unknown.
pub(crate) fn open_input(path: &Path) -> Result<(Box<dyn std::io::Read + Send>, Option<u64>)> {
    use std::io::{Read, Seek};
    const GZIP: [u8; 2] = [0x1f, 0x8b];
    /// The first bytes of `r` (fewer at its end).
    fn head(r: &mut impl Read, path: &Path) -> Result<([u8; 2], usize)> {
        let mut head = [0u8; 2];
        let mut n = 0;
        while n < head.len() {
            match r.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(path, e)),
            }
        }
        Ok((head, n))
    }
    if path.as_os_str() == "-" {
        // Standard input cannot rewind: its first bytes are read again through a chain.
        let mut stdin = std::io::stdin();
        let (h, n) = head(&mut stdin, path)?;
        let whole = std::io::Cursor::new(h[..n].to_vec()).chain(stdin);
        if h[..n] == GZIP {
            return Ok((Box::new(flate2::read::MultiGzDecoder::new(whole)), None));
        }
        return Ok((Box::new(whole), None));
    }
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().ok().map(|m| m.len());
    let (h, n) = head(&mut f, path)?;
    // A file rewinds, and stays a `File` for the readers (its `read_to_end` sizes the buffer
    // from the file).
    f.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| Error::io(path, e))?;
    if h[..n] == GZIP {
        let decoder = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(f));
        return Ok((Box::new(decoder), None));
    }
    Ok((Box::new(f), len))
}

fn input_error(path: &Path, kind: InputErrorKind) -> Error {
    InputError::new(Location::file(path), kind).into()
}

/// Expands a path, directory (its `*.csv` files, sorted) or glob (sorted) into files.
fn expand_input(input: &str) -> Result<Vec<PathBuf>> {
    if input == "-" {
        return Ok(vec![PathBuf::from("-")]);
    }
    let path = Path::new(input);
    if path.is_dir() {
        let rd = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
        let mut files = Vec::new();
        for entry in rd {
            let p = entry.map_err(|e| Error::io(path, e))?.path();
            if p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
                files.push(p);
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(input_error(path, InputErrorKind::NoFiles));
        }
        return Ok(files);
    }
    if path.exists() {
        return Ok(vec![path.to_path_buf()]);
    }
    if input.contains(['*', '?', '[']) {
        let paths = glob::glob(input).map_err(|e| {
            input_error(
                path,
                InputErrorKind::UnknownFormat(format!("bad glob: {e}")),
            )
        })?;
        let mut files: Vec<PathBuf> = paths
            .filter_map(|p| p.ok())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(input_error(path, InputErrorKind::NoFiles));
        }
        return Ok(files);
    }
    Err(Error::io(
        path,
        std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
    ))
}

fn detect_format(input: &str, files: &[PathBuf]) -> Result<Format> {
    if files.len() > 1 || Path::new(input).is_dir() {
        return Ok(Format::Casin);
    }
    let file = &files[0];
    if let Some(f) = columnar_format(file) {
        return Ok(f);
    }
    // The extension under a `.gz` one: `x.jsonl.gz` is JSON Lines.
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    if ext == "jsonl" || ext == "ndjson" || ext == "json" {
        return Ok(Format::Jsonl);
    }
    if file.as_os_str() == "-" {
        return Ok(Format::Csv);
    }
    let header = first_line(file)?;
    let has = |c: &str| header_has(&header, c);
    if has("cascade_id") {
        Ok(Format::Csv)
    } else if has("time") && (has("magnitude") || has("followers")) {
        Ok(Format::Casin)
    } else if header.trim_start().starts_with('{') {
        Ok(Format::Jsonl)
    } else {
        Err(input_error(
            file,
            InputErrorKind::UnknownFormat(format!(
                "the first line {:?} has neither `cascade_id` nor `time,magnitude,user_id`",
                header.trim()
            )),
        ))
    }
}

/// Whether the CSV header line `header` names the column `name` (trimmed, quotes removed,
/// case-insensitive).
pub(crate) fn header_has(header: &str, name: &str) -> bool {
    header
        .split(',')
        .any(|h| h.trim().trim_matches('"').eq_ignore_ascii_case(name))
}

pub(crate) fn first_line(path: &Path) -> Result<String> {
    use std::io::BufRead;
    let (f, _) = open_input(path)?;
    let mut line = String::new();
    std::io::BufReader::new(f)
        .read_line(&mut line)
        .map_err(|e| Error::io(path, e))?;
    Ok(line)
}

/// Reads a whole input into one [`CascadeSet`] (for small inputs, tests and examples).
///
/// # Errors
/// As [`open_cascades`] and [`CascadeSource::next_cascade`].
pub fn read_all(
    input: &str,
    format: Format,
    options: ReadOptions,
) -> Result<(CascadeSet, Interner)> {
    let mut source = open_cascades(input, format, options)?;
    let mut set = CascadeSet::new();
    let mut users = Interner::new();
    while source.next_cascade(&mut set, &mut users)?.is_some() {}
    Ok((set, users))
}
