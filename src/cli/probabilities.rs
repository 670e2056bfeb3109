//! `cascadia probabilities learn|evaluate`: influence probabilities from a social graph and an
//! action log (Goyal et al., WSDM 2010), and their evaluation on held-out actions.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};
use cascadia::plots::{LinePlot, Series};
use cascadia::probabilities::evaluate::{self, MODELS};
use cascadia::probabilities::input::{ActionLog, SocialGraph, read_graph, read_log};
use cascadia::probabilities::learn::Counts;
use cascadia::probabilities::output::*;
use cascadia::probabilities::{Split, run_learn_with};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::output::Outputs;

#[derive(Debug, Subcommand)]
pub(crate) enum ProbabilitiesCommand {
    /// Learn the probabilities of every pair from the training actions (two scans of the log).
    Learn(LearnArgs),
    /// Evaluate twelve models on the test actions: ROC, AUC, time prediction.
    Evaluate(EvaluateArgs),
}

/// Inputs and the split, shared by both commands.
#[derive(Debug, Args)]
pub(crate) struct DataArgs {
    /// Social graph: `u,v,created` (undirected ties; created empty = the tie always existed).
    #[arg(long)]
    graph: PathBuf,
    /// Action log: `user,action,time`, any order (sorted in memory: 24 bytes per row).
    #[arg(long)]
    log: PathBuf,
    /// The action at 0-based position i (ids ascending) is a test action iff i mod K = K − 1.
    #[arg(long, default_value_t = 5, conflicts_with_all = ["test_actions", "all_train"])]
    test_every: usize,
    /// These actions are the test set (comma-separated ids).
    #[arg(long, value_delimiter = ',', conflicts_with = "all_train")]
    test_actions: Option<Vec<i64>>,
    /// Learn from every action (no test set).
    #[arg(long)]
    all_train: bool,
    /// Skip malformed log rows (empty lines, wrong field counts, non-numbers) and report them
    /// instead of stopping at the first.
    #[arg(long)]
    skip_invalid: bool,
    /// The log rows not used (malformed with --skip-invalid, unknown users, duplicates):
    /// line,kind,detail.
    #[arg(long)]
    log_issues: Option<PathBuf>,
    /// No human summary.
    #[arg(long, short)]
    quiet: bool,
}

impl DataArgs {
    fn split(&self) -> Split {
        if self.all_train {
            Split::AllTrain
        } else if let Some(list) = &self.test_actions {
            Split::TestActions(list.clone())
        } else {
            Split::TestEvery(self.test_every)
        }
    }

    fn load(&self) -> Result<(SocialGraph, ActionLog, Counts, serde_json::Value)> {
        let t0 = Instant::now();
        let g = read_graph(&self.graph)?;
        let t1 = Instant::now();
        let log = read_log(&self.log, &g, self.skip_invalid)?;
        if log.actions.is_empty() {
            bail!(
                "{}: no usable rows ({} read, {} naming users the graph lacks, {} skipped as malformed); the log is `user,action,time` over the graph's users",
                self.log.display(),
                log.rows,
                log.unknown_users,
                log.invalid
            );
        }
        let t2 = Instant::now();
        let bar = super::progress::Bar::counting(self.quiet, "action scans");
        let c = run_learn_with(&g, &log, &self.split(), &bar)?;
        bar.finish();
        let t3 = Instant::now();
        if !self.quiet {
            if log.unknown_users > 0 {
                eprintln!(
                    "cascadia: warning: {} log rows name users the graph lacks (skipped; --log-issues lists them)",
                    log.unknown_users
                );
            }
            if log.duplicates > 0 {
                eprintln!(
                    "cascadia: warning: {} repeated (user, action) rows (the first in file order kept)",
                    log.duplicates
                );
            }
            if log.invalid > 0 {
                eprintln!(
                    "cascadia: warning: {} malformed log rows skipped (--skip-invalid)",
                    log.invalid
                );
            }
        }
        let tests = c.test.iter().filter(|t| **t).count();
        let info = json!({
            "graph": self.graph,
            "log": self.log,
            "split": self.split(),
            "users": g.n_nodes(),
            "edges": g.edges.len(),
            "log_rows": log.rows,
            "rows_used": log.user.len(),
            "unknown_users": log.unknown_users,
            "duplicates": log.duplicates,
            "invalid": log.invalid,
            "actions": log.actions.len(),
            "test_actions": tests,
            "pairs_with_propagations": c.a_v2u.iter().filter(|&&n| n > 0).count(),
            "seconds_graph": (t1 - t0).as_secs_f64(),
            "seconds_log": (t2 - t1).as_secs_f64(),
            "seconds_scans": (t3 - t2).as_secs_f64(),
        });
        Ok((g, log, c, info))
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum Estimator {
    /// Bernoulli: A_v2u / A_v (Eq. 6).
    Bern,
    /// Jaccard: A_v2u / A_u|v (Eq. 7).
    Jacc,
    /// Partial-credit Bernoulli (Eq. 9).
    PcBern,
    /// Partial-credit Jaccard (Eq. 10).
    PcJacc,
    /// Discrete-time Bernoulli (window τ).
    DtBern,
    /// Discrete-time Jaccard.
    DtJacc,
    /// Discrete-time partial-credit Bernoulli.
    DtPcBern,
    /// Discrete-time partial-credit Jaccard.
    DtPcJacc,
}

/// Arguments of `cascadia probabilities learn`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  cascadia probabilities learn --graph graph.csv --log log.csv --output probs.csv --counts counts.csv --test-every 5\n\nConventions: README \"Influence probabilities\" and the spec's rules 1-14."
)]
pub(crate) struct LearnArgs {
    #[command(flatten)]
    data: DataArgs,
    /// src,dst,bern,jacc,pc_bern,pc_jacc,dt_bern,dt_jacc,dt_pc_bern,dt_pc_jacc,tau for every
    /// pair with a propagation (- for standard output).
    #[arg(long, short)]
    output: PathBuf,
    /// src,dst,A_src,A_dst,A_and,A_or,A_v2u,dt_sum,tau,credit,A_v2u_dt,credit_dt.
    #[arg(long)]
    counts: Option<PathBuf>,
    /// user,A_u,infl_count,infl (influenceability, Eq. 3).
    #[arg(long)]
    users: Option<PathBuf>,
    /// action,split,performers,influenced,infl (influence quotient, Eq. 5).
    #[arg(long)]
    actions: Option<PathBuf>,
    /// `u v p` lines of one estimator, for influence-maximisation tools (IMM, TIM).
    #[arg(long)]
    im_output: Option<PathBuf>,
    /// The estimator written by --im-output.
    #[arg(long, value_enum, default_value = "bern")]
    im_model: Estimator,
    /// JSON summary: inputs, counts, timings.
    #[arg(long)]
    summary: Option<PathBuf>,
}

/// Arguments of `cascadia probabilities evaluate`.
#[derive(Debug, Args)]
pub(crate) struct EvaluateArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Folder for auc.csv, roc.csv, time.csv, time-cases.csv, time-coverage.csv, cases.csv,
    /// split.csv and summary.json (created if missing).
    #[arg(long)]
    output_dir: PathBuf,
    /// Also draw roc.svg (the chosen models) and coverage.svg (the CT models' time
    /// prediction).
    #[arg(long)]
    plot: bool,
    /// Models in auc.csv, roc.csv, time.csv and the plots: `all`, or a comma-separated list
    /// of bern, jacc, pc_bern, pc_jacc, ct_*, dt_* (cases.csv always has all twelve scores).
    #[arg(long, value_delimiter = ',', default_value = "all")]
    models: Vec<String>,
}

pub(crate) fn run(cmd: ProbabilitiesCommand) -> Result<ExitCode> {
    match cmd {
        ProbabilitiesCommand::Learn(a) => learn(a),
        ProbabilitiesCommand::Evaluate(a) => evaluate(a),
    }
}

fn issues(outputs: &mut Outputs, path: &Option<PathBuf>, log: &ActionLog) -> Result<()> {
    if let Some(p) = path {
        outputs.write(p, |w| write_log_issues(w, &log.issues))?;
    }
    Ok(())
}

fn learn(a: LearnArgs) -> Result<ExitCode> {
    let (g, log, c, info) = a.data.load()?;
    let mut outputs = Outputs::default();
    outputs.write(&a.output, |w| write_probabilities(w, &g, &c))?;
    if let Some(p) = &a.counts {
        outputs.write(p, |w| write_counts(w, &g, &c))?;
    }
    if let Some(p) = &a.users {
        outputs.write(p, |w| write_users(w, &g, &c))?;
    }
    if let Some(p) = &a.actions {
        outputs.write(p, |w| write_actions(w, &log, &c))?;
    }
    if let Some(p) = &a.im_output {
        outputs.write(p, |w| write_im(w, &g, &c, a.im_model as usize))?;
    }
    issues(&mut outputs, &a.data.log_issues, &log)?;
    let summary = json!({"cascadia_version": env!("CARGO_PKG_VERSION"), "command": "probabilities learn", "data": info});
    if let Some(p) = &a.summary {
        outputs.json(p, &summary)?;
    }
    outputs.commit()?;
    if !a.data.quiet {
        eprintln!(
            "cascadia probabilities learn: {} users, {} ties, {} log rows used of {} over {} actions ({} held out); {} pairs with propagations; scans {:.3} s (read {:.3} s)",
            g.n_nodes(),
            g.edges.len(),
            log.user.len(),
            log.rows,
            log.actions.len(),
            info["test_actions"],
            info["pairs_with_propagations"],
            info["seconds_scans"].as_f64().unwrap_or(0.0),
            info["seconds_graph"].as_f64().unwrap_or(0.0)
                + info["seconds_log"].as_f64().unwrap_or(0.0)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn evaluate(a: EvaluateArgs) -> Result<ExitCode> {
    if matches!(a.data.split(), Split::AllTrain) {
        bail!("--all-train leaves nothing to evaluate; use --test-every or --test-actions");
    }
    let (g, log, c, info) = a.data.load()?;
    if !c.test.iter().any(|t| *t) {
        bail!(
            "the split has no test actions ({} actions in the log); lower --test-every or name --test-actions",
            log.actions.len()
        );
    }
    let models: Vec<usize> = if a.models.iter().any(|m| m == "all") {
        (0..MODELS.len()).collect()
    } else {
        a.models
            .iter()
            .map(|m| {
                MODELS.iter().position(|x| x == m).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--models: unknown model {m:?}; the models are all, {}",
                        MODELS.join(", ")
                    )
                })
            })
            .collect::<Result<_>>()?
    };
    let t0 = Instant::now();
    let cases = evaluate::cases(&g, &log, &c, false);
    let curves = curves(&cases);
    let preds: Vec<_> = (0..4)
        .filter(|k| models.contains(&(4 + k)))
        .map(|k| evaluate::time_prediction(&g, &c, &cases, k))
        .collect();
    let seconds = t0.elapsed().as_secs_f64();
    std::fs::create_dir_all(&a.output_dir).map_err(|e| cascadia::Error::io(&a.output_dir, e))?;
    let d = |name: &str| a.output_dir.join(name);
    let mut outputs = Outputs::default();
    outputs.write(&d("auc.csv"), |w| write_auc(w, &cases, &curves, &models))?;
    outputs.write(&d("roc.csv"), |w| write_roc(w, &curves, &models))?;
    outputs.write(&d("time.csv"), |w| write_time(w, &preds))?;
    outputs.write(&d("time-cases.csv"), |w| {
        write_time_cases(w, &g, &log, &cases, &preds)
    })?;
    outputs.write(&d("time-coverage.csv"), |w| write_coverage(w, &preds))?;
    outputs.write(&d("cases.csv"), |w| write_cases(w, &g, &log, &cases))?;
    outputs.write(&d("split.csv"), |w| write_split(w, &log, &c))?;
    issues(&mut outputs, &a.data.log_issues, &log)?;
    let aucs: Vec<f64> = curves.iter().map(|cv| evaluate::auc(cv)).collect();
    if a.plot {
        let mut roc_plot = LinePlot::unit(
            "ROC of every model",
            "false-positive rate",
            "true-positive rate",
        );
        roc_plot.diagonal = true;
        for &k in &models {
            let cv = &curves[k];
            let mut pts = vec![(0.0, 0.0)];
            pts.extend(cv.iter().map(|p| (p.fpr, p.tpr)));
            pts.push((1.0, 1.0));
            roc_plot.series.push(Series {
                label: format!("{} (AUC {:.3})", MODELS[k], aucs[k]),
                points: pts,
            });
        }
        outputs.write(&d("roc.svg"), |w| w.write_all(roc_plot.svg().as_bytes()))?;
        let max = preds
            .iter()
            .flat_map(|p| p.coverage.iter().map(|c| c.0))
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE);
        let mut cov = LinePlot::unit(
            "time prediction: coverage",
            "|error| (time units)",
            "share of true positives",
        );
        cov.x_range = (0.0, max);
        for p in &preds {
            let mut pts = vec![(0.0, 0.0)];
            pts.extend(p.coverage.iter().copied());
            cov.series.push(Series {
                label: p.model.to_string(),
                points: pts,
            });
        }
        outputs.write(&d("coverage.svg"), |w| w.write_all(cov.svg().as_bytes()))?;
    }
    let pos = cases.iter().filter(|x| x.label).count();
    let summary = json!({
        "cascadia_version": env!("CARGO_PKG_VERSION"),
        "command": "probabilities evaluate",
        "data": info,
        "cases": cases.len(),
        "positives": pos,
        "auc": models.iter().map(|&k| (MODELS[k].to_string(), aucs[k])).collect::<std::collections::BTreeMap<_, _>>(),
        "time": preds,
        "seconds_evaluate": seconds,
    });
    outputs.json(&d("summary.json"), &summary)?;
    outputs.commit()?;
    if !a.data.quiet {
        eprintln!(
            "cascadia probabilities evaluate: {} cases ({} positive) over {} test actions in {:.3} s",
            cases.len(),
            pos,
            info["test_actions"],
            seconds
        );
        for &k in &models {
            eprintln!("  {:<11} AUC {:.4}", MODELS[k], aucs[k]);
        }
        for p in &preds {
            eprintln!(
                "  time {:<11} θ {:.4}: {} true positives, RMSE {:.4} (trimmed {:.4}), accuracy {:.3}",
                p.model, p.theta, p.n_tp, p.rmse, p.rmse_trimmed, p.accuracy
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
