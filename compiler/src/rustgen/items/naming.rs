//! Rust names inside generated items: argument type paths, members of class values,
//! arguments, atoms and switch variants, and the error context of each parameter.

use super::*;

impl Gen<'_> {
    /// The path of a field's argument type as seen from `root`'s scope.
    pub fn message_path(&self, f: FieldId, root: &TokenStream) -> TokenStream {
        let class = self.model.field(f).class;
        let module = format_ident!("{}", self.names.class_mod[&class]);
        let msg = format_ident!("{}", self.names.message[&f]);
        quote!(#root #module::#msg)
    }

    /// Member names of a class value, in packing order.
    pub fn member_names(&self, class: ClassId) -> Vec<(FieldId, Ident)> {
        let mut scope = Scope::default();
        self.members(class)
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let name = &self.model.field(f).name;
                let base = if name.is_empty() {
                    format!("field{i}")
                } else {
                    value_name(name)
                };
                (f, ident(&scope.claim(&base)))
            })
            .collect()
    }

    /// Argument names of an atomic field; `None` when every argument is unnamed
    /// (the argument type is then a tuple struct).
    pub fn arg_names(&self, params: &[Param]) -> Option<Vec<Ident>> {
        if params.iter().all(|p| p.name.is_none()) {
            return None;
        }
        Some(self.case_field_names(params))
    }

    /// Names for a list of parameters: their own (snake case) or `arg{i}`.
    pub fn case_field_names(&self, params: &[Param]) -> Vec<Ident> {
        let mut scope = Scope::with_reserved(&["key"]);
        params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let base = match &p.name {
                    Some(n) => value_name(n),
                    None => format!("arg{i}"),
                };
                ident(&scope.claim(&base))
            })
            .collect()
    }

    /// Member names of a molecular field's argument type (one per atom).
    pub fn atom_names(&self, atoms: &[FieldId]) -> Vec<Ident> {
        let mut scope = Scope::default();
        atoms
            .iter()
            .map(|&a| ident(&scope.claim(&value_name(&self.model.field(a).name))))
            .collect()
    }

    /// Variant names of a switch's cases, in case order.
    pub fn switch_variants(&self, id: SwitchId) -> Vec<Ident> {
        let s = self.model.switch(id);
        let mut scope = Scope::with_reserved(&["Default"]);
        let key_cur = |bytes: &[u8]| -> Option<String> {
            let mut cur = Cursor::new(bytes);
            let v = self.param_value(&s.key, &mut cur, &quote!())?;
            let text = v.to_string().replace(' ', "");
            let ok = text.chars().all(|c| c.is_ascii_digit() || c == '-');
            ok.then(|| text.replace('-', "Neg"))
        };
        s.cases
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let base = match key_cur(&c.value) {
                    Some(v) => format!("Case{v}"),
                    None => format!("Case{i}"),
                };
                format_ident!("{}", scope.claim(&base))
            })
            .collect()
    }

    /// The error context of each parameter of a field (`Class.field.param`); the
    /// field's own name for a parameter field.
    pub fn param_contexts(&self, f: FieldId) -> Vec<String> {
        let field = self.model.field(f);
        let ctx = format!("{}.{}", self.model.class(field.class).name, field.name);
        match &field.kind {
            FieldKind::Atomic(params) => match self.arg_names(params) {
                Some(names) => names.iter().map(|n| format!("{ctx}.{n}")).collect(),
                None => (0..params.len()).map(|i| format!("{ctx}.{i}")).collect(),
            },
            _ => vec![ctx],
        }
    }
}
