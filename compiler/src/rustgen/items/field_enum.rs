//! A dclass's constants (`NAME`, `ID`, `FIELDS`, ...) and its `Field` enum over
//! every own and inherited field.

use super::*;

impl Gen<'_> {
    /// Class constants and the `Field` enum of a dclass.
    pub(super) fn class_meta(&self, id: ClassId, number: u32) -> TokenStream {
        let c = self.model.class(id);
        let name = &c.name;
        let n = Literal::u16_unsuffixed(number as u16);
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
            variants.push((v, path, Literal::u16_unsuffixed(num as u16), ()));
        }
        let decls = variants.iter().map(|(v, p, _, _)| quote!(#v(#p)));
        let number_arms = variants
            .iter()
            .map(|(v, _, n, _)| quote!(Self::#v(_) => #n,));
        let pack_arms = variants
            .iter()
            .map(|(v, _, _, _)| quote!(Self::#v(m) => m.pack_into(out),));
        let unpack_arms = variants
            .iter()
            .map(|(v, p, n, _)| quote!(#n => Self::#v(#p::unpack(r)?),));
        let (number_body, pack_body) = if variants.is_empty() {
            (quote!(match *self {}), quote!(match *self {}))
        } else {
            (
                quote!(match self { #(#number_arms)* }),
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
            pub const FIELDS: &[u16] = super::SCHEMA.classes[#n].fields;
            /// The `required` fields in order (molecular ones excluded): what a generate carries.
            pub const REQUIRED: &[u16] = super::SCHEMA.classes[#n].required;
            /// The `ram` fields in order.
            pub const RAM: &[u16] = super::SCHEMA.classes[#n].ram;

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
                pub fn name(&self) -> &'static str {
                    match super::SCHEMA.field(self.number()) {
                        Some(info) => info.name,
                        None => "",
                    }
                }

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
}
