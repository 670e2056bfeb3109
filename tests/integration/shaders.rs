//! Static shader checks (no GPU): every registered kernel parses and validates with naga, its
//! entry point exists with the registered workgroup size, each group-0 binding has the
//! registered address space and access, and uniform structs match their Rust mirrors in size.

use cascadia::gpu::Binding;
use cascadia::kernels::ALL_KERNELS;
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
        std::mem::size_of::<cascadia::influence::uniforms::LinearParams>(),
        "LinearParams size"
    );
    assert_eq!(
        wgsl_struct_size(
            cascadia::influence::gpu::LINEAR_SCAN_FWD_LOCAL.source,
            "ScanParams"
        ),
        std::mem::size_of::<cascadia::influence::uniforms::ScanParams>(),
        "ScanParams size"
    );
    assert_eq!(
        wgsl_struct_size(
            cascadia::influence::gpu::RECURSION_Q.source,
            "RecursionParams"
        ),
        std::mem::size_of::<cascadia::influence::uniforms::RecursionParams>(),
        "RecursionParams size"
    );
    assert_eq!(
        wgsl_struct_size(cascadia::netinf::gpu::GAINS.source, "GainsParams"),
        std::mem::size_of::<cascadia::netinf::gpu::GainsParams>(),
        "GainsParams size"
    );
    // Both files of the resident greedy, each behind greedy_common.wgsl.
    for k in [
        &cascadia::netinf::gpu::GREEDY_PICK,
        &cascadia::netinf::gpu::GREEDY_BEGIN,
    ] {
        assert_eq!(
            wgsl_struct_size(k.source, "GreedyParams"),
            std::mem::size_of::<cascadia::netinf::gpu::GreedyParams>(),
            "GreedyParams size in {}",
            k.name
        );
    }
    for k in [
        &cascadia::survival::gpu::TERM_RATES,
        &cascadia::survival::gpu::EM_UPDATE,
    ] {
        assert_eq!(
            wgsl_struct_size(k.source, "EmParams"),
            std::mem::size_of::<cascadia::survival::gpu::EmParams>(),
            "EmParams size in {}",
            k.name
        );
    }
    assert_eq!(
        wgsl_struct_size(
            cascadia::influence::gpu::tune::TUNE_AUC.source,
            "TuneParams"
        ),
        std::mem::size_of::<cascadia::influence::gpu::tune::TuneParams>(),
        "TuneParams size"
    );
    for k in [
        &cascadia::threshold::gpu::SEED,
        &cascadia::threshold::gpu::SPREAD,
        &cascadia::threshold::gpu::ACTIVATE,
        &cascadia::threshold::gpu::COUNT,
    ] {
        assert_eq!(
            wgsl_struct_size(k.source, "RoundParams"),
            std::mem::size_of::<cascadia::threshold::gpu::RoundParams>(),
            "RoundParams size in {}",
            k.name
        );
    }
}

#[test]
fn only_the_exact_f64_kernels_need_f64() {
    // NetInf's gains and the survival model's EM sweeps are exact f64; the influence
    // kernels are f32.
    let f64_kernels = [
        "cascadia.influence.tune_auc",
        "cascadia.netinf.gains",
        "cascadia.netinf.greedy.init_gains",
        "cascadia.netinf.greedy.begin",
        "cascadia.netinf.greedy.pick",
        "cascadia.netinf.greedy.args_update",
        "cascadia.netinf.greedy.update",
        "cascadia.netinf.greedy.args_mark",
        "cascadia.netinf.greedy.mark",
        "cascadia.netinf.greedy.args_eval",
        "cascadia.netinf.greedy.evaluate",
        "cascadia.survival.term_rates",
        "cascadia.survival.em_update",
    ];
    for k in ALL_KERNELS {
        let module = naga::front::wgsl::parse_str(k.source).unwrap();
        let without = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module);
        assert_eq!(
            without.is_err(),
            f64_kernels.contains(&k.name),
            "{}: f64 use as registered",
            k.name
        );
    }
}

/// Every "keep in sync" note names a file that exists and holds the struct it names: WGSL
/// notes `keep in sync with X in src/…`, Rust notes `Mirrors struct X in shaders/…`.
#[test]
fn keep_in_sync_notes_point_at_existing_files() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    let mut check = |note_file: &std::path::Path, line: &str, name: &str, path: &str| {
        let path = path.trim_end_matches(['.', ',', ')', ';']);
        let target = root.join(path);
        let text = std::fs::read_to_string(&target).unwrap_or_else(|_| {
            panic!(
                "{}: {line:?} names {path}, which does not exist",
                note_file.display()
            )
        });
        assert!(
            text.contains(&format!("struct {name} ")) || text.contains(&format!("struct {name}{{")),
            "{}: {line:?}: {path} has no struct {name}",
            note_file.display()
        );
        checked += 1;
    };
    let mut files = Vec::new();
    for dir in ["shaders", "src"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "wgsl" || x == "rs") {
                    files.push(p);
                }
            }
        }
    }
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            // A note may wrap onto the next line.
            let joined = format!("{line} {}", lines.get(i + 1).copied().unwrap_or(""));
            let joined = joined.replace("///", " ").replace("//", " ");
            let words: Vec<&str> = joined.split_whitespace().collect();
            for w in words.windows(5) {
                if w[0] == "sync" && w[1] == "with" && w[3] == "in" && line.contains("sync with") {
                    check(f, line, w[2], w[4]);
                }
                if w[0] == "Mirrors" && w[1] == "struct" && w[3] == "in" {
                    check(f, line, w[2], w[4]);
                }
            }
        }
    }
    assert!(
        checked >= 8,
        "found only {checked} notes: the parser missed some"
    );
}

/// Every compute entry point of every WGSL file under `shaders/` is registered in
/// `ALL_KERNELS` (so the checks above cover it): a kernel added without a registration fails.
#[test]
fn every_wgsl_entry_point_is_registered() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut stack = vec![root];
    let mut entry_points = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "wgsl") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            // A file compiled behind a shared prelude (netinf/greedy_common.wgsl) parses as
            // the registered source that ends with it.
            let source = ALL_KERNELS
                .iter()
                .find(|k| k.source.ends_with(text.as_str()))
                .map_or(text.as_str(), |k| k.source);
            let module = naga::front::wgsl::parse_str(source)
                .unwrap_or_else(|e| panic!("{}: {}", p.display(), e.emit_to_string(source)));
            for ep in &module.entry_points {
                entry_points += 1;
                assert!(
                    ALL_KERNELS
                        .iter()
                        .any(|k| k.entry == ep.name && k.source.contains(text.as_str())),
                    "{}: entry point `{}` has no KernelSpec in ALL_KERNELS",
                    p.display(),
                    ep.name
                );
            }
        }
    }
    assert_eq!(
        entry_points,
        ALL_KERNELS.len(),
        "one registration per entry point"
    );
}
