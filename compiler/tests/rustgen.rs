//! The Rust back end's output for the project's own schemas, pinned by snapshots
//! (review changes with `cargo insta review`), plus its refusals.

use std::path::Path;

fn generate(files: &[&str]) -> String {
    generate_with(files, &dcc::rustgen::RustOptions::default())
}

fn generate_with(files: &[&str], options: &dcc::rustgen::RustOptions) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let paths: Vec<_> = files.iter().map(|f| root.join(f)).collect();
    let model = dcc::load_files(&paths, dcc::Options::default()).expect("schema loads");
    dcc::rustgen::generate_rust_with(&model, options).expect("generates")
}

/// The default output: no derives but `Default`, no `Field` enums.
#[test]
fn example_schema_module() {
    insta::assert_snapshot!(generate(&["schemas/example.dc"]));
}

/// Every option on: `Clone`, `Debug`, `PartialEq` and the `Field` enums.
#[test]
fn feature_schema_module() {
    let options = dcc::rustgen::RustOptions {
        derives: dcc::rustgen::Derives::ALL,
        field_enums: true,
    };
    insta::assert_snapshot!(generate_with(&["schemas/test/features.dc"], &options));
}

#[test]
fn derive_lists_parse() {
    use dcc::rustgen::Derives;
    assert_eq!(Derives::parse(""), Ok(Derives::default()));
    assert_eq!(Derives::parse("none"), Ok(Derives::default()));
    assert_eq!(Derives::parse("all"), Ok(Derives::ALL));
    assert_eq!(
        Derives::parse("Clone, eq"),
        Ok(Derives {
            clone: true,
            debug: false,
            partial_eq: true
        })
    );
    let e = Derives::parse("clone,hash").expect_err("hash is not offered");
    assert!(e.contains("unknown derive `hash`"), "{e}");
    let plain = generate(&["schemas/test/features.dc"]);
    assert!(!plain.contains("Debug") && !plain.contains("pub enum Field"));
    let options = dcc::rustgen::RustOptions {
        derives: Derives::parse("debug").expect("parses"),
        field_enums: false,
    };
    let debug = generate_with(&["schemas/test/features.dc"], &options);
    assert!(debug.contains("#[derive(Debug, Default)]"), "{debug}");
    assert!(!debug.contains("Clone") && !debug.contains("PartialEq"));
}

#[test]
fn output_is_deterministic() {
    assert_eq!(
        generate(&["schemas/test/features.dc"]),
        generate(&["schemas/test/features.dc"])
    );
}

#[test]
fn partial_schemas_get_placeholders_named_in_warnings() {
    let model = dcc::load_sources(
        &[(
            "toon.dc",
            b"dclass Toon : Avatar { setHp(int16 hp) ram; setGear(Gear g, uint8 n); };".as_slice(),
        )],
        dcc::Options { lenient: true },
    )
    .expect("lenient load accepts the undefined names");
    let code = dcc::rustgen::generate_rust(&model).expect("placeholders generate");
    assert!(code.contains("pub struct Gear;"), "{code}");
    assert!(code.contains("pub struct Avatar {}"), "{code}");
    let warnings = dcc::rustgen::placeholders(&model);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].starts_with("type `Gear` is not defined"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].starts_with("class `Avatar` is not defined"),
        "{warnings:?}"
    );
    let complete = dcc::load_sources(
        &[("a.dc", b"dclass A { f(uint8); };".as_slice())],
        Default::default(),
    )
    .expect("loads");
    assert!(dcc::rustgen::placeholders(&complete).is_empty());
}

/// `dcc check` and `dcc build` share this check (the CLI calls it in both), so a
/// schema `check` accepts is one `build` can encode.
#[test]
fn wire_limits_are_checked_before_generating() {
    let mut model = dcc::load_sources(
        &[("a.dc", b"dclass A { f(uint8); };".as_slice())],
        Default::default(),
    )
    .expect("loads");
    assert!(dcc::rustgen::check_limits(&model).is_ok());
    let first = model.fields_by_number[0];
    model
        .fields_by_number
        .resize(usize::from(u16::MAX) + 2, first);
    let err = dcc::rustgen::check_limits(&model).expect_err("too many fields");
    assert_eq!(
        err.message,
        "65537 numbered fields; field numbers must fit in 16 bits on the wire"
    );
    assert_eq!(
        dcc::rustgen::generate_rust(&model).expect_err("refused"),
        err
    );
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
