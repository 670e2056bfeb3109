//! GPU path of the decay search: the pairwise AUC counts of every (r, positive pair) of all
//! cascades (`shaders/influence/tune_auc.wgsl`), batched over r under the binding limit, one
//! submission per batch of r values; the host turns counts into per-event AUCs and their mean
//! (in cascade and event order, as [`crate::influence::tune::twin`]).

use rayon::prelude::*;

use crate::gpu::{Binding, Context, Dispatch, GpuError, KernelSpec, dispatch};
use crate::influence::tune::{Point, Prepared, UNDERFLOW, exact_pair_counts, in_window};

/// Uniform parameters of the kernel.
/// Mirrors struct TuneParams in shaders/influence/tune_auc.wgsl — keep in sync (checked by
/// tests/integration/shaders.rs).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct TuneParams {
    /// Positive pairs of all cascades.
    pub pairs: u32,
    /// r values in the batch.
    pub n_r: u32,
    /// Kept events of all cascades.
    pub kept: u32,
    /// Padding to 16 bytes.
    pub _pad: u32,
}

/// Counts of negatives below and tied, per (r, positive pair).
pub const TUNE_AUC: KernelSpec = KernelSpec {
    name: "cascadia.influence.tune_auc",
    source: include_str!("../../../shaders/influence/tune_auc.wgsl"),
    entry: "main",
    workgroup_size: [64, 1, 1],
    bindings: &[
        Binding::Uniform,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadOnly,
        Binding::ReadWrite,
    ],
};

/// Counters of the GPU path.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct TuneGpuStats {
    /// The adapter.
    pub adapter: String,
    /// Submissions (batches of r values).
    pub submissions: u64,
    /// Bytes uploaded.
    pub bytes_up: u64,
    /// Bytes read back.
    pub bytes_down: u64,
    /// Seconds inside submissions.
    pub seconds_device: f64,
    /// Seconds of host work (packing, normalisers, sums).
    pub seconds_host: f64,
}

/// The mean AUC of every r of `rs` over `cascades` on the device.
///
/// # Errors
/// A device without f64, a buffer over the binding limit, a validation error.
pub fn evaluate(
    ctx: &Context,
    cascades: &[Prepared],
    rs: &[f64],
    stats: &mut TuneGpuStats,
) -> Result<Vec<Point>, GpuError> {
    let t0 = std::time::Instant::now();
    stats.adapter = ctx.describe();
    // Global arrays.
    let (mut lw, mut t) = (Vec::new(), Vec::new());
    let (mut pj, mut pk, mut pe) = (Vec::new(), Vec::new(), Vec::new());
    let (mut ebase, mut eptr) = (Vec::new(), vec![0u32]);
    // Per kept event: (cascade, local j).
    let mut kept_at: Vec<(usize, usize)> = Vec::new();
    for (c, p) in cascades.iter().enumerate() {
        let base = lw.len() as u32;
        lw.extend_from_slice(&p.lw);
        t.extend_from_slice(&p.t);
        for j in 1..p.len() {
            if !p.kept(j) {
                continue;
            }
            let e = kept_at.len() as u32;
            for &k in p.positives(j) {
                pj.push(base + j as u32);
                pk.push(base + k);
                pe.push(e);
            }
            ebase.push(base);
            eptr.push(pj.len() as u32);
            kept_at.push((c, j));
        }
    }
    let n_pairs = pj.len();
    let n_kept = kept_at.len();
    if n_kept == 0 {
        return Ok(rs
            .iter()
            .map(|&r| Point {
                r,
                auc: f64::NAN,
                events: 0,
            })
            .collect());
    }
    let upf = |label: &str, v: &[f64]| ctx.upload(label, bytemuck::cast_slice(v));
    let upu = |label: &str, v: &[u32]| ctx.upload(label, bytemuck::cast_slice(v));
    let fixed = [
        upf("cascadia.tune.lw", &lw)?,
        upf("cascadia.tune.t", &t)?,
        upu("cascadia.tune.pair_j", &pj)?,
        upu("cascadia.tune.pair_k", &pk)?,
        upu("cascadia.tune.pair_event", &pe)?,
        upu("cascadia.tune.event_base", &ebase)?,
        upu("cascadia.tune.event_pairs", &eptr)?,
    ];
    stats.bytes_up += fixed.iter().map(|b| b.bytes()).sum::<u64>();
    // r values per submission: the counts (8 bytes per pair) and the cuts under the limit.
    let limit = ctx.max_binding_bytes();
    let per_r = (8 * n_pairs as u64).max(8 * n_kept as u64).max(1);
    let batch = ((limit / per_r) as usize)
        .clamp(1, 4096)
        .min(u32::MAX as usize / n_pairs.max(1));
    stats.seconds_host += t0.elapsed().as_secs_f64();
    let mut out = Vec::with_capacity(rs.len());
    for chunk in rs.chunks(batch) {
        let th = std::time::Instant::now();
        // Normalisers per (r, kept event), on the host (ln/exp in f64).
        let norms: Vec<f64> = chunk
            .par_iter()
            .flat_map_iter(|&r| {
                let norms: Vec<Vec<f64>> = cascades.iter().map(|p| p.log_norms(r)).collect();
                kept_at
                    .iter()
                    .map(move |&(c, j)| norms[c][j])
                    .collect::<Vec<_>>()
            })
            .collect();
        let cuts: Vec<f64> = norms.iter().map(|l| UNDERFLOW + l).collect();
        stats.seconds_host += th.elapsed().as_secs_f64();
        let td = std::time::Instant::now();
        let rs_buf = upf("cascadia.tune.rs", chunk)?;
        let cut_buf = upf("cascadia.tune.cut", &cuts)?;
        let items = n_pairs * chunk.len();
        let counts = ctx.zeroed("cascadia.tune.counts", items as u64 * 8)?;
        stats.bytes_up += rs_buf.bytes() + cut_buf.bytes();
        let params = TuneParams {
            pairs: n_pairs as u32,
            n_r: chunk.len() as u32,
            kept: n_kept as u32,
            _pad: 0,
        };
        let [a, b, c, d, e, f, g] = &fixed;
        let bufs = [a, b, c, d, e, f, g, &rs_buf, &cut_buf, &counts];
        let back = ctx.submit(
            &[Dispatch {
                kernel: &TUNE_AUC,
                uniform: bytemuck::bytes_of(&params),
                buffers: &bufs,
                grid: dispatch::grid_1d(items as u32, 64),
            }],
            &[(&counts, items as u64 * 8)],
        )?;
        stats.submissions += 1;
        stats.bytes_down += back.iter().map(|b| b.len() as u64).sum::<u64>();
        stats.seconds_device += td.elapsed().as_secs_f64();
        let th = std::time::Instant::now();
        let words: Vec<u32> = back
            .first()
            .map(|b| bytemuck::pod_collect_to_vec(b))
            .unwrap_or_default();
        for (ri, &r) in chunk.iter().enumerate() {
            let w = &words[2 * ri * n_pairs..2 * (ri + 1) * n_pairs];
            let mut sum = 0.0;
            for (e, &(c, j)) in kept_at.iter().enumerate() {
                let np = cascades[c].positives(j).len() as f64;
                let nn = (j as f64) - np;
                let mut credit = 0.0;
                let norm = norms[ri * n_kept + e];
                let p = &cascades[c];
                for (q, &k) in (eptr[e] as usize..eptr[e + 1] as usize).zip(p.positives(j)) {
                    let (b, t) = if in_window(p, r, j, k as usize, norm) {
                        exact_pair_counts(p, r, j, k as usize, norm)
                    } else {
                        (w[2 * q], w[2 * q + 1])
                    };
                    credit += f64::from(b) + 0.5 * f64::from(t);
                }
                sum += credit / (np * nn);
            }
            out.push(Point {
                r,
                auc: sum / n_kept as f64,
                events: n_kept as u64,
            });
        }
        stats.seconds_host += th.elapsed().as_secs_f64();
    }
    Ok(out)
}
