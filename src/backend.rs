//! Where a capability computes: one vocabulary for every capability and for the CLI.
//!
//! A [`Backend`] is a resolved place to compute — the f64 CPU reference, or a GPU context. A
//! [`BackendChoice`] is what a user asks for (`--backend cpu|gpu|auto`); [`BackendChoice::resolve`]
//! turns it into a backend with the capability's measured [`AutoRule`] for `auto`, and says why
//! when `auto` lands on the CPU.

use crate::error::Result;
use serde::{Deserialize, Serialize};

/// A resolved place to compute.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Backend {
    /// The f64 CPU reference, on rayon's threads.
    #[default]
    Cpu,
    /// A GPU through wgpu (feature `gpu`).
    #[cfg(feature = "gpu")]
    Gpu(std::sync::Arc<crate::gpu::Context>),
}

impl Backend {
    /// The GPU adapter (name, backend, device type, driver), if this is a GPU.
    pub fn adapter(&self) -> Option<String> {
        match self {
            Backend::Cpu => None,
            #[cfg(feature = "gpu")]
            Backend::Gpu(ctx) => Some(ctx.describe()),
        }
    }

    /// The GPU context, if this is one.
    #[cfg(feature = "gpu")]
    pub fn gpu(&self) -> Option<&crate::gpu::Context> {
        match self {
            Backend::Gpu(ctx) => Some(ctx),
            Backend::Cpu => None,
        }
    }

    /// Whether this is a GPU.
    pub fn is_gpu(&self) -> bool {
        !matches!(self, Backend::Cpu)
    }

    /// Whether this is a software GPU (lavapipe): its timings are not GPU timings.
    pub fn is_software(&self) -> bool {
        match self {
            Backend::Cpu => false,
            #[cfg(feature = "gpu")]
            Backend::Gpu(ctx) => ctx.is_software(),
        }
    }

    /// `cpu`, or `gpu: ` and the adapter (name, backend, driver), as summaries record it.
    pub fn describe(&self) -> String {
        self.adapter()
            .map_or_else(|| "cpu".to_string(), |a| format!("gpu: {a}"))
    }
}

/// What a user asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    /// The f64 CPU reference.
    #[default]
    Cpu,
    /// A GPU; an error if there is none (or the crate was built without the `gpu` feature).
    Gpu,
    /// Where the capability was measured faster (its [`AutoRule`]).
    Auto,
}

/// A capability's rule for [`BackendChoice::Auto`], from its measurements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoRule {
    /// The CPU, for the reason given (said on stderr by the CLI).
    Cpu(&'static str),
    /// A hardware GPU when there is one; the CPU on a software device or without a GPU.
    HardwareGpu,
}

/// A resolved backend, and why `auto` did not take the GPU (for the user).
#[derive(Clone, Debug)]
pub struct Resolved {
    /// Where to compute.
    pub backend: Backend,
    /// Set when `auto` chose the CPU: the reason.
    pub note: Option<String>,
}

impl BackendChoice {
    /// The backend for this choice under `rule`.
    ///
    /// # Errors
    /// [`BackendChoice::Gpu`] without a usable GPU (or without the `gpu` feature).
    pub fn resolve(self, rule: AutoRule) -> Result<Resolved> {
        let cpu = |note: Option<String>| Resolved {
            backend: Backend::Cpu,
            note,
        };
        match (self, rule) {
            (BackendChoice::Cpu, _) => Ok(cpu(None)),
            (BackendChoice::Gpu, _) => Ok(Resolved {
                backend: gpu_backend()?,
                note: None,
            }),
            (BackendChoice::Auto, AutoRule::Cpu(why)) => Ok(cpu(Some(why.to_string()))),
            (BackendChoice::Auto, AutoRule::HardwareGpu) => Ok(match gpu_backend() {
                Ok(b) if !b.is_software() => Resolved {
                    backend: b,
                    note: None,
                },
                Ok(b) => cpu(Some(format!(
                    "{} is a software device (slower than the CPU), running on the CPU",
                    b.adapter().unwrap_or_default()
                ))),
                Err(e) => cpu(Some(format!("no usable GPU, running on the CPU: {e}"))),
            }),
        }
    }
}

#[cfg(feature = "gpu")]
fn gpu_backend() -> Result<Backend> {
    Ok(Backend::Gpu(crate::gpu::Context::shared()?))
}

#[cfg(not(feature = "gpu"))]
fn gpu_backend() -> Result<Backend> {
    Err(crate::ParamError {
        field: "backend",
        value: "gpu".into(),
        expected: "cpu: this cascadia was built without the `gpu` feature",
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_auto_on_the_cpu_need_no_device() {
        let r = BackendChoice::Cpu.resolve(AutoRule::HardwareGpu).unwrap();
        assert!(!r.backend.is_gpu() && r.note.is_none());
        let r = BackendChoice::Auto
            .resolve(AutoRule::Cpu("measured"))
            .unwrap();
        assert!(!r.backend.is_gpu());
        assert_eq!(r.note.as_deref(), Some("measured"), "auto says why");
        assert_eq!(r.backend.describe(), "cpu");
    }

    #[cfg(not(feature = "gpu"))]
    #[test]
    fn gpu_without_the_feature_is_an_error_naming_the_flag() {
        let e = BackendChoice::Gpu
            .resolve(AutoRule::HardwareGpu)
            .unwrap_err();
        let crate::Error::Params(p) = e else {
            panic!("a parameter error: {e}")
        };
        assert_eq!(p.field, "backend");
    }
}
