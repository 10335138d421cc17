//! Rust expressions for default values: Panda's packed defaults decoded at build time
//! into literals, so `Default::default()` yields exactly the schema's defaults.

use super::types::{float_lit, is_float, legacy_element, rust_array_len};
use super::Gen;
use crate::ast::Builtin;
use crate::model::{ClassId, FieldId, FieldKind, Param, Type};
use crate::pack::select_case;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// A cursor over packed default bytes.
pub struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Some(head)
    }

    fn uint(&mut self, n: usize) -> Option<u64> {
        let b = self.take(n)?;
        let mut raw = [0u8; 8];
        raw[..n].copy_from_slice(b);
        Some(u64::from_le_bytes(raw))
    }

    fn int(&mut self, b: Builtin) -> Option<i128> {
        use Builtin::*;
        Some(match b {
            Int8 => i128::from(self.uint(1)? as u8 as i8),
            Int16 => i128::from(self.uint(2)? as u16 as i16),
            Int32 => i128::from(self.uint(4)? as u32 as i32),
            Int64 => i128::from(self.uint(8)? as i64),
            Uint8 | Char => i128::from(self.uint(1)?),
            Uint16 => i128::from(self.uint(2)?),
            Uint32 => i128::from(self.uint(4)?),
            _ => i128::from(self.uint(8)?),
        })
    }

    fn sub(&mut self, n: usize) -> Option<Cursor<'a>> {
        Some(Cursor::new(self.take(n)?))
    }

    fn prefixed(&mut self) -> Option<Cursor<'a>> {
        let n = self.uint(2)? as usize;
        self.sub(n)
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// Most array elements written out as literals; longer defaults fall back to
/// `Default::default()` (an empty `Vec`) — only possible for absurd minimum counts.
const MAX_LITERAL_ITEMS: usize = 4096;

/// Struct defaults up to this many packed bytes are written out as literals; larger
/// ones that equal the struct's own default call its `Default` impl.
const MAX_LITERAL_STRUCT_BYTES: usize = 64;

/// `Default::default()`.
pub fn fallback() -> TokenStream {
    quote!(Default::default())
}

impl Gen<'_> {
    /// The expression for a parameter value decoded from `cur`.
    pub fn param_value(
        &self,
        p: &Param,
        cur: &mut Cursor,
        root: &TokenStream,
    ) -> Option<TokenStream> {
        self.value(&p.ty, cur, root)
    }

    /// The expression for a value of `t` decoded from `cur`.
    pub fn value(&self, t: &Type, cur: &mut Cursor, root: &TokenStream) -> Option<TokenStream> {
        match t {
            Type::Simple(s) => {
                if let Some(elem) = legacy_element(s.builtin) {
                    let mut sub = cur.prefixed()?;
                    let mut items = Vec::new();
                    while !sub.is_empty() && items.len() < MAX_LITERAL_ITEMS {
                        items.push(Literal::i128_unsuffixed(sub.int(elem)?));
                    }
                    return Some(vec_expr(items.into_iter().map(neg_int).collect()));
                }
                match s.builtin {
                    Builtin::Uint32Uint8Array => {
                        let mut sub = cur.prefixed()?;
                        let mut items = Vec::new();
                        while !sub.is_empty() && items.len() < MAX_LITERAL_ITEMS {
                            let a = Literal::u64_unsuffixed(sub.uint(4)?);
                            let b = Literal::u64_unsuffixed(sub.uint(1)?);
                            items.push(quote!((#a, #b)));
                        }
                        Some(vec_expr(items))
                    }
                    Builtin::String | Builtin::Blob | Builtin::Blob32 => {
                        let bytes = match (s.range.one_value(), s.builtin) {
                            (Some(n), _) => cur.take(usize::try_from(n).ok()?)?,
                            (None, Builtin::Blob32) => {
                                let n = cur.uint(4)? as usize;
                                cur.take(n)?
                            }
                            (None, _) => {
                                let n = cur.uint(2)? as usize;
                                cur.take(n)?
                            }
                        };
                        if s.builtin == Builtin::String {
                            let text = std::str::from_utf8(bytes).ok()?;
                            Some(if text.is_empty() {
                                quote!(String::new())
                            } else {
                                quote!(String::from(#text))
                            })
                        } else {
                            let items = bytes
                                .iter()
                                .map(|&b| {
                                    let b = Literal::u8_unsuffixed(b);
                                    quote!(#b)
                                })
                                .collect();
                            Some(vec_expr(items))
                        }
                    }
                    Builtin::Float64 => {
                        let x = f64::from_le_bytes(cur.take(8)?.try_into().ok()?);
                        Some(float_lit(x / f64::from(s.divisor)))
                    }
                    b => {
                        let n = cur.int(b)?;
                        if is_float(s) {
                            Some(float_lit(n as f64 / f64::from(s.divisor)))
                        } else {
                            Some(neg_int(Literal::i128_unsuffixed(n)))
                        }
                    }
                }
            }
            Type::Array(a) => {
                let mut items = Vec::new();
                if let (false, Some(n)) = (a.has_prefix(), a.fixed_count()) {
                    for _ in 0..n {
                        if items.len() >= MAX_LITERAL_ITEMS {
                            return None;
                        }
                        items.push(self.param_value(&a.element, cur, root)?);
                    }
                } else {
                    let mut sub = if a.has_prefix() {
                        cur.prefixed()?
                    } else {
                        cur.sub(a.fixed_size?)?
                    };
                    while !sub.is_empty() {
                        if items.len() >= MAX_LITERAL_ITEMS {
                            return None;
                        }
                        items.push(self.param_value(&a.element, &mut sub, root)?);
                    }
                }
                if rust_array_len(a).is_some() {
                    Some(quote!([#(#items),*]))
                } else {
                    Some(vec_expr(items))
                }
            }
            Type::Class(c) => self.class_value(*c, cur, root),
            Type::Switch(id) => self.switch_value(*id, cur, root),
            Type::Invalid => None,
        }
    }

    /// A class value: each member decoded in order.
    fn class_value(
        &self,
        class: ClassId,
        cur: &mut Cursor,
        root: &TokenStream,
    ) -> Option<TokenStream> {
        let ty = format_ident!("{}", self.names.class_type[&class]);
        // A large value equal to the struct's own default is written as a call to its
        // `Default` impl: nested structs would otherwise repeat their whole default at
        // every level, which grows exponentially with nesting. Small ones stay literal
        // for the reader.
        if let Some(own) = self.class_default(class) {
            if own.len() > MAX_LITERAL_STRUCT_BYTES && cur.bytes.starts_with(&own) {
                cur.take(own.len())?;
                return Some(quote!(<#root #ty as Default>::default()));
            }
        }
        let mut members = Vec::new();
        for (f, name) in self.member_names(class) {
            let v = self.member_value(f, cur, root)?;
            members.push(quote!(#name: #v));
        }
        Some(quote!(#root #ty { #(#members),* }))
    }

    /// A member of a class value: a plain value for parameters, the argument type for
    /// atomic fields.
    pub fn member_value(
        &self,
        f: FieldId,
        cur: &mut Cursor,
        root: &TokenStream,
    ) -> Option<TokenStream> {
        match &self.model.field(f).kind {
            FieldKind::Parameter(p) => self.param_value(p, cur, root),
            FieldKind::Atomic(_) => self.message_value(f, cur, root),
            FieldKind::Molecular(_) => None,
        }
    }

    /// A field's argument type value decoded from `cur`.
    pub fn message_value(
        &self,
        f: FieldId,
        cur: &mut Cursor,
        root: &TokenStream,
    ) -> Option<TokenStream> {
        let path = self.message_path(f, root);
        match &self.model.field(f).kind {
            FieldKind::Parameter(p) => {
                let v = self.param_value(p, cur, root)?;
                Some(quote!(#path(#v)))
            }
            FieldKind::Atomic(params) => {
                let names = self.arg_names(params);
                if params.is_empty() {
                    return Some(quote!(#path));
                }
                let mut values = Vec::new();
                for p in params {
                    values.push(self.param_value(p, cur, root)?);
                }
                Some(match names {
                    None => quote!(#path(#(#values),*)),
                    Some(names) => quote!(#path { #(#names: #values),* }),
                })
            }
            FieldKind::Molecular(atoms) => {
                let mut values = Vec::new();
                for &a in atoms {
                    values.push(self.message_value(a, cur, root)?);
                }
                let names = self.atom_names(atoms);
                Some(quote!(#path { #(#names: #values),* }))
            }
        }
    }

    fn switch_value(
        &self,
        id: crate::model::SwitchId,
        cur: &mut Cursor,
        root: &TokenStream,
    ) -> Option<TokenStream> {
        let s = self.model.switch(id);
        let ty = self.switch_ident(id);
        let before = cur.bytes;
        let key = self.param_value(&s.key, cur, root)?;
        let key_bytes = &before[..before.len() - cur.bytes.len()];
        let variants = self.switch_variants(id);
        let (variant, fields, with_key) = match s.cases.iter().position(|c| c.value == key_bytes) {
            Some(i) => (variants[i].clone(), &s.cases[i].fields, false),
            None => {
                let fields = select_case(s, key_bytes)?;
                (format_ident!("Default"), &fields.to_vec(), true)
            }
        };
        let fields = fields.clone();
        let names = self.case_field_names(&fields);
        let mut values = Vec::new();
        for p in &fields {
            values.push(self.param_value(p, cur, root)?);
        }
        let key_part = with_key.then(|| quote!(key: #key,));
        Some(quote!(#root #ty::#variant { #key_part #(#names: #values),* }))
    }
}

fn vec_expr(items: Vec<TokenStream>) -> TokenStream {
    if items.is_empty() {
        quote!(Vec::new())
    } else if items.len() > 1 && items.iter().all(|i| i.to_string() == items[0].to_string()) {
        let first = &items[0];
        let n = Literal::usize_unsuffixed(items.len());
        quote!(::std::vec![#first; #n])
    } else {
        quote!(::std::vec![#(#items),*])
    }
}

fn neg_int(lit: Literal) -> TokenStream {
    let text = lit.to_string();
    match text.strip_prefix('-') {
        Some(abs) => {
            let abs: TokenStream = abs.parse().unwrap_or_default();
            quote!(-#abs)
        }
        None => quote!(#lit),
    }
}

impl Gen<'_> {
    /// True when all-zero packed bytes of `t` decode to Rust's `Default` of its type
    /// (numbers are 0, length-prefixed strings, blobs and arrays are empty), so a
    /// field whose default bytes are all zero can derive `Default`.
    pub fn zero_is_rust_default(&self, t: &Type) -> bool {
        match t {
            Type::Simple(s) => {
                let sized = matches!(
                    s.builtin,
                    Builtin::String | Builtin::Blob | Builtin::Blob32 | Builtin::Uint32Uint8Array
                ) || legacy_element(s.builtin).is_some();
                !sized || s.range.one_value().is_none_or(|n| n == 0)
            }
            Type::Array(a) => a.has_prefix() && rust_array_len(a).is_none(),
            Type::Class(_) | Type::Switch(_) | Type::Invalid => false,
        }
    }

    /// True when the field's Panda default equals what `#[derive(Default)]` gives.
    pub fn field_default_is_derived(&self, f: FieldId) -> bool {
        let params: Vec<&Param> = match &self.model.field(f).kind {
            FieldKind::Molecular(_) => return true,
            FieldKind::Parameter(p) => vec![p],
            FieldKind::Atomic(ps) => ps.iter().collect(),
        };
        if params.is_empty() {
            return true;
        }
        let zero = crate::pack::field_default(self.model, f)
            .is_some_and(|bytes| bytes.iter().all(|&b| b == 0));
        zero && params.iter().all(|p| self.zero_is_rust_default(&p.ty))
    }
}
