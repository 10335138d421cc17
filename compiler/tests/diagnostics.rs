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

#[test]
fn misspelled_declaration_word_at_the_top() {
    insta::assert_snapshot!(render("dclas A {\n  setX(uint8 x);\n};\n"));
}

#[test]
fn missing_closing_parenthesis() {
    insta::assert_snapshot!(render(
        "dclass A {\n  setPos(int16 x, int16 y;\n  setZ(uint8 z);\n};\n"
    ));
}

#[test]
fn missing_end_of_class_before_the_next() {
    insta::assert_snapshot!(render(
        "dclass A {\n  setX(uint8 x);\n\ndclass B : A {\n  setY(uint8 y);\n};\n"
    ));
}

#[test]
fn missing_end_of_class_at_end_of_file() {
    insta::assert_snapshot!(render("dclass A {\n  setX(uint8 x);\n"));
}

#[test]
fn several_syntax_errors_in_one_file() {
    insta::assert_snapshot!(render(
        "dclas A {\n};\n\ndclass B {\n  setX(uint8 x;\n};\n\nstruct S {\n  uint8 a = ;\n};\n\ndclass C {\n  setY(uint8 y);\n"
    ));
}

#[test]
fn misspelled_keyword_class_and_type_get_a_suggestion() {
    insta::assert_snapshot!(render(
        "dclass DistributedAvatar {\n  setX(uint8 x) requird;\n};\ndclass B : DistributedAvatr {\n  setY(DistributedAvatr y);\n  setZ(uint33 z);\n};\n"
    ));
}

#[test]
fn syntax_errors_per_file_are_bounded() {
    let schema = "dclass A {\n  setX(uint8 x;\n};\n".repeat(50);
    let e = dcc::load_sources(&[("game.dc", schema.as_bytes())], dcc::Options::default())
        .expect_err("every line is wrong");
    assert_eq!(e.diagnostics.len(), dcc::parse::MAX_SYNTAX_ERRORS);
    assert!(e
        .diagnostics
        .iter()
        .all(|d| d.message.contains("expected `)`")));
}

#[test]
fn a_reserved_word_as_a_field_name() {
    insta::assert_snapshot!(render(
        "dclass A {\n  setX(uint8 x) ram;\n  import(uint8 y);\n};\n"
    ));
}
