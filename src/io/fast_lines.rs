//! A lean tokenizer for the common shape of CSV input — no quotes, `\n` or `\r\n` line ends,
//! UTF-8 — that hands over to the general `csv` reader at the first line it cannot split
//! exactly as `csv` would.
//!
//! The long-format reader spent most of its time tokenising: `csv_core`'s byte-at-a-time state
//! machine, then a `StringRecord` (copy and UTF-8 check) per row. Almost every real input has no
//! quotes, so this module reads 1 MiB blocks of whole lines, checks each block once (UTF-8, no
//! `"`, no `\r` but before `\n`) and splits lines on commas in one pass, handing out byte ranges
//! into the block. The first line that fails the block check (a quote, a lone `\r`, invalid
//! UTF-8) stops the fast path at its start, and [`FastLines::hand_over`] returns the unread
//! bytes, chained to the rest of the input, with the line number and byte offset they start at.
//! Empty lines are skipped (and counted), as `csv` skips them.

use memchr::{memchr2, memrchr};
use std::io::{self, Read};

/// Bytes read per block (a longer line grows the block).
const BLOCK: usize = 1 << 20;

/// Rows of a byte stream, split on commas.
pub(super) struct FastLines {
    inner: Box<dyn Read + Send>,
    /// Whole lines the fast path may split.
    block: String,
    /// Start of the next unread line in `block`.
    pos: usize,
    /// Bytes read after `block`: a partial line, or from the line where the fast path stops.
    tail: Vec<u8>,
    /// The line at the start of `tail` needs the general reader.
    stop: bool,
    eof: bool,
    /// Line number (1-based) of the line at `pos`.
    line: u64,
    /// Bytes of the input before `block`.
    consumed: u64,
}

/// Where the general reader takes over: the unread input and its position.
pub(super) struct HandOver {
    /// The unread bytes, then the rest of the input.
    pub reader: Box<dyn Read + Send>,
    /// Line number (1-based) of the first unread line.
    pub line: u64,
    /// Byte offset of the first unread byte.
    pub byte: u64,
}

impl FastLines {
    /// Rows of `inner`; the first line is numbered `1`.
    pub(super) fn new(inner: Box<dyn Read + Send>) -> Self {
        FastLines {
            inner,
            block: String::new(),
            pos: 0,
            tail: Vec::new(),
            stop: false,
            eof: false,
            line: 1,
            consumed: 0,
        }
    }

    /// The text the ranges of [`Self::next_row`] index.
    #[inline(always)]
    pub(super) fn text(&self) -> &str {
        &self.block
    }

    /// Splits the next non-empty line into `fields` (byte ranges into [`Self::text`], without
    /// the line end) and returns its number; `None` at the end of the input or where the
    /// general reader must take over ([`Self::must_hand_over`]).
    ///
    /// # Errors
    /// A read error of the underlying input.
    pub(super) fn next_row(&mut self, fields: &mut Vec<(usize, usize)>) -> io::Result<Option<u64>> {
        loop {
            let b = self.block.as_bytes();
            if self.pos < b.len() {
                fields.clear();
                let mut start = self.pos;
                let i = split_line(b, self.pos, |comma| {
                    fields.push((start, comma));
                    start = comma + 1;
                });
                self.pos = (i + 1).min(b.len());
                let line = self.line;
                self.line += 1;
                let mut end = i;
                if end > start && b[end - 1] == b'\r' {
                    end -= 1;
                }
                if fields.is_empty() && end == start {
                    continue;
                }
                fields.push((start, end));
                return Ok(Some(line));
            }
            if self.stop || (self.eof && self.tail.is_empty()) {
                return Ok(None);
            }
            self.refill()?;
        }
    }

    /// Splits the next line of the block into exactly `fields.len()` fields (byte ranges
    /// into [`Self::text`], without the line end) and returns where the line after it starts;
    /// `None` where [`Self::next_row`] must take it: at the end of the block, an empty line, or
    /// another number of fields. The line stays unread until [`Self::skip_to`].
    #[inline(always)]
    pub(super) fn peek_fields(&self, fields: &mut [(usize, usize)]) -> Option<usize> {
        let b = self.block.as_bytes();
        if self.pos >= b.len() || fields.is_empty() {
            return None;
        }
        let (mut k, mut start, mut more) = (0, self.pos, false);
        let last = fields.len() - 1;
        let i = split_line(b, self.pos, |comma| {
            if k < last {
                fields[k] = (start, comma);
                k += 1;
                start = comma + 1;
            } else {
                more = true;
            }
        });
        if more || k < last {
            return None;
        }
        let mut end = i;
        if end > start && b[end - 1] == b'\r' {
            end -= 1;
        }
        if last == 0 && end == start {
            return None;
        }
        fields[last] = (start, end);
        Some((i + 1).min(b.len()))
    }

    /// Moves past the line [`Self::peek_fields`] split, whose successor starts at `next`.
    #[inline(always)]
    pub(super) fn skip_to(&mut self, next: usize) {
        self.pos = next;
        self.line += 1;
    }

    /// Line number (1-based) of the next unread line.
    #[inline(always)]
    pub(super) fn line(&self) -> u64 {
        self.line
    }

    /// Whether [`Self::next_row`] stopped at a line for the general reader (rather than at
    /// the end of the input).
    pub(super) fn must_hand_over(&self) -> bool {
        self.stop || self.pos < self.block.len() || !self.tail.is_empty()
    }

    /// Byte offset of the next unread line (for progress).
    pub(super) fn position(&self) -> u64 {
        self.consumed + self.pos as u64
    }

    /// The unread input, from the line where the fast path stopped.
    pub(super) fn hand_over(mut self) -> HandOver {
        let mut rest = self.block.as_bytes()[self.pos..].to_vec();
        rest.append(&mut self.tail);
        HandOver {
            reader: Box::new(io::Cursor::new(rest).chain(self.inner)),
            line: self.line,
            byte: self.consumed + self.pos as u64,
        }
    }

    /// Replaces the (consumed) block by the next one: the old tail plus one more read, cut
    /// after its last whole line and before the first line the fast path cannot take.
    fn refill(&mut self) -> io::Result<()> {
        self.consumed += self.block.len() as u64;
        let mut buf = std::mem::take(&mut self.block).into_bytes();
        buf.clear();
        buf.append(&mut self.tail);
        // `read_to_end` fills spare capacity without zeroing it first.
        let n = (&mut self.inner).take(BLOCK as u64).read_to_end(&mut buf)?;
        self.eof = n == 0;
        let mut cut = if self.eof {
            buf.len()
        } else {
            memrchr(b'\n', &buf).map_or(0, |i| i + 1)
        };
        let mut from = 0;
        while let Some(i) = memchr2(b'"', b'\r', &buf[from..cut]).map(|i| from + i) {
            if buf[i] == b'\r' && buf.get(i + 1) == Some(&b'\n') {
                from = i + 2;
                continue;
            }
            cut = i;
            self.stop = true;
            break;
        }
        if let Err(e) = std::str::from_utf8(&buf[..cut]) {
            cut = e.valid_up_to();
            self.stop = true;
        }
        if self.stop {
            // Back to the start of the offending line.
            cut = memrchr(b'\n', &buf[..cut]).map_or(0, |i| i + 1);
        }
        self.tail.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        self.block = String::from_utf8(buf).expect("checked above");
        self.pos = 0;
        Ok(())
    }
}

/// Bytes of `x` equal to `c`, as their top bits (exact: no borrow crosses bytes).
fn bytes_equal(x: u64, c: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let y = x ^ (0x0101_0101_0101_0101 * u64::from(c));
    !(((y & LOW7) + LOW7) | y) & !LOW7
}

/// Bit `i` set where byte `i` of `chunk` is a comma or a line feed.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn separators16(chunk: &[u8; 16]) -> u32 {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i,
        set_splat_i8_m128i,
    };
    let x = load_unaligned_m128i(chunk);
    let commas = cmp_eq_mask_i8_m128i(x, set_splat_i8_m128i(b',' as i8));
    let ends = cmp_eq_mask_i8_m128i(x, set_splat_i8_m128i(b'\n' as i8));
    move_mask_i8_m128i(bitor_m128i(commas, ends)) as u32
}

/// Scans `b` from `from` to the end of the line, calling `comma` with the index of each comma
/// on the way; returns the index of the line's `\n` (or `b.len()`). Eight bytes at a time.
#[inline(always)]
fn split_line(b: &[u8], from: usize, mut comma: impl FnMut(usize)) -> usize {
    let mut i = from;
    // Sixteen bytes at a time where SSE2 is there (every x86-64), then eight.
    #[cfg(target_arch = "x86_64")]
    while let Some(chunk) = b.get(i..i + 16) {
        let mut hits = separators16(chunk.try_into().expect("16 bytes"));
        while hits != 0 {
            let k = i + hits.trailing_zeros() as usize;
            if b[k] == b'\n' {
                return k;
            }
            comma(k);
            hits &= hits - 1;
        }
        i += 16;
    }
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let mut hits = bytes_equal(x, b',') | bytes_equal(x, b'\n');
        while hits != 0 {
            let k = i + (hits.trailing_zeros() / 8) as usize;
            if b[k] == b'\n' {
                return k;
            }
            comma(k);
            hits &= hits - 1;
        }
        i += 8;
    }
    while i < b.len() {
        match b[i] {
            b'\n' => return i,
            b',' => comma(i),
            _ => {}
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rows = Vec<(u64, Vec<String>)>;

    fn rows(text: &str) -> (Rows, Option<(u64, u64, String)>) {
        let mut f = FastLines::new(Box::new(io::Cursor::new(text.as_bytes().to_vec())));
        let mut out = Vec::new();
        let mut fields = Vec::new();
        while let Some(n) = f.next_row(&mut fields).unwrap() {
            let row = fields.iter().map(|&(a, b)| f.text()[a..b].to_string());
            out.push((n, row.collect()));
        }
        (out, rest(f))
    }

    fn rest(f: FastLines) -> Option<(u64, u64, String)> {
        f.must_hand_over().then(|| {
            let h = f.hand_over();
            let mut s = String::new();
            let mut r = h.reader;
            r.read_to_string(&mut s).unwrap();
            (h.line, h.byte, s)
        })
    }

    fn row(n: u64, fields: &[&str]) -> (u64, Vec<String>) {
        (n, fields.iter().map(|f| f.to_string()).collect())
    }

    #[test]
    fn splits_rows_and_numbers_lines_skipping_empty_ones() {
        let (r, rest) = rows("a,b\r\n\nc,,d\n\r\n,\ne");
        assert_eq!(
            r,
            vec![
                row(1, &["a", "b"]),
                row(3, &["c", "", "d"]),
                row(5, &["", ""]),
                row(6, &["e"])
            ],
            "CRLF stripped, empty lines skipped but counted, empty fields kept, no final line end"
        );
        assert!(rest.is_none(), "nothing left for the general reader");
    }

    #[test]
    fn hands_over_at_the_line_of_a_quote_a_lone_cr_or_invalid_utf8() {
        let (r, rest) = rows("a\nb\nc,\"x\ny\"\nd\n");
        assert_eq!(
            r,
            vec![row(1, &["a"]), row(2, &["b"])],
            "lines before the quote"
        );
        assert_eq!(
            rest,
            Some((3, 4, "c,\"x\ny\"\nd\n".into())),
            "the general reader starts at the quote's line, with its number and byte offset"
        );
        let (r, rest) = rows("a\nb\rc\n");
        assert_eq!(r, vec![row(1, &["a"])], "a lone CR stops the fast path");
        assert_eq!(rest, Some((2, 2, "b\rc\n".into())), "from the CR's line");
        let mut bytes = b"a\nb\nx".to_vec();
        bytes.push(0xff);
        let mut f = FastLines::new(Box::new(io::Cursor::new(bytes)));
        let mut fields = Vec::new();
        assert_eq!(f.next_row(&mut fields).unwrap(), Some(1));
        assert_eq!(f.next_row(&mut fields).unwrap(), Some(2));
        assert_eq!(
            f.next_row(&mut fields).unwrap(),
            None,
            "stops before invalid UTF-8"
        );
        let h = f.hand_over();
        assert_eq!((h.line, h.byte), (3, 4), "from the invalid line");
    }

    proptest::proptest! {
        /// The eight-bytes-at-a-time scan finds the same commas and line end as a byte loop.
        #[test]
        fn split_line_matches_a_byte_loop(text in "[a,\n\\x{80}-\\x{ff}]{0,40}", from in 0usize..40) {
            let b = text.as_bytes();
            let from = from.min(b.len());
            let mut commas = Vec::new();
            let end = split_line(b, from, |k| commas.push(k));
            let want_end = b[from..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| from + p);
            let want: Vec<usize> = (from..want_end).filter(|&k| b[k] == b',').collect();
            proptest::prop_assert_eq!(end, want_end);
            proptest::prop_assert_eq!(commas, want);
        }
    }

    #[test]
    fn lines_longer_than_a_block_and_block_edges() {
        let long = "x".repeat(BLOCK + 10);
        let text = format!("{long},y\nz\n");
        let (r, rest) = rows(&text);
        assert_eq!(
            r,
            vec![row(1, &[&long, "y"]), row(2, &["z"])],
            "a line over a block"
        );
        assert!(rest.is_none());
        let mut text = String::new();
        for i in 0..200_000 {
            text.push_str(&format!("{i},v{i}\n"));
        }
        let (r, _) = rows(&text);
        assert_eq!(r.len(), 200_000, "rows across several blocks");
        assert!(
            r.iter().enumerate().all(|(i, (n, f))| *n == i as u64 + 1
                && f[0] == i.to_string()
                && f[1] == format!("v{i}")),
            "every row whole and numbered"
        );
    }
}
