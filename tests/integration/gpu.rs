//! GPU agreement: every kernel vs its CPU twin in f32 vs the f64 reference, on random and
//! adversarial inputs, and every golden case on the GPU engine.

use crate::util::{Tol, assert_close, gpu, shared_dir};
use cascadia::cascade::CascadeSet;
use cascadia::influence::gpu::{F32_TOLERANCE, GPU_MAX_EVENTS, LINEAR, pack};
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
            params,
            &mut scratch,
            &mut out[set.offsets()[i]..set.offsets()[i + 1]],
        );
    }
    out
}

fn twin<F: num_traits::Float>(set: &CascadeSet, params: &InfluenceParams) -> Vec<f64> {
    let p = pack(set, params);
    let conv = |v: &[f32]| v.iter().map(|&x| F::from(x).unwrap()).collect::<Vec<F>>();
    let (dt, w) = (conv(&p.dt), conv(&p.w));
    let mut out = vec![F::zero(); dt.len()];
    cpu::linear_twin(&p.params, &p.offsets, &dt, &w, &mut out);
    out.iter().map(|x| x.to_f64().unwrap()).collect()
}

fn gpu_run(set: &CascadeSet, params: &InfluenceParams) -> Option<Vec<f64>> {
    let ctx = gpu()?;
    let mut out = vec![0.0; set.n_events()];
    cascadia::influence::gpu::linear(&ctx, set, params, &mut out).expect("GPU run");
    Some(out)
}

/// A batch that crosses the workgroup size and holds the adversarial cases: 1-event
/// cascades, ties, month-long gaps, zero followers, sizes 63/64/65.
fn adversarial() -> CascadeSet {
    let mut set = CascadeSet::new();
    let mut add = |name: &str, ev: Vec<(f64, f64, u32)>| {
        set.begin_cascade(name);
        for (t, f, u) in ev {
            set.push_event(t, f, cascadia::cascade::UserId(u));
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
    for (k, n) in [63usize, 64, 65, 1, 2, 300, 2000].into_iter().enumerate() {
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
fn gpu_matches_twin_and_reference() {
    let set = adversarial();
    for p in param_grid() {
        let Some(g) = gpu_run(&set, &p) else { return };
        assert_close(
            &g,
            &twin::<f32>(&set, &p),
            GPU_VS_TWIN,
            &format!("GPU vs twin f32 {p:?}"),
        );
        assert_close(&g, &reference(&set, &p), F32, &format!("GPU vs f64 {p:?}"));
    }
}

#[test]
fn gpu_goldens_every_preset() {
    let dir = shared_dir().join("fixtures/influence");
    let (set, _) = read_all(
        dir.join("cascades.csv").to_str().unwrap(),
        Format::Csv,
        ReadOptions::default(),
    )
    .unwrap();
    let mut rdr = csv::Reader::from_path(dir.join("expected_tweets.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    for (preset, col) in [
        (Preset::Birdspotter, 2),
        (Preset::Paper, 3),
        (Preset::Descendants, 4),
    ] {
        let want: Vec<f64> = rows.iter().map(|r| r[col].parse().unwrap()).collect();
        let Some(got) = gpu_run(&set, &InfluenceParams::preset(preset)) else {
            return;
        };
        assert_close(&got, &want, F32, &format!("GPU golden {preset:?}"));
    }
}

#[test]
fn oversized_cascades_fall_back_to_the_cpu_reference() {
    let mut events = cascade_events(GPU_MAX_EVENTS + 1, 9);
    events.truncate(GPU_MAX_EVENTS + 1);
    let mut set = CascadeSet::from_events("big", &events);
    set.begin_cascade("small");
    set.push_event(0.0, 3.0, cascadia::cascade::UserId(1));
    set.push_event(1.0, 3.0, cascadia::cascade::UserId(2));
    set.finish_cascade(cascadia::cascade::Dedupe::None);
    let p = InfluenceParams::default();
    assert_eq!(
        pack(&set, &p).params.n_cascades,
        1,
        "only the small cascade is packed"
    );
    let Some(g) = gpu_run(&set, &p) else { return };
    let r = reference(&set, &p);
    assert_eq!(
        &g[..GPU_MAX_EVENTS + 1],
        &r[..GPU_MAX_EVENTS + 1],
        "the big cascade is the exact f64 reference"
    );
    assert_close(&g, &r, F32, "the small one within f32 tolerance");
}

#[test]
fn linear_kernel_is_registered() {
    assert!(
        cascadia::gpu::registry::ALL_KERNELS
            .iter()
            .any(|k| k.name == LINEAR.name),
        "registered"
    );
}
