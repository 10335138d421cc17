//! The static `SCHEMA` (`pipes::schema::SchemaInfo`): class and field tables,
//! per-field skip functions, field lists and fixed sizes.

use super::*;

impl Gen<'_> {
    pub(super) fn schema_items(&self) -> TokenStream {
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
                    skip: &#skip,
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
    pub(super) fn field_lists(&self, class: ClassId) -> (Vec<Literal>, Vec<Literal>, Vec<Literal>) {
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
}
