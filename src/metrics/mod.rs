//! Metrics shared by the capabilities.

pub mod ranking;
