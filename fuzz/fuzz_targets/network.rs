//! Network files (node block, empty line, `src,dst[,alpha]`), resolved against nodes 0..9.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let mut nodes = cascadia::cascade::Interner::new();
    for i in 0..10 {
        nodes.intern(&i.to_string());
    }
    let path = common::scratch("network.txt", data);
    let _ = cascadia::io::network::read_network(&path, &nodes);
});
