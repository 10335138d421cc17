//! `dc_schema!("a.dc", "b.dc", derive(Clone, Debug, PartialEq), field_enums)`: the
//! generated module's items, in place.

use proc_macro2::{Ident, Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{LitStr, Token};

/// Expands the macro input (string literals, then optional `derive(...)` and
/// `field_enums`, comma-separated).
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    match try_expand(input) {
        Ok(t) => t,
        Err(e) => e.into_compile_error(),
    }
}

/// One argument: a schema path, `derive(Clone, Debug, PartialEq)` or `field_enums`.
enum Arg {
    File(LitStr),
    Derive(Vec<Ident>),
    FieldEnums,
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return input.parse().map(Arg::File);
        }
        let name: Ident = input.parse()?;
        if name == "field_enums" {
            return Ok(Arg::FieldEnums);
        }
        if name != "derive" {
            return Err(syn::Error::new(
                name.span(),
                "dc_schema!: expected a .dc path, `derive(...)` or `field_enums`",
            ));
        }
        let content;
        syn::parenthesized!(content in input);
        let traits = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
        Ok(Arg::Derive(traits.into_iter().collect()))
    }
}

fn try_expand(input: TokenStream) -> syn::Result<TokenStream> {
    let args = Punctuated::<Arg, Token![,]>::parse_terminated.parse2(input)?;
    let mut lits = Vec::new();
    let mut derives = Vec::new();
    let mut field_enums = false;
    for arg in args {
        match arg {
            Arg::File(l) => lits.push(l),
            Arg::Derive(traits) => derives.extend(traits),
            Arg::FieldEnums => field_enums = true,
        }
    }
    let span = lits
        .first()
        .map(LitStr::span)
        .unwrap_or_else(Span::call_site);
    if lits.is_empty() {
        return Err(syn::Error::new(
            span,
            "dc_schema!: give one or more .dc paths, e.g. dc_schema!(\"schemas/game.dc\")",
        ));
    }
    let mut list = Vec::new();
    for t in &derives {
        let name = match t.to_string().as_str() {
            "Clone" => "clone",
            "Debug" => "debug",
            "PartialEq" => "eq",
            _ => {
                return Err(syn::Error::new(
                    t.span(),
                    "dc_schema!: derive takes Clone, Debug and PartialEq",
                ))
            }
        };
        list.push(name);
    }
    let files: Vec<String> = lits.iter().map(LitStr::value).collect();
    let (mut config, tracked) =
        crate::paths::config(&files).map_err(|e| syn::Error::new(span, e))?;
    config.derive(&list.join(",")).field_enums(field_enums);
    let items = config
        .generate_tokens()
        .map_err(|e| syn::Error::new(span, crate::paths::message(&e)))?;
    Ok(quote::quote! {
        #tracked
        #items
    })
}
