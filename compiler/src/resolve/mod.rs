//! Resolution: ASTs of files loaded in order → [`Model`].
//!
//! Panda3D builds its `DCFile` inside the parser's actions, so numbering, name lookup
//! and keyword handling depend on source order. This module replays the same actions
//! in the same order over the AST: a class joins the class list at its closing brace,
//! a field gets its number once it is complete (so inline struct fields come first),
//! a type name is looked up in the typedef table, then classes, then switches, and the
//! answer is cached; a `keyword` declaration applies to what follows it.

use crate::ast::{self, Builtin, Decl, FieldDecl, Ident, Suffix, SwitchItem, TypeBase};
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::pack;
use crate::source::Span;
use std::collections::HashMap;

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

    fn declare_keyword(&mut self, name: &Ident) {
        // Re-declaring a historical keyword makes it custom from here on (Panda hashes
        // it by name afterwards); fields parsed earlier keep their bits.
        self.keywords.insert(name.name.clone(), u32::MAX);
        self.model.keywords.push(Keyword {
            name: name.name.clone(),
            flag: u32::MAX,
        });
    }

    /// A name in a position where Panda's lexer would already return a keyword token.
    fn check_name(&mut self, ident: &Ident, what: &str) -> bool {
        if self.keywords.contains_key(&ident.name) {
            self.errors.push(
                Diagnostic::error(ident.span, format!("`{}` is a keyword and cannot be used as {what}", ident.name))
                    .with_hint("keywords (the nine historical ones and every `keyword` declared so far) are reserved; pick another name"),
            );
            return false;
        }
        true
    }

    fn typedef(&mut self, p: &ast::Param) {
        let Some(name) = p.name.as_ref().map(|n| n.name.name.clone()) else {
            self.error(p.span, "a typedef needs a name");
            return;
        };
        let param = self.param(p);
        if let Some(&old) = self.typedef_names.get(&name) {
            let msg = if self.model.typedefs[old.0 as usize].bogus
                || self.model.typedefs[old.0 as usize].implicit
            {
                format!("typedef `{name}` defined after its first reference")
            } else {
                format!("duplicate typedef name `{name}`")
            };
            self.error(p.name.as_ref().map_or(p.span, |n| n.name.span), msg);
            return;
        }
        let id = TypedefId(self.model.typedefs.len() as u32);
        self.model.typedefs.push(Typedef {
            name: name.clone(),
            param,
            implicit: false,
            bogus: false,
        });
        self.typedef_names.insert(name, id);
    }

    fn register_class(&mut self, id: ClassId, decl: &ast::ClassDecl) {
        let name = self.model.class(id).name.clone();
        if !name.is_empty() {
            if let Some(&old) = self.class_names.get(&name) {
                // Panda notices a duplicate when the class closes, so the span runs
                // from the keyword to the closing brace.
                let span = decl.span;
                let old_class = self.model.class(old);
                let d = if old_class.bogus {
                    Diagnostic::error(span, format!("class `{name}` defined after its first reference"))
                        .with_hint("Panda needs a class defined before it is named as a parent; move this definition up")
                } else {
                    Diagnostic::error(span, format!("duplicate class name `{name}`"))
                        .with_note(old_class.span, "first defined here")
                };
                self.errors.push(d);
                return;
            }
            if self.switch_names.contains_key(&name) {
                self.error(
                    decl.span,
                    format!("duplicate class name `{name}` (a switch has it)"),
                );
                return;
            }
            self.class_names.insert(name, id);
        }
        self.add_to_class_list(id);
    }

    fn add_to_class_list(&mut self, id: ClassId) {
        let index = self.model.class_list.len() as u32;
        let class = &mut self.model.classes[id.0 as usize];
        class.list_index = Some(index);
        if !class.is_struct {
            class.number = Some(index);
        }
        self.model.class_list.push(id);
    }

    fn new_class(&mut self, name: String, is_struct: bool, bogus: bool, span: Span) -> ClassId {
        let id = ClassId(self.model.classes.len() as u32);
        self.model.classes.push(Class {
            name,
            is_struct,
            bogus,
            number: None,
            list_index: None,
            parents: Vec::new(),
            constructor: None,
            fields: Vec::new(),
            inherited: Vec::new(),
            // A class without fields (a placeholder, or one not yet filled in).
            fixed_size: Some(0),
            span,
        });
        id
    }

    fn class(&mut self, decl: &ast::ClassDecl) -> ClassId {
        let name = match &decl.name {
            Some(n) => {
                self.check_name(n, "a class name");
                n.name.clone()
            }
            None => String::new(),
        };
        let id = self.new_class(name, decl.is_struct, false, decl.span);
        for parent in &decl.parents {
            if let Some(p) = self.parent(parent, decl.is_struct) {
                self.model.classes[id.0 as usize].parents.push(p);
            }
        }
        for field in &decl.fields {
            self.class_field(id, field);
        }
        self.model.classes[id.0 as usize].inherited = self.inherited_fields(id);
        self.model.classes[id.0 as usize].fixed_size = pack::class_fixed_size(&self.model, id);
        id
    }

    fn parent(&mut self, ident: &Ident, child_is_struct: bool) -> Option<ClassId> {
        if !self.check_name(ident, "a class name") {
            return None;
        }
        let id = match self.class_names.get(&ident.name) {
            Some(&id) => id,
            None if self.options.lenient => {
                let id = self.new_class(ident.name.clone(), false, true, ident.span);
                self.class_names.insert(ident.name.clone(), id);
                self.add_to_class_list(id);
                self.model.all_objects_valid = false;
                id
            }
            None => {
                self.errors.push(
                    Diagnostic::error(ident.span, format!("undefined class `{}`", ident.name))
                        .with_hint("define it before this point, or load the file that defines it first (Panda3D itself would accept this as a placeholder: use --lenient to reproduce that)"),
                );
                return None;
            }
        };
        let parent_is_struct = self.model.class(id).is_struct;
        if child_is_struct && !parent_is_struct {
            self.error(
                ident.span,
                format!(
                    "a struct can only inherit from structs, and `{}` is not a struct",
                    ident.name
                ),
            );
        } else if !child_is_struct && parent_is_struct {
            self.error(
                ident.span,
                format!("a dclass cannot inherit from the struct `{}`", ident.name),
            );
        }
        Some(id)
    }

    fn keyword_list(&mut self, idents: &[Ident], allowed: bool) -> KeywordList {
        let mut list = KeywordList::default();
        for ident in idents {
            match self.keywords.get(&ident.name) {
                Some(&flag) => {
                    if !allowed {
                        self.error(
                            ident.span,
                            format!("keyword `{}` is not allowed here", ident.name),
                        );
                    }
                    if let Err(pos) = list.names.binary_search(&ident.name) {
                        list.names.insert(pos, ident.name.clone());
                        list.flags |= flag;
                    }
                }
                None => self.errors.push(
                    Diagnostic::error(ident.span, format!("`{}` is not a keyword", ident.name))
                        .with_hint(format!(
                            "declare it first with `keyword {};`, or remove it",
                            ident.name
                        )),
                ),
            }
        }
        list
    }

    fn class_field(&mut self, class: ClassId, decl: &FieldDecl) {
        let is_struct = self.model.class(class).is_struct;
        let (name, kind, keywords, span) = match decl {
            FieldDecl::Atomic { atomic, keywords } => {
                let params: Vec<Param> = atomic.params.iter().map(|p| self.param(p)).collect();
                let keywords = self.keyword_list(keywords, !is_struct);
                let name = match &atomic.name {
                    Some(n) => {
                        self.check_name(n, "a field name");
                        n.name.clone()
                    }
                    None => {
                        self.error(atomic.span, "field name required");
                        String::new()
                    }
                };
                (name, FieldKind::Atomic(params), keywords, atomic.span)
            }
            FieldDecl::Molecular { name, atoms, span } => {
                self.check_name(name, "a field name");
                let atom_ids: Vec<FieldId> =
                    atoms.iter().filter_map(|a| self.atom(class, a)).collect();
                let keywords = atom_ids
                    .first()
                    .map(|&a| self.model.field(a).keywords.clone())
                    .unwrap_or_default();
                for (&a, ident) in atom_ids.iter().zip(atoms).skip(1) {
                    if self.model.field(a).keywords != keywords {
                        let first = atom_ids
                            .first()
                            .map(|&f| self.model.field(f).name.clone())
                            .unwrap_or_default();
                        self.errors.push(
                            Diagnostic::error(ident.span, format!("mismatched keywords in molecule between `{first}` and `{}`", ident.name))
                                .with_hint("every atom of a molecular field must have exactly the same keywords"),
                        );
                    }
                }
                (
                    name.name.clone(),
                    FieldKind::Molecular(atom_ids),
                    keywords,
                    *span,
                )
            }
            FieldDecl::Parameter { param, keywords } => {
                let p = self.param(param);
                let keywords = self.keyword_list(keywords, !is_struct);
                let name = p.name.clone().unwrap_or_default();
                if name.is_empty() && !is_struct {
                    self.error(param.span, "unnamed parameters are not allowed on a dclass");
                }
                if let Some(n) = &param.name {
                    self.check_name(&n.name, "a field name");
                }
                (name, FieldKind::Parameter(p), keywords, param.span)
            }
        };
        self.add_field(
            class,
            Field {
                name,
                class,
                number: None,
                kind,
                keywords,
                bogus: false,
                span,
            },
        );
    }

    /// Looks up an atom of a molecular field.
    fn atom(&mut self, class: ClassId, ident: &Ident) -> Option<FieldId> {
        if !self.check_name(ident, "a field name") {
            return None;
        }
        match self.model.field_by_name(class, &ident.name) {
            Some(f) if matches!(self.model.field(f).kind, FieldKind::Atomic(_)) => Some(f),
            Some(_) => {
                self.errors.push(
                    Diagnostic::error(ident.span, format!("`{}` is not an atomic field", ident.name))
                        .with_hint("a molecular field can only group methods (`name(...)`), not parameter fields"),
                );
                None
            }
            None if self.options.lenient && self.inherits_from_bogus(class) => {
                let field = Field {
                    name: ident.name.clone(),
                    class,
                    number: None,
                    kind: FieldKind::Atomic(Vec::new()),
                    keywords: KeywordList::default(),
                    bogus: true,
                    span: ident.span,
                };
                self.add_field(class, field)
            }
            None => {
                self.error(ident.span, format!("unknown field `{}`", ident.name));
                None
            }
        }
    }

    fn inherits_from_bogus(&self, class: ClassId) -> bool {
        self.model
            .class(class)
            .parents
            .iter()
            .any(|&p| self.model.class(p).bogus || self.inherits_from_bogus(p))
    }

    /// Adds a field to a class as `DCClass::add_field` does, numbering it.
    fn add_field(&mut self, class: ClassId, mut field: Field) -> Option<FieldId> {
        let c = self.model.class(class);
        let is_struct = c.is_struct;
        if !field.name.is_empty() {
            if field.name == c.name {
                if !is_struct {
                    self.errors.push(
                        Diagnostic::error(
                            field.span,
                            format!(
                                "a dclass cannot have a constructor (`{}` is named like its class)",
                                field.name
                            ),
                        )
                        .with_hint(
                            "rename the field; Panda rejects a non-network field on a dclass",
                        ),
                    );
                    return None;
                }
                if c.constructor.is_some() || !matches!(field.kind, FieldKind::Atomic(_)) {
                    self.error(field.span, format!("duplicate field name `{}`", field.name));
                    return None;
                }
                let id = FieldId(self.model.fields.len() as u32);
                self.model.fields.push(field);
                self.model.classes[class.0 as usize].constructor = Some(id);
                return Some(id);
            }
            if let Some(&old) = c
                .fields
                .iter()
                .find(|&&f| self.model.field(f).name == field.name)
            {
                let old_span = self.model.field(old).span;
                self.errors.push(
                    Diagnostic::error(field.span, format!("duplicate field name `{}`", field.name))
                        .with_note(old_span, "first defined here"),
                );
                return None;
            }
        }
        let id = FieldId(self.model.fields.len() as u32);
        field.number = Some(self.model.fields_by_number.len() as u32);
        self.model.fields_by_number.push(id);
        self.model.fields.push(field);
        self.model.classes[class.0 as usize].fields.push(id);
        Some(id)
    }

    /// Panda's inherited field list, sorted by field number.
    fn inherited_fields(&self, class: ClassId) -> Vec<FieldId> {
        let c = self.model.class(class);
        let mut names: Vec<&str> = Vec::new();
        let mut list: Vec<FieldId> = Vec::new();
        for &p in &c.parents {
            for &f in &self.model.class(p).inherited {
                let name = self.model.field(f).name.as_str();
                if !name.is_empty() && !names.contains(&name) {
                    names.push(name);
                    list.push(f);
                }
            }
        }
        for &f in &c.fields {
            let name = self.model.field(f).name.as_str();
            if !name.is_empty() {
                if names.contains(&name) {
                    list.retain(|&g| self.model.field(g).name != name);
                } else {
                    names.push(name);
                }
            }
            list.push(f);
        }
        list.sort_by_key(|&f| self.model.field(f).number);
        list
    }

    /// Resolves a parameter: type, name suffixes and default value.
    fn param(&mut self, p: &ast::Param) -> Param {
        let mut param = self.type_base(&p.ty);
        param.span = p.span;
        for size in &p.ty.arrays {
            let size = self.size_range(size);
            param = self.append_array(param, size);
        }
        if let Some(name_part) = &p.name {
            self.check_name(&name_part.name, "a parameter name");
            param.name = Some(name_part.name.name.clone());
            for suffix in &name_part.suffixes {
                match suffix {
                    Suffix::Array(size) => {
                        let size = self.size_range(size);
                        param = self.append_array(param, size);
                    }
                    Suffix::Divisor(_, span) | Suffix::Modulus(_, span) => {
                        let what = if matches!(suffix, Suffix::Divisor(..)) {
                            "divisor"
                        } else {
                            "modulus"
                        };
                        match (&mut param.ty, param.typedef) {
                            (Type::Simple(simple), None) => {
                                let mut simple = simple.clone();
                                self.simple_mod(&mut simple, suffix);
                                param.ty = Type::Simple(simple);
                            }
                            _ => self.errors.push(
                                Diagnostic::error(*span, format!("a {what} is only allowed on a primitive type"))
                                    .with_hint(format!("write the {what} on the built-in type itself (or in the typedef), before any array brackets")),
                            ),
                        }
                    }
                    Suffix::Range(_, span) => {
                        self.error(*span, "a range must follow the type, not the name")
                    }
                }
            }
        }
        if let Some(value) = &p.default {
            match pack::pack_default(&self.model, &param, value) {
                Ok(bytes) => param.default = Some(bytes),
                Err(e) => {
                    if is_valid_type(&self.model, &param.ty) {
                        self.errors.push(Diagnostic::error(
                            e.span.unwrap_or(value.span),
                            format!("invalid default value: {}", e.message),
                        ));
                    }
                }
            }
        }
        param
    }

    fn type_base(&mut self, ty: &ast::TypeExpr) -> Param {
        let mut param = Param {
            name: None,
            ty: Type::Invalid,
            typedef: None,
            default: None,
            span: ty.span,
        };
        match &ty.base {
            TypeBase::Simple { builtin, mods } => {
                let mut simple = SimpleType::new(*builtin);
                for m in mods {
                    self.simple_mod(&mut simple, m);
                }
                param.ty = Type::Simple(simple);
            }
            // An inline struct or switch names its parameter until a name is written
            // (Panda's `DCClassParameter`/`DCSwitchParameter` take the type's name).
            TypeBase::Struct(decl) => {
                let id = self.class(decl);
                param.name = Some(self.model.class(id).name.clone()).filter(|n| !n.is_empty());
                param.ty = Type::Class(id);
            }
            TypeBase::Switch(decl) => {
                let id = self.switch(decl);
                param.name = Some(self.model.switch(id).name.clone()).filter(|n| !n.is_empty());
                param.ty = Type::Switch(id);
            }
            TypeBase::Named(ident) => {
                if !self.check_name(ident, "a type name") {
                    return param;
                }
                let id = self.lookup_type(ident);
                let td = &self.model.typedefs[id.0 as usize];
                param.ty = td.param.ty.clone();
                param.default = td.param.default.clone();
                param.typedef = Some(id);
            }
        }
        param
    }

    /// Panda's type-name lookup: typedefs, then classes, then switches, then a
    /// placeholder. Class and switch hits are cached as implicit typedefs.
    fn lookup_type(&mut self, ident: &Ident) -> TypedefId {
        if let Some(&id) = self.typedef_names.get(&ident.name) {
            return id;
        }
        let (ty, implicit, bogus) = if let Some(&c) = self.class_names.get(&ident.name) {
            (Type::Class(c), true, false)
        } else if let Some(&s) = self.switch_names.get(&ident.name) {
            (Type::Switch(s), true, false)
        } else {
            if self.options.lenient {
                self.model.all_objects_valid = false;
            } else {
                let mut d =
                    Diagnostic::error(ident.span, format!("undefined type `{}`", ident.name));
                d = match ident.name.as_str() {
                    "float32" => d.with_hint("Panda3D has no float32; use float64 (or a divisor on an integer type)"),
                    "bool" => d.with_hint("declare it first, e.g. `typedef uint8 bool;`"),
                    "string32" => d.with_hint("Panda3D has no string32; use blob32 or string"),
                    _ => d.with_hint("define the type before this point, or load the file that defines it first (Panda3D would accept it as an invalid placeholder type: use --lenient to reproduce that)"),
                };
                self.errors.push(d);
            }
            (Type::Invalid, false, true)
        };
        let id = TypedefId(self.model.typedefs.len() as u32);
        self.model.typedefs.push(Typedef {
            name: ident.name.clone(),
            param: Param {
                name: None,
                ty,
                typedef: None,
                default: None,
                span: ident.span,
            },
            implicit,
            bogus,
        });
        self.typedef_names.insert(ident.name.clone(), id);
        id
    }

    fn size_range(&mut self, size: &ast::SizeRange) -> Vec<(u32, u32)> {
        let mut spans: Vec<(u32, u32)> = Vec::new();
        for &(lo, hi, span) in &size.items {
            if lo > hi
                || spans
                    .iter()
                    .any(|&(a, b)| overlaps(lo as f64, hi as f64, a as f64, b as f64))
            {
                self.error(span, "overlapping range");
                continue;
            }
            spans.push((lo, hi));
        }
        spans
    }

    /// `DCParameter::append_array_specification`: brackets wrap a typedef'd or
    /// non-array parameter, and otherwise go to the innermost element.
    fn append_array(&mut self, mut param: Param, size: Vec<(u32, u32)>) -> Param {
        if param.typedef.is_none() {
            if let Type::Array(array) = &mut param.ty {
                let element = std::mem::replace(&mut array.element, placeholder_param());
                array.element = self.append_array(element, size);
                return param;
            }
        }
        let name = param.name.take();
        let span = param.span;
        let count = match size.as_slice() {
            [(lo, hi)] if lo == hi => Some(*lo as usize),
            _ => None,
        };
        let fixed_size = match (count, pack::fixed_size(&self.model, &param.ty)) {
            (Some(n), Some(size)) => n.checked_mul(size),
            _ => None,
        };
        Param {
            name,
            ty: Type::Array(Box::new(ArrayType {
                element: param,
                size,
                fixed_size,
            })),
            typedef: None,
            default: None,
            span,
        }
    }

    fn simple_mod(&mut self, simple: &mut SimpleType, m: &Suffix) {
        match m {
            Suffix::Range(items, span) => {
                let mut written: Vec<(f64, f64)> = Vec::new();
                for item in items {
                    if item.lo > item.hi
                        || written
                            .iter()
                            .any(|&(a, b)| overlaps(item.lo, item.hi, a, b))
                    {
                        self.error(item.span, "overlapping range");
                        continue;
                    }
                    written.push((item.lo, item.hi));
                }
                if let Err(msg) = set_range(simple, written) {
                    self.errors.push(Diagnostic::error(
                        *span,
                        format!(
                            "inappropriate range for type {}: {msg}",
                            simple.builtin.name()
                        ),
                    ));
                }
            }
            Suffix::Divisor(n, span) => {
                if !is_numeric(simple.builtin) {
                    self.error(
                        *span,
                        format!(
                            "a divisor is only valid on a numeric type, not {}",
                            simple.builtin.name()
                        ),
                    );
                } else if *n == 0 || *n > u64::from(u32::MAX) {
                    self.error(
                        *span,
                        "invalid divisor: it must be between 1 and 4294967295",
                    );
                } else {
                    simple.divisor = *n as u32;
                    let range = simple.orig_range.clone();
                    if !range.is_empty() {
                        if let Err(msg) = set_range(simple, range) {
                            self.error(
                                *span,
                                format!(
                                    "the range no longer fits the type with this divisor: {msg}"
                                ),
                            );
                        }
                    }
                    if let Some(m) = simple.modulus {
                        if let Err(msg) = set_modulus(simple, m) {
                            self.error(*span, format!("invalid modulus with this divisor: {msg}"));
                        }
                    }
                }
            }
            Suffix::Modulus(m, span) => {
                if !is_numeric(simple.builtin) {
                    self.error(
                        *span,
                        format!(
                            "a modulus is only valid on a numeric type, not {}",
                            simple.builtin.name()
                        ),
                    );
                } else if let Err(msg) = set_modulus(simple, *m) {
                    self.error(*span, format!("invalid modulus: {msg}"));
                }
            }
            Suffix::Array(size) => self.error(size.span, "unexpected array size here"),
        }
    }

    fn switch(&mut self, decl: &ast::SwitchDecl) -> SwitchId {
        let name = match &decl.name {
            Some(n) => {
                self.check_name(n, "a switch name");
                n.name.clone()
            }
            None => String::new(),
        };
        let key = self.param(&decl.key);
        let mut groups: Vec<Vec<Param>> = Vec::new();
        let mut cases: Vec<(Vec<u8>, usize)> = Vec::new();
        let mut default: Option<usize> = None;
        let mut current: Vec<usize> = Vec::new();
        let mut fields_added = false;
        let start_case = |groups: &mut Vec<Vec<Param>>,
                          current: &mut Vec<usize>,
                          fields_added: &mut bool|
         -> usize {
            let g = if current.is_empty() || *fields_added {
                groups.push(vec![key.clone()]);
                *fields_added = false;
                groups.len() - 1
            } else {
                current[current.len() - 1]
            };
            if current.last() != Some(&g) {
                current.push(g);
            }
            g
        };
        for item in &decl.items {
            match item {
                SwitchItem::Case(value) => match pack::pack_default(&self.model, &key, value) {
                    Ok(bytes) => {
                        if cases.iter().any(|(v, _)| *v == bytes) {
                            self.error(value.span, "duplicate case value");
                        } else {
                            let g = start_case(&mut groups, &mut current, &mut fields_added);
                            cases.push((bytes, g));
                        }
                    }
                    Err(e) => self.error(
                        value.span,
                        format!("invalid value for the switch key: {}", e.message),
                    ),
                },
                SwitchItem::Default(span) => {
                    if default.is_some() {
                        self.error(*span, "default case already defined");
                    } else {
                        default = Some(start_case(&mut groups, &mut current, &mut fields_added));
                    }
                }
                SwitchItem::Break => {
                    current.clear();
                    fields_added = false;
                }
                SwitchItem::Field(p) => {
                    let param = self.param(p);
                    if current.is_empty() {
                        self.error(p.span, "case declaration required before first element");
                        continue;
                    }
                    for &g in &current {
                        let dup = param
                            .name
                            .as_ref()
                            .is_some_and(|n| groups[g].iter().any(|q| q.name.as_ref() == Some(n)));
                        if dup {
                            self.error(
                                p.span,
                                format!(
                                    "duplicate field name `{}`",
                                    param.name.clone().unwrap_or_default()
                                ),
                            );
                        } else {
                            groups[g].push(param.clone());
                        }
                    }
                    fields_added = true;
                }
            }
        }
        let after_key = |g: &Vec<Param>| g[1..].to_vec();
        let switch = Switch {
            name,
            cases: cases
                .iter()
                .map(|(v, g)| SwitchCase {
                    value: v.clone(),
                    fields: after_key(&groups[*g]),
                })
                .collect(),
            default: default.map(|g| after_key(&groups[g])),
            key,
            fixed_size: None,
            span: decl.span,
        };
        let id = SwitchId(self.model.switches.len() as u32);
        self.model.switches.push(switch);
        self.model.switches[id.0 as usize].fixed_size = pack::switch_fixed_size(&self.model, id);
        id
    }
}

fn placeholder_param() -> Param {
    Param {
        name: None,
        ty: Type::Invalid,
        typedef: None,
        default: None,
        span: Span::default(),
    }
}

fn overlaps(lo: f64, hi: f64, a: f64, b: f64) -> bool {
    (lo >= a && lo <= b) || (hi >= a && hi <= b) || (lo < a && hi > b)
}

/// `DCSimpleParameter::is_numeric_type`: divisors and moduli are refused on
/// strings, blobs and char.
fn is_numeric(b: Builtin) -> bool {
    !matches!(
        b,
        Builtin::String | Builtin::Blob | Builtin::Blob32 | Builtin::Char
    )
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

/// `DCSimpleParameter::set_range`: scales the written range by the divisor and
/// checks it against the type. Spans that overlap only after scaling are dropped.
fn set_range(simple: &mut SimpleType, written: Vec<(f64, f64)>) -> Result<(), String> {
    use Builtin::*;
    let divisor = f64::from(simple.divisor);
    let scale_int = |b: f64| (b * divisor + 0.5).floor();
    let mut error = None;
    let mut check = |v: f64, lo: f64, hi: f64| {
        if v < lo || v > hi {
            error = Some(format!("bound {v} does not fit in {lo}..={hi}"));
        }
    };
    simple.range = if written.is_empty() {
        Range::None
    } else {
        match simple.builtin {
            Float64 => {
                let mut spans: Vec<(f64, f64)> = Vec::new();
                for (lo, hi) in written.iter().map(|&(lo, hi)| (lo * divisor, hi * divisor)) {
                    if lo <= hi && !spans.iter().any(|&(a, b)| overlaps(lo, hi, a, b)) {
                        spans.push((lo, hi));
                    }
                }
                Range::Float(spans)
            }
            Uint32Uint8Array => return Err("this type takes no range".into()),
            b => {
                let (min, max) = match b {
                    Int8 | Int8Array => (-128.0, 127.0),
                    Int16 | Int16Array => (-32768.0, 32767.0),
                    Int32 | Int32Array => (-2147483648.0, 2147483647.0),
                    Int64 => (f64::MIN, f64::MAX),
                    Uint8 | Uint8Array | Char => (0.0, 255.0),
                    Uint16 | Uint16Array | String | Blob => (0.0, 65535.0),
                    Uint32 | Uint32Array | Blob32 => (0.0, 4294967295.0),
                    _ => (f64::MIN, f64::MAX),
                };
                let mut spans: Vec<(i128, i128)> = Vec::new();
                for &(lo, hi) in &written {
                    let (lo, hi) = (scale_int(lo), scale_int(hi));
                    check(lo, min, max);
                    check(hi, min, max);
                    let (lo, hi) = (lo as i128, hi as i128);
                    let dup = spans
                        .iter()
                        .any(|&(a, b)| overlaps(lo as f64, hi as f64, a as f64, b as f64));
                    if lo <= hi && !dup {
                        spans.push((lo, hi));
                    }
                }
                Range::Int(spans)
            }
        }
    };
    simple.orig_range = written;
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// `DCSimpleParameter::set_modulus`: the scaled modulus must be at most the type's
/// largest value plus one.
fn set_modulus(simple: &mut SimpleType, modulus: f64) -> Result<(), String> {
    use Builtin::*;
    if modulus <= 0.0 {
        return Err("the modulus must be greater than 0".into());
    }
    let scaled = ((modulus * f64::from(simple.divisor)) + 0.5).floor();
    let limit: Option<f64> = match simple.builtin {
        Int8 | Int8Array => Some(128.0),
        Int16 | Int16Array => Some(32768.0),
        Int32 | Int32Array => Some(2147483648.0),
        Int64 => Some(9223372036854775808.0),
        Uint8 | Uint8Array | Char => Some(256.0),
        Uint16 | Uint16Array => Some(65536.0),
        Uint32 | Uint32Array => Some(4294967296.0),
        Uint64 | Float64 => None,
        _ => return Err(format!("{} takes no modulus", simple.builtin.name())),
    };
    simple.modulus = Some(modulus);
    match limit {
        Some(limit) if scaled < 1.0 || scaled > limit => Err(format!(
            "the scaled modulus {scaled} must be between 1 and {limit}"
        )),
        _ => Ok(()),
    }
}
