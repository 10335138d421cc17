//! Field argument types: one per field, implementing `pipes::schema::Message`
//! (packing) and, when numbered, `FieldMessage` (its row in the schema table).

use super::*;

impl Gen<'_> {
    /// One field's argument type, its constants and its packing.
    pub(super) fn message_items(&self, f: FieldId) -> TokenStream {
        let field = self.model.field(f);
        let ty = format_ident!("{}", self.names.message[&f]);
        let root = quote!(super::);
        let ctx = format!("{}.{}", self.model.class(field.class).name, field.name);
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
                                let index = Literal::usize_unsuffixed(i);
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
                        (
                            quote!({ #(pub #names: #types),* }),
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
                    quote!(Self { #(#names: wire::unpack(r)?),* }),
                )
            }
        };
        let derive_default = self.field_default_is_derived(f);
        let default_impl = (!derive_default).then(|| {
            let value = field_default(self.model, f)
                .and_then(|bytes| {
                    let mut cur = Cursor::new(&bytes);
                    self.message_value(f, &mut cur, &root)
                })
                .unwrap_or_else(|| self.message_fallback(f));
            quote! {
                #[allow(clippy::derivable_impls)]
                impl Default for #ty {
                    fn default() -> Self { #value }
                }
            }
        });
        let derives = self.derives.attr(derive_default, false);
        let (pack_out, unpack_r) = if packs.is_empty() {
            (quote!(_out), quote!(_r))
        } else {
            (quote!(out), quote!(r))
        };
        let numbered = field.number.map(|n| {
            let n = Literal::usize_unsuffixed(n as usize);
            quote! {
                impl schema::FieldMessage for #ty {
                    const INFO: &'static schema::FieldInfo = &super::SCHEMA.fields[#n];
                }
            }
        });
        let d = doc(&match field.number {
            Some(n) => format!("`{}` (field {n}).", self.describe_field(f)),
            None => format!("`{}` (constructor).", self.describe_field(f)),
        });
        quote! {
            #d
            #derives
            pub struct #ty #decl

            #default_impl

            impl schema::Message for #ty {
                fn pack_into<S: wire::Sink + ?Sized>(&self, #pack_out: &mut S) -> wire::WireResult<()> {
                    #(#packs)*
                    Ok(())
                }
                fn unpack(#unpack_r: &mut wire::Reader<'_>) -> wire::WireResult<Self> {
                    Ok(#unpack)
                }
            }

            #numbered
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
}
