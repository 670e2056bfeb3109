// Spread of one round of the linear threshold model (cascadia.threshold.spread).
//
// Spec threshold.md, Model and simulation: a node u that activated at step t adds its
// out-edges' units q_uv to every inactive target v (integer units, see src/threshold/mod.rs:
// exact in any order, so atomic adds are deterministic). One invocation per (run, edge chunk):
// a chunk is at most 4096 out-edges of one node (the loop limit of one invocation).
// State: 0 inactive, s + 1 active since step s (seed.wgsl).
// CPU twin: src/threshold/simulate.rs, fn twin (the spread loop).
//
// Bindings: 0 uniform RoundParams, 1 chunk (u32 x3 per chunk: node, first edge, end),
// 2 out_dst (u32), 3 out_q (u32), 4 state (u32, run-major: run * n + node),
// 5 acc (atomic u32, run-major).

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

@group(0) @binding(0) var<uniform> params: RoundParams;
@group(0) @binding(1) var<storage, read> chunk: array<u32>;
@group(0) @binding(2) var<storage, read> out_dst: array<u32>;
@group(0) @binding(3) var<storage, read> out_q: array<u32>;
@group(0) @binding(4) var<storage, read> state: array<u32>;
@group(0) @binding(5) var<storage, read_write> acc: array<atomic<u32>>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.y * nwg.x * WG_SIZE + gid.x;
    if (i >= params.items) { return; }
    let run = i / params.chunks;
    let c = i - run * params.chunks;
    let base = run * params.n;
    let u = chunk[3u * c];
    if (state[base + u] != params.step + 1u) { return; }
    let end = chunk[3u * c + 2u];
    for (var e = chunk[3u * c + 1u]; e < end; e = e + 1u) {
        let v = base + out_dst[e];
        if (state[v] == 0u) {
            atomicAdd(&acc[v], out_q[e]);
        }
    }
}
