//! Syntax errors in a schema author's words, and recovery to report several.
//!
//! Only the cold path: a file that parses never comes here, so valid input costs
//! exactly what it did. When pest fails, [`diagnose`] finds the declaration being
//! read (the longest prefix of whole declarations pest accepts), re-reads its tokens
//! up to the failure to learn what construct was open (a dclass body, a parameter
//! list, an array size), and says what was expected there and what was found, with
//! a "did you mean" for a misspelled declaration word. It then resumes at the next
//! line that starts with a declaration word and parses the rest, up to
//! [`MAX_SYNTAX_ERRORS`] errors per file.

use super::grammar::{DcParser, Rule};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::suggest;
use pest::Parser as _;

/// At most this many syntax errors are reported per file; later ones are likely
/// echoes of the first.
pub const MAX_SYNTAX_ERRORS: usize = 10;

/// Words that start a top-level declaration.
const DECLARATION_WORDS: [&str; 7] = [
    "dclass", "struct", "switch", "typedef", "keyword", "from", "import",
];

/// The syntax errors of a file whose parse failed with `first` (positions in `text`).
pub(super) fn diagnose(
    file: FileId,
    text: &str,
    first: pest::error::Error<Rule>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut base = 0;
    let mut error = first;
    loop {
        let pos = base + error_pos(&error);
        let start = base + declaration_start(&text[base..]);
        out.push(explain(file, text, start, pos, &error));
        if out.len() >= MAX_SYNTAX_ERRORS {
            break;
        }
        let Some(resume) = resume_point(text, pos.max(start + 1)) else {
            break;
        };
        match DcParser::parse(Rule::file, &text[resume..]) {
            Ok(_) => break,
            Err(e) => {
                base = resume;
                error = e;
            }
        }
    }
    out
}

/// Where pest gave up.
fn error_pos(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

/// The offset where the declaration that failed begins: the end of the longest run
/// of whole declarations (comments and blanks skipped).
fn declaration_start(text: &str) -> usize {
    let end = DcParser::parse(Rule::declarations_prefix, text)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .map_or(0, |p| p.as_span().end());
    skip_blank(text, end)
}

/// The start of the first line at or after `from` that begins, unindented, with a
/// declaration word: where parsing resumes after an error. (Indented words are
/// more likely fields that misuse a reserved word than new declarations.)
fn resume_point(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut line = bytes[..from.min(bytes.len())]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    while line < bytes.len() {
        if line >= from && DECLARATION_WORDS.contains(&word_at(text, line)) {
            return Some(line);
        }
        line = match bytes[line..].iter().position(|&b| b == b'\n') {
            Some(i) => line + i + 1,
            None => return None,
        };
    }
    None
}

/// Skips whitespace and comments from `i`.
fn skip_blank(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i..].starts_with(b"//") {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
        } else if bytes[i..].starts_with(b"/*") {
            i = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |n| i + 2 + n + 2);
        } else {
            return i;
        }
    }
}

/// The identifier-like word at `i` (empty if none).
fn word_at(text: &str, i: usize) -> &str {
    let bytes = text.as_bytes();
    let mut end = i;
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
        end += 1;
    }
    &text[i.min(end)..end]
}

/// One token, as far as diagnosis needs it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Token<'a> {
    text: &'a str,
    start: usize,
}

impl Token<'_> {
    fn end(&self) -> usize {
        self.start + self.text.len()
    }

    fn is_word(&self) -> bool {
        self.text
            .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    }

    /// How the token reads in a message.
    fn describe(&self) -> String {
        if self.text.is_empty() {
            "end of file".to_string()
        } else if self.text.starts_with(['"', '\'']) {
            "a string".to_string()
        } else {
            format!("`{}`", self.text)
        }
    }
}

/// The token at `i` (after blanks); empty text at the end of the input.
fn token_at(text: &str, i: usize) -> Token<'_> {
    let start = skip_blank(text, i);
    let bytes = text.as_bytes();
    let Some(&first) = bytes.get(start) else {
        return Token {
            text: "",
            start: text.len(),
        };
    };
    let end = if first.is_ascii_alphanumeric() || first == b'_' || first == b'.' {
        let mut e = start;
        while e < bytes.len() && (bytes[e].is_ascii_alphanumeric() || b"_.".contains(&bytes[e])) {
            e += 1;
        }
        e
    } else if first == b'"' || first == b'\'' {
        let mut e = start + 1;
        while e < bytes.len() && bytes[e] != first && bytes[e] != b'\n' {
            e += if bytes[e] == b'\\' { 2 } else { 1 };
        }
        (e + 1).min(bytes.len())
    } else {
        start + text[start..].chars().next().map_or(1, char::len_utf8)
    };
    Token {
        text: &text[start..end.min(text.len())],
        start,
    }
}

/// The tokens from `start` up to (not including) `end`.
fn tokens(text: &str, start: usize, end: usize) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut i = start;
    loop {
        let t = token_at(text, i);
        if t.text.is_empty() || t.start >= end {
            return out;
        }
        i = t.end();
        out.push(t);
    }
}

/// A bracket still open where parsing failed, and what it opened.
struct Open {
    bracket: u8,
    at: usize,
    what: String,
}

/// What was being read where parsing failed: the declaration, the field within it
/// and the brackets still open.
struct Context {
    declaration: String,
    field: Option<String>,
    open: Vec<Open>,
}

impl Context {
    /// Re-reads the tokens of the failing declaration up to the failure.
    fn read(tokens: &[Token<'_>]) -> Context {
        let declaration = describe_declaration(tokens);
        let mut ctx = Context {
            declaration,
            field: None,
            open: Vec::new(),
        };
        let mut field_start = true;
        for (i, t) in tokens.iter().enumerate() {
            let previous = i.checked_sub(1).map(|p| tokens[p].text);
            let in_body = ctx.open.len() == 1 && ctx.open[0].bracket == b'{';
            if in_body && field_start && t.text != ";" && t.text != "}" {
                ctx.field = None;
                field_start = false;
            }
            if in_body && ctx.field.is_none() && t.is_word() {
                let next = tokens.get(i + 1).map(|n| n.text);
                if matches!(next, Some("(" | ":"))
                    || crate::ast::Builtin::from_name(t.text).is_none()
                {
                    ctx.field = Some(t.text.to_string());
                }
            }
            match t.text.as_bytes().first() {
                Some(&b @ (b'(' | b'[' | b'{')) => {
                    let what = ctx.bracket_meaning(b, previous);
                    ctx.open.push(Open {
                        bracket: b,
                        at: t.start,
                        what,
                    });
                }
                Some(b')' | b']' | b'}') => {
                    ctx.open.pop();
                }
                Some(b';') if ctx.open.len() == 1 => {
                    field_start = true;
                    ctx.field = None;
                }
                _ => {}
            }
        }
        ctx
    }

    /// What a bracket opened after `previous` encloses.
    fn bracket_meaning(&self, bracket: u8, previous: Option<&str>) -> String {
        let field = self.field.as_deref().unwrap_or("this field");
        match (bracket, self.open.len()) {
            (b'{', 0) => format!("the body of {}", self.declaration),
            (b'(', 1) => format!("the parameter list of `{field}`"),
            (b'(', _) if previous.is_some_and(|p| crate::ast::Builtin::from_name(p).is_some()) => {
                format!("the range of `{}`", previous.unwrap_or_default())
            }
            (b'[', _) => "an array size".to_string(),
            (b'{', _) => "a list of values".to_string(),
            _ => "a parenthesis".to_string(),
        }
    }

    /// "field `x` of dclass `A`", or the declaration alone.
    fn place(&self) -> String {
        match (&self.field, self.open.is_empty()) {
            (Some(f), false) => format!("field `{f}` of {}", self.declaration),
            _ => self.declaration.clone(),
        }
    }
}

/// "dclass `Avatar`", "a typedef", ... from the first tokens of a declaration.
fn describe_declaration(tokens: &[Token<'_>]) -> String {
    let name = tokens
        .get(1)
        .filter(|t| t.is_word())
        .map(|t| format!(" `{}`", t.text))
        .unwrap_or_default();
    match tokens.first().map(|t| t.text) {
        Some(w @ ("dclass" | "struct" | "switch")) => format!("{w}{name}"),
        Some("typedef") => "a typedef".to_string(),
        Some("keyword") => "a keyword declaration".to_string(),
        Some("from" | "import") => "an import".to_string(),
        _ => "a declaration".to_string(),
    }
}

fn closer(bracket: u8) -> char {
    match bracket {
        b'(' => ')',
        b'[' => ']',
        _ => '}',
    }
}

/// One diagnostic for a failure at `pos` inside the declaration starting at `start`.
fn explain(
    file: FileId,
    text: &str,
    start: usize,
    pos: usize,
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    let found = token_at(text, pos);
    let span = Span::new(file, found.start, found.end().max(found.start + 1));
    let read = tokens(text, start, found.start);
    let d = if read.is_empty() {
        at_top_level(span, &found)
    } else {
        let ctx = Context::read(&read);
        inside(file, text, span, &ctx, &found, error)
    };
    with_literal_hints(d, text, found.start)
}

/// A declaration could not even start.
fn at_top_level(span: Span, found: &Token<'_>) -> Diagnostic {
    let mut d = Diagnostic::error(
        span,
        format!(
            "expected a declaration (`dclass`, `struct`, `switch`, `typedef`, `keyword`, `from` or `import`), found {}",
            found.describe()
        ),
    );
    if let Some(hint) = suggest::did_you_mean(found.text, DECLARATION_WORDS) {
        d = d.with_hint(hint);
    } else if found.text == "}" {
        d = d.with_hint("this `}` closes nothing: is there an extra `};` above?");
    }
    d
}

/// A failure inside a declaration: an unclosed bracket, or a token out of place.
fn inside(
    file: FileId,
    text: &str,
    span: Span,
    ctx: &Context,
    found: &Token<'_>,
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    let starts_declaration = DECLARATION_WORDS.contains(&found.text)
        && (found.start == 0 || text.as_bytes()[found.start - 1] == b'\n');
    let ends_construct =
        found.text.is_empty() || matches!(found.text, ";" | "}") || starts_declaration;
    if let Some(open) = ctx.open.last().filter(|_| ends_construct) {
        let close = closer(open.bracket);
        let unclosed_body = ctx.open.len() == 1 && open.bracket == b'{';
        if open.bracket != b'{' || unclosed_body && found.text != "}" && found.text != ";" {
            let expected = if unclosed_body {
                "`};`".to_string()
            } else {
                format!("`{close}`")
            };
            let opened = Span::new(file, open.at, open.at + 1);
            return Diagnostic::error(
                span,
                format!(
                    "expected {expected} to close {}, found {}",
                    open.what,
                    found.describe()
                ),
            )
            .with_note(opened, format!("`{}` opened here", open.bracket as char));
        }
    }
    let quote = found
        .text
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\''));
    if let Some(q) = quote.filter(|&q| found.text.len() < 2 || !found.text.ends_with(q)) {
        return Diagnostic::error(
            span,
            format!("in {}: this string has no closing `{q}`", ctx.place()),
        );
    }
    let mut d = Diagnostic::error(
        span,
        format!(
            "in {}: expected {}, found {}",
            ctx.place(),
            expected_words(error),
            found.describe()
        ),
    );
    if ctx.open.len() == 1 && found.is_word() {
        let known = DECLARATION_WORDS
            .iter()
            .copied()
            .chain(["case", "default", "break"]);
        if DECLARATION_WORDS.contains(&found.text) {
            d = d.with_hint(format!(
                "`{}` is a reserved word; a field or parameter needs another name",
                found.text
            ));
        } else if let Some(hint) = suggest::did_you_mean(found.text, known) {
            d = d.with_hint(hint);
        }
    }
    d
}

/// Hints for a comment or string left open at the failure.
fn with_literal_hints(d: Diagnostic, text: &str, pos: usize) -> Diagnostic {
    let rest = &text[pos.min(text.len())..];
    if rest.starts_with("/*") {
        d.with_hint("is this `/*` comment left unclosed?")
    } else if rest.starts_with(['"', '\'']) {
        d.with_hint("is this string unterminated? a string must end on the line where it starts")
    } else {
        d
    }
}

/// What pest would have accepted at the failure, in words.
fn expected_words(error: &pest::error::Error<Rule>) -> String {
    let pest::error::ErrorVariant::ParsingError { positives, .. } = &error.variant else {
        return "something else".to_string();
    };
    let mut names: Vec<&str> = positives.iter().map(rule_words).collect();
    names.sort_unstable();
    names.dedup();
    match names.split_last() {
        None => "something else".to_string(),
        Some((only, [])) => only.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// A grammar rule as a schema author would name it.
pub(super) fn rule_words(rule: &Rule) -> &'static str {
    match rule {
        Rule::semi => "`;`",
        Rule::comma => "`,`",
        Rule::colon => "`:`",
        Rule::equals => "`=`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket | Rule::array_suffix => "`[`",
        Rule::rbracket => "`]`",
        Rule::ident | Rule::type_ref | Rule::symbol | Rule::module => "a name",
        Rule::dclass => "`dclass`",
        Rule::struct_decl | Rule::inline_struct => "`struct`",
        Rule::switch_decl | Rule::switch_body | Rule::inline_switch => "`switch`",
        Rule::class_field | Rule::atomic_field | Rule::molecular_field => "a field",
        Rule::keyword_list => "a keyword",
        Rule::parameter_with_default | Rule::parameter => "a parameter",
        Rule::type_definition | Rule::simple_type | Rule::builtin => "a type",
        Rule::value | Rule::list | Rule::repeated | Rule::hex => "a value",
        Rule::EOI => "end of file",
        Rule::uint | Rule::dec_uint | Rule::hex_uint => "an unsigned integer",
        Rule::number | Rule::sint | Rule::real => "a number",
        Rule::string => "a string",
        Rule::name_part => "a parameter name",
        Rule::divisor => "`/`",
        Rule::modulus => "`%`",
        Rule::parents => "`:`",
        Rule::value_range | Rule::range_item | Rule::char_or_number => "a range",
        Rule::size_range | Rule::size_item | Rule::char_or_uint => "an array size",
        Rule::switch_case => "`case`",
        Rule::switch_default => "`default`",
        Rule::switch_break => "`break`",
        Rule::switch_field => "a switch field",
        Rule::star => "`*`",
        Rule::import | Rule::import_plain | Rule::import_from => "an import",
        Rule::typedef => "`typedef`",
        Rule::keyword_decl => "`keyword`",
        _ => "a declaration",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_point_finds_the_next_declaration_line() {
        let text = "dclass A {\n  x(;\n  dclass C;\n};\ndclass B {};\n";
        assert_eq!(resume_point(text, 14), text.find("dclass B"));
        assert_eq!(resume_point(text, text.len()), None);
    }

    #[test]
    fn tokens_split_words_numbers_strings_and_punctuation() {
        let text = "setX(int16 x = \"a b\") // c\n 0x1f;";
        let got: Vec<&str> = tokens(text, 0, text.len()).iter().map(|t| t.text).collect();
        assert_eq!(
            got,
            ["setX", "(", "int16", "x", "=", "\"a b\"", ")", "0x1f", ";"]
        );
    }
}
