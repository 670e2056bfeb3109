//! Influence probabilities from a social graph and an action log (spec
//! `influence-probabilities.md`; Goyal, Bonchi, Lakshmanan, WSDM 2010): the counts of two scans
//! of the log ([`learn`]), the static, continuous-time and discrete-time estimators, and the
//! evaluation the paper describes but its authors never released ([`evaluate`]): cases of the
//! test actions, ROC curves and AUC for twelve models, and time prediction.
//!
//! ```
//! use cascadia::probabilities::{Split, input::{ActionLog, SocialGraph}, run_learn};
//!
//! // The paper's Fig. 2: users 1, 2, 3; ties created at 4, 2 and 11.
//! let g = SocialGraph::from_edges(&[(1, 2, Some(4.0)), (1, 3, Some(2.0)), (2, 3, Some(11.0))])?;
//! let log = ActionLog::from_rows(&g, &[(1, 1, 5.0), (2, 1, 10.0), (3, 1, 15.0)]);
//! let c = run_learn(&g, &log, &Split::AllTrain)?;
//! // 1 → 2 propagated (the tie existed at t = 5 ≥ 4); 2 → 3 did not (its tie came at 11).
//! assert_eq!(c.a_v2u.iter().sum::<u32>(), 2);
//! # Ok::<(), cascadia::Error>(())
//! ```

pub mod evaluate;
pub mod input;
pub mod learn;
pub mod output;

use serde::Serialize;

use crate::error::{Error, ParamError, Result};
use input::{ActionLog, SocialGraph};
use learn::Counts;

/// Which actions are held out for testing (spec rule 10).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// The action at 0-based position i (ids ascending) is a test action iff `i mod k = k − 1`.
    TestEvery(usize),
    /// These action ids are the test set.
    TestActions(Vec<i64>),
    /// No test set: learn from every action.
    AllTrain,
}

impl Split {
    /// The test flag of every action of `log`.
    ///
    /// # Errors
    /// `--test-every 0`, or `--test-actions` naming actions the log lacks.
    pub fn flags(&self, log: &ActionLog) -> Result<Vec<bool>> {
        match self {
            Split::AllTrain => Ok(vec![false; log.actions.len()]),
            Split::TestEvery(k) => {
                if *k == 0 {
                    return Err(ParamError {
                        field: "test_every",
                        value: "0".into(),
                        expected: "must be >= 1 (the spec's default: 5)",
                    }
                    .into());
                }
                Ok((0..log.actions.len()).map(|i| i % k == k - 1).collect())
            }
            Split::TestActions(list) => {
                let missing: Vec<String> = list
                    .iter()
                    .filter(|a| log.actions.binary_search(a).is_err())
                    .map(i64::to_string)
                    .collect();
                if !missing.is_empty() {
                    return Err(Error::Data(format!(
                        "--test-actions names actions the log lacks: {}",
                        missing.join(", ")
                    )));
                }
                Ok(log.actions.iter().map(|a| list.contains(a)).collect())
            }
        }
    }
}

/// Both scans under `split`.
///
/// # Errors
/// A bad split (see [`Split::flags`]); an empty log.
pub fn run_learn(g: &SocialGraph, log: &ActionLog, split: &Split) -> Result<Counts> {
    run_learn_with(g, log, split, &crate::progress::NoProgress)
}

/// [`run_learn`] with progress in actions scanned.
///
/// # Errors
/// As [`run_learn`].
pub fn run_learn_with(
    g: &SocialGraph,
    log: &ActionLog,
    split: &Split,
    progress: &dyn crate::progress::Progress,
) -> Result<Counts> {
    if log.actions.is_empty() {
        return Err(Error::Data(
            "the log has no usable rows (every row was skipped, or there are none)".into(),
        ));
    }
    let test = split.flags(log)?;
    Ok(learn::learn_with(g, log, test, progress))
}
