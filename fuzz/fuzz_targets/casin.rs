//! The per-cascade files of the public reference (`time,magnitude,user_id`).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&opts, text)) = data.split_first() else {
        return;
    };
    let path = common::scratch("c1.csv", text);
    if let Ok(source) = cascadia::io::open_cascades(
        path.to_str().expect("a UTF-8 temp path"),
        cascadia::io::Format::Casin,
        common::options(opts),
    ) {
        common::drain(source);
    }
});
