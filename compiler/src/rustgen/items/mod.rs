//! The items of the generated module: class and struct types, argument types per
//! field, `Field` enums, switch enums, typedef aliases and the `SCHEMA` metadata.

use super::defaults::{fallback, Cursor};
use super::names::{ident, value_name, Scope};
use super::types::Val;
use super::Gen;
use crate::hash::hash_model;
use crate::model::{ClassId, FieldId, FieldKind, Param, SwitchId, Type};
use crate::pack::{default_value, field_default, fixed_size};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

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

    // ------------------------------------------------------------------ switches

    fn switch_items(&self, id: SwitchId) -> TokenStream {
        let s = self.model.switch(id);
        let root = quote!();
        let ty = self.switch_ident(id);
        let ctx = if s.name.is_empty() {
            "switch".to_string()
        } else {
            s.name.clone()
        };
        let c = Literal::string(&ctx);
        let variants = self.switch_variants(id);
        let mut decls = Vec::new();
        let mut packs = Vec::new();
        let mut unpacks = Vec::new();
        for (case, variant) in s.cases.iter().zip(&variants) {
            let names = self.case_field_names(&case.fields);
            let types = case.fields.iter().map(|p| self.param_type(p, &root));
            let key_doc = doc(&format!("Key bytes `{:02x?}`.", case.value));
            decls.push(quote!(#key_doc #variant { #(#names: #types),* }));
            let key = &case.value;
            let field_packs =
                case.fields.iter().zip(&names).map(|(p, n)| {
                    self.pack(&p.ty, &Val::by_ref(quote!(#n)), &format!("{ctx}.{n}"))
                });
            packs.push(quote! {
                Self::#variant { #(#names),* } => {
                    wire::Sink::put(out, &[#(#key),*]);
                    #(#field_packs)*
                }
            });
            let field_unpacks = case
                .fields
                .iter()
                .zip(&names)
                .map(|(p, n)| self.unpack(&p.ty, &format!("{ctx}.{n}"), &root));
            unpacks.push(quote! {
                [#(#key),*] => Self::#variant { #(#names: #field_unpacks),* },
            });
        }
        let key_ty = self.param_type(&s.key, &root);
        let key_unpack = self.unpack(&s.key.ty, &ctx, &root);
        let key_pack = self.pack(&s.key.ty, &Val::by_ref(quote!(key)), &ctx);
        let default_arm = match &s.default {
            Some(fields) => {
                let names = self.case_field_names(fields);
                let types = fields.iter().map(|p| self.param_type(p, &root));
                decls.push(quote! {
                    /// The `default:` case, for keys no `case` names.
                    Default { key: #key_ty, #(#names: #types),* }
                });
                let field_packs = fields.iter().zip(&names).map(|(p, n)| {
                    self.pack(&p.ty, &Val::by_ref(quote!(#n)), &format!("{ctx}.{n}"))
                });
                let case_keys = s.cases.iter().map(|c| {
                    let k = &c.value;
                    quote!([#(#k),*])
                });
                let reject = if s.cases.is_empty() {
                    quote!()
                } else {
                    quote! {
                        if matches!(key_bytes.as_slice(), #(#case_keys)|*) {
                            return Err(wire::WireError::new(wire::WireErrorKind::UnknownCase, #c));
                        }
                    }
                };
                packs.push(quote! {
                    Self::Default { key, #(#names),* } => {
                        let mut key_bytes = ::std::vec::Vec::new();
                        {
                            let out = &mut key_bytes;
                            #key_pack
                        }
                        #reject
                        wire::Sink::put(out, &key_bytes);
                        #(#field_packs)*
                    }
                });
                let field_unpacks = fields
                    .iter()
                    .zip(&names)
                    .map(|(p, n)| self.unpack(&p.ty, &format!("{ctx}.{n}"), &root));
                quote!(_ => Self::Default { key, #(#names: #field_unpacks),* },)
            }
            None => {
                quote!(_ => return Err(wire::WireError::new(wire::WireErrorKind::UnknownCase, #c)),)
            }
        };
        let key_binding = if s.default.is_some() {
            quote!(key)
        } else {
            quote!(_key)
        };
        let default_value = default_value(self.model, &s.key)
            .and_then(|_| {
                let param = Param {
                    name: None,
                    ty: Type::Switch(id),
                    typedef: None,
                    default: None,
                    span: s.span,
                };
                let bytes = default_value(self.model, &param)?;
                let mut cur = Cursor::new(&bytes);
                self.param_value(&param, &mut cur, &root)
            })
            .unwrap_or_else(|| match (variants.first(), s.cases.first()) {
                (Some(v), Some(case)) => {
                    let names = self.case_field_names(&case.fields);
                    let d = fallback();
                    quote!(Self::#v { #(#names: #d),* })
                }
                _ => {
                    let names = self.case_field_names(s.default.as_deref().unwrap_or(&[]));
                    let d = fallback();
                    quote!(Self::Default { key: #d, #(#names: #d),* })
                }
            });
        let d = doc(&format!(
            "`switch {}`: one variant per case; the key is implied by the variant.",
            if s.name.is_empty() {
                "(inline)"
            } else {
                &s.name
            }
        ));
        let matches_nothing = decls.is_empty();
        let pack_body = if matches_nothing {
            quote!(match *self {})
        } else {
            quote!(match self { #(#packs)* } Ok(()))
        };
        quote! {
            #d
            #[derive(Clone, Debug, PartialEq)]
            pub enum #ty { #(#decls),* }

            #[allow(clippy::derivable_impls)]
            impl ::core::default::Default for #ty {
                fn default() -> Self { #default_value }
            }

            impl #ty {
                /// Packs the key and the case's fields.
                pub fn pack_into<S: wire::Sink + ?Sized>(&self, out: &mut S) -> wire::WireResult<()> {
                    #pack_body
                }

                /// Unpacks the key, then the fields of the case it selects.
                pub fn unpack(r: &mut wire::Reader<'_>) -> wire::WireResult<Self> {
                    let start = r.rest();
                    let #key_binding: #key_ty = #key_unpack;
                    let key_bytes = &start[..start.len() - r.remaining()];
                    Ok(match key_bytes { #(#unpacks)* #default_arm })
                }
            }
        }
    }

    // ------------------------------------------------------------------- classes

    fn class_items(&self, id: ClassId) -> TokenStream {
        let c = self.model.class(id);
        let ty = format_ident!("{}", self.names.class_type[&id]);
        let root = quote!();
        let members = self.member_names(id);
        let mut decls = Vec::new();
        let mut packs = Vec::new();
        let mut unpacks = Vec::new();
        let mut defaults = Vec::new();
        for (f, name) in &members {
            let field = self.model.field(*f);
            let ctx = format!("{}.{}", c.name, field.name);
            let (ty, pack, unpack) = match &field.kind {
                FieldKind::Parameter(p) => (
                    self.param_type(p, &root),
                    self.pack(&p.ty, &Val::place(quote!(self.#name)), &ctx),
                    self.unpack(&p.ty, &ctx, &root),
                ),
                _ => {
                    let path = self.message_path(*f, &root);
                    (
                        path.clone(),
                        quote!(self.#name.pack_into(out)?;),
                        quote!(#path::unpack(r)?),
                    )
                }
            };
            let d = doc(&format!("`{}`", self.describe_field(*f)));
            decls.push(quote!(#d pub #name: #ty));
            packs.push(pack);
            unpacks.push(quote!(#name: #unpack));
            let value = field_default(self.model, *f)
                .and_then(|bytes| {
                    let mut cur = Cursor::new(&bytes);
                    self.member_value(*f, &mut cur, &root)
                })
                .unwrap_or_else(fallback);
            defaults.push(quote!(#name: #value));
        }
        let kind = if c.is_struct { "struct" } else { "dclass" };
        let parents: Vec<&str> = c
            .parents
            .iter()
            .map(|&p| self.model.class(p).name.as_str())
            .collect();
        let heading = if parents.is_empty() {
            format!("`{kind} {}`", c.name)
        } else {
            format!("`{kind} {} : {}`", c.name, parents.join(", "))
        };
        let d = doc(&format!(
            "{heading}: its fields in packing order (Panda's class packing)."
        ));
        let (pack_out, unpack_r) = if members.is_empty() {
            (quote!(_out), quote!(_r))
        } else {
            (quote!(out), quote!(r))
        };
        let dclass_impl = c.number.map(|n| {
            let n = Literal::usize_unsuffixed(n as usize);
            quote! {
                impl ::pipes::schema::DClass for #ty {
                    const INFO: &'static ::pipes::schema::ClassInfo = &SCHEMA.classes[#n];
                    const SCHEMA: &'static ::pipes::schema::SchemaInfo = &SCHEMA;
                }
            }
        });
        let module = self.class_module(id);
        quote! {
            #d
            #[derive(Clone, Debug, PartialEq)]
            pub struct #ty { #(#decls),* }

            #[allow(clippy::derivable_impls)]
            impl ::core::default::Default for #ty {
                fn default() -> Self { Self { #(#defaults),* } }
            }

            impl #ty {
                /// Packs every field in order.
                pub fn pack_into<S: wire::Sink + ?Sized>(&self, #pack_out: &mut S) -> wire::WireResult<()> {
                    #(#packs)*
                    Ok(())
                }

                /// Unpacks every field in order.
                pub fn unpack(#unpack_r: &mut wire::Reader<'_>) -> wire::WireResult<Self> {
                    Ok(Self { #(#unpacks),* })
                }
            }

            #dclass_impl
            #module
        }
    }

    fn class_module(&self, id: ClassId) -> Option<TokenStream> {
        let module = format_ident!("{}", self.names.class_mod.get(&id)?);
        let c = self.model.class(id);
        let own: Vec<FieldId> = c
            .constructor
            .iter()
            .chain(&c.fields)
            .copied()
            .filter(|f| self.has_message(*f))
            .collect();
        let messages = own.iter().map(|&f| self.message_items(f));
        let meta = c.number.map(|n| self.class_meta(id, n));
        let d = doc(&format!("Field argument types of `{}`.", c.name));
        Some(quote! {
            #d
            pub mod #module {
                #[allow(unused_imports)]
                use ::pipes::wire;
                #meta
                #(#messages)*
            }
        })
    }

    /// Class constants and the `Field` enum of a dclass.
    fn class_meta(&self, id: ClassId, number: u32) -> TokenStream {
        let c = self.model.class(id);
        let name = &c.name;
        let n = Literal::u16_unsuffixed(number as u16);
        let (all, required, ram) = self.field_lists(id);
        let root = quote!(super::);
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        for &f in &c.inherited {
            let field = self.model.field(f);
            let (Some(num), true) = (field.number, self.has_message(f)) else {
                continue;
            };
            let v = format_ident!("{}", scope.claim(&self.names.message[&f]));
            let path = if field.class == id {
                let m = format_ident!("{}", self.names.message[&f]);
                quote!(#m)
            } else {
                self.message_path(f, &root)
            };
            variants.push((
                v,
                path,
                Literal::u16_unsuffixed(num as u16),
                field.name.clone(),
            ));
        }
        let decls = variants.iter().map(|(v, p, _, name)| {
            let d = doc(&format!("`{name}`"));
            quote!(#d #v(#p))
        });
        let number_arms = variants
            .iter()
            .map(|(v, _, n, _)| quote!(Self::#v(_) => #n,));
        let name_arms = variants
            .iter()
            .map(|(v, _, _, name)| quote!(Self::#v(_) => #name,));
        let pack_arms = variants
            .iter()
            .map(|(v, _, _, _)| quote!(Self::#v(m) => m.pack_into(out),));
        let unpack_arms = variants
            .iter()
            .map(|(v, p, n, _)| quote!(#n => Self::#v(#p::unpack(r)?),));
        let (number_body, name_body, pack_body) = if variants.is_empty() {
            (
                quote!(match *self {}),
                quote!(match *self {}),
                quote!(match *self {}),
            )
        } else {
            (
                quote!(match self { #(#number_arms)* }),
                quote!(match self { #(#name_arms)* }),
                quote!(match self { #(#pack_arms)* }),
            )
        };
        let ctx = Literal::string(name);
        let (field_out, field_r) = if variants.is_empty() {
            (quote!(_out), quote!(_r))
        } else {
            (quote!(out), quote!(r))
        };
        quote! {
            /// The dclass name.
            pub const NAME: &str = #name;
            /// The dclass id (index in Panda's class list).
            pub const ID: u16 = #n;
            /// Every field number, own and inherited, in order.
            pub const FIELDS: &[u16] = &[#(#all),*];
            /// The `required` fields in order (molecular ones excluded): what a generate carries.
            pub const REQUIRED: &[u16] = &[#(#required),*];
            /// The `ram` fields in order.
            pub const RAM: &[u16] = &[#(#ram),*];

            /// The class metadata in the schema.
            pub fn info() -> &'static ::pipes::schema::ClassInfo {
                &super::SCHEMA.classes[ID as usize]
            }

            /// A message for any field of the class (own and inherited).
            // Variants are as large as their arguments; boxing them would cost every
            // message an allocation to spare the rare huge fixed-size field.
            #[allow(clippy::large_enum_variant)]
            #[derive(Clone, Debug, PartialEq)]
            pub enum Field { #(#decls),* }

            impl Field {
                /// The field number.
                pub fn number(&self) -> u16 { #number_body }

                /// The field name in the schema.
                pub fn name(&self) -> &'static str { #name_body }

                /// Packs the field's arguments.
                pub fn pack_into<S: wire::Sink + ?Sized>(&self, #field_out: &mut S) -> wire::WireResult<()> {
                    #pack_body
                }

                /// Unpacks the arguments of field `number` from `r`.
                pub fn unpack(number: u16, #field_r: &mut wire::Reader<'_>) -> wire::WireResult<Self> {
                    Ok(match number {
                        #(#unpack_arms)*
                        _ => return Err(wire::WireError::new(wire::WireErrorKind::UnknownField { number }, #ctx)),
                    })
                }

                /// Unpacks exactly `bytes` as the arguments of field `number`.
                pub fn from_bytes(number: u16, bytes: &[u8]) -> wire::WireResult<Self> {
                    let mut r = wire::Reader::new(bytes);
                    let field = Self::unpack(number, &mut r)?;
                    r.finish().map_err(|e| e.within(#ctx))?;
                    Ok(field)
                }
            }
        }
    }

    /// One field's argument type, its constants and its packing.
    fn message_items(&self, f: FieldId) -> TokenStream {
        let field = self.model.field(f);
        let ty = format_ident!("{}", self.names.message[&f]);
        let root = quote!(super::);
        let ctx = format!("{}.{}", self.model.class(field.class).name, field.name);
        let c = Literal::string(&ctx);
        let (decl, packs, unpack): (TokenStream, Vec<TokenStream>, TokenStream) = match &field.kind
        {
            FieldKind::Parameter(p) => {
                let t = self.param_type(p, &root);
                (
                    quote!((pub #t);),
                    vec![self.pack(&p.ty, &Val::place(quote!(self.0)), &ctx)],
                    {
                        let u = self.unpack(&p.ty, &ctx, &root);
                        quote!(Self(#u))
                    },
                )
            }
            FieldKind::Atomic(params) => {
                let types: Vec<TokenStream> =
                    params.iter().map(|p| self.param_type(p, &root)).collect();
                let param_ctx = self.param_contexts(f);
                let unpacks = params
                    .iter()
                    .zip(&param_ctx)
                    .map(|(p, c)| self.unpack(&p.ty, c, &root));
                match self.arg_names(params) {
                    _ if params.is_empty() => (quote!(;), vec![], quote!(Self)),
                    None => {
                        let packs = params
                            .iter()
                            .enumerate()
                            .map(|(i, p)| {
                                let index = syn::Index::from(i);
                                self.pack(&p.ty, &Val::place(quote!(self.#index)), &param_ctx[i])
                            })
                            .collect();
                        (
                            quote!((#(pub #types),*);),
                            packs,
                            quote!(Self(#(#unpacks),*)),
                        )
                    }
                    Some(names) => {
                        let packs = params
                            .iter()
                            .zip(&names)
                            .zip(&param_ctx)
                            .map(|((p, n), c)| self.pack(&p.ty, &Val::place(quote!(self.#n)), c))
                            .collect();
                        let docs = params
                            .iter()
                            .map(|p| doc(&format!("`{}`", self.describe_param(p))));
                        (
                            quote!({ #(#docs pub #names: #types),* }),
                            packs,
                            quote!(Self { #(#names: #unpacks),* }),
                        )
                    }
                }
            }
            FieldKind::Molecular(atoms) => {
                let names = self.atom_names(atoms);
                let paths: Vec<TokenStream> = atoms
                    .iter()
                    .map(|&a| {
                        if self.model.field(a).class == field.class {
                            let m = format_ident!("{}", self.names.message[&a]);
                            quote!(#m)
                        } else {
                            self.message_path(a, &root)
                        }
                    })
                    .collect();
                let packs = names
                    .iter()
                    .map(|n| quote!(self.#n.pack_into(out)?;))
                    .collect();
                (
                    quote!({ #(pub #names: #paths),* }),
                    packs,
                    quote!(Self { #(#names: #paths::unpack(r)?),* }),
                )
            }
        };
        let is_tuple_or_unit = !decl.to_string().starts_with('{');
        // A molecular field's default is its atoms' defaults: delegate to theirs.
        let molecular = matches!(field.kind, FieldKind::Molecular(_));
        let default_value = field_default(self.model, f)
            .filter(|_| !molecular)
            .and_then(|bytes| {
                let mut cur = Cursor::new(&bytes);
                self.message_value(f, &mut cur, &root)
            })
            .map(|v| quote!(#v))
            .unwrap_or_else(|| self.message_fallback(f));
        let kw = &field.keywords;
        let flags = Literal::u32_unsuffixed(kw.flags & 0x1ff);
        let keywords = kw.names.iter();
        let has = |k: &str| kw.has(k);
        let (clsend, ownsend, broadcast) = (
            has("clsend"),
            has("ownsend") || has("clsend"),
            has("broadcast"),
        );
        let state = has("ram") || has("required");
        let (pack_out, unpack_r) = if packs.is_empty() {
            (quote!(_out), quote!(_r))
        } else {
            (quote!(out), quote!(r))
        };
        let fixed = self.field_fixed_size(f);
        let fixed_items = fixed.filter(|&n| n <= 4096).map(|n| {
            let n = Literal::usize_unsuffixed(n);
            quote! {
                /// The packed size: every value of this field packs to this many bytes.
                pub const SIZE: usize = #n;

                /// Packs into a stack array, without allocating.
                pub fn to_array(&self) -> wire::WireResult<[u8; #n]> {
                    let mut buf = wire::FixedBuf::<#n>::default();
                    self.pack_into(&mut buf)?;
                    buf.into_array(#c)
                }
            }
        });
        let numbered = field.number.map(|n| {
            let n = Literal::u16_unsuffixed(n as u16);
            let name = &field.name;
            quote! {
                impl ::pipes::schema::FieldMessage for #ty {
                    const NUMBER: u16 = #n;
                    const NAME: &'static str = #name;
                    fn pack(&self, out: &mut ::std::vec::Vec<u8>) -> wire::WireResult<()> {
                        self.pack_into(out)
                    }
                    fn unpack(r: &mut wire::Reader<'_>) -> wire::WireResult<Self> {
                        #ty::unpack(r)
                    }
                }
            }
        });
        let number_const = field.number.map(|n| {
            let n = Literal::u16_unsuffixed(n as u16);
            quote! {
                /// The field number, its id on the wire.
                pub const NUMBER: u16 = #n;
            }
        });
        let name = &field.name;
        let d = doc(&match field.number {
            Some(n) => format!("`{}` (field {n}).", self.describe_field(f)),
            None => format!("`{}` (constructor).", self.describe_field(f)),
        });
        let derive_default = is_tuple_or_unit && packs.is_empty();
        let default_impl = (!derive_default).then(|| {
            quote! {
                #[allow(clippy::derivable_impls)]
            impl ::core::default::Default for #ty {
                    fn default() -> Self { #default_value }
                }
            }
        });
        let derives = if derive_default {
            quote!(#[derive(Clone, Debug, Default, PartialEq)])
        } else {
            quote!(#[derive(Clone, Debug, PartialEq)])
        };
        quote! {
            #d
            #derives
            pub struct #ty #decl

            #default_impl

            impl #ty {
                #number_const
                /// The field name in the schema.
                pub const NAME: &'static str = #name;
                /// The field's keyword flags.
                pub const FLAGS: ::pipes::schema::FieldFlags = ::pipes::schema::FieldFlags(#flags);
                /// Every keyword on the field, sorted.
                pub const KEYWORDS: &'static [&'static str] = &[#(#keywords),*];
                /// Any client with interest may send it (`clsend`).
                pub const CLIENT_MAY_SEND: bool = #clsend;
                /// The object's owner may send it (`ownsend` or `clsend`).
                pub const OWNER_MAY_SEND: bool = #ownsend;
                /// Sent to every client with interest (`broadcast`).
                pub const BROADCAST: bool = #broadcast;
                /// Replicated state (`ram` or `required`) rather than an event.
                pub const IS_STATE: bool = #state;

                #fixed_items

                /// Packs the arguments, checking ranges and lengths.
                pub fn pack_into<S: wire::Sink + ?Sized>(&self, #pack_out: &mut S) -> wire::WireResult<()> {
                    #(#packs)*
                    Ok(())
                }

                /// Unpacks the arguments, checking ranges and lengths.
                pub fn unpack(#unpack_r: &mut wire::Reader<'_>) -> wire::WireResult<Self> {
                    Ok(#unpack)
                }
            }

            #numbered
        }
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

    /// `Default` for an argument type whose Panda default could not be decoded.
    fn message_fallback(&self, f: FieldId) -> TokenStream {
        let d = fallback();
        match &self.model.field(f).kind {
            FieldKind::Parameter(_) => quote!(Self(#d)),
            FieldKind::Atomic(params) => match self.arg_names(params) {
                None => {
                    let ds = params.iter().map(|_| d.clone());
                    quote!(Self(#(#ds),*))
                }
                Some(names) => quote!(Self { #(#names: #d),* }),
            },
            FieldKind::Molecular(atoms) => {
                let names = self.atom_names(atoms);
                quote!(Self { #(#names: #d),* })
            }
        }
    }

    // ------------------------------------------------------------------ metadata

    fn schema_items(&self) -> TokenStream {
        let model = self.model;
        let root = quote!();
        let mut skips = Vec::new();
        let mut infos = Vec::new();
        for (n, &f) in model.fields_by_number.iter().enumerate() {
            let field = model.field(f);
            let skip = format_ident!("skip_field_{}", n);
            let ctx = format!("{}.{}", model.class(field.class).name, field.name);
            let body = if self.has_message(f) {
                let path = self.message_path(f, &root);
                quote!(#path::unpack(r).map(drop))
            } else {
                match &field.kind {
                    FieldKind::Parameter(p) => {
                        let u = self.unpack(&p.ty, &ctx, &root);
                        quote! { let _value = #u; Ok(()) }
                    }
                    _ => quote!(Ok(())),
                }
            };
            skips.push(quote! {
                fn #skip(r: &mut wire::Reader<'_>) -> wire::WireResult<()> { #body }
            });
            let number = Literal::u16_unsuffixed(n as u16);
            let name = &field.name;
            let class = &model.class(field.class).name;
            let kind = match field.kind {
                FieldKind::Atomic(_) => quote!(Atomic),
                FieldKind::Parameter(_) => quote!(Parameter),
                FieldKind::Molecular(_) => quote!(Molecular),
            };
            let flags = Literal::u32_unsuffixed(field.keywords.flags & 0x1ff);
            let keywords = field.keywords.names.iter();
            let fixed = match self.field_fixed_size(f) {
                Some(n) => {
                    let n = Literal::usize_unsuffixed(n);
                    quote!(Some(#n))
                }
                None => quote!(None),
            };
            let default = field_default(model, f).unwrap_or_default();
            let default = default.iter().map(|b| Literal::u8_unsuffixed(*b));
            infos.push(quote! {
                ::pipes::schema::FieldInfo {
                    number: #number,
                    name: #name,
                    class: #class,
                    kind: ::pipes::schema::FieldKind::#kind,
                    flags: ::pipes::schema::FieldFlags(#flags),
                    keywords: &[#(#keywords),*],
                    fixed_size: #fixed,
                    skip: #skip,
                    default: &[#(#default),*],
                }
            });
        }
        let classes = model.class_list.iter().enumerate().map(|(i, &id)| {
            let c = model.class(id);
            let name = &c.name;
            let number = Literal::u16_unsuffixed(i as u16);
            let is_struct = c.is_struct;
            let parents = c.parents.iter().map(|&p| model.class(p).name.as_str());
            let (all, required, ram) = self.field_lists(id);
            quote! {
                ::pipes::schema::ClassInfo {
                    name: #name,
                    number: #number,
                    is_struct: #is_struct,
                    parents: &[#(#parents),*],
                    fields: &[#(#all),*],
                    required: &[#(#required),*],
                    ram: &[#(#ram),*],
                }
            }
        });
        quote! {
            /// The schema's classes and fields, for the runtime.
            pub static SCHEMA: ::pipes::schema::SchemaInfo = ::pipes::schema::SchemaInfo {
                hash: HASH,
                classes: &[#(#classes),*],
                fields: &[#(#infos),*],
            };

            #(#skips)*
        }
    }

    /// A class's field numbers as literals: all inherited fields, the `required` ones
    /// and the `ram` ones. Molecular fields are aliases, so a generate carries their
    /// atoms and they are left out of `required` and `ram`.
    fn field_lists(&self, class: ClassId) -> (Vec<Literal>, Vec<Literal>, Vec<Literal>) {
        let model = self.model;
        let nums = |keyword: Option<&str>| -> Vec<Literal> {
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
                .map(|n| Literal::u16_unsuffixed(n as u16))
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

    // ------------------------------------------------------------------ docs

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
