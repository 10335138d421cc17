//! Types and parameters: typedefs, Panda's type-name lookup (cached as implicit
//! typedefs), array brackets, name suffixes and default values.

use super::ranges::overlaps;
use super::*;

impl Resolver {
    pub(super) fn typedef(&mut self, p: &ast::Param) {
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

    /// Resolves a parameter: type, name suffixes and default value.
    pub(super) fn param(&mut self, p: &ast::Param) -> Param {
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

    /// "did you mean" for an undefined type: the nearest built-in type, typedef,
    /// class or switch name.
    fn suggest_type(&self, name: &str) -> Option<String> {
        let mut known = super::keywords::sorted_names(
            self.typedef_names
                .keys()
                .chain(self.class_names.keys())
                .chain(self.switch_names.keys()),
        );
        known.extend(crate::ast::Builtin::ALL.iter().map(|b| b.name()));
        crate::suggest::did_you_mean(name, known)
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
                    _ => match self.suggest_type(&ident.name) {
                        Some(guess) => d.with_hint(guess),
                        None => d.with_hint("define the type before this point, or load the file that defines it first (Panda3D would accept it as an invalid placeholder type: use --lenient to reproduce that)"),
                    },
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
