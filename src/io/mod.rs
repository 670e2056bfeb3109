//! Input formats for cascades; every reader returns located errors and streams.
//!
//! | format | what | cascade id |
//! |---|---|---|
//! | [`Format::Csv`] | one file, header with `cascade_id,time,user_id,followers` (or `magnitude`) | the `cascade_id` column |
//! | [`Format::Casin`] | the public reference's per-cascade files `time,magnitude,user_id`: a file, a directory or a glob | the file stem |
//! | [`Format::Jsonl`] | one cascade per line: `{"cascade_id": …, "events": [{"time": …, "user_id": …, "followers": …}]}` | `cascade_id` |
//!
//! Times are seconds (any finite number `>= 0`) or RFC 3339 timestamps (converted to
//! seconds since the Unix epoch). Readers implement [`CascadeSource`]: each call appends one
//! whole cascade to a [`CascadeSet`], so memory holds one batch, never the whole file
//! (except with `group`, which must).

pub mod atomic;
mod cascades_csv;
mod fast_lines;
mod jsonl;
pub mod netinf_txt;
pub mod output;
mod seen;

pub use cascades_csv::CsvReader;
pub use jsonl::JsonlReader;

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
        Format::Casin => Box::new(cascades_csv::CasinReader::new(files, options)),
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
        Format::Auto => unreachable!("resolved above"),
    };
    Ok(source)
}

/// Opens `path` for reading (`-` is standard input) and returns its size when known.
fn open_input(path: &Path) -> Result<(Box<dyn std::io::Read + Send>, Option<u64>)> {
    if path.as_os_str() == "-" {
        return Ok((Box::new(std::io::stdin()), None));
    }
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().ok().map(|m| m.len());
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
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext == "jsonl" || ext == "ndjson" || ext == "json" {
        return Ok(Format::Jsonl);
    }
    if file.as_os_str() == "-" {
        return Ok(Format::Csv);
    }
    let header = first_line(file)?;
    let has = |c: &str| header.split(',').any(|h| h.trim().eq_ignore_ascii_case(c));
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

pub(crate) fn first_line(path: &Path) -> Result<String> {
    use std::io::BufRead;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut line = String::new();
    std::io::BufReader::new(f)
        .read_line(&mut line)
        .map_err(|e| Error::io(path, e))?;
    Ok(line)
}

/// Parses a time: a finite number of seconds `>= 0`, or an RFC 3339 timestamp (seconds
/// since the Unix epoch, fractional seconds kept).
pub fn parse_time(text: &str) -> std::result::Result<f64, InputErrorKind> {
    if let Some(v) = fast_decimal(text) {
        return Ok(v);
    }
    let t = text.trim();
    let value = match t.parse::<f64>() {
        Ok(v) => v,
        Err(_) => match chrono::DateTime::parse_from_rfc3339(t) {
            Ok(dt) => dt.timestamp() as f64 + f64::from(dt.timestamp_subsec_nanos()) * 1e-9,
            Err(_) => {
                return Err(InputErrorKind::BadTime {
                    found: t.to_string(),
                });
            }
        },
    };
    if !value.is_finite() {
        return Err(InputErrorKind::NotFinite {
            found: t.to_string(),
        });
    }
    if value < 0.0 {
        return Err(InputErrorKind::NegativeTime(value));
    }
    Ok(value)
}

/// The common case of a number field, parsed without the general float parser: ASCII digits
/// with at most one `.`, at most 15 digits in all, nothing else (no sign, exponent or space).
/// The digits then form an integer m < 2^53 and the value is m / 10^k with 10^k ≤ 10^15, both
/// exact in f64, so the one division is correctly rounded: the same f64 as `str::parse`
/// (Clinger's fast path). `None` for anything else, which takes the general path.
#[inline]
pub fn fast_decimal(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let (mut m, mut digits, mut frac, mut dot) = (0u64, 0u32, 0u32, false);
    let mut rest = b;
    // Eight leading digits (a Unix time has ten) in one go.
    if let Some((eight, tail)) = b.split_first_chunk::<8>() {
        let x = u64::from_le_bytes(*eight);
        if all_digits(x) {
            (m, digits, rest) = (eight_digits(x), 8, tail);
        }
    }
    for &c in rest {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + u64::from(c - b'0');
                digits += 1;
                if dot {
                    frac += 1;
                }
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    let v = m as f64;
    if frac == 0 {
        return Some(v);
    }
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    Some(v / POW10[frac as usize])
}

/// Whether all eight bytes of `x` are ASCII digits.
fn all_digits(x: u64) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    // High nibbles 3, and no low nibble above 9 (adding 6 would carry into the high nibble;
    // bytes 0x30..=0x3F plus 6 stay below 0x100, so no carry crosses bytes).
    x & HIGH == ZEROS && x.wrapping_add(0x0606_0606_0606_0606) & HIGH == ZEROS
}

/// The value of eight ASCII digits, the first in the lowest byte.
fn eight_digits(x: u64) -> u64 {
    let x = x - 0x3030_3030_3030_3030;
    let x = (x.wrapping_mul(10) + (x >> 8)) & 0x00FF_00FF_00FF_00FF;
    let x = (x.wrapping_mul(100) + (x >> 16)) & 0x0000_FFFF_0000_FFFF;
    (x.wrapping_mul(10000) + (x >> 32)) & 0xFFFF_FFFF
}

/// Parses a magnitude (follower count): a finite number `>= 0`.
pub fn parse_magnitude(text: &str) -> std::result::Result<f64, InputErrorKind> {
    if let Some(v) = fast_decimal(text) {
        return Ok(v);
    }
    let t = text.trim();
    let value = t.parse::<f64>().map_err(|_| InputErrorKind::NotANumber {
        found: t.to_string(),
    })?;
    check_magnitude(value, t)
}

fn check_magnitude(value: f64, text: &str) -> std::result::Result<f64, InputErrorKind> {
    if !value.is_finite() {
        return Err(InputErrorKind::NotFinite {
            found: text.to_string(),
        });
    }
    if value < 0.0 {
        return Err(InputErrorKind::NegativeMagnitude(value));
    }
    Ok(value)
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

#[cfg(test)]
mod tests {
    #[test]
    fn fast_decimal_equals_the_general_parser() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut cases: Vec<String> = [
            "0",
            "5.",
            ".5",
            "007",
            "1609212588",
            "1609212588.25",
            "999999999999999",
            "0.000000000000001",
            "123456789.123456",
            "9007199254740993",
            "1e5",
            "-3",
            " 4",
            ".",
            "",
            "1.2.3",
            "1609212588.0000001",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for _ in 0..20_000 {
            let n = rng.random_range(1..=17);
            let mut t: String = (0..n)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect();
            if rng.random_bool(0.5) {
                t.insert(rng.random_range(0..=t.len()), '.');
            }
            cases.push(t.clone());
            // One byte next to the digits in ASCII (`/`, `:`, `?`, ...) among them: the
            // eight-at-a-time digit check must refuse it.
            let near = [
                b'/',
                b':',
                b';',
                b'?',
                b'@',
                b' ',
                b'e',
                b'\x10',
                b'\x39' + 16,
            ];
            let at = rng.random_range(0..t.len());
            let mut bytes = t.into_bytes();
            bytes[at] = near[rng.random_range(0..near.len())];
            cases.push(String::from_utf8(bytes).expect("ASCII"));
        }
        for t in &cases {
            match super::fast_decimal(t) {
                Some(v) => assert_eq!(v.to_bits(), t.parse::<f64>().unwrap().to_bits(), "{t:?}"),
                None => assert!(
                    t.len() > 15
                        || t.parse::<f64>().is_err()
                        || !t.bytes().all(|c| c.is_ascii_digit() || c == b'.')
                        || t.bytes().filter(|c| c.is_ascii_digit()).count() > 15,
                    "{t:?} takes the general path only when it must"
                ),
            }
        }
    }

    use super::*;

    #[test]
    fn times_parse_as_seconds_or_rfc3339() {
        assert_eq!(parse_time("12.5"), Ok(12.5), "seconds");
        assert_eq!(parse_time("1970-01-01T00:01:00Z"), Ok(60.0), "RFC 3339");
        assert_eq!(
            parse_time("1970-01-01T01:00:00.5+01:00"),
            Ok(0.5),
            "offset and fraction"
        );
        assert!(
            matches!(parse_time("tomorrow"), Err(InputErrorKind::BadTime { .. })),
            "junk"
        );
        assert!(
            matches!(parse_time("NaN"), Err(InputErrorKind::NotFinite { .. })),
            "NaN"
        );
        assert!(
            matches!(parse_time("inf"), Err(InputErrorKind::NotFinite { .. })),
            "inf"
        );
        assert_eq!(
            parse_time("-1"),
            Err(InputErrorKind::NegativeTime(-1.0)),
            "negative"
        );
    }

    #[test]
    fn magnitudes_must_be_finite_and_non_negative() {
        assert_eq!(
            parse_magnitude("0"),
            Ok(0.0),
            "zero is accepted (read as 1 later)"
        );
        assert_eq!(
            parse_magnitude("-3"),
            Err(InputErrorKind::NegativeMagnitude(-3.0)),
            "neg"
        );
        assert!(
            matches!(parse_magnitude("x"), Err(InputErrorKind::NotANumber { .. })),
            "x"
        );
    }
}
