//! Shared by the targets: the input goes to a file (the readers take paths, for their
//! `file:line: field` errors), one per process, rewritten for each run.
#![allow(dead_code, reason = "each target uses some of these helpers")]

use std::path::PathBuf;

/// Writes `data` to this process's scratch file named `name` and returns its path.
pub fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cascadia-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, data).expect("the scratch file is written");
    path
}

/// Reader options from one byte: skip invalid rows, group, dedupe.
pub fn options(b: u8) -> cascadia::io::ReadOptions {
    cascadia::io::ReadOptions {
        skip_invalid: b & 1 != 0,
        group: b & 2 != 0,
        dedupe: match (b >> 2) & 3 {
            0 => cascadia::cascade::Dedupe::None,
            1 => cascadia::cascade::Dedupe::First,
            _ => cascadia::cascade::Dedupe::Last,
        },
    }
}

/// Reads `data` (after its options byte) as `format` from a scratch file named `name`, and
/// drains it.
pub fn read_cascades(format: cascadia::io::Format, name: &str, data: &[u8]) {
    let Some((&opts, text)) = data.split_first() else {
        return;
    };
    let path = scratch(name, text);
    if let Ok(source) = cascadia::io::open_cascades(
        path.to_str().expect("a UTF-8 temp path"),
        format,
        options(opts),
    ) {
        drain(source);
    }
}

/// Every cascade of a source, with errors (which are fine: only panics, hangs and runaway
/// allocations are bugs); computes tweet influence on what was read.
pub fn drain(mut source: Box<dyn cascadia::io::CascadeSource>) {
    let params = cascadia::influence::InfluenceParams::default()
        .check()
        .expect("default parameters are valid");
    let mut users = cascadia::cascade::Interner::new();
    let mut scratch = cascadia::influence::cpu::LinearScratch::default();
    loop {
        let mut set = cascadia::cascade::CascadeSet::new();
        match source.next_cascade(&mut set, &mut users) {
            Ok(Some(_)) => {
                let _ = source.take_skipped();
                for c in set.iter() {
                    let mut out = vec![0.0; c.len()];
                    let _ =
                        cascadia::influence::tweet_influence(c, &params, &mut scratch, &mut out);
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
}
