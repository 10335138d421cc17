//! The static `SCHEMA` (`pipes::schema::SchemaInfo`): one table of classes and one
//! of fields (number, name, flags, keywords, fixed size, skip, default) that every
//! generated type reads its metadata from. Written as text, one row per line, so a
//! big schema streams out without building its table in memory.

use super::*;
use std::fmt::Write as _;
use std::io;

impl Gen<'_> {
    /// The skip function of a numbered field without an argument type (a struct's
    /// parameter members), as an item; `None` when the table names a generic one.
    pub(super) fn skip_fn(&self, n: usize, f: FieldId) -> Option<TokenStream> {
        let field = self.model.field(f);
        let FieldKind::Parameter(p) = &field.kind else {
            return None;
        };
        if self.has_message(f) {
            return None;
        }
        let skip = format_ident!("skip_field_{}", n);
        let ctx = format!("{}.{}", self.model.class(field.class).name, field.name);
        let u = self.unpack(&p.ty, &ctx, &quote!());
        Some(quote! {
            fn #skip(r: &mut wire::Reader<'_>) -> wire::WireResult<()> { let _value = #u; Ok(()) }
        })
    }

    /// Writes the `SCHEMA` static: classes by id, fields by number.
    pub(super) fn write_schema(&self, out: &mut dyn io::Write) -> io::Result<()> {
        let model = self.model;
        // Rows name the runtime's types through short aliases local to the block
        // (upper case, so they cannot meet the snake-case class modules the rows
        // point into): a big schema's table is a third of its generated code.
        out.write_all(
            b"/// The schema's classes and fields, for the runtime.\n\
              pub static SCHEMA: ::pipes::schema::SchemaInfo = {\n\
              #[allow(unused_imports)]\n\
              use ::pipes::schema::{\n    \
              skip as S, skip_nothing as Z, class_row as C, field_row as F,\n    \
              FieldKind::{Atomic as KA, Molecular as KM, Parameter as KP},\n\
              };\n\
              ::pipes::schema::SchemaInfo {\n    \
              hash: HASH,\n    classes: &[\n",
        )?;
        for (i, &id) in model.class_list.iter().enumerate() {
            let c = model.class(id);
            let parents: Vec<&str> = c
                .parents
                .iter()
                .map(|&p| model.class(p).name.as_str())
                .collect();
            let (all, required, ram) = self.field_lists(id);
            writeln!(
                out,
                "        C({:?}, {i}, {}, &{parents:?}, &{all:?}, &{required:?}, &{ram:?}),",
                c.name, c.is_struct
            )?;
        }
        out.write_all(b"    ],\n    fields: &[\n")?;
        let mut row = String::new();
        for (n, &f) in model.fields_by_number.iter().enumerate() {
            let field = model.field(f);
            let kind = match field.kind {
                FieldKind::Atomic(_) => "KA",
                FieldKind::Parameter(_) => "KP",
                FieldKind::Molecular(_) => "KM",
            };
            let skip = if self.has_message(f) {
                format!("S::<{}>", self.message_path(f, &quote!())).replace(' ', "")
            } else if matches!(field.kind, FieldKind::Parameter(_)) {
                format!("skip_field_{n}")
            } else {
                "Z".into()
            };
            let fixed = match self.field_fixed_size(f) {
                Some(size) => format!("Some({size})"),
                None => "None".into(),
            };
            let default = field_default(model, f).unwrap_or_default();
            let ints = crate::pack::field_int_widths(model, f).unwrap_or_default();
            // All-zero defaults (most fixed-size fields) as a repeat expression.
            let default = if !default.is_empty() && default.iter().all(|&b| b == 0) {
                format!("[0; {}]", default.len())
            } else {
                format!("{default:?}")
            };
            row.clear();
            let _ = write!(
                row,
                "        F({n}, {:?}, {:?}, {kind}, {}, &{:?}, {fixed}, &{ints:?}, &{skip}, &{default}),",
                field.name,
                model.class(field.class).name,
                field.keywords.historical_flags(),
                field.keywords.names,
            );
            row.push('\n');
            out.write_all(row.as_bytes())?;
        }
        out.write_all(b"    ],\n}\n};\n")
    }

    /// A class's field numbers: all inherited fields, the `required` ones and the
    /// `ram` ones. Molecular fields are aliases, so a generate carries their atoms and
    /// they are left out of `required` and `ram`.
    pub(super) fn field_lists(&self, class: ClassId) -> (Vec<u16>, Vec<u16>, Vec<u16>) {
        let model = self.model;
        let nums = |keyword: Option<&str>| -> Vec<u16> {
            model
                .class(class)
                .inherited
                .iter()
                .map(|&f| model.field(f))
                .filter(|field| match keyword {
                    None => true,
                    Some(k) => {
                        !matches!(field.kind, FieldKind::Molecular(_)) && field.keywords.has(k)
                    }
                })
                .filter_map(|field| field.number)
                .map(|n| n as u16)
                .collect()
        };
        (nums(None), nums(Some("required")), nums(Some("ram")))
    }

    /// The packed size of a field when every value has the same size.
    pub fn field_fixed_size(&self, f: FieldId) -> Option<usize> {
        match &self.model.field(f).kind {
            FieldKind::Parameter(p) => fixed_size(self.model, &p.ty),
            FieldKind::Atomic(params) => params
                .iter()
                .try_fold(0usize, |t, p| t.checked_add(fixed_size(self.model, &p.ty)?)),
            FieldKind::Molecular(atoms) => atoms
                .iter()
                .try_fold(0usize, |t, &a| t.checked_add(self.field_fixed_size(a)?)),
        }
    }
}
