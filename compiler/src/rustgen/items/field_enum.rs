//! A dclass's constants (`NAME`, `ID`, `FIELDS`, ...) and its `Field` enum: its own
//! fields, and its parents' `Field` enums for inherited ones.

use super::*;

impl Gen<'_> {
    /// Class constants and the `Field` enum of a dclass.
    pub(super) fn class_meta(&self, id: ClassId, number: u32) -> TokenStream {
        let c = self.model.class(id);
        let name = &c.name;
        let n = Literal::u16_unsuffixed(number as u16);
        let consts = quote! {
            /// The dclass name.
            pub const NAME: &str = #name;
            /// The dclass id.
            pub const ID: u16 = #n;
            /// All field numbers, own and inherited.
            pub const FIELDS: &[u16] = super::SCHEMA.classes[#n].fields;
            /// The `required` fields (what a generate carries).
            pub const REQUIRED: &[u16] = super::SCHEMA.classes[#n].required;
            /// The `ram` fields.
            pub const RAM: &[u16] = super::SCHEMA.classes[#n].ram;
            /// The class metadata.
            pub fn info() -> &'static schema::ClassInfo {
                &super::SCHEMA.classes[ID as usize]
            }
        };
        if !self.field_enums {
            return consts;
        }
        // Own fields get a variant each; inherited ones are reached through one
        // variant per parent holding the parent's `Field`, so the enums of a schema
        // grow with its fields, not with classes times inherited fields.
        let mut scope = Scope::with_reserved(&["Self"]);
        let mut variants = Vec::new();
        for &f in &c.inherited {
            let field = self.model.field(f);
            let (Some(num), true) = (field.number, self.has_message(f)) else {
                continue;
            };
            if field.class != id {
                continue;
            }
            let v = format_ident!("{}", scope.claim(&self.names.message[&f]));
            let m = format_ident!("{}", self.names.message[&f]);
            variants.push((v, quote!(#m), Literal::u16_unsuffixed(num as u16)));
        }
        let mut parents = Vec::new();
        for &p in &c.parents {
            let (Some(module), Some(_)) =
                (self.names.class_mod.get(&p), self.model.class(p).number)
            else {
                continue;
            };
            let v = format_ident!("{}", scope.claim(&self.names.class_type[&p]));
            let module = format_ident!("{}", module);
            parents.push((v, module));
        }
        let decls = variants
            .iter()
            .map(|(v, p, _)| quote!(#v(#p)))
            .chain(parents.iter().map(|(v, m)| quote!(#v(super::#m::Field))));
        let number_arms = variants
            .iter()
            .map(|(v, _, n)| quote!(Self::#v(_) => #n,))
            .chain(
                parents
                    .iter()
                    .map(|(v, _)| quote!(Self::#v(f) => f.number(),)),
            );
        let pack_arms = variants
            .iter()
            .map(|(v, _, _)| quote!(Self::#v(m) => m.pack_into(out),))
            .chain(
                parents
                    .iter()
                    .map(|(v, _)| quote!(Self::#v(f) => f.pack_into(out),)),
            );
        let unpack_arms = variants
            .iter()
            .map(|(v, _, n)| quote!(#n => Self::#v(wire::unpack(r)?),))
            .chain(parents.iter().map(|(v, m)| {
                quote!(_ if FIELDS.contains(&number) && super::#m::FIELDS.contains(&number) =>
                    Self::#v(super::#m::Field::unpack(number, r)?),)
            }));
        let empty = variants.is_empty() && parents.is_empty();
        let (number_body, pack_body) = if empty {
            (quote!(match *self {}), quote!(match *self {}))
        } else {
            (
                quote!(match self { #(#number_arms)* }),
                quote!(match self { #(#pack_arms)* }),
            )
        };
        let unknown = quote!(wire::unknown_field(number, NAME));
        // A dclass without fields (an undefined parent's placeholder) knows no number.
        let unpack_body = if empty {
            quote!(Err(#unknown))
        } else {
            quote!(Ok(match number {
                #(#unpack_arms)*
                _ => return Err(#unknown),
            }))
        };
        let (field_out, field_r) = if empty {
            (quote!(_out), quote!(_r))
        } else {
            (quote!(out), quote!(r))
        };
        let derives = self.derives.attr(false, false);
        // Short docs: these repeat per class (the module docs say what they are).
        quote! {
            #consts

            /// Any field of the class (inherited ones in the parent's `Field`).
            // Variants are as large as their arguments; boxing them would cost every
            // message an allocation to spare the rare huge fixed-size field.
            #[allow(clippy::large_enum_variant)]
            #derives
            pub enum Field { #(#decls),* }

            impl Field {
                /// The field number.
                pub fn number(&self) -> u16 { #number_body }

                /// The field name.
                pub fn name(&self) -> &'static str {
                    super::SCHEMA.field(self.number()).map_or("", |f| f.name)
                }

                /// Packs the arguments.
                pub fn pack_into<S: wire::Sink + ?Sized>(&self, #field_out: &mut S) -> wire::WireResult<()> {
                    #pack_body
                }

                /// Unpacks field `number`'s arguments.
                pub fn unpack(number: u16, #field_r: &mut wire::Reader<'_>) -> wire::WireResult<Self> {
                    #unpack_body
                }

                /// Unpacks exactly `bytes` as field `number`'s arguments.
                pub fn from_bytes(number: u16, bytes: &[u8]) -> wire::WireResult<Self> {
                    wire::read_exact(bytes, NAME, |r| Self::unpack(number, r))
                }
            }
        }
    }
}
