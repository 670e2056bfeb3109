//! The engine table: every golden and oracle case runs on each engine — the three f64 CPU
//! algorithms, the kernels' f32 CPU twins over the GPU packing, and, where a Vulkan driver
//! exists (always in CI: lavapipe), the GPU's linear kernel, its scan form and its recursion,
//! each with the tolerance its kernel states. Tests pick an engine by name ([`engine`]).

use crate::util::Tol;
use cascadia::cascade::{Cascade, CascadeSet};
use cascadia::influence::gpu::{
    self, F32_TOLERANCE, LinearOptions, RECURSION_F32_TOLERANCE, linear_with, recursion,
};
use cascadia::influence::{Algorithm, InfluenceParams, tweet_influence};

/// How an engine computes.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// The f64 CPU reference with this algorithm.
    Cpu(Algorithm),
    /// The linear kernel, one cascade per invocation.
    GpuLinear,
    /// The linear kernel's scan form, every cascade in chunks of 3 events.
    GpuScan,
    /// The batched recursion kernel.
    GpuRecursion,
    /// The linear kernel's f32 CPU twin over the same packing (scan form for long cascades).
    TwinLinear,
    /// The recursion kernel's f32 CPU twin over the same packing.
    TwinRecursion,
}

/// One way to compute tweet influence.
#[derive(Clone, Copy)]
pub struct Engine {
    pub name: &'static str,
    pub kind: Kind,
    /// Agreement owed to the f64 reference and the golden files.
    pub tol: Tol,
}

/// The CPU engines.
pub const CPU_ENGINES: &[Engine] = &[
    Engine {
        name: "cpu_linear",
        kind: Kind::Cpu(Algorithm::Linear),
        tol: Tol::F64,
    },
    Engine {
        name: "cpu_backsub",
        kind: Kind::Cpu(Algorithm::Backsub),
        tol: Tol::F64,
    },
    Engine {
        name: "cpu_recursion",
        kind: Kind::Cpu(Algorithm::Recursion),
        tol: Tol::F64,
    },
];

/// The engines that need no device: the CPU ones and the kernels' f32 twins.
pub fn cpu_and_twin_engines() -> Vec<Engine> {
    let mut v = CPU_ENGINES.to_vec();
    v.extend([
        Engine {
            name: "twin_linear",
            kind: Kind::TwinLinear,
            tol: F32,
        },
        Engine {
            name: "twin_recursion",
            kind: Kind::TwinRecursion,
            tol: RECURSION_F32,
        },
    ]);
    v
}

/// The engine called `name`.
///
/// # Panics
/// If there is none (a typo in a test).
#[track_caller]
pub fn engine(name: &str) -> Engine {
    CPU_ENGINES
        .iter()
        .copied()
        .chain(cpu_and_twin_engines())
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no engine {name:?}"))
}

const RECURSION_F32: Tol = Tol {
    rel: RECURSION_F32_TOLERANCE.0,
    abs: RECURSION_F32_TOLERANCE.1,
};

const F32: Tol = Tol {
    rel: F32_TOLERANCE.0,
    abs: F32_TOLERANCE.1,
};

/// Every engine this machine can run: the CPU ones, the twins, and the GPU ones where a
/// Vulkan driver exists.
pub fn all_engines() -> Vec<Engine> {
    let mut v = cpu_and_twin_engines();
    if crate::util::gpu_if_present().is_some() {
        v.extend([
            Engine {
                name: "gpu_linear",
                kind: Kind::GpuLinear,
                tol: F32,
            },
            Engine {
                name: "gpu_linear_scan",
                kind: Kind::GpuScan,
                tol: F32,
            },
            Engine {
                name: "gpu_recursion",
                kind: Kind::GpuRecursion,
                tol: RECURSION_F32,
            },
        ]);
    }
    v
}

impl Engine {
    pub fn run(&self, c: Cascade<'_>, params: &InfluenceParams) -> Vec<f64> {
        let mut out = vec![0.0; c.len()];
        let Kind::Cpu(algorithm) = self.kind else {
            let events: Vec<(f64, f64, u32)> = (0..c.len())
                .map(|k| (c.times[k], c.magnitudes[k], c.users[k].0))
                .collect();
            let set = CascadeSet::from_events(c.name, &events).expect("valid events");
            let ctx;
            let engine = match self.kind {
                Kind::TwinLinear | Kind::TwinRecursion => gpu::Device::twin(),
                _ => {
                    ctx = crate::util::gpu();
                    gpu::Device::gpu(&ctx)
                }
            };
            match self.kind {
                Kind::GpuLinear | Kind::GpuScan | Kind::TwinLinear => {
                    let options = match self.kind {
                        Kind::GpuScan => LinearOptions {
                            max_invocation_events: 1,
                            scan_chunk_events: 3,
                        },
                        _ => LinearOptions::default(),
                    };
                    linear_with(
                        engine,
                        &set,
                        &crate::util::valid(params),
                        &options,
                        &mut out,
                    )
                    .expect("GPU runs");
                }
                _ => {
                    recursion(engine, &set, &crate::util::valid(params), &mut out, None)
                        .expect("GPU runs");
                }
            }
            return out;
        };
        let p = params.clone().algorithm(algorithm);
        tweet_influence(
            c,
            &crate::util::valid(&p),
            &mut Default::default(),
            &mut out,
        )
        .expect("engine runs");
        out
    }
}
