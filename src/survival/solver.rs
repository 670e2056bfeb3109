//! An active-set Newton method for one node's convex problem, run until its optimality
//! certificate holds (spec `survival.md`, Solver requirements).
//!
//! The problem is `min f(x) + λ Σ_j σ_j x_j` where every variable is either 0 or on the
//! *free set* F with a fixed sign σ_j (`σ_j x_j > 0`): the additive model is
//! [`Penalty::NonNegative`] (σ = +1, λ = 0: `x ≥ 0`), the multiplicative one
//! [`Penalty::L1`] (σ = ±1: the L1 term `λ‖x‖₁` is linear on each orthant).
//!
//! 1. On F, damped Newton steps on `f + λ σ·x` (dense Hessian of F, Cholesky; a tiny ridge
//!    only when the Hessian is singular). A step that would cross 0 stops at the first
//!    variable to reach it, which leaves F (the Lawson–Hanson rule).
//! 2. When the scaled residual `|∂f/∂x_j + λσ_j| / s_j` on F is below the target, the
//!    variables at 0 are checked: `∂f/∂x_j / s_j ≥ −tol` (non-negative) or
//!    `(|∂f/∂x_j| − λ) / s_j ≤ tol` (L1). The most violating ones join F with the sign that
//!    lowers the objective; otherwise the point is optimal and the certificate is reported.
//!
//! `f` is convex; on F it is strictly convex on these data (the spec's uniqueness), so the
//! inner Newton converges quadratically and the outer loop terminates.

/// The smooth part `f` of one node's problem.
pub(crate) trait Smooth {
    /// Number of variables.
    fn n(&self) -> usize;
    /// `f(x)`; `+∞` outside its domain.
    fn value(&self, x: &[f64]) -> f64;
    /// The full gradient `∇f(x)` into `g`.
    fn gradient(&self, x: &[f64], g: &mut [f64]);
    /// The Hessian restricted to `free` (`pos[j]` is `j`'s index in `free`, or `u32::MAX`),
    /// dense row-major `|free|²`, added into `h` (zeroed by the caller).
    fn hessian(&self, x: &[f64], free: &[u32], pos: &[u32], h: &mut [f64]);
    /// Scale of each variable's gradient in the certificate (`S_j` in the additive
    /// variables' units: 1 after scaling; the number of log terms for the multiplicative).
    fn scale(&self, j: usize) -> f64;
}

/// The non-smooth part.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Penalty {
    /// `x ≥ 0`, no penalty.
    NonNegative,
    /// `λ‖x‖₁`, any sign.
    L1(f64),
}

impl Penalty {
    /// λ (0 for the non-negative problem).
    fn lambda(self) -> f64 {
        match self {
            Penalty::NonNegative => 0.0,
            Penalty::L1(l) => l,
        }
    }

    /// The unscaled optimality margin of a variable at 0 with gradient `g`: `g` (it must not
    /// want to grow) or `λ − |g|` (L1: the subgradient must contain it). Negative: violated.
    fn margin(self, g: f64) -> f64 {
        match self {
            Penalty::NonNegative => g,
            Penalty::L1(l) => l - g.abs(),
        }
    }
}

/// Solver settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    /// Certificate tolerance (scaled gradient residuals).
    pub tol: f64,
    /// Newton steps allowed in all.
    pub max_iterations: usize,
}

/// How a solve ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The certificate holds within `tol`.
    Optimal,
    /// The iteration limit was reached first.
    IterationLimit,
    /// No step lowered the objective or the residual any more, short of the certificate.
    Stalled,
}

/// The result of a solve, with its certificate.
#[derive(Clone, Debug)]
pub(crate) struct Solution {
    pub x: Vec<f64>,
    /// `f(x) + λ‖x‖₁`.
    pub objective: f64,
    /// Largest scaled residual on the support (`|∂f/∂x_j + λσ_j| / s_j`).
    pub stationarity: f64,
    /// Smallest scaled margin off the support: `(∂f/∂x_j)/s_j` (non-negative), or
    /// `(λ − |∂f/∂x_j|)/s_j` (L1); must be `≥ −tol`. NaN when every variable is on it.
    pub min_grad_off_support: f64,
    /// Newton steps taken.
    pub iterations: usize,
    pub outcome: Outcome,
}

/// The certificate of `x`: (stationarity on the support, smallest margin off it).
pub(crate) fn certificate(f: &dyn Smooth, penalty: Penalty, x: &[f64], g: &[f64]) -> (f64, f64) {
    let lambda = penalty.lambda();
    let mut stat = 0.0f64;
    let mut off = f64::NAN;
    for j in 0..f.n() {
        let s = f.scale(j);
        if x[j] != 0.0 {
            let r = (g[j] + lambda * x[j].signum()).abs() / s;
            stat = stat.max(r);
        } else {
            let m = penalty.margin(g[j]) / s;
            if off.is_nan() || m < off {
                off = m;
            }
        }
    }
    (stat, off)
}

/// The objective `f(x) + λ‖x‖₁`.
pub(crate) fn objective(f: &dyn Smooth, penalty: Penalty, x: &[f64]) -> f64 {
    let v = f.value(x);
    match penalty {
        Penalty::NonNegative => v,
        Penalty::L1(l) => v + l * x.iter().map(|a| a.abs()).sum::<f64>(),
    }
}

/// Minimises from `x0` (feasible: `f(x0)` finite, signs allowed by `penalty`).
pub(crate) fn solve(
    f: &dyn Smooth,
    penalty: Penalty,
    x0: Vec<f64>,
    settings: Settings,
) -> Solution {
    let n = f.n();
    let lambda = penalty.lambda();
    let mut x = x0;
    let mut sigma = vec![0.0f64; n];
    let mut free: Vec<u32> = Vec::new();
    let mut pos = vec![u32::MAX; n];
    for j in 0..n {
        if x[j] != 0.0 {
            sigma[j] = x[j].signum();
            pos[j] = free.len() as u32;
            free.push(j as u32);
        }
    }
    let mut g = vec![0.0; n];
    let mut h = Vec::new();
    let mut r: Vec<f64> = Vec::new();
    let mut d = Vec::new();
    let mut trial = vec![0.0; n];
    let mut trial_g = vec![0.0; n];
    let mut iterations = 0;
    // The inner loop aims below `tol` so that the reported certificate has a margin.
    let target = settings.tol * 1e-2;
    let mut phi = objective(f, penalty, &x);
    let mut outcome: Outcome;
    let mut stalled_at: Option<f64> = None;
    'outer: loop {
        f.gradient(&x, &mut g);
        // Newton on the free set until its residual is small, or stops shrinking (the
        // round-off floor of the gradient).
        let mut previous = f64::INFINITY;
        let mut stagnant = 0;
        // Whether the last step made visible progress: a variable left F, or the objective
        // fell by more than its round-off.
        let mut progressed = true;
        loop {
            let res = residual(f, &free, &g, &sigma, lambda);
            if res <= target || free.is_empty() {
                break;
            }
            stagnant = if res > 0.5 * previous && !progressed {
                stagnant + 1
            } else {
                0
            };
            previous = res;
            if (stagnant >= 3 && res <= settings.tol) || stagnant >= 50 {
                break;
            }
            if iterations >= settings.max_iterations {
                outcome = Outcome::IterationLimit;
                break 'outer;
            }
            iterations += 1;
            let k = free.len();
            h.clear();
            h.resize(k * k, 0.0);
            f.hessian(&x, &free, &pos, &mut h);
            // The gradient of f + λσ·x on F; Newton's direction solves H d = −r.
            r.clear();
            r.extend(
                free.iter()
                    .map(|&j| g[j as usize] + lambda * sigma[j as usize]),
            );
            d.clear();
            d.extend(r.iter().map(|v| -v));
            if !solve_spd(&mut h, k, &mut d) {
                // Not even a ridge made it positive definite: steepest descent.
                d.clear();
                d.extend(r.iter().map(|v| -v));
            }
            // Directional derivative along d.
            let slope: f64 = r.iter().zip(&d).map(|(rq, dq)| rq * dq).sum();
            if slope.is_nan() || slope >= 0.0 {
                // Round-off: no descent direction left at this precision.
                break;
            }
            // The longest step that keeps every free variable's sign.
            let mut tau_max = f64::INFINITY;
            let mut blocking = None;
            for (q, &j) in free.iter().enumerate() {
                let j = j as usize;
                if sigma[j] * d[q] < 0.0 {
                    let t = -x[j] / d[q];
                    if t < tau_max {
                        tau_max = t;
                        blocking = Some(q);
                    }
                }
            }
            let tau0 = tau_max.min(1.0);
            let phi_before = phi;
            let mut tau = tau0;
            let mut accepted = false;
            // Once the predicted decrease is below the objective's round-off, Armijo's test
            // only measures noise (and accepts steps of ~0): the residual decides instead.
            let noise = -slope <= 1e-11 * (1.0 + phi.abs());
            // `trial = x + τ d` (the blocking variable at 0 when τ reaches it), and its objective.
            let at = |tau: f64, trial: &mut Vec<f64>| {
                step(
                    trial,
                    &x,
                    &free,
                    &d,
                    tau,
                    blocking.filter(|_| tau == tau_max),
                );
                objective(f, penalty, trial)
            };
            for _ in 0..if noise { 0 } else { 60 } {
                let v = at(tau, &mut trial);
                if v.is_finite() && v <= phi + 1e-4 * tau * slope {
                    accepted = true;
                    phi = v;
                    break;
                }
                tau *= 0.5;
            }
            if !accepted {
                // At the precision floor the objective no longer resolves the decrease:
                // take the full step if it lowers the residual instead.
                tau = tau0;
                let v = at(tau, &mut trial);
                f.gradient(&trial, &mut trial_g);
                if v.is_finite() && residual(f, &free, &trial_g, &sigma, lambda) < res {
                    phi = v;
                    accepted = true;
                } else {
                    break;
                }
            }
            std::mem::swap(&mut x, &mut trial);
            let blocked = blocking.filter(|_| tau == tau_max);
            progressed = blocked.is_some() || phi_before - phi > 1e-12 * (1.0 + phi.abs());
            if let Some(q) = blocked {
                x[free[q] as usize] = 0.0;
                remove(&mut free, &mut pos, &mut sigma, q);
            }
            // Variables that landed on 0 exactly by round-off leave F too.
            let mut q = 0;
            while q < free.len() {
                let j = free[q] as usize;
                if sigma[j] * x[j] <= 0.0 {
                    x[j] = 0.0;
                    remove(&mut free, &mut pos, &mut sigma, q);
                } else {
                    q += 1;
                }
            }
            debug_assert!(accepted);
            f.gradient(&x, &mut g);
        }
        // Variables at 0 that would lower the objective join F.
        let mut violators: Vec<(f64, usize)> = Vec::new();
        for j in 0..n {
            if pos[j] != u32::MAX {
                continue;
            }
            let v = -penalty.margin(g[j]) / f.scale(j);
            if v > target {
                violators.push((v, j));
            }
        }
        let res = residual(f, &free, &g, &sigma, lambda);
        let worst = violators.iter().map(|v| v.0).fold(0.0, f64::max);
        if violators.is_empty() {
            outcome = if res <= settings.tol {
                Outcome::Optimal
            } else {
                Outcome::Stalled
            };
            break;
        }
        if res > settings.tol || iterations >= settings.max_iterations {
            // The free set's Newton stopped short (round-off) or ran out of steps.
            outcome = if worst <= settings.tol && res <= settings.tol {
                Outcome::Optimal
            } else if iterations >= settings.max_iterations {
                Outcome::IterationLimit
            } else {
                Outcome::Stalled
            };
            break;
        }
        if let Some(prev) = stalled_at {
            // The same violation after a full pass: no progress is possible any more.
            if worst >= prev && worst <= settings.tol {
                outcome = Outcome::Optimal;
                break;
            }
        }
        stalled_at = Some(worst);
        // The most violating ones, at most 16 per pass.
        violators.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(v, j) in violators.iter().take(16) {
            if v < 0.5 * worst {
                break;
            }
            sigma[j] = match penalty {
                Penalty::NonNegative => 1.0,
                Penalty::L1(_) => -g[j].signum(),
            };
            pos[j] = free.len() as u32;
            free.push(j as u32);
        }
        // A tiny start inside the orthant so that the sign is held (the Newton step moves it).
        for &j in &free {
            let j = j as usize;
            if x[j] == 0.0 {
                x[j] = sigma[j] * f64::MIN_POSITIVE;
            }
        }
        phi = objective(f, penalty, &x);
    }
    f.gradient(&x, &mut g);
    let (stationarity, min_grad_off_support) = certificate(f, penalty, &x, &g);
    if outcome == Outcome::Optimal
        && !(stationarity <= settings.tol
            && (min_grad_off_support.is_nan() || min_grad_off_support >= -settings.tol))
    {
        outcome = Outcome::Stalled;
    }
    Solution {
        objective: objective(f, penalty, &x),
        x,
        stationarity,
        min_grad_off_support,
        iterations,
        outcome,
    }
}

/// `trial = x + τ d` on the free set, with the blocking variable (if the step reaches it) at
/// exactly 0.
fn step(trial: &mut [f64], x: &[f64], free: &[u32], d: &[f64], tau: f64, blocking: Option<usize>) {
    trial.copy_from_slice(x);
    for (q, &j) in free.iter().enumerate() {
        trial[j as usize] = x[j as usize] + tau * d[q];
    }
    if let Some(b) = blocking {
        trial[free[b] as usize] = 0.0;
    }
}

fn residual(f: &dyn Smooth, free: &[u32], g: &[f64], sigma: &[f64], lambda: f64) -> f64 {
    free.iter()
        .map(|&j| {
            let j = j as usize;
            (g[j] + lambda * sigma[j]).abs() / f.scale(j)
        })
        .fold(0.0, f64::max)
}

fn remove(free: &mut Vec<u32>, pos: &mut [u32], sigma: &mut [f64], q: usize) {
    let j = free.remove(q) as usize;
    pos[j] = u32::MAX;
    sigma[j] = 0.0;
    for (r, &k) in free.iter().enumerate().skip(q) {
        pos[k as usize] = r as u32;
    }
}

/// Solves `H d = d` in place for symmetric positive (semi)definite `H` (row-major k×k) by
/// Cholesky, adding a growing ridge when a pivot is not positive. False if that fails too.
pub(crate) fn solve_spd(h: &mut [f64], k: usize, d: &mut [f64]) -> bool {
    let scale = (0..k)
        .map(|i| h[i * k + i].abs())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let original: Vec<f64> = h.to_vec();
    let mut ridge = 0.0;
    for _ in 0..12 {
        h.copy_from_slice(&original);
        for i in 0..k {
            h[i * k + i] += ridge;
        }
        if cholesky(h, k) {
            // Forward then backward substitution.
            for i in 0..k {
                let mut s = d[i];
                for p in 0..i {
                    s -= h[i * k + p] * d[p];
                }
                d[i] = s / h[i * k + i];
            }
            for i in (0..k).rev() {
                let mut s = d[i];
                for p in i + 1..k {
                    s -= h[p * k + i] * d[p];
                }
                d[i] = s / h[i * k + i];
            }
            return d.iter().all(|v| v.is_finite());
        }
        ridge = if ridge == 0.0 {
            scale * 1e-12
        } else {
            ridge * 100.0
        };
    }
    false
}

/// In-place lower Cholesky factor (row-major); false on a pivot that is not clearly positive.
fn cholesky(a: &mut [f64], k: usize) -> bool {
    for j in 0..k {
        let mut s = a[j * k + j];
        for p in 0..j {
            s -= a[j * k + p] * a[j * k + p];
        }
        if s <= 1e-14 * a[j * k + j].abs().max(f64::MIN_POSITIVE) || !s.is_finite() {
            return false;
        }
        let l = s.sqrt();
        a[j * k + j] = l;
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= a[i * k + p] * a[j * k + p];
            }
            a[i * k + j] = s / l;
        }
    }
    true
}
