//! The batched M×P column recursion kernel (`shaders/influence/recursion.wgsl`).

use super::{Device, scatter};
use crate::cascade::CascadeSet;
use crate::gpu::{Binding, Dispatch, GpuBuffer, GpuError, KernelSpec, dispatch};
use crate::influence::InfluenceValidParams;
use crate::influence::cpu::{recursion as cpu_recursion, recursion_matrix, recursion_twin};
use crate::influence::packing::plan;
use crate::influence::uniforms::RecursionParams;
use crate::influence::{Power, SelfTerm};
use ndarray::Array2;

const SOURCE: &str = include_str!("../../../shaders/influence/recursion.wgsl");
const BINDINGS: &[Binding] = &[
    Binding::Uniform,
    Binding::ReadOnly,
    Binding::ReadOnly,
    Binding::ReadOnly,
    Binding::ReadWrite,
    Binding::ReadWrite,
    Binding::ReadWrite,
];

/// Recursion pass 1: Q's columns, M's diagonal, φ's self term.
pub const RECURSION_Q: KernelSpec = KernelSpec {
    name: "cascadia.influence.recursion.q_columns",
    source: SOURCE,
    entry: "q_columns",
    workgroup_size: [64, 1, 1],
    bindings: BINDINGS,
};

/// Recursion pass 2 (once per block of columns): M's rows, φ.
pub const RECURSION_M: KernelSpec = KernelSpec {
    name: "cascadia.influence.recursion.m_rows",
    source: SOURCE,
    entry: "m_rows",
    workgroup_size: [64, 1, 1],
    bindings: BINDINGS,
};

/// f32 recursion vs the f64 reference. Each q carries ~1e-6 relative (an f32 `exp` of an
/// exponent formed from bounded terms); M_ij sums non-negative products along paths of up to
/// n steps, so the error grows about linearly with n. Measured on one cascade, five parameter
/// sets (`birdspotter`'s long memory is the worst): f32 twin vs f64 1.6e-5 at n = 300, 4.8e-5
/// at 1,000, 9.4e-5 at 2,000; lavapipe (Mesa 25.0.7) the same to two digits. 5e-4 covers the
/// GPU's largest cascade (n = 5,792 under a 128 MiB binding) by that linear growth.
pub const RECURSION_F32_TOLERANCE: (f64, f64) = (5e-4, 1e-6);

/// Most loop iterations of one `m_rows` invocation per block (columns × row length).
const BLOCK_WORK: usize = 1 << 16;

/// The packed form of a group for the recursion kernels.
#[derive(Clone, Debug, Default)]
pub struct RecursionPacked {
    /// Uniform parameters (`j0`, `j1` set per block).
    pub params: RecursionParams,
    /// Per cascade: event start, events, matrix base, 0.
    pub cascades: Vec<[u32; 4]>,
    /// Per event: its cascade (index into `cascades`).
    pub event_cascade: Vec<u32>,
    /// Per event: `τ_hi, τ_lo, ln w, ln G` (see the shader).
    pub terms: Vec<[f32; 4]>,
    /// Entries of the M (and of the Q) buffer: Σ n².
    pub matrix_len: usize,
    /// The blocks of columns `[j0, j1)` of the `m_rows` passes.
    pub blocks: Vec<(u32, u32)>,
    /// For each packed cascade, its index in the set.
    pub ids: Vec<usize>,
}

/// What a [`recursion`] run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecursionReport {
    /// Groups (one submission each on a GPU).
    pub groups: usize,
    /// `m_rows` passes, all groups together.
    pub blocks: usize,
    /// Cascades whose matrices exceed one storage binding, run by the f64 CPU reference.
    pub cpu_cascades: usize,
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).expect("a group's sizes fit in u32 (bounded by the binding limit)")
}

/// Packs the listed cascades of `set` for the recursion kernels.
pub fn pack_recursion(
    set: &CascadeSet,
    cascades: &[usize],
    params: &InfluenceValidParams,
) -> RecursionPacked {
    let r = params.decay_per_s;
    let mut p = RecursionPacked {
        ids: cascades.to_vec(),
        ..Default::default()
    };
    let mut n_max = 0;
    for (ci, &i) in cascades.iter().enumerate() {
        let c = set.get(i);
        let n = c.len();
        n_max = n_max.max(n);
        p.cascades.push([
            u32_of(p.event_cascade.len()),
            u32_of(n),
            u32_of(p.matrix_len),
            0,
        ]);
        p.matrix_len += n * n;
        let mut d = 0.0f64;
        for k in 0..n {
            let tau = r * (c.times[k] - c.times[0]);
            let hi = tau as f32;
            let lo = (tau - f64::from(hi)) as f32;
            let lg = if k == 0 {
                0.0
            } else {
                let g = d + params.weight(c.magnitudes[k - 1]);
                d = (-r * (c.times[k] - c.times[k - 1])).exp() * g;
                g.ln()
            };
            p.terms
                .push([hi, lo, params.log_weight(c.magnitudes[k]) as f32, lg as f32]);
            p.event_cascade.push(u32_of(ci));
        }
    }
    let width = (BLOCK_WORK / n_max.max(1)).max(1);
    p.blocks = (1..n_max)
        .step_by(width)
        .map(|j0| (u32_of(j0), u32_of((j0 + width).min(n_max))))
        .collect();
    p.params = RecursionParams {
        n_events: u32_of(p.event_cascade.len()),
        power: if params.power == Power::Two { 2 } else { 1 },
        self_included: u32::from(params.self_term == SelfTerm::Included),
        has_alpha: u32::from(params.alpha.is_some()),
        alpha: params.alpha.unwrap_or(1.0) as f32,
        log_alpha: params.alpha.map_or(0.0, f64::ln) as f32,
        j0: 0,
        j1: 0,
    };
    p
}

/// Tweet influence of every event of `set` into `out` (flat, by the set's offsets) by the
/// recursion on `device`; with `matrices`, also every cascade's M (f64 of the f32 result; the
/// f64 CPU reference's for cascades run on the CPU), in set order.
///
/// Groups by size under the device's byte budget (4 n² bytes per cascade in the M buffer); a
/// cascade over the budget (n > 5,792 on lavapipe's 128 MiB) runs the f64 CPU reference. The
/// caller checks [`crate::influence::cpu::RECURSION_MAX_EVENTS`].
///
/// # Errors
/// A GPU error (validation, lost device, read-back).
pub fn recursion(
    device: Device<'_>,
    set: &CascadeSet,
    params: &InfluenceValidParams,
    out: &mut [f64],
    matrices: Option<&mut Vec<Array2<f64>>>,
) -> Result<RecursionReport, GpuError> {
    let sizes: Vec<usize> = set.iter().map(|c| c.len()).collect();
    let groups = plan(&sizes, |_| true, |n| 4 * (n * n) as u64, device.budget());
    let offsets = set.offsets();
    let mut report = RecursionReport::default();
    let mut found: Vec<Option<Array2<f64>>> = vec![None; set.len()];
    for g in &groups.groups {
        let p = pack_recursion(set, &g.cascades, params);
        let (phi, m) = run_group(device, &p, matrices.is_some())?;
        scatter(set, &p.ids, &phi, out);
        for (k, &ci) in p.ids.iter().enumerate() {
            let [_, n, base, _] = p.cascades[k].map(|v| v as usize);
            if let Some(m) = &m {
                // Column-major block: entry (i, j) at base + j n + i.
                found[ci] = Some(Array2::from_shape_fn((n, n), |(i, j)| {
                    f64::from(m[base + j * n + i])
                }));
            }
        }
        report.groups += 1;
        report.blocks += p.blocks.len();
    }
    for &i in &groups.oversize {
        let c = set.get(i);
        cpu_recursion(c, params, &mut out[offsets[i]..offsets[i + 1]]);
        if matrices.is_some() {
            found[i] = Some(recursion_matrix(c, params));
        }
        report.cpu_cascades += 1;
    }
    if let Some(ms) = matrices {
        ms.clear();
        ms.extend(
            found
                .into_iter()
                .map(|m| m.expect("every cascade is in a group or oversize")),
        );
    }
    Ok(report)
}

/// Every cascade's pairwise matrix M by the recursion on `device` (set order).
///
/// # Errors
/// As [`recursion`].
pub fn recursion_matrices(
    device: Device<'_>,
    set: &CascadeSet,
    params: &InfluenceValidParams,
) -> Result<Vec<Array2<f64>>, GpuError> {
    let mut out = vec![0.0; set.n_events()];
    let mut ms = Vec::new();
    recursion(device, set, params, &mut out, Some(&mut ms))?;
    Ok(ms)
}

/// Runs one packed group: φ per event and, when asked, the M buffer.
fn run_group(
    device: Device<'_>,
    p: &RecursionPacked,
    want_m: bool,
) -> Result<(Vec<f32>, Option<Vec<f32>>), GpuError> {
    let n = p.event_cascade.len();
    match device {
        Device::Twin { .. } => {
            let mut q = vec![0.0f32; p.matrix_len];
            let mut m = vec![0.0f32; p.matrix_len];
            let mut phi = vec![0.0f32; n];
            recursion_twin(
                &p.params,
                &p.blocks,
                &p.cascades,
                &p.event_cascade,
                &p.terms,
                &mut q,
                &mut m,
                &mut phi,
            );
            Ok((phi, want_m.then_some(m)))
        }
        Device::Gpu { ctx, .. } => {
            let bytes = 4 * p.matrix_len as u64;
            let cascades = ctx.upload("recursion cascades", bytemuck::cast_slice(&p.cascades))?;
            let owner = ctx.upload(
                "recursion event_cascade",
                bytemuck::cast_slice(&p.event_cascade),
            )?;
            let terms = ctx.upload("recursion terms", bytemuck::cast_slice(&p.terms))?;
            let q = ctx.zeroed("recursion q", bytes)?;
            let m = ctx.zeroed("recursion m", bytes)?;
            let phi = ctx.zeroed("recursion phi", 4 * n as u64)?;
            let buffers: [&GpuBuffer; 6] = [&cascades, &owner, &terms, &q, &m, &phi];
            let grid = dispatch::grid_1d(p.params.n_events, 64);
            let uniforms: Vec<RecursionParams> = std::iter::once(p.params)
                .chain(
                    p.blocks
                        .iter()
                        .map(|&(j0, j1)| RecursionParams { j0, j1, ..p.params }),
                )
                .collect();
            let dispatches: Vec<Dispatch<'_>> = uniforms
                .iter()
                .enumerate()
                .map(|(b, u)| Dispatch {
                    kernel: if b == 0 { &RECURSION_Q } else { &RECURSION_M },
                    uniform: bytemuck::bytes_of(u),
                    buffers: &buffers,
                    grid,
                })
                .collect();
            let mut reads = vec![(&phi, 4 * n as u64)];
            if want_m {
                reads.push((&m, bytes));
            }
            let res = ctx.submit(&dispatches, &reads)?;
            let phi = bytemuck::pod_collect_to_vec(&res[0]);
            let m = want_m.then(|| bytemuck::pod_collect_to_vec(&res[1]));
            Ok((phi, m))
        }
    }
}
