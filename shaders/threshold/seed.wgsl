// Seeds of a batch of linear-threshold runs (cascadia.threshold.seed).
//
// State encoding of every threshold kernel: state[run * n + node] = 0 while inactive, s + 1
// once active at step s (so a zeroed buffer is "nobody active"). One invocation per seed
// cell: state = 1 (step 0). No loop.
// CPU twin: src/threshold/simulate.rs, fn twin (the seeding).
//
// Bindings: 0 uniform RoundParams (items: seed cells), 1 cells (u32), 2 state (u32, updated).

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
@group(0) @binding(1) var<storage, read> cells: array<u32>;
@group(0) @binding(2) var<storage, read_write> state: array<u32>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.y * nwg.x * WG_SIZE + gid.x;
    if (i >= params.items) { return; }
    state[cells[i]] = 1u;
}
