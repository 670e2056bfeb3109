// NetInf marginal gains of many candidate edges at once (cascadia.netinf.gains).
//
// Spec netinf.md, Candidates and marginal gains: for candidate u -> v,
//   gain = sum over the cascades c containing u before v of max(0, w_c(u,v) - best_c(v)),
// summed in cascade order. One invocation per candidate (listed, or every candidate of the
// segment); its incidences are inc_start[c] .. inc_start[c + 1] (cascades ascending).
// CPU twin: src/netinf/cpu/gains.rs, fn gains (same layout, same order of operations).
//
// Bindings: 0 uniform GainsParams, 1 list (u32: segment-local candidates to evaluate when
// use_list == 1), 2 inc_start (u32, candidates + 1), 3 inc_k (u32: index into best per
// incidence), 4 inc_w (f64: w_c(u,v) per incidence, computed on the host), 5 best (f64:
// best_c(v) of every cascade of every node of the batch), 6 out (f64: one gain per item).
//
// Precision: f64, exact. The transcendental parts (log f(delta), log beta, log epsilon) are
// computed once on the host in f64; the kernel only subtracts, compares and adds, which
// Vulkan requires to be correctly rounded, in the twin's order, so its gains equal the CPU's
// bit for bit (no FMA can form: there is no multiply). Loop length per invocation: the
// candidate's incidences, at most MAX_CANDIDATE_INCIDENCES (larger ones run on the host).

struct GainsParams {   // keep in sync with GainsParams in src/netinf/gpu.rs
    n_items: u32,
    use_list: u32,
    _pad0: u32,
    _pad1: u32,
}

const WG_SIZE = 64u;

@group(0) @binding(0) var<uniform> params: GainsParams;
@group(0) @binding(1) var<storage, read> list: array<u32>;
@group(0) @binding(2) var<storage, read> inc_start: array<u32>;
@group(0) @binding(3) var<storage, read> inc_k: array<u32>;
@group(0) @binding(4) var<storage, read> inc_w: array<f64>;
@group(0) @binding(5) var<storage, read> best: array<f64>;
@group(0) @binding(6) var<storage, read_write> out: array<f64>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let item = gid.y * nwg.x * WG_SIZE + gid.x;
    if (item >= params.n_items) { return; }
    var c = item;
    if (params.use_list == 1u) { c = list[item]; }
    let end = inc_start[c + 1u];
    var g = 0.0lf;
    for (var e = inc_start[c]; e < end; e = e + 1u) {
        let d = inc_w[e] - best[inc_k[e]];
        if (d > 0.0lf) { g = g + d; }
    }
    out[item] = g;
}
