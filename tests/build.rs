//! Compiles the project's schemas, and the real-world corpus when it is present,
//! into Rust modules with `pipes-build`, so the tests prove generated code compiles
//! and packs like Panda3D. Also writes a dispatch table from (class, field) names to
//! the generated `Field` enums for the conformance test.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Corpus loads that Panda3D accepts, as (module name, files in load order).
const CORPUS_SETS: &[(&str, &[&str])] = &[
    ("astron_test", &["astron__test.dc"]),
    ("panda_direct", &["panda3d__direct.dc"]),
    ("panda_direct_1_10_16", &["panda3d-v1.10.16__direct.dc"]),
    ("panda_sample", &["panda3d__sample.dc"]),
    ("panda_tests_schema", &["panda3d__tests-schema.dc"]),
    ("networking_direct", &["panda3d__networking-direct.dc"]),
    (
        "networking_sample",
        &[
            "panda3d__networking-direct.dc",
            "panda3d__networking-03-sample.dc",
        ],
    ),
    ("toontown_otp", &["open-toontown__otp.dc"]),
    (
        "toontown",
        &["open-toontown__otp.dc", "open-toontown__toon.dc"],
    ),
    ("openotp_toon", &["openotp__toon.dc"]),
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    let repo = manifest.parent().expect("tests/ is inside the repository");
    let corpus = repo.join("../shared/corpus/dc");
    println!("cargo:rerun-if-changed={}", corpus.display());
    println!("cargo::rustc-check-cfg=cfg(pipes_corpus)");

    let mut modules = String::new();
    compile(
        &mut modules,
        "example",
        &[repo.join("schemas/example.dc")],
        &out,
        "all",
    );
    compile(
        &mut modules,
        "feature_schema",
        &[repo.join("schemas/test/features.dc")],
        &out,
        "all",
    );
    compile_lenient(
        &mut modules,
        "placeholders",
        &repo.join("schemas/test/placeholders.dc"),
        &out,
    );
    let mut sets = Vec::new();
    if corpus.join("SOURCES.md").exists() {
        println!("cargo:rustc-cfg=pipes_corpus");
        for (name, files) in CORPUS_SETS {
            let paths: Vec<PathBuf> = files.iter().map(|f| corpus.join(f)).collect();
            // Derives cost check time on every type: the corpus is compiled without
            // them (the default) but for one set that proves they compile.
            let derive = if *name == "panda_direct" {
                "all"
            } else {
                "none"
            };
            compile(&mut modules, name, &paths, &out, derive);
            sets.push((*name, *files, paths));
        }
    }
    write_dispatch(&mut modules, &sets);
    std::fs::write(out.join("schemas.rs"), modules).expect("OUT_DIR is writable");
}

/// Generates one module with `Field` enums (the dispatch table uses them) and the
/// derives in `derive` (`dcc build --rust --derive` syntax).
fn compile(modules: &mut String, name: &str, files: &[PathBuf], out: &Path, derive: &str) {
    if let Err(e) = pipes_build::Config::new()
        .files(files)
        .derive(derive)
        .field_enums(true)
        .module_name(name)
        .out_dir(out)
        .compile()
    {
        panic!("schema {name} failed to compile:{e:?}");
    }
    let _ = writeln!(
        modules,
        "/// Generated from {files:?}.\npub mod {name} {{ include!(concat!(env!(\"OUT_DIR\"), \"/{name}.rs\")); }}"
    );
}

/// A schema with undefined names, generated as `dcc build --rust --lenient` does.
fn compile_lenient(modules: &mut String, name: &str, file: &Path, out: &Path) {
    println!("cargo:rerun-if-changed={}", file.display());
    let model = dcc::load_files(&[file], dcc::Options { lenient: true })
        .unwrap_or_else(|e| panic!("schema {name} does not load:\n{}", e.render()));
    let options = dcc::rustgen::RustOptions {
        derives: dcc::rustgen::Derives::ALL,
        field_enums: true,
    };
    let code = dcc::rustgen::generate_rust_with(&model, &options)
        .unwrap_or_else(|e| panic!("schema {name} does not generate: {e}"));
    std::fs::write(out.join(format!("{name}.rs")), code).expect("OUT_DIR is writable");
    let _ = writeln!(
        modules,
        "/// Generated leniently from {file:?}.\npub mod {name} {{ include!(concat!(env!(\"OUT_DIR\"), \"/{name}.rs\")); }}"
    );
}

/// `repack_<set>(class, field, bytes)`: unpack with the generated `Field` enum of the
/// class, pack again. `None` when the class has no generated `Field` enum.
fn write_dispatch(modules: &mut String, sets: &[(&str, &[&str], Vec<PathBuf>)]) {
    let _ = writeln!(modules, "/// The compiled corpus loads: (module, files).");
    let _ = writeln!(modules, "pub const CORPUS_SETS: &[(&str, &[&str])] = &[");
    for (name, files, _) in sets {
        let _ = writeln!(modules, "    ({name:?}, &{files:?}),");
    }
    let _ = writeln!(modules, "];");
    if sets.is_empty() {
        // No corpus beside the checkout: nothing to dispatch to (and nothing calls it).
        let _ = writeln!(
            modules,
            "/// No corpus was found when this was built: always `None`.\n\
             pub fn repack(_set: &str, _class: &str, _number: u16, _bytes: &[u8]) -> Option<::pipes::wire::WireResult<Vec<u8>>> {{ None }}"
        );
        return;
    }
    let _ = writeln!(
        modules,
        "/// Unpacks `bytes` as field `number` of `class` in corpus load `set` with the generated code, then packs it again.\n\
         pub fn repack(set: &str, class: &str, number: u16, bytes: &[u8]) -> Option<::pipes::wire::WireResult<Vec<u8>>> {{\n    match (set, class) {{"
    );
    for (name, _, paths) in sets {
        let model = dcc::load_files(paths, dcc::Options::default()).expect("compiled above");
        let class_modules = dcc::rustgen::class_modules(&model);
        for &id in &model.class_list {
            let c = model.class(id);
            if c.is_struct {
                continue;
            }
            let Some(module) = class_modules.get(&id) else {
                continue;
            };
            let _ = writeln!(
                modules,
                "        ({name:?}, {:?}) => Some({name}::{module}::Field::from_bytes(number, bytes).and_then(|f| {{ let mut v = Vec::new(); f.pack_into(&mut v)?; Ok(v) }})),",
                c.name
            );
        }
    }
    let _ = writeln!(modules, "        _ => None,\n    }}\n}}");
}
