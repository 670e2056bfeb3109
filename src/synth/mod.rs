//! Synthetic inputs with known properties, seeded and deterministic (for a given cascadia
//! version: the generators use `rand`'s `StdRng`).

pub mod action_log;
pub mod appendix_c;
pub mod cascades;
pub mod debate;
pub mod decay;
pub mod graphs;
pub mod influence;
pub mod threshold;
