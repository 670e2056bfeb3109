//! SNAP's NetInf text format (node block, empty line, `id,time,...` cascades), then a short
//! NetInf inference and survival-model fits (additive pow, multiplicative) on what was read.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("cascades.txt", data);
    let Ok(cascades) =
        cascadia::io::snap_text::read_netinf(&path, cascadia::io::snap_text::NetInfFormat::Snap)
    else {
        return;
    };
    if cascades.n_nodes() <= 64 {
        let params = cascadia::netinf::NetInfParams {
            edges: Some(8),
            ..Default::default()
        }
        .check()
        .expect("valid parameters");
        let _ = cascadia::netinf::infer(&cascades, &params, &cascadia::progress::NoProgress);
        use cascadia::survival::{Baseline, Shape, SurvivalModel, SurvivalParams};
        for model in [
            SurvivalModel::Additive { shape: Shape::Pow, delta: 1.0 },
            SurvivalModel::Multiplicative { baseline: Baseline::Inverse, b: -3.0, lambda: 1.0 },
        ] {
            let params = SurvivalParams { model, max_iterations: 200, ..Default::default() }
                .check()
                .expect("valid parameters");
            let _ = cascadia::survival::fit(&cascades, &params, &cascadia::progress::NoProgress);
        }
    }
});
