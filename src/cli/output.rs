//! The run's outputs as one transaction: each is written beside its target and every one is
//! renamed into place only when the whole run has succeeded (`cascadia::io::atomic`). A run
//! that fails, or is interrupted (Ctrl-C, SIGTERM: [`on_interrupt`]), leaves the previous
//! results as they were and no partial file.

use anyhow::Result;
use cascadia::io::atomic::{OutputFile, Staged, remove_pending, write_output};
use std::io::Write;
use std::path::Path;

/// Outputs finished so far, waiting for the run to succeed.
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    staged: Vec<Staged>,
}

impl Outputs {
    /// Starts an output (`-`: standard output).
    pub(crate) fn create(path: &Path) -> Result<OutputFile> {
        Ok(OutputFile::create(path)?)
    }

    /// Finishes the table `file` and keeps it for [`commit`](Outputs::commit). A table whose
    /// path ends in `.parquet` or `.arrow` is rewritten in that format.
    pub(crate) fn add(&mut self, file: OutputFile) -> Result<()> {
        self.staged.push(table(file.finish()?)?);
        Ok(())
    }

    /// Finishes `file`, written in its final format already, and keeps it for
    /// [`commit`](Outputs::commit).
    #[cfg_attr(
        not(feature = "columnar"),
        allow(dead_code, reason = "only the columnar writers stage as-is outputs")
    )]
    pub(crate) fn add_as_is(&mut self, file: OutputFile) -> Result<()> {
        self.staged.push(file.finish()?);
        Ok(())
    }

    /// Writes a whole table with `write` and keeps it for [`commit`](Outputs::commit) (as
    /// [`add`](Outputs::add), Parquet or Arrow when the path says so).
    pub(crate) fn write(
        &mut self,
        path: &Path,
        write: impl FnOnce(&mut OutputFile) -> std::io::Result<()>,
    ) -> Result<()> {
        self.staged.push(table(write_output(path, write)?)?);
        Ok(())
    }

    /// Writes a JSON value, pretty-printed with a final newline.
    pub(crate) fn json(&mut self, path: &Path, value: &impl serde::Serialize) -> Result<()> {
        self.staged.push(write_output(path, |w| {
            serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })?);
        Ok(())
    }

    /// Renames every output into place, in the order they were added.
    pub(crate) fn commit(self) -> Result<()> {
        for s in self.staged {
            s.commit()?;
        }
        Ok(())
    }
}

/// A finished CSV table, rewritten as Parquet or Arrow IPC when its path ends so.
fn table(staged: Staged) -> Result<Staged> {
    #[cfg(feature = "columnar")]
    return Ok(cascadia::io::columnar::to_columnar(staged)?);
    #[cfg(not(feature = "columnar"))]
    Ok(staged)
}

/// Deletes the outputs in progress when the process is interrupted (SIGINT, SIGTERM) and exits
/// with 130, as a shell reports an interrupted command.
pub(crate) fn on_interrupt() {
    // Without a handler (e.g. one is already set) an interrupt still stops the process and
    // leaves the targets untouched; only hidden `.NAME.*.partial` files may remain.
    let _ = ctrlc::set_handler(|| {
        remove_pending();
        std::process::exit(130);
    });
}
