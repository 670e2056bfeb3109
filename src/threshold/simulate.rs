//! Batched simulation of the linear threshold model (spec `threshold.md`, Model and
//! simulation): synchronous rounds from each run's seeds (step 0), many runs at once.
//!
//! A run is a seed set and a threshold draw. The CPU engine walks a frontier: each node's
//! out-edges are touched once, in the round after it activates, adding its units to the
//! inactive targets; only touched nodes are compared with their need. So a run costs
//! O(edges reached), and runs go in parallel over the cores. The GPU engine
//! ([`super::gpu`]) runs every round of a batch of runs in one submission; its CPU twin
//! ([`twin`]) executes the kernels' passes in Rust. All engines compare integers (module
//! docs of [`super`]) and write the same activations.

use rand::SeedableRng;
use rayon::prelude::*;
use serde::Serialize;

use super::{Graph, NEVER};

/// Where each run's thresholds come from.
#[derive(Clone, Debug)]
pub enum ThresholdSource {
    /// The same thresholds in every run (one per node).
    Fixed(Vec<f64>),
    /// `θ_v ~ U[0, 1)` on the 2⁻³² grid, drawn per (draw index, node) from `seed` by an integer
    /// hash (the same on the GPU) — the classic LTM.
    Uniform {
        /// Seed of the draws.
        seed: u64,
    },
}

/// One simulation run.
#[derive(Clone, Debug)]
pub struct Run {
    /// Its id (`cascade_id` of the output).
    pub id: String,
    /// Step-0 nodes (repeats ignored).
    pub seeds: Vec<u32>,
    /// The threshold draw (ignored with fixed thresholds).
    pub draw: u64,
}

/// What one run produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunResult {
    /// New activations per step `0..=steps` (step 0: the distinct seeds).
    pub new_per_step: Vec<u32>,
    /// `(node, step)` sorted by step then node, when asked for.
    pub activations: Vec<(u32, u32)>,
}

/// A 64-bit mix (SplitMix64's finaliser): the draws are a pure function of (seed, draw,
/// node), so every engine and every batch split sees the same thresholds.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// lowbias32 (Wellons): a 32-bit integer hash, the same in WGSL (`activate.wgsl`).
pub fn hash32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// The per-run key of threshold draw `draw` (computed on the host, one u32 per run).
pub fn draw_key(seed: u64, draw: u64) -> u32 {
    (mix64(seed ^ mix64(draw)) >> 32) as u32
}

/// The 32 random bits of node `v` under `key`: θ_v = bits / 2³².
pub fn uniform_bits(key: u32, v: u32) -> u32 {
    hash32(key ^ hash32(v))
}

/// The uniform threshold of node `v` in draw `draw`: θ = h / 2³² ∈ [0, 1), exact in f64.
pub fn uniform_theta(seed: u64, draw: u64, v: u32) -> f64 {
    f64::from(uniform_bits(draw_key(seed, draw), v)) / 4_294_967_296.0
}

/// The unit need of θ = h / 2³² on a node with denominator `den`: ⌈h·den / 2³²⌉ from the exact
/// 64-bit product (the exact rational rule `units/den ≥ θ`; [`super::need`] gives the same
/// through f64 for every den ≤ 2²¹), [`NEVER`] above `max_units`.
pub fn uniform_need(h: u32, den: u32, max_units: u32) -> u32 {
    let m = (u64::from(h) * u64::from(den)).div_ceil(1 << 32) as u32;
    if m > max_units { NEVER } else { m }
}

impl ThresholdSource {
    /// The unit needs of draw `draw` into `out`.
    pub fn needs_into(&self, g: &Graph, draw: u64, out: &mut Vec<u32>) {
        out.clear();
        match self {
            ThresholdSource::Fixed(theta) => out.extend(g.needs(theta)),
            ThresholdSource::Uniform { seed } => {
                let key = draw_key(*seed, draw);
                out.extend((0..g.n_nodes() as u32).map(|v| {
                    uniform_need(
                        uniform_bits(key, v),
                        g.den[v as usize],
                        g.max_units[v as usize],
                    )
                }));
            }
        }
    }

    /// The thresholds of draw `draw`.
    pub fn thetas(&self, n: usize, draw: u64) -> Vec<f64> {
        match self {
            ThresholdSource::Fixed(theta) => theta.clone(),
            ThresholdSource::Uniform { seed } => (0..n as u32)
                .map(|v| uniform_theta(*seed, draw, v))
                .collect(),
        }
    }
}

/// `count` distinct random seeds of run `run` (seeded; sorted).
pub fn random_seeds(n: usize, count: usize, seed: u64, run: u64) -> Vec<u32> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(mix64(seed ^ 0x5EED) ^ mix64(run));
    let mut s: Vec<u32> = rand::seq::index::sample(&mut rng, n, count.min(n))
        .into_iter()
        .map(|i| i as u32)
        .collect();
    s.sort_unstable();
    s
}

/// Per-thread state of the CPU engine: reset by the nodes it touched, so a run costs what it
/// reaches, not `n`.
struct Scratch {
    step_of: Vec<u32>,
    acc: Vec<u32>,
    mark: Vec<bool>,
    seen: Vec<bool>,
    dirty: Vec<u32>,
    needs: Vec<u32>,
    zero_need: Vec<u32>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Scratch {
            step_of: vec![NEVER; n],
            acc: vec![0; n],
            mark: vec![false; n],
            seen: vec![false; n],
            dirty: Vec::new(),
            needs: Vec::new(),
            zero_need: Vec::new(),
        }
    }
}

/// One run on the CPU with unit needs `needs` and the nodes whose need is 0 (they activate
/// at step 1 whatever their neighbours do).
fn run_frontier(
    g: &Graph,
    needs: &[u32],
    zero_need: &[u32],
    seeds: &[u32],
    steps: u32,
    keep: bool,
    s: &mut Scratch,
) -> RunResult {
    let mut out = RunResult {
        new_per_step: vec![0; steps as usize + 1],
        activations: Vec::new(),
    };
    let mut frontier: Vec<u32> = Vec::new();
    for &v in seeds {
        if s.step_of[v as usize] == NEVER {
            s.step_of[v as usize] = 0;
            s.seen[v as usize] = true;
            s.dirty.push(v);
            frontier.push(v);
        }
    }
    frontier.sort_unstable();
    out.new_per_step[0] = frontier.len() as u32;
    if keep {
        out.activations.extend(frontier.iter().map(|&v| (v, 0)));
    }
    let mut cand: Vec<u32> = Vec::new();
    for t in 0..steps {
        cand.clear();
        if t == 0 {
            for &v in zero_need {
                if s.step_of[v as usize] == NEVER && !s.mark[v as usize] {
                    s.mark[v as usize] = true;
                    cand.push(v);
                }
            }
        }
        for &u in &frontier {
            for e in g.out(u) {
                let v = g.out_dst[e] as usize;
                if s.step_of[v] != NEVER {
                    continue;
                }
                if !s.mark[v] {
                    s.mark[v] = true;
                    cand.push(v as u32);
                }
                if !s.seen[v] {
                    s.seen[v] = true;
                    s.dirty.push(v as u32);
                }
                s.acc[v] = s.acc[v].saturating_add(g.out_q[e]);
            }
        }
        frontier.clear();
        for &v in &cand {
            let v = v as usize;
            s.mark[v] = false;
            if needs[v] != NEVER && s.acc[v] >= needs[v] {
                s.step_of[v] = t + 1;
                if !s.seen[v] {
                    s.seen[v] = true;
                    s.dirty.push(v as u32);
                }
                frontier.push(v as u32);
            }
        }
        frontier.sort_unstable();
        out.new_per_step[t as usize + 1] = frontier.len() as u32;
        if keep {
            out.activations.extend(frontier.iter().map(|&v| (v, t + 1)));
        }
        if frontier.is_empty() {
            break;
        }
    }
    for &v in &s.dirty {
        s.step_of[v as usize] = NEVER;
        s.acc[v as usize] = 0;
        s.seen[v as usize] = false;
    }
    s.dirty.clear();
    out
}

/// Simulates every run on the CPU (all cores), `steps` rounds after the seeds.
pub fn simulate_cpu(
    g: &Graph,
    source: &ThresholdSource,
    runs: &[Run],
    steps: u32,
    keep: bool,
) -> Vec<RunResult> {
    let n = g.n_nodes();
    let fixed = match source {
        ThresholdSource::Fixed(_) => {
            let mut needs = Vec::new();
            source.needs_into(g, 0, &mut needs);
            Some(needs)
        }
        ThresholdSource::Uniform { .. } => None,
    };
    let fixed_zero: Vec<u32> = fixed
        .as_ref()
        .map(|nd| (0..n as u32).filter(|&v| nd[v as usize] == 0).collect())
        .unwrap_or_default();
    runs.par_iter()
        .map_init(
            || Scratch::new(n),
            |s, run| {
                if let Some(needs) = &fixed {
                    return run_frontier(g, needs, &fixed_zero, &run.seeds, steps, keep, s);
                }
                let mut needs = std::mem::take(&mut s.needs);
                source.needs_into(g, run.draw, &mut needs);
                let mut zero = std::mem::take(&mut s.zero_need);
                zero.clear();
                zero.extend((0..n as u32).filter(|&v| needs[v as usize] == 0));
                let r = run_frontier(g, &needs, &zero, &run.seeds, steps, keep, s);
                s.needs = needs;
                s.zero_need = zero;
                r
            },
        )
        .collect()
}

/// The brute-force reference: every step, every inactive node's influence recomputed from
/// all its in-edges as an f64 fraction and compared with θ (the spec's rule, read literally).
pub fn reference(g: &Graph, theta: &[f64], seeds: &[u32], steps: u32) -> Vec<(u32, u32)> {
    let n = g.n_nodes();
    let mut step_of = vec![NEVER; n];
    for &s in seeds {
        step_of[s as usize] = 0;
    }
    for t in 0..steps {
        let mut new = Vec::new();
        for v in 0..n as u32 {
            if step_of[v as usize] != NEVER {
                continue;
            }
            let units: u64 = g
                .inn(v)
                .filter(|&e| step_of[g.in_src[e] as usize] <= t)
                .map(|e| u64::from(g.in_q[e]))
                .sum();
            if g.influence(v, units) >= theta[v as usize] {
                new.push(v);
            }
        }
        for v in new {
            step_of[v as usize] = t + 1;
        }
    }
    let mut out: Vec<(u32, u32)> = (0..n as u32)
        .filter(|&v| step_of[v as usize] != NEVER)
        .map(|v| (v, step_of[v as usize]))
        .collect();
    out.sort_unstable_by_key(|&(v, s)| (s, v));
    out
}

/// Edge chunks of the spread kernel: `(node, first edge, end)`, at most `max_len` edges each,
/// every node with out-edges in order (the loop limit of one invocation).
pub fn chunks(g: &Graph, max_len: u32) -> Vec<[u32; 3]> {
    let mut out = Vec::new();
    for u in 0..g.n_nodes() as u32 {
        let (mut a, b) = (g.out_ptr[u as usize], g.out_ptr[u as usize + 1]);
        while a < b {
            let e = (a + max_len).min(b);
            out.push([u, a, e]);
            a = e;
        }
    }
    out
}

/// What the activate kernel reads to find a node's need: fixed needs (mode 0) or one draw
/// key per run (mode 1).
#[derive(Clone, Copy, Debug)]
pub enum NeedSource<'a> {
    /// The same needs in every run.
    Fixed(&'a [u32]),
    /// Uniform draws: the key of each run.
    Keys(&'a [u32]),
}

/// The kernels' CPU twin: a batch's state as the device holds it (run-major; 0 inactive,
/// s + 1 active since step s), advanced by the passes of `spread.wgsl` and `activate.wgsl`
/// per round after `seed.wgsl`.
pub fn twin(
    g: &Graph,
    chunk_list: &[[u32; 3]],
    needs: NeedSource<'_>,
    seeds: &[Vec<u32>],
    steps: u32,
) -> Vec<u32> {
    let n = g.n_nodes();
    let runs = seeds.len();
    let mut state = vec![0u32; n * runs];
    for (r, s) in seeds.iter().enumerate() {
        for &v in s {
            state[r * n + v as usize] = 1;
        }
    }
    let mut acc = vec![0u32; state.len()];
    for t in 0..steps {
        // spread: one invocation per (run, chunk).
        for r in 0..runs {
            let base = r * n;
            for &[u, a, b] in chunk_list {
                if state[base + u as usize] != t + 1 {
                    continue;
                }
                for e in a as usize..b as usize {
                    let v = base + g.out_dst[e] as usize;
                    if state[v] == 0 {
                        acc[v] = acc[v].wrapping_add(g.out_q[e]);
                    }
                }
            }
        }
        // activate: one invocation per (run, node).
        for i in 0..state.len() {
            if state[i] != 0 {
                continue;
            }
            let (r, v) = (i / n, i % n);
            let k = match needs {
                NeedSource::Fixed(nd) => nd[v],
                NeedSource::Keys(keys) => {
                    uniform_need(uniform_bits(keys[r], v as u32), g.den[v], g.max_units[v])
                }
            };
            if k != NEVER && acc[i] >= k {
                state[i] = t + 2;
            }
        }
    }
    state
}

/// Results of a batch from its final state (run-major, the kernels' encoding), as the CPU
/// engine reports them.
pub fn results_from_state(state: &[u32], n: usize, steps: u32, keep: bool) -> Vec<RunResult> {
    if n == 0 {
        return Vec::new();
    }
    state
        .par_chunks(n)
        .map(|st| {
            let mut r = RunResult {
                new_per_step: vec![0; steps as usize + 1],
                activations: Vec::new(),
            };
            for (v, &s) in st.iter().enumerate() {
                if s != 0 {
                    r.new_per_step[s as usize - 1] += 1;
                    if keep {
                        r.activations.push((v as u32, s - 1));
                    }
                }
            }
            if keep {
                r.activations.sort_unstable_by_key(|&(v, s)| (s, v));
            }
            r
        })
        .collect()
}

/// Spread per step over all runs.
#[derive(Clone, Debug, Serialize)]
pub struct StepSummary {
    /// The step.
    pub step: u32,
    /// Mean new activations.
    pub mean_new: f64,
    /// Mean active nodes so far.
    pub mean_active: f64,
    /// 5 %, 50 % and 95 % quantiles of the active nodes so far (nearest rank).
    pub q05: u32,
    /// Median active so far.
    pub q50: u32,
    /// 95 % quantile.
    pub q95: u32,
}

/// Per-step summary of many runs.
pub fn summarise(results: &[RunResult], steps: u32) -> Vec<StepSummary> {
    let mut cum: Vec<u32> = vec![0; results.len()];
    let mut out = Vec::new();
    for t in 0..=steps as usize {
        let mut new_sum = 0f64;
        for (c, r) in cum.iter_mut().zip(results) {
            let k = r.new_per_step.get(t).copied().unwrap_or(0);
            *c += k;
            new_sum += f64::from(k);
        }
        let mut sorted = cum.clone();
        sorted.sort_unstable();
        let q = |p: f64| -> u32 {
            if sorted.is_empty() {
                return 0;
            }
            let k = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
            sorted[k - 1]
        };
        let len = results.len().max(1) as f64;
        out.push(StepSummary {
            step: t as u32,
            mean_new: new_sum / len,
            mean_active: cum.iter().map(|&c| f64::from(c)).sum::<f64>() / len,
            q05: q(0.05),
            q50: q(0.5),
            q95: q(0.95),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threshold::Weights;
    use proptest::prelude::*;
    use rand::Rng;

    pub(crate) fn random_graph(n: usize, p: f64, seed: u64, weights: Weights) -> Graph {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut edges = Vec::new();
        for u in 0..n as u32 {
            for v in 0..n as u32 {
                if u != v && rng.random::<f64>() < p {
                    edges.push((u, v, rng.random_range(0.1..3.0)));
                }
            }
        }
        Graph::from_edges((0..n).map(|i| i.to_string()).collect(), &edges, weights).unwrap()
    }

    fn all_engines(g: &Graph, theta: &[f64], seeds: &[u32], steps: u32) {
        let want = reference(g, theta, seeds, steps);
        let runs = [Run {
            id: "r".into(),
            seeds: seeds.to_vec(),
            draw: 0,
        }];
        let got = simulate_cpu(
            g,
            &ThresholdSource::Fixed(theta.to_vec()),
            &runs,
            steps,
            true,
        );
        assert_eq!(got[0].activations, want, "frontier vs reference");
        let need = g.needs(theta);
        let st = twin(
            g,
            &chunks(g, 3),
            NeedSource::Fixed(&need),
            &[seeds.to_vec()],
            steps,
        );
        let tw = results_from_state(&st, g.n_nodes(), steps, true);
        assert_eq!(tw[0].activations, want, "twin vs reference");
        assert_eq!(tw[0].new_per_step, got[0].new_per_step);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn frontier_and_twin_equal_the_reference(seed in 0u64..10_000, n in 1usize..25, p in 0.0f64..0.5, column in any::<bool>(), steps in 0u32..6) {
            let w = if column { Weights::Column } else { Weights::Uniform };
            let g = random_graph(n, p, seed, w);
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 7);
            // Thresholds on the grid of reachable fractions hit ties exactly.
            let theta: Vec<f64> = (0..n).map(|_| match rng.random_range(0..6) {
                0 => 0.0,
                1 => f64::INFINITY,
                2 => f64::from(rng.random_range(1..4u32)) / f64::from(rng.random_range(1..5u32)),
                _ => rng.random::<f64>(),
            }).collect();
            let seeds: Vec<u32> = (0..n as u32).filter(|_| rng.random::<f64>() < 0.2).collect();
            all_engines(&g, &theta, &seeds, steps);
        }
    }

    #[test]
    fn integer_uniform_needs_equal_the_f64_rule() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        for _ in 0..200_000 {
            let h: u32 = if rng.random::<bool>() {
                rng.random()
            } else {
                rng.random_range(0..64) << 26
            };
            let den: u32 = if rng.random::<bool>() {
                rng.random_range(1..50)
            } else {
                rng.random_range(1..(1 << 21))
            };
            let theta = f64::from(h) / 4_294_967_296.0;
            assert_eq!(
                uniform_need(h, den, den),
                crate::threshold::need(theta, den, den),
                "h {h} den {den}"
            );
        }
        let c = crate::threshold::COLUMN_UNITS;
        for h in [0u32, 1, 2, 3, u32::MAX, u32::MAX - 1, 1 << 31] {
            let theta = f64::from(h) / 4_294_967_296.0;
            assert_eq!(
                uniform_need(h, c, c - 3),
                crate::threshold::need(theta, c, c - 3),
                "column h {h}"
            );
        }
    }

    #[test]
    fn zero_infinite_and_tiny_thresholds() {
        // A path 0 → 1 → 2 → 3 and an isolated pair 4 → 5.
        let edges = [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (4, 5, 1.0)];
        let g = Graph::from_edges(
            (0..6).map(|i| i.to_string()).collect(),
            &edges,
            Weights::Uniform,
        )
        .unwrap();
        let runs = [Run {
            id: "a".into(),
            seeds: vec![0],
            draw: 0,
        }];
        let sim = |theta: f64| {
            simulate_cpu(&g, &ThresholdSource::Fixed(vec![theta; 6]), &runs, 10, true)[0]
                .activations
                .clone()
        };
        // θ → 0⁺: one hop per step along what the seed reaches.
        assert_eq!(sim(f64::MIN_POSITIVE), vec![(0, 0), (1, 1), (2, 2), (3, 3)]);
        // θ = +∞: nobody.
        assert_eq!(sim(f64::INFINITY), vec![(0, 0)]);
        // θ = 0 (ties activate, I = 0 ≥ 0): every other node at step 1.
        assert_eq!(
            sim(0.0),
            vec![(0, 0), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]
        );
    }

    #[test]
    fn column_weights_are_normalised_per_target() {
        // 0 → 2 with weight 1, 1 → 2 with weight 3: 2 gets 1/4 from 0 alone.
        let edges = [(0, 2, 1.0), (1, 2, 3.0)];
        let g = Graph::from_edges(
            (0..3).map(|i| i.to_string()).collect(),
            &edges,
            Weights::Column,
        )
        .unwrap();
        let runs = [Run {
            id: "a".into(),
            seeds: vec![0],
            draw: 0,
        }];
        let at = |theta: f64| {
            simulate_cpu(&g, &ThresholdSource::Fixed(vec![theta; 3]), &runs, 2, true)[0]
                .activations
                .len()
        };
        assert_eq!(at(0.25), 2);
        assert_eq!(at(0.2500001), 1);
    }

    #[test]
    fn uniform_draws_are_engine_independent() {
        let g = random_graph(60, 0.1, 3, Weights::Uniform);
        let src = ThresholdSource::Uniform { seed: 9 };
        let runs: Vec<Run> = (0..20)
            .map(|r| Run {
                id: r.to_string(),
                seeds: random_seeds(60, 5, 1, r),
                draw: r,
            })
            .collect();
        let cpu = simulate_cpu(&g, &src, &runs, 6, true);
        let n = g.n_nodes();
        let keys: Vec<u32> = runs.iter().map(|r| draw_key(9, r.draw)).collect();
        let seeds: Vec<Vec<u32>> = runs.iter().map(|r| r.seeds.clone()).collect();
        let st = twin(&g, &chunks(&g, 2), NeedSource::Keys(&keys), &seeds, 6);
        assert_eq!(results_from_state(&st, n, 6, true), cpu);
        let s = summarise(&cpu, 6);
        assert_eq!(s[0].mean_new, 5.0);
        assert!(s.windows(2).all(|w| w[1].mean_active >= w[0].mean_active));
    }
}
