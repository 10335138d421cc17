//! Hand-picked schemas for the two rules found in Panda3D's C++ source (1.10.16)
//! that the random conformance vectors first hit as divergences. Every expected
//! value below was printed by Panda3D itself (`DCField.getDefaultValue()` read in
//! file order; `DCPacker.parseAndPack`), so each line is a reference result, not a
//! guess.
//!
//! 1. Default propagation (`src/pack/defaults.rs`): a nested field whose implicit
//!    default cannot be packed fails the whole default when Panda recomputes it
//!    (simple, array and switch parameters without explicit defaults; constructors;
//!    fields of inline structs), and contributes empty bytes when Panda reuses the
//!    field's cached default (atomic fields and struct-typed fields of named
//!    structs).
//! 2. A one-character string into int8/uint8/char: Panda checks the byte against the
//!    unsigned range table only, after sign extension, so int8 ranges are ignored and
//!    a byte >= 0x80 fails any uint8/char range.

use dcc::model::Model;
use dcc::{pack, parse, SourceFile, SourceMap};

fn load(text: &str) -> Model {
    dcc::load_sources(&[("t.dc", text.as_bytes())], dcc::Options::default())
        .unwrap_or_else(|e| panic!("{text}\n{}", e.render()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `(class, field, Panda's default hex)`; "" where Panda printed "Error while
/// packing default value".
fn assert_defaults(text: &str, want: &[(&str, &str, &str)]) {
    let model = load(text);
    for &(class, field, expected) in want {
        let c = model.class_by_name(class).expect("class");
        let f = model.field_by_name(c, field).expect("field");
        let got = pack::field_default(&model, f)
            .map(|b| hex(&b))
            .unwrap_or_default();
        assert_eq!(got, expected, "{class}.{field} in {text}");
    }
}

#[test]
fn recomputed_simple_field_of_named_struct_fails_the_user() {
    assert_defaults(
        "struct S { int32(203)/10 v; uint8 w; }; dclass C { f(S s); g(uint8 a, S s); };",
        &[
            ("S", "v", ""),
            ("S", "w", "00"),
            ("C", "f", ""),
            ("C", "g", ""),
        ],
    );
    // An array field without an explicit default is recomputed too.
    assert_defaults(
        "struct S { int32(203)/10 v[1-2]; uint8 w; }; dclass C { f(S s); };",
        &[("S", "v", ""), ("C", "f", "")],
    );
}

#[test]
fn cached_atomic_or_struct_field_contributes_nothing() {
    assert_defaults(
        "struct S { f(int32(203)/10 v); uint8 w; }; dclass C { f(S s); };",
        &[("S", "f", ""), ("S", "w", "00"), ("C", "f", "00")],
    );
    assert_defaults(
        "struct T { int32(203)/10 v; }; struct S { T t; uint8 w; }; dclass C { f(S s); };",
        &[("T", "v", ""), ("S", "t", ""), ("C", "f", "00")],
    );
    assert_defaults(
        "struct S { f(int32(203)/10 v); uint8 w; }; dclass C { f(S s[2]); };",
        &[("C", "f", "0000")],
    );
    assert_defaults(
        "struct E { f(int32(203)/10 v); uint8(9) w = 9; }; struct S { E e[1-2]; }; \
         dclass C { f(S s); };",
        &[
            ("E", "f", ""),
            ("E", "w", "09"),
            ("S", "e", "010009"),
            ("C", "f", "010009"),
        ],
    );
}

#[test]
fn inline_struct_and_constructor_fields_are_never_cached() {
    assert_defaults(
        "dclass C { f(uint8 a, struct { int32(203)/10 v; } s); \
         g(uint8 a, struct { h(int32(203)/10 v); } s); };",
        &[("C", "f", ""), ("C", "g", "")],
    );
    assert_defaults(
        "struct S { S(int32(203)/10 v); uint8 w; }; dclass C { f(S s); };",
        &[("S", "w", "00"), ("C", "f", "")],
    );
    assert_defaults(
        "struct S { S(uint8 v = 7); uint8 w; }; dclass C { f(S s); };",
        &[("C", "f", "0700")],
    );
}

#[test]
fn switch_defaults() {
    // No case and no default case: nothing to pack.
    assert_defaults("dclass C { f(switch (uint8 k) { }); };", &[("C", "f", "")]);
    // With a default inside, the key's own default (0) must select a case.
    assert_defaults(
        "dclass C { f(switch (uint8 k) { case 1: uint8 y = 5; }); };",
        &[("C", "f", "")],
    );
    // A switch field of a named struct with a default inside is cached (empty)...
    assert_defaults(
        "struct S { uint8 a; switch (uint8 k) { case 1: uint8 y = 5; } sw; }; \
         dclass C { f(S s); };",
        &[("S", "sw", ""), ("C", "f", "00")],
    );
    // ...one without is recomputed from its first case.
    assert_defaults(
        "struct S { uint8 a; switch (uint8 k) { case 1: uint8 y; default: int32(203)/10 q; } sw; }; \
         dclass C { f(S s); };",
        &[("S", "sw", ""), ("C", "f", "")],
    );
    assert_defaults(
        "struct S { uint8 a; int32(203)/10 q[] = []; uint8(3-4) b[1-2]; }; dclass C { f(S s); };",
        &[
            ("S", "q", "0000"),
            ("S", "b", "010003"),
            ("C", "f", "000000010003"),
        ],
    );
}

fn pack(model: &Model, class: &str, field: &str, value: &str) -> Result<String, String> {
    let c = model.class_by_name(class).expect("class");
    let f = model.field_by_name(c, field).expect("field");
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::new("<value>", value.as_bytes()));
    let parsed = parse::parse_value(file, value).map_err(|_| "parse".to_string())?;
    pack::pack_field(model, f, &parsed)
        .map(|b| hex(&b))
        .map_err(|e| format!("{:?}", e.kind))
}

#[test]
fn one_character_strings_and_ranges() {
    let model = load(
        "dclass A { uint8(0-255) a; char(0-255) b; int8(1-2) c; uint8 d; \
         uint8(0-100)/2 e; char('a'-'z') f; };",
    );
    for (field, value, want) in [
        ("a", "'A'", Ok("41")),
        ("a", "'\\x7f'", Ok("7f")),
        ("a", "'\\xc1'", Err("Range")),
        ("b", "'\\xc1'", Err("Range")),
        // int8: the range is never checked for a character.
        ("c", "'A'", Ok("41")),
        ("c", "'\\xc1'", Ok("c1")),
        // No range at all: any byte.
        ("d", "'\\xc1'", Ok("c1")),
        // The (scaled) range applies to the raw code; 'A' = 65 <= 200.
        ("e", "'A'", Ok("41")),
        ("f", "'A'", Err("Range")),
        ("f", "'q'", Ok("71")),
    ] {
        let got = pack(&model, "A", field, value);
        let want = want.map(str::to_string).map_err(str::to_string);
        assert_eq!(got, want, "A.{field} = {value}");
    }
}

/// 3. A molecular field's default is its atoms' parameters' defaults in order: its
///    nested fields are the atoms' parameters, flattened, so atoms' cached defaults
///    are not reused, and an atom whose implicit default is out of range fails the
///    whole molecular default (while the atom's own default is just empty).
#[test]
fn molecular_defaults_are_their_atoms_in_order() {
    assert_defaults(
        "dclass A { setX(int16 x = 5) ram; setY(uint8 y) ram; setXY : setX, setY; };",
        &[
            ("A", "setX", "0500"),
            ("A", "setY", "00"),
            ("A", "setXY", "050000"),
        ],
    );
    assert_defaults(
        "struct P { int8 a = -1; string s = \"hi\"; }; dclass A { setP(P p, uint16(3-9) n) ram; \
         setL(uint8 l[2-3]) ram; setPL : setP, setL; };",
        &[
            ("A", "setP", "ff020068690300"),
            ("A", "setL", "02000000"),
            ("A", "setPL", "ff02006869030002000000"),
        ],
    );
    assert_defaults(
        "dclass A { setX(int16 x) ram; }; dclass B : A { setY(float64 y = 1.5) ram; setXY : setX, setY; };",
        &[("B", "setXY", "0000000000000000f83f")],
    );
    assert_defaults(
        "dclass A { setX(uint8(5-9) x) ram; setZ(int8 z = 3) ram; setXZ : setX, setZ; };",
        &[("A", "setXZ", "0503")],
    );
    assert_defaults(
        "dclass A { setV(int16 v = 7) ram; setR(int8(-19 - -5)/4 r) ram; m : setV, setR; n : setV; };",
        &[("A", "setR", ""), ("A", "m", ""), ("A", "n", "0700")],
    );
}
