//! Streaming CSV readers: the long format (`cascade_id,time,user_id,followers`) and the
//! public reference's per-cascade files (`time,magnitude,user_id`, one file per cascade).
//!
//! Memory: one cascade at a time, plus 16 bytes per cascade id seen (a 128-bit hash, to detect
//! a cascade that reappears after another; a false alarm needs a 128-bit collision). With
//! `group`, the whole input (about 40 bytes per event).

use super::{CascadeSource, ReadOptions, ReadStats, check_magnitude, parse_time};
use crate::cascade::{CascadeSet, Interner, UserId};
use crate::error::{Error, InputError, InputErrorKind, Location, Result};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Column positions found in the header.
#[derive(Clone, Copy, Debug)]
struct Columns {
    cascade: Option<usize>,
    time: usize,
    magnitude: usize,
    user: usize,
    n_fields: usize,
}

/// One cascade held by `--group`: its id and its (time, magnitude, user) events.
type Group = (String, Vec<(f64, f64, UserId)>);

/// A parsed row waiting to start the next cascade.
#[derive(Debug)]
struct Pending {
    name: String,
    time: f64,
    magnitude: f64,
    user: String,
}

/// Reader of one CSV file. With `fixed_name`, the whole file is one cascade of that name
/// (the per-cascade format); otherwise the `cascade_id` column names the cascades.
pub struct CsvReader {
    path: PathBuf,
    rdr: csv::Reader<Box<dyn Read + Send>>,
    cols: Columns,
    fixed_name: Option<String>,
    options: ReadOptions,
    record: csv::StringRecord,
    pending: Option<Pending>,
    current: Option<String>,
    seen: HashSet<u128>,
    skipped: Vec<InputError>,
    grouped: Option<VecDeque<Group>>,
    total: Option<u64>,
    rows: u64,
    eof: bool,
}

fn id_hash(name: &str) -> u128 {
    let mut a = std::collections::hash_map::DefaultHasher::new();
    (0u8, name).hash(&mut a);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    (1u8, name).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

impl CsvReader {
    /// Opens `path` (`-` is standard input) and reads its header.
    ///
    /// # Errors
    /// The file cannot be opened, is empty, or its header lacks a required column.
    pub fn open(path: &Path, fixed_name: Option<String>, options: ReadOptions) -> Result<Self> {
        let (reader, total) = super::open_input(path)?;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(reader);
        let header = rdr.headers().map_err(|e| csv_error(path, &e))?.clone();
        if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
            return Err(InputError::new(Location::file(path), InputErrorKind::Empty).into());
        }
        let names: Vec<String> = header
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let find = |wanted: &[&str]| names.iter().position(|h| wanted.contains(&h.as_str()));
        let hint = if fixed_name.is_some() {
            "per-cascade files need `time`, `magnitude` (or `followers`) and `user_id`"
        } else {
            "the long CSV format needs `cascade_id`, `time`, `user_id` and `followers` (or `magnitude`)"
        };
        let missing = |column: &str| -> Error {
            InputError::new(
                Location::line(path, 1),
                InputErrorKind::MissingColumn {
                    column: column.to_string(),
                    found: names.join(", "),
                    hint: hint.to_string(),
                },
            )
            .into()
        };
        let cascade = if fixed_name.is_some() {
            None
        } else {
            Some(find(&["cascade_id"]).ok_or_else(|| missing("cascade_id"))?)
        };
        let cols = Columns {
            cascade,
            time: find(&["time"]).ok_or_else(|| missing("time"))?,
            magnitude: find(&["followers", "magnitude"]).ok_or_else(|| missing("followers"))?,
            user: find(&["user_id"]).ok_or_else(|| missing("user_id"))?,
            n_fields: names.len(),
        };
        Ok(CsvReader {
            path: path.to_path_buf(),
            rdr,
            cols,
            fixed_name,
            options,
            record: csv::StringRecord::new(),
            pending: None,
            current: None,
            seen: HashSet::default(),
            skipped: Vec::new(),
            grouped: None,
            total,
            rows: 0,
            eof: false,
        })
    }

    fn field(record: &csv::StringRecord, i: usize) -> &str {
        let f = &record[i];
        // Most fields have no surrounding space: skip `trim`'s Unicode scan when both ends
        // are ASCII and not whitespace (the result is the same).
        let plain = |c: Option<&u8>| c.is_some_and(|&c| c.is_ascii() && !c.is_ascii_whitespace());
        if plain(f.as_bytes().first()) && plain(f.as_bytes().last()) {
            f
        } else {
            f.trim()
        }
    }

    /// Parses the current record into (cascade name, time, magnitude, user).
    fn parse_row(&self, line: u64) -> Result<(&str, f64, f64, &str), InputError> {
        let r = &self.record;
        let loc = |f: &str| Location::line(&self.path, line).with_field(f);
        if r.len() != self.cols.n_fields {
            return Err(InputError::new(
                Location::line(&self.path, line),
                InputErrorKind::FieldCount {
                    expected: self.cols.n_fields,
                    found: r.len(),
                },
            ));
        }
        let name = match self.cols.cascade {
            Some(i) => Self::field(r, i),
            None => self.fixed_name.as_deref().unwrap_or(""),
        };
        let t = Self::field(r, self.cols.time);
        let time = parse_time(t).map_err(|k| InputError::new(loc("time"), k))?;
        let m = Self::field(r, self.cols.magnitude);
        let magnitude = super::fast_decimal(m)
            .map_or_else(|| m.parse::<f64>(), Ok)
            .map_err(|_| InputErrorKind::NotANumber {
                found: m.to_string(),
            })
            .and_then(|v| check_magnitude(v, m))
            .map_err(|k| InputError::new(loc(self.magnitude_name()), k))?;
        let user = Self::field(r, self.cols.user);
        Ok((name, time, magnitude, user))
    }

    fn magnitude_name(&self) -> &'static str {
        if self.fixed_name.is_some() {
            "magnitude"
        } else {
            "followers"
        }
    }

    fn read_record(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        match self.rdr.read_record(&mut self.record) {
            Ok(true) => {
                self.rows += 1;
                Ok(true)
            }
            Ok(false) => {
                self.eof = true;
                Ok(false)
            }
            Err(e) => Err(csv_error(&self.path, &e)),
        }
    }

    fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    fn finish(&mut self, out: &mut CascadeSet) -> Option<ReadStats> {
        self.current = None;
        if out.open_len() == 0 {
            out.abandon_cascade();
            return None;
        }
        Some(ReadStats {
            deduplicated: out.finish_cascade(self.options.dedupe),
        })
    }

    fn next_streaming(
        &mut self,
        out: &mut CascadeSet,
        users: &mut Interner,
    ) -> Result<Option<ReadStats>> {
        loop {
            if let Some(p) = self.pending.take() {
                out.begin_cascade(&p.name);
                out.push_event(p.time, p.magnitude, users.intern(&p.user));
                self.current = Some(p.name);
            }
            if !self.read_record()? {
                if self.current.is_some() {
                    if let Some(stats) = self.finish(out) {
                        return Ok(Some(stats));
                    }
                } else if self.rows == 0 && self.skipped.is_empty() {
                    let kind = match &self.fixed_name {
                        Some(name) => InputErrorKind::EmptyCascade(name.clone()),
                        None => InputErrorKind::Empty,
                    };
                    return Err(InputError::new(Location::file(&self.path), kind).into());
                }
                return Ok(None);
            }
            let line = self.line();
            let row = match self.parse_row(line) {
                Ok(row) => row,
                Err(e) if self.options.skip_invalid => {
                    self.skipped.push(e);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let (name, time, magnitude, user) = row;
            match self.current.as_deref() {
                Some(cur) if cur == name => {
                    let uid = users.intern(user);
                    out.push_event(time, magnitude, uid);
                }
                Some(_) => {
                    let pending = Pending {
                        name: name.to_string(),
                        time,
                        magnitude,
                        user: user.to_string(),
                    };
                    if let Err(e) = self.check_new(&pending.name, line) {
                        if self.options.skip_invalid {
                            self.skipped.push(e);
                            continue;
                        }
                        return Err(e.into());
                    }
                    self.pending = Some(pending);
                    if let Some(stats) = self.finish(out) {
                        return Ok(Some(stats));
                    }
                }
                None => {
                    let (name, user) = (name.to_string(), user.to_string());
                    if let Err(e) = self.check_new(&name, line) {
                        if self.options.skip_invalid {
                            self.skipped.push(e);
                            continue;
                        }
                        return Err(e.into());
                    }
                    out.begin_cascade(&name);
                    out.push_event(time, magnitude, users.intern(&user));
                    self.current = Some(name);
                }
            }
        }
    }

    /// Checks that `name` starts a cascade not seen before, and records it.
    fn check_new(&mut self, name: &str, line: u64) -> Result<(), InputError> {
        if self.cols.cascade.is_some() && !self.seen.insert(id_hash(name)) {
            return Err(InputError::new(
                Location::line(&self.path, line).with_field("cascade_id"),
                InputErrorKind::CascadeReappears {
                    cascade: name.to_string(),
                },
            ));
        }
        Ok(())
    }

    /// `--group`: reads every row, grouping by cascade id in order of first appearance.
    fn slurp(&mut self, users: &mut Interner) -> Result<()> {
        let mut index: HashMap<String, usize> = HashMap::default();
        let mut groups: Vec<Group> = Vec::new();
        while self.read_record()? {
            let line = self.line();
            match self.parse_row(line) {
                Ok((name, time, magnitude, user)) => {
                    let uid = users.intern(user);
                    let gi = match index.get(name) {
                        Some(&gi) => gi,
                        None => {
                            index.insert(name.to_string(), groups.len());
                            groups.push((name.to_string(), Vec::new()));
                            groups.len() - 1
                        }
                    };
                    groups[gi].1.push((time, magnitude, uid));
                }
                Err(e) if self.options.skip_invalid => self.skipped.push(e),
                Err(e) => return Err(e.into()),
            }
        }
        if self.rows == 0 {
            return Err(InputError::new(Location::file(&self.path), InputErrorKind::Empty).into());
        }
        self.grouped = Some(groups.into());
        Ok(())
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let loc = match line {
        Some(l) => Location::line(path, l),
        None => Location::file(path),
    };
    match e.kind() {
        csv::ErrorKind::Io(io) => Error::io(path, std::io::Error::new(io.kind(), io.to_string())),
        _ => InputError::new(loc, InputErrorKind::Csv(e.to_string())).into(),
    }
}

impl CascadeSource for CsvReader {
    fn next_cascade(
        &mut self,
        out: &mut CascadeSet,
        users: &mut Interner,
    ) -> Result<Option<ReadStats>> {
        if !self.options.group || self.cols.cascade.is_none() {
            return self.next_streaming(out, users);
        }
        if self.grouped.is_none() {
            self.slurp(users)?;
        }
        let queue = self.grouped.as_mut().expect("filled by slurp");
        let Some((name, events)) = queue.pop_front() else {
            return Ok(None);
        };
        out.begin_cascade(&name);
        for (t, m, u) in events {
            out.push_event(t, m, u);
        }
        Ok(Some(ReadStats {
            deduplicated: out.finish_cascade(self.options.dedupe),
        }))
    }

    fn take_skipped(&mut self) -> Vec<InputError> {
        std::mem::take(&mut self.skipped)
    }

    fn bytes_read(&self) -> u64 {
        self.rdr.position().byte()
    }

    fn total_bytes(&self) -> Option<u64> {
        self.total
    }
}

/// Reader of the reference's per-cascade files: each file is one cascade named by its stem.
pub(super) struct CasinReader {
    files: Vec<PathBuf>,
    next: usize,
    options: ReadOptions,
    skipped: Vec<InputError>,
    done_bytes: u64,
    current_bytes: u64,
    total: u64,
}

impl CasinReader {
    pub(super) fn new(files: Vec<PathBuf>, options: ReadOptions) -> Self {
        let total = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        CasinReader {
            files,
            next: 0,
            options,
            skipped: Vec::new(),
            done_bytes: 0,
            current_bytes: 0,
            total,
        }
    }
}

impl CascadeSource for CasinReader {
    fn next_cascade(
        &mut self,
        out: &mut CascadeSet,
        users: &mut Interner,
    ) -> Result<Option<ReadStats>> {
        while self.next < self.files.len() {
            let path = self.files[self.next].clone();
            self.next += 1;
            self.done_bytes += self.current_bytes;
            self.current_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut opts = self.options;
            opts.group = false;
            let mut reader = CsvReader::open(&path, Some(stem), opts)?;
            let stats = reader.next_cascade(out, users)?;
            self.skipped.extend(reader.take_skipped());
            if let Some(stats) = stats {
                return Ok(Some(stats));
            }
        }
        Ok(None)
    }

    fn take_skipped(&mut self) -> Vec<InputError> {
        std::mem::take(&mut self.skipped)
    }

    fn bytes_read(&self) -> u64 {
        self.done_bytes
    }

    fn total_bytes(&self) -> Option<u64> {
        Some(self.total)
    }
}
