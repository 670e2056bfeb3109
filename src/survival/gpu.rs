//! GPU path of the additive model: the EM warm start of many nodes' problems at once.
//!
//! A batch's node problems (built on the host, in parallel) are packed into one set of
//! buffers: their log terms as rows (`term_rates.wgsl`) and the same entries by variable as
//! columns (`em_update.wgsl`). All `sweeps` EM sweeps of the batch are recorded into one
//! submission (two dispatches per sweep) with one read-back of the points: one host round
//! trip per batch, whatever the number of nodes. The CPU then takes each node's point
//! through the same active-set Newton polish to the same certificate as the CPU path
//! (`Additive::start_from`, `solver::solve`): the GPU only chooses where Newton starts, so
//! the certified optimum is the CPU's.

use std::time::Instant;

use serde::Serialize;

use super::problem::Additive;
use crate::gpu::{Binding, Context, Dispatch, GpuError, KernelSpec, dispatch};

/// Uniform parameters of both kernels.
/// Mirrors struct EmParams in shaders/survival/term_rates.wgsl and em_update.wgsl — keep in
/// sync (checked by tests/integration/shaders.rs).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct EmParams {
    /// Terms (term_rates) or variables (em_update) of the batch.
    pub n_items: u32,
    /// em_update: 1 applies the EM step to x, 0 only writes the gradient.
    pub apply: u32,
    /// Padding to 16 bytes.
    pub _pad0: u32,
    /// Padding to 16 bytes.
    pub _pad1: u32,
}

/// Hazard of every log term.
pub const TERM_RATES: KernelSpec = KernelSpec {
    name: "cascadia.survival.term_rates",
    source: include_str!("../../shaders/survival/term_rates.wgsl"),
    entry: "main",
    workgroup_size: [64, 1, 1],
    bindings: &[
        Binding::Uniform,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadWrite,
    ],
};

/// Scaled gradient and EM step of every variable.
pub const EM_UPDATE: KernelSpec = KernelSpec {
    name: "cascadia.survival.em_update",
    source: include_str!("../../shaders/survival/em_update.wgsl"),
    entry: "main",
    workgroup_size: [64, 1, 1],
    bindings: &[
        Binding::Uniform,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadWrite,
        Binding::ReadWrite,
    ],
};

/// Longest loop of one invocation: nodes with a longer term or variable run on the host.
pub(crate) const MAX_LOOP: usize = 1 << 16;

/// Counters of the GPU path: what predicts its cost on a real GPU (round trips and bytes),
/// measured on any device.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GpuStats {
    /// The adapter.
    pub adapter: String,
    /// Batches (= submissions with a read-back: host round trips).
    pub batches: u64,
    /// Submissions.
    pub submissions: u64,
    /// Kernel dispatches.
    pub dispatches: u64,
    /// Nodes whose warm start ran on the device.
    pub device_nodes: u64,
    /// Nodes whose warm start ran on the host (a term or variable over the loop limit).
    pub host_nodes: u64,
    /// Bytes uploaded.
    pub bytes_up: u64,
    /// Bytes read back.
    pub bytes_down: u64,
    /// Seconds from packing to the read-back.
    pub seconds_device: f64,
}

/// Whether a problem fits the kernels' loop limit.
pub(crate) fn fits(p: &Additive) -> bool {
    if p.cand.is_empty() {
        return false;
    }
    let longest_row = p
        .ptr
        .windows(2)
        .map(|w| (w[1] - w[0]) as usize)
        .max()
        .unwrap_or(0);
    let mut per_var = vec![0usize; p.cand.len()];
    for &v in &p.var {
        per_var[v as usize] += 1;
    }
    longest_row <= MAX_LOOP && per_var.iter().all(|&c| c <= MAX_LOOP)
}

/// One vector per node of a batch.
type PerNode = Vec<Vec<f64>>;

/// A batch of problems packed for the kernels.
struct Packed {
    row_ptr: Vec<u32>,
    row_var: Vec<u32>,
    row_w: Vec<f64>,
    col_ptr: Vec<u32>,
    col_term: Vec<u32>,
    col_w: Vec<f64>,
    /// First variable and first term of each node (and the totals).
    var_base: Vec<usize>,
    term_base: Vec<usize>,
}

fn pack(batch: &[&Additive]) -> Packed {
    let mut k = Packed {
        row_ptr: vec![0],
        row_var: Vec::new(),
        row_w: Vec::new(),
        col_ptr: vec![0],
        col_term: Vec::new(),
        col_w: Vec::new(),
        var_base: vec![0],
        term_base: vec![0],
    };
    for p in batch {
        let vb = *k.var_base.last().expect("starts with 0") as u32;
        let tb = *k.term_base.last().expect("starts with 0") as u32;
        for c in 0..p.n_terms() {
            for e in p.ptr[c] as usize..p.ptr[c + 1] as usize {
                k.row_var.push(vb + p.var[e]);
                k.row_w.push(p.w[e]);
            }
            k.row_ptr.push(k.row_var.len() as u32);
        }
        // Columns: each variable's entries in ascending term order (counting sort).
        let n = p.cand.len();
        let mut count = vec![0u32; n + 1];
        for &v in &p.var {
            count[v as usize + 1] += 1;
        }
        for j in 0..n {
            count[j + 1] += count[j];
        }
        let base = k.col_term.len();
        k.col_term.resize(base + p.var.len(), 0);
        k.col_w.resize(base + p.var.len(), 0.0);
        let mut fill = count.clone();
        for c in 0..p.n_terms() {
            for e in p.ptr[c] as usize..p.ptr[c + 1] as usize {
                let slot = &mut fill[p.var[e] as usize];
                k.col_term[base + *slot as usize] = tb + c as u32;
                k.col_w[base + *slot as usize] = p.w[e];
                *slot += 1;
            }
        }
        k.col_ptr
            .extend(count[1..].iter().map(|&c| base as u32 + c));
        k.var_base.push(vb as usize + n);
        k.term_base.push(tb as usize + p.n_terms());
    }
    k
}

/// Runs `sweeps` sweeps of both kernels from the points `x` (one per problem; `sweeps = 1`
/// with `apply = false` evaluates the gradient only). Returns the points, the last reciprocal
/// term hazards and the last gradients, per node.
fn run(
    ctx: &Context,
    batch: &[&Additive],
    x: &[Vec<f64>],
    sweeps: usize,
    apply: bool,
    stats: &mut GpuStats,
) -> Result<[Vec<Vec<f64>>; 3], GpuError> {
    let t = Instant::now();
    let k = pack(batch);
    let x_all: Vec<f64> = x.iter().flatten().copied().collect();
    let n_terms = *k.term_base.last().expect("starts with 0") as u32;
    let n_vars = x_all.len() as u32;
    // wgpu refuses empty buffers: every upload has at least one element.
    fn non_empty<T: bytemuck::Pod + Default>(v: &[T]) -> Vec<T> {
        if v.is_empty() {
            vec![T::default()]
        } else {
            v.to_vec()
        }
    }
    let bufs = [
        ctx.upload(
            "cascadia.survival.row_ptr",
            bytemuck::cast_slice(&k.row_ptr),
        )?,
        ctx.upload(
            "cascadia.survival.row_var",
            bytemuck::cast_slice(&non_empty(&k.row_var)),
        )?,
        ctx.upload(
            "cascadia.survival.row_w",
            bytemuck::cast_slice(&non_empty(&k.row_w)),
        )?,
        ctx.upload(
            "cascadia.survival.col_ptr",
            bytemuck::cast_slice(&k.col_ptr),
        )?,
        ctx.upload(
            "cascadia.survival.col_term",
            bytemuck::cast_slice(&non_empty(&k.col_term)),
        )?,
        ctx.upload(
            "cascadia.survival.col_w",
            bytemuck::cast_slice(&non_empty(&k.col_w)),
        )?,
        ctx.upload(
            "cascadia.survival.x",
            bytemuck::cast_slice(&non_empty(&x_all)),
        )?,
    ];
    let y = ctx.zeroed("cascadia.survival.r", u64::from(n_terms.max(1)) * 8)?;
    let grad = ctx.zeroed("cascadia.survival.grad", u64::from(n_vars.max(1)) * 8)?;
    stats.bytes_up += bufs.iter().map(|b| b.bytes()).sum::<u64>();
    let [row_ptr, row_var, row_w, col_ptr, col_term, col_w, xb] = &bufs;
    let rates_u = EmParams {
        n_items: n_terms,
        ..Default::default()
    };
    let update_u = EmParams {
        n_items: n_vars,
        apply: u32::from(apply),
        ..Default::default()
    };
    let rates_bufs = [row_ptr, row_var, row_w, xb, &y];
    let update_bufs = [col_ptr, col_term, col_w, &y, xb, &grad];
    let mut dispatches = Vec::with_capacity(2 * sweeps);
    for _ in 0..sweeps {
        dispatches.push(Dispatch {
            kernel: &TERM_RATES,
            uniform: bytemuck::bytes_of(&rates_u),
            buffers: &rates_bufs,
            grid: dispatch::grid_1d(n_terms, TERM_RATES.workgroup_size[0]),
        });
        dispatches.push(Dispatch {
            kernel: &EM_UPDATE,
            uniform: bytemuck::bytes_of(&update_u),
            buffers: &update_bufs,
            grid: dispatch::grid_1d(n_vars, EM_UPDATE.workgroup_size[0]),
        });
    }
    // EM needs only the points back; an evaluation needs the hazards and gradients too.
    let all = [
        (xb, u64::from(n_vars) * 8),
        (&y, u64::from(n_terms) * 8),
        (&grad, u64::from(n_vars) * 8),
    ];
    let out = ctx.submit(&dispatches, if apply { &all[..1] } else { &all[..] })?;
    stats.batches += 1;
    stats.submissions += 1;
    stats.dispatches += dispatches.len() as u64;
    stats.bytes_down += out.iter().map(|o| o.len() as u64).sum::<u64>();
    stats.seconds_device += t.elapsed().as_secs_f64();
    let split = |all: Vec<f64>, base: &[usize]| -> Vec<Vec<f64>> {
        base.windows(2).map(|w| all[w[0]..w[1]].to_vec()).collect()
    };
    let mut out = out.into_iter();
    let mut next = || out.next().map_or_else(Vec::new, |b| crate::gpu::f64s(&b));
    let x = split(next(), &k.var_base);
    if apply {
        return Ok([x, Vec::new(), Vec::new()]);
    }
    Ok([x, split(next(), &k.term_base), split(next(), &k.var_base)])
}

/// Runs `sweeps` EM sweeps over every problem of `batch` on the device from
/// [`Additive::em_initial`] and returns each node's point: bit for bit [`Additive::em`]
/// where the device does not contract `w x + s` into an FMA.
///
/// # Errors
/// A buffer over the binding limit, a validation error, a lost device, a failed read-back.
pub(crate) fn em_batch(
    ctx: &Context,
    batch: &[&Additive],
    sweeps: usize,
    stats: &mut GpuStats,
) -> Result<Vec<Vec<f64>>, GpuError> {
    let x0: Vec<Vec<f64>> = batch.iter().map(|p| p.em_initial()).collect();
    stats.device_nodes += batch.len() as u64;
    let [x, _, _] = run(ctx, batch, &x0, sweeps, true, stats)?;
    Ok(x)
}

/// The reciprocal term hazards and scaled gradients of every problem at the points `x`, in one
/// submission (tests compare them with the CPU twin and the CPU gradient).
///
/// # Errors
/// As [`em_batch`].
pub(crate) fn gradient_batch(
    ctx: &Context,
    batch: &[&Additive],
    x: &[Vec<f64>],
) -> Result<(PerNode, PerNode), GpuError> {
    let [_, y, g] = run(ctx, batch, x, 1, false, &mut GpuStats::default())?;
    Ok((y, g))
}

/// Kernel-versus-twin comparison over every node of a data set (for the tests): the largest
/// relative differences of the EM points after `sweeps` sweeps, of the reciprocal term
/// hazards and of
/// the gradients at those points, and how many values differ at all.
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct TwinReport {
    pub nodes: usize,
    pub values: usize,
    pub differing: usize,
    pub max_rel_x: f64,
    pub max_rel_r: f64,
    pub max_abs_grad: f64,
    /// Largest |GPU gradient − the solver's CPU gradient| (a different order of operations).
    pub max_abs_grad_vs_solver: f64,
}

/// Runs both kernels and their CPU twins on every node's additive problem (see
/// [`TwinReport`]).
///
/// # Errors
/// Bad data (as `fit`), a GPU error.
#[doc(hidden)]
pub fn twin_report(
    ctx: &Context,
    data: &crate::cascade::NodeCascades,
    params: &super::SurvivalValidParams,
    sweeps: usize,
) -> crate::Result<TwinReport> {
    use super::problem::{Index, Scratch};
    use super::solver::Smooth;
    let super::SurvivalModel::Additive { shape, delta } = params.model else {
        return Ok(TwinReport::default());
    };
    let ix = Index::new(
        data,
        super::horizons(data, params.window, params.windows.as_deref())?,
    );
    let total = ix.gamma_totals(shape, delta);
    let mut sc = Scratch::new(data.n_nodes(), data.cascades.len());
    let mut problems = Vec::new();
    for i in 0..data.n_nodes() as u32 {
        let p = super::build_additive(&ix, i, shape, delta, &total, &mut sc)?;
        if !p.cand.is_empty() {
            problems.push(p);
        }
    }
    let refs: Vec<&Additive> = problems.iter().collect();
    let mut stats = GpuStats::default();
    let xs = em_batch(ctx, &refs, sweeps, &mut stats)?;
    let (ys, gs) = gradient_batch(ctx, &refs, &xs)?;
    let mut r = TwinReport {
        nodes: problems.len(),
        ..Default::default()
    };
    let rel = |a: f64, b: f64| (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
    let (mut y, mut acc) = (Vec::new(), Vec::new());
    for (q, p) in problems.iter().enumerate() {
        let twin_x = p.em(sweeps);
        for (a, b) in twin_x.iter().zip(&xs[q]) {
            r.values += 1;
            r.differing += usize::from(a.to_bits() != b.to_bits());
            r.max_rel_x = r.max_rel_x.max(rel(*a, *b));
        }
        p.term_rates(&xs[q], &mut y);
        for (a, b) in y.iter().zip(&ys[q]) {
            r.values += 1;
            r.differing += usize::from(a.to_bits() != b.to_bits());
            r.max_rel_r = r.max_rel_r.max(rel(*a, *b));
        }
        let mut x = xs[q].clone();
        p.em_update(&y, &mut x, &mut acc);
        let mut g = vec![0.0; p.cand.len()];
        p.gradient(&xs[q], &mut g);
        for ((a, gpu), cpu) in acc.iter().zip(&gs[q]).zip(&g) {
            let twin = 1.0 - a;
            r.values += 1;
            r.differing += usize::from(twin.to_bits() != gpu.to_bits());
            r.max_abs_grad = r.max_abs_grad.max((twin - gpu).abs());
            r.max_abs_grad_vs_solver = r.max_abs_grad_vs_solver.max((cpu - gpu).abs());
        }
    }
    Ok(r)
}
