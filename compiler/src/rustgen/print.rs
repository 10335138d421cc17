//! Prints the generator's token streams as readable Rust text, without parsing them.
//!
//! `syn` + `prettyplease` took ~80 % of `dcc build --rust` (a schema of 50,000
//! one-field classes: 42 s). This printer walks the tokens once: one statement, item,
//! field or match arm per line, braces opening blocks, short brace groups inside
//! parentheses kept on one line, doc attributes as `///` comments. It knows only the
//! Rust the back end writes; the `printed_code_lexes_to_the_same_tokens` test holds it
//! to printing exactly the tokens it was given.

use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};
use std::fmt::Write as _;

/// Appends `tokens` to `out` as formatted Rust at the top level (no indentation).
pub(crate) fn print_items(tokens: TokenStream, out: &mut String) {
    let mut p = Printer::new(out, 0);
    p.block_body(tokens);
    p.out.push('\n');
}

/// Brace groups inside parentheses shorter than this stay on one line.
const INLINE_WIDTH: usize = 80;

/// Keywords that take a space before a following `(`, `[` or `::`.
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "dyn", "else", "enum", "extern", "fn", "for", "if", "impl",
    "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct",
    "trait", "type", "unsafe", "use", "where", "while",
];

/// The previous token, as far as spacing cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Start of a line: no space.
    LineStart,
    /// An opening `(` or `[`: no space.
    Open,
    /// A keyword.
    Keyword,
    /// Any other identifier, a literal, or a closing delimiter: an operand's end.
    Operand,
    /// A prefix operator or a path separator: no space after.
    Tight,
    /// A binary operator, `,`, `;`, `:`, `=>`, `->`: a space after.
    Spaced,
    /// A closing `>` of generics.
    GenericClose,
}

struct Printer<'o> {
    out: &'o mut String,
    indent: usize,
    prev: Prev,
    /// Open `<` of generics at this group's level.
    generics: usize,
    /// Between the bars of a closure's parameters.
    closure_params: bool,
    /// The previous punctuation was joint (part of `::`, `->`, `=>`, `&&`, ...).
    joint: Option<char>,
}

impl<'o> Printer<'o> {
    fn new(out: &'o mut String, indent: usize) -> Self {
        Printer {
            out,
            indent,
            prev: Prev::LineStart,
            generics: 0,
            closure_params: false,
            joint: None,
        }
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.prev = Prev::LineStart;
    }

    fn space_unless_start(&mut self) {
        if !matches!(self.prev, Prev::LineStart | Prev::Open | Prev::Tight) {
            self.out.push(' ');
        }
    }

    /// The items, statements, fields or arms of a brace group (or the file): a line each.
    fn block_body(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let (mut commas, mut semicolons, mut arms, mut colons) = (false, false, false, false);
        let mut i = 0;
        while i < tokens.len() {
            if let Some(n) = self.attribute(&tokens[i..]) {
                i += n;
                continue;
            }
            let t = &tokens[i];
            let next = tokens.get(i + 1);
            self.token(t, next, true);
            let ends_line = match t {
                TokenTree::Punct(p) => {
                    (p.as_char() == ';' || (p.as_char() == ',' && self.generics == 0))
                        && p.spacing() == Spacing::Alone
                }
                TokenTree::Group(g) => {
                    g.delimiter() == Delimiter::Brace
                        && self.out.ends_with('}')
                        && !continues_expression(next)
                }
                _ => false,
            };
            if let TokenTree::Punct(p) = t {
                commas |= p.as_char() == ',' && self.generics == 0;
                semicolons |= p.as_char() == ';';
                colons |= p.as_char() == ':'
                    && p.spacing() == Spacing::Alone
                    && self.generics == 0
                    && !self.out.ends_with("::");
                arms |= p.as_char() == '='
                    && p.spacing() == Spacing::Joint
                    && matches!(next, Some(TokenTree::Punct(n)) if n.as_char() == '>');
            }
            if ends_line && next.is_some() {
                self.newline();
            }
            i += 1;
        }
        // A list (fields, variants, arms) ends with a comma, as rustfmt writes it
        // (but not after a match arm's block).
        let block_arm = arms && self.out.ends_with('}');
        let list = commas || colons || arms;
        if list && !semicolons && !block_arm && !self.out.ends_with(',') {
            self.out.push(',');
        }
    }

    /// Prints an outer attribute at `tokens` on its own line (doc attributes as `///`);
    /// returns how many tokens it took.
    fn attribute(&mut self, tokens: &[TokenTree]) -> Option<usize> {
        if self.prev != Prev::LineStart {
            return None;
        }
        let (TokenTree::Punct(hash), rest) = tokens.split_first()? else {
            return None;
        };
        if hash.as_char() != '#' {
            return None;
        }
        let (bang, group) = match rest {
            [TokenTree::Group(g), ..] => (false, g),
            [TokenTree::Punct(b), TokenTree::Group(g), ..] if b.as_char() == '!' => (true, g),
            _ => return None,
        };
        if group.delimiter() != Delimiter::Bracket {
            return None;
        }
        if let Some(text) = doc_text(group) {
            let mark = if bang { "//!" } else { "///" };
            for (n, line) in text.split('\n').enumerate() {
                if n > 0 {
                    self.newline();
                }
                let _ = write!(self.out, "{mark}{}", line.trim_end());
            }
        } else {
            self.out.push_str(if bang { "#!" } else { "#" });
            self.prev = Prev::Tight;
            self.group(group, false, None);
        }
        if tokens.len() > 2 + usize::from(bang) {
            self.newline();
        }
        Some(2 + usize::from(bang))
    }

    /// Prints one token; `in_block` when it sits directly in a brace group.
    fn token(&mut self, t: &TokenTree, next: Option<&TokenTree>, in_block: bool) {
        match t {
            TokenTree::Ident(id) => {
                let s = id.to_string();
                if self.prev != Prev::LineStart && !matches!(self.prev, Prev::Open | Prev::Tight) {
                    self.out.push(' ');
                }
                self.out.push_str(&s);
                self.prev = if KEYWORDS.contains(&s.as_str()) {
                    Prev::Keyword
                } else {
                    Prev::Operand
                };
                self.joint = None;
            }
            TokenTree::Literal(l) => {
                self.space_unless_start();
                let _ = write!(self.out, "{l}");
                self.prev = Prev::Operand;
                self.joint = None;
            }
            TokenTree::Punct(p) => self.punct(p.as_char(), p.spacing(), next),
            TokenTree::Group(g) => {
                let _ = in_block;
                self.group(g, true, next);
                self.joint = None;
            }
        }
    }

    fn punct(&mut self, c: char, spacing: Spacing, next: Option<&TokenTree>) {
        let joined = self.joint.take();
        let operand_before = matches!(self.prev, Prev::Operand | Prev::GenericClose);
        // The second (or later) character of a multi-character operator.
        if let Some(first) = joined {
            let generic_close = c == '>' && first == '>' && self.generics > 0;
            if generic_close {
                self.generics -= 1;
                self.out.push('>');
                self.prev = Prev::GenericClose;
            } else {
                self.out.push(c);
                self.prev = match (first, c) {
                    (':', ':') | ('.', '.') => Prev::Tight,
                    _ => Prev::Spaced,
                };
            }
            if spacing == Spacing::Joint {
                self.joint = Some(c);
            }
            return;
        }
        if spacing == Spacing::Joint && c != '\'' {
            // The first character of `::`, `->`, `=>`, `&&`, `..`, `==`, `>>`, ...
            if c == '>' && self.generics > 0 {
                self.generics -= 1;
                self.out.push('>');
                self.prev = Prev::GenericClose;
                self.joint = Some(c);
                return;
            }
            match c {
                ':' => {
                    if matches!(self.prev, Prev::Keyword | Prev::Spaced) {
                        self.out.push(' ');
                    }
                }
                '.' if operand_before => {}
                _ if operand_before => self.out.push(' '),
                _ => self.space_unless_start(),
            }
            self.out.push(c);
            self.prev = Prev::Tight;
            self.joint = Some(c);
            return;
        }
        match c {
            ',' | ';' => {
                self.out.push(c);
                self.prev = Prev::Spaced;
            }
            '.' => {
                self.out.push('.');
                self.prev = Prev::Tight;
            }
            ':' => {
                self.out.push(':');
                self.prev = Prev::Spaced;
            }
            '\'' => {
                self.space_unless_start();
                self.out.push('\'');
                self.prev = Prev::Tight;
            }
            '?' if operand_before => {
                self.out.push('?');
                self.prev = Prev::Operand;
            }
            '!' if self.prev == Prev::Operand => {
                // A macro call.
                self.out.push('!');
                self.prev = Prev::Tight;
            }
            // The back end writes no `<` comparisons: every `<` opens generics.
            '<' => {
                if self.prev == Prev::Spaced {
                    self.out.push(' ');
                }
                self.generics += 1;
                self.out.push('<');
                self.prev = Prev::Tight;
            }
            '>' if self.generics > 0 => {
                self.generics -= 1;
                self.out.push('>');
                self.prev = Prev::GenericClose;
            }
            '|' if self.closure_params => {
                self.closure_params = false;
                self.out.push('|');
                self.prev = Prev::Spaced;
            }
            '|' if !operand_before => {
                self.space_unless_start();
                self.closure_params = true;
                self.out.push('|');
                self.prev = Prev::Tight;
            }
            '&' | '*' | '-' | '!' | '?' if !operand_before => {
                // Prefix operators (and `?Sized`).
                self.space_unless_start();
                self.out.push(c);
                self.prev = Prev::Tight;
            }
            '#' => {
                self.space_unless_start();
                self.out.push('#');
                self.prev = Prev::Tight;
            }
            _ => {
                self.space_unless_start();
                self.out.push(c);
                self.prev = Prev::Spaced;
            }
        }
        let _ = next;
    }

    fn group(&mut self, g: &Group, spaced: bool, next: Option<&TokenTree>) {
        match g.delimiter() {
            Delimiter::Parenthesis | Delimiter::Bracket => {
                let (open, close) = if g.delimiter() == Delimiter::Parenthesis {
                    ('(', ')')
                } else {
                    ('[', ']')
                };
                if spaced && matches!(self.prev, Prev::Keyword | Prev::Spaced) {
                    self.out.push(' ');
                }
                self.out.push(open);
                let mut inner = Printer::new(self.out, self.indent);
                inner.prev = Prev::Open;
                inner.inline(g.stream());
                self.out.push(close);
                self.prev = Prev::Operand;
            }
            Delimiter::Brace => {
                self.space_unless_start();
                if g.stream().is_empty() {
                    self.out.push_str("{}");
                } else if !self.try_inline_brace(g, next) {
                    self.out.push('{');
                    self.indent += 1;
                    self.newline();
                    let mut inner = Printer::new(self.out, self.indent);
                    inner.block_body(g.stream());
                    self.indent -= 1;
                    self.newline();
                    self.out.push('}');
                }
                self.prev = Prev::Operand;
            }
            Delimiter::None => self.inline(g.stream()),
        }
    }

    /// A short brace group on one line: inside parentheses, a `use` tree, a pattern
    /// (before `=>`) or a list element (before `,`).
    fn try_inline_brace(&mut self, g: &Group, next: Option<&TokenTree>) -> bool {
        let before_list_end =
            matches!(next, Some(TokenTree::Punct(p)) if matches!(p.as_char(), ',' | '='));
        let use_tree = self.prev == Prev::Tight && self.out.ends_with("::");
        if !use_tree && self.prev == Prev::LineStart {
            return false;
        }
        let mut text = String::new();
        let mut inner = Printer::new(&mut text, self.indent);
        inner.prev = Prev::Open;
        inner.inline(g.stream());
        let fits = !text.contains('\n') && !text.contains(';') && text.len() <= INLINE_WIDTH;
        let inline_place =
            use_tree || before_list_end || self.out.ends_with('(') || self.paren_expression();
        if !fits || !inline_place {
            return false;
        }
        if use_tree {
            let _ = write!(self.out, "{{{text}}}");
        } else {
            let _ = write!(self.out, "{{ {text} }}");
        }
        true
    }

    /// Whether the current line is inside an open parenthesis (an expression).
    fn paren_expression(&self) -> bool {
        let line = self.out.rsplit('\n').next().unwrap_or("");
        let opens = line.matches(['(', '[']).count();
        let closes = line.matches([')', ']']).count();
        opens > closes
    }

    /// Tokens inside parentheses or brackets: one line, but brace groups open blocks.
    fn inline(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, t) in tokens.iter().enumerate() {
            self.token(t, tokens.get(i + 1), false);
        }
    }
}

/// Whether the token after a block continues the same expression or statement.
fn continues_expression(next: Option<&TokenTree>) -> bool {
    match next {
        Some(TokenTree::Punct(p)) => matches!(p.as_char(), '.' | '?' | ',' | ';' | '='),
        Some(TokenTree::Ident(id)) => id == "else" || id == "as",
        _ => false,
    }
}

/// The text of a `doc = "..."` attribute.
fn doc_text(group: &Group) -> Option<String> {
    let mut it = group.stream().into_iter();
    match (it.next(), it.next(), it.next(), it.next()) {
        (
            Some(TokenTree::Ident(id)),
            Some(TokenTree::Punct(eq)),
            Some(TokenTree::Literal(l)),
            None,
        ) if id == "doc" && eq.as_char() == '=' => unescape(&l.to_string()),
        _ => None,
    }
}

/// The value of a plain string literal as `proc_macro2` writes it.
fn unescape(lit: &str) -> Option<String> {
    if let Some(raw) = lit.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let body = raw.get(hashes..raw.len().checked_sub(hashes)?)?;
        return Some(body.strip_prefix('"')?.strip_suffix('"')?.to_string());
    }
    let body = lit.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'u' => {
                let rest: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let code = u32::from_str_radix(rest.trim_start_matches('{'), 16).ok()?;
                out.push(char::from_u32(code)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Unit tests: `text` lexes to `expected` (string literals compared by value, as
/// `///` docs in `quote!` become raw strings).
#[cfg(test)]
pub(crate) fn assert_same_tokens(text: &str, expected: &TokenStream) {
    fn normal(tokens: TokenStream, out: &mut String) {
        let mut tokens: Vec<TokenTree> = tokens.into_iter().collect();
        if matches!(tokens.last(), Some(TokenTree::Punct(p)) if p.as_char() == ',') {
            // The printer ends multi-line lists with a comma; a trailing comma is optional.
            tokens.pop();
        }
        for (i, t) in tokens.iter().cloned().enumerate() {
            // Spacing matters only where two characters form one operator.
            let glued = match (&t, tokens.get(i + 1)) {
                (TokenTree::Punct(a), Some(TokenTree::Punct(b))) => [
                    "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "..", ".=", "+=", "-=",
                    "*=", "/=", "%=", "^=", "&=", "|=", "<<",
                ]
                .contains(&format!("{}{}", a.as_char(), b.as_char()).as_str()),
                _ => false,
            };
            match t {
                TokenTree::Group(g) => {
                    out.push_str(&format!("{:?}(", g.delimiter()));
                    normal(g.stream(), out);
                    out.push(')');
                }
                TokenTree::Literal(l) => {
                    let s = l.to_string();
                    match unescape(&s) {
                        Some(v) => out.push_str(&format!("{v:?}")),
                        None => out.push_str(&s),
                    }
                }
                TokenTree::Punct(p) if glued => {
                    out.push_str(&format!("{}{:?}", p.as_char(), p.spacing()))
                }
                TokenTree::Punct(p) => out.push(p.as_char()),
                TokenTree::Ident(i) => out.push_str(&i.to_string()),
            }
            out.push(' ');
        }
    }
    let reparsed: TokenStream = match text.parse() {
        Ok(t) => t,
        Err(e) => panic!("printed code does not lex: {e}\n{text}"),
    };
    let (mut a, mut b) = (String::new(), String::new());
    normal(reparsed, &mut a);
    normal(expected.clone(), &mut b);
    assert_eq!(a, b, "printed:\n{text}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn print(tokens: TokenStream) -> String {
        let mut out = String::new();
        print_items(tokens, &mut out);
        out
    }

    #[test]
    fn items_statements_and_arms_get_a_line_each() {
        let text = print(quote! {
            /// A message.
            #[derive(Clone, Debug)]
            pub struct SetX(pub f32, pub ::std::vec::Vec<u8>);
            impl ::pipes::schema::Message for SetX {
                fn pack_into<S: wire::Sink + ?Sized>(&self, out: &mut S) -> wire::WireResult<()> {
                    wire::put_f32(out, self.0);
                    for item in self.1.iter() { wire::put_u8(out, *item); }
                    Ok(())
                }
                fn unpack(r: &mut wire::Reader<'_>) -> wire::WireResult<Self> {
                    Ok(match n { 7 => Self(r.read_f32()?, Vec::new()), _ => { return Err(e); } })
                }
            }
        });
        assert_eq!(
            text,
            "/// A message.
#[derive(Clone, Debug)]
pub struct SetX(pub f32, pub ::std::vec::Vec<u8>);
impl ::pipes::schema::Message for SetX {
    fn pack_into<S: wire::Sink + ?Sized>(&self, out: &mut S) -> wire::WireResult<()> {
        wire::put_f32(out, self.0);
        for item in self.1.iter() {
            wire::put_u8(out, *item);
        }
        Ok(())
    }
    fn unpack(r: &mut wire::Reader<'_>) -> wire::WireResult<Self> {
        Ok(match n {
            7 => Self(r.read_f32()?, Vec::new()),
            _ => {
                return Err(e);
            }
        })
    }
}
"
        );
    }

    #[test]
    fn short_struct_literals_closures_and_use_trees_stay_inline() {
        let text = print(quote! {
            use ::pipes::{schema::Message as _, wire};
            fn f() { Ok(Self { v: r.read_u32()? }).map_err(|e| e.within("C")) }
        });
        assert_eq!(
            text,
            "use ::pipes::{schema::Message as _, wire};
fn f() {
    Ok(Self { v: r.read_u32()? }).map_err(|e| e.within(\"C\"))
}
"
        );
    }

    /// Every item the back end writes for the project's schemas and the corpus
    /// (when present) prints to the same tokens (`emit` checks it in unit tests).
    #[test]
    fn printed_code_lexes_to_the_same_tokens() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut sets: Vec<Vec<std::path::PathBuf>> =
            ["example.dc", "test/features.dc", "test/runtime.dc"]
                .iter()
                .map(|f| vec![root.join("schemas").join(f)])
                .collect();
        let corpus = root.join("../shared/corpus/dc");
        if corpus.join("SOURCES.md").exists() {
            sets.push(vec![
                corpus.join("open-toontown__otp.dc"),
                corpus.join("open-toontown__toon.dc"),
            ]);
            sets.push(vec![corpus.join("openotp__toon.dc")]);
        } else {
            eprintln!(
                "corpus absent ({}): printing checked on the project's schemas only",
                corpus.display()
            );
        }
        for files in sets {
            let model = crate::load_files(&files, crate::Options::default()).expect("schema loads");
            crate::rustgen::generate_rust(&model).expect("generates");
        }
    }

    #[test]
    fn doc_text_is_unescaped() {
        let text = print(quote! { #[doc = " says \"hi\" \\ ok"] pub const A: u8 = 1; });
        assert_eq!(text, "/// says \"hi\" \\ ok\npub const A: u8 = 1;\n");
    }
}
