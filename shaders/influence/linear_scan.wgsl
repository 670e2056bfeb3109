// Exact O(n) tweet influence for very long cascades, split into chunks
// (cascadia.influence.linear_scan.*, five entry points run in order in one submission).
//
// The recurrences of shaders/influence/linear.wgsl are affine in their carried value:
//   forward   D_j = e_j (D_{j-1} + w_{j-1})                  (D_root = 0)
//   backward  U_i = m_i U_{i+1} + c_i,  m_i = E_{i+1} + (alpha w_{i+1})^s / G_{i+1}^s,
//             c_i = 1 / G_{i+1}^s,  E = e^{-s r dt},  U_{n-1} = 0,
// so a chunk's steps compose into one affine map (A, B), the chunks' maps are chained
// sequentially per cascade (one short loop over chunks), and each chunk then replays its
// steps from its incoming value. No invocation loops over more than one chunk's events
// (or a cascade's chunk count), so a 10^6-event cascade spreads over ~10^3 invocations
// (chunks of max(256, sqrt(n)) events by default).
//
// Entry points (one invocation per chunk, or per cascade for the carries):
//   fwd_local   comp[k]  = forward map of chunk k
//   fwd_carry   carry[k] = D entering chunk k
//   fwd_apply   g[j] = G_j for the chunk's events; comp[k] = backward map of chunk k
//   bwd_carry   carry[k] = U at the top of chunk k
//   bwd_apply   out[i] = phi_i for the chunk's events
// CPU twin: src/influence/cpu/linear.rs, fn linear_scan_twin (same steps, same order).
//
// Bindings: 0 uniform ScanParams; 1 index (u32): [bounds (n_chunks + 1) | chunk -> cascade
// (n_chunks) | cascade event starts (n_cascades + 1) | cascade chunk starts (n_cascades + 1)];
// 2 dt, 3 w (f32 per event, as linear.wgsl); 4 g (f32 per event); 5 out (f32 per event);
// 6 comp (vec2<f32> per chunk); 7 carry (f32 per chunk).
//
// Precision: f32, as linear.wgsl. A forward map has A <= 1 and B <= the chunk's weight sum; a
// backward map's A * U_top + B = U_p <= n / (alpha w_p)^s stays bounded, and the last chunk's
// map is applied to U = 0 as B alone (never A * 0 with a large A).

struct ScanParams {     // keep in sync with ScanParams in src/influence/uniforms.rs
    n_chunks: u32,
    n_cascades: u32,
    power: u32,         // 1 or 2
    self_included: u32, // 1: phi = d x; 0: phi = d y
    has_alpha: u32,
    decay: f32,
    alpha: f32,
    _pad: u32,
}

const WG_SIZE = 64u;

@group(0) @binding(0) var<uniform> params: ScanParams;
@group(0) @binding(1) var<storage, read> index: array<u32>;
@group(0) @binding(2) var<storage, read> dt: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> g: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> comp: array<vec2<f32>>;
@group(0) @binding(7) var<storage, read_write> carry: array<f32>;

fn pow_s(x: f32) -> f32 {
    if (params.power == 2u) { return x * x; }
    return x;
}

fn alpha() -> f32 {
    if (params.has_alpha == 1u) { return params.alpha; }
    return 1.0;
}

fn diag(first: bool) -> f32 {
    if (params.has_alpha == 1u && !first) { return 1.0 - params.alpha; }
    return 1.0;
}

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.y * nwg.x * WG_SIZE + gid.x;
}

// Backward step i - 1 <- i: (m_{i-1}, c_{i-1}) from G_i = g_i.
fn bwd_coeffs(i: u32, g_i: f32) -> vec2<f32> {
    let inv = 1.0 / pow_s(g_i);
    let m = pow_s(exp(-params.decay * dt[i])) + pow_s(alpha()) * pow_s(w[i]) * inv;
    return vec2<f32>(m, inv);
}

// Index sections.
fn chunk_lo(k: u32) -> u32 { return index[k]; }
fn chunk_cascade(k: u32) -> u32 { return index[params.n_chunks + 1u + k]; }
fn cascade_start(c: u32) -> u32 { return index[2u * params.n_chunks + 1u + c]; }
fn cascade_chunk(c: u32) -> u32 {
    return index[2u * params.n_chunks + params.n_cascades + 2u + c];
}

// Chunk k's cascade start and end, and its own first and one-past-last event.
fn chunk_span(k: u32) -> vec4<u32> {
    let c = chunk_cascade(k);
    return vec4<u32>(cascade_start(c), cascade_start(c + 1u), chunk_lo(k), chunk_lo(k + 1u));
}

@compute @workgroup_size(WG_SIZE)
fn fwd_local(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let k = flat(gid, nwg);
    if (k >= params.n_chunks) { return; }
    let s0 = cascade_start(chunk_cascade(k));
    let r = params.decay;
    var a = 1.0;
    var b = 0.0;
    for (var j = chunk_lo(k); j < chunk_lo(k + 1u); j = j + 1u) {
        if (j == s0) {
            a = 0.0;
            b = 0.0;
        } else {
            let e = exp(-r * dt[j]);
            a = e * a;
            b = e * (b + w[j - 1u]);
        }
    }
    comp[k] = vec2<f32>(a, b);
}

@compute @workgroup_size(WG_SIZE)
fn fwd_carry(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let c = flat(gid, nwg);
    if (c >= params.n_cascades) { return; }
    var d = 0.0;
    for (var k = cascade_chunk(c); k < cascade_chunk(c + 1u); k = k + 1u) {
        carry[k] = d;
        let m = comp[k];
        d = m.x * d + m.y;
    }
}

@compute @workgroup_size(WG_SIZE)
fn fwd_apply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let k = flat(gid, nwg);
    if (k >= params.n_chunks) { return; }
    let span = chunk_span(k);
    let s0 = span.x;
    let end = span.y;
    let p = span.z;
    let q = span.w;
    let r = params.decay;
    // Forward replay: G_j for the chunk's events (0 for the root).
    var d = carry[k];
    for (var j = p; j < q; j = j + 1u) {
        if (j == s0) {
            d = 0.0;
            g[j] = 0.0;
        } else {
            let gj = d + w[j - 1u];
            g[j] = gj;
            d = exp(-r * dt[j]) * gj;
        }
    }
    // G_q of the next chunk's first event, from this chunk's last D.
    var g_top = 0.0;
    if (q < end) { g_top = d + w[q - 1u]; }
    // Backward map of events [p, top), top = min(q, end - 1): U_p = A U_top + B.
    var top = q;
    if (q == end) { top = end - 1u; }
    var a = 1.0;
    var b = 0.0;
    var g1 = g_top;
    if (q == end) { g1 = g[top]; }
    for (var i = top; i > p; i = i - 1u) {
        let mc = bwd_coeffs(i, g1);
        a = mc.x * a;
        b = mc.x * b + mc.y;
        g1 = g[i - 1u];
    }
    comp[k] = vec2<f32>(a, b);
}

@compute @workgroup_size(WG_SIZE)
fn bwd_carry(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let c = flat(gid, nwg);
    if (c >= params.n_cascades) { return; }
    let k0 = cascade_chunk(c);
    let k1 = cascade_chunk(c + 1u);
    var u = 0.0;
    for (var k = k1; k > k0; k = k - 1u) {
        carry[k - 1u] = u;
        let m = comp[k - 1u];
        if (k == k1) { u = m.y; } else { u = m.x * u + m.y; }
    }
}

@compute @workgroup_size(WG_SIZE)
fn bwd_apply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let k = flat(gid, nwg);
    if (k >= params.n_chunks) { return; }
    let span = chunk_span(k);
    let s0 = span.x;
    let end = span.y;
    let p = span.z;
    let q = span.w;
    let a_s = pow_s(alpha());
    var top = q;
    if (q == end) {
        top = end - 1u;
        var last = 0.0;
        if (params.self_included == 1u) { last = diag(end - 1u == s0); }
        out[end - 1u] = last;
    }
    var u = carry[k];
    for (var i = top; i > p; i = i - 1u) {
        let mc = bwd_coeffs(i, g[i]);
        u = mc.x * u + mc.y;
        let y = a_s * pow_s(w[i - 1u]) * u;
        var v = y;
        if (params.self_included == 1u) { v = 1.0 + y; }
        out[i - 1u] = diag(i - 1u == s0) * v;
    }
}
