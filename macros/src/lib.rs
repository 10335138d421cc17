//! Procedural macros for `pipes` (re-exported by `pipes` under its default `macros`
//! feature).
//!
//! * [`dc_schema!`]: compiles `.dc` files at build time, without a `build.rs`, into
//!   the same module `pipes-build` writes (one code path: `pipes_build::Config`).
//! * [`DistributedObject`]: binds a game struct to a dclass, implementing
//!   `pipes::bind::Replicated` (pack state from the struct, apply received state).
//!
//! Schema paths are relative to the calling crate's `CARGO_MANIFEST_DIR`.

mod derive;
mod paths;
mod schema_macro;

use proc_macro::TokenStream;

/// Compiles `.dc` schema files (loaded in order into one schema) into the items of
/// the generated module, in place.
///
/// ```ignore
/// mod game {
///     pipes::dc_schema!("schemas/otp.dc", "schemas/game.dc");
/// }
/// let pos = game::distributed_avatar::SetPos { x: 1.0, y: 2.0, z: 0.0 };
/// ```
///
/// After the paths, `derive(Clone, Debug, PartialEq)` (any of them) adds those
/// derives to every generated type and `field_enums` generates each dclass module's
/// `Field` enum (both off by default, as with `dcc build --rust`).
///
/// Invoke it once per module (the expansion has a `use ::pipes::wire;`); the
/// expansion includes the files' bytes so cargo recompiles when they change. Schema
/// errors are compile errors carrying the compiler's diagnostics (file:line:col,
/// excerpt and caret).
#[proc_macro]
pub fn dc_schema(input: TokenStream) -> TokenStream {
    schema_macro::expand(input.into()).into()
}

/// Binds a game struct to a dclass: `impl pipes::bind::Replicated`.
///
/// ```ignore
/// mod game { pipes::dc_schema!("schemas/example.dc"); }
///
/// #[derive(pipes::DistributedObject)]
/// #[dclass(DistributedAvatar, schema = "schemas/example.dc", module = crate::game)]
/// struct Avatar {
///     name: String,            // setName(string(1-32) name)
///     color: game::Color,      // setColor(Color color)
///     pos: pipes::glam::Vec3,  // setPos(int32/100 x, int32/100 y, int32/100 z)
///     #[dc(field = "setH")]
///     heading: f32,            // setH(int16 % 360 / 10 h)
///     #[dc(skip)]
///     local_only: u32,         // not replicated
/// }
/// ```
///
/// # `#[dclass(...)]`, once on the struct
/// * the dclass name first (required);
/// * `schema = "path.dc"` (required; repeat it for several files, loaded in order,
///   as given to `dc_schema!`);
/// * `module = path` (default `self`): where the schema's generated module is
///   (`dc_schema!` or `pipes::include_schema!`); the derive checks at compile time
///   that it was generated from the same schema (hash and class id);
/// * `allow_missing`: do not require every `required` field to be bound.
///
/// # Which dclass field a struct field binds to
/// `#[dc(field = "setPos")]` names it. Otherwise the struct field `foo_bar` binds
/// to the field whose snake-case name is `foo_bar`, else to the one whose
/// snake-case name is `set_foo_bar` (`fooBar`, `setFooBar`, `set_foo_bar`).
/// `#[dc(skip)]` leaves a struct field out. Only `ram`/`required` fields bind.
///
/// # Types
/// * one parameter: its generated Rust type (`u8`, `i32`, `String`, `Vec<u8>`,
///   `Color`, `[u16; 4]`, the typedef alias or its target), and `f32` for `f64`
///   parameters (float64 and divisor-scaled integers);
/// * several parameters: a tuple of those types, or a glam type over a run of
///   float parameters: `Vec2`/`DVec2` (2), `Vec3`/`DVec3` (3), `Vec4`/`DVec4` and
///   `Quat`/`DQuat` (4, in x y z w order);
/// * any field: the generated argument type itself (`distributed_avatar::SetPos`).
///
/// Packing runs the generator's own packing code for the field, so the bytes equal
/// the generated `FieldMessage`'s; applying unpacks with the generated type.
/// Mistakes (unknown dclass or field, wrong type, unbound `required` field) are
/// compile errors pointing at the attribute or the field.
#[proc_macro_derive(DistributedObject, attributes(dclass, dc))]
pub fn derive_distributed_object(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
