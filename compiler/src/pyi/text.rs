//! Text layout of the stubs: Python literals, wrapped lines, shortened excerpts.

/// Line width the output wraps at (black's default).
const LINE: usize = 88;

/// Longest declaration excerpt quoted in a docstring, in characters.
const MAX_EXCERPT: usize = 120;

/// The file name without its directories, so the output does not depend on where
/// the schema was read from.
pub fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// At most [`MAX_EXCERPT`] characters of a declaration, cut with `...`.
pub fn short(text: &str) -> String {
    if text.chars().count() <= MAX_EXCERPT {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_EXCERPT).collect();
    cut.push_str(" ...");
    cut
}

/// `head`, then `Literal[names]` (when there are names) and the `others` as one
/// union; a long literal is filled over lines of at most [`LINE`] columns.
pub fn wrap_alias(head: &str, names: &[String], others: &[String]) -> String {
    let literal = if names.is_empty() {
        Vec::new()
    } else {
        vec![format!("Literal[{}]", names.join(", "))]
    };
    let one_line = format!("{head}{}", [literal, others.to_vec()].concat().join(" | "));
    if names.is_empty() || one_line.len() <= LINE {
        return one_line;
    }
    let mut out = format!("{head}Literal[\n");
    let mut line = String::from("   ");
    for name in names {
        if line.len() + name.len() + 2 > LINE {
            out.push_str(&line);
            out.push('\n');
            line = String::from("   ");
        }
        line.push(' ');
        line.push_str(name);
        line.push(',');
    }
    out.push_str(&line);
    out.push_str("\n]");
    for other in others {
        out.push_str(" | ");
        out.push_str(other);
    }
    out
}

/// A Python string literal for a schema name.
pub fn python_str(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c if u32::from(c) <= 0xffff => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// `tuple[...]` of the elements (`tuple[()]` when there are none).
pub fn tuple_of(elements: &[String]) -> String {
    if elements.is_empty() {
        "tuple[()]".to_string()
    } else {
        format!("tuple[{}]", elements.join(", "))
    }
}

/// A method's `def` line(s), wrapped one parameter per line when long.
pub fn method_text(name: &str, params: &[(String, String)], overrides: bool) -> String {
    let ignore = if overrides {
        "  # type: ignore[override, unused-ignore]"
    } else {
        ""
    };
    let args: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
    let one_line = if args.is_empty() {
        format!("    def {name}(self) -> None:")
    } else {
        format!("    def {name}(self, {}, /) -> None:", args.join(", "))
    };
    if one_line.len() <= LINE {
        return format!("\n{one_line}{ignore}\n");
    }
    let mut out = format!("\n    def {name}({ignore}\n        self,\n");
    for a in &args {
        out.push_str(&format!("        {a},\n"));
    }
    out.push_str("        /,\n    ) -> None:\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_literal_aliases_wrap_within_the_line_width() {
        let names: Vec<String> = (0..30)
            .map(|i| python_str(&format!("setField{i}")))
            .collect();
        let text = wrap_alias("AFields: TypeAlias = ", &names, &["BaseFields".to_string()]);
        assert!(text.starts_with("AFields: TypeAlias = Literal[\n"));
        assert!(text.ends_with("\n] | BaseFields"));
        assert!(text.lines().all(|l| l.len() <= LINE), "{text}");
        assert_eq!(text.matches("\"setField").count(), 30);
        let short_one = wrap_alias("A: T = ", &names[..2], &[]);
        assert_eq!(short_one, "A: T = Literal[\"setField0\", \"setField1\"]");
    }

    #[test]
    fn python_strings_escape_quotes_and_non_ascii() {
        assert_eq!(python_str("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(python_str("é\u{1F600}"), r#""\u00e9\U0001f600""#);
    }

    #[test]
    fn long_excerpts_are_cut() {
        assert_eq!(short("f(uint8 x)"), "f(uint8 x)");
        let long = "x".repeat(MAX_EXCERPT + 5);
        assert_eq!(short(&long).chars().count(), MAX_EXCERPT + 4);
        assert!(short(&long).ends_with(" ..."));
    }

    #[test]
    fn methods_wrap_one_parameter_per_line() {
        let few = vec![("x".to_string(), "float".to_string())];
        assert_eq!(
            method_text("setX", &few, false),
            "\n    def setX(self, x: float, /) -> None:\n"
        );
        assert_eq!(
            method_text("f", &[], true),
            "\n    def f(self) -> None:  # type: ignore[override, unused-ignore]\n"
        );
        let many: Vec<(String, String)> = (0..9)
            .map(|i| (format!("parameter{i}"), "int".to_string()))
            .collect();
        let text = method_text("setMany", &many, true);
        assert!(text.starts_with(
            "\n    def setMany(  # type: ignore[override, unused-ignore]\n        self,\n"
        ));
        assert!(text.ends_with("        parameter8: int,\n        /,\n    ) -> None:\n"));
    }
}
