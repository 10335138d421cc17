//! Switch enums: one variant per case, packing the key the variant implies and
//! unpacking by key bytes.

use super::*;

impl Gen<'_> {
    pub(super) fn switch_items(&self, id: SwitchId) -> TokenStream {
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
                        let mut key_bytes = Vec::new();
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
        let derives = self.derives.attr(false, false);
        quote! {
            #d
            #derives
            pub enum #ty { #(#decls),* }

            #[allow(clippy::derivable_impls)]
            impl Default for #ty {
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
}
