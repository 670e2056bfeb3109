//! Static shader checks (no GPU): every registered kernel parses and validates with naga, its
//! entry point exists with the registered workgroup size, each group-0 binding has the
//! registered address space and access, and uniform structs match their Rust mirrors in size.

use cascadia::gpu::Binding;
use cascadia::gpu::registry::ALL_KERNELS;
use wgpu::naga;

#[test]
fn every_kernel_matches_its_registration() {
    for k in ALL_KERNELS {
        let module = naga::front::wgsl::parse_str(k.source)
            .unwrap_or_else(|e| panic!("{}: {}", k.name, e.emit_to_string(k.source)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            // f64 is the only capability a kernel may use (netinf's gains; the runtime
            // requests SHADER_F64 when the adapter has it and the engine checks it).
            naga::valid::Capabilities::FLOAT64,
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{}: invalid WGSL: {e:?}", k.name));
        let ep = module
            .entry_points
            .iter()
            .find(|e| e.name == k.entry)
            .unwrap_or_else(|| panic!("{}: no entry {}", k.name, k.entry));
        assert_eq!(
            ep.workgroup_size, k.workgroup_size,
            "{}: workgroup size",
            k.name
        );
        let mut found = 0;
        for (_, var) in module.global_variables.iter() {
            let Some(rb) = &var.binding else { continue };
            assert_eq!(rb.group, 0, "{}: only group 0", k.name);
            let want = k
                .bindings
                .get(rb.binding as usize)
                .unwrap_or_else(|| panic!("{}: binding {} not registered", k.name, rb.binding));
            let ok = match (want, var.space) {
                (Binding::Uniform, naga::AddressSpace::Uniform) => true,
                (Binding::ReadOnly, naga::AddressSpace::Storage { access }) => {
                    !access.contains(naga::StorageAccess::STORE)
                }
                (Binding::ReadWrite, naga::AddressSpace::Storage { access }) => {
                    access.contains(naga::StorageAccess::STORE)
                }
                _ => false,
            };
            assert!(
                ok,
                "{}: binding {} is {:?} in WGSL, {want:?} in the registration",
                k.name, rb.binding, var.space
            );
            found += 1;
        }
        assert_eq!(
            found,
            k.bindings.len(),
            "{}: every registered binding is declared",
            k.name
        );
    }
}

fn wgsl_struct_size(source: &str, name: &str) -> usize {
    let module = naga::front::wgsl::parse_str(source).unwrap();
    let ty = module
        .types
        .iter()
        .find(|(_, t)| t.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("{name} in WGSL"))
        .1;
    ty.inner.size(module.to_ctx()) as usize
}

#[test]
fn uniform_structs_match_their_rust_mirrors() {
    assert_eq!(
        wgsl_struct_size(cascadia::influence::gpu::LINEAR.source, "LinearParams"),
        std::mem::size_of::<cascadia::influence::gpu::LinearParams>(),
        "LinearParams size"
    );
    assert_eq!(
        wgsl_struct_size(
            cascadia::influence::gpu::SCAN_FWD_LOCAL.source,
            "ScanParams"
        ),
        std::mem::size_of::<cascadia::influence::gpu::ScanParams>(),
        "ScanParams size"
    );
    assert_eq!(
        wgsl_struct_size(
            cascadia::influence::gpu::RECURSION_Q.source,
            "RecursionParams"
        ),
        std::mem::size_of::<cascadia::influence::gpu::RecursionParams>(),
        "RecursionParams size"
    );
    assert_eq!(
        wgsl_struct_size(cascadia::netinf::gpu::GAINS.source, "GainsParams"),
        std::mem::size_of::<cascadia::netinf::gpu::GainsParams>(),
        "GainsParams size"
    );
}

#[test]
fn only_the_netinf_gains_kernel_needs_f64() {
    for k in ALL_KERNELS {
        let module = naga::front::wgsl::parse_str(k.source).unwrap();
        let without = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module);
        assert_eq!(
            without.is_err(),
            k.name == "cascadia.netinf.gains",
            "{}: f64 use as registered",
            k.name
        );
    }
}
