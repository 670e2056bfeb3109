//! JSON Lines, one cascade per line.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&opts, text)) = data.split_first() else {
        return;
    };
    let path = common::scratch("in.jsonl", text);
    if let Ok(source) = cascadia::io::open_cascades(
        path.to_str().expect("a UTF-8 temp path"),
        cascadia::io::Format::Jsonl,
        common::options(opts),
    ) {
        common::drain(source);
    }
});
