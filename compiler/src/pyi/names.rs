//! Python identifiers for schema names: escaping keywords and names the stubs
//! themselves use, and keeping names unique within one scope.

use std::collections::BTreeSet;

/// Python's hard keywords (3.11), which can never be identifiers.
const KEYWORDS: &[&str] = &[
    "False",
    "None",
    "True",
    "and",
    "as",
    "assert",
    "async",
    "await",
    "break",
    "class",
    "continue",
    "def",
    "del",
    "elif",
    "else",
    "except",
    "finally",
    "for",
    "from",
    "global",
    "if",
    "import",
    "in",
    "is",
    "lambda",
    "nonlocal",
    "not",
    "or",
    "pass",
    "raise",
    "return",
    "try",
    "while",
    "with",
    "yield",
    "__debug__",
];

/// Names the stubs refer to at module level (builtins used in annotations and the
/// `typing` imports); a schema name equal to one of them would shadow it.
pub const STUB_NAMES: &[&str] = &[
    "int",
    "float",
    "str",
    "bytes",
    "list",
    "tuple",
    "object",
    "Any",
    "Literal",
    "NamedTuple",
    "TypeAlias",
    "Sequence",
];

/// Whether `name` is a Python keyword.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// A valid Python identifier for a schema name: characters outside
/// `[A-Za-z0-9_]` become `_`, a leading digit gets a `_` prefix, and a keyword
/// gets a trailing `_` (`pass` → `pass_`), as PEP 8 suggests.
pub fn identifier(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if is_keyword(&out) {
        out.push('_');
    }
    out
}

/// Claims a unique name in `taken`: `base` itself, or `base` with `_` appended
/// until it is free (at most `taken.len()` extra underscores are ever needed).
pub fn claim(base: String, taken: &mut BTreeSet<String>) -> String {
    let mut name = base;
    for _ in 0..=taken.len() {
        if !taken.contains(&name) {
            break;
        }
        name.push('_');
    }
    taken.insert(name.clone());
    name
}

/// The identifiers a rendered type mentions (`list[DoId] | Color` → `list`, `DoId`,
/// `Color`); a class member with one of these names would shadow it in the body.
pub fn mentioned(type_text: &str, out: &mut BTreeSet<String>) {
    for word in type_text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if !word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit()) {
            out.insert(word.to_string());
        }
    }
}

/// Text for a docstring: runs of whitespace collapsed to one space, backslashes
/// escaped, control characters as `\xNN`, and a quote escaped where it could end
/// the docstring (before another quote, or last).
pub fn doc_text(text: &str) -> String {
    let collapsed: Vec<char> = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let mut out = String::with_capacity(collapsed.len());
    for (i, &c) in collapsed.iter().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' if matches!(collapsed.get(i + 1), None | Some('"')) => out.push_str("\\\""),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c) & 0xff)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_escaped() {
        assert_eq!(identifier("setPos"), "setPos");
        assert_eq!(identifier("pass"), "pass_");
        assert_eq!(identifier("None"), "None_");
        assert_eq!(identifier("9lives"), "_9lives");
        assert_eq!(identifier(""), "_");
    }

    #[test]
    fn claim_appends_underscores() {
        let mut taken = BTreeSet::new();
        assert_eq!(claim("x".into(), &mut taken), "x");
        assert_eq!(claim("x".into(), &mut taken), "x_");
        assert_eq!(claim("x".into(), &mut taken), "x__");
    }

    #[test]
    fn doc_text_is_safe_inside_triple_quotes() {
        assert_eq!(
            doc_text("a(string s = \"\\\"\"\u{1}) \n\t ram"),
            r#"a(string s = "\\\""\x01) ram"#
        );
        // No run of three quotes survives, and a final quote is escaped.
        assert_eq!(doc_text(r#"s = """x""#), r#"s = \"\""x\""#);
        assert_eq!(doc_text("  \n "), "");
    }

    #[test]
    fn mentioned_splits_on_punctuation() {
        let mut out = BTreeSet::new();
        mentioned("list[tuple[DoId, int]] | Literal[1, 2]", &mut out);
        let words: Vec<&str> = out.iter().map(String::as_str).collect();
        assert_eq!(words, ["DoId", "Literal", "int", "list", "tuple"]);
    }
}
