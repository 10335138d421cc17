//! `#[derive(DistributedObject)]`: checks a struct against its dclass and implements
//! `pipes::bind::Replicated` for it.

mod attrs;
mod shape;

use attrs::ClassAttr;
use dcc::model::{ClassId, FieldId, Model};
use dcc::rustgen::bind::{BindField, Binder};
use dcc::rustgen::names::value_name;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use shape::{Binding, Scalar};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Member};

/// One struct field bound to one dclass field.
struct Bound<'a> {
    member: Member,
    ty: &'a syn::Type,
    field: BindField,
    id: FieldId,
    binding: Binding,
}

/// Expands the derive.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let attr = attrs::class_attr(&input.attrs, input.ident.span())?;
    let fields = match &input.data {
        Data::Struct(s) => &s.fields,
        _ => {
            return Err(syn::Error::new(
                input.ident.span(),
                "#[derive(DistributedObject)] works on structs with named fields",
            ))
        }
    };
    let Fields::Named(named) = fields else {
        return Err(syn::Error::new(
            input.ident.span(),
            "#[derive(DistributedObject)] works on structs with named fields",
        ));
    };
    let files: Vec<String> = attr.schema.iter().map(|l| l.value()).collect();
    let schema_span = attr.schema[0].span();
    let (config, tracked) =
        crate::paths::config(&files).map_err(|e| syn::Error::new(schema_span, e))?;
    let model = config
        .load_model()
        .map_err(|e| syn::Error::new(schema_span, crate::paths::message(&e)))?;
    let binder = Binder::new(&model).map_err(|e| syn::Error::new(schema_span, e.to_string()))?;
    let class = find_class(&model, &attr)?;

    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let mut bound: Vec<Bound> = Vec::new();
    for f in &named.named {
        let fa = match attrs::field_attr(&f.attrs) {
            Ok(fa) => fa,
            Err(e) => {
                push(e);
                continue;
            }
        };
        if fa.skip {
            continue;
        }
        let Some(ident) = &f.ident else { continue };
        match bind_field(&model, &binder, class, &attr, ident, &fa, &f.ty) {
            Ok(b) => {
                if let Some(prev) = bound.iter().find(|p| p.id == b.id) {
                    let prev = match &prev.member {
                        Member::Named(n) => n.to_string(),
                        Member::Unnamed(i) => i.index.to_string(),
                    };
                    push(syn::Error::new(
                        ident.span(),
                        format!("`{}` is already bound to `{prev}`", b.field.name),
                    ));
                } else {
                    bound.push(b);
                }
            }
            Err(e) => push(e),
        }
    }
    if !attr.allow_missing {
        let missing: Vec<String> = model
            .class(class)
            .inherited
            .iter()
            .filter_map(|&f| binder.field(f))
            .filter(|f| {
                f.required && !f.molecular && !bound.iter().any(|b| b.field.number == f.number)
            })
            .map(|f| format!("`{}`", f.describe))
            .collect();
        if !missing.is_empty() {
            push(syn::Error::new(
                attr.class.span(),
                format!(
                    "`{}` has required fields no struct field binds: {}; bind them (see #[dc(field = \"...\")]) or add `allow_missing` to #[dclass(...)]",
                    attr.class,
                    missing.join(", ")
                ),
            ));
        }
    }
    if let Some(e) = errors {
        return Err(e);
    }
    bound.sort_by_key(|b| b.field.number);
    Ok(emit(input, &attr, &model, &binder, class, &bound, tracked))
}

fn find_class(model: &Model, attr: &ClassAttr) -> syn::Result<ClassId> {
    let name = attr.class.to_string();
    let found = model
        .class_by_name(&name)
        .filter(|&c| !model.class(c).is_struct);
    found.ok_or_else(|| {
        let names: Vec<&str> = model
            .class_list
            .iter()
            .map(|&c| model.class(c))
            .filter(|c| !c.is_struct)
            .map(|c| c.name.as_str())
            .collect();
        syn::Error::new(
            attr.class.span(),
            format!(
                "no dclass `{name}` in {}; dclasses: {}",
                attr.schema
                    .iter()
                    .map(|l| l.value())
                    .collect::<Vec<_>>()
                    .join(", "),
                names.join(", ")
            ),
        )
    })
}

fn bind_field<'a>(
    model: &Model,
    binder: &Binder<'_>,
    class: ClassId,
    attr: &ClassAttr,
    ident: &Ident,
    fa: &attrs::FieldAttr,
    ty: &'a syn::Type,
) -> syn::Result<Bound<'a>> {
    let c = model.class(class);
    let rust_name = ident.to_string().trim_start_matches("r#").to_string();
    let state_names = || {
        c.inherited
            .iter()
            .filter_map(|&f| binder.field(f))
            .filter(|f| f.is_state && !f.molecular)
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (id, span) = match &fa.field {
        Some(lit) => {
            let id = model.field_by_name(class, &lit.value()).ok_or_else(|| {
                syn::Error::new(
                    lit.span(),
                    format!(
                        "dclass `{}` has no field `{}`; its state fields: {}",
                        attr.class,
                        lit.value(),
                        state_names()
                    ),
                )
            })?;
            (id, lit.span())
        }
        None => {
            let by = |want: &str| {
                c.inherited
                    .iter()
                    .copied()
                    .find(|&f| value_name(&model.field(f).name) == want)
            };
            let id = by(&rust_name)
                .or_else(|| by(&format!("set_{rust_name}")))
                .ok_or_else(|| {
                    syn::Error::new(
                        ident.span(),
                        format!(
                            "dclass `{}` has no field `{rust_name}` or `set_{rust_name}` (snake case); \
                             its state fields: {}; name one with #[dc(field = \"...\")] or leave this field out with #[dc(skip)]",
                            attr.class,
                            state_names()
                        ),
                    )
                })?;
            (id, ident.span())
        }
    };
    let field = binder.field(id).ok_or_else(|| {
        syn::Error::new(
            span,
            "this field has no generated argument type and cannot be bound",
        )
    })?;
    if field.molecular {
        return Err(syn::Error::new(
            span,
            format!(
                "`{}` is a molecular field; bind its atomic fields instead",
                field.describe
            ),
        ));
    }
    if !field.is_state {
        return Err(syn::Error::new(
            span,
            format!(
                "`{}` is not state (neither `ram` nor `required`): only state fields bind to struct fields; events are sent as messages",
                field.describe
            ),
        ));
    }
    let binding = shape::bind(ty, &field).ok_or_else(|| {
        syn::Error::new(
            ty.span(),
            format!(
                "type mismatch: `{}` does not hold `{}`; expected {}",
                quote!(#ty).to_string().replace(' ', ""),
                field.describe,
                shape::expected(&field)
            ),
        )
    })?;
    Ok(Bound {
        member: Member::Named(ident.clone()),
        ty,
        field,
        id,
        binding,
    })
}

fn member(name: &str) -> TokenStream {
    match syn::parse_str::<Member>(name) {
        Ok(m) => quote!(#m),
        Err(_) => {
            let id = format_ident!("{}", name);
            quote!(#id)
        }
    }
}

/// The pack values (place expressions) and the apply expression of one binding.
fn pack_and_apply(b: &Bound<'_>) -> (Vec<TokenStream>, TokenStream) {
    let m = &b.member;
    let ty = b.ty;
    let to_f64 = |e: TokenStream, s: Scalar| match s {
        Scalar::Same => e,
        Scalar::F32 => quote!(::core::primitive::f64::from(#e)),
    };
    let from_msg = |name: &str, s: Scalar| {
        let mm = member(name);
        match s {
            Scalar::Same => quote!(msg.#mm),
            Scalar::F32 => quote!(msg.#mm as f32),
        }
    };
    let ps = &b.field.params;
    match &b.binding {
        Binding::Message => (Vec::new(), quote!(msg)),
        Binding::Single(s) => (
            vec![to_f64(quote!(self.#m), *s)],
            from_msg(&ps[0].member, *s),
        ),
        Binding::Tuple(ss) => {
            let packs = ss
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let i = syn::Index::from(i);
                    to_f64(quote!(self.#m.#i), *s)
                })
                .collect();
            let elems = ss.iter().zip(ps).map(|(s, p)| from_msg(&p.member, *s));
            (packs, quote!((#(#elems,)*)))
        }
        Binding::Glam { ctor, comps, f32 } => {
            let s = if *f32 { Scalar::F32 } else { Scalar::Same };
            let packs = comps
                .iter()
                .map(|c| {
                    let c = format_ident!("{}", c);
                    to_f64(quote!(self.#m.#c), s)
                })
                .collect();
            let ctor = format_ident!("{}", ctor);
            let args = ps.iter().map(|p| from_msg(&p.member, s));
            (packs, quote!(<#ty>::#ctor(#(#args),*)))
        }
    }
}

/// The generated argument type of a field, under the generated module.
fn message_type(module: &syn::Path, f: &BindField) -> TokenStream {
    let path: syn::Path =
        syn::parse_str(&f.message_path).unwrap_or_else(|_| syn::parse_quote!(unknown));
    quote!(#module::#path)
}

fn emit(
    input: &DeriveInput,
    attr: &ClassAttr,
    model: &Model,
    binder: &Binder<'_>,
    class: ClassId,
    bound: &[Bound<'_>],
    tracked: TokenStream,
) -> TokenStream {
    let name = &input.ident;
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    let module = &attr.module;
    let c = model.class(class);
    let class_name = &c.name;
    let class_id = Literal::u16_unsuffixed(c.number.unwrap_or(0) as u16);
    let hash = Literal::u32_unsuffixed(dcc::hash::hash_model(model));
    let numbers: Vec<Literal> = bound
        .iter()
        .map(|b| Literal::u16_unsuffixed(b.field.number))
        .collect();
    let mut packs = Vec::new();
    let mut applies = Vec::new();
    // Per bound field: its pack statements and the assignment from `msg`.
    let mut parts: Vec<(FieldId, TokenStream, TokenStream)> = Vec::new();
    for (b, n) in bound.iter().zip(&numbers) {
        let msg_ty = message_type(module, &b.field);
        let (values, apply) = pack_and_apply(b);
        let m = &b.member;
        let pack = if matches!(b.binding, Binding::Message) {
            quote!(::pipes::schema::Message::pack_into(&self.#m, out)?;)
        } else {
            binder.pack(b.id, &values).unwrap_or_default()
        };
        packs.push(quote!(#n => { #pack }));
        applies.push(quote!(#n => {
            let msg = <#msg_ty as ::pipes::schema::FieldMessage>::from_bytes(bytes)?;
            self.#m = #apply;
        }));
        parts.push((b.id, pack, quote!(self.#m = #apply;)));
    }
    // Molecular fields whose atoms are all bound: packed atom after atom; applied by
    // unpacking the whole molecule first, so an error changes nothing.
    for mol in c.inherited.iter().filter_map(|&f| binder.field(f)) {
        if !mol.molecular || mol.atoms.is_empty() {
            continue;
        }
        let atoms: Option<Vec<_>> = mol
            .atoms
            .iter()
            .map(|(a, member)| parts.iter().find(|p| p.0 == *a).map(|p| (member, p)))
            .collect();
        let Some(atoms) = atoms else { continue };
        let n = Literal::u16_unsuffixed(mol.number);
        let msg_ty = message_type(module, &mol);
        let atom_packs = atoms.iter().map(|(_, p)| &p.1);
        packs.push(quote!(#n => { #(#atom_packs)* }));
        let atom_applies = atoms.iter().map(|(member, p)| {
            let member = self::member(member);
            let assign = &p.2;
            quote!({ let msg = whole.#member; #assign })
        });
        applies.push(quote!(#n => {
            let whole = <#msg_ty as ::pipes::schema::FieldMessage>::from_bytes(bytes)?;
            #(#atom_applies)*
        }));
    }
    let check_msg = format!(
        "#[dclass({class_name}, module = ...)]: the module was generated from another schema than the one named here"
    );
    quote! {
        #tracked
        const _: () = ::core::assert!(
            #module::HASH == #hash && #module::SCHEMA.classes.len() > #class_id as usize,
            #check_msg
        );

        impl #impl_g ::pipes::bind::Replicated for #name #ty_g #where_g {
            const CLASS: &'static str = #class_name;
            const CLASS_ID: u16 = #class_id;
            const FIELDS: &'static [u16] = &[#(#numbers),*];

            #[allow(unused_variables, clippy::needless_borrow)]
            fn pack_field(&self, number: u16, out: &mut ::std::vec::Vec<u8>) -> ::pipes::wire::WireResult<bool> {
                #[allow(unused_imports)]
                use ::pipes::wire;
                match number {
                    #(#packs)*
                    _ => return Ok(false),
                }
                Ok(true)
            }

            #[allow(unused_variables)]
            fn apply_field(&mut self, number: u16, bytes: &[u8]) -> ::pipes::wire::WireResult<bool> {
                match number {
                    #(#applies)*
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }
    }
}
