// What both files of NetInf's resident greedy share (cascadia.netinf.greedy.*): the uniform
// parameters and the words of the ctrl header. src/netinf/gpu.rs puts this file in front of
// greedy.wgsl and greedy_args.wgsl (WGSL has no include).

struct GreedyParams {   // keep in sync with GreedyParams in src/netinf/gpu.rs
    cutoff: f64,
    limit: u32,
    n_nodes: u32,
    n_cands: u32,
    n_casc: u32,
    m_cand_start: u32,
    m_inc_k: u32,
    m_node_cand: u32,
    m_node_casc: u32,
    m_cand_key: u32,
    m_casc_start: u32,
    m_casc_cand: u32,
    c_list0: u32,
    c_list1: u32,
    c_chosen: u32,
    c_selected: u32,
    c_stamp: u32,
    c_aff: u32,
    u_step: u32,
    u_ch: u32,
    u_delta: u32,
    f_step: u32,
    f_ch: u32,
    f_delta: u32,
    cap_step: u32,
    cap_ch: u32,
    cap_delta: u32,
    kth: u32,
    c_hist: u32,
    _pad2: u32,
    _pad3: u32,
}

// Header words of ctrl (keep in sync with src/netinf/gpu.rs).
const ROUND = 0u;
const PAUSED = 1u;
const COUNT0 = 2u;        // COUNT0 + p: length of active list p
const STEP_USED = 4u;
const CH_USED = 5u;
const D_USED = 6u;
const CH_ROUND = 7u;      // first changed-cascade log entry of this round
const AFF = 8u;           // affected candidates this round
const EVAL_INC = 9u;      // incidences evaluated this round
const EVAL_GAINS = 10u;   // gains evaluated this round
const IDLE = 11u;         // 1: this round does nothing (paused or finished)
const ACTIVE_C = 12u;     // candidates of the active nodes (bounds a round's delta log)
const ACTIVE_K = 13u;     // cascades of the active nodes (bounds a round's change log)
const INC_LO = 14u;       // incidences evaluated, 64 bits
const INC_HI = 15u;
const GAINS_LO = 16u;     // gains evaluated, 64 bits
const GAINS_HI = 17u;
const DEV_CUT = 18u;      // f32 bits: a lower bound on the kth largest step gain so far
const ARGS_PICK = 20u;    // three u32 each: indirect dispatch arguments
const ARGS_UPDATE = 24u;
const ARGS_MARK = 28u;
const ARGS_EVAL = 32u;
const NONE = 0xffffffffu;
const WG = 64u;
