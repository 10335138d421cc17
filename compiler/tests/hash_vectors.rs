//! Small schema → hash pairs measured on Panda3D 1.10.16 (`DCFile.getHash()`), one
//! per rule of the hash: empty file, structs, keywords (historical, custom and
//! re-declared), moduli, ranges, arrays, nested structs, molecular fields,
//! switches, inheritance, typedefs and legacy array types.

fn load(schema: &str) -> dcc::Model {
    dcc::load_sources(&[("t.dc", schema.as_bytes())], dcc::Options::default())
        .unwrap_or_else(|e| panic!("{schema}\n{}", e.render()))
}

/// The hash by the default walk, with the memoized walk checked against it.
fn hash_of(schema: &str) -> String {
    let model = load(schema);
    let plain = dcc::hash::hash_model(&model);
    let memoized = dcc::hash::hash_model_memoized(&model);
    assert_eq!(plain, memoized, "memoized walk differs on {schema:?}");
    format!("{plain:#010x}")
}

/// `depth` levels of structs, each holding two of the previous one.
fn nested_structs(depth: usize) -> String {
    let mut text = String::from("struct S0 { uint8 a; string b; };\n");
    for i in 1..=depth {
        text += &format!("struct S{i} {{ S{} a; S{} b; }};\n", i - 1, i - 1);
    }
    text + &format!("dclass D {{ setS(S{depth}) ram; }};")
}

/// Nesting doubles Panda's walk at each level; both walks agree with Panda where it
/// still finishes (2^12 copies of S0, measured on Panda3D 1.10.16).
#[test]
fn nested_structs_match_panda() {
    assert_eq!(hash_of(&nested_structs(12)), "0x7effe12d");
}

#[test]
fn nested_switches_match_panda() {
    let mut text =
        String::from("switch W0 (uint8) { case 0: uint16 a; break; default: string s; };\n");
    for i in 1..=8 {
        text += &format!(
            "switch W{i} (uint8) {{ case 1: W{p} a; W{p} b; break; case 2: uint8 c; }};\n",
            p = i - 1
        );
    }
    text += "dclass D { f(W8 w); };";
    assert_eq!(hash_of(&text), "0xebb1bcda");
}

/// Forty levels are 2^40 copies of S0: Panda never finishes. `hash_model` must
/// finish (it gives up the plain walk after its step budget and takes the memoized
/// one), and agree with the memoized walk.
#[test]
fn exponential_nesting_is_hashed_in_linear_time() {
    let model = load(&nested_structs(40));
    let hash = dcc::hash::hash_model(&model);
    assert_eq!(hash, dcc::hash::hash_model_memoized(&model));
    // The walks differ from a 12-level schema: depth is hashed, not truncated.
    assert_ne!(format!("{hash:#010x}"), "0x7effe12d");
}

#[test]
fn hashes_match_panda() {
    let cases = [
        ("", "0x00000002"),
        ("dclass A {};", "0x000001d1"),
        ("struct A {};", "0x000001dc"),
        ("dclass A { foo(uint8 x); };", "0x00002123"),
        ("dclass A { foo(uint8 x) required broadcast ram; };", "0x00002328"),
        ("keyword required; dclass A { foo(uint8 x) required; };", "0x000117f9"),
        ("keyword bar; dclass A { foo(uint8 x) bar; };", "0x00006d7a"),
        ("dclass A { setH(int16 % 360 / 10 h); };", "0x00031514"),
        ("dclass A { f(uint8(0-100) x); };", "0x00001cc4"),
        ("dclass A { f(uint32 x[], uint8 y[4], int16 z[0-5]); };", "0x00000fc7"),
        ("struct S { uint8 a; string b; }; dclass A { f(S s); };", "0x0000461d"),
        ("dclass A { a(uint8) ram; b(uint16) ram; m: a, b; };", "0x0000b0b6"),
        ("dclass A { uint32 x required db; };", "0x00000388"),
        ("dclass A { foo(); };", "0x0000202f"),
        ("dclass A { foo(uint8 x) required; };", "0x00002152"),
        ("keyword bar; dclass A { foo(uint8 x) required bar; };", "0x0001a410"),
        ("dclass A { f(int16(0-999, 2000-2999) x, char('a'-'z') c); };", "0x00055957"),
        ("dclass A { f(float64(-1.5-2.5)/100 x); };", "0x00002de7"),
        ("dclass A { f(string(5) a, blob b, blob32 c, string(0-32) d); };", "0x00002082"),
        (
            "struct S { switch (uint8) { case 0: uint16 a; break; case 1: case 2: string s; break; default: int8 z; }; }; dclass A { f(S s); };",
            "0x0001320e",
        ),
        ("dclass A { a(); }; dclass B : A { b(); };", "0x00002c14"),
        ("typedef uint32 DoId; typedef DoId DoIdList[]; dclass A { f(DoIdList l); };", "0x00000a7d"),
        ("dclass A { f(int8array a, uint16array b, uint32uint8array c); };", "0x000011d9"),
        ("dclass A { f(uint8 x) broadcast; };", "0x00000a91"),
        ("keyword broadcast; dclass A { f(uint8 x) broadcast; };", "0x00010098"),
    ];
    let mut failures = Vec::new();
    for (schema, want) in cases {
        let got = hash_of(schema);
        if got != want {
            failures.push(format!("{schema:?}: {got}, Panda {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn redeclared_keyword_changes_only_later_fields() {
    // `keyword broadcast;` makes broadcast hash by name from that point on.
    let before = hash_of("dclass A { f(uint8 x) broadcast; }; dclass B { g(uint8 x) broadcast; };");
    let between = hash_of("dclass A { f(uint8 x) broadcast; }; keyword broadcast; dclass B { g(uint8 x) broadcast; };");
    let after = hash_of("keyword broadcast; dclass A { f(uint8 x) broadcast; }; dclass B { g(uint8 x) broadcast; };");
    assert_ne!(before, between);
    assert_ne!(between, after);
}
