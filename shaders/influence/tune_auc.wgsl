// Pairwise AUC counts of the decay search (cascadia.influence.tune_auc).
//
// Spec influence.md, "Tuning the decay r": for reposter event j, every earlier event i of its
// cascade is a candidate scored x_i = ln w_i - r (t_j - t_i) (the log of p_ij up to the
// event's normaliser), tied at -inf below cut = ln(2^-1075) + L_j (p underflows to 0). One
// invocation per (r, positive pair (j, k)): the number of negative candidates strictly below
// x_k and tied with it — all candidates counted, then the event's positives taken back out.
// The host turns the counts into per-event AUCs (ties 1/2) and their mean.
// CPU twin: src/influence/tune.rs, fn pair_counts (same loops, same f64 operations).
//
// Bindings: 0 uniform TuneParams, 1 lw (f64 per event), 2 t (f64 per event: time since the
// cascade's first event), 3 pair_j (u32: global event j), 4 pair_k (u32: global event k),
// 5 pair_event (u32: kept-event index e), 6 event_base (u32 per kept event: the cascade's
// first global event), 7 event_pairs (u32 per kept event + 1: its pairs), 8 rs (f64 per r of
// the batch), 9 cut (f64 per (r, kept event)), 10 counts (u32 x2 per (r, pair)).
//
// Precision: f64 multiply and subtract only (a driver may contract them into an FMA: the
// counts can then differ from the twin's at near-ties; the mean AUC stays within 1e-6).
// Loop length: the event's candidates plus its positives (one cascade's events).

struct TuneParams {   // keep in sync with TuneParams in src/influence/gpu/tune.rs
    pairs: u32,
    n_r: u32,
    kept: u32,
    _pad: u32,
}

const WG_SIZE = 64u;

@group(0) @binding(0) var<uniform> params: TuneParams;
@group(0) @binding(1) var<storage, read> lw: array<f64>;
@group(0) @binding(2) var<storage, read> t: array<f64>;
@group(0) @binding(3) var<storage, read> pair_j: array<u32>;
@group(0) @binding(4) var<storage, read> pair_k: array<u32>;
@group(0) @binding(5) var<storage, read> pair_event: array<u32>;
@group(0) @binding(6) var<storage, read> event_base: array<u32>;
@group(0) @binding(7) var<storage, read> event_pairs: array<u32>;
@group(0) @binding(8) var<storage, read> rs: array<f64>;
@group(0) @binding(9) var<storage, read> cut: array<f64>;
@group(0) @binding(10) var<storage, read_write> counts: array<u32>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.y * nwg.x * WG_SIZE + gid.x;
    if (i >= params.pairs * params.n_r) { return; }
    let ri = i / params.pairs;
    let q = i - ri * params.pairs;
    let r = rs[ri];
    let j = pair_j[q];
    let e = pair_event[q];
    let c = cut[ri * params.kept + e];
    let tj = t[j];
    var xk = lw[pair_k[q]] - r * (tj - t[pair_k[q]]);
    let k_zero = xk < c;
    var below = 0u;
    var tie = 0u;
    for (var m = event_base[e]; m < j; m = m + 1u) {
        let xm = lw[m] - r * (tj - t[m]);
        let m_zero = xm < c;
        if (k_zero) {
            if (m_zero) { tie = tie + 1u; }
        } else if (m_zero || xm < xk) {
            below = below + 1u;
        } else if (xm == xk) {
            tie = tie + 1u;
        }
    }
    for (var p = event_pairs[e]; p < event_pairs[e + 1u]; p = p + 1u) {
        let m = pair_k[p];
        let xm = lw[m] - r * (tj - t[m]);
        let m_zero = xm < c;
        if (k_zero) {
            if (m_zero) { tie = tie - 1u; }
        } else if (m_zero || xm < xk) {
            below = below - 1u;
        } else if (xm == xk) {
            tie = tie - 1u;
        }
    }
    counts[2u * i] = below;
    counts[2u * i + 1u] = tie;
}
