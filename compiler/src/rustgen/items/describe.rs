//! Fields, parameters and types written back as DC text, for doc comments.

use super::*;

impl Gen<'_> {
    /// The field as written in DC, for doc comments.
    pub fn describe_field(&self, f: FieldId) -> String {
        let field = self.model.field(f);
        let body = match &field.kind {
            FieldKind::Atomic(params) => {
                let ps: Vec<String> = params.iter().map(|p| self.describe_param(p)).collect();
                format!("{}({})", field.name, ps.join(", "))
            }
            FieldKind::Parameter(p) => self.describe_param(p),
            FieldKind::Molecular(atoms) => {
                let names: Vec<&str> = atoms
                    .iter()
                    .map(|&a| self.model.field(a).name.as_str())
                    .collect();
                format!("{} : {}", field.name, names.join(", "))
            }
        };
        let mut text = body;
        for k in &field.keywords.names {
            text.push(' ');
            text.push_str(k);
        }
        text
    }

    /// A parameter as written in DC, for doc comments.
    pub fn describe_param(&self, p: &Param) -> String {
        let ty = self.describe_type(&p.ty);
        match &p.name {
            Some(n) => format!("{ty} {n}"),
            None => ty,
        }
    }

    fn describe_type(&self, t: &Type) -> String {
        match t {
            Type::Simple(s) => {
                let mut text = s.builtin.name().to_string();
                if s.divisor != 1 {
                    text.push_str(&format!("/{}", s.divisor));
                }
                if let Some(m) = s.modulus {
                    text.push_str(&format!("%{m}"));
                }
                if !s.orig_range.is_empty() {
                    let spans: Vec<String> = s
                        .orig_range
                        .iter()
                        .map(|(lo, hi)| {
                            if lo == hi {
                                format!("{lo}")
                            } else {
                                format!("{lo}-{hi}")
                            }
                        })
                        .collect();
                    text.push_str(&format!("({})", spans.join(", ")));
                }
                text
            }
            Type::Array(a) => {
                let size: Vec<String> = a
                    .size
                    .iter()
                    .map(|(lo, hi)| {
                        if lo == hi {
                            format!("{lo}")
                        } else {
                            format!("{lo}-{hi}")
                        }
                    })
                    .collect();
                format!("{}[{}]", self.describe_type(&a.element.ty), size.join(", "))
            }
            Type::Class(c) => self.model.class(*c).name.clone(),
            Type::Switch(s) => {
                let name = &self.model.switch(*s).name;
                if name.is_empty() {
                    "switch".into()
                } else {
                    name.clone()
                }
            }
            Type::Invalid => "?".into(),
        }
    }
}
