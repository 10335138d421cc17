//! Rust types for DC types, and the code that packs and unpacks them.
//!
//! Each function emits tokens for one DC type. Packing code writes into `out` (a
//! `wire::Sink`) from an expression of type `&T`; unpacking code is an expression that
//! reads from `r` (a `&mut wire::Reader`) and evaluates to `T`, with `?` on errors.

use super::Gen;
use crate::ast::Builtin;
use crate::model::{ArrayType, Param, Range, SimpleType, SwitchId, Type};
use crate::pack::fixed_size;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// Arrays of at most this many elements with a fixed count become `[T; N]`.
pub const MAX_RUST_ARRAY: u32 = 32;

/// The Rust integer type a DC integer builtin is stored as.
fn int_type(b: Builtin) -> Option<TokenStream> {
    use Builtin::*;
    Some(match b {
        Int8 => quote!(i8),
        Int16 => quote!(i16),
        Int32 => quote!(i32),
        Int64 => quote!(i64),
        Uint8 | Char => quote!(u8),
        Uint16 => quote!(u16),
        Uint32 => quote!(u32),
        Uint64 => quote!(u64),
        _ => return None,
    })
}

/// The reader and writer function suffix for an integer builtin.
fn int_suffix(b: Builtin) -> &'static str {
    use Builtin::*;
    match b {
        Int8 | Int8Array => "i8",
        Int16 | Int16Array => "i16",
        Int32 | Int32Array => "i32",
        Int64 => "i64",
        Uint8 | Char | Uint8Array => "u8",
        Uint16 | Uint16Array => "u16",
        Uint32 | Uint32Array => "u32",
        _ => "u64",
    }
}

/// The element of a legacy array builtin (`int16array` → `int16`).
pub fn legacy_element(b: Builtin) -> Option<Builtin> {
    b.legacy_element()
}

/// True when a simple type is stored as `f64` in Rust (float64, or a scaled integer).
pub fn is_float(s: &SimpleType) -> bool {
    s.builtin == Builtin::Float64 || (int_type(s.builtin).is_some() && s.divisor != 1)
}

/// The fixed element count when the array becomes a Rust array `[T; N]`.
pub fn rust_array_len(a: &ArrayType) -> Option<u32> {
    a.fixed_count().filter(|&n| n <= MAX_RUST_ARRAY)
}

fn ctx_lit(ctx: &str) -> Literal {
    Literal::string(ctx)
}

fn int_spans(range: &Range) -> Option<TokenStream> {
    match range {
        Range::None => None,
        Range::Int(spans) => {
            let items = spans.iter().map(|&(lo, hi)| {
                let (lo, hi) = (Literal::i128_unsuffixed(lo), Literal::i128_unsuffixed(hi));
                quote!((#lo, #hi))
            });
            Some(quote!(&[#(#items),*]))
        }
        Range::Float(spans) => {
            // Integer values checked against float spans: widen the check.
            let items = spans.iter().map(|&(lo, hi)| {
                let lo = Literal::i128_unsuffixed(lo.ceil() as i128);
                let hi = Literal::i128_unsuffixed(hi.floor() as i128);
                quote!((#lo, #hi))
            });
            Some(quote!(&[#(#items),*]))
        }
    }
}

fn float_spans(range: &Range) -> Option<TokenStream> {
    let spans: Vec<(f64, f64)> = match range {
        Range::None => return None,
        Range::Int(spans) => spans
            .iter()
            .map(|&(lo, hi)| (lo as f64, hi as f64))
            .collect(),
        Range::Float(spans) => spans.clone(),
    };
    let items = spans.iter().map(|&(lo, hi)| {
        let (lo, hi) = (float_lit(lo), float_lit(hi));
        quote!((#lo, #hi))
    });
    Some(quote!(&[#(#items),*]))
}

/// An `f64` expression for a finite value (with a unary minus when negative).
pub fn float_lit(x: f64) -> TokenStream {
    if x.is_nan() {
        quote!(f64::NAN)
    } else if x == f64::INFINITY {
        quote!(f64::INFINITY)
    } else if x == f64::NEG_INFINITY {
        quote!(f64::NEG_INFINITY)
    } else if x.is_sign_negative() && x != 0.0 {
        let lit = Literal::f64_suffixed(-x);
        quote!(-#lit)
    } else {
        let lit = Literal::f64_suffixed(x.abs());
        quote!(#lit)
    }
}

fn len_spans(range: &Range) -> Option<TokenStream> {
    match range {
        Range::Int(spans) => {
            let items = spans.iter().map(|&(lo, hi)| {
                let lo = Literal::u32_unsuffixed(lo.clamp(0, i128::from(u32::MAX)) as u32);
                let hi = Literal::u32_unsuffixed(hi.clamp(0, i128::from(u32::MAX)) as u32);
                quote!((#lo, #hi))
            });
            Some(quote!(&[#(#items),*]))
        }
        _ => None,
    }
}

fn size_spans(size: &[(u32, u32)]) -> Option<TokenStream> {
    if size.is_empty() {
        return None;
    }
    let items = size.iter().map(|&(lo, hi)| {
        let (lo, hi) = (Literal::u32_unsuffixed(lo), Literal::u32_unsuffixed(hi));
        quote!((#lo, #hi))
    });
    Some(quote!(&[#(#items),*]))
}

/// A value to pack: a place (`self.x`) or a reference binding (`item`).
pub struct Val {
    /// The expression; method calls on it auto-dereference either way.
    pub expr: TokenStream,
    /// True when `expr` is a reference.
    pub is_ref: bool,
}

impl Val {
    /// A place expression of the value's type.
    pub fn place(expr: TokenStream) -> Self {
        Val {
            expr,
            is_ref: false,
        }
    }

    /// A reference to the value.
    pub fn by_ref(expr: TokenStream) -> Self {
        Val { expr, is_ref: true }
    }

    /// The value itself (for `Copy` scalars).
    fn value(&self) -> TokenStream {
        let e = &self.expr;
        if self.is_ref {
            quote!(*#e)
        } else {
            quote!(#e)
        }
    }
}

impl Gen<'_> {
    /// The Rust type of a parameter (its typedef alias when it names one).
    pub fn param_type(&self, p: &Param, root: &TokenStream) -> TokenStream {
        if let Some(alias) = p.typedef.and_then(|t| self.names.alias.get(&t)) {
            let alias = format_ident!("{}", alias);
            return quote!(#root #alias);
        }
        self.rust_type(&p.ty, root)
    }

    /// The Rust type of a DC type.
    pub fn rust_type(&self, t: &Type, root: &TokenStream) -> TokenStream {
        match t {
            Type::Simple(s) => {
                if is_float(s) {
                    return quote!(f64);
                }
                if let Some(int) = int_type(s.builtin) {
                    return int;
                }
                match s.builtin {
                    Builtin::String => quote!(String),
                    Builtin::Blob | Builtin::Blob32 => quote!(Vec<u8>),
                    Builtin::Uint32Uint8Array => quote!(Vec<(u32, u8)>),
                    b => {
                        let e = legacy_element(b).and_then(int_type).unwrap_or(quote!(u8));
                        quote!(Vec<#e>)
                    }
                }
            }
            Type::Array(a) => {
                let e = self.param_type(&a.element, root);
                match rust_array_len(a) {
                    Some(n) => {
                        let n = Literal::usize_unsuffixed(n as usize);
                        quote!([#e; #n])
                    }
                    None => quote!(Vec<#e>),
                }
            }
            Type::Class(c) => {
                let name = format_ident!("{}", self.names.class_type[c]);
                quote!(#root #name)
            }
            Type::Switch(s) => {
                let name = format_ident!("{}", self.names.switch_type[s]);
                quote!(#root #name)
            }
            Type::Invalid => quote!(()),
        }
    }

    /// Statements that pack the value `v` into `out`.
    pub fn pack(&self, t: &Type, v: &Val, ctx: &str) -> TokenStream {
        let c = ctx_lit(ctx);
        match t {
            Type::Simple(s) => self.pack_simple(s, v, ctx),
            Type::Array(a) => {
                let item = self.pack(&a.element.ty, &Val::by_ref(quote!(item)), ctx);
                let v = &v.expr;
                let count_check = size_spans(&a.size)
                    .map(|spans| quote!(wire::check_len(#v.len(), #spans, #c)?;));
                let body = quote! {
                    #count_check
                    for item in #v.iter() { #item }
                };
                if a.has_prefix() {
                    quote! {{
                        let start = wire::begin_prefix16(out);
                        #body
                        wire::end_prefix16(out, start, #c)?;
                    }}
                } else {
                    quote! {{ #body }}
                }
            }
            Type::Class(_) | Type::Switch(_) => {
                let v = &v.expr;
                quote!(#v.pack_into(out)?;)
            }
            // An undefined type's placeholder (lenient builds) packs to no bytes.
            Type::Invalid => {
                let v = &v.expr;
                quote!(let _ = (&#v, &out);)
            }
        }
    }

    fn pack_simple(&self, s: &SimpleType, val: &Val, ctx: &str) -> TokenStream {
        let c = ctx_lit(ctx);
        let v = &val.expr;
        let copied = val.value();
        if let Some(elem) = legacy_element(s.builtin) {
            let put = format_ident!("put_{}", int_suffix(elem));
            return quote! {{
                let start = wire::begin_prefix16(out);
                for item in #v.iter() { wire::#put(out, *item); }
                wire::end_prefix16(out, start, #c)?;
            }};
        }
        match s.builtin {
            Builtin::Uint32Uint8Array => quote! {{
                let start = wire::begin_prefix16(out);
                for (a, b) in #v.iter() { wire::put_u32(out, *a); wire::put_u8(out, *b); }
                wire::end_prefix16(out, start, #c)?;
            }},
            Builtin::String | Builtin::Blob | Builtin::Blob32 => {
                let bytes = if s.builtin == Builtin::String {
                    quote!(#v.as_bytes())
                } else {
                    quote!(#v.as_slice())
                };
                let check = len_spans(&s.range)
                    .map(|spans| quote!(wire::check_len(bytes.len(), #spans, #c)?;));
                if check.is_none() && s.range.one_value().is_none() {
                    // The common case in one call (smaller generated code).
                    let put = if s.builtin == Builtin::Blob32 {
                        quote!(put_blob32)
                    } else {
                        quote!(put_blob16)
                    };
                    return quote!(wire::#put(out, #bytes, #c)?;);
                }
                let write = if s.range.one_value().is_some() {
                    quote!(wire::Sink::put(out, bytes);)
                } else if s.builtin == Builtin::Blob32 {
                    quote!(wire::put_blob32(out, bytes, #c)?;)
                } else {
                    quote!(wire::put_blob16(out, bytes, #c)?;)
                };
                quote! {{ let bytes: &[u8] = #bytes; #check #write }}
            }
            Builtin::Float64 => {
                let value = if s.divisor == 1 && s.modulus.is_none() {
                    quote!(#copied)
                } else {
                    let d = Literal::u32_unsuffixed(s.divisor);
                    let m = opt_float(s.double_modulus());
                    quote!(wire::scaled_double(#copied, #d, #m))
                };
                let check = float_spans(&s.range)
                    .map(|spans| quote!(wire::check_float_range(x, #spans, #c)?;));
                quote! {{ let x = #value; #check wire::put_f64(out, x); }}
            }
            b => {
                let put = format_ident!("put_{}", int_suffix(b));
                let storage = int_type(b).unwrap_or(quote!(u64));
                let spans = int_spans(&s.range);
                if s.divisor == 1 && s.modulus.is_none() && spans.is_none() {
                    return quote!(wire::#put(out, #copied););
                }
                let value = if s.divisor != 1 {
                    let d = Literal::u32_unsuffixed(s.divisor);
                    let m = opt_float(s.double_modulus());
                    quote!(wire::fixed_point(#copied, #d, #m, #c)?)
                } else if let Some(m) = s.int_modulus() {
                    let m = Literal::u64_unsuffixed(m);
                    quote!(wire::int_modulus(i128::from(#copied), #m))
                } else {
                    quote!(i128::from(#copied))
                };
                let check = spans.map(|spans| quote!(wire::check_int_range(n, #spans, #c)?;));
                quote! {{
                    let n = #value;
                    #check
                    wire::#put(out, wire::narrow::<#storage>(n, #c)?);
                }}
            }
        }
    }

    /// An expression that unpacks one value of `t` from `r`.
    pub fn unpack(&self, t: &Type, ctx: &str, root: &TokenStream) -> TokenStream {
        match t {
            Type::Simple(s) => self.unpack_simple(s, ctx),
            Type::Array(a) => self.unpack_array(a, ctx, root),
            Type::Class(_) | Type::Switch(_) => {
                let ty = self.rust_type(t, root);
                quote!(#ty::unpack(r)?)
            }
            // An undefined type's placeholder (lenient builds) reads no bytes.
            Type::Invalid => quote!({
                let _ = &r;
                Default::default()
            }),
        }
    }

    fn unpack_array(&self, a: &ArrayType, ctx: &str, root: &TokenStream) -> TokenStream {
        let c = ctx_lit(ctx);
        let elem = self.unpack(&a.element.ty, ctx, root);
        let may_be_empty = fixed_size(self.model, &a.element.ty) == Some(0);
        let until_exhausted = |source: TokenStream| {
            let guard = may_be_empty.then(|| {
                quote! {
                    if sub.remaining() == before {
                        return Err(wire::WireError::new(wire::WireErrorKind::BadLength { len: sub.remaining() }, #c));
                    }
                }
            });
            let before = may_be_empty.then(|| quote!(let before = sub.remaining();));
            quote! {{
                let mut sub = #source;
                let mut items = Vec::new();
                while sub.remaining() > 0 {
                    #before
                    let r = &mut sub;
                    items.push(#elem);
                    #guard
                }
                items
            }}
        };
        let items = if a.has_prefix() {
            until_exhausted(quote!(r.read_prefixed16()?))
        } else if let Some(n) = a.fixed_count() {
            let n = Literal::usize_unsuffixed(n as usize);
            quote! {{
                let mut items = Vec::with_capacity(#n);
                for _ in 0..#n { items.push(#elem); }
                items
            }}
        } else {
            let size = Literal::usize_unsuffixed(a.fixed_size.unwrap_or(0));
            until_exhausted(quote!(wire::Reader::new(r.take(#size)?)))
        };
        let check =
            size_spans(&a.size).map(|spans| quote!(wire::check_len(items.len(), #spans, #c)?;));
        let Some(n) = rust_array_len(a) else {
            return match check {
                // A plain `Vec`: the items block is the value.
                None => items,
                Some(check) => quote! {{ let items = #items; #check items }},
            };
        };
        let finish = {
            let e = self.param_type(&a.element, root);
            let n = Literal::usize_unsuffixed(n as usize);
            quote! {
                <[#e; #n]>::try_from(items).map_err(|items: Vec<_>| {
                    wire::WireError::new(wire::WireErrorKind::BadLength { len: items.len() }, #c)
                })?
            }
        };
        quote! {{ let items = #items; #check #finish }}
    }

    fn unpack_simple(&self, s: &SimpleType, ctx: &str) -> TokenStream {
        let c = ctx_lit(ctx);
        if let Some(elem) = legacy_element(s.builtin) {
            let read = format_ident!("read_{}", int_suffix(elem));
            return quote! {{
                let mut sub = r.read_prefixed16()?;
                let mut items = Vec::new();
                while sub.remaining() > 0 { items.push(sub.#read()?); }
                items
            }};
        }
        match s.builtin {
            Builtin::Uint32Uint8Array => quote! {{
                let mut sub = r.read_prefixed16()?;
                let mut items = Vec::new();
                while sub.remaining() > 0 { items.push((sub.read_u32()?, sub.read_u8()?)); }
                items
            }},
            Builtin::String | Builtin::Blob | Builtin::Blob32 => {
                let read = match (s.range.one_value(), s.builtin) {
                    (Some(n), _) => {
                        let n = Literal::usize_unsuffixed(n.max(0) as usize);
                        quote!(r.take(#n)?)
                    }
                    (None, Builtin::Blob32) => quote!(r.read_blob32()?),
                    (None, _) => quote!(r.read_blob16()?),
                };
                let check = len_spans(&s.range)
                    .map(|spans| quote!(wire::check_len(bytes.len(), #spans, #c)?;));
                let convert = if s.builtin == Builtin::String {
                    quote!(wire::utf8(bytes, #c)?)
                } else {
                    quote!(bytes.to_vec())
                };
                if check.is_none() {
                    // The common case in one expression (smaller generated code).
                    return if s.builtin == Builtin::String {
                        quote!(wire::utf8(#read, #c)?)
                    } else {
                        quote!(#read.to_vec())
                    };
                }
                quote! {{ let bytes = #read; #check #convert }}
            }
            Builtin::Float64 => {
                let check = float_spans(&s.range)
                    .map(|spans| quote!(wire::check_float_range(x, #spans, #c)?;));
                if check.is_none() && s.divisor == 1 {
                    return quote!(r.read_f64()?);
                }
                let value = if s.divisor == 1 {
                    quote!(x)
                } else {
                    let d = float_lit(f64::from(s.divisor));
                    quote!(x / #d)
                };
                quote! {{ let x = r.read_f64()?; #check #value }}
            }
            b => {
                let read = format_ident!("read_{}", int_suffix(b));
                let check = int_spans(&s.range)
                    .map(|spans| quote!(wire::check_int_range(i128::from(n), #spans, #c)?;));
                let value = if s.divisor == 1 {
                    quote!(n)
                } else {
                    let d = float_lit(f64::from(s.divisor));
                    quote!(n as f64 / #d)
                };
                match check {
                    None if s.divisor == 1 => quote!(r.#read()?),
                    _ => quote! {{ let n = r.#read()?; #check #value }},
                }
            }
        }
    }

    /// The name of a switch's type.
    pub fn switch_ident(&self, s: SwitchId) -> proc_macro2::Ident {
        format_ident!("{}", self.names.switch_type[&s])
    }
}

fn opt_float(x: Option<f64>) -> TokenStream {
    match x {
        Some(x) => {
            let x = float_lit(x);
            quote!(Some(#x))
        }
        None => quote!(None),
    }
}
