//! The two scans of the training log (Algorithms 1 and 2; spec Conventions rules 2–9): the
//! counts of every directed pair, τ, the windowed (DT) counts, influenceability of users and
//! influence quotients of actions.

use super::input::{ActionLog, SocialGraph};
use crate::epoch_set::EpochSet;

/// Counts of one learning run, per slot (a directed pair `nbr[s] → u`) and per node.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    /// `A_u`: training actions of each node.
    pub a_u: Vec<u32>,
    /// `A_{v&u}` on both slots of an edge.
    pub a_and: Vec<u32>,
    /// `A_{v2u}`.
    pub a_v2u: Vec<u32>,
    /// Σ Δt over propagations.
    pub dt_sum: Vec<f64>,
    /// Σ partial credit (Eq. 8).
    pub credit: Vec<f64>,
    /// DT propagations (`0 < Δt ≤ τ`).
    pub a_v2u_dt: Vec<u32>,
    /// Σ windowed credit (Eq. 14 as Algorithm 2).
    pub credit_dt: Vec<f64>,
    /// Training actions of each node with a propagation within τ (Eq. 3's numerator).
    pub infl_count: Vec<u32>,
    /// Per action (as `ActionLog::actions`): whether it is a test action.
    pub test: Vec<bool>,
    /// Per action: performers influenced within τ (Eq. 5's numerator).
    pub influenced: Vec<u32>,
}

impl Counts {
    /// τ of slot `s` (None without propagations).
    pub fn tau(&self, s: usize) -> Option<f64> {
        (self.a_v2u[s] > 0).then(|| self.dt_sum[s] / f64::from(self.a_v2u[s]))
    }

    /// `A_{u|v}` of slot `s` (`v = nbr[s]`, `u` its owner).
    pub fn a_or(&self, g: &SocialGraph, s: usize, u: u32) -> u32 {
        self.a_u[g.nbr[s] as usize] + self.a_u[u as usize] - self.a_and[s]
    }
}

/// Per-action lookup of who performed it and when (dense over nodes, emptied per action).
pub(crate) struct Performed {
    members: EpochSet,
    time: Vec<f64>,
}

impl Performed {
    pub(crate) fn new(n: usize) -> Self {
        Performed {
            members: EpochSet::new(n),
            time: vec![0.0; n],
        }
    }

    /// Loads action `a`'s performers.
    pub(crate) fn load(&mut self, log: &ActionLog, a: usize) {
        self.members.clear();
        for r in log.rows_of(a) {
            self.members.insert(log.user[r] as usize);
            self.time[log.user[r] as usize] = log.time[r];
        }
    }

    /// The time node `w` performed the loaded action, if it did.
    #[inline]
    pub(crate) fn at(&self, w: u32) -> Option<f64> {
        self.members
            .contains(w as usize)
            .then(|| self.time[w as usize])
    }
}

/// Whether the tie of slot `s` exists for an action the earlier user performed at `t_v`
/// (rule 2: `created ≤ t_v`, or always).
#[inline]
pub(crate) fn tie_exists(g: &SocialGraph, s: usize, t_v: f64) -> bool {
    let c = g.created[s];
    c.is_nan() || c <= t_v
}

/// Runs both scans. `test[a]` marks test actions (not learned from; only their influence
/// quotient is computed, with the τ learned on training).
pub fn learn(g: &SocialGraph, log: &ActionLog, test: Vec<bool>) -> Counts {
    learn_with(g, log, test, &crate::progress::NoProgress)
}

/// [`learn`], reporting progress in actions scanned (both scans: twice the actions).
pub fn learn_with(
    g: &SocialGraph,
    log: &ActionLog,
    test: Vec<bool>,
    progress: &dyn crate::progress::Progress,
) -> Counts {
    let n_actions = log.actions.len() as u64;
    progress.set_total(2 * n_actions);
    let n = g.n_nodes();
    let slots = g.nbr.len();
    let mut c = Counts {
        a_u: vec![0; n],
        a_and: vec![0; slots],
        a_v2u: vec![0; slots],
        dt_sum: vec![0.0; slots],
        credit: vec![0.0; slots],
        a_v2u_dt: vec![0; slots],
        credit_dt: vec![0.0; slots],
        infl_count: vec![0; n],
        influenced: vec![0; log.actions.len()],
        test,
    };
    let mut perf = Performed::new(n);
    let mut set: Vec<usize> = Vec::new();
    // Scan 1 (Algorithm 1): training actions.
    for a in 0..log.actions.len() {
        if a % 4096 == 0 {
            progress.set_position(a as u64);
        }
        if c.test[a] {
            continue;
        }
        perf.load(log, a);
        for r in log.rows_of(a) {
            let (u, t_u) = (log.user[r], log.time[r]);
            c.a_u[u as usize] += 1;
            set.clear();
            for s in g.slots(u) {
                let Some(t_w) = perf.at(g.nbr[s]) else {
                    continue;
                };
                c.a_and[s] += 1;
                if t_w < t_u && tie_exists(g, s, t_w) {
                    c.a_v2u[s] += 1;
                    c.dt_sum[s] += t_u - t_w;
                    set.push(s);
                }
            }
            let share = 1.0 / set.len() as f64;
            for &s in &set {
                c.credit[s] += share;
            }
        }
    }
    // Scan 2 (Algorithm 2): windowed counts on training, influence quotients everywhere.
    for a in 0..log.actions.len() {
        if a % 4096 == 0 {
            progress.set_position(n_actions + a as u64);
        }
        perf.load(log, a);
        for r in log.rows_of(a) {
            let (u, t_u) = (log.user[r], log.time[r]);
            set.clear();
            for s in g.slots(u) {
                let Some(t_w) = perf.at(g.nbr[s]) else {
                    continue;
                };
                if t_w < t_u
                    && tie_exists(g, s, t_w)
                    && let Some(tau) = c.tau(s)
                    && t_u - t_w <= tau
                {
                    set.push(s);
                }
            }
            if set.is_empty() {
                continue;
            }
            c.influenced[a] += 1;
            if c.test[a] {
                continue;
            }
            c.infl_count[u as usize] += 1;
            let share = 1.0 / set.len() as f64;
            for &s in &set {
                c.a_v2u_dt[s] += 1;
                c.credit_dt[s] += share;
            }
        }
    }
    progress.set_position(2 * n_actions);
    c
}

/// The eight static and DT estimators of slot `s` (`v = nbr[s] → u`), in the order
/// `bern, jacc, pc_bern, pc_jacc, dt_bern, dt_jacc, dt_pc_bern, dt_pc_jacc`; all 0 without a
/// propagation (rule 6).
pub fn estimators(c: &Counts, g: &SocialGraph, s: usize, u: u32) -> [f64; 8] {
    if c.a_v2u[s] == 0 {
        return [0.0; 8];
    }
    let a_v = f64::from(c.a_u[g.nbr[s] as usize]);
    let a_or = f64::from(c.a_or(g, s, u));
    let (n, cr, ndt, crdt) = (
        f64::from(c.a_v2u[s]),
        c.credit[s],
        f64::from(c.a_v2u_dt[s]),
        c.credit_dt[s],
    );
    [
        n / a_v,
        n / a_or,
        cr / a_v,
        cr / a_or,
        ndt / a_v,
        ndt / a_or,
        crdt / a_v,
        crdt / a_or,
    ]
}
