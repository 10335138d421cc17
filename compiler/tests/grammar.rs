//! Word-level grammar checks. The grammar matches reserved and built-in words with
//! prefix-factored rules for speed (`grammar.pest`), so every word is checked here
//! one by one: reserved words are never names, and any longer word is a plain name.

use dcc::source::FileId;

/// Panda's 30 reserved words (`dcLexer.lxx`).
const RESERVED: [&str; 30] = [
    "dclass",
    "struct",
    "from",
    "import",
    "keyword",
    "typedef",
    "switch",
    "case",
    "default",
    "break",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float64",
    "string",
    "blob",
    "blob32",
    "char",
    "int8array",
    "int16array",
    "int32array",
    "uint8array",
    "uint16array",
    "uint32array",
    "uint32uint8array",
];

fn parses(text: &str) -> bool {
    dcc::parse::parse_file(FileId(0), text).is_ok()
}

#[test]
fn reserved_words_are_never_names() {
    for word in RESERVED {
        assert!(
            !parses(&format!("dclass A {{ uint8 {word}; }};")),
            "{word} as a name"
        );
        assert!(
            !parses(&format!("dclass {word} {{ }};")),
            "{word} as a class name"
        );
    }
}

#[test]
fn longer_words_are_plain_names() {
    for word in RESERVED {
        for suffix in ["x", "_", "0", "9", "32", "array", "uint8array"] {
            let name = format!("{word}{suffix}");
            if RESERVED.contains(&name.as_str()) {
                continue;
            }
            assert!(
                parses(&format!("dclass A {{ uint8 {name}; }};")),
                "{name} as a name"
            );
            assert!(
                parses(&format!("typedef uint8 {name};\ndclass A {{ {name} x; }};")),
                "{name} as a type name"
            );
        }
        // Prefixes of reserved words are names too.
        for end in 1..word.len() {
            let name = &word[..end];
            if !RESERVED.contains(&name) {
                assert!(parses(&format!("dclass A {{ uint8 {name}; }};")), "{name}");
            }
        }
    }
}

#[test]
fn builtin_words_are_types() {
    for word in &RESERVED[10..] {
        assert!(
            parses(&format!("dclass A {{ f({word} x); }};")),
            "{word} as a type"
        );
    }
    // `int32uint8array` is not a type word (only the `uint` spelling exists).
    let model = dcc::load_sources(
        &[("t.dc", b"dclass A { f(int32uint8array x); };".as_slice())],
        dcc::Options::default(),
    );
    assert!(model.is_err(), "int32uint8array is an undefined type name");
}

#[test]
fn whitespace_and_comments_separate_tokens() {
    let text = "dclass/*c*/A\t{\r\n f( // m\n uint8 /* x */ x\n)\rram ; } ;";
    assert!(parses(text));
    // Vertical tab and form feed are not whitespace in Panda's lexer.
    assert!(!parses("dclass A {\x0b};"));
    assert!(!parses("dclass A {\x0c};"));
}
