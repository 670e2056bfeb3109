//! The public reference's per-cascade files (`time,magnitude,user_id`): a file, a directory
//! of them or a glob; each file is one cascade named by its stem.

use super::cascades_csv::CsvReader;
use super::{CascadeSource, ReadOptions, ReadStats};
use crate::cascade::{CascadeSet, Interner};
use crate::error::{InputError, Result};
use std::path::PathBuf;

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
