//! Rendered diagnostics, carets included, for each family of schema error. The
//! snapshots live in `tests/snapshots/`; review changes with `cargo insta review`
//! or `INSTA_UPDATE=always cargo test`.

fn render(schema: &str) -> String {
    match dcc::load_sources(&[("game.dc", schema.as_bytes())], dcc::Options::default()) {
        Ok(_) => panic!("expected an error for {schema}"),
        Err(e) => e.render(),
    }
}

#[test]
fn syntax_error_missing_semicolon() {
    insta::assert_snapshot!(render(
        "dclass A {\n  setX(uint8 x)\n  setY(uint8 y);\n};\n"
    ));
}

#[test]
fn undefined_type_with_hint() {
    insta::assert_snapshot!(render("dclass A {\n  setPos(float32 x, float32 y);\n};\n"));
}

#[test]
fn duplicate_field_points_at_both() {
    insta::assert_snapshot!(render(
        "dclass A {\n  setX(uint8 x);\n  setX(uint16 x);\n};\n"
    ));
}

#[test]
fn keyword_used_as_name() {
    insta::assert_snapshot!(render("keyword p2p;\ndclass A {\n  setX(uint8 p2p);\n};\n"));
}

#[test]
fn undeclared_keyword() {
    insta::assert_snapshot!(render("dclass A {\n  setX(uint8 x) broadcst;\n};\n"));
}

#[test]
fn bad_range_modulus_and_divisor() {
    insta::assert_snapshot!(render(
        "dclass A {\n  a(uint8(10-5) x);\n  b(int8 % 129 y);\n  c(string / 10 z);\n  d(uint8(0-300) w);\n};\n"
    ));
}

#[test]
fn invalid_default_value() {
    insta::assert_snapshot!(render("dclass A {\n  setX(uint8(0-10) x = 11);\n};\n"));
}

#[test]
fn class_defined_after_use_and_bad_molecule() {
    insta::assert_snapshot!(render(
        "dclass A {\n  a(uint8) ram;\n  b(uint8) broadcast;\n  m : a, b;\n  n : a, nothere;\n};\n"
    ));
}

#[test]
fn unterminated_string() {
    insta::assert_snapshot!(render("dclass A {\n  setName(string n = \"abc);\n};\n"));
}
