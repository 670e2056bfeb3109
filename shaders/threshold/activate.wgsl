// Activation of one round of the linear threshold model (cascadia.threshold.activate).
//
// Spec threshold.md: an inactive node activates at step t + 1 iff its influence reaches its
// threshold, held as integers: acc >= need (NEVER: never). mode 0: need[v] is given (fixed
// thresholds, the same in every run). mode 1: theta = h / 2^32 with h = hash32(key[run] ^
// hash32(v)) (lowbias32), need = ceil(h * den[v] / 2^32) from the exact 64-bit product,
// NEVER above max_units[v]. One invocation per (run, node), run-major. No loop.
// State: 0 inactive, s + 1 active since step s.
// CPU twin: src/threshold/simulate.rs (uniform_need, draw_key, fn twin's activate loop).
//
// Bindings: 0 uniform RoundParams, 1 need (u32, mode 0), 2 den (u32), 3 max_units (u32),
// 4 key (u32 per run), 5 acc (u32), 6 state (u32, updated).

struct RoundParams {   // keep in sync with RoundParams in src/threshold/gpu.rs
    n: u32,
    chunks: u32,
    runs: u32,
    step: u32,
    mode: u32,
    steps: u32,
    items: u32,
    _pad: u32,
}

const WG_SIZE = 64u;
const NEVER = 0xffffffffu;

@group(0) @binding(0) var<uniform> params: RoundParams;
@group(0) @binding(1) var<storage, read> need: array<u32>;
@group(0) @binding(2) var<storage, read> den: array<u32>;
@group(0) @binding(3) var<storage, read> max_units: array<u32>;
@group(0) @binding(4) var<storage, read> key: array<u32>;
@group(0) @binding(5) var<storage, read> acc: array<u32>;
@group(0) @binding(6) var<storage, read_write> state: array<u32>;

fn hash32(x0: u32) -> u32 {
    var x = x0;
    x = x ^ (x >> 16u);
    x = x * 0x7feb352du;
    x = x ^ (x >> 15u);
    x = x * 0x846ca68bu;
    x = x ^ (x >> 16u);
    return x;
}

// ceil(a * b / 2^32) from the exact 64-bit product (16-bit limbs).
fn ceil_mul_hi(a: u32, b: u32) -> u32 {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    let lo = (p00 & 0xffffu) | (mid << 16u);
    let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
    return hi + select(0u, 1u, lo != 0u);
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.y * nwg.x * WG_SIZE + gid.x;
    if (i >= params.items) { return; }
    if (state[i] != 0u) { return; }
    let run = i / params.n;
    let v = i - run * params.n;
    var k = 0u;
    if (params.mode == 0u) {
        k = need[v];
    } else {
        let h = hash32(key[run] ^ hash32(v));
        k = ceil_mul_hi(h, den[v]);
        if (k > max_units[v]) { k = NEVER; }
    }
    if (k != NEVER && acc[i] >= k) {
        state[i] = params.step + 2u;
    }
}
