//! Ids as CSV fields, quoted once per id and kept in fixed slots for the per-event writers.

use super::format::{Cursor, ROW_ROOM, push_field};
use crate::cascade::StrList;

/// Ids as CSV fields (quoted if needed), by index: the writer looks one up per event, so a
/// field of up to [`SLOT`]` - 1` bytes (most ids) sits in a fixed slot of its own, its
/// length in the last byte: one cache line to read and one fixed-size copy, and quoting
/// decided once per id, not once per event. Longer fields go to a list beside.
#[derive(Debug, Default)]
pub(crate) struct CsvFields {
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
    pub(crate) fn push(&mut self, name: &str) {
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

    /// Field `i` (the writers copy it with [`CsvFields::put`]).
    ///
    /// # Panics
    /// If `i >= self.len()`.
    #[cfg(test)]
    pub(crate) fn get(&self, i: usize) -> &[u8] {
        let slot = &self.slots[i];
        match slot[SLOT - 1] {
            LONG => self.long_field(slot).as_bytes(),
            n => &slot[..n as usize],
        }
    }

    /// Number of fields.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    fn long_field(&self, slot: &[u8; SLOT]) -> &str {
        let i = u32::from_le_bytes(slot[..4].try_into().expect("four bytes"));
        self.long.get(i as usize)
    }

    /// Starts loading field `i` into the cache.
    #[inline(always)]
    pub(crate) fn prefetch(&self, i: usize) {
        if let Some(slot) = self.slots.get(i) {
            crate::prefetch::prefetch(slot);
        }
    }

    /// Writes field `i` at the cursor, which has room for a slot.
    #[inline(always)]
    pub(crate) fn put(&self, i: usize, out: &mut Cursor<'_>) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
