//! GPU agreement: every kernel vs its CPU twin in f32 vs the f64 reference, on random and
//! adversarial inputs, and every golden case on the GPU engine.

use crate::util::{Tol, assert_close, gpu, shared_dir};
use cascadia::cascade::CascadeSet;
use cascadia::influence::gpu::{
    DEFAULT_SPLIT_EVENTS, Device, F32_TOLERANCE, GPU_LINEAR_MAX_EVENTS, GPU_MAX_EVENTS,
    LinearOptions, RECURSION_F32_TOLERANCE, pack, pack_scan,
};
use cascadia::influence::{InfluenceParams, Power, Preset, SelfTerm, cpu};
use cascadia::io::{Format, ReadOptions, read_all};
use cascadia::synth::influence::cascade_events;

/// f32 twin vs f64 reference (the precision loss), from the kernel's own constant.
const F32: Tol = Tol {
    rel: F32_TOLERANCE.0,
    abs: F32_TOLERANCE.1,
};
/// GPU vs f32 twin: same operations in the same order; only `exp` differs (WGSL allows a few
/// ulp), compounded along the recurrences ⇒ 1e-5 relative; measured 3.8e-6 on lavapipe
/// (Mesa 25.0.7) over `adversarial()` × `param_grid()`.
const GPU_VS_TWIN: Tol = Tol {
    rel: 1e-5,
    abs: 1e-7,
};

fn reference(set: &CascadeSet, params: &InfluenceParams) -> Vec<f64> {
    let mut out = vec![0.0; set.n_events()];
    let mut scratch = cpu::LinearScratch::default();
    for (i, c) in set.iter().enumerate() {
        cpu::linear(
            c,
            &crate::util::valid(params),
            &mut scratch,
            &mut out[set.offsets()[i]..set.offsets()[i + 1]],
        );
    }
    out
}

fn twin<F: num_traits::Float>(set: &CascadeSet, params: &InfluenceParams) -> Vec<f64> {
    let p = pack(set, &crate::util::valid(params));
    let conv = |v: &[f32]| v.iter().map(|&x| F::from(x).unwrap()).collect::<Vec<F>>();
    let (dt, w) = (conv(&p.dt), conv(&p.w));
    let mut out = vec![F::zero(); dt.len()];
    cpu::linear_twin(&p.params, &p.offsets, &dt, &w, &mut out);
    out.iter().map(|x| x.to_f64().unwrap()).collect()
}

fn gpu_run(set: &CascadeSet, params: &InfluenceParams) -> Vec<f64> {
    let ctx = gpu();
    let mut out = vec![0.0; set.n_events()];
    cascadia::influence::gpu::linear(&ctx, set, &crate::util::valid(params), &mut out)
        .expect("GPU run");
    out
}

/// A batch that crosses the workgroup size and holds the adversarial cases: 1-event
/// cascades, ties, month-long gaps, zero followers, sizes 63/64/65.
fn adversarial() -> CascadeSet {
    adversarial_up_to(2000)
}

/// [`adversarial`] with its largest synthetic cascade of `max_n` events.
fn adversarial_up_to(max_n: usize) -> CascadeSet {
    let mut set = CascadeSet::new();
    let mut add = |name: &str, ev: Vec<(f64, f64, u32)>| {
        set.begin_cascade(name);
        for (t, f, u) in ev {
            set.push_event(t, f, cascadia::cascade::UserId(u))
                .expect("valid event");
        }
        set.finish_cascade(cascadia::cascade::Dedupe::None);
    };
    add("single", vec![(5.0, 0.0, 1)]);
    add(
        "ties",
        (0..20).map(|k| (100.0, (k % 3) as f64 * 10.0, k)).collect(),
    );
    add(
        "gaps",
        vec![
            (0.0, 1e6, 0),
            (3.0e6, 5.0, 1),
            (3.0e6 + 1.0, 0.0, 2),
            (2.6e7, 9.0, 3),
            (2.6e7 + 60.0, 1.0, 4),
        ],
    );
    for (k, n) in [63usize, 64, 65, 1, 2, 300, max_n].into_iter().enumerate() {
        add(&format!("syn{k}"), cascade_events(n, 100 + k as u64));
    }
    for k in 0..150 {
        add(
            &format!("small{k}"),
            cascade_events(1 + k % 9, 500 + k as u64),
        );
    }
    set
}

fn param_grid() -> Vec<InfluenceParams> {
    let mut v = vec![
        InfluenceParams::preset(Preset::Paper),
        InfluenceParams::preset(Preset::Descendants),
        InfluenceParams::preset(Preset::Birdspotter),
    ];
    v.push(
        InfluenceParams::default()
            .alpha(Some(0.3))
            .beta(0.8)
            .self_term(SelfTerm::Included)
            .power(Power::One),
    );
    v.push(
        InfluenceParams::default()
            .alpha(Some(0.7))
            .beta(1.3)
            .decay_per_s(1e-2),
    );
    v
}

#[test]
fn twin_in_f64_equals_the_reference() {
    let set = adversarial();
    for p in param_grid() {
        assert_close(
            &twin::<f64>(&set, &p),
            &reference(&set, &p),
            Tol {
                rel: 1e-6,
                abs: 1e-9,
            },
            &format!("twin f64 {p:?}"),
        );
    }
}

#[test]
fn twin_in_f32_is_within_the_stated_tolerance() {
    let set = adversarial();
    for p in param_grid() {
        assert_close(
            &twin::<f32>(&set, &p),
            &reference(&set, &p),
            F32,
            &format!("twin f32 {p:?}"),
        );
    }
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gpu_matches_twin_and_reference() {
    let set = adversarial();
    for p in param_grid() {
        let g = gpu_run(&set, &p);
        assert_close(
            &g,
            &twin::<f32>(&set, &p),
            GPU_VS_TWIN,
            &format!("GPU vs twin f32 {p:?}"),
        );
        assert_close(&g, &reference(&set, &p), F32, &format!("GPU vs f64 {p:?}"));
    }
}

/// The influence fixture's cascades and its expected rows.
fn golden() -> (CascadeSet, Vec<csv::StringRecord>) {
    let dir = shared_dir().join("fixtures/influence");
    let (set, _) = read_all(
        dir.join("cascades.csv").to_str().unwrap(),
        Format::Csv,
        ReadOptions::default(),
    )
    .unwrap();
    let mut rdr = csv::Reader::from_path(dir.join("expected_tweets.csv")).unwrap();
    (set, rdr.records().map(|r| r.unwrap()).collect())
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gpu_goldens_every_preset() {
    let (set, rows) = golden();
    for (preset, col) in [
        (Preset::Birdspotter, 2),
        (Preset::Paper, 3),
        (Preset::Descendants, 4),
    ] {
        let want: Vec<f64> = rows.iter().map(|r| r[col].parse().unwrap()).collect();
        let got = gpu_run(&set, &InfluenceParams::preset(preset));
        assert_close(&got, &want, F32, &format!("GPU golden {preset:?}"));
    }
}

/// A synthetic cascade of `n` events followed by a 2-event one.
fn long_and_small(n: usize, seed: u64) -> CascadeSet {
    let mut set = CascadeSet::from_events("long", &cascade_events(n, seed)).expect("valid events");
    set.begin_cascade("small");
    set.push_event(0.0, 3.0, cascadia::cascade::UserId(1))
        .expect("valid event");
    set.push_event(1.0, 3.0, cascadia::cascade::UserId(2))
        .expect("valid event");
    set.finish_cascade(cascadia::cascade::Dedupe::None);
    set
}

/// The linear path on the twin engine: values and report.
fn twin_engine(
    set: &CascadeSet,
    params: &InfluenceParams,
    options: &LinearOptions,
) -> (Vec<f64>, cascadia::influence::gpu::LinearReport) {
    let mut t = vec![0.0; set.n_events()];
    let report = cascadia::influence::gpu::linear_with(
        Device::twin(),
        set,
        &crate::util::valid(params),
        options,
        &mut t,
    )
    .unwrap();
    (t, report)
}

#[test]
fn long_cascades_take_the_scan_form() {
    let set = long_and_small(GPU_MAX_EVENTS + 1, 9);
    let p = InfluenceParams::default();
    assert_eq!(
        pack(&set, &crate::util::valid(&p)).params.n_cascades,
        1,
        "only the small cascade is packed one per invocation"
    );
    let (t, report) = twin_engine(&set, &p, &LinearOptions::default());
    assert_eq!(
        (report.groups, report.scan_groups, report.scan_chunks),
        (1, 1, (GPU_MAX_EVENTS + 1).div_ceil(DEFAULT_SPLIT_EVENTS)),
        "16,385 events in chunks of {DEFAULT_SPLIT_EVENTS} (more than √16,385): {report:?}"
    );
    let r = reference(&set, &p);
    assert_close(&t, &r, F32, "twin engine");
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gpu_long_cascades_take_the_scan_form() {
    let set = long_and_small(GPU_MAX_EVENTS + 1, 9);
    let p = InfluenceParams::default();
    let (t, _) = twin_engine(&set, &p, &LinearOptions::default());
    let g = gpu_run(&set, &p);
    assert_close(&g, &t, GPU_VS_TWIN, "GPU vs twin engine");
    assert_close(&g, &reference(&set, &p), F32, "GPU vs f64");
}

#[test]
fn scan_chunks_grow_to_the_square_root_of_the_largest_cascade() {
    // 70,000 events in 1-event chunks would be a 70,000-step carry chain.
    let n = 70_000;
    let set = CascadeSet::from_events("long", &cascade_events(n, 5)).expect("valid events");
    let p = InfluenceParams::default();
    let options = LinearOptions {
        max_invocation_events: 1,
        scan_chunk_events: 1,
    };
    let (t, report) = twin_engine(&set, &p, &options);
    // At least √n events per chunk: 264 here.
    assert_eq!(report.scan_chunks, n.div_ceil(n.isqrt()));
    assert_close(&t, &reference(&set, &p), F32, "twin with grown chunks");
}

#[test]
fn cascades_over_the_gpu_linear_cap_are_computed_in_f64() {
    let n = GPU_LINEAR_MAX_EVENTS + 1;
    let set = long_and_small(n, 3);
    let p = InfluenceParams::preset(Preset::Birdspotter);
    let (t, report) = twin_engine(&set, &p, &LinearOptions::default());
    assert_eq!(
        (report.groups, report.scan_groups, report.cpu_cascades),
        (1, 0, 1)
    );
    // The capped cascade is the f64 reference itself, bit for bit.
    let r = reference(&set, &p);
    assert_eq!(&t[..n], &r[..n]);
    assert_close(&t[n..], &r[n..], F32, "the small cascade on the twin");
}

/// Recursion f32 vs the f64 reference, from the kernel's own constant.
const REC_F32: Tol = Tol {
    rel: RECURSION_F32_TOLERANCE.0,
    abs: RECURSION_F32_TOLERANCE.1,
};

fn reference_with(set: &CascadeSet, params: &InfluenceParams) -> Vec<f64> {
    let mut out = vec![0.0; set.n_events()];
    for (i, c) in set.iter().enumerate() {
        cascadia::influence::tweet_influence(
            c,
            &crate::util::valid(params),
            &mut Default::default(),
            &mut out[set.offsets()[i]..set.offsets()[i + 1]],
        )
        .unwrap();
    }
    out
}

/// The scan kernels' twin over every cascade of `set` in chunks of `chunk` events.
fn scan_twin<F: num_traits::Float>(
    set: &CascadeSet,
    params: &InfluenceParams,
    chunk: usize,
) -> Vec<f64> {
    let all: Vec<usize> = (0..set.len()).collect();
    let p = pack_scan(set, &all, &crate::util::valid(params), chunk);
    let conv = |v: &[f32]| v.iter().map(|&x| F::from(x).unwrap()).collect::<Vec<F>>();
    let (dt, w) = (conv(&p.dt), conv(&p.w));
    let mut g = vec![F::zero(); dt.len()];
    let mut out = vec![F::zero(); dt.len()];
    cpu::linear_scan_twin(&p.params, &p.index, &dt, &w, &mut g, &mut out);
    out.iter().map(|x| x.to_f64().unwrap()).collect()
}

#[test]
fn scan_twin_in_f64_equals_the_reference_for_every_chunk_size() {
    let set = adversarial_up_to(300);
    for chunk in [1, 2, 7, 64, 1000] {
        for p in param_grid() {
            assert_close(
                &scan_twin::<f64>(&set, &p, chunk),
                &reference(&set, &p),
                Tol {
                    rel: 1e-6,
                    abs: 1e-9,
                },
                &format!("scan twin f64, chunk {chunk}, {p:?}"),
            );
        }
    }
}

#[test]
fn scan_twin_in_f32_is_within_the_stated_tolerance() {
    let set = adversarial();
    for chunk in [3, 64, 1024] {
        for p in param_grid() {
            assert_close(
                &scan_twin::<f32>(&set, &p, chunk),
                &reference(&set, &p),
                F32,
                &format!("scan twin f32, chunk {chunk}, {p:?}"),
            );
        }
    }
}

/// Splits the adversarial batch three ways: one-invocation groups under a tiny budget (many
/// groups), cascades over 64 events in the scan form in chunks of max(7, √n) (one group
/// each), and a 2,000-event cascade over the budget on the CPU.
fn split_options() -> (u64, LinearOptions) {
    (
        4 * 300,
        LinearOptions {
            max_invocation_events: 64,
            scan_chunk_events: 7,
        },
    )
}

#[test]
fn twin_engine_through_the_packing_matches_reference_and_direct_twins() {
    let set = adversarial_up_to(300);
    let (budget, opts) = split_options();
    for p in param_grid() {
        let mut out = vec![0.0; set.n_events()];
        let report = cascadia::influence::gpu::linear_with(
            Device::Twin {
                max_group_bytes: budget,
            },
            &set,
            &crate::util::valid(&p),
            &opts,
            &mut out,
        )
        .unwrap();
        assert!(report.groups >= 3, "several short groups: {report:?}");
        assert!(
            report.scan_groups == 3
                && report.scan_chunks == 65usize.div_ceil(8) + 2 * 300usize.div_ceil(17),
            "65 and 2 × 300 events in chunks of max(7, √n) = 8 and 17, one cascade per group: {report:?}"
        );
        assert_eq!(report.cpu_cascades, 0, "300 events × 4 B fit in 1,200 B");
        assert_close(
            &out,
            &reference(&set, &p),
            F32,
            &format!("twin engine {p:?}"),
        );
        // Results land in input order: the one-invocation twin over the whole set agrees.
        assert_close(
            &out,
            &twin::<f32>(&set, &p),
            Tol {
                rel: 1e-5,
                abs: 1e-7,
            },
            &format!("twin engine vs direct twin {p:?}"),
        );
    }
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gpu_scan_matches_twin_and_reference() {
    let ctx = gpu();
    let set = adversarial();
    let (budget, opts) = split_options();
    for p in param_grid() {
        let run = |engine| {
            let mut out = vec![0.0; set.n_events()];
            let r = cascadia::influence::gpu::linear_with(
                engine,
                &set,
                &crate::util::valid(&p),
                &opts,
                &mut out,
            )
            .expect("GPU run");
            (out, r)
        };
        let (g, rg) = run(Device::Gpu {
            ctx: &ctx,
            max_group_bytes: budget,
        });
        let (t, rt) = run(Device::Twin {
            max_group_bytes: budget,
        });
        assert_eq!(rg, rt, "same packing on both engines");
        assert!(
            rg.cpu_cascades == 1,
            "the 2,000-event cascade exceeds 1,200 B"
        );
        assert_close(&g, &t, GPU_VS_TWIN, &format!("GPU scan vs twin {p:?}"));
        assert_close(
            &g,
            &reference(&set, &p),
            F32,
            &format!("GPU scan vs f64 {p:?}"),
        );
    }
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gpu_scan_spreads_a_long_cascade() {
    // 200,000 events: one cascade over ~200 chunks of the default size, beside short ones.
    let ctx = gpu();
    let mut set =
        CascadeSet::from_events("long", &cascade_events(200_000, 77)).expect("valid events");
    for k in 0..100 {
        set.begin_cascade(&format!("s{k}"));
        for (t, f, u) in cascade_events(1 + k % 50, 900 + k as u64) {
            set.push_event(t, f, cascadia::cascade::UserId(u))
                .expect("valid event");
        }
        set.finish_cascade(cascadia::cascade::Dedupe::None);
    }
    let p = InfluenceParams::preset(Preset::Paper);
    let mut out = vec![0.0; set.n_events()];
    let report = cascadia::influence::gpu::linear_with(
        Device::gpu(&ctx),
        &set,
        &crate::util::valid(&p),
        &LinearOptions::default(),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        (report.scan_groups, report.cpu_cascades),
        (1, 0),
        "{report:?}"
    );
    assert!(report.scan_chunks >= 195, "{report:?}");
    assert_close(
        &out,
        &reference(&set, &p),
        F32,
        "long cascade on the GPU vs f64",
    );
}

fn recursion_params() -> Vec<InfluenceParams> {
    param_grid()
        .into_iter()
        .map(|p| p.algorithm(cascadia::influence::Algorithm::Recursion))
        .collect()
}

fn recursion_twin_values(set: &CascadeSet, params: &InfluenceParams) -> Vec<f64> {
    let mut out = vec![0.0; set.n_events()];
    cascadia::influence::gpu::recursion(
        Device::twin(),
        set,
        &crate::util::valid(params),
        &mut out,
        None,
    )
    .unwrap();
    out
}

#[test]
fn recursion_twin_is_within_the_stated_tolerance() {
    let set = adversarial_up_to(300);
    for p in recursion_params() {
        assert_close(
            &recursion_twin_values(&set, &p),
            &reference_with(&set, &p),
            REC_F32,
            &format!("recursion twin f32 {p:?}"),
        );
    }
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gpu_recursion_matches_twin_reference_and_matrices() {
    let ctx = gpu();
    let set = adversarial_up_to(300);
    // 4·300² B = 360,000 B for the largest cascade: a 400,000 B cap splits the batch into
    // several groups; 4·65² B = 16,900 fits.
    let engine = Device::Gpu {
        ctx: &ctx,
        max_group_bytes: 400_000,
    };
    for p in recursion_params() {
        let mut g = vec![0.0; set.n_events()];
        let mut ms = Vec::new();
        let report = cascadia::influence::gpu::recursion(
            engine,
            &set,
            &crate::util::valid(&p),
            &mut g,
            Some(&mut ms),
        )
        .unwrap();
        assert!(report.groups >= 2 && report.cpu_cascades == 0, "{report:?}");
        assert_close(
            &g,
            &recursion_twin_values(&set, &p),
            GPU_VS_TWIN,
            &format!("GPU recursion vs twin {p:?}"),
        );
        assert_close(
            &g,
            &reference_with(&set, &p),
            REC_F32,
            &format!("GPU recursion vs f64 {p:?}"),
        );
        for (i, c) in set.iter().enumerate() {
            let want = cpu::recursion_matrix(c, &crate::util::valid(&p));
            assert_close(
                ms[i].as_slice().unwrap(),
                want.as_slice().unwrap(),
                REC_F32,
                &format!("GPU M of {} {p:?}", c.name),
            );
        }
    }
    // A cascade over the cap runs the f64 reference, bit for bit.
    let p = recursion_params().remove(0);
    let small = Device::Gpu {
        ctx: &ctx,
        max_group_bytes: 20_000,
    };
    let mut g = vec![0.0; set.n_events()];
    let report =
        cascadia::influence::gpu::recursion(small, &set, &crate::util::valid(&p), &mut g, None)
            .unwrap();
    assert_eq!(
        report.cpu_cascades, 2,
        "only the two 300-event cascades: {report:?}"
    );
    let r = reference_with(&set, &p);
    for (i, c) in set.iter().enumerate() {
        let range = set.offsets()[i]..set.offsets()[i + 1];
        if c.len() == 300 {
            assert_eq!(&g[range.clone()], &r[range], "CPU reference for {}", c.name);
        }
    }
}

#[test]
#[cfg_attr(
    cascadia_no_vulkan,
    ignore = "no Vulkan driver found when the tests were built (README: Quick start)"
)]
fn gpu_recursion_goldens_every_preset() {
    let (set, rows) = golden();
    let ctx = gpu();
    for (preset, col) in [
        (Preset::Birdspotter, 2),
        (Preset::Paper, 3),
        (Preset::Descendants, 4),
    ] {
        let want: Vec<f64> = rows.iter().map(|r| r[col].parse().unwrap()).collect();
        let p =
            InfluenceParams::preset(preset).algorithm(cascadia::influence::Algorithm::Recursion);
        let mut got = vec![0.0; set.n_events()];
        cascadia::influence::gpu::recursion(
            Device::gpu(&ctx),
            &set,
            &crate::util::valid(&p),
            &mut got,
            None,
        )
        .unwrap();
        assert_close(
            &got,
            &want,
            REC_F32,
            &format!("GPU recursion golden {preset:?}"),
        );
    }
}
