//! CPU algorithms for tweet influence (f64, the reference).

pub mod backsub;
pub mod edge_probs;
pub mod linear;
pub mod linear_scan;
pub mod recursion;

pub use backsub::backsub;
pub use edge_probs::expected_parents;
pub use linear::{LinearScratch, linear, linear_twin, linear_twin_one};
pub use linear_scan::linear_scan_twin;
pub use recursion::{RECURSION_MAX_EVENTS, recursion, recursion_matrix, recursion_twin};
