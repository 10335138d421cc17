//! Rust names for schema names: types keep the schema's spelling when it is already
//! a type-like name (`DistributedAvatarAI` stays as is), fields become snake case
//! (`setPos` → `set_pos`), and clashes get a numeric suffix.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};
use std::collections::HashSet;

/// Words Rust reserves; these become raw identifiers (`r#type`).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers; these get a trailing underscore.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// The schema name as a type name: kept when it starts with an uppercase letter and
/// has no underscores, converted to UpperCamelCase otherwise.
pub fn type_name(schema: &str) -> String {
    let keep = schema.starts_with(|c: char| c.is_ascii_uppercase()) && !schema.contains('_');
    let name = if keep {
        schema.to_string()
    } else {
        schema.to_upper_camel_case()
    };
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("T{name}")
    } else {
        name
    }
}

/// The schema name as a field, variable or module name.
pub fn value_name(schema: &str) -> String {
    let name = schema.to_snake_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("f{name}")
    } else {
        name
    }
}

/// A Rust identifier for a name, raw where the name is a keyword.
pub fn ident(name: &str) -> Ident {
    if NOT_RAW.contains(&name) {
        Ident::new(&format!("{name}_"), Span::call_site())
    } else if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// Hands out names unique within one scope, suffixing `_2`, `_3`… on clashes.
#[derive(Default)]
pub struct Scope {
    taken: HashSet<String>,
}

impl Scope {
    /// A scope where `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Claims `wanted`, or the first free suffixed variant of it.
    pub fn claim(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_string();
        let mut n = 2;
        while !self.taken.insert(name.clone()) {
            name = format!("{wanted}_{n}");
            n += 1;
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_like_the_schema() {
        assert_eq!(type_name("DistributedAvatarAI"), "DistributedAvatarAI");
        assert_eq!(type_name("barrier_data"), "BarrierData");
        assert_eq!(value_name("setPos"), "set_pos");
        assert_eq!(value_name("setXYZH"), "set_xyzh");
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        let mut scope = Scope::with_reserved(&["SCHEMA"]);
        assert_eq!(scope.claim("SCHEMA"), "SCHEMA_2");
        assert_eq!(scope.claim("a"), "a");
        assert_eq!(scope.claim("a"), "a_2");
    }
}
