//! Struct and dclass types: their members in packing order, `Default`, packing,
//! and the module holding each class's field argument types.

use super::*;

impl Gen<'_> {
    pub(super) fn class_items(&self, id: ClassId) -> TokenStream {
        let c = self.model.class(id);
        let ty = format_ident!("{}", self.names.class_type[&id]);
        let root = quote!();
        let members = self.member_names(id);
        let mut decls = Vec::new();
        let mut packs = Vec::new();
        let mut unpacks = Vec::new();
        let mut defaults = Vec::new();
        let mut derivable = true;
        let nested = c.number.and_then(|_| self.nested_parent(id));
        let mut deref = None;
        if let Some((parent, name, _)) = &nested {
            let pty = format_ident!("{}", self.names.class_type[parent]);
            decls.push(quote!(pub #name: #pty));
            packs.push(quote!(self.#name.pack_into(out)?;));
            unpacks.push(quote!(#name: #pty::unpack(r)?));
            defaults.push(quote!(#name: Default::default()));
            deref = Some(quote! {
                impl ::core::ops::Deref for #ty {
                    type Target = #pty;
                    fn deref(&self) -> &#pty { &self.#name }
                }
                impl ::core::ops::DerefMut for #ty {
                    fn deref_mut(&mut self) -> &mut #pty { &mut self.#name }
                }
            });
        }
        let skip = nested.as_ref().map_or(0, |n| n.2);
        for (f, name) in members.iter().skip(skip) {
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
                        quote!(wire::unpack(r)?),
                    )
                }
            };
            decls.push(quote!(pub #name: #ty));
            packs.push(pack);
            unpacks.push(quote!(#name: #unpack));
            // A message member's default is its own type's `Default`.
            let value = if self.has_message(*f) || self.field_default_is_derived(*f) {
                fallback()
            } else {
                derivable = false;
                field_default(self.model, *f)
                    .and_then(|bytes| {
                        let mut cur = Cursor::new(&bytes);
                        self.member_value(*f, &mut cur, &root)
                    })
                    .unwrap_or_else(fallback)
            };
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
        let d = doc(&match &nested {
            Some((_, name, _)) => format!(
                "{heading}: `{name}` (the inherited fields), then its own fields, in packing \
                 order (Panda's class packing); `Deref` reaches the inherited ones."
            ),
            None => format!("{heading}: its fields in packing order (Panda's class packing)."),
        });
        let (pack_out, unpack_r) = if members.is_empty() {
            (quote!(_out), quote!(_r))
        } else {
            (quote!(out), quote!(r))
        };
        let dclass_impl = c.number.map(|n| {
            let n = Literal::usize_unsuffixed(n as usize);
            quote! {
                impl schema::DClass for #ty {
                    const INFO: &'static schema::ClassInfo = &SCHEMA.classes[#n];
                    const SCHEMA: &'static schema::SchemaInfo = &SCHEMA;
                }
            }
        });
        let module = self.class_module(id);
        let (derives, default_impl) = if derivable {
            (self.derives.attr(true, false), None)
        } else {
            (
                self.derives.attr(false, false),
                Some(quote! {
                    #[allow(clippy::derivable_impls)]
                impl Default for #ty {
                        fn default() -> Self { Self { #(#defaults),* } }
                    }
                }),
            )
        };
        quote! {
            #d
            #derives
            pub struct #ty { #(#decls),* }

            #default_impl

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

            #deref
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
                use ::pipes::{schema::{self, Message as _}, wire};
                #meta
                #(#messages)*
            }
        })
    }
}
