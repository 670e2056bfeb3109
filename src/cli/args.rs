//! What every subcommand shares: the backend choice, the thread pool.

use anyhow::Result;
use cascadia::backend::{AutoRule, Backend, BackendChoice};
use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum BackendArg {
    /// The f64 CPU reference (exact; all algorithms).
    Cpu,
    /// A GPU through wgpu/Vulkan; an error if none.
    Gpu,
    /// Where it was measured faster, with one line on stderr when that is the CPU (see the
    /// subcommand's --backend).
    Auto,
}

impl From<BackendArg> for BackendChoice {
    fn from(a: BackendArg) -> Self {
        match a {
            BackendArg::Cpu => BackendChoice::Cpu,
            BackendArg::Gpu => BackendChoice::Gpu,
            BackendArg::Auto => BackendChoice::Auto,
        }
    }
}

/// The backend for `--backend`, under the capability's `auto` rule: says on stderr why `auto`
/// chose the CPU, and with `verbose` which GPU adapter runs.
pub(crate) fn backend(choice: BackendArg, rule: AutoRule, verbose: bool) -> Result<Backend> {
    let resolved = BackendChoice::from(choice)
        .resolve(rule)
        .map_err(|e| flag_error(e, BACKEND_FLAG))?;
    if let Some(note) = &resolved.note {
        eprintln!("cascadia: {note}");
    }
    if let (true, Some(adapter)) = (verbose, resolved.backend.adapter()) {
        eprintln!("cascadia: GPU adapter {adapter}");
    }
    Ok(resolved.backend)
}

/// The backend parameter as every subcommand spells it.
pub(crate) const BACKEND_FLAG: &[(&str, &str)] = &[("backend", "--backend")];

/// Sizes rayon's global pool (`--threads`; default: all cores).
pub(crate) fn threads(n: Option<usize>) {
    if let Some(t) = n {
        // Only fails if the pool was already built, which no subcommand does before this.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build_global();
    }
}

/// `e` naming the command line's flag instead of the library's parameter: `flags` maps
/// parameter names (`decay_per_s`) to flags (`--decay`); a name not listed is kept.
pub(crate) fn flag(
    mut e: cascadia::ParamError,
    flags: &[(&str, &'static str)],
) -> cascadia::ParamError {
    if let Some(&(_, f)) = flags.iter().find(|(name, _)| *name == e.field) {
        e.field = f;
    }
    e
}

/// [`flag`] for the parameter error inside `e`, if it is one.
pub(crate) fn flag_error(e: cascadia::Error, flags: &[(&str, &'static str)]) -> cascadia::Error {
    match e {
        cascadia::Error::Params(p) => cascadia::Error::Params(flag(p, flags)),
        e => e,
    }
}
