//! The per-cascade files of the public reference (`time,magnitude,user_id`).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::read_cascades(cascadia::io::Format::Casin, "c1.csv", data));
