//! JSON Lines reader: one cascade per line,
//! `{"cascade_id": "c1", "events": [{"time": 0, "user_id": "u1", "followers": 10}, …]}`.
//!
//! `user_id` and `cascade_id` may be strings or numbers; `time` a number of seconds or an
//! RFC 3339 string; `magnitude` is accepted for `followers`. Blank lines are allowed.
//! Memory: one line at a time, plus 18 bytes per cascade id (to reject a repeated id; see
//! `seen.rs`).

use super::parse::{check_magnitude, parse_time};
use super::{CascadeSource, ReadOptions, ReadStats};
use crate::cascade::{CascadeSet, Interner};
use crate::error::{Error, InputError, InputErrorKind, Location, Result};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Reader of a JSON Lines file of cascades.
pub struct JsonlReader {
    path: PathBuf,
    reader: BufReader<Box<dyn Read + Send>>,
    options: ReadOptions,
    line_no: u64,
    bytes: u64,
    total: Option<u64>,
    seen: super::seen::SeenIds,
    skipped: Vec<InputError>,
    any_line: bool,
    buf: String,
}

impl JsonlReader {
    /// Opens `path` (`-` is standard input).
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn open(path: &Path, options: ReadOptions) -> Result<Self> {
        let (reader, total) = super::open_input(path)?;
        Ok(JsonlReader {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(1 << 20, reader),
            options,
            line_no: 0,
            bytes: 0,
            total,
            seen: super::seen::SeenIds::default(),
            skipped: Vec::new(),
            any_line: false,
            buf: String::new(),
        })
    }

    fn err(&self, field: Option<&str>, kind: InputErrorKind) -> InputError {
        let mut loc = Location::line(&self.path, self.line_no);
        if let Some(f) = field {
            loc = loc.with_field(f);
        }
        InputError::new(loc, kind)
    }

    fn json(&self, field: Option<&str>, msg: String) -> InputError {
        self.err(field, InputErrorKind::Json(msg))
    }

    /// Parses the line in `self.buf` into `out`. Event-level errors are skipped with
    /// `skip_invalid`; line-level errors are returned.
    fn parse_line(
        &mut self,
        out: &mut CascadeSet,
        users: &mut Interner,
    ) -> Result<Option<ReadStats>, InputError> {
        let value: Value = serde_json::from_str(&self.buf)
            .map_err(|e| self.json(None, format!("invalid JSON: {e}")))?;
        let obj = value
            .as_object()
            .ok_or_else(|| self.json(None, "expected a JSON object".into()))?;
        let name = match obj.get("cascade_id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(self.json(Some("cascade_id"), "missing or not a string/number".into())),
        };
        let events = obj
            .get("events")
            .and_then(Value::as_array)
            .ok_or_else(|| self.json(Some("events"), "missing or not an array of events".into()))?;
        if !self.seen.insert(&name) {
            return Err(self.err(
                Some("cascade_id"),
                InputErrorKind::CascadeReappears { cascade: name },
            ));
        }
        out.begin_cascade(&name);
        for (i, ev) in events.iter().enumerate() {
            match self.parse_event(i, ev) {
                Ok((t, m, u)) => out.push_valid(t, m, users.intern(&u)),
                Err(e) if self.options.skip_invalid => self.skipped.push(e),
                Err(e) => {
                    out.abandon_cascade();
                    return Err(e);
                }
            }
        }
        if out.open_len() == 0 {
            out.abandon_cascade();
            return Err(self.err(Some("events"), InputErrorKind::EmptyCascade(name)));
        }
        Ok(Some(ReadStats {
            deduplicated: out.finish_cascade(self.options.dedupe),
        }))
    }

    fn parse_event(&self, i: usize, ev: &Value) -> Result<(f64, f64, String), InputError> {
        let f = |k: &str| format!("events[{i}].{k}");
        let obj = ev
            .as_object()
            .ok_or_else(|| self.json(Some(&format!("events[{i}]")), "expected an object".into()))?;
        let time = match obj.get("time") {
            Some(Value::Number(n)) => {
                let v = n.as_f64().unwrap_or(f64::NAN);
                parse_time(&v.to_string()).map_err(|k| self.err(Some(&f("time")), k))?
            }
            Some(Value::String(s)) => parse_time(s).map_err(|k| self.err(Some(&f("time")), k))?,
            _ => return Err(self.json(Some(&f("time")), "missing or not a number/string".into())),
        };
        let (key, mag) = match (obj.get("followers"), obj.get("magnitude")) {
            (Some(v), _) => ("followers", v),
            (None, Some(v)) => ("magnitude", v),
            (None, None) => {
                return Err(self.json(Some(&f("followers")), "missing (or `magnitude`)".into()));
            }
        };
        let magnitude = match mag {
            Value::Number(n) => {
                let v = n.as_f64().unwrap_or(f64::NAN);
                check_magnitude(v, &n.to_string()).map_err(|k| self.err(Some(&f(key)), k))?
            }
            _ => {
                return Err(self.err(
                    Some(&f(key)),
                    InputErrorKind::NotANumber {
                        found: mag.to_string(),
                    },
                ));
            }
        };
        let user = match obj.get("user_id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(self.json(Some(&f("user_id")), "missing or not a string/number".into()));
            }
        };
        Ok((time, magnitude, user))
    }
}

impl CascadeSource for JsonlReader {
    fn next_cascade(
        &mut self,
        out: &mut CascadeSet,
        users: &mut Interner,
    ) -> Result<Option<ReadStats>> {
        loop {
            self.buf.clear();
            let n = self
                .reader
                .read_line(&mut self.buf)
                .map_err(|e| Error::io(&self.path, e))?;
            if n == 0 {
                if !self.any_line {
                    return Err(
                        InputError::new(Location::file(&self.path), InputErrorKind::Empty).into(),
                    );
                }
                return Ok(None);
            }
            self.bytes += n as u64;
            self.line_no += 1;
            if self.buf.trim().is_empty() {
                continue;
            }
            self.any_line = true;
            match self.parse_line(out, users) {
                Ok(stats) => return Ok(stats),
                Err(e) if self.options.skip_invalid => self.skipped.push(e),
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn take_skipped(&mut self) -> Vec<InputError> {
        std::mem::take(&mut self.skipped)
    }

    fn bytes_read(&self) -> u64 {
        self.bytes
    }

    fn total_bytes(&self) -> Option<u64> {
        self.total
    }
}
