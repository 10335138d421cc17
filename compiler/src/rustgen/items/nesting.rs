//! Which dclass value types hold their first parent as one member (`Deref` to it)
//! instead of repeating every inherited field: the parent's members must be exactly
//! the first members of the class, and the class must never be a parameter type
//! (default values of class parameters are written member by member).

use super::*;
use crate::model::Model;
use std::collections::HashSet;

/// Classes used as a parameter type anywhere in the schema.
pub(crate) fn classes_used_as_values(model: &Model) -> HashSet<ClassId> {
    fn visit(p: &Param, out: &mut HashSet<ClassId>) {
        match &p.ty {
            Type::Class(c) => {
                out.insert(*c);
            }
            Type::Array(a) => visit(&a.element, out),
            _ => {}
        }
    }
    let mut out = HashSet::new();
    for f in &model.fields {
        match &f.kind {
            FieldKind::Parameter(p) => visit(p, &mut out),
            FieldKind::Atomic(ps) => ps.iter().for_each(|p| visit(p, &mut out)),
            FieldKind::Molecular(_) => {}
        }
    }
    for s in &model.switches {
        visit(&s.key, &mut out);
        for p in s
            .cases
            .iter()
            .flat_map(|c| &c.fields)
            .chain(s.default.iter().flatten())
        {
            visit(p, &mut out);
        }
    }
    for t in &model.typedefs {
        visit(&t.param, &mut out);
    }
    out
}

impl Gen<'_> {
    /// The parent a dclass value type nests, with the member name holding it and how
    /// many of the class's members it covers.
    pub(super) fn nested_parent(&self, id: ClassId) -> Option<(ClassId, Ident, usize)> {
        let c = self.model.class(id);
        let &parent = c.parents.first()?;
        let p = self.model.class(parent);
        if c.is_struct || p.is_struct || c.constructor.is_some() || p.constructor.is_some() {
            return None;
        }
        if self.used_as_values.contains(&id) {
            return None;
        }
        let theirs = self.members(parent);
        let ours = self.members(id);
        if theirs.is_empty() || !ours.starts_with(&theirs) {
            return None;
        }
        let name = value_name(&self.names.class_type[&parent]);
        let clash = self
            .member_names(id)
            .iter()
            .skip(theirs.len())
            .any(|(_, n)| *n == name);
        (!clash).then(|| (parent, ident(&name), theirs.len()))
    }
}
