//! Python type stubs (`.pyi`) for a loaded model, so Panda3D game code written in
//! Python can be checked by mypy against the schema.
//!
//! The stubs follow Panda3D's `DistributedObject` convention: every field of a
//! dclass is a method that Panda calls with the unpacked arguments
//! (`def setPos(self, x: float, y: float, z: float, /) -> None`). Parameters are
//! positional-only because Panda always calls positionally, so an implementation
//! may name them freely. Each field's DC declaration, number and keywords are in its
//! docstring.
//!
//! Types are what Panda's `DCPacker.unpackObject` hands to Python (checked against
//! Panda3D 1.10.16): integers → `int`, `float64` and integers with a divisor →
//! `float`, `string` and `char` (and `char[]`) → `str`, `blob`/`blob32` → `bytes`,
//! other arrays (`uint8[]` included) and the legacy `*array` types → `list[...]`,
//! a struct → its tuple shape (`ColorTuple`; Panda passes a plain tuple) next to a
//! `NamedTuple` class `Color` that builds one, a switch → a union of
//! tuples keyed by `Literal` case values, a dclass used as a value → the class or
//! the tuple of its fields' values.
//!
//! Views named by the imports (`from game import DistributedAvatar/AI/OV`) become
//! subclasses `DistributedAvatarAI` and `DistributedAvatarOV`.

mod names;
mod text;

use crate::ast::Builtin;
use crate::model::{ClassId, FieldId, FieldKind, Model, Param, Switch, Type};
use crate::source::Span;
use names::{claim, doc_text, identifier, mentioned};
use std::collections::{BTreeMap, BTreeSet};
use text::{base_name, method_text, python_str, short, tuple_of, wrap_alias};

/// Nesting depth beyond which a value type is written as `Any` (only reachable by
/// classes used as values inside themselves).
const MAX_DEPTH: usize = 32;

/// Renders the stubs for a whole model (all files loaded together). The output is
/// deterministic: it depends only on the model.
pub fn generate_pyi(model: &Model) -> String {
    Stubs::new(model).render()
}

/// One top-level item, sorted by where the schema declares it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Class(ClassId),
    Typedef(usize),
    Switch(usize),
}

/// A view class such as `DistributedAvatarAI`.
struct View {
    name: String,
    base: ClassId,
    suffix: String,
    import: String,
}

/// A method about to be written: its field and its (Python name, type) parameters.
struct Method {
    field: FieldId,
    params: Vec<(String, String)>,
}

/// The generator: names chosen up front, then each item rendered in schema order.
struct Stubs<'a> {
    model: &'a Model,
    /// Python names of emitted classes (named dclasses, structs, placeholders).
    class_names: BTreeMap<ClassId, String>,
    /// Python names of explicit typedefs, by index.
    typedef_names: BTreeMap<usize, String>,
    /// Python names of named switches, by index.
    switch_names: BTreeMap<usize, String>,
    views: Vec<View>,
    /// The alias of each named struct's tuple shape (`ColorTuple`): what Panda
    /// passes for a struct value, and what parameters of that struct type take.
    struct_tuples: BTreeMap<ClassId, String>,
    /// Names reserved for each dclass's field-name alias (`DistributedAvatarFields`).
    field_aliases: BTreeMap<ClassId, String>,
    /// Dclasses whose field-name alias was written (they or an ancestor have fields).
    with_field_alias: BTreeSet<ClassId>,
    /// `typing` names used.
    typing: BTreeSet<&'static str>,
    /// Whether `collections.abc.Sequence` is used.
    sequence: bool,
    /// Classes whose value type is being expanded (cycle guard).
    expanding: Vec<ClassId>,
    /// Parameter type lists of each dclass's own methods, by Python name.
    signatures: BTreeMap<ClassId, BTreeMap<String, String>>,
}

impl<'a> Stubs<'a> {
    fn new(model: &'a Model) -> Self {
        let mut taken: BTreeSet<String> = names::STUB_NAMES.iter().map(|s| s.to_string()).collect();
        let mut class_names = BTreeMap::new();
        for &id in &model.class_list {
            let c = model.class(id);
            if !c.name.is_empty() {
                class_names.insert(id, claim(identifier(&c.name), &mut taken));
            }
        }
        let mut typedef_names = BTreeMap::new();
        for (i, t) in model.typedefs.iter().enumerate() {
            if !t.implicit {
                typedef_names.insert(i, claim(identifier(&t.name), &mut taken));
            }
        }
        let mut switch_names = BTreeMap::new();
        for (i, s) in model.switches.iter().enumerate() {
            if !s.name.is_empty() {
                switch_names.insert(i, claim(identifier(&s.name), &mut taken));
            }
        }
        let views = Self::views(model, &class_names, &mut taken);
        let mut struct_tuples = BTreeMap::new();
        for (&id, name) in &class_names {
            let c = model.class(id);
            if c.is_struct && !c.bogus {
                struct_tuples.insert(id, claim(format!("{name}Tuple"), &mut taken));
            }
        }
        let mut field_aliases = BTreeMap::new();
        for (&id, name) in &class_names {
            let c = model.class(id);
            if !c.is_struct && !c.bogus {
                field_aliases.insert(id, claim(format!("{name}Fields"), &mut taken));
            }
        }
        Stubs {
            model,
            class_names,
            typedef_names,
            switch_names,
            views,
            struct_tuples,
            field_aliases,
            with_field_alias: BTreeSet::new(),
            typing: BTreeSet::new(),
            sequence: false,
            expanding: Vec::new(),
            signatures: BTreeMap::new(),
        }
    }

    /// The views the imports name, for dclasses this model defines. A view whose
    /// name is already taken (say a real dclass `FooAI`) is left out.
    fn views(
        model: &Model,
        class_names: &BTreeMap<ClassId, String>,
        taken: &mut BTreeSet<String>,
    ) -> Vec<View> {
        let mut views = Vec::new();
        for import in &model.imports {
            for symbol in &import.symbols {
                let mut parts = symbol.split('/');
                let base_name = parts.next().unwrap_or_default();
                let Some(base) = model.class_by_name(base_name) else {
                    continue;
                };
                let c = model.class(base);
                if c.is_struct || c.bogus || !class_names.contains_key(&base) {
                    continue;
                }
                for suffix in parts.filter(|s| !s.is_empty()) {
                    let name = identifier(&format!("{base_name}{suffix}"));
                    if taken.insert(name.clone()) {
                        views.push(View {
                            name,
                            base,
                            suffix: suffix.to_string(),
                            import: format!("from {} import {symbol}", import.module),
                        });
                    }
                }
            }
        }
        views
    }

    fn render(mut self) -> String {
        let mut items: Vec<(u8, u32, u32, Item)> = Vec::new();
        for &id in self.class_names.keys() {
            let c = self.model.class(id);
            let group = if c.bogus { 0 } else { 1 };
            items.push((group, c.span.file.0, c.span.start, Item::Class(id)));
        }
        for &i in self.typedef_names.keys() {
            let span = self.model.typedefs[i].param.span;
            items.push((1, span.file.0, span.start, Item::Typedef(i)));
        }
        for &i in self.switch_names.keys() {
            let span = self.model.switches[i].span;
            items.push((1, span.file.0, span.start, Item::Switch(i)));
        }
        items.sort();
        let mut body = String::new();
        for &(_, _, _, item) in &items {
            let text = match item {
                Item::Class(id) => self.class(id),
                Item::Typedef(i) => self.typedef(i),
                Item::Switch(i) => self.switch_alias(i),
            };
            body.push_str(&text);
        }
        if !self.views.is_empty() {
            body.push_str(
                "\n# Views named by the imports: the same fields, seen from another process.\n",
            );
            for view in &self.views {
                body.push_str(&format!(
                    "\nclass {}({}):\n    \"\"\"The `{}` view of dclass {} (`{}`).\"\"\"\n",
                    view.name,
                    self.class_names[&view.base],
                    doc_text(&view.suffix),
                    doc_text(&self.model.class(view.base).name),
                    doc_text(&view.import),
                ));
            }
        }
        let mut out = self.header();
        out.push_str(&body);
        out
    }

    fn header(&self) -> String {
        let files: Vec<String> = self
            .model
            .sources
            .files()
            .iter()
            .map(|f| doc_text(base_name(&f.name)))
            .collect();
        let mut out = format!(
            "\"\"\"Type stubs for the distributed classes of {}.\n\nGenerated by dcc; do not edit. DC hash {:#010x}.\n\nEach dclass field is a method called with the unpacked arguments (Panda3D's\nDistributedObject convention). A struct arrives as a plain tuple (its `...Tuple`\nalias); its NamedTuple class builds one.\n",
            files.join(", "),
            crate::hash::hash_model(self.model)
        );
        if !self.with_field_alias.is_empty() {
            out.push_str("\n`<Class>Fields` names a dclass's fields (own and inherited), as its `sendUpdate`\ntakes them; a game class with the stub class as first base gets the same names\nchecked in pipesnet's `send_update`, `send_command` and `set_field`.\n");
        }
        out.push_str("\"\"\"\n");
        if self.sequence || !self.typing.is_empty() {
            out.push('\n');
        }
        if self.sequence {
            out.push_str("from collections.abc import Sequence\n");
        }
        if !self.typing.is_empty() {
            let used: Vec<&str> = self.typing.iter().copied().collect();
            out.push_str(&format!("from typing import {}\n", used.join(", ")));
        }
        out
    }

    // ------------------------------------------------------------ types

    fn typing(&mut self, name: &'static str) -> &'static str {
        self.typing.insert(name);
        name
    }

    /// The Python type of a parameter, through its typedef's alias when the alias
    /// still says the same thing.
    fn param_type(&mut self, p: &Param, depth: usize) -> String {
        if let Some(td) = p.typedef {
            let index = td.0 as usize;
            if let Some(name) = self.typedef_names.get(&index).cloned() {
                let t = &self.model.typedefs[index];
                if t.bogus || self.type_str(&t.param.ty, depth) == self.type_str(&p.ty, depth) {
                    return name;
                }
            }
        }
        self.type_str(&p.ty, depth)
    }

    fn type_str(&mut self, ty: &Type, depth: usize) -> String {
        if depth > MAX_DEPTH {
            return self.typing("Any").to_string();
        }
        match ty {
            Type::Simple(s) => simple_type(s.builtin, s.divisor).to_string(),
            Type::Array(a) => match &a.element.ty {
                Type::Simple(s) if s.builtin == Builtin::Char => "str".to_string(),
                _ => format!("list[{}]", self.param_type(&a.element, depth + 1)),
            },
            Type::Class(c) => self.class_value(*c, depth),
            Type::Switch(s) => match self.switch_names.get(&(s.0 as usize)) {
                Some(name) => name.clone(),
                None => self.switch_union(self.model.switch(*s), depth),
            },
            Type::Invalid => self.typing("Any").to_string(),
        }
    }

    /// A struct or dclass used as a value.
    fn class_value(&mut self, id: ClassId, depth: usize) -> String {
        let c = self.model.class(id);
        if c.bogus {
            return self.typing("Any").to_string();
        }
        let name = self.class_names.get(&id).cloned();
        if let Some(alias) = self.struct_tuples.get(&id) {
            return alias.clone();
        }
        let tuple = if self.expanding.contains(&id) {
            let any = self.typing("Any");
            format!("tuple[{any}, ...]")
        } else {
            self.expanding.push(id);
            let elements: Vec<String> = self
                .value_members(id)
                .into_iter()
                .map(|f| self.member_type(f, depth + 1))
                .collect();
            self.expanding.pop();
            tuple_of(&elements)
        };
        match name {
            Some(name) => format!("{name} | {tuple}"),
            None => tuple,
        }
    }

    /// The fields a class value is made of: constructor, then the inherited
    /// non-molecular fields (what Panda's DCClassParameter packs).
    fn value_members(&self, id: ClassId) -> Vec<FieldId> {
        let c = self.model.class(id);
        c.constructor
            .iter()
            .chain(&c.inherited)
            .copied()
            .filter(|&f| !matches!(self.model.field(f).kind, FieldKind::Molecular(_)))
            .collect()
    }

    /// The type of one member of a class value: a parameter's value, or the tuple
    /// of an atomic field's arguments.
    fn member_type(&mut self, f: FieldId, depth: usize) -> String {
        match &self.model.field(f).kind {
            FieldKind::Parameter(p) => self.param_type(p, depth),
            _ => {
                let types: Vec<String> = self
                    .field_params(f)
                    .iter()
                    .map(|p| self.param_type(p, depth + 1))
                    .collect();
                tuple_of(&types)
            }
        }
    }

    /// A switch as the union of its cases: `(key, fields...)`, with the key as a
    /// `Literal` where the case values can be written as Python literals.
    fn switch_union(&mut self, s: &Switch, depth: usize) -> String {
        let key_type = self.param_type(&s.key, depth + 1);
        // Cases with the same fields share one tuple type (fall-through cases).
        let mut groups: Vec<(Vec<String>, Vec<Option<String>>)> = Vec::new();
        for case in &s.cases {
            let fields: Vec<String> = case
                .fields
                .iter()
                .map(|p| self.param_type(p, depth + 1))
                .collect();
            let literal = self.key_literal(&s.key, &case.value);
            match groups.iter_mut().find(|(f, _)| *f == fields) {
                Some((_, literals)) => literals.push(literal),
                None => groups.push((fields, vec![literal])),
            }
        }
        let mut options: Vec<String> = Vec::new();
        for (fields, literals) in groups {
            let key = match literals.into_iter().collect::<Option<Vec<String>>>() {
                Some(values) => {
                    let mut unique: Vec<String> = Vec::new();
                    for v in values {
                        if !unique.contains(&v) {
                            unique.push(v);
                        }
                    }
                    format!("{}[{}]", self.typing("Literal"), unique.join(", "))
                }
                None => key_type.clone(),
            };
            options.push(tuple_of(&[vec![key], fields].concat()));
        }
        if let Some(default) = &s.default {
            let fields: Vec<String> = default
                .iter()
                .map(|p| self.param_type(p, depth + 1))
                .collect();
            options.push(tuple_of(&[vec![key_type.clone()], fields].concat()));
        }
        if options.is_empty() {
            // A switch without cases: Panda still packs the key.
            options.push(tuple_of(&[key_type]));
        }
        let mut unique: Vec<String> = Vec::new();
        for o in options {
            if !unique.contains(&o) {
                unique.push(o);
            }
        }
        unique.join(" | ")
    }

    /// A case value as a Python literal: integers without a divisor, and strings or
    /// characters of plain printable ASCII.
    fn key_literal(&self, key: &Param, value: &[u8]) -> Option<String> {
        let Type::Simple(s) = &key.ty else {
            return None;
        };
        // Unnamed, so the text is the bare value (`1`, not `gender = 1`).
        let bare = Param {
            name: None,
            ..key.clone()
        };
        let text = crate::pack::unpack_param(self.model, &bare, value).ok()?;
        match s.builtin {
            Builtin::String | Builtin::Char => {
                let inner = text.strip_prefix(['"', '\''])?.strip_suffix(['"', '\''])?;
                let plain = inner.chars().all(|c| {
                    c.is_ascii_alphanumeric() || " _-.,:;!?+*/=<>()[]{}@#$%^&~|".contains(c)
                });
                plain.then(|| format!("\"{inner}\""))
            }
            Builtin::Blob | Builtin::Blob32 | Builtin::Float64 => None,
            _ if s.divisor != 1 => None,
            _ => text.parse::<i128>().ok().map(|n| n.to_string()),
        }
    }

    /// The parameters a field's method takes: an atomic field's own, a parameter
    /// field's one value, a molecular field's atoms' parameters in order.
    fn field_params(&self, f: FieldId) -> Vec<&'a Param> {
        let model = self.model;
        match &model.field(f).kind {
            FieldKind::Atomic(params) => params.iter().collect(),
            FieldKind::Parameter(p) => vec![p],
            FieldKind::Molecular(atoms) => atoms
                .iter()
                .flat_map(|&a| match &model.field(a).kind {
                    FieldKind::Atomic(params) => params.iter().collect(),
                    FieldKind::Parameter(p) => vec![p],
                    FieldKind::Molecular(_) => Vec::new(),
                })
                .collect(),
        }
    }

    // ------------------------------------------------------------ items

    fn typedef(&mut self, index: usize) -> String {
        let t = &self.model.typedefs[index];
        let name = self.typedef_names[&index].clone();
        let ty = if t.bogus {
            self.typing("Any").to_string()
        } else if t.param.typedef.is_some_and(|td| (td.0 as usize) < index) {
            self.param_type(&t.param, 0)
        } else {
            self.type_str(&t.param.ty, 0)
        };
        let alias = self.typing("TypeAlias");
        let what = if t.bogus {
            "undefined in the loaded files (lenient placeholder)".to_string()
        } else {
            format!("`{}`", doc_text(&short(self.excerpt(t.param.span))))
        };
        format!(
            "\n{name}: {alias} = {ty}\n\"\"\"typedef {}: {what}.\"\"\"\n",
            doc_text(&t.name)
        )
    }

    fn switch_alias(&mut self, index: usize) -> String {
        let s = &self.model.switches[index];
        let name = self.switch_names[&index].clone();
        let ty = self.switch_union(s, 0);
        let alias = self.typing("TypeAlias");
        format!(
            "\n{name}: {alias} = {ty}\n\"\"\"switch {}: the key, then the fields of the case it selects.\"\"\"\n",
            doc_text(&s.name)
        )
    }

    fn class(&mut self, id: ClassId) -> String {
        let c = self.model.class(id);
        if c.bogus {
            return format!(
                "\nclass {}:\n    \"\"\"Undefined in the loaded files (lenient placeholder for `{}`).\"\"\"\n",
                self.class_names[&id],
                doc_text(&c.name)
            );
        }
        if c.is_struct {
            self.struct_class(id)
        } else {
            self.dclass(id)
        }
    }

    fn struct_class(&mut self, id: ClassId) -> String {
        let c = self.model.class(id);
        let name = self.class_names[&id].clone();
        let members = self.value_members(id);
        let types: Vec<String> = members.iter().map(|&f| self.member_type(f, 1)).collect();
        let mut mentioned_names = BTreeSet::new();
        for t in &types {
            mentioned(t, &mut mentioned_names);
        }
        // Tuple methods and `_`-names cannot be NamedTuple fields.
        let mut taken: BTreeSet<String> =
            ["count", "index"].iter().map(|s| s.to_string()).collect();
        taken.extend(mentioned_names);
        let named = self.typing("NamedTuple");
        let mut out = format!(
            "\nclass {name}({named}):\n    \"\"\"struct {}{}. Values to send can be built with it.\"\"\"\n",
            doc_text(&c.name),
            self.declared_in(c.span),
        );
        if !members.is_empty() {
            out.push('\n');
        }
        for (i, (&f, ty)) in members.iter().zip(&types).enumerate() {
            let field = self.model.field(f);
            let base = if field.name.is_empty() {
                format!("field{i}")
            } else {
                let id = identifier(&field.name);
                if id.starts_with('_') {
                    format!("f{id}")
                } else {
                    id
                }
            };
            let attr = claim(base, &mut taken);
            out.push_str(&format!("    {attr}: {ty}\n"));
            out.push_str(&format!(
                "    \"\"\"{}\"\"\"\n",
                self.field_doc(f, &attr, "    ")
            ));
        }
        let alias = self.struct_tuples[&id].clone();
        let type_alias = self.typing("TypeAlias");
        out.push_str(&format!(
            "\n{alias}: {type_alias} = {}\n\"\"\"How Panda3D passes struct {}: a plain tuple (an instance of `{name}` is one too).\"\"\"\n",
            tuple_of(&types),
            doc_text(&c.name),
        ));
        out
    }

    fn dclass(&mut self, id: ClassId) -> String {
        let c = self.model.class(id);
        let name = self.class_names[&id].clone();
        let bases = self.bases(id);
        let mut methods = Vec::new();
        let mut mentioned_names = BTreeSet::new();
        for &f in &c.fields {
            let params: Vec<(String, String)> = {
                let raw = self.field_params(f);
                let mut taken: BTreeSet<String> = BTreeSet::from(["self".to_string()]);
                raw.iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let base = match p.name.as_deref() {
                            Some(n) if !n.is_empty() => identifier(n),
                            _ => format!("arg{i}"),
                        };
                        let ty = self.param_type(p, 0);
                        mentioned(&ty, &mut mentioned_names);
                        (claim(base, &mut taken), ty)
                    })
                    .collect()
            };
            methods.push(Method { field: f, params });
        }
        let (alias_text, send_update) = self.field_alias(id, &bases);
        // Members must not shadow a name the body's annotations use.
        let mut taken = mentioned_names;
        taken.insert("sendUpdate".to_string());
        let mut own: BTreeMap<String, String> = BTreeMap::new();
        let mut rendered = send_update;
        for m in &methods {
            let field = self.model.field(m.field);
            let py = claim(identifier(&field.name), &mut taken);
            let types: Vec<&str> = m.params.iter().map(|(_, t)| t.as_str()).collect();
            let signature = types.join(", ");
            let overrides = self.differs_in_ancestors(id, &py, &signature);
            own.insert(py.clone(), signature);
            rendered.push_str(&method_text(&py, &m.params, overrides));
            rendered.push_str(&format!(
                "        \"\"\"{}\"\"\"\n",
                self.field_doc(m.field, &py, "        ")
            ));
        }
        self.signatures.insert(id, own);
        let conflict = self.bases_conflict(&bases);
        let base_list = if bases.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = bases.iter().map(|b| self.class_names[b].as_str()).collect();
            format!("({})", names.join(", "))
        };
        let ignore = if conflict {
            "  # type: ignore[misc, unused-ignore]"
        } else {
            ""
        };
        let number = c.number.map_or(String::new(), |n| format!(" (id {n})"));
        let mut out = alias_text;
        out.push_str(&format!(
            "\nclass {name}{base_list}:{ignore}\n    \"\"\"dclass {}{number}{}.\"\"\"\n",
            doc_text(&c.name),
            self.declared_in(c.span),
        ));
        out.push_str(&rendered);
        out
    }

    /// The alias of the field names `sendUpdate` accepts on a dclass (its own and
    /// its bases' aliases), and the typed `sendUpdate` itself; both empty when
    /// the class and its ancestors have no fields. A subclass's alias is a union
    /// that includes its bases' aliases, so the override only widens.
    fn field_alias(&mut self, id: ClassId, bases: &[ClassId]) -> (String, String) {
        let c = self.model.class(id);
        let names: Vec<String> = c
            .fields
            .iter()
            .map(|&f| python_str(&self.model.field(f).name))
            .collect();
        if !names.is_empty() {
            self.typing("Literal");
        }
        let others: Vec<String> = bases
            .iter()
            .filter(|b| self.with_field_alias.contains(b))
            .map(|b| self.field_aliases[b].clone())
            .collect();
        let Some(alias) = self.field_aliases.get(&id).cloned() else {
            return (String::new(), String::new());
        };
        if names.is_empty() && others.is_empty() {
            return (String::new(), String::new());
        }
        self.with_field_alias.insert(id);
        self.sequence = true;
        let type_alias = self.typing("TypeAlias");
        let alias_text = format!(
            "\n{}\n\"\"\"The field names of dclass {} (own and inherited), as `sendUpdate` takes them.\"\"\"\n",
            wrap_alias(&format!("{alias}: {type_alias} = "), &names, &others),
            doc_text(&c.name),
        );
        let method = format!(
            "\n    def sendUpdate(\n        self,\n        fieldName: {alias},\n        args: Sequence[object] = ...,\n        sendToId: int | None = ...,\n    ) -> None:\n        \"\"\"Sends a field update (Panda3D's `DistributedObject.sendUpdate`).\"\"\"\n"
        );
        (alias_text, method)
    }

    /// The parents written as Python bases: emitted dclasses, each once, leaving out
    /// a parent that another parent already derives from (Python could not order
    /// such bases).
    fn bases(&self, id: ClassId) -> Vec<ClassId> {
        let mut bases: Vec<ClassId> = Vec::new();
        for &p in &self.model.class(id).parents {
            if self.class_names.contains_key(&p)
                && !self.model.class(p).is_struct
                && !bases.contains(&p)
            {
                bases.push(p);
            }
        }
        let keep: Vec<ClassId> = bases
            .iter()
            .copied()
            .filter(|&p| {
                !bases
                    .iter()
                    .any(|&q| q != p && self.ancestors(q).contains(&p))
            })
            .collect();
        keep
    }

    /// Every class `id` derives from (not itself), each once.
    fn ancestors(&self, id: ClassId) -> BTreeSet<ClassId> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<ClassId> = self.model.class(id).parents.clone();
        // Each class is pushed at most once per parent edge; the seen set bounds it.
        while let Some(c) = stack.pop() {
            if seen.insert(c) {
                stack.extend(self.model.class(c).parents.iter().copied());
            }
        }
        seen
    }

    /// Whether an ancestor declares the method `py` with other parameter types, so
    /// mypy would report the override.
    fn differs_in_ancestors(&self, id: ClassId, py: &str, signature: &str) -> bool {
        self.ancestors(id).iter().any(|a| {
            self.signatures
                .get(a)
                .and_then(|m| m.get(py))
                .is_some_and(|s| s != signature)
        })
    }

    /// Whether two bases bring the same method name from different classes with
    /// different parameter types (mypy reports that on the class line).
    fn bases_conflict(&self, bases: &[ClassId]) -> bool {
        if bases.len() < 2 {
            return false;
        }
        let mut seen: BTreeMap<&str, (ClassId, &str)> = BTreeMap::new();
        for &b in bases {
            let mut lineage = self.ancestors(b);
            lineage.insert(b);
            for a in lineage {
                for (name, sig) in self.signatures.get(&a).into_iter().flatten() {
                    match seen.get(name.as_str()) {
                        Some(&(other, other_sig)) if other != a && other_sig != sig => return true,
                        Some(_) => {}
                        None => {
                            seen.insert(name, (a, sig));
                        }
                    }
                }
            }
        }
        false
    }

    // ------------------------------------------------------------ docs

    fn excerpt(&self, span: Span) -> &'a str {
        let text = &self.model.sources.get(span.file).text;
        text.get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    fn declared_in(&self, span: Span) -> String {
        let file = self.model.sources.get(span.file);
        let (line, _) = file.line_col(span.start as usize);
        format!(", {}:{line}", doc_text(base_name(&file.name)))
    }

    /// A field's docstring: its declaration, number and keywords.
    fn field_doc(&self, f: FieldId, py: &str, indent: &str) -> String {
        let field = self.model.field(f);
        let mut doc = format!("`{}`", doc_text(&short(self.excerpt(field.span))));
        if let Some(n) = field.number {
            doc.push_str(&format!("\n\n{indent}Field {n}"));
        } else {
            doc.push_str(&format!("\n\n{indent}Constructor"));
        }
        if field.keywords.names.is_empty() {
            doc.push_str("; no keywords.");
        } else {
            let words: Vec<String> = field.keywords.names.iter().map(|k| doc_text(k)).collect();
            doc.push_str(&format!("; keywords: {}.", words.join(", ")));
        }
        if !field.name.is_empty() && py != field.name {
            doc.push_str(&format!(
                " Named `{}` in the schema.",
                doc_text(&field.name)
            ));
        }
        doc.push('\n');
        doc.push_str(indent);
        doc
    }
}

/// The Python type a built-in unpacks to.
fn simple_type(builtin: Builtin, divisor: u32) -> &'static str {
    use Builtin::*;
    match builtin {
        Int8 | Int16 | Int32 | Int64 | Uint8 | Uint16 | Uint32 | Uint64 => {
            if divisor == 1 {
                "int"
            } else {
                "float"
            }
        }
        Float64 => "float",
        String | Char => "str",
        Blob | Blob32 => "bytes",
        // Panda ignores a divisor on the legacy array types: elements stay integers.
        Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array => "list[int]",
        Uint32Uint8Array => "list[tuple[int, int]]",
    }
}
