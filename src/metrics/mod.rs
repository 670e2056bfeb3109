//! Metrics shared by the capabilities.

pub mod edges;
pub mod ranking;
