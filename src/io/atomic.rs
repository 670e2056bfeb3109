//! Outputs that appear whole or not at all.
//!
//! An [`OutputFile`] writes to a temporary file beside its target (same directory, so the
//! final rename stays on one file system) and [`Staged::commit`] renames it into place. Until
//! then the target — a previous run's results — is untouched; a failed run drops its
//! [`Staged`] files and the temporaries are deleted. A process that is interrupted (Ctrl-C)
//! runs no destructors, so every temporary is also listed in a process-wide register that
//! [`remove_pending`] empties: the binary calls it from its signal handler.
//!
//! Standard output (`-`) and targets that exist but are not regular files (`/dev/null`, a
//! FIFO, a terminal) are written directly: there is nothing to replace atomically. A symbolic
//! link to a regular file is followed, so the link stays and its target is replaced.

use crate::error::{Error, Result};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporaries not yet committed or deleted, for [`remove_pending`].
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while the list is held leaves a valid list: go on with it.
    PENDING.lock().unwrap_or_else(|p| p.into_inner())
}

fn forget(temp: &Path) {
    pending().retain(|p| p != temp);
}

/// Deletes every temporary output of this process that was neither committed nor dropped.
/// Meant for a signal handler (Ctrl-C) just before the process exits; outputs written
/// after this call are not affected.
pub fn remove_pending() {
    for p in pending().drain(..) {
        let _ = std::fs::remove_file(p);
    }
}

/// An output being written: buffered, to a temporary file beside `path` (or directly, see the
/// module docs). Write to it, then [`finish`](OutputFile::finish) it and
/// [`commit`](Staged::commit) the result once the whole run has succeeded. Dropped unfinished,
/// the temporary is deleted and the target is left as it was.
pub struct OutputFile {
    path: PathBuf,
    /// Standard output, a special file, or the temporary file.
    out: BufWriter<Box<dyn Write + Send>>,
    temp: Option<Temp>,
}

impl std::fmt::Debug for OutputFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputFile")
            .field("path", &self.path)
            .field("temp", &self.temp)
            .finish_non_exhaustive()
    }
}

/// A temporary file and the target it will replace.
#[derive(Debug)]
struct Temp {
    /// `None` once committed.
    path: Option<tempfile::TempPath>,
    target: PathBuf,
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            // The TempPath deletes the file (if it is still there) after this.
            forget(p);
        }
    }
}

impl OutputFile {
    /// Starts the output `path` (`-` is standard output), with a 1 MiB buffer.
    ///
    /// # Errors
    /// [`Error::Io`] naming `path` when the temporary file (or a special file) cannot be
    /// created, e.g. a missing or read-only directory.
    pub fn create(path: &Path) -> Result<Self> {
        Self::with_capacity(path, 1 << 20)
    }

    /// As [`create`](OutputFile::create), with a buffer of `capacity` bytes.
    ///
    /// # Errors
    /// As [`create`](OutputFile::create).
    pub fn with_capacity(path: &Path, capacity: usize) -> Result<Self> {
        if path.as_os_str() == "-" {
            return Ok(OutputFile {
                path: path.to_path_buf(),
                out: BufWriter::with_capacity(capacity, Box::new(std::io::stdout())),
                temp: None,
            });
        }
        let existing = std::fs::metadata(path);
        let target = match &existing {
            Ok(m) if !m.is_file() => {
                // A device, FIFO or terminal: write to it as it is.
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| Error::io(path, e))?;
                return Ok(OutputFile {
                    path: path.to_path_buf(),
                    out: BufWriter::with_capacity(capacity, Box::new(f)),
                    temp: None,
                });
            }
            // A link to a regular file: replace the file, keep the link.
            Ok(_) if path.is_symlink() => {
                std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?
            }
            _ => path.to_path_buf(),
        };
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        // Created with mode 0666 less the umask, as `File::create` would.
        let named = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .permissions(std_permissions(0o666))
            .tempfile_in(&dir)
            .map_err(|e| Error::io(path, e))?;
        let (file, temp_path) = named.into_parts();
        pending().push(temp_path.to_path_buf());
        if let Ok(m) = existing {
            // Replacing a file keeps its permissions (a link's: its target's).
            std::fs::set_permissions(&temp_path, m.permissions())
                .map_err(|e| Error::io(path, e))?;
        }
        let temp = Temp {
            path: Some(temp_path),
            target,
        };
        Ok(OutputFile {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(capacity, Box::new(file)),
            temp: Some(temp),
        })
    }

    /// The path the output was asked for.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes everything written and returns the output ready to [`commit`](Staged::commit).
    ///
    /// # Errors
    /// [`Error::Io`] naming the output when a write fails (e.g. the disk is full).
    pub fn finish(self) -> Result<Staged> {
        let OutputFile { path, out, temp } = self;
        // (Standard output keeps a buffer of its own: flushed too.)
        let mut dest = out
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        dest.flush().map_err(|e| Error::io(&path, e))?;
        Ok(Staged { path, temp })
    }
}

impl Write for OutputFile {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A finished output waiting to replace its target. Dropped without
/// [`commit`](Staged::commit), its temporary is deleted.
#[derive(Debug)]
#[must_use = "a staged output replaces its target only when committed"]
pub struct Staged {
    path: PathBuf,
    temp: Option<Temp>,
}

impl Staged {
    /// The path the output was asked for.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file holding the output (`None` for standard output or a special file).
    pub fn temp_path(&self) -> Option<&Path> {
        self.temp.as_ref()?.path.as_deref()
    }

    /// Renames the output into place (nothing to do for standard output or a special file).
    ///
    /// # Errors
    /// [`Error::Io`] naming the output when the rename fails.
    pub fn commit(mut self) -> Result<()> {
        let Some(mut temp) = self.temp.take() else {
            return Ok(());
        };
        if let Some(tp) = temp.path.take() {
            forget(&tp);
            tp.persist(&temp.target)
                .map_err(|e| Error::io(&self.path, e.error))?;
        }
        Ok(())
    }
}

/// Writes a whole output at once: `write` fills it and the result is staged.
///
/// # Errors
/// What `write` or the file fails with, naming `path`.
pub fn write_output(
    path: &Path,
    write: impl FnOnce(&mut OutputFile) -> std::io::Result<()>,
) -> Result<Staged> {
    let mut out = OutputFile::create(path)?;
    write(&mut out).map_err(|e| Error::io(path, e))?;
    out.finish()
}

#[cfg(unix)]
fn std_permissions(mode: u32) -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(mode)
}

#[cfg(not(unix))]
fn std_permissions(_mode: u32) -> std::fs::Permissions {
    std::fs::File::open(".")
        .and_then(|f| f.metadata())
        .map(|m| m.permissions())
        .expect("the current directory has permissions")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_replaces_and_drop_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old\n").unwrap();

        let mut f = OutputFile::create(&target).unwrap();
        f.write_all(b"new\n").unwrap();
        assert_eq!(
            listing(dir.path()).len(),
            2,
            "the temporary sits beside the target"
        );
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "old\n",
            "untouched while written"
        );
        drop(f.finish().unwrap());
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "old\n",
            "dropped: not replaced"
        );
        assert_eq!(
            listing(dir.path()),
            ["out.csv"],
            "dropped: temporary deleted"
        );

        let mut f = OutputFile::create(&target).unwrap();
        f.write_all(b"new\n").unwrap();
        f.finish().unwrap().commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "new\n",
            "committed"
        );
        assert_eq!(listing(dir.path()), ["out.csv"], "no temporary left");
        assert!(
            pending().iter().all(|p| !p.starts_with(dir.path())),
            "register emptied"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old\n").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        let f = OutputFile::create(&target).unwrap();
        f.finish().unwrap().commit().unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[test]
    fn remove_pending_deletes_uncommitted_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("x.csv");
        let mut f = OutputFile::create(&target).unwrap();
        f.write_all(b"partial").unwrap();
        f.flush().unwrap();
        // What `remove_pending` does, for this test's file only (tests run in parallel; the
        // CLI test interrupts a real run).
        let mine: Vec<PathBuf> = pending()
            .iter()
            .filter(|p| p.starts_with(dir.path()))
            .cloned()
            .collect();
        assert_eq!(mine.len(), 1);
        for p in &mine {
            std::fs::remove_file(p).unwrap();
            forget(p);
        }
        assert!(
            listing(dir.path()).is_empty(),
            "nothing left: {:?}",
            listing(dir.path())
        );
        drop(f);
    }

    #[test]
    fn special_files_are_written_directly() {
        let f = OutputFile::create(Path::new("/dev/null")).unwrap();
        assert!(f.temp.is_none());
        f.finish().unwrap().commit().unwrap();
        assert!(Path::new("/dev/null").exists(), "not replaced");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        let link = dir.path().join("link.csv");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut f = OutputFile::create(&link).unwrap();
        f.write_all(b"new").unwrap();
        f.finish().unwrap().commit().unwrap();
        assert!(link.is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_output() {
        let err = OutputFile::create(Path::new("/nonexistent-dir/out.csv")).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent-dir/out.csv"),
            "{err}"
        );
    }
}
