//! Output writers: CSV for tweets, users and pairwise matrices.
//!
//! Floats are written in the shortest form that reads back to the same f64 (`ryu`'s text,
//! produced by the faster `zmij` where the two agree), so the CSV outputs round-trip exactly.
//! Ids are written as the input had them, quoted when they contain a comma, a quote or a line
//! break.

use crate::cascade::{Interner, StrList};
use crate::error::{Error, Result};
use crate::influence::{Batch, InfluenceSink, UserInfluence};
use ndarray::Array2;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// Appends `field` to `out`, CSV-quoted if needed.
pub fn push_field(out: &mut Vec<u8>, field: &str) {
    let special = |b: &u8| matches!(b, b',' | b'"' | b'\n' | b'\r');
    if field.as_bytes().iter().any(special) {
        out.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

/// Number formatting buffers, one per thread.
#[derive(Default)]
pub struct Numbers {
    zmij: zmij::Buffer,
    ryu: ryu::Buffer,
}

impl Numbers {
    /// Fresh buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// The text [`push_f64`] appends for `x`, in one of the buffers.
    #[inline(always)]
    fn text(&mut self, x: f64) -> &[u8] {
        if x.abs() < 1e16 {
            self.zmij.format_finite(x).as_bytes()
        } else {
            self.ryu.format(x).as_bytes()
        }
    }
}

/// Appends `x` in its shortest round-trip form, as `ryu` writes it. `zmij` writes the same
/// text twice as fast, except that it writes `1e+16` where `ryu` writes `1e16` (and the two may
/// differ on non-finite values): those go to `ryu`.
pub fn push_f64(out: &mut Vec<u8>, x: f64, buf: &mut Numbers) {
    if x.abs() < 1e16 {
        out.extend_from_slice(buf.zmij.format_finite(x).as_bytes());
    } else {
        out.extend_from_slice(ryu::Buffer::new().format(x).as_bytes());
    }
}

/// Appends a time: as [`push_f64`], with whole numbers of seconds below 10^15 (the common
/// case) written by the integer formatter — the same text, `digits.0`, as `ryu` writes.
pub fn push_time(out: &mut Vec<u8>, t: f64, buf: &mut Numbers) {
    append_with(out, |c| c.time(t, buf));
}

/// Appends what `write` writes through a [`Cursor`] (with room for one row's field).
fn append_with(out: &mut Vec<u8>, write: impl FnOnce(&mut Cursor<'_>)) {
    let mut room = Vec::new();
    let mut c = Cursor::new(&mut room);
    c.room(ROW_ROOM);
    write(&mut c);
    let n = c.written();
    out.extend_from_slice(&room[..n]);
}

/// Pairs of digits `00` to `99`.
const DIGITS: &[u8; 200] = b"00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/// The eight decimal digits of `x` (below 10^8, with leading zeros) as ASCII, the first in
/// the lowest byte: split into halves, quarters and digits in parallel lanes of one `u64`.
fn eight_digits(x: u64) -> u64 {
    let halves = (x / 10_000) | ((x % 10_000) << 32);
    // `/ 100` and `/ 10` as multiply-shifts, exact for halves below 10^4 and quarters below 100.
    let hundreds = ((halves * 10_486) >> 20) & 0x0000_007F_0000_007F;
    let quarters = ((halves - 100 * hundreds) << 16) | hundreds;
    let tens = ((quarters * 103) >> 10) & 0x000F_000F_000F_000F;
    let digits = ((quarters - 10 * tens) << 8) | tens;
    digits + 0x3030_3030_3030_3030
}

/// Copies `N` bytes of `src` from `at` to the same place in `out`.
#[inline]
fn copy_fixed<const N: usize>(out: &mut [u8], src: &[u8], at: usize) {
    let chunk: [u8; N] = src[at..at + N].try_into().expect("N bytes");
    out[at..at + N].copy_from_slice(&chunk);
}

/// An output buffer written through a cursor. The bytes past the cursor are room, zeroed once
/// and kept between uses, so a field goes in as a copy of fixed size (the bytes after the
/// field are overwritten by the next one) and digits are written in place: one room check
/// per row instead of a capacity check and a copy call per field.
struct Cursor<'a> {
    buf: &'a mut Vec<u8>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// Writes into `buf` from its start.
    fn new(buf: &'a mut Vec<u8>) -> Self {
        Cursor { buf, pos: 0 }
    }

    /// Makes sure that `n` bytes after the cursor may be written.
    #[inline(always)]
    fn room(&mut self, n: usize) {
        if self.buf.len() < self.pos + n {
            let len = (self.pos + n).max(2 * self.buf.len()).max(1 << 16);
            self.buf.resize(len, 0);
        }
    }

    /// Copies all of `src` and moves on by `len` (at most `N`).
    #[inline(always)]
    fn put_padded<const N: usize>(&mut self, src: &[u8; N], len: usize) {
        self.buf[self.pos..self.pos + N].copy_from_slice(src);
        self.pos += len;
    }

    /// Copies `src`; from 8 to 32 bytes (a float's text) as two overlapping copies of fixed
    /// size instead of a call to `memcpy`.
    #[inline(always)]
    fn put(&mut self, src: &[u8]) {
        let n = src.len();
        let out = &mut self.buf[self.pos..self.pos + n];
        if (16..=32).contains(&n) {
            copy_fixed::<16>(out, src, 0);
            copy_fixed::<16>(out, src, n - 16);
        } else if (8..16).contains(&n) {
            copy_fixed::<8>(out, src, 0);
            copy_fixed::<8>(out, src, n - 8);
        } else {
            out.copy_from_slice(src);
        }
        self.pos += n;
    }

    #[inline(always)]
    fn byte(&mut self, b: u8) {
        self.buf[self.pos] = b;
        self.pos += 1;
    }

    /// Writes `x` in decimal (what `itoa` writes); eight digits at a time.
    #[inline(always)]
    fn uint(&mut self, x: u64) {
        if x < 10 {
            self.byte(b'0' + x as u8);
        } else if x < 100 {
            let r = 2 * x as usize;
            self.put_padded(&[DIGITS[r], DIGITS[r + 1]], 2);
        } else if x < 100_000_000 {
            self.up_to_eight(x);
        } else if x < 10_000_000_000_000_000 {
            // (A Unix time in seconds has ten digits.)
            self.up_to_eight(x / 100_000_000);
            self.put_padded(&eight_digits(x % 100_000_000).to_le_bytes(), 8);
        } else {
            let low = x % 10_000_000_000_000_000;
            self.up_to_eight(x / 10_000_000_000_000_000);
            self.put_padded(&eight_digits(low / 100_000_000).to_le_bytes(), 8);
            self.put_padded(&eight_digits(low % 100_000_000).to_le_bytes(), 8);
        }
    }

    /// Writes `x` (1 to 10^8 - 1) in decimal: eight digits with the leading zeros shifted out.
    #[inline(always)]
    fn up_to_eight(&mut self, x: u64) {
        let n = x.ilog10() + 1;
        let digits = eight_digits(x) >> (8 * (8 - n));
        self.put_padded(&digits.to_le_bytes(), n as usize);
    }

    #[inline(always)]
    fn int(&mut self, x: i64) {
        if x < 0 {
            self.byte(b'-');
        }
        self.uint(x.unsigned_abs());
    }

    /// Writes what [`push_time`] appends.
    #[inline(always)]
    fn time(&mut self, t: f64, num: &mut Numbers) {
        // (`t as u64` saturates; the comparison rejects what it changed.)
        if t.is_sign_positive() && t < 1e15 && (t as u64) as f64 == t {
            self.uint(t as u64);
            self.put_padded(b".0", 2);
        } else {
            self.float(t, num);
        }
    }

    /// Writes what [`push_f64`] appends.
    #[inline(always)]
    fn float(&mut self, x: f64, num: &mut Numbers) {
        self.put(num.text(x));
    }

    /// The bytes written.
    fn written(&self) -> usize {
        self.pos
    }
}

/// Appends `x` (what `itoa` writes).
#[cfg(test)]
fn push_int(out: &mut Vec<u8>, x: i64) {
    append_with(out, |c| c.int(x));
}

/// Ids as CSV fields (quoted if needed), by index: the writer looks one up per event, so a
/// field of up to [`SLOT`]` - 1` bytes (most ids) sits in a fixed slot of its own, its
/// length in the last byte: one cache line to read and one fixed-size copy, and quoting
/// decided once per id, not once per event. Longer fields go to a list beside.
#[derive(Debug, Default)]
pub struct CsvFields {
    slots: Vec<[u8; SLOT]>,
    long: StrList,
    scratch: Vec<u8>,
}

/// Bytes of a [`CsvFields`] slot.
const SLOT: usize = 16;
/// The length byte of a slot whose field is in the long list (its index in the first four
/// bytes).
const LONG: u8 = u8::MAX;

impl CsvFields {
    /// Appends `name` as the next field.
    pub fn push(&mut self, name: &str) {
        self.scratch.clear();
        push_field(&mut self.scratch, name);
        let mut slot = [0u8; SLOT];
        let n = self.scratch.len();
        if n < SLOT {
            slot[..n].copy_from_slice(&self.scratch);
            slot[SLOT - 1] = n as u8;
        } else {
            let i = u32::try_from(self.long.len()).expect("fewer than 2^32 ids");
            slot[..4].copy_from_slice(&i.to_le_bytes());
            slot[SLOT - 1] = LONG;
            self.long
                .push(std::str::from_utf8(&self.scratch).expect("quoting keeps UTF-8"));
        }
        self.slots.push(slot);
    }

    /// Field `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn get(&self, i: usize) -> &[u8] {
        let slot = &self.slots[i];
        match slot[SLOT - 1] {
            LONG => self.long_field(slot).as_bytes(),
            n => &slot[..n as usize],
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn long_field(&self, slot: &[u8; SLOT]) -> &str {
        let i = u32::from_le_bytes(slot[..4].try_into().expect("four bytes"));
        self.long.get(i as usize)
    }

    /// Starts loading field `i` into the cache.
    #[inline(always)]
    fn prefetch(&self, i: usize) {
        if let Some(slot) = self.slots.get(i) {
            crate::prefetch::prefetch(slot);
        }
    }

    /// Writes field `i` at the cursor, which has room for a slot.
    #[inline(always)]
    fn put(&self, i: usize, out: &mut Cursor<'_>) {
        let slot = &self.slots[i];
        match slot[SLOT - 1] {
            LONG => {
                let f = self.long_field(slot).as_bytes();
                out.room(f.len() + ROW_ROOM);
                out.put(f);
            }
            n => out.put_padded(slot, n as usize),
        }
    }
}

/// How many rows ahead the formatter prefetches a user's field.
const AHEAD: usize = 8;

/// Room for a row of `tweets.csv` besides its cascade id and a long user id: fixed-size
/// copies of the user slot and of 24-byte numbers, with slack.
const ROW_ROOM: usize = 192;

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
        }
    }

    /// Waits for the writer thread, flushes and returns the inner writer.
    ///
    /// # Errors
    /// A failed write or flush.
    pub fn finish(mut self) -> Result<W> {
        if !self.header {
            self.write_header()?;
        }
        drop(self.to_writer.take());
        let mut out = self.join()?;
        out.flush().map_err(|e| Error::io(&self.path, e))?;
        Ok(out)
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
    /// A writer dropped without [`finish`](TweetCsvWriter::finish) (a failed run) stops its
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
        let users = batch.names();
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
    let mut order: Vec<usize> = (0..users.len()).collect();
    order.sort_by(|&a, &b| {
        users[b]
            .influence
            .total_cmp(&users[a].influence)
            .then(a.cmp(&b))
    });
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

#[cfg(test)]
mod tests {
    #[test]
    fn push_time_writes_what_ryu_writes() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let mut cases = vec![
            0.0,
            -0.0,
            1.0,
            1609212588.0,
            999_999_999_999_999.0,
            1e15,
            1e16,
            0.5,
        ];
        cases.extend((0..10_000).map(|_| (rng.random::<f64>() * 1e15).floor()));
        cases.extend((0..1_000).map(|_| rng.random::<f64>() * 1e9));
        let mut num = super::Numbers::new();
        let mut r = ryu::Buffer::new();
        for t in cases {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            super::push_time(&mut a, t, &mut num);
            super::push_f64(&mut b, t, &mut num);
            assert_eq!(a, b, "{t}");
            assert_eq!(b, r.format(t).as_bytes(), "{t}: ryu's text");
        }
    }

    use super::*;

    #[test]
    fn push_f64_writes_what_ryu_writes() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let mut cases = vec![
            0.0,
            -0.0,
            1e-7,
            1e-5,
            1e15,
            9.999999999999998e15,
            1e16,
            1.0705958159574584e16,
            1e21,
            1e22,
            -1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut x: f64 = 1.2345678901234567e-30;
        while x < 1e30 {
            cases.extend([x, -x, x.round()]);
            x *= 1.37;
        }
        cases.extend((0..100_000).map(|_| f64::from_bits(rng.random::<u64>())));
        cases.extend((0..100_000).map(|_| rng.random::<f64>() * 1e3));
        let (mut num, mut r) = (Numbers::new(), ryu::Buffer::new());
        for x in cases {
            let mut out = Vec::new();
            push_f64(&mut out, x, &mut num);
            assert_eq!(out, r.format(x).as_bytes(), "{x:e}");
        }
    }

    #[test]
    fn cursor_uint_writes_what_itoa_writes() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut cases: Vec<u64> = (0..=20)
            .flat_map(|k| {
                let p = 10u64.checked_pow(k).unwrap_or(u64::MAX);
                [p.saturating_sub(1), p, p.saturating_add(1)]
            })
            .chain([u64::MAX, u64::MAX - 1])
            .collect();
        // Random values of every length.
        cases.extend((0..200_000).map(|_| rng.random::<u64>() >> rng.random_range(0..64)));
        let mut i = itoa::Buffer::new();
        let mut room = Vec::new();
        for x in cases {
            let mut c = Cursor::new(&mut room);
            c.room(64);
            c.uint(x);
            let n = c.written();
            assert_eq!(&room[..n], i.format(x).as_bytes(), "{x}");
        }
    }

    #[test]
    fn csv_fields_hold_short_long_and_quoted_ids() {
        let ids = [
            "",
            "u1",
            "fifteen-bytes-x",
            "sixteen-bytes-xx",
            "a,b",
            "say \"hi\"",
            "a much longer id, with a comma",
            "é-ünïcode",
        ];
        let mut f = CsvFields::default();
        for id in ids {
            f.push(id);
        }
        assert_eq!(f.len(), ids.len());
        let mut room = Vec::new();
        let mut c = Cursor::new(&mut room);
        for (i, id) in ids.iter().enumerate() {
            let mut want = Vec::new();
            push_field(&mut want, id);
            assert_eq!(f.get(i), want.as_slice(), "field {i}");
            c.room(ROW_ROOM);
            f.put(i, &mut c);
            c.byte(b'|');
        }
        let n = c.written();
        let joined: Vec<String> = (0..ids.len())
            .map(|i| String::from_utf8(f.get(i).to_vec()).unwrap())
            .collect();
        assert_eq!(
            String::from_utf8(room[..n].to_vec()).unwrap(),
            joined.join("|") + "|",
            "written through the cursor, end to end"
        );
    }

    #[test]
    fn cursor_put_copies_every_length() {
        let src: Vec<u8> = (0..64u8).map(|b| b'A' + b % 26).collect();
        for n in 0..=40 {
            let mut room = Vec::new();
            let mut c = Cursor::new(&mut room);
            c.room(64);
            c.byte(b'<');
            c.put(&src[..n]);
            c.byte(b'>');
            let w = c.written();
            assert_eq!(
                &room[..w],
                [b"<", &src[..n], b">"].concat().as_slice(),
                "{n} bytes"
            );
        }
    }

    #[test]
    fn push_int_writes_what_itoa_writes() {
        let mut i = itoa::Buffer::new();
        for x in (-1000..100_000).chain([i64::MIN, i64::MAX]) {
            let mut out = Vec::new();
            push_int(&mut out, x);
            assert_eq!(out, i.format(x).as_bytes(), "{x}");
        }
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        push_field(&mut out, "plain");
        out.push(b' ');
        push_field(&mut out, "a,\"b\"");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain \"a,\"\"b\"\"\"",
            "quoted"
        );
    }
}
