//! The tables of the spec's Outputs section (columns exactly as listed there), written to any
//! `Write`. Floats are shortest round-trip text; an undefined value (τ without propagations,
//! an AUC without negatives) is an empty field.

use std::io::Write;

use super::evaluate::{Case, MODELS, RocPoint, TimePrediction, auc, roc};
use super::input::{ActionLog, LogIssue, SocialGraph};
use super::learn::{Counts, estimators};

fn num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        ryu::Buffer::new().format(x).to_string()
    }
}

/// `src,dst,bern,jacc,pc_bern,pc_jacc,dt_bern,dt_jacc,dt_pc_bern,dt_pc_jacc,tau`: every pair
/// with `A_v2u ≥ 1`, by (src, dst) id.
///
/// # Errors
/// What `w` fails with.
pub fn write_probabilities(w: &mut impl Write, g: &SocialGraph, c: &Counts) -> std::io::Result<()> {
    writeln!(
        w,
        "src,dst,bern,jacc,pc_bern,pc_jacc,dt_bern,dt_jacc,dt_pc_bern,dt_pc_jacc,tau"
    )?;
    for (src, dst, s) in pairs(g, c) {
        let e = estimators(c, g, s, dst);
        let mut line = format!("{},{}", g.ids[src as usize], g.ids[dst as usize]);
        for v in e {
            line.push(',');
            line.push_str(&num(v));
        }
        line.push(',');
        line.push_str(&num(c.tau(s).unwrap_or(f64::NAN)));
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// Every slot with `A_v2u ≥ 1` as (src, dst, slot), by (src id, dst id).
pub fn pairs(g: &SocialGraph, c: &Counts) -> Vec<(u32, u32, usize)> {
    let mut out = Vec::new();
    for u in 0..g.n_nodes() as u32 {
        for s in g.slots(u) {
            if c.a_v2u[s] > 0 {
                out.push((g.nbr[s], u, s));
            }
        }
    }
    out.sort_unstable_by_key(|&(v, u, _)| (g.ids[v as usize], g.ids[u as usize]));
    out
}

/// `u v p` lines of estimator `model` (0..8 as [`estimators`]) for influence-maximisation
/// tools (IMM/TIM read a directed weighted edge list).
///
/// # Errors
/// What `w` fails with.
pub fn write_im(
    w: &mut impl Write,
    g: &SocialGraph,
    c: &Counts,
    model: usize,
) -> std::io::Result<()> {
    for (src, dst, s) in pairs(g, c) {
        writeln!(
            w,
            "{} {} {}",
            g.ids[src as usize],
            g.ids[dst as usize],
            num(estimators(c, g, s, dst)[model])
        )?;
    }
    Ok(())
}

/// `src,dst,A_src,A_dst,A_and,A_or,A_v2u,dt_sum,tau,credit,A_v2u_dt,credit_dt`: both
/// directions of every edge with `A_and ≥ 1`, edges in file order.
///
/// # Errors
/// What `w` fails with.
pub fn write_counts(w: &mut impl Write, g: &SocialGraph, c: &Counts) -> std::io::Result<()> {
    writeln!(
        w,
        "src,dst,A_src,A_dst,A_and,A_or,A_v2u,dt_sum,tau,credit,A_v2u_dt,credit_dt"
    )?;
    for &first in &g.edges {
        // `first` is v → u (in u's list); then u → v.
        for s in [g.rev[first as usize] as usize, first as usize] {
            if c.a_and[s] == 0 {
                continue;
            }
            let (src, dst) = (g.nbr[s], g.nbr[g.rev[s] as usize]);
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                g.ids[src as usize],
                g.ids[dst as usize],
                c.a_u[src as usize],
                c.a_u[dst as usize],
                c.a_and[s],
                c.a_or(g, s, dst),
                c.a_v2u[s],
                num(c.dt_sum[s]),
                num(c.tau(s).unwrap_or(f64::NAN)),
                num(c.credit[s]),
                c.a_v2u_dt[s],
                num(c.credit_dt[s])
            )?;
        }
    }
    Ok(())
}

/// `user,A_u,infl_count,infl` for every user with `A_u ≥ 1`, by id.
///
/// # Errors
/// What `w` fails with.
pub fn write_users(w: &mut impl Write, g: &SocialGraph, c: &Counts) -> std::io::Result<()> {
    writeln!(w, "user,A_u,infl_count,infl")?;
    let mut users: Vec<u32> = (0..g.n_nodes() as u32)
        .filter(|&u| c.a_u[u as usize] > 0)
        .collect();
    users.sort_unstable_by_key(|&u| g.ids[u as usize]);
    for u in users {
        let (a, k) = (c.a_u[u as usize], c.infl_count[u as usize]);
        writeln!(
            w,
            "{},{a},{k},{}",
            g.ids[u as usize],
            num(f64::from(k) / f64::from(a))
        )?;
    }
    Ok(())
}

/// `action,split,performers,influenced,infl` for every action.
///
/// # Errors
/// What `w` fails with.
pub fn write_actions(w: &mut impl Write, log: &ActionLog, c: &Counts) -> std::io::Result<()> {
    writeln!(w, "action,split,performers,influenced,infl")?;
    for (a, id) in log.actions.iter().enumerate() {
        let p = log.rows_of(a).len();
        let k = c.influenced[a];
        let split = if c.test[a] { "test" } else { "train" };
        writeln!(w, "{id},{split},{p},{k},{}", num(f64::from(k) / p as f64))?;
    }
    Ok(())
}

/// `action,split` for every action.
///
/// # Errors
/// What `w` fails with.
pub fn write_split(w: &mut impl Write, log: &ActionLog, c: &Counts) -> std::io::Result<()> {
    writeln!(w, "action,split")?;
    for (a, id) in log.actions.iter().enumerate() {
        writeln!(w, "{id},{}", if c.test[a] { "test" } else { "train" })?;
    }
    Ok(())
}

/// `line,kind,detail`: the log rows not used.
///
/// # Errors
/// What `w` fails with.
pub fn write_log_issues(w: &mut impl Write, issues: &[LogIssue]) -> std::io::Result<()> {
    writeln!(w, "line,kind,detail")?;
    for i in issues {
        writeln!(
            w,
            "{},{},\"{}\"",
            i.line,
            i.kind,
            i.detail.replace('"', "\"\"")
        )?;
    }
    Ok(())
}

/// `action,user,label,t_user,n_parents,<12 scores>`: every case.
///
/// # Errors
/// What `w` fails with.
pub fn write_cases(
    w: &mut impl Write,
    g: &SocialGraph,
    log: &ActionLog,
    cases: &[Case],
) -> std::io::Result<()> {
    writeln!(w, "action,user,label,t_user,n_parents,{}", MODELS.join(","))?;
    for x in cases {
        let mut line = format!(
            "{},{},{},{},{}",
            log.actions[x.action],
            g.ids[x.user as usize],
            u8::from(x.label),
            num(x.t_user.unwrap_or(f64::NAN)),
            x.n_parents
        );
        for s in x.scores {
            line.push(',');
            line.push_str(&num(s));
        }
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// The ROC curve of every model (`MODELS` order).
pub fn curves(cases: &[Case]) -> Vec<Vec<RocPoint>> {
    (0..12)
        .map(|k| roc(cases.iter().map(|x| (x.scores[k], x.label)).collect()))
        .collect()
}

/// `model,cases,positives,negatives,auc` for the models `models` (indices into `MODELS`).
///
/// # Errors
/// What `w` fails with.
pub fn write_auc(
    w: &mut impl Write,
    cases: &[Case],
    curves: &[Vec<RocPoint>],
    models: &[usize],
) -> std::io::Result<()> {
    writeln!(w, "model,cases,positives,negatives,auc")?;
    let pos = cases.iter().filter(|x| x.label).count();
    for &k in models {
        let curve = &curves[k];
        writeln!(
            w,
            "{},{},{pos},{},{}",
            MODELS[k],
            cases.len(),
            cases.len() - pos,
            num(auc(curve))
        )?;
    }
    Ok(())
}

/// `model,threshold,tp,fp,fn,tn,tpr,fpr` for the models `models` (indices into `MODELS`).
///
/// # Errors
/// What `w` fails with.
pub fn write_roc(
    w: &mut impl Write,
    curves: &[Vec<RocPoint>],
    models: &[usize],
) -> std::io::Result<()> {
    writeln!(w, "model,threshold,tp,fp,fn,tn,tpr,fpr")?;
    for &k in models {
        let curve = &curves[k];
        for p in curve {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{}",
                MODELS[k],
                num(p.threshold),
                p.tp,
                p.fp,
                p.fn_,
                p.tn,
                num(p.tpr),
                num(p.fpr)
            )?;
        }
    }
    Ok(())
}

/// `model,theta,tpr,fpr,n_tp,rmse,rmse_trimmed,accuracy`.
///
/// # Errors
/// What `w` fails with.
pub fn write_time(w: &mut impl Write, preds: &[TimePrediction]) -> std::io::Result<()> {
    writeln!(w, "model,theta,tpr,fpr,n_tp,rmse,rmse_trimmed,accuracy")?;
    for p in preds {
        writeln!(
            w,
            "{},{},{},{},{},{},{},{}",
            p.model,
            num(p.theta),
            num(p.tpr),
            num(p.fpr),
            p.n_tp,
            num(p.rmse),
            num(p.rmse_trimmed),
            num(p.accuracy)
        )?;
    }
    Ok(())
}

/// `model,action,user,b,parent,e,t_true,err`: every true positive of the time prediction.
///
/// # Errors
/// What `w` fails with.
pub fn write_time_cases(
    w: &mut impl Write,
    g: &SocialGraph,
    log: &ActionLog,
    cases: &[Case],
    preds: &[TimePrediction],
) -> std::io::Result<()> {
    writeln!(w, "model,action,user,b,parent,e,t_true,err")?;
    for p in preds {
        for &(i, b, parent, e, err) in &p.cases {
            let x = &cases[i];
            writeln!(
                w,
                "{},{},{},{},{},{},{},{}",
                p.model,
                log.actions[x.action],
                g.ids[x.user as usize],
                num(b),
                g.ids[parent as usize],
                num(e),
                num(x.t_user.unwrap_or(f64::NAN)),
                num(err)
            )?;
        }
    }
    Ok(())
}

/// `model,abs_err,fraction`: the coverage curve of every CT model.
///
/// # Errors
/// What `w` fails with.
pub fn write_coverage(w: &mut impl Write, preds: &[TimePrediction]) -> std::io::Result<()> {
    writeln!(w, "model,abs_err,fraction")?;
    for p in preds {
        for &(x, f) in &p.coverage {
            writeln!(w, "{},{},{}", p.model, num(x), num(f))?;
        }
    }
    Ok(())
}
