//! The items of the generated module: class and struct types, argument types per
//! field, `Field` enums, switch enums, typedef aliases and the `SCHEMA` metadata.
//!
//! One file per kind of item: `classes` (struct and dclass types), `messages`
//! (field argument types), `field_enum` (a dclass's constants and `Field` enum),
//! `switches`, `metadata` (`SCHEMA`), with `naming` and `describe` shared by them;
//! this file assembles the module and its typedef aliases.

use super::defaults::{fallback, Cursor};
use super::names::{ident, value_name, Scope};
use super::types::Val;
use super::Gen;
use crate::hash::hash_model;
use crate::model::{ClassId, FieldId, FieldKind, Param, SwitchId, Type};
use crate::pack::{default_value, field_default, fixed_size};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

mod classes;
mod describe;
mod field_enum;
mod messages;
mod metadata;
mod naming;
mod nesting;
mod switches;

pub(super) use nesting::classes_used_as_values;

/// Formats items (`super::print`) and writes them.
fn emit(out: &mut dyn std::io::Write, tokens: TokenStream) -> Result<(), super::CodegenError> {
    let mut text = String::new();
    #[cfg(test)]
    let expected = tokens.clone();
    super::print::print_items(tokens, &mut text);
    #[cfg(test)]
    super::print::assert_same_tokens(&text, &expected);
    out.write_all(text.as_bytes()).map_err(io_error)
}

/// A write error as a codegen error.
fn io_error(e: std::io::Error) -> super::CodegenError {
    super::CodegenError {
        message: format!("cannot write the generated code: {e}"),
    }
}

/// Builds a doc attribute from text.
fn doc(text: &str) -> TokenStream {
    let text = format!(" {text}");
    quote!(#[doc = #text])
}

impl Gen<'_> {
    /// Writes the whole generated module item by item, so memory stays proportional
    /// to the largest class rather than to the schema.
    pub fn write(&self, out: &mut dyn std::io::Write) -> Result<(), super::CodegenError> {
        let hash: TokenStream = format!("{:#010x}", hash_model(self.model))
            .parse()
            .unwrap_or_default();
        let aliases = self.aliases();
        emit(
            out,
            quote! {
                #[allow(unused_imports)]
                use ::pipes::{schema::{self, Message as _}, wire};

                /// The DC hash of the schema (Panda3D's `DCFile::get_hash()`), checked at handshake.
                pub const HASH: u32 = #hash;

                #(#aliases)*
            },
        )?;
        for i in 0..self.model.switches.len() {
            emit(out, self.switch_items(SwitchId(i as u32)))?;
        }
        for i in 0..self.model.classes.len() {
            emit(out, self.class_items(ClassId(i as u32)))?;
        }
        for (n, &f) in self.model.fields_by_number.iter().enumerate() {
            if let Some(item) = self.skip_fn(n, f) {
                emit(out, item)?;
            }
        }
        self.write_schema(out).map_err(io_error)
    }

    fn aliases(&self) -> Vec<TokenStream> {
        let mut out: Vec<(&String, TokenStream)> = Vec::new();
        for (&id, name) in &self.names.alias {
            let t = &self.model.typedefs[id.0 as usize];
            let name_id = format_ident!("{}", name);
            if self.names.placeholder.contains(&id) {
                let d = doc(&format!(
                    "Placeholder for `{}`, which the schema never defines (a lenient \
                     build): no fields, packs to no bytes, as Panda3D's placeholder class.",
                    t.name
                ));
                let derives = self.derives.attr(true, true);
                out.push((
                    name,
                    quote! {
                        #d
                        #derives
                        pub struct #name_id;
                    },
                ));
                continue;
            }
            let ty = self.rust_type(&t.param.ty, &quote!());
            let d = doc(&format!("`typedef {}`.", t.name));
            out.push((name, quote!(#d pub type #name_id = #ty;)));
        }
        out.sort_by(|a, b| a.0.cmp(b.0));
        out.into_iter().map(|(_, t)| t).collect()
    }
}
