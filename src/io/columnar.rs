//! Parquet and Arrow IPC: long tables in, result tables out, and the Arrow C stream interface
//! (how the Python bindings exchange data frames without copying them through text).
//!
//! - In: [`Batches`] are the record batches of a Parquet file, an Arrow IPC file or stream, or
//!   any [`RecordBatchReader`] (an Arrow C stream from Python). [`ColumnarReader`] turns them
//!   into cascades ([`CascadeSource`], the same contract as the CSV reader: one cascade per
//!   call, contiguous cascades unless `group`, located errors, `skip_invalid`); and
//!   [`read_node_cascades`] into NetInf's [`NodeCascades`].
//! - Columns are found by name as in the CSV readers (trimmed, case-insensitive, the same
//!   aliases). Ids may be text (`Utf8`, `LargeUtf8`, `Utf8View`), integers (read as their
//!   decimal text, so `7` and `"7"` are the same user) or dictionary-encoded text: a dictionary
//!   value is interned once per batch, not once per row. Times may be numbers of seconds,
//!   timestamps (any unit: seconds since the Unix epoch, as an RFC 3339 text in a CSV) or text
//!   (parsed as the CSV readers parse it); magnitudes any number type. A null is an error
//!   naming its row and column.
//! - Out: [`to_columnar`] rewrites a finished CSV output (a staged [`OutputFile`]) as Parquet
//!   (Snappy) or an Arrow IPC file when its path says so (`.parquet`, `.arrow`): every table
//!   writer gets typed binary output with the very values of its CSV (floats are written in
//!   shortest round-trip text and read back to the same bits). Column types come from the
//!   whole table: ids stay text; a column whose every value is an integer is `Int64`, a number
//!   `Float64`, anything else text.
//!
//! Errors name the file (or the stream's name), the 1-based row and the column.

use super::groups::{Events, Groups};
use super::parse::{check_magnitude, parse_time};
use super::seen::SeenIds;
use super::snap_text::{LongCascades, NODE_COLUMNS, TIME_COLUMNS};
use super::{CascadeSource, Format, ReadOptions, ReadStats};
use crate::cascade::{CascadeSet, Interner, NodeCascades, UserId};
use crate::error::{Error, InputError, InputErrorKind, Location, Result};
use crate::io::atomic::{OutputFile, Staged};
use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, RecordBatchReader, StringArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per record batch read from a file (and written to one).
const BATCH_ROWS: usize = 64 * 1024;

/// A columnar file kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Columnar {
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// Arrow IPC, file or stream (`.arrow`, `.arrows`, `.ipc`, `.feather`).
    Arrow,
}

impl Columnar {
    /// The kind a file name says, if any (case-insensitive extension).
    pub fn of_path(path: &Path) -> Option<Self> {
        Self::of_format(super::columnar_format(path)?)
    }

    /// The kind of an input [`Format`] (`None` for the text formats).
    pub fn of_format(format: Format) -> Option<Self> {
        match format {
            Format::Parquet => Some(Columnar::Parquet),
            Format::Arrow => Some(Columnar::Arrow),
            _ => None,
        }
    }
}

type BatchIter = Box<dyn Iterator<Item = std::result::Result<RecordBatch, ArrowError>> + Send>;

/// The record batches of one table, and where they come from (for errors and progress).
pub struct Batches {
    path: PathBuf,
    schema: SchemaRef,
    iter: BatchIter,
    total_rows: Option<u64>,
    total_bytes: Option<u64>,
    rows_read: u64,
}

impl std::fmt::Debug for Batches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batches")
            .field("path", &self.path)
            .field("rows_read", &self.rows_read)
            .finish_non_exhaustive()
    }
}

fn malformed(path: &Path, row: Option<u64>, e: impl std::fmt::Display) -> Error {
    let location = match row {
        Some(r) => Location::row(path, r),
        None => Location::file(path),
    };
    InputError::new(location, InputErrorKind::Columnar(e.to_string())).into()
}

impl Batches {
    /// Opens a Parquet file or an Arrow IPC file or stream (the IPC file's magic bytes tell
    /// which).
    ///
    /// # Errors
    /// A file that cannot be opened or is not of `kind`.
    pub fn open(path: &Path, kind: Columnar) -> Result<Self> {
        use std::io::{Read, Seek};
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let total_bytes = file.metadata().ok().map(|m| m.len());
        let (schema, iter, total_rows): (SchemaRef, BatchIter, Option<u64>) = match kind {
            Columnar::Parquet => {
                use parquet::arrow::arrow_reader::{
                    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
                };
                // Text columns come as dictionaries (Parquet stores them dictionary-encoded
                // when it can): an id is then interned once per dictionary value, not per row.
                let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
                    .map_err(|e| malformed(path, None, e))?;
                let fields: Vec<Field> = meta
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| match f.data_type() {
                        DataType::Utf8 | DataType::LargeUtf8 => {
                            f.as_ref().clone().with_data_type(DataType::Dictionary(
                                Box::new(DataType::Int32),
                                Box::new(DataType::Utf8),
                            ))
                        }
                        _ => f.as_ref().clone(),
                    })
                    .collect();
                let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(fields)));
                let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
                    .map_err(|e| malformed(path, None, e))?;
                let rows = u64::try_from(builder.metadata().file_metadata().num_rows()).ok();
                let reader = builder
                    .with_batch_size(BATCH_ROWS)
                    .build()
                    .map_err(|e| malformed(path, None, e))?;
                (reader.schema(), Box::new(reader), rows)
            }
            Columnar::Arrow => {
                let mut magic = [0u8; 6];
                let n = file.read(&mut magic).map_err(|e| Error::io(path, e))?;
                file.seek(std::io::SeekFrom::Start(0))
                    .map_err(|e| Error::io(path, e))?;
                if n == 6 && &magic == b"ARROW1" {
                    let reader = arrow_ipc::reader::FileReader::try_new(file, None)
                        .map_err(|e| malformed(path, None, e))?;
                    let rows = None;
                    (reader.schema(), Box::new(reader), rows)
                } else {
                    let reader = arrow_ipc::reader::StreamReader::try_new(
                        std::io::BufReader::new(file),
                        None,
                    )
                    .map_err(|e| malformed(path, None, e))?;
                    (reader.schema(), Box::new(reader), None)
                }
            }
        };
        Ok(Batches {
            path: path.to_path_buf(),
            schema,
            iter,
            total_rows,
            total_bytes,
            rows_read: 0,
        })
    }

    /// The batches of `reader` (e.g. an Arrow C stream), named `name` in errors.
    pub fn from_reader(name: &str, reader: impl RecordBatchReader + Send + 'static) -> Self {
        Batches {
            path: PathBuf::from(name),
            schema: reader.schema(),
            iter: Box::new(reader),
            total_rows: None,
            total_bytes: None,
            rows_read: 0,
        }
    }

    /// The table's schema.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The file (or stream name).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next batch; its first row is row `rows_read + 1`.
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        match self.iter.next() {
            None => Ok(None),
            Some(Err(e)) => Err(malformed(&self.path, Some(self.rows_read + 1), e)),
            Some(Ok(b)) => {
                self.rows_read += b.num_rows() as u64;
                Ok(Some(b))
            }
        }
    }

    /// The index of the first column named one of `names` (trimmed, case-insensitive).
    fn column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| {
            self.schema
                .fields()
                .iter()
                .position(|f| f.name().trim().eq_ignore_ascii_case(n))
        })
    }

    /// As [`column`](Self::column), or a "missing column" error naming `column` and `hint`.
    fn require(&self, column: &str, names: &[&str], hint: &str) -> Result<usize> {
        self.column(names).ok_or_else(|| {
            let found: Vec<&str> = self
                .schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            InputError::new(
                Location::file(&self.path),
                InputErrorKind::MissingColumn {
                    column: column.to_string(),
                    found: found.join(","),
                    hint: hint.to_string(),
                },
            )
            .into()
        })
    }

    fn field_name(&self, i: usize) -> String {
        self.schema.field(i).name().clone()
    }
}

/// A column of ids as text, one batch.
enum Ids {
    /// Text (or integers formatted as text).
    Text(StringArray),
    /// Dictionary-encoded text: row → value index; each value interned once.
    Dict {
        keys: Vec<usize>,
        values: StringArray,
        /// The value's user id once interned (reset per batch).
        ids: Vec<Option<UserId>>,
    },
}

impl Ids {
    fn decode(a: &ArrayRef, location: impl Fn() -> Location) -> Result<Ids> {
        match a.data_type() {
            DataType::Dictionary(_, v) if is_id_type(v) => {
                let d = a.as_any_dictionary();
                let values = to_text(d.values(), &location)?;
                let keys = d.normalized_keys();
                let n = values.len();
                Ok(Ids::Dict {
                    keys,
                    values,
                    ids: vec![None; n],
                })
            }
            t if is_id_type(t) => Ok(Ids::Text(to_text(a, &location)?)),
            t => Err(InputError::new(
                location(),
                InputErrorKind::ColumnType {
                    found: t.to_string(),
                    expected: "text, integers or dictionary-encoded text (an id)",
                },
            )
            .into()),
        }
    }

    fn text(&self, i: usize) -> &str {
        match self {
            Ids::Text(s) => s.value(i),
            Ids::Dict { keys, values, .. } => values.value(keys[i]),
        }
    }

    /// The row's user, interned (a dictionary value only the first time in its batch).
    fn intern(&mut self, i: usize, users: &mut Interner) -> UserId {
        match self {
            Ids::Text(s) => users.intern(s.value(i)),
            Ids::Dict { keys, values, ids } => {
                let k = keys[i];
                *ids[k].get_or_insert_with(|| users.intern(values.value(k)))
            }
        }
    }
}

fn is_id_type(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) || t.is_integer()
}

fn to_text(a: &ArrayRef, location: &impl Fn() -> Location) -> Result<StringArray> {
    let cast = arrow_cast::cast(a, &DataType::Utf8)
        .map_err(|e| InputError::new(location(), InputErrorKind::Columnar(e.to_string())))?;
    Ok(cast.as_string::<i32>().clone())
}

/// Times of one batch.
enum Times {
    /// Seconds.
    Seconds(Float64Array),
    /// Text, parsed per row as the CSV readers parse it.
    Text(StringArray),
}

impl Times {
    fn decode(a: &ArrayRef, location: impl Fn() -> Location) -> Result<Times> {
        let t = a.data_type();
        if matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
            return Ok(Times::Text(to_text(a, &location)?));
        }
        if let DataType::Timestamp(unit, _) = t {
            // Seconds since the epoch as the RFC 3339 parser computes them: whole seconds,
            // plus the nanoseconds times 1e-9.
            let (per_s, values): (i64, Vec<Option<i64>>) = match unit {
                TimeUnit::Second => (1, a.as_primitive::<TimestampSecondType>().iter().collect()),
                TimeUnit::Millisecond => (
                    1_000,
                    a.as_primitive::<TimestampMillisecondType>()
                        .iter()
                        .collect(),
                ),
                TimeUnit::Microsecond => (
                    1_000_000,
                    a.as_primitive::<TimestampMicrosecondType>()
                        .iter()
                        .collect(),
                ),
                TimeUnit::Nanosecond => (
                    1_000_000_000,
                    a.as_primitive::<TimestampNanosecondType>().iter().collect(),
                ),
            };
            let secs: Float64Array = values
                .into_iter()
                .map(|v| {
                    v.map(|v| {
                        let s = v.div_euclid(per_s);
                        let nanos = v.rem_euclid(per_s) * (1_000_000_000 / per_s);
                        s as f64 + nanos as f64 * 1e-9
                    })
                })
                .collect();
            return Ok(Times::Seconds(secs));
        }
        if t.is_numeric() {
            return Ok(Times::Seconds(to_f64(a, &location)?));
        }
        Err(InputError::new(
            location(),
            InputErrorKind::ColumnType {
                found: t.to_string(),
                expected: "numbers of seconds, timestamps or text",
            },
        )
        .into())
    }

    fn get(&self, i: usize) -> std::result::Result<f64, InputErrorKind> {
        match self {
            Times::Seconds(a) => {
                let v = a.value(i);
                if !v.is_finite() {
                    Err(InputErrorKind::NotFinite {
                        found: v.to_string(),
                    })
                } else if v < 0.0 {
                    Err(InputErrorKind::NegativeTime(v))
                } else {
                    Ok(v)
                }
            }
            Times::Text(s) => parse_time(s.value(i)),
        }
    }
}

fn to_f64(a: &ArrayRef, location: &impl Fn() -> Location) -> Result<Float64Array> {
    if !a.data_type().is_numeric() {
        return Err(InputError::new(
            location(),
            InputErrorKind::ColumnType {
                found: a.data_type().to_string(),
                expected: "numbers",
            },
        )
        .into());
    }
    let cast = arrow_cast::cast(a, &DataType::Float64)
        .map_err(|e| InputError::new(location(), InputErrorKind::Columnar(e.to_string())))?;
    Ok(cast
        .as_primitive::<arrow_array::types::Float64Type>()
        .clone())
}

/// Whether row `i` is null in `nulls` (a column's logical nulls: dictionary values included).
fn null_at(nulls: &Option<NullBuffer>, i: usize) -> bool {
    nulls.as_ref().is_some_and(|n| n.is_null(i))
}

/// The columns of one decoded batch of events.
struct EventBatch {
    rows: usize,
    /// Row number (1-based) of the batch's first row.
    first_row: u64,
    cascade: Option<Ids>,
    time: Times,
    magnitude: Float64Array,
    user: Ids,
    nulls: [Option<NullBuffer>; 4],
}

/// Column positions of an events table.
#[derive(Clone, Copy, Debug)]
struct EventColumns {
    cascade: Option<usize>,
    time: usize,
    magnitude: usize,
    user: usize,
}

/// Names of the event columns, for errors: cascade, time, magnitude, user.
const EVENT_FIELDS: [&str; 4] = ["cascade_id", "time", "followers", "user_id"];

/// One cascade held by `group`: its id and its events.
type Group = (String, Events);

/// Cascades from a columnar events table with the columns `cascade_id`, `time`, `user_id` and
/// `followers` (or `magnitude`): the columnar twin of the CSV reader.
pub struct ColumnarReader {
    batches: Batches,
    cols: EventColumns,
    magnitude_name: String,
    options: ReadOptions,
    batch: Option<EventBatch>,
    /// Next row of `batch`.
    pos: usize,
    /// The cascade open in the output.
    current: Option<String>,
    seen: SeenIds,
    skipped: Vec<InputError>,
    grouped: Option<VecDeque<Group>>,
    /// The user ids of the last batch's dictionary, kept for the next batch when it shares the
    /// dictionary (Parquet's readers hand one dictionary to every batch of a column chunk).
    user_dict: Option<(DictKey, Vec<Option<UserId>>)>,
}

/// A dictionary's identity: its values' data buffer and length.
type DictKey = (usize, usize);

fn dict_key(values: &StringArray) -> DictKey {
    (values.values().as_ptr() as usize, values.len())
}

impl std::fmt::Debug for ColumnarReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ColumnarReader")
            .field("batches", &self.batches)
            .finish_non_exhaustive()
    }
}

impl ColumnarReader {
    /// Reads events from `batches`.
    ///
    /// # Errors
    /// A missing column.
    pub fn new(batches: Batches, options: ReadOptions) -> Result<Self> {
        let hint = "an events table needs cascade_id,time,user_id,followers";
        let cascade = Some(batches.require("cascade_id", &["cascade_id"], hint)?);
        let time = batches.require("time", &["time"], hint)?;
        let user = batches.require("user_id", &["user_id", "user"], hint)?;
        let magnitude = batches.require("followers", &["followers", "magnitude"], hint)?;
        let magnitude_name = batches.field_name(magnitude);
        Ok(ColumnarReader {
            batches,
            cols: EventColumns {
                cascade,
                time,
                magnitude,
                user,
            },
            magnitude_name,
            options,
            batch: None,
            pos: 0,
            current: None,
            seen: SeenIds::default(),
            skipped: Vec::new(),
            grouped: None,
            user_dict: None,
        })
    }

    /// Opens a Parquet or Arrow file of events.
    ///
    /// # Errors
    /// As [`Batches::open`] and [`ColumnarReader::new`].
    pub fn open(path: &Path, kind: Columnar, options: ReadOptions) -> Result<Self> {
        Self::new(Batches::open(path, kind)?, options)
    }

    fn at(&self, row: u64, field: &str) -> Location {
        Location::row(&self.batches.path, row).with_field(field)
    }

    /// Decodes the next batch; `false` at the end.
    fn load(&mut self) -> Result<bool> {
        let first_row = self.batches.rows_read + 1;
        let Some(b) = self.batches.next_batch()? else {
            return Ok(false);
        };
        let c = self.cols;
        let path = self.batches.path.clone();
        let loc = |i: usize| {
            let name = b.schema().field(i).name().clone();
            let path = path.clone();
            move || Location::row(&path, first_row).with_field(&name)
        };
        let cascade = match c.cascade {
            Some(i) => Some(Ids::decode(b.column(i), loc(i))?),
            None => None,
        };
        let nulls = [
            c.cascade.and_then(|i| b.column(i).logical_nulls()),
            b.column(c.time).logical_nulls(),
            b.column(c.magnitude).logical_nulls(),
            b.column(c.user).logical_nulls(),
        ];
        let mut user = Ids::decode(b.column(c.user), loc(c.user))?;
        // The previous batch's interned dictionary, if this batch shares it.
        if let Some(EventBatch {
            user: Ids::Dict { values, ids, .. },
            ..
        }) = self.batch.take()
        {
            self.user_dict = Some((dict_key(&values), ids));
        }
        if let Ids::Dict { values, ids, .. } = &mut user
            && let Some((key, cached)) = self.user_dict.take()
            && key == dict_key(values)
        {
            *ids = cached;
        }
        self.batch = Some(EventBatch {
            rows: b.num_rows(),
            first_row,
            cascade,
            time: Times::decode(b.column(c.time), loc(c.time))?,
            magnitude: to_f64(b.column(c.magnitude), &loc(c.magnitude))?,
            user,
            nulls,
        });
        self.pos = 0;
        Ok(true)
    }

    /// Row `i` of the batch as (time, magnitude, user), or its located problem. The user is
    /// interned only for a valid row (as the CSV reader does).
    fn event(
        &mut self,
        i: usize,
        users: &mut Interner,
    ) -> std::result::Result<(f64, f64, UserId), InputError> {
        let b = self.batch.as_mut().expect("a batch is loaded");
        let row = b.first_row + i as u64;
        let path = &self.batches.path;
        let at = |f: &str| Location::row(path, row).with_field(f);
        for (k, name) in [
            (1, "time"),
            (2, self.magnitude_name.as_str()),
            (3, "user_id"),
        ] {
            if null_at(&b.nulls[k], i) {
                return Err(InputError::new(at(name), InputErrorKind::Null));
            }
        }
        let time = b.time.get(i).map_err(|k| InputError::new(at("time"), k))?;
        let m = b.magnitude.value(i);
        // (The value's text only for an error message: formatting every value costs.)
        let magnitude = if m.is_finite() && m >= 0.0 {
            m
        } else {
            check_magnitude(m, &m.to_string())
                .map_err(|k| InputError::new(at(&self.magnitude_name), k))?
        };
        Ok((time, magnitude, b.user.intern(i, users)))
    }

    /// The cascade id of row `i` of the batch (`None`: null).
    fn cascade_of(&self, i: usize) -> std::result::Result<&str, InputError> {
        let b = self.batch.as_ref().expect("a batch is loaded");
        if null_at(&b.nulls[0], i) {
            return Err(InputError::new(
                self.at(b.first_row + i as u64, EVENT_FIELDS[0]),
                InputErrorKind::Null,
            ));
        }
        Ok(b.cascade.as_ref().map_or("", |c| c.text(i)))
    }

    /// Handles a bad row: kept for [`CascadeSource::take_skipped`] or returned.
    fn bad_row(&mut self, e: InputError) -> Result<()> {
        if self.options.skip_invalid {
            self.skipped.push(e);
            Ok(())
        } else {
            Err(e.into())
        }
    }

    /// Closes the open cascade; `None` if it ended up empty (every row skipped).
    fn close(&mut self, out: &mut CascadeSet) -> Option<ReadStats> {
        self.current = None;
        if out.open_len() == 0 {
            out.abandon_cascade();
            return None;
        }
        let deduplicated = out.finish_cascade(self.options.dedupe);
        Some(ReadStats { deduplicated })
    }

    fn next_streaming(
        &mut self,
        out: &mut CascadeSet,
        users: &mut Interner,
    ) -> Result<Option<ReadStats>> {
        loop {
            let exhausted = self.batch.as_ref().is_none_or(|b| self.pos >= b.rows);
            if exhausted && !self.load()? {
                if self.current.is_some()
                    && let Some(stats) = self.close(out)
                {
                    return Ok(Some(stats));
                }
                return Ok(None);
            }
            let i = self.pos;
            let name = match self.cascade_of(i) {
                Ok(n) => n,
                Err(e) => {
                    self.pos += 1;
                    self.bad_row(e)?;
                    continue;
                }
            };
            if let Some(cur) = &self.current {
                if cur != name {
                    // The row starts the next cascade: it stays for the next call.
                    match self.close(out) {
                        Some(stats) => return Ok(Some(stats)),
                        None => continue,
                    }
                }
            } else {
                let name = name.to_string();
                if !self.seen.insert(&name) {
                    let row = self.batch.as_ref().expect("loaded").first_row + i as u64;
                    return Err(InputError::new(
                        self.at(row, EVENT_FIELDS[0]),
                        InputErrorKind::CascadeReappears { cascade: name },
                    )
                    .into());
                }
                out.begin_cascade(&name);
                self.current = Some(name);
            }
            self.pos += 1;
            match self.event(i, users) {
                Ok((t, m, u)) => out.push_valid(t, m, u),
                Err(e) => {
                    if let Err(e) = self.bad_row(e) {
                        out.abandon_cascade();
                        self.current = None;
                        return Err(e);
                    }
                }
            }
        }
    }

    /// Reads the whole input into groups, in order of each cascade's first row.
    fn group_all(&mut self, users: &mut Interner) -> Result<VecDeque<Group>> {
        let mut groups: Groups<Events> = Groups::new();
        while self.load()? {
            let rows = self.batch.as_ref().expect("loaded").rows;
            for i in 0..rows {
                let name = match self.cascade_of(i) {
                    Ok(n) => n.to_string(),
                    Err(e) => {
                        self.bad_row(e)?;
                        continue;
                    }
                };
                match self.event(i, users) {
                    Ok(ev) => groups.entry(&name).push(ev),
                    Err(e) => self.bad_row(e)?,
                }
            }
        }
        Ok(groups.into_vec().into())
    }
}

impl CascadeSource for ColumnarReader {
    fn next_cascade(
        &mut self,
        out: &mut CascadeSet,
        users: &mut Interner,
    ) -> Result<Option<ReadStats>> {
        if !self.options.group {
            return self.next_streaming(out, users);
        }
        if self.grouped.is_none() {
            self.grouped = Some(self.group_all(users)?);
        }
        let Some((name, events)) = self.grouped.as_mut().and_then(VecDeque::pop_front) else {
            return Ok(None);
        };
        out.begin_cascade(&name);
        for (t, m, u) in events {
            out.push_valid(t, m, u);
        }
        let deduplicated = out.finish_cascade(self.options.dedupe);
        Ok(Some(ReadStats { deduplicated }))
    }

    fn take_skipped(&mut self) -> Vec<InputError> {
        std::mem::take(&mut self.skipped)
    }

    fn bytes_read(&self) -> u64 {
        // Rows stand for bytes: the share of the rows read, of the file's size.
        match (self.batches.total_rows, self.batches.total_bytes) {
            (Some(rows), Some(bytes)) if rows > 0 => {
                (bytes as f64 * self.batches.rows_read as f64 / rows as f64) as u64
            }
            _ => 0,
        }
    }

    fn total_bytes(&self) -> Option<u64> {
        self.batches.total_rows.and(self.batches.total_bytes)
    }
}

/// NetInf's cascades from a columnar table with the columns `cascade_id`, `node` (or
/// `user_id`) and `time`: the columnar twin of `snap_text::read_long_csv` (cascades in order
/// of first row, nodes in order of first appearance, a node's last time in a cascade wins).
///
/// # Errors
/// Missing columns, nulls and bad times, each with its row and column.
pub fn read_node_cascades(mut batches: Batches) -> Result<NodeCascades> {
    let hint = "a NetInf table needs cascade_id,node,time";
    let c_col = batches.require("cascade_id", &["cascade_id"], hint)?;
    let n_col = batches.require("node", NODE_COLUMNS, hint)?;
    let t_col = batches.require("time", TIME_COLUMNS, hint)?;
    let names = [
        batches.field_name(c_col),
        batches.field_name(n_col),
        batches.field_name(t_col),
    ];
    let mut long = LongCascades::default();
    loop {
        let first_row = batches.rows_read + 1;
        let Some(b) = batches.next_batch()? else {
            break;
        };
        let path = batches.path.clone();
        let at = |row: u64, k: usize| Location::row(&path, row).with_field(&names[k]);
        let cascades = Ids::decode(b.column(c_col), || at(first_row, 0))?;
        let nodes = Ids::decode(b.column(n_col), || at(first_row, 1))?;
        let times = Times::decode(b.column(t_col), || at(first_row, 2))?;
        let nulls = [c_col, n_col, t_col].map(|i| b.column(i).logical_nulls());
        for i in 0..b.num_rows() {
            let row = first_row + i as u64;
            if let Some(k) = (0..3).find(|&k| null_at(&nulls[k], i)) {
                return Err(InputError::new(at(row, k), InputErrorKind::Null).into());
            }
            let t = times
                .get(i)
                .map_err(|kind| InputError::new(at(row, 2), kind))?;
            long.push(cascades.text(i), nodes.text(i), t);
        }
    }
    if batches.rows_read == 0 {
        return Err(InputError::new(Location::file(&batches.path), InputErrorKind::Empty).into());
    }
    Ok(long.finish())
}

/// The edges of a network table with the columns `src, dst` (or `source, target`), as text.
///
/// # Errors
/// Missing columns, nulls, columns that are not ids.
pub fn read_edges(mut batches: Batches) -> Result<Vec<(String, String)>> {
    let hint = "a network table needs src,dst";
    let s_col = batches.require("src", &["src", "source"], hint)?;
    let d_col = batches.require("dst", &["dst", "target"], hint)?;
    let names = [batches.field_name(s_col), batches.field_name(d_col)];
    let mut edges = Vec::new();
    loop {
        let first_row = batches.rows_read + 1;
        let Some(b) = batches.next_batch()? else {
            break;
        };
        let path = batches.path.clone();
        let at = |row: u64, k: usize| Location::row(&path, row).with_field(&names[k]);
        let src = Ids::decode(b.column(s_col), || at(first_row, 0))?;
        let dst = Ids::decode(b.column(d_col), || at(first_row, 1))?;
        let nulls = [s_col, d_col].map(|i| b.column(i).logical_nulls());
        for i in 0..b.num_rows() {
            if let Some(k) = (0..2).find(|&k| null_at(&nulls[k], i)) {
                let row = first_row + i as u64;
                return Err(InputError::new(at(row, k), InputErrorKind::Null).into());
            }
            edges.push((src.text(i).to_string(), dst.text(i).to_string()));
        }
    }
    Ok(edges)
}

/// Column names that hold ids: kept as text whatever their values look like.
const ID_COLUMNS: &[&str] = &[
    "cascade_id",
    "user_id",
    "src",
    "dst",
    "source",
    "target",
    "node",
    "name",
    "user",
    "origin",
    "party",
];

/// The narrowest type of a CSV column: every value an integer, every value a number, or text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Int,
    Float,
    Text,
}

fn kind_of(value: &str) -> Kind {
    if value.parse::<i64>().is_ok() {
        Kind::Int
    } else if value.parse::<f64>().is_ok() {
        Kind::Float
    } else {
        Kind::Text
    }
}

/// Column names that hold numbers of any value: `Float64` even when every value is whole.
const FLOAT_COLUMNS: &[&str] = &[
    "time",
    "influence",
    "percentile",
    "gain",
    "objective",
    "bound",
    "median_dt",
    "mean_dt",
    "p_value",
    "alpha",
    "followers",
];

/// Converts CSV text (a header, then rows) into typed record batches handed to `sink`; `open`
/// opens the text afresh (it is read twice: the types come from the whole table).
fn csv_to_batches<R: std::io::Read>(
    open: impl Fn() -> std::result::Result<csv::Reader<R>, String>,
    mut sink: impl FnMut(&SchemaRef, RecordBatch) -> std::result::Result<(), String>,
) -> std::result::Result<SchemaRef, String> {
    // Pass 1: the header and each column's narrowest type over the whole table.
    let mut rdr = open()?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    let mut kinds: Vec<Kind> = header
        .iter()
        .map(|h| {
            if ID_COLUMNS.contains(&h.as_str()) || h.ends_with("_id") {
                Kind::Text
            } else if FLOAT_COLUMNS.contains(&h.as_str()) {
                Kind::Float
            } else {
                Kind::Int
            }
        })
        .collect();
    let mut record = csv::StringRecord::new();
    while rdr.read_record(&mut record).map_err(|e| e.to_string())? {
        for (k, v) in kinds.iter_mut().zip(record.iter()) {
            if *k != Kind::Text {
                *k = (*k).max(kind_of(v));
            }
        }
    }
    let schema = Arc::new(Schema::new(
        header
            .iter()
            .zip(&kinds)
            .map(|(h, k)| {
                let t = match k {
                    Kind::Int => DataType::Int64,
                    Kind::Float => DataType::Float64,
                    Kind::Text => DataType::Utf8,
                };
                Field::new(h, t, false)
            })
            .collect::<Vec<_>>(),
    ));
    // Pass 2: batches of typed columns.
    let mut rdr = open()?;
    let mut builders = Builders::new(&kinds);
    let mut any = false;
    while rdr.read_record(&mut record).map_err(|e| e.to_string())? {
        builders.push(&record)?;
        if builders.rows == BATCH_ROWS {
            sink(&schema, builders.finish(&schema)?)?;
            any = true;
        }
    }
    if builders.rows > 0 || !any {
        sink(&schema, builders.finish(&schema)?)?;
    }
    Ok(schema)
}

/// CSV text as one typed table (the types [`to_columnar`] gives a file): the batches and
/// their schema.
///
/// # Errors
/// Text that is not CSV with a header.
pub fn csv_table(text: &[u8]) -> std::result::Result<(SchemaRef, Vec<RecordBatch>), String> {
    let mut batches = Vec::new();
    let schema = csv_to_batches(
        || {
            Ok(csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(text))
        },
        |_, b| {
            batches.push(b);
            Ok(())
        },
    )?;
    Ok((schema, batches))
}

/// If `staged` is to be a Parquet or Arrow file (its path says so), rewrites its CSV text as
/// that format and returns the new staged output; otherwise returns it as it is.
///
/// # Errors
/// A CSV that cannot be read back, or a write that fails, naming the output.
pub fn to_columnar(staged: Staged) -> Result<Staged> {
    let Some(kind) = Columnar::of_path(staged.path()) else {
        return Ok(staged);
    };
    let Some(csv_path) = staged.temp_path().map(Path::to_path_buf) else {
        // Standard output or a special file: the CSV text went there as it is.
        return Ok(staged);
    };
    let target = staged.path().to_path_buf();
    let bad = |e: String| {
        Error::io(
            &target,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        )
    };
    let mut out = OutputFile::create(&target)?;
    let mut writer: Option<TableWriter<&mut OutputFile>> = None;
    let mut out_ref = Some(&mut out);
    csv_to_batches(
        || {
            csv::ReaderBuilder::new()
                .has_headers(true)
                .from_path(&csv_path)
                .map_err(|e| e.to_string())
        },
        |schema, batch| {
            if writer.is_none() {
                let out = out_ref.take().expect("one writer");
                writer = Some(TableWriter::new(kind, out, schema.clone())?);
            }
            writer.as_mut().expect("made above").write(&batch)
        },
    )
    .map_err(bad)?;
    writer.expect("at least one batch").close().map_err(bad)?;
    out.finish()
}

/// A schema of non-nullable columns (the result tables').
pub fn schema(fields: &[(&str, DataType)]) -> SchemaRef {
    Arc::new(Schema::new(
        fields
            .iter()
            .map(|(n, t)| Field::new(*n, t.clone(), false))
            .collect::<Vec<_>>(),
    ))
}

/// A Parquet (Snappy) or Arrow IPC file writer over `W`.
pub enum TableWriter<W: std::io::Write + Send> {
    /// Parquet.
    Parquet(parquet::arrow::ArrowWriter<W>),
    /// Arrow IPC file.
    Arrow(arrow_ipc::writer::FileWriter<W>),
}

impl<W: std::io::Write + Send> TableWriter<W> {
    /// Starts a table of `schema` in `out`.
    ///
    /// # Errors
    /// What the format's writer fails with.
    pub fn new(kind: Columnar, out: W, schema: SchemaRef) -> std::result::Result<Self, String> {
        Ok(match kind {
            Columnar::Parquet => {
                // Dictionaries for text columns only (ids repeat; numbers rarely do, and
                // trying costs more than the rest of the encoding).
                let mut props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::SNAPPY)
                    .set_dictionary_enabled(false);
                for f in schema.fields() {
                    if f.data_type() == &DataType::Utf8 {
                        props = props.set_column_dictionary_enabled(
                            parquet::schema::types::ColumnPath::from(f.name().as_str()),
                            true,
                        );
                    }
                }
                let props = props.build();
                TableWriter::Parquet(
                    parquet::arrow::ArrowWriter::try_new(out, schema, Some(props))
                        .map_err(|e| e.to_string())?,
                )
            }
            Columnar::Arrow => TableWriter::Arrow(
                arrow_ipc::writer::FileWriter::try_new(out, &schema).map_err(|e| e.to_string())?,
            ),
        })
    }

    /// Appends a batch.
    ///
    /// # Errors
    /// What the format's writer fails with.
    pub fn write(&mut self, batch: &RecordBatch) -> std::result::Result<(), String> {
        match self {
            TableWriter::Parquet(w) => w.write(batch).map_err(|e| e.to_string()),
            TableWriter::Arrow(w) => w.write(batch).map_err(|e| e.to_string()),
        }
    }

    /// Writes the footer and returns the output.
    ///
    /// # Errors
    /// What the format's writer fails with.
    pub fn close(self) -> std::result::Result<W, String> {
        match self {
            TableWriter::Parquet(w) => w.into_inner().map_err(|e| e.to_string()),
            TableWriter::Arrow(mut w) => {
                w.finish().map_err(|e| e.to_string())?;
                w.into_inner().map_err(|e| e.to_string())
            }
        }
    }
}

/// Column builders of one batch.
enum Builder {
    Int(Int64Builder),
    Float(Float64Builder),
    Text(StringBuilder),
}

struct Builders {
    cols: Vec<Builder>,
    rows: usize,
}

impl Builders {
    fn new(kinds: &[Kind]) -> Self {
        let cols = kinds
            .iter()
            .map(|k| match k {
                Kind::Int => Builder::Int(Int64Builder::new()),
                Kind::Float => Builder::Float(Float64Builder::new()),
                Kind::Text => Builder::Text(StringBuilder::new()),
            })
            .collect();
        Builders { cols, rows: 0 }
    }

    fn push(&mut self, record: &csv::StringRecord) -> std::result::Result<(), String> {
        for (b, v) in self.cols.iter_mut().zip(record.iter()) {
            match b {
                Builder::Int(b) => b.append_value(v.parse().map_err(|e| format!("{v:?}: {e}"))?),
                Builder::Float(b) => {
                    b.append_value(v.parse().map_err(|e| format!("{v:?}: {e}"))?);
                }
                Builder::Text(b) => b.append_value(v),
            }
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(&mut self, schema: &SchemaRef) -> std::result::Result<RecordBatch, String> {
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|b| -> ArrayRef {
                match b {
                    Builder::Int(b) => Arc::new(b.finish()),
                    Builder::Float(b) => Arc::new(b.finish()),
                    Builder::Text(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())
    }
}
