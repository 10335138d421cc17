//! Compile-time checks of `dc_schema!` and `#[derive(DistributedObject)]` (trybuild).
//!
//! trybuild compiles each file in its own crate under
//! `<target>/tests/trybuild/pipes-macros`, so the schema paths in `tests/ui/*.rs` are
//! relative to that directory (`../../../../macros/tests/schemas/...`). With a
//! target directory elsewhere (`CARGO_TARGET_DIR`) the paths do not resolve, so the
//! test fails with a message saying so instead of passing without running.

use std::path::Path;

#[test]
fn ui() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = manifest.join("../target/tests/trybuild/pipes-macros");
    // A test that passes without running hides regressions: refuse loudly instead.
    assert!(
        std::env::var_os("CARGO_TARGET_DIR").is_none(),
        "the trybuild UI tests cannot run with CARGO_TARGET_DIR set: the schema paths in \
         tests/ui are relative to {}; unset CARGO_TARGET_DIR for `cargo test -p pipes-macros \
         --test ui`, or skip it explicitly with `-- --skip ui`",
        project.display()
    );
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass.rs");
    t.compile_fail("tests/ui/unknown_dclass.rs");
    t.compile_fail("tests/ui/unknown_field.rs");
    t.compile_fail("tests/ui/wrong_type.rs");
    t.compile_fail("tests/ui/missing_required.rs");
    t.compile_fail("tests/ui/not_state.rs");
    t.compile_fail("tests/ui/bad_attribute.rs");
    t.compile_fail("tests/ui/schema_error.rs");
}
