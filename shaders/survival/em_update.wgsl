// Scaled gradient and EM sweep of every variable of a batch (cascadia.survival.em_update).
//
// Spec survival.md, additive model in the scaled variables x_j = S_j alpha_j: with the
// reciprocal term hazards r = 1 / y from term_rates, acc_j = sum_c w_cj r_c over the
// variable's entries
// e = col_ptr[j] .. col_ptr[j + 1] (terms ascending), the scaled gradient is
// grad_j = 1 - acc_j = (dNLL/dalpha_j) / S_j, and with apply == 1 the EM (minorise-maximise)
// step x_j <- x_j * acc_j. One invocation per variable of the batch.
// CPU twin: src/survival/problem.rs, Additive::em_update (the same additions in the same
// order: row by row ascending adds to each variable in ascending term order).
//
// Bindings: 0 uniform EmParams (n_items: variables, apply), 1 col_ptr (u32, variables + 1),
// 2 col_term (u32: index into y), 3 col_w (f64), 4 r (f64), 5 x (f64, updated), 6 grad (f64).
//
// Precision: f64; addition and multiplication only (no transcendental, which lavapipe's
// f64 lacks; a driver may contract w * r + acc into an FMA). Loop length: the variable's entries, at most MAX_LOOP.

struct EmParams {   // keep in sync with EmParams in src/survival/gpu.rs
    n_items: u32,
    apply: u32,
    _pad0: u32,
    _pad1: u32,
}

const WG_SIZE = 64u;

@group(0) @binding(0) var<uniform> params: EmParams;
@group(0) @binding(1) var<storage, read> col_ptr: array<u32>;
@group(0) @binding(2) var<storage, read> col_term: array<u32>;
@group(0) @binding(3) var<storage, read> col_w: array<f64>;
@group(0) @binding(4) var<storage, read> r: array<f64>;
@group(0) @binding(5) var<storage, read_write> x: array<f64>;
@group(0) @binding(6) var<storage, read_write> grad: array<f64>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let j = gid.y * nwg.x * WG_SIZE + gid.x;
    if (j >= params.n_items) { return; }
    let end = col_ptr[j + 1u];
    var acc = 0.0lf;
    for (var e = col_ptr[j]; e < end; e = e + 1u) {
        acc = acc + col_w[e] * r[col_term[e]];
    }
    grad[j] = 1.0lf - acc;
    if (params.apply == 1u) {
        x[j] = x[j] * acc;
    }
}
