// NetInf's per-node greedies, resident on the device (cascadia.netinf.greedy.*).
//
// Spec netinf.md, Key structure: each target node runs its own greedy over its candidate
// parents; this file runs the greedies of a whole batch of nodes in lock-step rounds without
// the host: a round is eight dispatches (begin, pick, args_update, update, args_mark, mark,
// args_eval, evaluate; begin and the args_* kernels are in greedy_args.wgsl), all but the
// single-invocation ones sized by the one before them (indirect dispatch), all in one
// compute pass, and a command buffer holds many rounds. CPU twin: the state machine
// src/netinf/cpu/greedy.rs (NodeGreedy::next = pick + update + mark, NodeGreedy::apply =
// evaluate), with the gain of cpu/gains.rs (NodeProblem::gain): same selections, same
// gains bit for bit.
//
// Round r (1, 2, ...): the nodes of active list p = r & 1 (those that stepped in round r - 1)
//  - begin: raises the device cutoff from the histogram of step gains (exact: a lower bound
//    on the k-th largest step of all nodes), folds the evaluation counters, pauses when the
//    logs could overflow this round (the host drains them and resumes), stops when no node
//    is active or r > limit;
//  - pick: one workgroup per active node: argmax over its unselected candidates with a
//    positive gain of (gain, then the smaller tie key): the heap's pop. A gain below the
//    cutoff (a lower bound on the k-th largest step gain of all nodes) ends the node;
//  - update: one invocation per stepped node: best_c(v) = max(best, w) over the chosen
//    candidate's incidences, in incidence order; the changed ones are logged (incidence,
//    improvement) for the host's statistics and for mark;
//  - mark: one invocation per changed cascade: every candidate present in it is stamped
//    with r; the first stamp appends it to the affected list (each candidate once);
//  - evaluate: one invocation per affected candidate: its gain from scratch in incidence
//    order (the twin's order of additions); a changed gain is stored and logged.
// The logs are append-only (atomic counters); the host reads them after the command buffer
// and puts them in node and round order, so the order of appends never shows.
//
// Precision: f64, exact: only subtractions, comparisons and additions (no multiply, so no
// FMA can form), each correctly rounded as Vulkan requires, in the twin's order.
// Loops: a workgroup walks its node's candidates (stride 64), an invocation walks one
// candidate's incidences or one cascade's candidates: bounded by the host (candidates with
// more than MAX_CANDIDATE_INCIDENCES incidences keep their node on the host).
//
// Bindings: 0 uniform GreedyParams; 1 mdata (u32, read: cand_start, inc_k, node_cand,
// node_casc, cand_key, casc_start, casc_cand at the offsets of the params); 2 inc_w (f64,
// read); 3 best (f64, best_c(v) of every cascade of every node); 4 gain (f64 per candidate);
// 5 ctrl (atomic u32: header, indirect arguments, active lists, chosen, selected, stamp,
// affected, step-gain histogram); 6 logu (u32 logs); 7 logf (f64 logs).

// GreedyParams and the ctrl header words: greedy_common.wgsl, put in front of this file.

@group(0) @binding(0) var<uniform> P: GreedyParams;
@group(0) @binding(1) var<storage, read> mdata: array<u32>;
@group(0) @binding(2) var<storage, read> inc_w: array<f64>;
@group(0) @binding(3) var<storage, read_write> best: array<f64>;
@group(0) @binding(4) var<storage, read_write> gain: array<f64>;
@group(0) @binding(5) var<storage, read_write> ctrl: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> logu: array<u32>;
@group(0) @binding(7) var<storage, read_write> logf: array<f64>;

// The histogram bucket (0..1,023) of a positive gain: the top ten bits of its f32
// rounding (exponent and two mantissa bits: four buckets per octave, monotonic in g).
fn bucket(g: f64) -> u32 {
    return bitcast<u32>(f32(min(g, 1e38lf))) >> 21u;
}

// The gain of candidate c under the current best: Σ max(0, w - best) in incidence order.
fn gain_of(c: u32) -> f64 {
    let end = mdata[P.m_cand_start + c + 1u];
    var g = 0.0lf;
    for (var e = mdata[P.m_cand_start + c]; e < end; e = e + 1u) {
        let d = inc_w[e] - best[mdata[P.m_inc_k + e]];
        if (d > 0.0lf) { g = g + d; }
    }
    return g;
}

// Initial gains of every candidate (direct dispatch, one invocation each).
@compute @workgroup_size(64)
fn init_gains(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let c = gid.y * nwg.x * WG + gid.x;
    if (c >= P.n_cands) { return; }
    gain[c] = gain_of(c);
}

var<workgroup> sh_g: array<f64, 64>;
var<workgroup> sh_k: array<u32, 64>;
var<workgroup> sh_c: array<u32, 64>;
var<workgroup> sh_n: u32;

// a beats b: larger gain, then smaller tie key (no candidate: key NONE, gain -1).
fn beats(ga: f64, ka: u32, gb: f64, kb: u32) -> bool {
    return ga > gb || (ga == gb && ka < kb);
}

@compute @workgroup_size(64)
fn pick(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = atomicLoad(&ctrl[ROUND]);
    let p = r & 1u;
    if (lid.x == 0u) { sh_n = atomicLoad(&ctrl[COUNT0 + p]); }
    let n = workgroupUniformLoad(&sh_n);
    let g = wid.y * nwg.x + wid.x;
    if (g >= n) { return; }
    var list = P.c_list0;
    var next = P.c_list1;
    if (p == 1u) { list = P.c_list1; next = P.c_list0; }
    let node = atomicLoad(&ctrl[list + g]);
    let c1 = mdata[P.m_node_cand + node + 1u];
    var bg = -1.0lf;
    var bk = NONE;
    var bc = NONE;
    for (var c = mdata[P.m_node_cand + node] + lid.x; c < c1; c = c + WG) {
        if (atomicLoad(&ctrl[P.c_selected + c]) == 0u) {
            let gc = gain[c];
            let kc = mdata[P.m_cand_key + c];
            if (gc > 0.0lf && beats(gc, kc, bg, bk)) {
                bg = gc;
                bk = kc;
                bc = c;
            }
        }
    }
    sh_g[lid.x] = bg;
    sh_k[lid.x] = bk;
    sh_c[lid.x] = bc;
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
        workgroupBarrier();
        if (lid.x < s) {
            let o = lid.x + s;
            if (beats(sh_g[o], sh_k[o], sh_g[lid.x], sh_k[lid.x])) {
                sh_g[lid.x] = sh_g[o];
                sh_k[lid.x] = sh_k[o];
                sh_c[lid.x] = sh_c[o];
            }
        }
    }
    if (lid.x == 0u) {
        let c = sh_c[0];
        let cutoff = max(P.cutoff, f64(bitcast<f32>(atomicLoad(&ctrl[DEV_CUT]))));
        if (c != NONE && sh_g[0] >= cutoff) {
            atomicStore(&ctrl[P.c_selected + c], 1u);
            atomicStore(&ctrl[P.c_chosen + node], c);
            let slot = atomicAdd(&ctrl[COUNT0 + (1u - p)], 1u);
            atomicStore(&ctrl[next + slot], node);
        } else {
            // The node's greedy is over: its candidates and cascades leave the log bounds.
            let nc = mdata[P.m_node_cand + node + 1u] - mdata[P.m_node_cand + node];
            let nk = mdata[P.m_node_casc + node + 1u] - mdata[P.m_node_casc + node];
            atomicSub(&ctrl[ACTIVE_C], nc);
            atomicSub(&ctrl[ACTIVE_K], nk);
        }
    }
}

@compute @workgroup_size(64)
fn update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = gid.y * nwg.x * WG + gid.x;
    let r = atomicLoad(&ctrl[ROUND]);
    let p = r & 1u;
    if (t >= atomicLoad(&ctrl[COUNT0 + (1u - p)])) { return; }
    var next = P.c_list1;
    if (p == 1u) { next = P.c_list0; }
    let node = atomicLoad(&ctrl[next + t]);
    let c = atomicLoad(&ctrl[P.c_chosen + node]);
    let e0 = mdata[P.m_cand_start + c];
    let e1 = mdata[P.m_cand_start + c + 1u];
    var n = 0u;
    for (var e = e0; e < e1; e = e + 1u) {
        if (inc_w[e] > best[mdata[P.m_inc_k + e]]) { n = n + 1u; }
    }
    let base = atomicAdd(&ctrl[CH_USED], n);
    let s = atomicAdd(&ctrl[STEP_USED], 1u);
    logu[P.u_step + 5u * s] = node;
    logu[P.u_step + 5u * s + 1u] = r;
    logu[P.u_step + 5u * s + 2u] = c;
    logu[P.u_step + 5u * s + 3u] = base;
    logu[P.u_step + 5u * s + 4u] = n;
    logf[P.f_step + s] = gain[c];
    atomicAdd(&ctrl[P.c_hist + bucket(gain[c])], 1u);
    var j = base;
    for (var e = e0; e < e1; e = e + 1u) {
        let k = mdata[P.m_inc_k + e];
        let w = inc_w[e];
        let b = best[k];
        if (w > b) {
            logu[P.u_ch + j] = e;
            logf[P.f_ch + j] = w - b;
            best[k] = w;
            j = j + 1u;
        }
    }
}

@compute @workgroup_size(64)
fn mark(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = gid.y * nwg.x * WG + gid.x;
    let first = atomicLoad(&ctrl[CH_ROUND]);
    if (t >= atomicLoad(&ctrl[CH_USED]) - first) { return; }
    let r = atomicLoad(&ctrl[ROUND]);
    let k = mdata[P.m_inc_k + logu[P.u_ch + first + t]];
    let q1 = mdata[P.m_casc_start + k + 1u];
    for (var q = mdata[P.m_casc_start + k]; q < q1; q = q + 1u) {
        let j = mdata[P.m_casc_cand + q];
        if (atomicExchange(&ctrl[P.c_stamp + j], r) != r) {
            let a = atomicAdd(&ctrl[AFF], 1u);
            atomicStore(&ctrl[P.c_aff + a], j);
        }
    }
}

@compute @workgroup_size(64)
fn evaluate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = gid.y * nwg.x * WG + gid.x;
    if (t >= atomicLoad(&ctrl[AFF])) { return; }
    let r = atomicLoad(&ctrl[ROUND]);
    let j = atomicLoad(&ctrl[P.c_aff + t]);
    let g = gain_of(j);
    atomicAdd(&ctrl[EVAL_INC], mdata[P.m_cand_start + j + 1u] - mdata[P.m_cand_start + j]);
    atomicAdd(&ctrl[EVAL_GAINS], 1u);
    // Gains are sums of positive terms from +0.0: never NaN or -0.0, so != is a bit test.
    if (g != gain[j]) {
        gain[j] = g;
        let s = atomicAdd(&ctrl[D_USED], 1u);
        logu[P.u_delta + 2u * s] = j;
        logu[P.u_delta + 2u * s + 1u] = r;
        logf[P.f_delta + s] = g;
    }
}
