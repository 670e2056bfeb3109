#![allow(
    unreachable_pub,
    reason = "helpers are shared between the modules of this test binary"
)]
//! The one integration test binary (one link with all dependencies).
//!
//! - `util`: fixture paths, tolerances, `assert_close` that reports the worst index.
//! - `oracle`: test-only brute force, deliberately naive (all diffusion trees).
//! - `engines`: the table of influence engines every golden/oracle case runs on.
//! - `influence`: goldens from `../shared/fixtures/influence` × engines; worked examples.
//! - `properties`: proptest invariants and fast-vs-obvious differential tests.
//! - `cli`: the binary end to end: outputs, `--help`, bad input messages, exit codes.

mod cli;
mod columnar;
mod engines;
mod gpu;
mod influence;
mod netinf;
mod netinf_gpu;
mod oracle;
mod politics;
mod probabilities;
mod properties;
mod shaders;
mod survival;
mod threshold;
mod tune;
mod util;
