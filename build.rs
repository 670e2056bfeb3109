//! Tells the test suite whether this machine has a Vulkan driver, so that a run without one
//! reports the GPU tests as ignored instead of passing them silently.
//!
//! Sets `cfg(cascadia_no_vulkan)` when no Vulkan ICD manifest is found (the standard
//! directories, `VK_DRIVER_FILES`, `VK_ICD_FILENAMES`) and `CASCADIA_REQUIRE_GPU` is not `1`.
//! The library and the binary ignore the flag; only `#[cfg_attr(cascadia_no_vulkan, ignore)]`
//! on the GPU tests reads it.

use std::path::Path;

/// Where Vulkan loaders look for driver manifests (besides the environment variables).
const ICD_DIRS: &[&str] = &[
    "/usr/share/vulkan/icd.d",
    "/usr/local/share/vulkan/icd.d",
    "/etc/vulkan/icd.d",
    "/usr/local/nvidia/share/vulkan/icd.d",
];

fn has_manifest(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "json"))
    })
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(cascadia_no_vulkan)");
    println!("cargo::rerun-if-changed=build.rs");
    for var in [
        "CASCADIA_REQUIRE_GPU",
        "VK_DRIVER_FILES",
        "VK_ICD_FILENAMES",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    // Installing a driver adds a manifest (watched where the directory exists) and changes
    // dpkg's status file on Debian; watching a path that does not exist would rerun this
    // script, and rebuild the crate, on every build.
    for path in ICD_DIRS.iter().chain(&["/var/lib/dpkg/status"]) {
        if Path::new(path).exists() {
            println!("cargo::rerun-if-changed={path}");
        }
    }
    let required = std::env::var("CASCADIA_REQUIRE_GPU").is_ok_and(|v| v == "1");
    let from_env = ["VK_DRIVER_FILES", "VK_ICD_FILENAMES"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    let found = from_env || ICD_DIRS.iter().any(|d| has_manifest(Path::new(d)));
    if !required && !found {
        println!("cargo::rustc-cfg=cascadia_no_vulkan");
    }
}
