//! Resolution: ASTs of files loaded in order → [`Model`].
//!
//! Panda3D builds its `DCFile` inside the parser's actions, so numbering, name lookup
//! and keyword handling depend on source order. This module replays the same actions
//! in the same order over the AST: a class joins the class list at its closing brace,
//! a field gets its number once it is complete (so inline struct fields come first),
//! a type name is looked up in the typedef table, then classes, then switches, and the
//! answer is cached; a `keyword` declaration applies to what follows it.
//!
//! One file per kind of declaration: `keywords`, `classes`, `fields`, `types`
//! (typedefs and parameters), `ranges` (range, divisor and modulus suffixes) and
//! `switches`; this file holds the [`Resolver`] state and the file-level walk.

use crate::ast::{self, Builtin, Decl, FieldDecl, Ident, Suffix, SwitchItem, TypeBase};
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::pack;
use crate::source::Span;
use std::collections::HashMap;

mod classes;
mod fields;
mod keywords;
mod ranges;
mod switches;
mod types;

/// The nine historical keywords and their flag bits.
pub const HISTORICAL_KEYWORDS: [(&str, u32); 9] = [
    ("required", 0x001),
    ("broadcast", 0x002),
    ("ownrecv", 0x004),
    ("ram", 0x008),
    ("db", 0x010),
    ("clsend", 0x020),
    ("clrecv", 0x040),
    ("ownsend", 0x080),
    ("airecv", 0x100),
];

/// How strictly to follow the language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Accept undefined type, class and field names as Panda does, creating
    /// placeholders (needed to hash partial files such as `toon.dc` alone).
    pub lenient: bool,
}

/// Resolves files, in load order, into one model.
pub struct Resolver {
    model: Model,
    options: Options,
    class_names: HashMap<String, ClassId>,
    switch_names: HashMap<String, SwitchId>,
    typedef_names: HashMap<String, TypedefId>,
    keywords: HashMap<String, u32>,
    /// Errors found so far.
    pub errors: Vec<Diagnostic>,
}

impl Resolver {
    /// A resolver with nothing loaded.
    pub fn new(options: Options) -> Self {
        let model = Model {
            all_objects_valid: true,
            ..Model::default()
        };
        Resolver {
            model,
            options,
            class_names: HashMap::new(),
            switch_names: HashMap::new(),
            typedef_names: HashMap::new(),
            keywords: HISTORICAL_KEYWORDS
                .iter()
                .map(|&(n, f)| (n.to_string(), f))
                .collect(),
            errors: Vec::new(),
        }
    }

    /// The model built so far (sources can be added through it).
    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }

    /// The model built so far.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Finishes and returns the model.
    pub fn finish(self) -> Model {
        self.model
    }

    /// Applies the declarations of one file.
    pub fn add_file(&mut self, file: &ast::File) {
        for decl in &file.decls {
            match decl {
                Decl::Import(i) => self.model.imports.push(Import {
                    module: i.module.clone(),
                    symbols: i.symbols.clone(),
                }),
                Decl::Keyword(names) => {
                    for name in names {
                        self.declare_keyword(name);
                    }
                }
                Decl::Typedef(p) => self.typedef(p),
                Decl::Class(c) => {
                    let id = self.class(c);
                    self.register_class(id, c);
                }
                Decl::Switch(s) => {
                    let id = self.switch(s);
                    let name = self.model.switch(id).name.clone();
                    if self.class_names.contains_key(&name) || self.switch_names.contains_key(&name)
                    {
                        self.error(
                            s.name.as_ref().map_or(s.span, |n| n.span),
                            format!("duplicate class name `{name}`"),
                        );
                    } else {
                        self.switch_names.insert(name, id);
                    }
                }
            }
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(Diagnostic::error(span, message));
    }
}

/// Whether a type is fully defined (no placeholders inside), as `is_valid` tells.
pub fn is_valid_type(model: &Model, ty: &Type) -> bool {
    match ty {
        Type::Invalid => false,
        Type::Simple(_) => true,
        Type::Array(a) => is_valid_type(model, &a.element.ty),
        Type::Class(c) => !model.class(*c).bogus,
        Type::Switch(_) => true,
    }
}
