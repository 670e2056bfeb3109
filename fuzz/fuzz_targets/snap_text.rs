//! SNAP's NetInf text format (node block, empty line, `id,time,...` cascades), then a short
//! inference on what was read.
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
    }
});
