//! NetInf's long CSV (`cascade_id,node,time`, rows of a cascade in any order).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("cascades.csv", data);
    let _ =
        cascadia::io::snap_text::read_netinf(&path, cascadia::io::snap_text::NetInfFormat::Csv);
});
