//! Cascades from a network with known parameters under either survival model (spec
//! `survival.md`, Simulation): placeholder filled below.
