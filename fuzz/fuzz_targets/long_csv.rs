//! The long CSV reader (`cascade_id,time,user_id,followers`): its fast path and the `csv`
//! crate it hands over to (the first byte picks the options and, if odd, the general path).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some(&opts) = data.first() else {
        return;
    };
    // Edition 2021: `set_var` is safe here, and libFuzzer runs one thread.
    std::env::set_var(
        "CASCADIA_CSV_GENERAL",
        if opts & 0x80 != 0 { "1" } else { "0" },
    );
    common::read_cascades(cascadia::io::Format::Csv, "in.csv", data);
});
