//! What the `DistributedObject` derive (crate `pipes-macros`) needs to know about one
//! field of a dclass to bind a game struct's field to it: the generated argument
//! type's path and members, the Rust type of each parameter, and the packing code of
//! the generator itself, so a bound field packs byte for byte as the generated
//! `FieldMessage` does.

use super::types::{is_float, Val};
use super::{check_supported, CodegenError, Gen, Names};
use crate::model::{FieldId, FieldKind, Model, Param, Type};
use proc_macro2::TokenStream;
use quote::quote;

/// One parameter of a bindable field.
#[derive(Clone, Debug)]
pub struct BindParam {
    /// The schema's parameter name, if any.
    pub name: Option<String>,
    /// The member of the generated argument type that holds it (`x`, or `0` for a
    /// tuple struct).
    pub member: String,
    /// Its Rust type in the generated module, with paths relative to the module root
    /// (`f64`, `String`, `Color`, `[u8; 4]`).
    pub rust_type: TokenStream,
    /// The same type with typedef aliases looked through (`u32` for `DoId`).
    pub base_type: TokenStream,
    /// True when the Rust type is `f64` (float64, or a divisor-scaled integer): such
    /// parameters also bind to `f32` and to glam vector components.
    pub is_float: bool,
    /// The DC type as written (`int32/100`), for messages.
    pub describe: String,
}

/// A field of a dclass as the derive sees it.
#[derive(Clone, Debug)]
pub struct BindField {
    /// The field number.
    pub number: u16,
    /// The name in the schema (`setPos`).
    pub name: String,
    /// The generated argument type, relative to the module root
    /// (`distributed_avatar::SetPos`).
    pub message_path: String,
    /// True for a molecular field (it cannot be bound; its atoms can).
    pub molecular: bool,
    /// `ram` or `required`.
    pub is_state: bool,
    /// `required`.
    pub required: bool,
    /// The parameters (one for a parameter field).
    pub params: Vec<BindParam>,
    /// A molecular field's atoms with the members of its argument type holding them.
    pub atoms: Vec<(FieldId, String)>,
    /// The field as written in the schema, for messages.
    pub describe: String,
}

/// Binding information for a field of a complete schema.
pub struct Binder<'m> {
    model: &'m Model,
    names: Names,
}

impl<'m> Binder<'m> {
    /// Prepares names for `model`; fails where code generation would.
    pub fn new(model: &'m Model) -> Result<Self, CodegenError> {
        check_supported(model)?;
        Ok(Binder {
            model,
            names: Names::new(model),
        })
    }

    fn gen(&self) -> Gen<'_> {
        Gen::new(self.model, &self.names)
    }

    /// The numbered field `f` of a dclass, when it has a generated argument type.
    pub fn field(&self, f: FieldId) -> Option<BindField> {
        let gen = self.gen();
        let field = self.model.field(f);
        let number = u16::try_from(field.number?).ok()?;
        if !self.names.message.contains_key(&f) {
            return None;
        }
        let root = quote!();
        let message_path = gen.message_path(f, &root).to_string().replace(' ', "");
        let describe_param = |p: &Param, member: String| BindParam {
            name: p.name.clone(),
            member,
            rust_type: gen.param_type(p, &root),
            base_type: gen.rust_type(&p.ty, &root),
            is_float: matches!(&p.ty, Type::Simple(s) if is_float(s)),
            describe: gen.describe_param(p),
        };
        let (molecular, params) = match &field.kind {
            FieldKind::Parameter(p) => (false, vec![describe_param(p, "0".into())]),
            FieldKind::Atomic(params) => {
                let members: Vec<String> = match gen.arg_names(params) {
                    Some(names) => names.iter().map(|n| n.to_string()).collect(),
                    None => (0..params.len()).map(|i| i.to_string()).collect(),
                };
                (
                    false,
                    params
                        .iter()
                        .zip(members)
                        .map(|(p, m)| describe_param(p, m))
                        .collect(),
                )
            }
            FieldKind::Molecular(_) => (true, Vec::new()),
        };
        let atoms = match &field.kind {
            FieldKind::Molecular(atoms) => atoms
                .iter()
                .copied()
                .zip(gen.atom_names(atoms).iter().map(|n| n.to_string()))
                .collect(),
            _ => Vec::new(),
        };
        let kw = &field.keywords;
        Some(BindField {
            number,
            name: field.name.clone(),
            message_path,
            molecular,
            is_state: kw.has("ram") || kw.has("required"),
            required: kw.has("required"),
            params,
            atoms,
            describe: gen.describe_field(f),
        })
    }

    /// Statements that pack the parameters of field `f` from `values` (one place
    /// expression per parameter, of the parameter's Rust type or convertible to it
    /// the way `f64::from(x)` is) into `out`, a `wire::Sink`, with `wire` in scope:
    /// the very code the generated argument type's `pack_into` runs.
    pub fn pack(&self, f: FieldId, values: &[TokenStream]) -> Option<TokenStream> {
        let gen = self.gen();
        let field = self.model.field(f);
        let contexts = gen.param_contexts(f);
        let params: Vec<&Param> = match &field.kind {
            FieldKind::Parameter(p) => vec![p],
            FieldKind::Atomic(ps) => ps.iter().collect(),
            FieldKind::Molecular(_) => return None,
        };
        if params.len() != values.len() {
            return None;
        }
        let packs = params
            .iter()
            .zip(values)
            .zip(&contexts)
            .map(|((p, v), ctx)| gen.pack(&p.ty, &Val::place(v.clone()), ctx));
        Some(quote!(#(#packs)*))
    }
}
