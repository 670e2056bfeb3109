//! Bytes → rows: the one CSV row source every long-table reader builds on (cascades for
//! influence and NetInf; graphs, action logs, activations and follower lists next).
//!
//! - Input: a file, `-` for standard input, or a gzip file (`.gz`, or gzip's magic bytes),
//!   decompressed as it streams.
//! - Header: columns found by name, trimmed and case-insensitive, with aliases
//!   ([`RowSource::column`], [`RowSource::require`] for a located "missing column" error).
//! - Rows: the lean line splitter ([`super::fast_lines`]) while the input allows it, then the
//!   `csv` crate from the first line it cannot read exactly as `csv` would (a quote, a lone CR,
//!   invalid UTF-8): the proven hand-over. `CASCADIA_CSV_GENERAL=1` forces the `csv` crate.
//! - Every row has its line number, for `file:line: field` errors.
//!
//! Readers that take rows straight from the block (the influence reader's fast path) reach the
//! splitter through [`RowSource::src`] and keep [`RowSource::row_line`] and
//! [`RowSource::rows`] up to date themselves.

use super::fast_lines::FastLines;
use crate::error::{Error, InputError, InputErrorKind, Location, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where rows come from: the lean line splitter while the input allows it, then the `csv`
/// crate (see [`super::fast_lines`]).
pub(super) enum Rows {
    /// The lean splitter; the current row's fields are [`RowSource::ranges`] of its block.
    Fast(FastLines),
    /// The `csv` crate; the current row is [`RowSource::record`].
    Csv {
        rdr: csv::Reader<Box<dyn Read + Send>>,
        /// Lines of the input before the first line this reader saw.
        line_offset: u64,
        /// Bytes of the input before the first byte this reader saw.
        byte_offset: u64,
    },
    /// Between the two, for an instant.
    Switching,
}

/// A CSV input with a header, read row by row.
pub(crate) struct RowSource {
    pub(super) path: PathBuf,
    pub(super) src: Rows,
    /// The current row, from the `csv` reader ...
    record: csv::StringRecord,
    /// ... or, while `src` is the line splitter, its fields' byte ranges.
    ranges: Vec<(usize, usize)>,
    /// Line number of the current row.
    pub(super) row_line: u64,
    /// Rows read so far (the header excluded).
    pub(super) rows: u64,
    eof: bool,
    /// The input's size in bytes, when known (not for standard input or gzip).
    total: Option<u64>,
    /// The header's names, trimmed and lower-cased.
    header: Vec<String>,
}

/// `CASCADIA_CSV_GENERAL=1`: read every CSV with the general parser only (slower; a way out
/// should the fast path ever misread an input).
pub(super) fn general_only() -> bool {
    std::env::var_os("CASCADIA_CSV_GENERAL").is_some_and(|v| v == "1")
}

/// `f` without surrounding whitespace. Most fields have none: `trim`'s Unicode scan is
/// skipped when both ends are ASCII and not whitespace (the result is the same).
#[inline]
pub(super) fn trimmed(f: &str) -> &str {
    let plain = |c: Option<&u8>| c.is_some_and(|&c| c.is_ascii() && !c.is_ascii_whitespace());
    if plain(f.as_bytes().first()) && plain(f.as_bytes().last()) {
        f
    } else {
        f.trim()
    }
}

/// Field `i` of a fast-path row, trimmed.
#[inline]
pub(super) fn fast_field<'a>(text: &'a str, ranges: &[(usize, usize)], i: usize) -> &'a str {
    let (a, b) = ranges[i];
    trimmed(&text[a..b])
}

fn csv_builder(headers: bool) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.has_headers(headers)
        .flexible(true)
        .buffer_capacity(1 << 20);
    b
}

impl RowSource {
    /// Opens `path` (`-` is standard input; gzip is decompressed) and reads its header; with
    /// `general`, every row goes through the `csv` crate.
    ///
    /// # Errors
    /// The file cannot be opened, or has no header.
    pub(crate) fn open(path: &Path, general: bool) -> Result<Self> {
        let (reader, total) = super::open_input(path)?;
        let mut fast = FastLines::new(reader);
        let mut fields = Vec::new();
        let first = if general {
            None
        } else {
            fast.next_row(&mut fields)
                .map_err(|e| Error::io(path, e))?
                .map(|n| {
                    let (a, b) = (fields[0].0, fields[fields.len() - 1].1);
                    (n, fast.text().as_bytes()[a..b].to_vec())
                })
        };
        let (header, src) = match first {
            // The header alone goes through `csv` (a byte-order mark, UTF-8 checks).
            Some((n, bytes)) => {
                let mut h = csv_builder(true).from_reader(&bytes[..]);
                let header = h.headers().map_err(|e| csv_error(path, &e, n - 1))?.clone();
                (header, Rows::Fast(fast))
            }
            // An empty input, or a header for the general reader (quoted, say).
            None => {
                let h = fast.hand_over();
                let mut rdr = csv_builder(true).from_reader(h.reader);
                let offset = h.line - 1;
                let header = rdr
                    .headers()
                    .map_err(|e| csv_error(path, &e, offset))?
                    .clone();
                let src = Rows::Csv {
                    rdr,
                    line_offset: offset,
                    byte_offset: h.byte,
                };
                (header, src)
            }
        };
        if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
            return Err(InputError::new(Location::file(path), InputErrorKind::Empty).into());
        }
        Ok(RowSource {
            path: path.to_path_buf(),
            src,
            record: csv::StringRecord::new(),
            ranges: Vec::new(),
            row_line: 0,
            rows: 0,
            eof: false,
            total,
            header: header
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
        })
    }

    /// The input's path (`-` for standard input).
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The header's names, trimmed and lower-cased.
    pub(crate) fn header(&self) -> &[String] {
        &self.header
    }

    /// The first column named one of `aliases` (lower-case).
    pub(crate) fn column(&self, aliases: &[&str]) -> Option<usize> {
        self.header
            .iter()
            .position(|h| aliases.contains(&h.as_str()))
    }

    /// As [`column`](RowSource::column), or a "missing column" error at line 1 that names
    /// `column`, lists the header and says what the format needs (`hint`).
    ///
    /// # Errors
    /// [`InputErrorKind::MissingColumn`].
    pub(crate) fn require(&self, column: &str, aliases: &[&str], hint: &str) -> Result<usize> {
        self.column(aliases).ok_or_else(|| {
            InputError::new(
                Location::line(&self.path, 1),
                InputErrorKind::MissingColumn {
                    column: column.to_string(),
                    found: self.header.join(", "),
                    hint: hint.to_string(),
                },
            )
            .into()
        })
    }

    /// Reads the next row; `false` at the end of the input.
    ///
    /// # Errors
    /// A read error, or malformed CSV where the `csv` crate reads (located).
    pub(crate) fn read_record(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        loop {
            match &mut self.src {
                Rows::Fast(lines) => {
                    match lines
                        .next_row(&mut self.ranges)
                        .map_err(|e| Error::io(&self.path, e))?
                    {
                        Some(n) => {
                            self.row_line = n;
                            self.rows += 1;
                            return Ok(true);
                        }
                        None if !lines.must_hand_over() => {
                            self.eof = true;
                            return Ok(false);
                        }
                        None => {}
                    }
                    let Rows::Fast(lines) = std::mem::replace(&mut self.src, Rows::Switching)
                    else {
                        unreachable!("matched above")
                    };
                    let h = lines.hand_over();
                    self.src = Rows::Csv {
                        rdr: csv_builder(false).from_reader(h.reader),
                        line_offset: h.line - 1,
                        byte_offset: h.byte,
                    };
                }
                Rows::Csv {
                    rdr, line_offset, ..
                } => {
                    return match rdr.read_record(&mut self.record) {
                        Ok(true) => {
                            self.rows += 1;
                            self.row_line =
                                *line_offset + self.record.position().map_or(0, |p| p.line());
                            Ok(true)
                        }
                        Ok(false) => {
                            self.eof = true;
                            Ok(false)
                        }
                        Err(e) => Err(csv_error(&self.path, &e, *line_offset)),
                    };
                }
                Rows::Switching => unreachable!("replaced at once"),
            }
        }
    }

    /// Fields of the current row.
    #[inline]
    pub(crate) fn n_fields(&self) -> usize {
        if matches!(self.src, Rows::Fast(_)) {
            self.ranges.len()
        } else {
            self.record.len()
        }
    }

    /// Field `i` of the current row, trimmed.
    #[inline]
    pub(crate) fn field(&self, i: usize) -> &str {
        match &self.src {
            Rows::Fast(lines) => fast_field(lines.text(), &self.ranges, i),
            _ => trimmed(&self.record[i]),
        }
    }

    /// Fields `idx` of the current row, trimmed: one match for all of them.
    #[inline]
    pub(crate) fn fields<const N: usize>(&self, idx: [usize; N]) -> [&str; N] {
        match &self.src {
            Rows::Fast(lines) => {
                let text = lines.text();
                idx.map(|i| fast_field(text, &self.ranges, i))
            }
            _ => idx.map(|i| trimmed(&self.record[i])),
        }
    }

    /// A field-count error for the current row unless it has as many fields as the header.
    ///
    /// # Errors
    /// [`InputErrorKind::FieldCount`] at the row's line.
    pub(crate) fn check_field_count(&self) -> std::result::Result<(), InputError> {
        if self.n_fields() != self.header.len() {
            return Err(InputError::new(
                Location::line(&self.path, self.row_line),
                InputErrorKind::FieldCount {
                    expected: self.header.len(),
                    found: self.n_fields(),
                },
            ));
        }
        Ok(())
    }

    /// Line number of the current row.
    #[inline]
    pub(crate) fn line(&self) -> u64 {
        self.row_line
    }

    /// Rows read so far.
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// The location of field `field` of the current row.
    pub(crate) fn at(&self, field: &str) -> Location {
        Location::line(&self.path, self.row_line).with_field(field)
    }

    /// Bytes of the input consumed so far (decompressed bytes for gzip).
    pub(crate) fn bytes_read(&self) -> u64 {
        match &self.src {
            Rows::Fast(lines) => lines.position(),
            Rows::Csv {
                rdr, byte_offset, ..
            } => byte_offset + rdr.position().byte(),
            Rows::Switching => 0,
        }
    }

    /// The input's size, when known.
    pub(crate) fn total_bytes(&self) -> Option<u64> {
        self.total
    }
}

/// A located error from the `csv` reader, whose line numbers start `line_offset` lines into
/// the file.
pub(super) fn csv_error(path: &Path, e: &csv::Error, line_offset: u64) -> Error {
    let line = e.position().map(|p| p.line() + line_offset);
    let loc = match line {
        Some(l) => Location::line(path, l),
        None => Location::file(path),
    };
    match e.kind() {
        csv::ErrorKind::Io(io) => Error::io(path, std::io::Error::new(io.kind(), io.to_string())),
        // `csv`'s own text would repeat its (offset) position.
        csv::ErrorKind::Utf8 { err, .. } => InputError::new(
            loc,
            InputErrorKind::Csv(format!(
                "field {} is not valid UTF-8 (after {} valid bytes); save the file as UTF-8",
                err.field() + 1,
                err.valid_up_to()
            )),
        )
        .into(),
        _ => InputError::new(loc, InputErrorKind::Csv(e.to_string())).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(path: &Path, general: bool) -> Vec<(u64, Vec<String>)> {
        let mut r = RowSource::open(path, general).unwrap();
        let mut out = Vec::new();
        while r.read_record().unwrap() {
            out.push((
                r.line(),
                (0..r.n_fields()).map(|i| r.field(i).to_string()).collect(),
            ));
        }
        out
    }

    #[test]
    fn header_by_name_with_aliases_trimmed_and_case_insensitive() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        std::fs::write(&p, " Cascade_ID ,NODE,event_time\nc,1,2\n").unwrap();
        let r = RowSource::open(&p, false).unwrap();
        assert_eq!(r.column(&["cascade_id"]), Some(0));
        assert_eq!(r.column(&["node", "user_id"]), Some(1));
        assert_eq!(r.column(&["time", "event_time"]), Some(2));
        let e = r
            .require("weight", &["weight"], "graphs need src,dst[,weight]")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}:1: missing column `weight` (the header has: cascade_id, node, event_time); graphs need src,dst[,weight]",
                p.display()
            )
        );
    }

    #[test]
    fn gzip_reads_as_the_plain_file_on_both_paths() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let text = "a,b\n1,2\n\"q,x\",3\n4,5\n";
        let plain = dir.path().join("t.csv");
        std::fs::write(&plain, text).unwrap();
        let gz = dir.path().join("t.csv.gz");
        let mut enc =
            flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), Default::default());
        enc.write_all(text.as_bytes()).unwrap();
        enc.finish().unwrap();
        for general in [false, true] {
            assert_eq!(
                rows_of(&gz, general),
                rows_of(&plain, general),
                "general {general}"
            );
        }
        assert_eq!(
            rows_of(&plain, false),
            vec![
                (2, vec!["1".to_string(), "2".to_string()]),
                (3, vec!["q,x".to_string(), "3".to_string()]),
                (4, vec!["4".to_string(), "5".to_string()]),
            ],
            "the quoted row hands over to the csv crate, line numbers kept"
        );
        let r = RowSource::open(&gz, false).unwrap();
        assert_eq!(r.total_bytes(), None, "no total for a compressed input");
    }

    #[test]
    fn an_empty_input_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.csv");
        std::fs::write(&p, "").unwrap();
        let e = RowSource::open(&p, false).err().unwrap();
        assert!(
            e.to_string().contains("e.csv") && e.to_string().contains("empty"),
            "{e}"
        );
    }
}
