//! Small named-column CSV tables (a header, then one row per line), read row by row with
//! located errors: the readers of graphs, thresholds, seeds, activations and features.
//!
//! Fields are split on commas (no quoting: ids and numbers), trimmed; the header's names are
//! matched case-insensitively in any order; an empty line, a row with another number of
//! fields than the header, or a field that does not parse is an error naming file, line and
//! field.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::error::{Error, InputError, InputErrorKind, Location, Result};

/// An open table.
pub struct Table {
    path: PathBuf,
    lines: std::io::Lines<std::io::BufReader<Box<dyn std::io::Read + Send>>>,
    /// Header names, lower-cased, in file order.
    pub names: Vec<String>,
    line: u64,
}

/// One data row.
#[derive(Debug)]
pub struct Row<'a> {
    /// Its line (1 is the header).
    pub line: u64,
    fields: Vec<&'a str>,
    path: &'a Path,
    names: &'a [String],
}

impl Table {
    /// Opens `path` (plain or gzip) and reads its header.
    ///
    /// # Errors
    /// An unreadable or empty file.
    pub fn open(path: &Path) -> Result<Table> {
        let (reader, _) = crate::io::open_input(path)?;
        let mut lines = std::io::BufReader::with_capacity(1 << 20, reader).lines();
        let Some(first) = lines.next() else {
            return Err(InputError::new(Location::file(path), InputErrorKind::Empty).into());
        };
        let first = first.map_err(|e| Error::io(path, e))?;
        let names = first
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        Ok(Table {
            path: path.to_path_buf(),
            lines,
            names,
            line: 1,
        })
    }

    /// The position of column `name`, or an error that lists the header and says what the
    /// file should look like (`hint`).
    ///
    /// # Errors
    /// The column is missing.
    pub fn column(&self, name: &str, hint: &str) -> Result<usize> {
        self.names.iter().position(|c| c == name).ok_or_else(|| {
            InputError::new(
                Location::line(&self.path, 1),
                InputErrorKind::MissingColumn {
                    column: name.to_string(),
                    found: self.names.join(","),
                    hint: hint.to_string(),
                },
            )
            .into()
        })
    }

    /// The position of an optional column.
    pub fn optional(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|c| c == name)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Calls `each` with every data row, in order.
    ///
    /// # Errors
    /// A read error, an empty line, a row with the wrong number of fields, or what `each`
    /// returns.
    pub fn for_each(mut self, mut each: impl FnMut(&Row<'_>) -> Result<()>) -> Result<()> {
        let mut buf;
        while let Some(line) = self.lines.next() {
            self.line += 1;
            buf = line.map_err(|e| Error::io(&self.path, e))?;
            let text = buf.trim_end_matches('\r');
            if text.trim().is_empty() {
                return Err(located(
                    &self.path,
                    self.line,
                    None,
                    InputErrorKind::Layout("an empty line; every line is a row".into()),
                ));
            }
            let fields: Vec<&str> = text.split(',').map(str::trim).collect();
            if fields.len() != self.names.len() {
                return Err(located(
                    &self.path,
                    self.line,
                    None,
                    InputErrorKind::FieldCount {
                        expected: self.names.len(),
                        found: fields.len(),
                    },
                ));
            }
            let row = Row {
                line: self.line,
                fields,
                path: &self.path,
                names: &self.names,
            };
            each(&row)?;
        }
        Ok(())
    }
}

/// An input error at `line` of `path` (and `field`).
pub fn located(path: &Path, line: u64, field: Option<&str>, kind: InputErrorKind) -> Error {
    let mut loc = Location::line(path, line);
    if let Some(f) = field {
        loc = loc.with_field(f);
    }
    InputError::new(loc, kind).into()
}

impl Row<'_> {
    /// The text of column `col`.
    pub fn text(&self, col: usize) -> &str {
        self.fields[col]
    }

    /// An error about this row's column `col`.
    pub fn error(&self, col: usize, kind: InputErrorKind) -> Error {
        located(self.path, self.line, Some(&self.names[col]), kind)
    }

    /// An error about this row as a whole.
    pub fn row_error(&self, message: String) -> Error {
        located(self.path, self.line, None, InputErrorKind::Layout(message))
    }

    /// Column `col` as a number (`inf`, `+inf` and `infinity` allowed when `allow_inf`; NaN
    /// never).
    ///
    /// # Errors
    /// Not a number, NaN, or an infinity where none is allowed.
    pub fn f64(&self, col: usize, allow_inf: bool) -> Result<f64> {
        let t = self.fields[col];
        match t.parse::<f64>() {
            Ok(x) if x.is_finite() || (allow_inf && x.is_infinite()) => Ok(x),
            Ok(_) => Err(self.error(col, InputErrorKind::NotFinite { found: t.into() })),
            Err(_) => Err(self.error(col, InputErrorKind::NotANumber { found: t.into() })),
        }
    }

    /// Column `col` as a non-negative integer.
    ///
    /// # Errors
    /// Not a non-negative integer below 2³².
    pub fn u32(&self, col: usize) -> Result<u32> {
        let t = self.fields[col];
        t.parse::<u32>().map_err(|_| {
            if t.starts_with('-') && t[1..].parse::<u64>().is_ok() {
                self.row_error(format!(
                    "field `{}`: negative value {t}; steps start at 0",
                    self.names[col]
                ))
            } else {
                self.error(col, InputErrorKind::NotANumber { found: t.into() })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn rows_are_located() {
        let (_d, p) = table("A,b\n1,2\n3\n");
        let t = Table::open(&p).unwrap();
        assert_eq!(t.column("a", "").unwrap(), 0);
        assert!(
            t.column("c", "hint")
                .unwrap_err()
                .to_string()
                .contains("hint")
        );
        let mut seen = Vec::new();
        let err = t
            .for_each(|r| {
                seen.push(r.f64(1, false)?);
                Ok(())
            })
            .unwrap_err()
            .to_string();
        assert_eq!(seen, vec![2.0]);
        assert!(err.contains("t.csv:3"), "{err}");
        let (_d, p) = table("a\nx\n");
        let err = Table::open(&p)
            .unwrap()
            .for_each(|r| r.u32(0).map(|_| ()))
            .unwrap_err()
            .to_string();
        assert!(err.contains(":2") && err.contains("`a`"), "{err}");
        let (_d, p) = table("a\n-3\n");
        let err = Table::open(&p)
            .unwrap()
            .for_each(|r| r.u32(0).map(|_| ()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("negative"), "{err}");
    }
}
