//! NetInf on the GPU: the gains kernel vs its CPU twin vs the f64 per-node reference (all
//! three equal bit for bit: the kernel is exact f64 add/sub/compare, see
//! `shaders/netinf/gains.wgsl`), and the resident GPU engine (`shaders/netinf/greedy.wgsl`)
//! vs the CPU engine on every fixture, both weightings and tie rules, adversarial and random
//! data, tiny batches, logs so small that the device pauses every round for the host, and
//! host nodes; its counters against the CPU engine's.

use cascadia::Backend;
use cascadia::cascade::NodeCascades;
use cascadia::netinf::cpu::gains::{NodeIndex, NodeProblem, NodeScratch, gains};
use cascadia::netinf::gpu::{DeviceBatch, HOST, pack};
use cascadia::netinf::{self, GpuOptions, Model, NetInfParams, Ties, Weights};
use cascadia::progress::NoProgress;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::netinf::{FIXTURES, load};
use crate::util::gpu;

fn problems(data: &NodeCascades, params: &NetInfParams) -> Vec<NodeProblem> {
    let n = data.n_nodes();
    let index = NodeIndex::build(&data.cascades, n);
    let mut scratch = NodeScratch::default();
    (0..n as u32)
        .map(|v| {
            let mut p = NodeProblem::default();
            p.build(
                v,
                &data.cascades,
                &index,
                &crate::util::valid(params),
                &mut scratch,
            );
            p
        })
        .collect()
}

/// Adversarial cascades: exact ties in time (hence in gain), month-long and astronomically
/// long delays (Rayleigh's log-density overflows to −∞ at 1e200 s), nodes in a single
/// cascade, and a node (2,999) reached last in 1,000 cascades of 3 random earlier nodes:
/// thousands of candidates.
fn adversarial() -> NodeCascades {
    let mut rng = StdRng::seed_from_u64(5);
    let n = 3_000u32;
    let mut cs: Vec<Vec<(u32, f64)>> = Vec::new();
    for _ in 0..1_000 {
        let mut c: Vec<(u32, f64)> = (0..3)
            .map(|i| (rng.random_range(100..2_990), f64::from(i)))
            .collect();
        c.push((2_999, 3.0));
        cs.push(c);
    }
    for _ in 0..300 {
        let len = rng.random_range(1..40);
        let c: Vec<(u32, f64)> = (0..len)
            .map(|_| {
                let v = rng.random_range(0..60);
                let t = match rng.random_range(0..4) {
                    0 => f64::from(rng.random_range(0..4u32)), // ties
                    1 => rng.random_range(0.0..2.6e6),         // a month
                    2 => rng.random_range(0.0..10.0),
                    _ => 1e200 * rng.random_range(0.0..1.0), // overflow in ray
                };
                (v, t)
            })
            .collect();
        cs.push(c);
    }
    cs.push(vec![(2_999, 1.0), (2_998, 2.0)]);
    NodeCascades::from_cascades(n as usize, &cs).expect("valid cascades")
}

fn param_grid() -> Vec<NetInfParams> {
    let mut out = Vec::new();
    for (model, alpha) in [(Model::Exp, 1.0), (Model::Pow, 2.0), (Model::Ray, 0.7)] {
        for weights in [
            Weights::Snap { epsilon: 1e-64 },
            Weights::Paper {
                beta: 0.5,
                epsilon: 1e-10,
            },
        ] {
            out.push(NetInfParams {
                model,
                alpha,
                weights,
                ..Default::default()
            });
        }
    }
    out
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gains_kernel_equals_twin_equals_reference_bit_for_bit() {
    let ctx = gpu();
    if !ctx.has_f64() {
        eprintln!("skipped: adapter without SHADER_F64 ({})", ctx.describe());
        return;
    }
    let data = adversarial();
    let mut rng = StdRng::seed_from_u64(11);
    let mut host_seen = 0;
    for params in param_grid() {
        let probs = problems(&data, &params);
        // Segments of 1,000 incidences: several segments per batch. Candidates with a −∞
        // weight (Rayleigh at 1e200 s) or into a node with a −∞ initial best go to the host.
        for seg_cap in [1_000usize, 1 << 20] {
            let batch = pack(&probs, seg_cap);
            assert!(
                seg_cap > 1_000 || batch.segments.len() > 3,
                "small segments split the batch ({} segments)",
                batch.segments.len()
            );
            host_seen += batch.seg_of.iter().filter(|&&s| s == HOST).count();
            // A best array perturbed from the initial one, as after some greedy steps.
            let mut best: Vec<f64> = probs
                .iter()
                .flat_map(|p| p.init_best.iter().copied())
                .collect();
            for b in best.iter_mut() {
                if rng.random_bool(0.3) {
                    *b += rng.random_range(0.0..200.0);
                }
            }
            let dev = DeviceBatch::upload(&ctx, &batch, &best).expect("upload");
            // All candidates, then random lists (with repeats and in any order).
            let all = dev.gains(&ctx, None).expect("GPU gains");
            let lists: Vec<Vec<u32>> = batch
                .segments
                .iter()
                .map(|s| {
                    let n = s.n_candidates() as u32;
                    (0..rng.random_range(0..n + 1))
                        .map(|_| rng.random_range(0..n))
                        .collect()
                })
                .collect();
            let listed = dev.gains(&ctx, Some(&lists)).expect("GPU gains");
            let mut twin = Vec::new();
            for (s, seg) in batch.segments.iter().enumerate() {
                gains(seg, &best, None, &mut twin);
                assert_eq!(bits(&all[s]), bits(&twin), "segment {s}: all candidates");
                gains(seg, &best, Some(&lists[s]), &mut twin);
                assert_eq!(bits(&listed[s]), bits(&twin), "segment {s}: listed");
            }
            // The twin equals the f64 per-node reference (the CPU engine's arithmetic).
            let mut c = 0usize;
            for (i, p) in probs.iter().enumerate() {
                let node_best = &best[batch.best_base[i]..batch.best_base[i + 1]];
                for j in 0..p.n_candidates() {
                    let s = batch.seg_of[c];
                    if s != HOST {
                        let got = all[s as usize][batch.local[c] as usize];
                        assert_eq!(
                            got.to_bits(),
                            p.gain(j, node_best).to_bits(),
                            "{params:?}: node {i} candidate {j}"
                        );
                    }
                    c += 1;
                }
            }
            assert_eq!(c, batch.seg_of.len());
        }
    }
    assert!(host_seen > 0, "the −∞ weights are routed to the host");
}

/// A step with its floats as bits (so NaN p-values of equal steps compare equal).
fn same(s: &netinf::Step) -> (u32, u32, [u64; 6], u32) {
    (
        s.src,
        s.dst,
        [
            s.gain,
            s.objective,
            s.bound,
            s.median_dt,
            s.mean_dt,
            s.p_value,
        ]
        .map(f64::to_bits),
        s.vol,
    )
}

fn same_all(s: &[netinf::Step]) -> Vec<(u32, u32, [u64; 6], u32)> {
    s.iter().map(same).collect()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn gpu_engine(opts: GpuOptions) -> Option<(std::sync::Arc<cascadia::gpu::Context>, GpuOptions)> {
    let ctx = gpu();
    if !ctx.has_f64() {
        eprintln!("skipped: adapter without SHADER_F64 ({})", ctx.describe());
        return None;
    }
    Some((ctx, opts))
}

/// Small batches with logs that fill every round or two: many batches, many pauses for the
/// host to read the logs.
const SPLIT: GpuOptions = GpuOptions {
    batch_incidences: 150_000,
    segment_incidences: None,
    log_spare: Some(64),
    profile: false,
};

/// Several batches without pauses (each batch's last logs ride in the next one's first
/// command buffer), every kernel timed.
const PROFILED: GpuOptions = GpuOptions {
    batch_incidences: 150_000,
    segment_incidences: None,
    log_spare: None,
    profile: true,
};

/// Bindings too small for the largest nodes (those run on the host), tiny batches.
const TINY: GpuOptions = GpuOptions {
    batch_incidences: 2_000,
    segment_incidences: Some(2_000),
    log_spare: None,
    profile: false,
};

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gpu_engine_selects_the_cpu_edges_on_every_fixture() {
    let Some((ctx, _)) = gpu_engine(GpuOptions::default()) else {
        return;
    };
    for &(name, model, alpha, k) in FIXTURES {
        let data = load(name);
        let mut variants = vec![NetInfParams {
            model,
            alpha,
            edges: Some(k),
            ..Default::default()
        }];
        if name == "kcp1024-exp" {
            // The R package's weighting and tie rule, where exact ties are common.
            variants.push(NetInfParams {
                model,
                alpha,
                edges: Some(k),
                weights: Weights::Paper {
                    beta: 0.5,
                    epsilon: 1e-10,
                },
                ties: Ties::Last,
                ..Default::default()
            });
        }
        for params in variants {
            let cpu = netinf::infer(&data, &crate::util::valid(&params), &NoProgress).expect("CPU");
            for opts in [GpuOptions::default(), SPLIT, PROFILED] {
                let g = netinf::infer_with(
                    &data,
                    &crate::util::valid(&params),
                    &NoProgress,
                    &Backend::Gpu(ctx.clone()),
                    opts,
                )
                .expect("GPU");
                assert_eq!(g.steps.len(), cpu.steps.len(), "{name}");
                for (i, (a, b)) in g.steps.iter().zip(&cpu.steps).enumerate() {
                    // Same edge, gain, objective, bound, statistics and p-value, bit for bit.
                    assert_eq!(
                        same(a),
                        same(b),
                        "{name} {:?} rank {}",
                        params.weights,
                        i + 1
                    );
                }
                assert_eq!(g.stop, cpu.stop, "{name}");
                assert_eq!(g.initial_bound.to_bits(), cpu.initial_bound.to_bits());
                let st = g.stats.gpu.as_ref().expect("GPU stats");
                assert!(st.rounds > 1 && st.gains > 0, "{name}: {st:?}");
                assert!(st.submissions >= 1 && st.bytes_up > 0 && st.bytes_down > 0);
                assert_eq!(st.host_nodes, 0, "{name}: every node on the device");
                if opts.log_spare.is_some() && name == "kcp1024-exp" {
                    assert!(st.batches > 1 && st.drains > 0, "{name}: {st:?}");
                }
                if opts.profile {
                    match &st.kernel_seconds {
                        Some(t) if ctx.has_timestamps() => {
                            assert_eq!(t.len(), 8, "{name}: {t:?}");
                            assert!(t.values().all(|s| s.is_finite() && *s >= 0.0), "{t:?}");
                            assert!(t["evaluate"] > 0.0 && t["pick"] > 0.0, "{name}: {t:?}");
                        }
                        None => assert!(!ctx.has_timestamps(), "{name}: no kernel times"),
                        Some(t) => panic!("kernel times without timestamps: {t:?}"),
                    }
                } else {
                    assert!(st.kernel_seconds.is_none());
                }
                if opts.profile && name == "kcp1024-exp" {
                    // Pipelined batches: one command buffer of rounds per batch, and a
                    // second only where a batch outruns the one before it.
                    assert!(st.batches > 2 && st.drains == 0, "{name}: {st:?}");
                    assert!(st.submissions <= 2 * st.batches + 2, "{name}: {st:?}");
                    assert!(st.submissions * 8 <= st.rounds, "{name}: {st:?}");
                }
                if opts.log_spare.is_none() && !opts.profile && name == "kcp1024-exp" {
                    // Many rounds per submission, and the device's cutoff keeps the work
                    // below the CPU engine's.
                    assert!(st.submissions * 4 <= st.rounds, "{name}: {st:?}");
                    assert!(
                        g.stats.incidences_evaluated <= cpu.stats.incidences_evaluated,
                        "{name}: {} vs CPU {}",
                        g.stats.incidences_evaluated,
                        cpu.stats.incidences_evaluated
                    );
                }
            }
        }
    }
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gpu_engine_equals_cpu_engine_on_adversarial_data() {
    let Some((ctx, _)) = gpu_engine(TINY) else {
        return;
    };
    let data = adversarial();
    for mut params in param_grid() {
        for (edges, ties) in [(Some(50), Ties::First), (None, Ties::Last)] {
            params.edges = edges;
            params.ties = ties;
            let cpu = netinf::infer(&data, &crate::util::valid(&params), &NoProgress).expect("CPU");
            let g = netinf::infer_with(
                &data,
                &crate::util::valid(&params),
                &NoProgress,
                &Backend::Gpu(ctx.clone()),
                TINY,
            )
            .expect("GPU");
            assert_eq!(same_all(&g.steps), same_all(&cpu.steps), "{params:?}");
            assert_eq!(g.stop, cpu.stop, "{params:?}");
            let st = g.stats.gpu.as_ref().expect("GPU stats");
            assert!(st.host_nodes > 0 && st.gains > 0, "both sides used: {st:?}");
        }
    }
}

/// Without an edge limit there is no cutoff: both engines run every node's full greedy, so
/// the device's counters must equal the CPU engine's evaluations exactly, and every node's
/// run (steps, statistics, gain changes) must be the same.
#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gpu_counters_equal_the_cpu_engines_without_a_cutoff() {
    let Some((ctx, _)) = gpu_engine(GpuOptions::default()) else {
        return;
    };
    let data = load("kcp256-exp-hetero");
    for ties in [Ties::First, Ties::Last] {
        let params = NetInfParams {
            ties,
            ..Default::default()
        };
        let cpu = netinf::infer(&data, &crate::util::valid(&params), &NoProgress).expect("CPU");
        let g = netinf::infer_with(
            &data,
            &crate::util::valid(&params),
            &NoProgress,
            &Backend::Gpu(ctx.clone()),
            GpuOptions::default(),
        )
        .expect("GPU");
        assert_eq!(same_all(&g.steps), same_all(&cpu.steps));
        assert_eq!(g.stats.node_steps, cpu.stats.node_steps);
        assert_eq!(g.stats.incidences_evaluated, cpu.stats.incidences_evaluated);
        let st = g.stats.gpu.as_ref().expect("GPU stats");
        // Lock-step rounds: the longest greedy's steps and the round where it found none.
        assert!(
            st.rounds >= 2 && st.rounds <= g.stats.node_steps + 1,
            "{st:?}"
        );
    }
}

mod random {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::util::cases(48)))]

        /// Random small data with ties: the GPU engine (tiny batches and segments) selects
        /// exactly the CPU engine's steps.
        #[test]
        #[cfg_attr(cascadia_no_vulkan, ignore = "no Vulkan driver found when the tests were built (README: Quick start)")]
        fn gpu_engine_equals_cpu_engine(
            n in 2..9usize,
            coarse in prop::bool::ANY,
            raw in prop::collection::vec(prop::collection::vec((0..9u32, 0.0f64..6.0), 1..8), 1..9),
            m in 0..3usize,
            paper in prop::bool::ANY,
            k in 1..15usize,
        ) {
            let Some((ctx, _)) = gpu_engine(TINY) else { return Ok(()) };
            let cs: Vec<Vec<(u32, f64)>> = raw
                .iter()
                .map(|c| c.iter().map(|&(v, t)| (v % n as u32, if coarse { t.floor() } else { t })).collect())
                .collect();
            let data = NodeCascades::from_cascades(n, &cs).expect("valid cascades");
            let model = [Model::Exp, Model::Pow, Model::Ray][m];
            let params = NetInfParams {
                model,
                alpha: if model == Model::Pow { 2.0 } else { 1.0 },
                edges: Some(k),
                weights: if paper { Weights::Paper { beta: 0.5, epsilon: 1e-10 } } else { Weights::Snap { epsilon: 1e-64 } },
                ..Default::default()
            };
            let cpu = netinf::infer(&data, &crate::util::valid(&params), &NoProgress).unwrap();
            let tiny = GpuOptions { batch_incidences: 3, segment_incidences: None, log_spare: Some(1), profile: false };
            let g = netinf::infer_with(&data, &crate::util::valid(&params), &NoProgress, &Backend::Gpu(ctx.clone()), tiny).unwrap();
            prop_assert_eq!(same_all(&g.steps), same_all(&cpu.steps));
        }
    }
}
