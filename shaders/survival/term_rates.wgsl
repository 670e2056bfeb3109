// Reciprocal hazard of every log term of every node of a batch
// (cascadia.survival.term_rates).
//
// Spec survival.md, additive model in the scaled variables x_j = S_j alpha_j: term c of a
// node's problem has hazard y_c = sum_e w_e x[var_e] over its entries e = row_ptr[c] ..
// row_ptr[c + 1] (w = gamma / S_j, computed on the host); the kernel writes r_c = 1 / y_c,
// what em_update multiplies by. One invocation per term of the batch; entries are summed in
// row order from 0.
// CPU twin: src/survival/problem.rs, Additive::term_rates (same order of operations).
//
// Bindings: 0 uniform EmParams (n_items: terms), 1 row_ptr (u32, terms + 1), 2 row_var (u32:
// index into x), 3 row_w (f64), 4 x (f64: every variable of the batch), 5 r (f64: 1 / y, one
// per term).
//
// Precision: f64. Products, sums and one division (exact on lavapipe); a driver may contract
// w * x + s into an FMA, so the GPU's r may differ from the twin's in the last bit (lavapipe
// does not: tests/integration/survival.rs checks it bit for bit there and within 1e-13
// relative anywhere). Loop length: the term's entries, at most MAX_LOOP (larger nodes run
// on the host).

struct EmParams {   // keep in sync with EmParams in src/survival/gpu.rs
    n_items: u32,
    apply: u32,
    _pad0: u32,
    _pad1: u32,
}

const WG_SIZE = 64u;

@group(0) @binding(0) var<uniform> params: EmParams;
@group(0) @binding(1) var<storage, read> row_ptr: array<u32>;
@group(0) @binding(2) var<storage, read> row_var: array<u32>;
@group(0) @binding(3) var<storage, read> row_w: array<f64>;
@group(0) @binding(4) var<storage, read> x: array<f64>;
@group(0) @binding(5) var<storage, read_write> r: array<f64>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let c = gid.y * nwg.x * WG_SIZE + gid.x;
    if (c >= params.n_items) { return; }
    let end = row_ptr[c + 1u];
    var s = 0.0lf;
    for (var e = row_ptr[c]; e < end; e = e + 1u) {
        s = s + row_w[e] * x[row_var[e]];
    }
    r[c] = 1.0lf / s;
}
