//! Number and field formatting for the CSV writers: floats in their shortest round-trip text
//! (`ryu`'s, produced by the faster `zmij` where the two agree), CSV quoting, and `Cursor`,
//! the output buffer the hot writers format into (fixed-size copies, digits in place).

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
    pub(crate) fn text(&mut self, x: f64) -> &[u8] {
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

/// Appends what `write` writes through a `Cursor` (with room for one row's field).
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
fn format_eight_digits(x: u64) -> u64 {
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
pub(crate) struct Cursor<'a> {
    buf: &'a mut Vec<u8>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// Writes into `buf` from its start.
    pub(crate) fn new(buf: &'a mut Vec<u8>) -> Self {
        Cursor { buf, pos: 0 }
    }

    /// Makes sure that `n` bytes after the cursor may be written.
    #[inline(always)]
    pub(crate) fn room(&mut self, n: usize) {
        if self.buf.len() < self.pos + n {
            let len = (self.pos + n).max(2 * self.buf.len()).max(1 << 16);
            self.buf.resize(len, 0);
        }
    }

    /// Copies all of `src` and moves on by `len` (at most `N`).
    #[inline(always)]
    pub(crate) fn put_padded<const N: usize>(&mut self, src: &[u8; N], len: usize) {
        self.buf[self.pos..self.pos + N].copy_from_slice(src);
        self.pos += len;
    }

    /// Copies `src`; from 8 to 32 bytes (a float's text) as two overlapping copies of fixed
    /// size instead of a call to `memcpy`.
    #[inline(always)]
    pub(crate) fn put(&mut self, src: &[u8]) {
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
    pub(crate) fn byte(&mut self, b: u8) {
        self.buf[self.pos] = b;
        self.pos += 1;
    }

    /// Writes `x` in decimal (what `itoa` writes); eight digits at a time.
    #[inline(always)]
    pub(crate) fn uint(&mut self, x: u64) {
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
            self.put_padded(&format_eight_digits(x % 100_000_000).to_le_bytes(), 8);
        } else {
            let low = x % 10_000_000_000_000_000;
            self.up_to_eight(x / 10_000_000_000_000_000);
            self.put_padded(&format_eight_digits(low / 100_000_000).to_le_bytes(), 8);
            self.put_padded(&format_eight_digits(low % 100_000_000).to_le_bytes(), 8);
        }
    }

    /// Writes `x` (1 to 10^8 - 1) in decimal: eight digits with the leading zeros shifted out.
    #[inline(always)]
    fn up_to_eight(&mut self, x: u64) {
        let n = x.ilog10() + 1;
        let digits = format_eight_digits(x) >> (8 * (8 - n));
        self.put_padded(&digits.to_le_bytes(), n as usize);
    }

    #[inline(always)]
    pub(crate) fn int(&mut self, x: i64) {
        if x < 0 {
            self.byte(b'-');
        }
        self.uint(x.unsigned_abs());
    }

    /// Writes what [`push_time`] appends.
    #[inline(always)]
    pub(crate) fn time(&mut self, t: f64, num: &mut Numbers) {
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
    pub(crate) fn float(&mut self, x: f64, num: &mut Numbers) {
        self.put(num.text(x));
    }

    /// The bytes written.
    pub(crate) fn written(&self) -> usize {
        self.pos
    }
}

/// Appends `x` (what `itoa` writes).
#[cfg(test)]
fn push_int(out: &mut Vec<u8>, x: i64) {
    append_with(out, |c| c.int(x));
}

/// Room for one row of a table besides its long fields: fixed-size copies of a 16-byte id
/// slot and of 24-byte numbers, with slack. Writers call [`Cursor::room`] with it per row.
pub(crate) const ROW_ROOM: usize = 192;

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut num = Numbers::new();
        let mut r = ryu::Buffer::new();
        for t in cases {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            push_time(&mut a, t, &mut num);
            push_f64(&mut b, t, &mut num);
            assert_eq!(a, b, "{t}");
            assert_eq!(b, r.format(t).as_bytes(), "{t}: ryu's text");
        }
    }

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
