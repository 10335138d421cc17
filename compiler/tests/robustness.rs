//! Bad input never panics or hangs: random bytes, mutated real schemas, deep nesting,
//! huge numbers. Every failure is a diagnostic with a location.

use proptest::prelude::*;

fn load(bytes: &[u8], lenient: bool) -> Result<dcc::Model, dcc::Error> {
    dcc::load_sources(&[("fuzz.dc", bytes)], dcc::Options { lenient })
}

const SEED_SCHEMA: &str = "keyword p2p;\ntypedef uint8(0-25) Color = 1;\nstruct S { int16/10 x; string(0-8) n; switch (uint8) { case 0: uint16 a; break; default: char c; }; };\n\
dclass A { setS(S s, Color c[2]) required broadcast ram; setH(int16 % 360 / 10 h = 5.5) p2p; };\ndclass B : A { m : setS; uint32 id db; };\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        for lenient in [false, true] {
            if let Err(e) = load(&bytes, lenient) {
                prop_assert!(!e.diagnostics.is_empty());
                let _ = e.render();
            }
        }
    }

    #[test]
    fn mutated_schemas_never_panic(pos in 0usize..SEED_SCHEMA.len(), cut in 0usize..12, insert in "[-(){}\\[\\];:,=/%*<>\"'0-9a-z .]{0,6}") {
        let mut text = SEED_SCHEMA.as_bytes().to_vec();
        let end = (pos + cut).min(text.len());
        text.splice(pos..end, insert.bytes());
        for lenient in [false, true] {
            match load(&text, lenient) {
                Ok(model) => {
                    let _ = dcc::hash::hash_model(&model);
                    for &f in model.fields_by_number.iter() {
                        if let Some(bytes) = dcc::pack::field_default(&model, f) {
                            let _ = dcc::pack::unpack_field(&model, f, &bytes);
                        }
                    }
                }
                Err(e) => { let _ = e.render(); }
            }
        }
    }
}

#[test]
fn seed_schema_is_valid() {
    load(SEED_SCHEMA.as_bytes(), false).unwrap_or_else(|e| panic!("{}", e.render()));
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
    let deep = format!(
        "dclass A {{ f(uint8 x = {}1{}); }};",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let err = load(deep.as_bytes(), false).expect_err("too deep");
    assert!(err.render().contains("nest deeper"), "{}", err.render());
    let structs = format!(
        "dclass A {{ f({} uint8 x; {} y); }};",
        "struct { ".repeat(5000),
        "} z; ".repeat(5000)
    );
    assert!(load(structs.as_bytes(), false).is_err());
}

/// The parser has no stack guard of its own (pest is built without `std`, see
/// `parse/mod.rs`): the nesting limit is what keeps recursion bounded. Input nested
/// exactly to the limit, with the deepest-recursing constructs (inline structs with
/// methods; value lists), must parse on a test thread's small stack.
#[test]
fn nesting_at_the_limit_parses() {
    let mut inner = "uint8 x".to_string();
    // `dclass A {` and `f(` use two levels; each inline struct with a method two more.
    for _ in 0..(dcc::parse::MAX_NESTING - 2) / 2 {
        inner = format!("struct {{ g({inner}); }} s");
    }
    let text = format!("dclass A {{ f({inner}); }};");
    let file = dcc::source::FileId(0);
    dcc::parse::parse_file(file, &text).unwrap_or_else(|d| panic!("{d:?}"));
    let value = format!(
        "{}1{}",
        "[".repeat(dcc::parse::MAX_NESTING),
        "]".repeat(dcc::parse::MAX_NESTING)
    );
    dcc::parse::parse_value(file, &value).unwrap_or_else(|d| panic!("{d:?}"));
    let too_deep = format!("[{value}]");
    assert!(dcc::parse::parse_value(file, &too_deep).is_err());
}

#[test]
fn huge_numbers_are_rejected_with_their_location() {
    for (schema, line) in [
        ("dclass A {\n f(uint64 x = 18446744073709551616);\n};", 2),
        ("dclass A {\n f(int64 x = -9223372036854775808);\n};", 2),
        ("dclass A {\n\n f(uint8 x[99999999999]);\n};", 3),
        ("dclass A { f(uint8 x = 1 * 99999999999); };", 1),
    ] {
        let err = load(schema.as_bytes(), false).expect_err(schema);
        assert_eq!(
            err.diagnostics[0].line(&err.sources),
            line,
            "{}",
            err.render()
        );
    }
}

#[test]
fn large_repetition_is_bounded() {
    // 4 billion repetitions would exhaust memory; the 16-bit array length stops it.
    let err = load(b"dclass A { f(uint8 x[] = [1 * 4000000000]); };", false).expect_err("too long");
    assert!(
        err.render().contains("invalid default value"),
        "{}",
        err.render()
    );
}
