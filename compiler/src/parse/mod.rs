//! Parsing: source text → [`ast::File`](crate::ast::File), using the pest grammar in
//! `grammar.pest`. Literal values (numbers, strings) are decoded here with Panda's
//! rules; names are not looked up (that is `resolve`'s job).

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::lex;
use crate::source::{FileId, Span};
use pest::iterators::Pair;
use pest::Parser as _;

mod syntax;
pub use syntax::MAX_SYNTAX_ERRORS;

#[allow(missing_docs)]
mod grammar {
    /// The pest parser generated from `grammar.pest`.
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar.pest"]
    pub(super) struct DcParser;
}
use grammar::{DcParser, Rule};

/// Brackets may nest at most this deep; deeper input is refused before parsing so
/// that no input can exhaust the stack.
///
/// This limit is the parser's only recursion bound: pest is built without its `std`
/// feature (root `Cargo.toml`), which drops pest's per-rule stack probe (about 15 % of
/// parse time). Every recursive rule of the grammar sits inside a bracket pair, so
/// recursion depth is at most a constant times this limit
/// (`tests/robustness.rs::nesting_at_the_limit_parses`).
pub const MAX_NESTING: usize = 64;

/// Parses one file. Returns the tree, or the diagnostics that stopped parsing: on a
/// syntax error, up to [`MAX_SYNTAX_ERRORS`] of them, each saying what construct was
/// being read and what was expected there.
pub fn parse_file(file: FileId, text: &str) -> Result<File, Vec<Diagnostic>> {
    check_nesting(file, text)?;
    let mut pairs =
        DcParser::parse(Rule::file, text).map_err(|e| syntax::diagnose(file, text, e))?;
    let mut lower = Lower {
        file,
        errors: Vec::new(),
    };
    let mut decls = Vec::new();
    if let Some(root) = pairs.next() {
        for pair in root.into_inner() {
            if let Some(decl) = lower.decl(pair) {
                decls.push(decl);
            }
        }
    }
    if lower.errors.is_empty() {
        Ok(File { decls })
    } else {
        Err(lower.errors)
    }
}

/// Parses a value in DC value syntax, as `DCPacker::parse_and_pack` reads it.
pub fn parse_value(file: FileId, text: &str) -> Result<Value, Vec<Diagnostic>> {
    check_nesting(file, text)?;
    let mut pairs =
        DcParser::parse(Rule::value_input, text).map_err(|e| vec![pest_error(file, e)])?;
    let mut lower = Lower {
        file,
        errors: Vec::new(),
    };
    let value = pairs
        .next()
        .and_then(|p| p.into_inner().next())
        .map(|p| lower.value(p));
    match value {
        Some(v) if lower.errors.is_empty() => Ok(v),
        _ => Err(lower.errors),
    }
}

/// Refuses input whose brackets nest deeper than [`MAX_NESTING`], skipping comments
/// and string literals.
fn check_nesting(file: FileId, text: &str) -> Result<(), Vec<Diagnostic>> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(vec![Diagnostic::error(
                        Span::new(file, i, i + 1),
                        format!("brackets nest deeper than {MAX_NESTING} levels"),
                    )
                    .with_hint("flatten the structure; no real schema nests this deep")]);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn pest_error(file: FileId, e: pest::error::Error<Rule>) -> Diagnostic {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let message = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().map(syntax::rule_words).collect();
            names.sort();
            names.dedup();
            match names.len() {
                0 => "syntax error".to_string(),
                1 => format!("syntax error: expected {}", names[0]),
                _ => {
                    let last = names.pop().unwrap_or_default();
                    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
                    format!("syntax error: expected {} or {}", names.join(", "), last)
                }
            }
        }
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    let end = e.line().len().min(1) + pos;
    let mut d = Diagnostic::error(Span::new(file, pos, end.max(pos + 1)), message);
    let col = match e.line_col {
        pest::error::LineColLocation::Pos((_, c))
        | pest::error::LineColLocation::Span((_, c), _) => c,
    };
    let rest: String = e.line().chars().skip(col.saturating_sub(1)).collect();
    if rest.starts_with("/*") {
        d = d.with_hint("is this `/*` comment left unclosed?");
    } else if rest.starts_with('"') || rest.starts_with('\'') {
        d = d.with_hint(
            "is this string unterminated? a string must end on the line where it starts",
        );
    }
    d
}

struct Lower {
    file: FileId,
    errors: Vec<Diagnostic>,
}

impl Lower {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident {
            span: self.span(&pair),
            name: pair.as_str().to_string(),
        }
    }

    fn decl(&mut self, pair: Pair<Rule>) -> Option<Decl> {
        match pair.as_rule() {
            Rule::import => Some(Decl::Import(self.import(pair))),
            Rule::typedef => {
                let param = pair.into_inner().next()?;
                Some(Decl::Typedef(self.param_with_default(param)))
            }
            Rule::keyword_decl => Some(Decl::Keyword(
                pair.into_inner().map(|p| self.ident(p)).collect(),
            )),
            Rule::dclass | Rule::struct_decl => Some(Decl::Class(self.class(pair))),
            Rule::switch_decl => {
                let body = pair.into_inner().next()?;
                Some(Decl::Switch(self.switch(body)))
            }
            _ => None,
        }
    }

    fn import(&mut self, pair: Pair<Rule>) -> Import {
        let span = self.span(&pair);
        let inner = pair.into_inner().next();
        let mut module = String::new();
        let mut symbols = Vec::new();
        if let Some(inner) = inner {
            for p in inner.into_inner() {
                match p.as_rule() {
                    Rule::module => module = p.as_str().split_whitespace().collect(),
                    Rule::symbol => symbols.push(p.as_str().split_whitespace().collect()),
                    Rule::star => symbols.push("*".to_string()),
                    _ => {}
                }
            }
        }
        Import {
            module,
            symbols,
            span,
        }
    }

    fn class(&mut self, pair: Pair<Rule>) -> ClassDecl {
        let is_struct = matches!(pair.as_rule(), Rule::struct_decl | Rule::inline_struct);
        let span = self.span(&pair);
        let mut decl = ClassDecl {
            is_struct,
            name: None,
            parents: Vec::new(),
            fields: Vec::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => decl.name = Some(self.ident(p)),
                Rule::parents => decl.parents = p.into_inner().map(|i| self.ident(i)).collect(),
                Rule::class_field => {
                    if let Some(f) = self.field(p) {
                        decl.fields.push(f);
                    }
                }
                Rule::missing_semi => {
                    let span = self.span(&p);
                    self.errors.push(
                        Diagnostic::error(span, "expected `;` here, after the previous field")
                            .with_hint("every field ends with `;`"),
                    );
                }
                _ => {}
            }
        }
        decl
    }

    fn field(&mut self, pair: Pair<Rule>) -> Option<FieldDecl> {
        let mut inner = pair.into_inner();
        let first = inner.next()?;
        let keywords: Vec<Ident> = inner
            .next()
            .map(|k| k.into_inner().map(|i| self.ident(i)).collect())
            .unwrap_or_default();
        Some(match first.as_rule() {
            Rule::molecular_field => {
                let span = self.span(&first);
                let mut names = first.into_inner().map(|i| self.ident(i));
                let name = names.next()?;
                FieldDecl::Molecular {
                    name,
                    atoms: names.collect(),
                    span,
                }
            }
            Rule::atomic_field => FieldDecl::Atomic {
                atomic: self.atomic(first),
                keywords,
            },
            _ => FieldDecl::Parameter {
                param: self.param_with_default(first),
                keywords,
            },
        })
    }

    fn atomic(&mut self, pair: Pair<Rule>) -> AtomicDecl {
        let span = self.span(&pair);
        let mut name = None;
        let mut params = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                _ => params.push(self.param_with_default(p)),
            }
        }
        AtomicDecl { name, params, span }
    }

    fn param_with_default(&mut self, pair: Pair<Rule>) -> Param {
        let mut inner = pair.into_inner();
        let mut param = match inner.next() {
            Some(p) => self.param(p),
            None => unreachable_param(self.file),
        };
        if let Some(v) = inner.next() {
            param.default = Some(self.value(v));
        }
        param
    }

    fn param(&mut self, pair: Pair<Rule>) -> Param {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let ty = match inner.next() {
            Some(t) => self.type_def(t),
            None => unreachable_param(self.file).ty,
        };
        let name = inner.next().map(|n| self.name_part(n));
        Param {
            ty,
            name,
            default: None,
            span,
        }
    }

    fn name_part(&mut self, pair: Pair<Rule>) -> NamePart {
        let mut inner = pair.into_inner();
        let name = inner
            .next()
            .map(|i| self.ident(i))
            .unwrap_or_else(|| Ident {
                name: String::new(),
                span: Span::default(),
            });
        let suffixes = inner.filter_map(|s| self.suffix(s)).collect();
        NamePart { name, suffixes }
    }

    fn suffix(&mut self, pair: Pair<Rule>) -> Option<Suffix> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::divisor => {
                let n = pair.into_inner().next()?;
                Some(Suffix::Divisor(self.uint(&n), span))
            }
            Rule::modulus => {
                let n = pair.into_inner().next()?;
                Some(Suffix::Modulus(self.number(&n), span))
            }
            Rule::value_range => Some(Suffix::Range(
                pair.into_inner().map(|i| self.range_item(i)).collect(),
                span,
            )),
            Rule::array_suffix => Some(Suffix::Array(self.size_range(pair))),
            _ => None,
        }
    }

    fn range_item(&mut self, pair: Pair<Rule>) -> RangeItem {
        let span = self.span(&pair);
        self.check_attached_zero(&pair);
        let mut bounds = pair.into_inner().map(|c| self.char_or_number(c));
        let lo = bounds.next().unwrap_or(0.0);
        let hi = bounds.next().unwrap_or(lo);
        RangeItem { lo, hi, span }
    }

    /// Panda's lexer reads `-0` in `int8(-10-0)` as one signed token, and a range's
    /// second bound written that way must be negative: `-0` is a syntax error there.
    fn check_attached_zero(&mut self, pair: &Pair<Rule>) {
        let bounds: Vec<Pair<Rule>> = pair.clone().into_inner().collect();
        if let [_, hi] = bounds.as_slice() {
            let start = hi.as_span().start();
            let full = pair.as_span();
            let attached =
                start > full.start() && full.get_input().as_bytes().get(start - 1) == Some(&b'-');
            let text = hi.as_str();
            let is_zero = text.chars().all(|c| c == '0' || c == '.')
                && text.starts_with(|c: char| c.is_ascii_digit() || c == '.');
            if attached && is_zero {
                let span = Span::new(self.file, start - 1, hi.as_span().end());
                self.errors.push(
                    Diagnostic::error(
                        span,
                        "syntax error: `-0` here is a signed number that is not negative",
                    )
                    .with_hint(
                        "write the upper bound with a space after the dash, as in `-10 - 0`",
                    ),
                );
            }
        }
    }

    fn char_or_number(&mut self, pair: Pair<Rule>) -> f64 {
        let inner = pair.into_inner().next();
        match inner {
            Some(p) if p.as_rule() == Rule::string => self.single_char(&p) as f64,
            Some(p) => self.number(&p),
            None => 0.0,
        }
    }

    fn single_char(&mut self, pair: &Pair<Rule>) -> u32 {
        let bytes = self.string(pair);
        if bytes.len() != 1 {
            let span = self.span(pair);
            self.errors.push(Diagnostic::error(
                span,
                "a single character is required here",
            ));
            return 0;
        }
        u32::from(bytes[0])
    }

    fn size_range(&mut self, pair: Pair<Rule>) -> SizeRange {
        let span = self.span(&pair);
        let mut items = Vec::new();
        if let Some(range) = pair.into_inner().next() {
            for item in range.into_inner() {
                let item_span = self.span(&item);
                let bounds: Vec<u32> = item.into_inner().map(|c| self.char_or_uint(c)).collect();
                let lo = bounds.first().copied().unwrap_or(0);
                let hi = bounds.get(1).copied().unwrap_or(lo);
                items.push((lo, hi, item_span));
            }
        }
        SizeRange { items, span }
    }

    fn char_or_uint(&mut self, pair: Pair<Rule>) -> u32 {
        let inner = pair.into_inner().next();
        match inner {
            Some(p) if p.as_rule() == Rule::string => self.single_char(&p),
            Some(p) => {
                let v = self.uint(&p);
                u32::try_from(v).unwrap_or_else(|_| {
                    let span = self.span(&p);
                    self.errors.push(Diagnostic::error(
                        span,
                        "array size does not fit in 32 bits",
                    ));
                    1
                })
            }
            None => 0,
        }
    }

    fn type_def(&mut self, pair: Pair<Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let base = match inner.next() {
            Some(b) => self.type_base(b),
            None => TypeBase::Named(Ident {
                name: String::new(),
                span,
            }),
        };
        let arrays = inner.map(|a| self.size_range(a)).collect();
        TypeExpr { base, arrays, span }
    }

    fn type_base(&mut self, pair: Pair<Rule>) -> TypeBase {
        match pair.as_rule() {
            Rule::simple_type => {
                let mut inner = pair.into_inner();
                let builtin = inner
                    .next()
                    .and_then(|b| Builtin::from_name(b.as_str()))
                    .unwrap_or(Builtin::Int8);
                let mods = inner.filter_map(|m| self.suffix(m)).collect();
                TypeBase::Simple { builtin, mods }
            }
            Rule::inline_struct => TypeBase::Struct(Box::new(self.class(pair))),
            Rule::inline_switch => match pair.into_inner().next() {
                Some(body) => TypeBase::Switch(Box::new(self.switch(body))),
                None => TypeBase::Named(Ident {
                    name: String::new(),
                    span: Span::default(),
                }),
            },
            _ => TypeBase::Named(self.ident(pair)),
        }
    }

    fn switch(&mut self, pair: Pair<Rule>) -> SwitchDecl {
        let span = self.span(&pair);
        let mut name = None;
        let mut key = None;
        let mut items = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::parameter => key = Some(self.param(p)),
                Rule::atomic_field => {
                    let s = self.span(&p);
                    self.errors.push(Diagnostic::error(
                        s,
                        "a switch key must be a parameter, not a method",
                    ));
                }
                Rule::switch_case => {
                    if let Some(v) = p.into_inner().next() {
                        items.push(SwitchItem::Case(self.value(v)));
                    }
                }
                Rule::switch_default => items.push(SwitchItem::Default(self.span(&p))),
                Rule::switch_break => items.push(SwitchItem::Break),
                Rule::switch_field => {
                    if let Some(f) = p.into_inner().next() {
                        items.push(SwitchItem::Field(self.param_with_default(f)));
                    }
                }
                _ => {}
            }
        }
        SwitchDecl {
            name,
            key: key.unwrap_or_else(|| unreachable_param(self.file)),
            items,
            span,
        }
    }

    fn value(&mut self, pair: Pair<Rule>) -> Value {
        let span = self.span(&pair);
        let mut name = None;
        let mut kind = ValueKind::List(Vec::new());
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                _ => kind = self.actual(p),
            }
        }
        Value { name, kind, span }
    }

    fn actual(&mut self, pair: Pair<Rule>) -> ValueKind {
        match pair.as_rule() {
            Rule::list => ValueKind::List(pair.into_inner().map(|v| self.value(v)).collect()),
            Rule::string => ValueKind::Str(self.string(&pair)),
            Rule::hex => ValueKind::Hex(lex::decode_hex(pair.as_str())),
            Rule::repeated => {
                let mut inner = pair.into_inner();
                let item = inner
                    .next()
                    .map(|p| self.actual(p))
                    .unwrap_or(ValueKind::Uint(0));
                let count = inner.next().map(|c| self.uint(&c)).unwrap_or(0);
                let count = u32::try_from(count).unwrap_or_else(|_| {
                    self.errors.push(Diagnostic::error(
                        Span::default(),
                        "repeat count does not fit in 32 bits",
                    ));
                    0
                });
                ValueKind::Repeat(Box::new(item), count)
            }
            Rule::real => ValueKind::Real(lex::parse_real(pair.as_str())),
            Rule::sint => match lex::parse_sint(pair.as_str()) {
                Ok(v) => ValueKind::Int(v),
                Err(_) => {
                    self.out_of_range(&pair);
                    ValueKind::Int(0)
                }
            },
            _ => ValueKind::Uint(self.uint(&pair)),
        }
    }

    fn string(&mut self, pair: &Pair<Rule>) -> Vec<u8> {
        let text = pair.as_str();
        let inner = &text[1..text.len() - 1];
        lex::decode_string(inner)
    }

    fn uint(&mut self, pair: &Pair<Rule>) -> u64 {
        lex::parse_uint(pair.as_str()).unwrap_or_else(|_| {
            self.out_of_range(pair);
            0
        })
    }

    fn number(&mut self, pair: &Pair<Rule>) -> f64 {
        match pair.as_rule() {
            Rule::real => lex::parse_real(pair.as_str()),
            Rule::sint => lex::parse_sint(pair.as_str()).unwrap_or_else(|_| {
                self.out_of_range(pair);
                0
            }) as f64,
            _ => self.uint(pair) as f64,
        }
    }

    fn out_of_range(&mut self, pair: &Pair<Rule>) {
        let span = self.span(pair);
        self.errors.push(
            Diagnostic::error(span, format!("number `{}` is out of range", pair.as_str()))
                .with_hint(
                    "integer literals must fit in 64 bits (signed ones in -(2^63-1)..=2^63-1)",
                ),
        );
    }
}

fn unreachable_param(file: FileId) -> Param {
    let span = Span::new(file, 0, 0);
    Param {
        ty: TypeExpr {
            base: TypeBase::Named(Ident {
                name: String::new(),
                span,
            }),
            arrays: Vec::new(),
            span,
        },
        name: None,
        default: None,
        span,
    }
}
