//! What a field's keywords make it do: custom keywords change the hash (Panda's flags
//! become `!0`) but not the behaviour bits the runtime checks.

fn load(schema: &str) -> dcc::Model {
    dcc::load_sources(&[("t.dc", schema.as_bytes())], dcc::Options::default())
        .unwrap_or_else(|e| panic!("{schema}\n{}", e.render()))
}

#[test]
fn a_custom_keyword_turns_on_no_historical_behaviour() {
    let model = load(
        "keyword command; keyword predicted; keyword broadcast;\n\
         dclass M { setState(float64 x) required broadcast ram predicted; \
         input(int8 v) ownsend command; plain(uint8 v) clsend airecv; };",
    );
    let flags = |name: &str| {
        let f = model
            .fields_by_number
            .iter()
            .map(|&id| model.field(id))
            .find(|f| f.name == name)
            .unwrap();
        (f.keywords.flags, f.keywords.historical_flags())
    };
    // The hash sees `!0` with a custom (or re-declared) keyword; behaviour does not.
    assert_eq!(flags("setState"), (!0, 0x001 | 0x002 | 0x008));
    assert_eq!(flags("input"), (!0, 0x080));
    assert_eq!(flags("plain"), (0x020 | 0x100, 0x020 | 0x100));
}
