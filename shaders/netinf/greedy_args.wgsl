// The single-invocation steps of NetInf's resident greedy rounds (cascadia.netinf.greedy.*):
// begin and the indirect arguments of the kernels of shaders/netinf/greedy.wgsl (see its
// header for the round). A separate file because these kernels write the indirect-argument
// buffer, which the dispatches that read it may not bind.
//
// Bindings: 0 uniform GreedyParams; 1 ctrl (atomic u32, as in greedy.wgsl); 2 args (u32:
// x, y, z workgroup counts at ARGS_PICK, ARGS_UPDATE, ARGS_MARK, ARGS_EVAL).

// GreedyParams and the ctrl header words: greedy_common.wgsl, put in front of this file.

@group(0) @binding(0) var<uniform> P: GreedyParams;
@group(0) @binding(1) var<storage, read_write> ctrl: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> args: array<u32>;

// Indirect arguments for `items` work items at `per` per workgroup (2-D past 65,535).
fn set_args(at: u32, items: u32, per: u32) {
    let groups = (items + per - 1u) / per;
    var x = groups;
    var y = 1u;
    if (groups > 65535u) {
        x = 65535u;
        y = (groups + 65534u) / 65535u;
    }
    args[at] = x;
    args[at + 1u] = y;
    args[at + 2u] = 1u;
}

fn add64(lo: u32, hi: u32, v: u32) {
    let a = atomicLoad(&ctrl[lo]);
    let s = a + v;
    atomicStore(&ctrl[lo], s);
    if (s < a) { atomicStore(&ctrl[hi], atomicLoad(&ctrl[hi]) + 1u); }
}

var<workgroup> sh_cum: array<u32, 256>;

@compute @workgroup_size(256)
fn begin(@builtin(local_invocation_id) lid: vec3<u32>) {
    // Device cutoff from the histogram (1,024 buckets, see bucket() in greedy.wgsl): with kth
    // step gains in buckets >= q, the kth largest step gain g has f32(g) >= L, the lower edge
    // of bucket q, so g > the f32 just below L (whichever way f32() rounds): a valid lower
    // bound, raised every round. Invocation t sums buckets 1023 - 4t - 3 ..= 1023 - 4t.
    if (P.kth > 0u) {
        let top = 1023u - 4u * lid.x;
        var mine = 0u;
        for (var j = 0u; j < 4u; j = j + 1u) {
            mine = mine + atomicLoad(&ctrl[P.c_hist + top - j]);
        }
        sh_cum[lid.x] = mine;
        for (var o = 1u; o < 256u; o = o * 2u) {
            workgroupBarrier();
            let v = select(0u, sh_cum[lid.x - min(o, lid.x)], lid.x >= o);
            workgroupBarrier();
            sh_cum[lid.x] = sh_cum[lid.x] + v;
        }
        workgroupBarrier();
        var before = select(0u, sh_cum[lid.x - min(1u, lid.x)], lid.x > 0u);
        if (sh_cum[lid.x] >= P.kth && before < P.kth) {
            for (var j = 0u; j < 4u; j = j + 1u) {
                before = before + atomicLoad(&ctrl[P.c_hist + top - j]);
                if (before >= P.kth) {
                    let q = top - j;
                    if (q > 0u) { atomicMax(&ctrl[DEV_CUT], (q << 21u) - 1u); }
                    break;
                }
            }
        }
    }
    if (lid.x != 0u) { return; }
    add64(INC_LO, INC_HI, atomicLoad(&ctrl[EVAL_INC]));
    add64(GAINS_LO, GAINS_HI, atomicLoad(&ctrl[EVAL_GAINS]));
    atomicStore(&ctrl[EVAL_INC], 0u);
    atomicStore(&ctrl[EVAL_GAINS], 0u);
    let r = atomicLoad(&ctrl[ROUND]) + 1u;
    let p = r & 1u;
    let n_active = atomicLoad(&ctrl[COUNT0 + p]);
    var idle = atomicLoad(&ctrl[PAUSED]) == 1u || n_active == 0u || r > P.limit;
    if (!idle) {
        let full = atomicLoad(&ctrl[STEP_USED]) + n_active > P.cap_step
            || atomicLoad(&ctrl[CH_USED]) + atomicLoad(&ctrl[ACTIVE_K]) > P.cap_ch
            || atomicLoad(&ctrl[D_USED]) + atomicLoad(&ctrl[ACTIVE_C]) > P.cap_delta;
        if (full) {
            atomicStore(&ctrl[PAUSED], 1u);
            idle = true;
        }
    }
    if (idle) {
        atomicStore(&ctrl[IDLE], 1u);
        set_args(ARGS_PICK, 0u, 1u);
        return;
    }
    atomicStore(&ctrl[IDLE], 0u);
    atomicStore(&ctrl[ROUND], r);
    atomicStore(&ctrl[COUNT0 + (1u - p)], 0u);
    set_args(ARGS_PICK, n_active, 1u);
}

@compute @workgroup_size(1)
fn args_update() {
    if (atomicLoad(&ctrl[IDLE]) == 1u) {
        set_args(ARGS_UPDATE, 0u, WG);
        return;
    }
    let p = atomicLoad(&ctrl[ROUND]) & 1u;
    atomicStore(&ctrl[CH_ROUND], atomicLoad(&ctrl[CH_USED]));
    set_args(ARGS_UPDATE, atomicLoad(&ctrl[COUNT0 + (1u - p)]), WG);
}

@compute @workgroup_size(1)
fn args_mark() {
    atomicStore(&ctrl[AFF], 0u);
    if (atomicLoad(&ctrl[IDLE]) == 1u) {
        set_args(ARGS_MARK, 0u, WG);
        return;
    }
    set_args(ARGS_MARK, atomicLoad(&ctrl[CH_USED]) - atomicLoad(&ctrl[CH_ROUND]), WG);
}

@compute @workgroup_size(1)
fn args_eval() {
    if (atomicLoad(&ctrl[IDLE]) == 1u) {
        set_args(ARGS_EVAL, 0u, WG);
        return;
    }
    set_args(ARGS_EVAL, atomicLoad(&ctrl[AFF]), WG);
}

