//! Progress reporting: the library reports, the binary draws.
//!
//! The library never prints; long-running work takes a `&dyn Progress` and calls it. The CLI
//! implements it with an indicatif bar on stderr.

/// Receives progress updates from long-running work. Every method has a no-op default.
pub trait Progress: Sync {
    /// Announces the total amount of work, when known (e.g. bytes of input).
    fn set_total(&self, _total: u64) {}
    /// Reports the amount of work done so far (same unit as `set_total`).
    fn set_position(&self, _done: u64) {}
    /// Reports a free-form status (e.g. "12,345 cascades").
    fn message(&self, _msg: &str) {}
}

/// A [`Progress`] that ignores every update.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
