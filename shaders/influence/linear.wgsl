// Exact O(n) tweet influence, one cascade per invocation (cascadia.influence.linear).
//
// Spec influence.md, "Exact linear-time algorithm": forward pass G_j = D_{j-1} + w_{j-1},
// D_j = e^{-r dt_j} G_j; backward pass U = e^{-s r dt_{i+1}} U + x_{i+1} / G_{i+1}^s,
// y_i = (alpha w_i)^s U, x_i = 1 + y_i; phi_i = d_i y_i (self excluded) or d_i x_i.
// CPU twin: src/influence/cpu/linear.rs, fn linear_twin (same decomposition, generic float).
//
// Bindings: 0 uniform LinearParams, 1 offsets (u32, n_cascades + 1), 2 dt (f32, per event:
// t_e - t_{e-1}, 0 for a root), 3 w (f32, per event: max(f, 1)^beta, computed on the host in
// f64), 4 out (f32, per event; holds G during the forward pass).
//
// Precision: f32. Host-side deltas keep times exact to f32 relative precision whatever the
// epoch; every quantity stays bounded (e^{-r dt} / D = 1 / G), as in the f64 reference.
// Loops: 2 (n - 1) iterations per invocation; the host sends cascades of at most
// LinearOptions::max_invocation_events (default 256, never over GPU_MAX_EVENTS = 16384)
// events; longer ones take linear_scan.wgsl.

struct LinearParams {   // keep in sync with LinearParams in src/influence/uniforms.rs
    n_cascades: u32,
    power: u32,          // 1 or 2
    self_included: u32,  // 1: phi = d x; 0: phi = d y
    has_alpha: u32,
    decay: f32,
    alpha: f32,
    _pad0: u32,
    _pad1: u32,
}

const WG_SIZE = 64u;

@group(0) @binding(0) var<uniform> params: LinearParams;
@group(0) @binding(1) var<storage, read> offsets: array<u32>;
@group(0) @binding(2) var<storage, read> dt: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

fn pow_s(x: f32) -> f32 {
    if (params.power == 2u) { return x * x; }
    return x;
}

fn diag(i: u32) -> f32 {
    if (params.has_alpha == 1u && i > 0u) { return 1.0 - params.alpha; }
    return 1.0;
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let c = gid.y * nwg.x * WG_SIZE + gid.x;
    if (c >= params.n_cascades) { return; }
    let s = offsets[c];
    let n = offsets[c + 1u] - s;
    let r = params.decay;
    var a = 1.0;
    if (params.has_alpha == 1u) { a = params.alpha; }
    // Forward: out[s + j] = G_j.
    var d = 0.0;
    for (var j = 1u; j < n; j = j + 1u) {
        let g = d + w[s + j - 1u];
        out[s + j] = g;
        d = exp(-r * dt[s + j]) * g;
    }
    // Backward: the value of event i+1 is written once its G has been read.
    var u = 0.0;
    var x_next = 1.0;
    var pending = 0.0;
    if (params.self_included == 1u) { pending = diag(n - 1u); }
    for (var k = 1u; k < n; k = k + 1u) {
        let i = n - 1u - k;
        let g1 = out[s + i + 1u];
        u = pow_s(exp(-r * dt[s + i + 1u])) * u + x_next / pow_s(g1);
        let y = pow_s(a * w[s + i]) * u;
        let x = 1.0 + y;
        out[s + i + 1u] = pending;
        if (params.self_included == 1u) { pending = diag(i) * x; } else { pending = diag(i) * y; }
        x_next = x;
    }
    out[s] = pending;
}
