//! CPU engines of NetInf (f64, the reference).

pub mod gains;
pub mod greedy;
