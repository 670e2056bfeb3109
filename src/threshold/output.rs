//! The threshold model's tables: activations, per-node estimates, per-step scores, spread
//! summaries. Numbers are written in Rust's shortest round-trip form (`inf`, `-inf` for the
//! open bounds).

use std::io::{self, Write};

use super::Graph;
use super::estimate::NodeEstimate;
use super::predict::Summary;
use super::simulate::{Run, RunResult, StepSummary};

/// `cascade_id,node,step` for every run that kept its activations.
pub fn write_activations(
    w: &mut impl Write,
    g: &Graph,
    runs: &[Run],
    results: &[RunResult],
) -> io::Result<()> {
    writeln!(w, "cascade_id,node,step")?;
    for (run, r) in runs.iter().zip(results) {
        for &(v, s) in &r.activations {
            writeln!(w, "{},{},{s}", run.id, g.ids[v as usize])?;
        }
    }
    Ok(())
}

/// `node,L,U,theta_hat,n_cascades,status,theta_group`.
pub fn write_estimates(w: &mut impl Write, g: &Graph, est: &[NodeEstimate]) -> io::Result<()> {
    writeln!(w, "node,L,U,theta_hat,n_cascades,status,theta_group")?;
    for (v, e) in est.iter().enumerate() {
        writeln!(
            w,
            "{},{},{},{},{},{},{}",
            g.ids[v],
            e.lower,
            e.upper,
            e.theta_hat,
            e.n_cascades,
            e.status.as_str(),
            e.theta_group
        )?;
    }
    Ok(())
}

/// `step,mean_new,mean_active,q05,q50,q95`.
pub fn write_spread(w: &mut impl Write, steps: &[StepSummary]) -> io::Result<()> {
    writeln!(w, "step,mean_new,mean_active,q05,q50,q95")?;
    for s in steps {
        writeln!(
            w,
            "{},{},{},{},{},{}",
            s.step, s.mean_new, s.mean_active, s.q05, s.q50, s.q95
        )?;
    }
    Ok(())
}

/// One row of the per-step score table.
#[derive(Clone, Debug)]
pub struct ScoreRow {
    /// The method.
    pub method: String,
    /// The predicted step (origin + 1).
    pub step: u32,
    /// The scores.
    pub summary: Summary,
}

/// `method,step,one_step_jaccard,skipped,cumulative_jaccard,recall,pairs`.
pub fn write_scores(w: &mut impl Write, rows: &[ScoreRow]) -> io::Result<()> {
    writeln!(
        w,
        "method,step,one_step_jaccard,skipped,cumulative_jaccard,recall,pairs"
    )?;
    for r in rows {
        let s = &r.summary;
        writeln!(
            w,
            "{},{},{},{},{},{},{}",
            r.method,
            r.step,
            s.one_step_jaccard,
            s.skipped,
            s.cumulative_jaccard,
            s.recall,
            s.pairs
        )?;
    }
    Ok(())
}
