//! The evaluation the authors never released (spec Sec. 6.2–6.3, Conventions rules 11–14):
//! the cases of every test action, their scores under the twelve models, ROC curves and AUC,
//! and the continuous-time model's time prediction.

use serde::Serialize;

use super::input::{ActionLog, SocialGraph};
use super::learn::{Counts, Performed, estimators, tie_exists};
use crate::epoch_set::EpochSet;

/// The twelve models, in output order.
pub const MODELS: [&str; 12] = [
    "bern",
    "jacc",
    "pc_bern",
    "pc_jacc",
    "ct_bern",
    "ct_jacc",
    "ct_pc_bern",
    "ct_pc_jacc",
    "dt_bern",
    "dt_jacc",
    "dt_pc_bern",
    "dt_pc_jacc",
];

/// One case: a candidate of a test action with at least one parent.
#[derive(Clone, Debug)]
pub struct Case {
    /// Index of the action in the log.
    pub action: usize,
    /// The candidate.
    pub user: u32,
    /// Whether the candidate performed the action.
    pub label: bool,
    /// Its time, if it did.
    pub t_user: Option<f64>,
    /// Number of parents.
    pub n_parents: usize,
    /// Parents `(slot, parent time)` by time then slot — kept for performers only (the time
    /// prediction needs them; a non-performer's list is dropped after scoring, so memory
    /// stays ~120 bytes per case).
    pub parents: Vec<(usize, f64)>,
    /// Scores per model (`MODELS` order).
    pub scores: [f64; 12],
}

/// The cases of every test action (actions ascending, users by id), scored (rules 11–12);
/// non-performers' parent lists are
/// kept only with `all_parents` (for inspection; the time prediction needs performers' only).
pub fn cases(g: &SocialGraph, log: &ActionLog, c: &Counts, all_parents: bool) -> Vec<Case> {
    let mut out = Vec::new();
    let mut perf = Performed::new(g.n_nodes());
    let mut listed = EpochSet::new(g.n_nodes());
    for a in 0..log.actions.len() {
        if !c.test[a] {
            continue;
        }
        perf.load(log, a);
        listed.clear();
        // Candidates: performers (in log order), then their neighbours (first seen).
        let mut candidates: Vec<u32> = log.rows_of(a).map(|r| log.user[r]).collect();
        let performers = candidates.len();
        for k in 0..performers {
            for s in g.slots(candidates[k]) {
                let w = g.nbr[s];
                if perf.at(w).is_none() && listed.insert(w as usize) {
                    candidates.push(w);
                }
            }
        }
        // Cases of an action in user-id order (a canonical order for every output).
        candidates.sort_unstable_by_key(|&u| g.ids[u as usize]);
        for &u in &candidates {
            let t_u = perf.at(u);
            let mut parents: Vec<(usize, f64)> = g
                .slots(u)
                .filter_map(|s| {
                    let t_w = perf.at(g.nbr[s])?;
                    let ok = tie_exists(g, s, t_w) && t_u.is_none_or(|t| t_w < t);
                    ok.then_some((s, t_w))
                })
                .collect();
            if parents.is_empty() {
                continue;
            }
            parents.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
            let scores = score(g, c, u, &parents);
            let n_parents = parents.len();
            if t_u.is_none() && !all_parents {
                parents = Vec::new();
            }
            out.push(Case {
                action: a,
                user: u,
                label: t_u.is_some(),
                t_user: t_u,
                n_parents,
                parents,
                scores,
            });
        }
    }
    out
}

/// The twelve scores of a candidate `u` with `parents` (by time).
pub fn score(g: &SocialGraph, c: &Counts, u: u32, parents: &[(usize, f64)]) -> [f64; 12] {
    let est: Vec<[f64; 8]> = parents
        .iter()
        .map(|&(s, _)| estimators(c, g, s, u))
        .collect();
    let tau: Vec<Option<f64>> = parents.iter().map(|&(s, _)| c.tau(s)).collect();
    let mut out = [0.0; 12];
    // Static: the final product.
    for k in 0..4 {
        out[k] = 1.0 - est.iter().map(|e| 1.0 - e[k]).product::<f64>();
    }
    // CT and DT: the maximum over the distinct parent times.
    let mut times: Vec<f64> = parents.iter().map(|p| p.1).collect();
    times.dedup();
    for k in 0..4 {
        out[4 + k] = times
            .iter()
            .map(|&t| ct_at(parents, &est, &tau, k, t))
            .fold(f64::NEG_INFINITY, f64::max);
        let mut best = f64::NEG_INFINITY;
        for &t in &times {
            let mut prod = 1.0;
            for (q, &(_, t_w)) in parents.iter().enumerate() {
                if let Some(tau) = tau[q]
                    && t_w <= t
                    && t <= t_w + tau
                {
                    prod *= 1.0 - est[q][4 + k];
                }
            }
            best = best.max(1.0 - prod);
        }
        out[8 + k] = best;
    }
    out
}

/// `f(T)` of the continuous-time model with p⁰ from static estimator `k`.
fn ct_at(parents: &[(usize, f64)], est: &[[f64; 8]], tau: &[Option<f64>], k: usize, t: f64) -> f64 {
    let mut prod = 1.0;
    for (q, &(_, t_w)) in parents.iter().enumerate() {
        if t_w > t {
            break;
        }
        if let Some(tau) = tau[q] {
            prod *= 1.0 - est[q][k] * (-(t - t_w) / tau).exp();
        }
    }
    1.0 - prod
}

/// One point of a ROC curve: everything scored ≥ `threshold` predicted positive.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RocPoint {
    /// The score threshold.
    pub threshold: f64,
    /// True positives.
    pub tp: u64,
    /// False positives.
    pub fp: u64,
    /// False negatives.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// True negatives.
    pub tn: u64,
    /// True-positive rate (NaN without positives).
    pub tpr: f64,
    /// False-positive rate (NaN without negatives).
    pub fpr: f64,
}

/// The ROC curve of `(score, label)` pairs: one point per distinct score, descending (rule 13).
pub fn roc(mut scored: Vec<(f64, bool)>) -> Vec<RocPoint> {
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let pos = scored.iter().filter(|s| s.1).count() as u64;
    let neg = scored.len() as u64 - pos;
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut out = Vec::new();
    let mut i = 0;
    while i < scored.len() {
        let t = scored[i].0;
        while i < scored.len() && scored[i].0 == t {
            if scored[i].1 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        out.push(RocPoint {
            threshold: t,
            tp,
            fp,
            fn_: pos - tp,
            tn: neg - fp,
            tpr: if pos == 0 {
                f64::NAN
            } else {
                tp as f64 / pos as f64
            },
            fpr: if neg == 0 {
                f64::NAN
            } else {
                fp as f64 / neg as f64
            },
        });
    }
    out
}

/// The area under a ROC curve by the trapezoid rule from (0, 0) to (1, 1) (NaN without
/// positives or negatives).
pub fn auc(curve: &[RocPoint]) -> f64 {
    let (mut x, mut y, mut area) = (0.0, 0.0, 0.0);
    for p in curve {
        if p.tpr.is_nan() || p.fpr.is_nan() {
            return f64::NAN;
        }
        area += (p.fpr - x) * (p.tpr + y) / 2.0;
        x = p.fpr;
        y = p.tpr;
    }
    area + (1.0 - x) * (1.0 + y) / 2.0
}

/// The time prediction of a CT model (rule 14).
#[derive(Clone, Debug, Serialize)]
pub struct TimePrediction {
    /// The CT model.
    pub model: &'static str,
    /// θ: the score threshold balancing TPR and 1 − FPR.
    pub theta: f64,
    /// TPR at θ.
    pub tpr: f64,
    /// FPR at θ.
    pub fpr: f64,
    /// True positives predicted.
    pub n_tp: usize,
    /// RMSE of e − t over them.
    pub rmse: f64,
    /// The RMSE without the 2.5% most extreme errors at each end.
    pub rmse_trimmed: f64,
    /// Share of them with t ≤ e.
    pub accuracy: f64,
    /// Per true positive: (case index, b, crossing parent node, e, err).
    #[serde(skip)]
    pub cases: Vec<(usize, f64, u32, f64, f64)>,
    /// `(|err|, share of true positives with |error| ≤ it)` per distinct |err|.
    #[serde(skip)]
    pub coverage: Vec<(f64, f64)>,
}

/// Time prediction of CT model `k` (0..4: `ct_bern` … `ct_pc_jacc`) over `cases`.
pub fn time_prediction(g: &SocialGraph, c: &Counts, cases: &[Case], k: usize) -> TimePrediction {
    let model = MODELS[4 + k];
    let curve = roc(cases.iter().map(|x| (x.scores[4 + k], x.label)).collect());
    // θ: the distinct score minimising |TPR − (1 − FPR)|, the larger on ties.
    let mut best: Option<&RocPoint> = None;
    for p in &curve {
        let d = (p.tpr - (1.0 - p.fpr)).abs();
        match best {
            Some(b) if (b.tpr - (1.0 - b.fpr)).abs() < d => {}
            Some(b) if (b.tpr - (1.0 - b.fpr)).abs() == d && b.threshold >= p.threshold => {}
            _ => best = Some(p),
        }
    }
    let Some(b) = best.cloned() else {
        return TimePrediction {
            model,
            theta: f64::NAN,
            tpr: f64::NAN,
            fpr: f64::NAN,
            n_tp: 0,
            rmse: f64::NAN,
            rmse_trimmed: f64::NAN,
            accuracy: f64::NAN,
            cases: Vec::new(),
            coverage: Vec::new(),
        };
    };
    let theta = b.threshold;
    let mut rows = Vec::new();
    for (i, x) in cases.iter().enumerate() {
        let (true, Some(t_u)) = (x.label, x.t_user) else {
            continue;
        };
        if x.scores[4 + k] < theta {
            continue;
        }
        let est: Vec<[f64; 8]> = x
            .parents
            .iter()
            .map(|&(s, _)| estimators(c, g, s, x.user))
            .collect();
        let tau: Vec<Option<f64>> = x.parents.iter().map(|&(s, _)| c.tau(s)).collect();
        let mut times: Vec<f64> = x.parents.iter().map(|p| p.1).collect();
        times.dedup();
        let Some(&bt) = times
            .iter()
            .find(|&&t| ct_at(&x.parents, &est, &tau, k, t) >= theta)
        else {
            continue;
        };
        // The crossing parent: at time b with a defined τ, the largest p⁰, then the smallest id.
        let cross = x
            .parents
            .iter()
            .enumerate()
            .filter(|(q, p)| p.1 == bt && tau[*q].is_some())
            .max_by(|(qa, pa), (qb, pb)| {
                est[*qa][k]
                    .total_cmp(&est[*qb][k])
                    .then(g.ids[g.nbr[pb.0] as usize].cmp(&g.ids[g.nbr[pa.0] as usize]))
            });
        let Some((q, p)) = cross else { continue };
        let e = bt + tau[q].expect("filtered") * std::f64::consts::LN_2;
        rows.push((i, bt, g.nbr[p.0], e, e - t_u));
    }
    let n = rows.len();
    let rmse = |errs: &[f64]| -> f64 {
        if errs.is_empty() {
            f64::NAN
        } else {
            (errs.iter().map(|e| e * e).sum::<f64>() / errs.len() as f64).sqrt()
        }
    };
    let mut signed: Vec<f64> = rows.iter().map(|r| r.4).collect();
    signed.sort_by(f64::total_cmp);
    let cut = (0.025 * n as f64).floor() as usize;
    let trimmed = if 2 * cut < n {
        &signed[cut..n - cut]
    } else {
        &signed[..0]
    };
    let accurate = rows.iter().filter(|r| r.4 >= 0.0).count();
    let mut abs: Vec<f64> = rows.iter().map(|r| r.4.abs()).collect();
    abs.sort_by(f64::total_cmp);
    let mut coverage = Vec::new();
    for (j, &x) in abs.iter().enumerate() {
        if j + 1 < n && abs[j + 1] == x {
            continue;
        }
        coverage.push((x, (j + 1) as f64 / n as f64));
    }
    TimePrediction {
        model,
        theta,
        tpr: b.tpr,
        fpr: b.fpr,
        n_tp: n,
        rmse: rmse(&signed),
        rmse_trimmed: rmse(trimmed),
        accuracy: if n == 0 {
            f64::NAN
        } else {
            accurate as f64 / n as f64
        },
        cases: rows,
        coverage,
    }
}
