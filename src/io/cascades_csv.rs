//! Rows → cascades: the long format (`cascade_id,time,user_id,followers`) and the public
//! reference's per-cascade files (`time,magnitude,user_id`, one file per cascade), over the
//! shared row source ([`super::rows`]).
//!
//! Memory: one cascade at a time, plus 18 bytes per cascade id seen (a 128-bit hash, to detect
//! a cascade that reappears after another, see [`super::seen`]; a false alarm needs a 128-bit
//! collision). With `group`, the whole input (about 40 bytes per event).

use super::groups::{Events, Groups};
use super::parse::{parse_magnitude, parse_time};
use super::rows::{RowSource, Rows, general_only, trimmed};
use super::seen::SeenIds;
use super::{CascadeSource, ReadOptions, ReadStats};
use crate::cascade::{CascadeSet, Interner, Key};
use crate::error::{InputError, InputErrorKind, Location, Result};
use std::collections::VecDeque;
use std::path::Path;

/// Column positions found in the header.
#[derive(Clone, Copy, Debug)]
struct Columns {
    cascade: Option<usize>,
    time: usize,
    magnitude: usize,
    user: usize,
    n_fields: usize,
}

/// One cascade held by `--group`: its id and its events.
type Group = (String, Events);

/// A parsed row waiting to start the next cascade (its buffers are reused from cascade to
/// cascade).
#[derive(Debug, Default)]
struct Pending {
    name: String,
    time: f64,
    magnitude: f64,
    user: String,
}

/// An event whose user is looked up one row late (see `next_streaming`): it joins the output
/// when its user is known, so the events always carry real users.
#[derive(Debug, Default)]
struct Late {
    /// Its time and magnitude, while it waits.
    event: Option<(f64, f64)>,
    user: String,
    key: Key,
}

impl Late {
    /// Looks the waiting event's user up and adds the event to `out`.
    #[inline]
    fn resolve(&mut self, out: &mut CascadeSet, users: &mut Interner) {
        if let Some((time, magnitude)) = self.event.take() {
            out.push_valid(time, magnitude, users.intern_keyed(&self.user, self.key));
        }
    }
}

/// Reader of one CSV file. With `fixed_name`, the whole file is one cascade of that name
/// (the per-cascade format); otherwise the `cascade_id` column names the cascades.
pub struct CsvReader {
    rows: RowSource,
    cols: Columns,
    fixed_name: Option<String>,
    options: ReadOptions,
    /// The last event, until its user is looked up.
    late: Late,
    /// `next` holds the first row of a cascade not begun yet.
    pending: bool,
    next: Pending,
    /// A cascade is open in the output, named `current`.
    open: bool,
    current: String,
    seen: SeenIds,
    skipped: Vec<InputError>,
    grouped: Option<VecDeque<Group>>,
}

/// `a == b`; ids of 4 to 16 bytes (most) by two overlapping loads each instead of a call to
/// `memcmp`.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |x: &[u8], at: usize| u64::from_le_bytes(x[at..at + 8].try_into().expect("8"));
    let half = |x: &[u8], at: usize| u32::from_le_bytes(x[at..at + 4].try_into().expect("4"));
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

/// Parses the current row of `rows` into (cascade name, time, magnitude, user).
#[inline]
fn parse_row<'a>(
    rows: &'a RowSource,
    c: &Columns,
    fixed_name: Option<&'a str>,
) -> Result<(&'a str, f64, f64, &'a str), InputError> {
    rows.check_field_count()?;
    let [t, m, user] = rows.fields([c.time, c.magnitude, c.user]);
    let name = match c.cascade {
        Some(i) => rows.field(i),
        None => fixed_name.unwrap_or(""),
    };
    let magnitude_name = if fixed_name.is_some() {
        "magnitude"
    } else {
        "followers"
    };
    let time = parse_time(t).map_err(|k| InputError::new(rows.at("time"), k))?;
    let magnitude = parse_magnitude(m).map_err(|k| InputError::new(rows.at(magnitude_name), k))?;
    Ok((name, time, magnitude, user))
}

/// A fast-path row waiting for its user: time, magnitude, the user's range in the block, key.
type FastLate = Option<(f64, f64, (usize, usize), Key)>;

/// Adds the waiting fast-path event of `late` (its user a range of `text`) to `out`.
#[inline(always)]
fn resolve_fast(text: &str, late: FastLate, out: &mut CascadeSet, users: &mut Interner) {
    if let Some((time, magnitude, (a, b), key)) = late {
        out.push_valid(time, magnitude, users.intern_keyed(&text[a..b], key));
    }
}

impl CsvReader {
    /// Opens `path` (`-` is standard input; gzip is decompressed) and reads its header.
    ///
    /// # Errors
    /// The file cannot be opened, is empty, or its header lacks a required column.
    pub fn open(path: &Path, fixed_name: Option<String>, options: ReadOptions) -> Result<Self> {
        Self::open_with(path, fixed_name, options, general_only())
    }

    /// As [`Self::open`]; with `general`, every row goes through the `csv` crate.
    pub(super) fn open_with(
        path: &Path,
        fixed_name: Option<String>,
        options: ReadOptions,
        general: bool,
    ) -> Result<Self> {
        let rows = RowSource::open(path, general)?;
        let hint = if fixed_name.is_some() {
            "per-cascade files need `time`, `magnitude` (or `followers`) and `user_id`"
        } else {
            "the long CSV format needs `cascade_id`, `time`, `user_id` and `followers` (or `magnitude`)"
        };
        let cascade = if fixed_name.is_some() {
            None
        } else {
            Some(rows.require("cascade_id", &["cascade_id"], hint)?)
        };
        let cols = Columns {
            cascade,
            time: rows.require("time", &["time"], hint)?,
            magnitude: rows.require("followers", &["followers", "magnitude"], hint)?,
            user: rows.require("user_id", &["user_id"], hint)?,
            n_fields: rows.header().len(),
        };
        Ok(CsvReader {
            rows,
            cols,
            fixed_name,
            options,
            pending: false,
            next: Pending::default(),
            late: Late::default(),
            open: false,
            current: String::new(),
            seen: SeenIds::default(),
            skipped: Vec::new(),
            grouped: None,
        })
    }

    fn finish(&mut self, out: &mut CascadeSet, users: &mut Interner) -> Option<ReadStats> {
        self.late.resolve(out, users);
        self.open = false;
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
            if self.pending {
                self.pending = false;
                let p = &mut self.next;
                out.begin_cascade(&p.name);
                out.push_valid(p.time, p.magnitude, users.intern(&p.user));
                std::mem::swap(&mut self.current, &mut p.name);
                self.open = true;
            }
            if self.open {
                self.fast_rows(out, users);
            }
            if !self.rows.read_record()? {
                if self.open {
                    if let Some(stats) = self.finish(out, users) {
                        return Ok(Some(stats));
                    }
                } else if self.rows.rows() == 0 && self.skipped.is_empty() {
                    let kind = match &self.fixed_name {
                        Some(name) => InputErrorKind::EmptyCascade(name.clone()),
                        None => InputErrorKind::Empty,
                    };
                    return Err(InputError::new(Location::file(self.rows.path()), kind).into());
                }
                return Ok(None);
            }
            let line = self.rows.line();
            let (name, time, magnitude, user) =
                match parse_row(&self.rows, &self.cols, self.fixed_name.as_deref()) {
                    Ok(row) => row,
                    Err(e) if self.options.skip_invalid => {
                        self.skipped.push(e);
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
            if self.open && self.current == name {
                // Looked up one row late: its table slot loads while the next row is parsed.
                let key = Key::of(user);
                users.prefetch(key);
                let late = &mut self.late;
                late.resolve(out, users);
                late.user.clear();
                late.user.push_str(user);
                late.key = key;
                late.event = Some((time, magnitude));
                continue;
            }
            // The first row of a new cascade: held in `next` until the open one is finished.
            let next = &mut self.next;
            next.name.clear();
            next.name.push_str(name);
            next.user.clear();
            next.user.push_str(user);
            (next.time, next.magnitude) = (time, magnitude);
            if let Err(e) = self.check_new(line) {
                if self.options.skip_invalid {
                    self.skipped.push(e);
                    continue;
                }
                return Err(e.into());
            }
            self.pending = true;
            if self.open
                && let Some(stats) = self.finish(out, users)
            {
                return Ok(Some(stats));
            }
        }
    }

    /// Takes the rows that continue the open cascade in the common shape straight from the
    /// block: the header's number of fields, the cascade id as the open one's, both numbers
    /// plain decimals ([`super::fast_decimal`]), a user id without spaces to trim. Each gives
    /// what the general path would (the same values, user and line), without its per-row
    /// steps; the first row of another shape, or of another cascade, is left to it.
    fn fast_rows(&mut self, out: &mut CascadeSet, users: &mut Interner) {
        let RowSource {
            src: Rows::Fast(lines),
            rows,
            row_line,
            ..
        } = &mut self.rows
        else {
            return;
        };
        let c = self.cols;
        let mut all = [(0, 0); 8];
        let (Some(cascade), Some(fields)) = (c.cascade, all.get_mut(..c.n_fields)) else {
            return;
        };
        self.late.resolve(out, users);
        // The last row's time, magnitude, user (a range of the block, which stays put until
        // the next `peek_fields` fails) and key, until the next row is parsed.
        let mut late: FastLate = None;
        loop {
            let text = lines.text();
            let Some(next_line) = lines.peek_fields(fields) else {
                return resolve_fast(text, late, out, users);
            };
            let field = |i: usize| &text[fields[i].0..fields[i].1];
            let user = field(c.user);
            // (The open cascade's id is trimmed: an id with spaces to trim differs.)
            if !same_bytes(field(cascade).as_bytes(), self.current.as_bytes())
                || trimmed(user).len() != user.len()
            {
                return resolve_fast(text, late, out, users);
            }
            let (Some(time), Some(magnitude)) = (
                super::fast_decimal(field(c.time)),
                super::fast_decimal(field(c.magnitude)),
            ) else {
                return resolve_fast(text, late, out, users);
            };
            let key = Key::of(user);
            users.prefetch(key);
            resolve_fast(text, late, out, users);
            late = Some((time, magnitude, fields[c.user], key));
            *rows += 1;
            *row_line = lines.line();
            lines.skip_to(next_line);
        }
    }

    /// Checks that the cascade of `next` was not seen before, and records it.
    fn check_new(&mut self, line: u64) -> Result<(), InputError> {
        let name = &self.next.name;
        if self.cols.cascade.is_some() && !self.seen.insert(name) {
            return Err(InputError::new(
                Location::line(self.rows.path(), line).with_field("cascade_id"),
                InputErrorKind::CascadeReappears {
                    cascade: name.to_string(),
                },
            ));
        }
        Ok(())
    }

    /// `--group`: reads every row, grouping by cascade id in order of first appearance.
    fn slurp(&mut self, users: &mut Interner) -> Result<()> {
        let mut groups: Groups<Events> = Groups::new();
        while self.rows.read_record()? {
            match parse_row(&self.rows, &self.cols, self.fixed_name.as_deref()) {
                Ok((name, time, magnitude, user)) => {
                    let uid = users.intern(user);
                    groups.entry(name).push((time, magnitude, uid));
                }
                Err(e) if self.options.skip_invalid => self.skipped.push(e),
                Err(e) => return Err(e.into()),
            }
        }
        if self.rows.rows() == 0 {
            return Err(
                InputError::new(Location::file(self.rows.path()), InputErrorKind::Empty).into(),
            );
        }
        self.grouped = Some(groups.into_vec().into());
        Ok(())
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
            out.push_valid(t, m, u);
        }
        Ok(Some(ReadStats {
            deduplicated: out.finish_cascade(self.options.dedupe),
        }))
    }

    fn take_skipped(&mut self) -> Vec<InputError> {
        std::mem::take(&mut self.skipped)
    }

    fn bytes_read(&self) -> u64 {
        self.rows.bytes_read()
    }

    fn total_bytes(&self) -> Option<u64> {
        self.rows.total_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cascade::Dedupe;
    use proptest::prelude::*;

    /// Everything a reader made of a file: cascades as (name, [(time, magnitude, user)]), the
    /// skipped rows' messages, the error that stopped it and the user ids in id order.
    type Outcome = (
        Vec<(String, Vec<(f64, f64, String)>)>,
        Vec<String>,
        Option<String>,
        Vec<String>,
    );

    fn read_all(path: &Path, fixed: Option<&str>, options: ReadOptions, general: bool) -> Outcome {
        let mut cascades = Vec::new();
        let mut skipped = Vec::new();
        let mut users = Interner::new();
        let mut reader = match CsvReader::open_with(path, fixed.map(String::from), options, general)
        {
            Ok(r) => r,
            Err(e) => return (cascades, skipped, Some(e.to_string()), Vec::new()),
        };
        let mut error = None;
        loop {
            let mut set = CascadeSet::new();
            match reader.next_cascade(&mut set, &mut users) {
                Ok(Some(_)) => {
                    let c = set.get(0);
                    let events = (0..c.len())
                        .map(|k| (c.times[k], c.magnitudes[k], users.name(c.users[k]).into()))
                        .collect();
                    cascades.push((c.name.to_string(), events));
                }
                Ok(None) => break,
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
            }
            skipped.extend(reader.take_skipped().iter().map(|e| e.to_string()));
        }
        skipped.extend(reader.take_skipped().iter().map(|e| e.to_string()));
        // The ids and their order, which users.csv shows. After an error the run stops and
        // nothing reads the interner again; the fast path may by then have interned the
        // users of rows before the failing one that the general path looks up one row later
        // (found by proptest: `a,c1…` / `0,c1…` / a short row), so ids are compared only for
        // reads that end without an error.
        let ids = if error.is_none() {
            users.names_from(0).map(String::from).collect()
        } else {
            Vec::new()
        };
        (cascades, skipped, error, ids)
    }

    /// `message` with the line number after `prefix` replaced by `#`.
    fn mask_line(message: &str, prefix: &str) -> String {
        match message.strip_prefix(prefix) {
            Some(rest) => {
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                format!("{prefix}#{}", &rest[digits..])
            }
            None => message.to_string(),
        }
    }

    /// Pieces of input that exercise the fast path's edges and hand-over points.
    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-z0-9]{1,6}",
            2 => (0u32..100_000).prop_map(|v| v.to_string()),
            1 => (0u32..1000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
            1 => Just(" x ".to_string()),
            1 => Just("ü".to_string()),
            1 => Just("-1".to_string()),
            1 => Just("2020-01-01T00:00:05Z".to_string()),
            1 => Just(String::new()),
            1 => Just("\"q,x\"".to_string()),
            1 => Just("nan".to_string()),
        ]
    }

    fn line_end() -> impl Strategy<Value = &'static str> {
        prop_oneof![8 => Just("\n"), 2 => Just("\r\n"), 1 => Just("\n\n"), 1 => Just("\r")]
    }

    fn file() -> impl Strategy<Value = Vec<u8>> {
        let row = (0usize..4, prop::collection::vec(field(), 3..6), line_end());
        (
            prop::collection::vec(row, 0..40),
            any::<bool>(),
            prop::option::of(0usize..400),
        )
            .prop_map(|(rows, extra, bad_byte)| {
                let mut text = String::from(if extra {
                    "user_id,cascade_id,time,followers,note\n"
                } else {
                    "cascade_id,time,user_id,followers\n"
                });
                for (cascade, fields, end) in rows {
                    let mut f = fields;
                    let at = if extra { 1 } else { 0 };
                    if at < f.len() {
                        f[at] = format!("c{cascade}");
                    }
                    text.push_str(&f.join(","));
                    text.push_str(end);
                }
                let mut bytes = text.into_bytes();
                if let Some(at) = bad_byte.filter(|&at| at < bytes.len()) {
                    bytes[at] = 0xff;
                }
                bytes
            })
    }

    proptest! {
        // 300 cases, scaled by PROPTEST_CASES as every property (tests/integration/util.rs).
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse::<u32>().ok())
                .map_or(300, |n| (300 * u64::from(n) / 256).max(1) as u32)
        ))]
        /// The fast path reads exactly what the `csv` crate reads: the same cascades, the same
        /// skipped rows and the same errors at the same lines, for any mix of quotes, CRs,
        /// empty lines, bad values and invalid UTF-8.
        #[test]
        fn fast_path_reads_as_the_general_reader(
            bytes in file(),
            skip in any::<bool>(),
            dedupe in 0u8..2,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("in.csv");
            std::fs::write(&path, &bytes).unwrap();
            let options = ReadOptions {
                skip_invalid: skip,
                group: false,
                dedupe: if dedupe == 0 { Dedupe::None } else { Dedupe::Last },
            };
            let mut fast = read_all(&path, None, options, false);
            let mut general = read_all(&path, None, options, true);
            // The `csv` crate names the line before a row that follows a CRLF or an empty line
            // (it takes a record's position before skipping those bytes); the fast path names
            // the row's own line. Elsewhere the lines must agree.
            if bytes.windows(2).any(|w| w == b"\r\n" || w == b"\n\n") {
                let prefix = format!("{}:", path.display());
                for outcome in [&mut fast, &mut general] {
                    for m in outcome.1.iter_mut().chain(outcome.2.iter_mut()) {
                        *m = mask_line(m, &prefix);
                    }
                }
            }
            prop_assert_eq!(fast, general);
        }
    }

    #[test]
    fn same_bytes_is_equality() {
        let words: Vec<Vec<u8>> = (0..=20)
            .flat_map(|n| {
                let base: Vec<u8> = (0..n as u8).map(|i| b'a' + i).collect();
                let mut variants = vec![base.clone()];
                for k in 0..n {
                    let mut v = base.clone();
                    v[k] = b'#';
                    variants.push(v);
                }
                variants
            })
            .collect();
        for a in &words {
            for b in &words {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn user_ids_are_numbered_in_order_of_first_appearance() {
        // Rows of the fast path look their users up one row late; the numbering must not
        // notice, on either path.
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut text = String::from("cascade_id,time,user_id,followers\n");
        let mut first_seen = Vec::new();
        for c in 0..300 {
            for _ in 0..rng.random_range(1..20) {
                let user = format!("u{}", rng.random_range(0..500));
                if !first_seen.contains(&user) {
                    first_seen.push(user.clone());
                }
                let t: u32 = rng.random_range(0..1000);
                text.push_str(&format!("c{c},{t},{user},5\n"));
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, text).unwrap();
        for general in [false, true] {
            let (cascades, _, error, ids) = read_all(&path, None, ReadOptions::default(), general);
            assert_eq!((cascades.len(), error), (300, None));
            assert_eq!(ids, first_seen, "general path: {general}");
        }
    }

    #[test]
    fn rows_after_a_quote_go_through_csv_with_true_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        let text =
            "cascade_id,time,user_id,followers\nc,1,a,1\nc,2,\"b,\nb\",1\nc,3,c,1\nc,x,d,1\n";
        std::fs::write(&path, text).unwrap();
        let options = ReadOptions::default();
        let (cascades, _, error, _) = read_all(&path, None, options, false);
        assert!(cascades.is_empty(), "the bad time stops the only cascade");
        let error = error.expect("line 6 has a bad time");
        assert!(
            error.contains("in.csv:6:") && error.contains("time"),
            "the line number counts the quoted line break: {error}"
        );
        let ok = "cascade_id,time,user_id,followers\nc,1,a,1\nc,2,\"b,\nb\",1\nc,3,c,1\n";
        std::fs::write(&path, ok).unwrap();
        let (cascades, _, error, _) = read_all(&path, None, options, false);
        assert_eq!(error, None);
        let users: Vec<&str> = cascades[0].1.iter().map(|e| e.2.as_str()).collect();
        assert_eq!(
            users,
            ["a", "b,\nb", "c"],
            "rows before, in and after the quote"
        );
    }
}
