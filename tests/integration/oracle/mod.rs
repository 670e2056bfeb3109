//! Test-only brute force, deliberately naive.

pub mod trees;
