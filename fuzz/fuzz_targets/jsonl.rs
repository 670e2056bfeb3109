//! JSON Lines, one cascade per line.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::read_cascades(cascadia::io::Format::Jsonl, "in.jsonl", data));
