// New activations per run and step (cascadia.threshold.count): the read-back of a batch that
// keeps no activations. One invocation per (run, node): an active cell adds 1 to
// counts[run * (steps + 1) + s]; every cell's state and accumulator are then zeroed, so the
// next batch reuses the buffers. Integer atomics: deterministic. No loop.
// CPU twin: src/threshold/simulate.rs, fn results_from_state (the per-step counts).
//
// Bindings: 0 uniform RoundParams (items: cells, steps), 1 state (u32, cleared), 2 acc (u32,
// cleared), 3 counts (atomic u32).

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
@group(0) @binding(1) var<storage, read_write> state: array<u32>;
@group(0) @binding(2) var<storage, read_write> acc: array<u32>;
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.y * nwg.x * WG_SIZE + gid.x;
    if (i >= params.items) { return; }
    let s = state[i];
    state[i] = 0u;
    acc[i] = 0u;
    if (s == 0u) { return; }
    let run = i / params.n;
    atomicAdd(&counts[run * (params.steps + 1u) + s - 1u], 1u);
}
