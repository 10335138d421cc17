//! Classes and structs: creation, parents, registration in the class list (which
//! numbers dclasses) and Panda's inherited field list.

use super::*;

impl Resolver {
    pub(super) fn register_class(&mut self, id: ClassId, decl: &ast::ClassDecl) {
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

    pub(super) fn class(&mut self, decl: &ast::ClassDecl) -> ClassId {
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
                let known = super::keywords::sorted_names(self.class_names.keys());
                let hint = match crate::suggest::did_you_mean(&ident.name, known) {
                    Some(guess) => guess,
                    None => "define it before this point, or load the file that defines it first (Panda3D itself would accept this as a placeholder: use --lenient to reproduce that)".to_string(),
                };
                self.errors.push(
                    Diagnostic::error(ident.span, format!("undefined class `{}`", ident.name))
                        .with_hint(hint),
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

    pub(super) fn inherits_from_bogus(&self, class: ClassId) -> bool {
        self.model
            .class(class)
            .parents
            .iter()
            .any(|&p| self.model.class(p).bogus || self.inherits_from_bogus(p))
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
}
