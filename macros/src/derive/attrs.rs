//! Parsing `#[dclass(Name, schema = "..", module = path, allow_missing)]` and
//! `#[dc(field = "..")]` / `#[dc(skip)]`.

use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Path};

/// The struct-level attribute.
pub(crate) struct ClassAttr {
    /// The dclass name, where it is written.
    pub class: Ident,
    /// Schema files in load order.
    pub schema: Vec<LitStr>,
    /// The generated module's path (`self` by default).
    pub module: Path,
    /// Required fields may stay unbound.
    pub allow_missing: bool,
}

/// A field-level attribute.
#[derive(Default)]
pub(crate) struct FieldAttr {
    /// Explicit dclass field name.
    pub field: Option<LitStr>,
    /// Not replicated.
    pub skip: bool,
}

const DCLASS_USAGE: &str = "expected #[dclass(ClassName, schema = \"path/to/file.dc\")] \
     (optional: module = path::to::generated, allow_missing)";

/// Reads the one `#[dclass(...)]` of a struct.
pub(crate) fn class_attr(
    attrs: &[Attribute],
    struct_span: proc_macro2::Span,
) -> syn::Result<ClassAttr> {
    let mut found = attrs.iter().filter(|a| a.path().is_ident("dclass"));
    let Some(attr) = found.next() else {
        return Err(syn::Error::new(
            struct_span,
            format!(
                "#[derive(DistributedObject)] needs a #[dclass(...)] attribute: {DCLASS_USAGE}"
            ),
        ));
    };
    if let Some(extra) = found.next() {
        return Err(syn::Error::new(
            extra.meta.path().span(),
            "only one #[dclass(...)] attribute is allowed",
        ));
    }
    let mut class: Option<Ident> = None;
    let mut schema = Vec::new();
    let mut module: Option<Path> = None;
    let mut allow_missing = false;
    attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("schema") {
            schema.push(meta.value()?.parse::<LitStr>()?);
        } else if meta.path.is_ident("module") {
            module = Some(meta.value()?.parse::<Path>()?);
        } else if meta.path.is_ident("allow_missing") {
            allow_missing = true;
        } else if let (Some(id), true, None) = (
            meta.path.get_ident(),
            meta.input.is_empty() || meta.input.peek(syn::Token![,]),
            &class,
        ) {
            class = Some(id.clone());
        } else {
            return Err(meta.error(format!("unknown #[dclass] argument: {DCLASS_USAGE}")));
        }
        Ok(())
    })?;
    let class = class.ok_or_else(|| {
        syn::Error::new(
            attr.meta.path().span(),
            format!("missing the dclass name: {DCLASS_USAGE}"),
        )
    })?;
    if schema.is_empty() {
        return Err(syn::Error::new(
            attr.meta.path().span(),
            format!("missing `schema = \"...\"`: {DCLASS_USAGE}"),
        ));
    }
    let module = module.unwrap_or_else(|| syn::parse_quote!(self));
    Ok(ClassAttr {
        class,
        schema,
        module,
        allow_missing,
    })
}

/// Reads the `#[dc(...)]` attributes of a field.
pub(crate) fn field_attr(attrs: &[Attribute]) -> syn::Result<FieldAttr> {
    let mut out = FieldAttr::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("dc")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("field") {
                out.field = Some(meta.value()?.parse::<LitStr>()?);
            } else if meta.path.is_ident("skip") {
                out.skip = true;
            } else {
                return Err(meta.error(
                    "unknown #[dc] argument: expected #[dc(field = \"setPos\")] or #[dc(skip)]",
                ));
            }
            Ok(())
        })?;
    }
    if out.skip {
        if let Some(f) = &out.field {
            return Err(syn::Error::new(
                f.span(),
                "#[dc(skip)] and #[dc(field = ...)] exclude each other",
            ));
        }
    }
    Ok(out)
}
