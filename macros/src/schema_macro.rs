//! `dc_schema!("a.dc", "b.dc")`: the generated module's items, in place.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{LitStr, Token};

/// Expands the macro input (string literals, comma-separated).
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    match try_expand(input) {
        Ok(t) => t,
        Err(e) => e.into_compile_error(),
    }
}

fn try_expand(input: TokenStream) -> syn::Result<TokenStream> {
    let lits = Punctuated::<LitStr, Token![,]>::parse_terminated.parse2(input)?;
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
    let files: Vec<String> = lits.iter().map(LitStr::value).collect();
    let (config, tracked) = crate::paths::config(&files).map_err(|e| syn::Error::new(span, e))?;
    let items = config
        .generate_tokens()
        .map_err(|e| syn::Error::new(span, crate::paths::message(&e)))?;
    Ok(quote::quote! {
        #tracked
        #items
    })
}
