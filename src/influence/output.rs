//! The influence capability's tables: `tweets.csv` (through a writer thread), `users.csv` and
//! the pairwise matrices. Formatting comes from `io` (floats in their shortest round-trip
//! text, ids quoted only when needed), so the CSV outputs read back to the same f64s.

use super::{Batch, InfluenceSink, UserInfluence};
use crate::cascade::Interner;
use crate::error::{Error, Result};
use crate::io::csv_fields::CsvFields;
use crate::io::format::{Cursor, Numbers, ROW_ROOM, push_f64, push_field};
use ndarray::Array2;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// How many rows ahead the formatter prefetches a user's field.
const AHEAD: usize = 8;

/// Writes `tweets.csv`: `cascade_id,pos,user_id,time,influence,expected_parent`, one row per
/// event, cascades in input order, events by position. Formats each batch in parallel, in a
/// few pieces of about equal size, and hands the pieces to a writer thread: the `write`
/// calls (a third of a second per 600 MiB) overlap the next batch's computation instead of
/// holding the workers up. The pieces' buffers come back for reuse, so formatting allocates
/// nothing once the first batches have passed. At most one batch's text waits for the writer.
pub struct TweetCsvWriter<W: Write + Send + 'static> {
    path: PathBuf,
    header: bool,
    to_writer: Option<mpsc::SyncSender<Vec<Piece>>>,
    /// Pieces the writer has written, for reuse.
    spare: mpsc::Receiver<Vec<Piece>>,
    /// Sets of pieces made so far (at most [`PIECE_SETS`]).
    sets: usize,
    writer: Option<std::thread::JoinHandle<(W, std::io::Result<()>)>>,
    /// Every user id seen so far as a CSV field (mirrors the batches' names).
    fields: CsvFields,
    /// The inner writer once finished.
    done: Option<W>,
}

/// Sets of pieces in circulation between the formatter and the writer thread.
const PIECE_SETS: usize = 3;

/// Text to write: a buffer and how many of its bytes (the rest is a [`Cursor`]'s room).
type Piece = (Vec<u8>, usize);

impl<W: Write + Send + 'static> TweetCsvWriter<W> {
    /// A writer to `out`; `path` names it in error messages.
    pub fn new(out: W, path: &Path) -> Self {
        let (to_writer, pieces) = mpsc::sync_channel::<Vec<Piece>>(1);
        let (give_back, spare) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("cascadia-writer".into())
            .spawn(move || {
                let mut out = out;
                for batch in pieces {
                    for (piece, n) in &batch {
                        if let Err(e) = out.write_all(&piece[..*n]) {
                            return (out, Err(e));
                        }
                    }
                    let _ = give_back.send(batch);
                }
                (out, Ok(()))
            })
            .expect("the writer thread starts");
        TweetCsvWriter {
            path: path.to_path_buf(),
            header: false,
            to_writer: Some(to_writer),
            spare,
            sets: 0,
            writer: Some(writer),
            fields: CsvFields::default(),
            done: None,
        }
    }

    /// Finishes (as [`InfluenceSink::finish`], if the run has not) and returns the inner
    /// writer, everything written and flushed.
    ///
    /// # Errors
    /// A failed write or flush.
    pub fn into_inner(mut self) -> Result<W> {
        InfluenceSink::finish(&mut self)?;
        Ok(self
            .done
            .take()
            .expect("a finished writer holds its inner writer"))
    }

    /// The writer thread's end: its writer, or the error it stopped at.
    fn join(&mut self) -> Result<W> {
        let (out, result) = self
            .writer
            .take()
            .expect("joined once")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        result.map_err(|e| Error::io(&self.path, e))?;
        Ok(out)
    }

    /// Hands `pieces` to the writer thread; its error if it has stopped.
    fn send(&mut self, pieces: Vec<Piece>) -> Result<()> {
        let sent = self
            .to_writer
            .as_ref()
            .expect("sending before finish")
            .send(pieces);
        if sent.is_err() {
            return Err(self.writer_stopped());
        }
        Ok(())
    }

    /// The error the writer thread stopped at (it no longer takes pieces).
    fn writer_stopped(&mut self) -> Error {
        drop(self.to_writer.take());
        match self.join() {
            Err(e) => e,
            Ok(_) => Error::io(
                &self.path,
                std::io::Error::other("the writer thread stopped"),
            ),
        }
    }

    fn write_header(&mut self) -> Result<()> {
        self.header = true;
        let header = b"cascade_id,pos,user_id,time,influence,expected_parent\n";
        self.send(vec![(header.to_vec(), header.len())])
    }
}

impl<W: Write + Send + 'static> Drop for TweetCsvWriter<W> {
    /// A writer dropped unfinished (a failed run) stops its
    /// thread and drops the inner writer there and then, so that an output being written
    /// atomically (`io::atomic`) is deleted before the process exits.
    fn drop(&mut self) {
        drop(self.to_writer.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl<W: Write + Send + 'static> InfluenceSink for TweetCsvWriter<W> {
    /// Writes the header if no batch came, waits for the writer thread and flushes.
    fn finish(&mut self) -> Result<()> {
        if self.done.is_some() {
            return Ok(());
        }
        if !self.header {
            self.write_header()?;
        }
        drop(self.to_writer.take());
        let mut out = self.join()?;
        out.flush().map_err(|e| Error::io(&self.path, e))?;
        self.done = Some(out);
        Ok(())
    }

    fn batch(&mut self, batch: &Batch<'_>) -> Result<()> {
        if !self.header {
            self.write_header()?;
        }
        let set = batch.cascades;
        let offsets = set.offsets();
        // A few pieces per thread, of about equal numbers of events.
        let n_pieces = 4 * rayon::current_num_threads();
        let per_piece = set.n_events().div_ceil(n_pieces).max(1);
        let mut ranges = Vec::with_capacity(n_pieces);
        let mut first = 0;
        for i in 0..set.len() {
            if offsets[i + 1] - offsets[first] >= per_piece || i + 1 == set.len() {
                ranges.push(first..i + 1);
                first = i + 1;
            }
        }
        // A spare set of pieces; a new one only while fewer than three exist (one being
        // written, one waiting, one being formatted), else the next one the writer frees: new
        // buffers cost page faults and zeroing, and memory stays bounded.
        let mut pieces = match self.spare.try_recv() {
            Ok(pieces) => pieces,
            Err(_) if self.sets < PIECE_SETS => {
                self.sets += 1;
                Vec::new()
            }
            Err(_) => match self.spare.recv() {
                Ok(pieces) => pieces,
                Err(_) => return Err(self.writer_stopped()),
            },
        };
        pieces.resize_with(ranges.len(), Default::default);
        // The names of the user ids that are new in this batch, quoted once each.
        for i in self.fields.len()..batch.names.len() {
            self.fields.push(batch.names.get(i));
        }
        let users = &self.fields;
        pieces
            .par_iter_mut()
            .zip(ranges)
            .for_each(|((buf, written), cascades)| {
                let mut out = Cursor::new(buf);
                // (Separate buffers: the influence's text is made at the start of its row
                // and copied at its place, once the stores that made it have landed, which a
                // copy right away would stall on.)
                let (mut num, mut influence_num) = (Numbers::new(), Numbers::new());
                let mut name = Vec::new();
                for i in cascades {
                    let c = set.get(i);
                    // The cascade's id, quoted if needed, and a comma, once per cascade;
                    // copied at a fixed size when short.
                    name.clear();
                    push_field(&mut name, c.name);
                    name.push(b',');
                    let mut short = [0u8; 32];
                    let is_short = name.len() <= short.len();
                    if is_short {
                        short[..name.len()].copy_from_slice(&name);
                    }
                    let room = ROW_ROOM + name.len().max(short.len());
                    for (pos, e) in (offsets[i]..offsets[i + 1]).enumerate() {
                        if let Some(u) = set.all_users().get(e + AHEAD) {
                            users.prefetch(u.index());
                        }
                        let influence = influence_num.text(batch.influence[e]);
                        out.room(room);
                        if is_short {
                            out.put_padded(&short, name.len());
                        } else {
                            out.put(&name);
                        }
                        out.uint(pos as u64);
                        out.byte(b',');
                        users.put(set.user(e).index(), &mut out);
                        out.byte(b',');
                        out.time(c.times[pos], &mut num);
                        out.byte(b',');
                        out.put(influence);
                        out.byte(b',');
                        out.int(batch.parents[e]);
                        out.byte(b'\n');
                    }
                }
                *written = out.written();
            });
        self.send(pieces)
    }
}

/// Writes `users.csv`: `user_id,events,cascades,influence,percentile`, most influential first
/// (ties by first appearance).
///
/// # Errors
/// A write error.
pub fn write_users(
    out: &mut dyn Write,
    path: &Path,
    users: &[UserInfluence],
    names: &Interner,
) -> Result<()> {
    let order = users_order(users);
    let mut buf = Vec::with_capacity(64 * users.len() + 64);
    buf.extend_from_slice(b"user_id,events,cascades,influence,percentile\n");
    let mut num = Numbers::new();
    for i in order {
        let u = &users[i];
        push_field(&mut buf, names.name(u.user));
        let _ = write!(buf, ",{},{},", u.events, u.cascades);
        push_f64(&mut buf, u.influence, &mut num);
        buf.push(b',');
        push_f64(&mut buf, u.percentile, &mut num);
        buf.push(b'\n');
    }
    out.write_all(&buf).map_err(|e| Error::io(path, e))?;
    out.flush().map_err(|e| Error::io(path, e))
}

/// The tweets table's schema (`tweets.csv`'s columns, typed).
#[cfg(feature = "columnar")]
pub fn tweets_schema() -> arrow_schema::SchemaRef {
    use arrow_schema::DataType;
    crate::io::columnar::schema(&[
        ("cascade_id", DataType::Utf8),
        ("pos", DataType::Int64),
        ("user_id", DataType::Utf8),
        ("time", DataType::Float64),
        ("influence", DataType::Float64),
        ("expected_parent", DataType::Int64),
    ])
}

/// One computed batch as rows of the tweets table (the rows `tweets.csv` gets, typed).
#[cfg(feature = "columnar")]
pub fn tweets_record_batch(b: &Batch<'_>) -> arrow_array::RecordBatch {
    use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder};
    use arrow_array::{ArrayRef, RecordBatch};
    use std::sync::Arc;
    let set = b.cascades;
    let n = set.n_events();
    let mut cascade = StringBuilder::with_capacity(n, 8 * n);
    let mut pos = Int64Builder::with_capacity(n);
    let mut user = StringBuilder::with_capacity(n, 8 * n);
    let mut time = Float64Builder::with_capacity(n);
    let mut influence = Float64Builder::with_capacity(n);
    let mut parent = Int64Builder::with_capacity(n);
    let offsets = set.offsets();
    for (i, c) in set.iter().enumerate() {
        for (k, e) in (offsets[i]..offsets[i + 1]).enumerate() {
            cascade.append_value(c.name);
            pos.append_value(k as i64);
            user.append_value(b.user_name(e));
            time.append_value(c.times[k]);
            influence.append_value(b.influence[e]);
            parent.append_value(b.parents[e]);
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(cascade.finish()),
        Arc::new(pos.finish()),
        Arc::new(user.finish()),
        Arc::new(time.finish()),
        Arc::new(influence.finish()),
        Arc::new(parent.finish()),
    ];
    RecordBatch::try_new(tweets_schema(), columns).expect("columns match the schema")
}

/// The tweets table written straight to Parquet or Arrow IPC, batch by batch (no CSV text).
#[cfg(feature = "columnar")]
pub struct TweetTableWriter<W: Write + Send> {
    writer: Option<crate::io::columnar::TableWriter<W>>,
    out: Option<W>,
    path: std::path::PathBuf,
}

#[cfg(feature = "columnar")]
impl<W: Write + Send> TweetTableWriter<W> {
    /// Starts the table in `out` (named `path` in errors).
    ///
    /// # Errors
    /// What the format's writer fails with.
    pub fn new(kind: crate::io::columnar::Columnar, out: W, path: &Path) -> Result<Self> {
        let writer = crate::io::columnar::TableWriter::new(kind, out, tweets_schema())
            .map_err(|e| Error::io(path, std::io::Error::other(e)))?;
        Ok(TweetTableWriter {
            writer: Some(writer),
            out: None,
            path: path.to_path_buf(),
        })
    }

    /// The output, once [`InfluenceSink::finish`] wrote the footer.
    ///
    /// # Errors
    /// A table not finished.
    pub fn into_inner(mut self) -> Result<W> {
        self.out.take().ok_or_else(|| {
            Error::io(
                &self.path,
                std::io::Error::other("the table was not finished"),
            )
        })
    }
}

#[cfg(feature = "columnar")]
impl<W: Write + Send> InfluenceSink for TweetTableWriter<W> {
    fn batch(&mut self, batch: &Batch<'_>) -> Result<()> {
        let rows = tweets_record_batch(batch);
        if let Some(w) = &mut self.writer {
            w.write(&rows)
                .map_err(|e| Error::io(&self.path, std::io::Error::other(e)))?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            self.out = Some(
                w.close()
                    .map_err(|e| Error::io(&self.path, std::io::Error::other(e)))?,
            );
        }
        Ok(())
    }
}

/// The users table as [`write_users`] writes it (same order), typed.
#[cfg(feature = "columnar")]
pub fn users_record_batch(users: &[UserInfluence], names: &Interner) -> arrow_array::RecordBatch {
    use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder};
    use arrow_array::{ArrayRef, RecordBatch};
    use arrow_schema::DataType;
    use std::sync::Arc;
    let schema = crate::io::columnar::schema(&[
        ("user_id", DataType::Utf8),
        ("events", DataType::Int64),
        ("cascades", DataType::Int64),
        ("influence", DataType::Float64),
        ("percentile", DataType::Float64),
    ]);
    let mut id = StringBuilder::new();
    let mut events = Int64Builder::new();
    let mut cascades = Int64Builder::new();
    let mut influence = Float64Builder::new();
    let mut percentile = Float64Builder::new();
    for i in users_order(users) {
        let u = &users[i];
        id.append_value(names.name(u.user));
        events.append_value(u.events as i64);
        cascades.append_value(u.cascades as i64);
        influence.append_value(u.influence);
        percentile.append_value(u.percentile);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(events.finish()),
        Arc::new(cascades.finish()),
        Arc::new(influence.finish()),
        Arc::new(percentile.finish()),
    ];
    RecordBatch::try_new(schema, columns).expect("columns match the schema")
}

/// The order of the users table: most influential first, ties by first appearance (user
/// index).
pub fn users_order(users: &[UserInfluence]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..users.len()).collect();
    order.sort_by(|&a, &b| {
        users[b]
            .influence
            .total_cmp(&users[a].influence)
            .then(a.cmp(&b))
    });
    order
}

/// Appends one cascade's pairwise matrix as rows `cascade_id,i,j,m` for `i <= j`
/// (the upper triangle with the diagonal; the rest of M is 0).
///
/// # Errors
/// A write error.
pub fn write_pairwise(
    out: &mut dyn Write,
    path: &Path,
    cascade: &str,
    m: &Array2<f64>,
) -> Result<()> {
    let mut buf = Vec::new();
    let mut num = Numbers::new();
    let n = m.nrows();
    for i in 0..n {
        for j in i..n {
            push_field(&mut buf, cascade);
            let _ = write!(buf, ",{i},{j},");
            push_f64(&mut buf, m[[i, j]], &mut num);
            buf.push(b'\n');
        }
    }
    out.write_all(&buf).map_err(|e| Error::io(path, e))
}
