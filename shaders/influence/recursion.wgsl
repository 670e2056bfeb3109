// The paper's triangular M x P column recursion (Eq. 2), batched
// (cascadia.influence.recursion.q and cascadia.influence.recursion.m).
//
//   q_kj = (alpha p_kj)^s,  M_jj = d_j,  M_ij = sum_{k=i}^{j-1} M_ik q_kj  (i < j),
//   phi_i = sum_{j>i} M_ij (self excluded) or sum_{j>=i} M_ij (included).
//
// Row i of M depends only on row i (M_ij needs M_ik, k < j), so one invocation owns one row
// and walks the columns in order; the rows of a column are spread over the invocations of
// the batch (all cascades of the group at once). To keep every invocation's loop short, the
// host runs `m` once per block of columns [j0, j1) (uniform), all blocks in one submission.
//
// Entry points:
//   q   one invocation per event j: column j of Q (k < j), M_jj = d_j, phi_j = d_j or 0.
//   m   one invocation per event i: M_ij for j in [max(j0, i + 1), min(j1, n)), phi_i += M_ij.
// CPU twin: src/influence/cpu/recursion.rs, fn recursion_twin (same steps, same order).
//
// Layout: per cascade an n x n block of M and of Q, column-major (entry (k, j) at
// base + j * n + k), so that invocations i, i+1 read M_ik, M_(i+1)k side by side and q_kj is
// one value for all of them at a given k (see kb in m_rows).
// Bindings: 0 uniform RecursionParams; 1 cascades (vec4<u32> per cascade: event start,
// events, matrix base, 0); 2 event_cascade (u32 per event); 3 terms (vec4<f32> per event:
// tau_hi, tau_lo, ln w, ln G with tau = r (t - t_0) in f64 split into two f32, ln G_j from
// the f64 forward pass: p_kj = exp(ln w_k - ln G_j - (tau_{j-1} - tau_k))); 4 q (f32, Q
// blocks); 5 m (f32, M blocks, zero-initialised); 6 phi (f32 per event).
//
// Precision: f32. The exponent is formed from bounded terms (ln w, ln G and a time gap
// taken as a difference of two-float times, exact to ~1e-7 relative), so p keeps ~1e-6
// relative accuracy; M's sums are over non-negative terms.

struct RecursionParams {  // keep in sync with RecursionParams in src/influence/uniforms.rs
    n_events: u32,
    power: u32,           // 1 or 2
    self_included: u32,
    has_alpha: u32,
    alpha: f32,
    log_alpha: f32,       // ln alpha, computed on the host in f64 (0 without alpha)
    j0: u32,              // m: first column of this block
    j1: u32,              // m: one past the last column
}

const WG_SIZE = 64u;

@group(0) @binding(0) var<uniform> params: RecursionParams;
@group(0) @binding(1) var<storage, read> cascades: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> event_cascade: array<u32>;
@group(0) @binding(3) var<storage, read> terms: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> q: array<f32>;
@group(0) @binding(5) var<storage, read_write> m: array<f32>;
@group(0) @binding(6) var<storage, read_write> phi: array<f32>;

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.y * nwg.x * WG_SIZE + gid.x;
}

@compute @workgroup_size(WG_SIZE)
fn q_columns(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = flat(gid, nwg);
    if (e >= params.n_events) { return; }
    let c = cascades[event_cascade[e]];
    let j = e - c.x;
    let n = c.y;
    let base = c.z;
    var d = 1.0;
    if (params.has_alpha == 1u && j > 0u) { d = 1.0 - params.alpha; }
    m[base + j * n + j] = d;
    if (params.self_included == 1u) { phi[e] = d; } else { phi[e] = 0.0; }
    if (j == 0u) { return; }
    let la = params.log_alpha;
    var s = 1.0;
    if (params.power == 2u) { s = 2.0; }
    let tj = terms[e - 1u];   // tau_{j-1}
    let lg = terms[e].w;      // ln G_j
    for (var k = 0u; k < j; k = k + 1u) {
        let tk = terms[c.x + k];
        let gap = (tj.x - tk.x) + (tj.y - tk.y);
        q[base + j * n + k] = exp(s * (la + tk.z - lg - gap));
    }
}

@compute @workgroup_size(WG_SIZE)
fn m_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = flat(gid, nwg);
    if (e >= params.n_events) { return; }
    let c = cascades[event_cascade[e]];
    let i = e - c.x;
    let n = c.y;
    let base = c.z;
    let ja = max(params.j0, i + 1u);
    let jb = min(params.j1, n);
    // Rows i of one 64-aligned run start their sums at the same k (M_ik = 0 for k < i: the
    // buffer is zeroed and never written below the diagonal, and 0 * q adds exactly 0), so
    // at each step neighbouring invocations read neighbouring M entries and one q entry.
    let kb = i - i % WG_SIZE;
    var acc_phi = phi[e];
    for (var j = ja; j < jb; j = j + 1u) {
        var v = 0.0;
        for (var k = kb; k < j; k = k + 1u) {
            v = v + m[base + k * n + i] * q[base + j * n + k];
        }
        m[base + j * n + i] = v;
        acc_phi = acc_phi + v;
    }
    phi[e] = acc_phi;
}
