// Loop-truncation self-test (cascadia.gpu.selftest_loop).
//
// Counts `params.iterations` loop iterations in one invocation and writes the count. Debian
// 12's Mesa 22.3 lavapipe silently stops an invocation after 65,535 loop iterations; the host
// (src/gpu/mod.rs, Context::self_test) compares the count with the request and refuses such a
// driver. No CPU twin: the expected output is the iteration count itself.
//
// Bindings: 0 uniform Params, 1 read_write out (u32 count, u32 hash).

struct Params {
    iterations: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(1)
fn main() {
    var count = 0u;
    var hash = 1u;
    for (var i = 0u; i < params.iterations; i = i + 1u) {
        // A data-dependent body, so the compiler cannot fold the loop away.
        hash = hash * 1664525u + 1013904223u;
        count = count + 1u;
    }
    out[0] = count;
    out[1] = hash;
}
