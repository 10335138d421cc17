//! Fields of a class: atomic, molecular and parameter fields, their atoms, and
//! numbering as `DCClass::add_field` does.

use super::*;

impl Resolver {
    pub(super) fn class_field(&mut self, class: ClassId, decl: &FieldDecl) {
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
}
