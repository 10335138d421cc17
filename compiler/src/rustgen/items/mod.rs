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
mod switches;

/// Builds a doc attribute from text.
fn doc(text: &str) -> TokenStream {
    let text = format!(" {text}");
    quote!(#[doc = #text])
}

impl Gen<'_> {
    /// The whole generated module.
    pub fn file(&self) -> TokenStream {
        let hash: TokenStream = format!("{:#010x}", hash_model(self.model))
            .parse()
            .unwrap_or_default();
        let aliases = self.aliases();
        let switches =
            (0..self.model.switches.len()).map(|i| self.switch_items(SwitchId(i as u32)));
        let classes = (0..self.model.classes.len()).map(|i| self.class_items(ClassId(i as u32)));
        let schema = self.schema_items();
        quote! {
            use ::pipes::wire;

            /// The DC hash of the schema (Panda3D's `DCFile::get_hash()`), checked at handshake.
            pub const HASH: u32 = #hash;

            #(#aliases)*
            #(#switches)*
            #(#classes)*
            #schema
        }
    }

    fn aliases(&self) -> Vec<TokenStream> {
        let mut out: Vec<(&String, TokenStream)> = Vec::new();
        for (&id, name) in &self.names.alias {
            let t = &self.model.typedefs[id.0 as usize];
            let ty = self.rust_type(&t.param.ty, &quote!());
            let name_id = format_ident!("{}", name);
            let d = doc(&format!("`typedef {}`.", t.name));
            out.push((name, quote!(#d pub type #name_id = #ty;)));
        }
        out.sort_by(|a, b| a.0.cmp(b.0));
        out.into_iter().map(|(_, t)| t).collect()
    }
}
