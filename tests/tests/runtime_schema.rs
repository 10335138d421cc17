//! `pipes::testing` is generated code checked into the runtime (the prost-build
//! pattern: the runtime itself must not depend on `dcc`). This test regenerates it
//! from `schemas/test/runtime.dc` with `pipes-build` (the `dcc build --rust` path) and
//! fails when the committed file is stale. `UPDATE=1` rewrites it instead.

use std::path::PathBuf;

/// The first lines of the committed file, before the generator's output.
const PREAMBLE: &str = "\
// `pipes::testing`: code generated from schemas/test/runtime.dc by pipes-build (the
// `dcc build --rust` path). Regenerate with:
//     UPDATE=1 cargo test -p pipes-tests --test runtime_schema
";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the repository")
        .to_path_buf()
}

fn regenerate() -> String {
    let code = pipes_build::Config::new()
        .emit_rerun_if_changed(false)
        .file(repo().join("schemas/test/runtime.dc"))
        .derive("all")
        .field_enums(true)
        .generate()
        .unwrap_or_else(|e| panic!("schemas/test/runtime.dc does not compile:{e:?}"));
    format!("{PREAMBLE}{code}")
}

#[test]
fn committed_runtime_test_schema_is_up_to_date() {
    let path = repo().join("runtime/src/testing/generated.rs");
    let want = regenerate();
    if std::env::var_os("UPDATE").is_some_and(|v| v == "1") {
        std::fs::write(&path, &want).expect("runtime/src/testing/generated.rs is writable");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale (schemas/test/runtime.dc or the code generator changed).\n\
         Run `UPDATE=1 cargo test -p pipes-tests --test runtime_schema` to update it.",
        path.display()
    );
}

#[test]
fn the_generated_schema_is_what_the_runtime_serves() {
    // The checked-in module and a fresh compile of the schema agree on the hash.
    let model = dcc::load_files(
        &[repo().join("schemas/test/runtime.dc")],
        dcc::Options::default(),
    )
    .expect("compiles");
    assert_eq!(pipes::testing::SCHEMA.hash, dcc::hash::hash_model(&model));
}
