//! Test-only brute force, deliberately naive.

pub mod netinf;
pub mod trees;
