//! The Rust back end's output for the project's own schemas, pinned by snapshots
//! (review changes with `cargo insta review`), plus its refusals.

use std::path::Path;

fn generate(files: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let paths: Vec<_> = files.iter().map(|f| root.join(f)).collect();
    let model = dcc::load_files(&paths, dcc::Options::default()).expect("schema loads");
    dcc::rustgen::generate_rust(&model).expect("generates")
}

#[test]
fn example_schema_module() {
    insta::assert_snapshot!(generate(&["schemas/example.dc"]));
}

#[test]
fn feature_schema_module() {
    insta::assert_snapshot!(generate(&["schemas/test/features.dc"]));
}

#[test]
fn output_is_deterministic() {
    assert_eq!(
        generate(&["schemas/test/features.dc"]),
        generate(&["schemas/test/features.dc"])
    );
}

#[test]
fn partial_schemas_are_refused_with_a_reason() {
    let model = dcc::load_sources(
        &[(
            "toon.dc",
            b"dclass Toon : Avatar { setHp(int16 hp) ram; };".as_slice(),
        )],
        dcc::Options { lenient: true },
    )
    .expect("lenient load accepts the undefined parent");
    let err = dcc::rustgen::generate_rust(&model).expect_err("placeholders have no layout");
    assert!(err.message.contains("undefined names"), "{err}");
}

#[test]
fn names_follow_rust_conventions_and_survive_keywords() {
    let schema = "struct type { uint8 match; int8 self; };\n\
                  dclass DistributedThingAI { setType(type t) ram; loop(uint8 fn) clsend; };\n";
    let model =
        dcc::load_sources(&[("k.dc", schema.as_bytes())], dcc::Options::default()).expect("loads");
    let code = dcc::rustgen::generate_rust(&model).expect("generates");
    for expected in [
        "pub struct Type {",
        "pub r#match: u8",
        "pub self_: i8",
        "pub struct DistributedThingAI {",
        "pub mod distributed_thing_ai {",
        "pub struct Loop {",
        "pub r#fn: u8",
    ] {
        assert!(code.contains(expected), "missing `{expected}` in:\n{code}");
    }
}
