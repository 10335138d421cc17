//! Field argument types (`FieldMessage`): one per field, with its constants,
//! `Default` and packing.

use super::*;

impl Gen<'_> {
    /// One field's argument type, its constants and its packing.
    pub(super) fn message_items(&self, f: FieldId) -> TokenStream {
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
