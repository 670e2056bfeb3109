//! Output writers: CSV for tweets, users and pairwise matrices.
//!
//! Floats are written in the shortest form that reads back to the same f64 (`ryu`'s text,
//! produced by the faster `zmij` where the two agree), so the CSV outputs round-trip exactly.
//! Ids are written as the input had them, quoted when they contain a comma, a quote or a line
//! break.

use crate::cascade::Interner;
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
    itoa: itoa::Buffer,
}

impl Numbers {
    /// Fresh buffers.
    pub fn new() -> Self {
        Self::default()
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
    if t.is_sign_positive() && t < 1e15 && t.fract() == 0.0 {
        out.extend_from_slice(buf.itoa.format(t as u64).as_bytes());
        out.extend_from_slice(b".0");
    } else {
        push_f64(out, t, buf);
    }
}

/// Appends `x`; 0..100 (most positions and parents) from a table.
fn push_int(out: &mut Vec<u8>, x: i64, buf: &mut Numbers) {
    const DIGITS: &[u8; 200] = b"00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";
    match x {
        0..=9 => out.push(b'0' + x as u8),
        10..=99 => out.extend_from_slice(&DIGITS[2 * x as usize..2 * x as usize + 2]),
        _ => out.extend_from_slice(buf.itoa.format(x).as_bytes()),
    }
}

/// Writes `tweets.csv`: `cascade_id,pos,user_id,time,influence,expected_parent`, one row per
/// event, cascades in input order, events by position. Formats each batch in parallel, in a
/// few pieces of about equal size, and hands the pieces to a writer thread: the `write`
/// calls (a third of a second per 600 MiB) overlap the next batch's computation instead of
/// holding the workers up. The pieces' buffers come back for reuse, so formatting allocates
/// nothing once the first batches have passed. At most one batch's text waits for the writer.
pub struct TweetCsvWriter<W: Write + Send + 'static> {
    path: PathBuf,
    header: bool,
    to_writer: Option<mpsc::SyncSender<Vec<Vec<u8>>>>,
    /// Pieces the writer has written, for reuse.
    spare: mpsc::Receiver<Vec<Vec<u8>>>,
    writer: Option<std::thread::JoinHandle<(W, std::io::Result<()>)>>,
}

impl<W: Write + Send + 'static> TweetCsvWriter<W> {
    /// A writer to `out`; `path` names it in error messages.
    pub fn new(out: W, path: &Path) -> Self {
        let (to_writer, pieces) = mpsc::sync_channel::<Vec<Vec<u8>>>(1);
        let (give_back, spare) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("cascadia-writer".into())
            .spawn(move || {
                let mut out = out;
                for batch in pieces {
                    for piece in &batch {
                        if let Err(e) = out.write_all(piece) {
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
    fn send(&mut self, pieces: Vec<Vec<u8>>) -> Result<()> {
        let sent = self
            .to_writer
            .as_ref()
            .expect("sending before finish")
            .send(pieces);
        if sent.is_err() {
            // The writer stopped at an error: report it.
            drop(self.to_writer.take());
            self.join()?;
            return Err(Error::io(
                &self.path,
                std::io::Error::other("the writer thread stopped"),
            ));
        }
        Ok(())
    }

    fn write_header(&mut self) -> Result<()> {
        self.header = true;
        self.send(vec![
            b"cascade_id,pos,user_id,time,influence,expected_parent\n".to_vec(),
        ])
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
        let mut pieces = self.spare.try_recv().unwrap_or_default();
        pieces.resize_with(ranges.len(), Vec::new);
        pieces
            .par_iter_mut()
            .zip(ranges)
            .for_each(|(buf, cascades)| {
                buf.clear();
                let mut num = Numbers::new();
                let mut name = Vec::new();
                for i in cascades {
                    let c = set.get(i);
                    // The cascade's id, quoted if needed, once per cascade.
                    name.clear();
                    push_field(&mut name, c.name);
                    name.push(b',');
                    for (pos, e) in (offsets[i]..offsets[i + 1]).enumerate() {
                        buf.extend_from_slice(&name);
                        push_int(buf, pos as i64, &mut num);
                        buf.push(b',');
                        buf.extend_from_slice(batch.user_field(e));
                        buf.push(b',');
                        push_time(buf, c.times[pos], &mut num);
                        buf.push(b',');
                        push_f64(buf, batch.influence[e], &mut num);
                        buf.push(b',');
                        push_int(buf, batch.parents[e], &mut num);
                        buf.push(b'\n');
                    }
                }
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
    fn push_int_writes_what_itoa_writes() {
        let (mut num, mut i) = (Numbers::new(), itoa::Buffer::new());
        for x in (-1000..100_000).chain([i64::MIN, i64::MAX]) {
            let mut out = Vec::new();
            push_int(&mut out, x, &mut num);
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
