//! The command line: clap definitions, terminal output, exit codes.
//!
//! Exit codes: 0 success; 1 the run finished but reported problems (skipped rows);
//! 2 an error (bad input, bad flags, I/O).

mod args;
mod bench;
mod influence;
mod netinf;
mod output;
mod politics;
mod probabilities;
mod progress;
mod survival;
mod synth;
mod threshold;
mod tune;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// cascadia: influence of posts and users from diffusion traces.
#[derive(Debug, Parser)]
#[command(name = "cascadia", version, about, long_about = None, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Tweet and user influence over all diffusion scenarios (Rizoiu et al., ICWSM 2018).
    Influence(Box<influence::InfluenceArgs>),
    /// Infer the diffusion network from infection times (NetInf, Gomez-Rodriguez et al., KDD 2010).
    Netinf(Box<netinf::NetinfArgs>),
    /// Influence probabilities from a social graph and an action log (Goyal et al., WSDM 2010),
    /// and their evaluation on held-out actions.
    #[command(subcommand)]
    Probabilities(probabilities::ProbabilitiesCommand),
    /// Infer a network of transmission rates with survival models (NetRate's additive model
    /// and the multiplicative model; Gomez-Rodriguez et al., ICML 2011 / 2013), every node's
    /// optimum certified.
    Survival(Box<survival::SurvivalArgs>),
    /// The linear threshold model with heterogeneous thresholds: batched simulation (CPU and
    /// GPU), per-node and feature-level threshold estimation, next-step prediction (Tran &
    /// Zheleva, AAAI 2022).
    #[command(subcommand)]
    Threshold(threshold::ThresholdCommand),
    /// Write synthetic inputs with known properties.
    #[command(subcommand)]
    Synth(synth::SynthCommand),
    /// Measure throughput and print a table with the machine line.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// Runs the command line and maps the outcome to an exit code.
pub(crate) fn main() -> ExitCode {
    output::on_interrupt();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Influence(args) => influence::run(*args),
        Command::Netinf(args) => netinf::run(*args),
        Command::Survival(args) => survival::run(*args),
        Command::Probabilities(cmd) => probabilities::run(cmd),
        Command::Threshold(cmd) => threshold::run(cmd),
        Command::Synth(cmd) => synth::run(cmd),
        Command::Bench(cmd) => bench::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // Outputs still owned by a thread that did not stop are deleted too.
            cascadia::io::atomic::remove_pending();
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            // The message and its causes, joined by ": ".
            eprintln!("cascadia: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || matches!(e.downcast_ref::<cascadia::Error>(), Some(cascadia::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
