//! # cascadia
//!
//! Turns raw diffusion traces — who posted or adopted what, and when — into answers: how
//! influential each post and user was (`influence`), which network the information travelled
//! over (`netinf`) and at what rates (`survival`), and how likely each person is to influence
//! another (`probabilities`), and how a linear threshold model spreads and what each node's threshold is (`threshold`), with a CPU path in f64 that is the reference for everything else.
//!
//! Layers (see `ARCHITECTURE.md`): [`io`] reads inputs with located errors → [`cascade`] is
//! the shared columnar data model → a capability ([`influence`]) computes → results stream to
//! sinks (each capability's `output` module, e.g. [`influence::output`]). The library never prints; progress goes through [`progress`].
//!
//! ```
//! use cascadia::cascade::CascadeSet;
//! use cascadia::influence::{tweet_influence, InfluenceParams, Preset};
//!
//! let set = CascadeSet::from_events("c1", &[(0.0, 500.0, 7), (30.0, 20.0, 8)])?;
//! let mut phi = vec![0.0; 2];
//! let params = InfluenceParams::preset(Preset::Birdspotter).check()?;
//! tweet_influence(set.get(0), &params, &mut Default::default(), &mut phi)?;
//! assert_eq!(phi, vec![2.0, 1.0]); // s = 1, self term included: the root reaches both events
//! # Ok::<(), cascadia::Error>(())
//! ```
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod backend;
pub mod cascade;
pub mod checked;
mod epoch_set;
pub mod error;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod influence;
pub mod io;
#[cfg(feature = "gpu")]
pub mod kernels;
pub mod metrics;
pub mod netinf;
pub mod plots;
mod prefetch;
pub mod probabilities;
pub mod progress;
pub mod survival;
pub mod synth;
pub mod threshold;

pub use backend::{Backend, BackendChoice};
pub use error::{Error, InputError, InputErrorKind, Location, ParamError, Result};
