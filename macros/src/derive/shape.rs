//! How a struct field's Rust type binds to a dclass field's parameters.
//!
//! Types are compared by shape: paths by their last segment (so `game::Color`,
//! `Color` and `super::Color` agree, as do `String` and `::std::string::String`),
//! arrays and tuples element by element.

use dcc::rustgen::bind::{BindField, BindParam};
use quote::ToTokens;
use syn::Type;

/// One scalar of a parameter as the struct stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// Stored in the parameter's own Rust type.
    Same,
    /// An `f32` standing for an `f64` parameter.
    F32,
}

/// How a struct field holds a dclass field's arguments.
pub(crate) enum Binding {
    /// The generated argument type itself.
    Message,
    /// One parameter.
    Single(Scalar),
    /// A tuple, one element per parameter.
    Tuple(Vec<Scalar>),
    /// A glam vector or quaternion over float parameters.
    Glam {
        /// Constructor: `new` or `from_xyzw`.
        ctor: &'static str,
        /// Component accessors in parameter order.
        comps: &'static [&'static str],
        /// `f32` components (`Vec3`) rather than `f64` (`DVec3`).
        f32: bool,
    },
}

/// The shape of a type as a string (`Vec<u8>`, `[u16;4]`, `(f64,String)`).
pub(crate) fn shape(ty: &Type) -> String {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return String::new();
            };
            let mut s = last.ident.to_string();
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                let inner: Vec<String> = args
                    .args
                    .iter()
                    .map(|a| match a {
                        syn::GenericArgument::Type(t) => shape(t),
                        other => other.to_token_stream().to_string(),
                    })
                    .collect();
                s = format!("{s}<{}>", inner.join(","));
            }
            s
        }
        Type::Array(a) => format!(
            "[{};{}]",
            shape(&a.elem),
            a.len.to_token_stream().to_string().replace(' ', "")
        ),
        Type::Tuple(t) => {
            let inner: Vec<String> = t.elems.iter().map(shape).collect();
            format!("({})", inner.join(","))
        }
        Type::Paren(p) => shape(&p.elem),
        Type::Group(g) => shape(&g.elem),
        other => other.to_token_stream().to_string().replace(' ', ""),
    }
}

fn param_shapes(p: &BindParam) -> Vec<String> {
    [&p.rust_type, &p.base_type]
        .iter()
        .filter_map(|t| syn::parse2::<Type>((*t).clone()).ok())
        .map(|t| shape(&t))
        .collect()
}

/// How `ty` holds one parameter, if it can.
fn scalar(ty: &Type, p: &BindParam) -> Option<Scalar> {
    let s = shape(ty);
    if param_shapes(p).contains(&s) {
        Some(Scalar::Same)
    } else if p.is_float && s == "f32" {
        Some(Scalar::F32)
    } else {
        None
    }
}

const GLAM: &[(&str, usize, bool, &str, &[&str])] = &[
    ("Vec2", 2, true, "new", &["x", "y"]),
    ("Vec3", 3, true, "new", &["x", "y", "z"]),
    ("Vec3A", 3, true, "new", &["x", "y", "z"]),
    ("Vec4", 4, true, "new", &["x", "y", "z", "w"]),
    ("Quat", 4, true, "from_xyzw", &["x", "y", "z", "w"]),
    ("DVec2", 2, false, "new", &["x", "y"]),
    ("DVec3", 3, false, "new", &["x", "y", "z"]),
    ("DVec4", 4, false, "new", &["x", "y", "z", "w"]),
    ("DQuat", 4, false, "from_xyzw", &["x", "y", "z", "w"]),
];

/// The Rust types a field accepts, for error messages.
pub(crate) fn expected(f: &BindField) -> String {
    let msg = f.message_path.rsplit("::").next().unwrap_or_default();
    let one = |p: &BindParam| {
        let s = param_shapes(p);
        let mut alts: Vec<String> = s.into_iter().collect();
        alts.dedup();
        if p.is_float {
            alts.push("f32".into());
        }
        alts.join(" or ")
    };
    match f.params.as_slice() {
        [p] => format!("{} (or the generated `{msg}`)", one(p)),
        ps => {
            let tuple: Vec<String> = ps.iter().map(one).collect();
            let mut s = format!("a tuple ({})", tuple.join(", "));
            if ps.iter().all(|p| p.is_float) {
                let g: Vec<&str> = GLAM
                    .iter()
                    .filter(|g| g.1 == ps.len())
                    .map(|g| g.0)
                    .collect();
                if !g.is_empty() {
                    s.push_str(&format!(", glam::{{{}}}", g.join(", ")));
                }
            }
            format!("{s} (or the generated `{msg}`)")
        }
    }
}

/// How `ty` binds to field `f`, if it can.
pub(crate) fn bind(ty: &Type, f: &BindField) -> Option<Binding> {
    let s = shape(ty);
    if Some(s.as_str()) == f.message_path.rsplit("::").next() {
        return Some(Binding::Message);
    }
    match f.params.as_slice() {
        [] => None,
        [p] => scalar(ty, p).map(Binding::Single),
        ps => {
            if let Type::Tuple(t) = ty {
                if t.elems.len() != ps.len() {
                    return None;
                }
                let scalars: Option<Vec<Scalar>> =
                    t.elems.iter().zip(ps).map(|(e, p)| scalar(e, p)).collect();
                return scalars.map(Binding::Tuple);
            }
            let &(_, _, f32, ctor, comps) = GLAM.iter().find(|g| g.0 == s)?;
            (comps.len() == ps.len() && ps.iter().all(|p| p.is_float)).then_some(Binding::Glam {
                ctor,
                comps,
                f32,
            })
        }
    }
}
