//! The dynamic packer: DC values ↔ bytes, byte-exact with Panda3D's `DCPacker`.
//!
//! * [`pack_default`] / [`pack_field`] pack a value written in DC value syntax (as
//!   `DCPacker::parse_and_pack` reads it) into a parameter or a field.
//! * [`default_value`] computes Panda's implicit default bytes.
//! * [`unpack_field`] reads bytes back and formats them as Panda's `formatData` does.
//!
//! Everything works over the [`Model`]; nothing here knows about the AST except the
//! parsed [`ast::Value`](crate::ast::Value) input.

use crate::ast::{Builtin, Value, ValueKind};
use crate::model::*;
use crate::source::Span;

mod defaults;
mod encode;
mod measure;
mod size;
mod unpack;
pub use defaults::{default_value, field_default};
pub use encode::{pack_default, pack_field};
pub use measure::{field_fixed_size, measure_field};
pub(crate) use size::{class_fixed_size, switch_fixed_size};
pub use size::{field_int_widths, fixed_size, MAX_INT_WIDTHS};
// Encoding steps the default builder (`defaults.rs`) and the unpacker share.
use encode::{
    begin_prefix, double_path, end_prefix, int_path, pack_bytes, unreachable_pack, write_number,
};
use size::simple_fixed_size;
pub use unpack::{format_g, int_from_le, unpack_field, unpack_param};

/// Why a value could not be packed or unpacked.
#[derive(Clone, Debug, PartialEq)]
pub struct PackError {
    /// Range error (value outside the declared range or length) or another error.
    pub kind: PackErrorKind,
    /// What went wrong, naming the parameter.
    pub message: String,
    /// Where in the value text, when known.
    pub span: Option<Span>,
}

/// The two classes of packing error Panda distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackErrorKind {
    /// The value is outside the allowed range, length or count.
    Range,
    /// The value has the wrong shape or type, or the bytes are malformed.
    Pack,
}

type Result<T> = std::result::Result<T, PackError>;

fn err<T>(kind: PackErrorKind, message: impl Into<String>, span: Option<Span>) -> Result<T> {
    Err(PackError {
        kind,
        message: message.into(),
        span,
    })
}

/// Something values are packed into: a parameter, a field, or an element of a
/// legacy array type.
#[derive(Clone, Copy)]
enum Target<'a> {
    Param(&'a Param),
    Field(FieldId),
    Legacy(Builtin),
    LegacyPair,
}

impl<'a> Target<'a> {
    fn name(&self, model: &'a Model) -> &'a str {
        match self {
            Target::Param(p) => p.name.as_deref().unwrap_or(""),
            Target::Field(f) => &model.field(*f).name,
            _ => "",
        }
    }

    fn describe(&self, model: &Model) -> String {
        match self.name(model) {
            "" => "value".to_string(),
            n => format!("`{n}`"),
        }
    }
}

// ---------------------------------------------------------------- shared by packing and unpacking

/// The nested targets of a struct or class value: constructor, then the inherited
/// non-molecular fields in order.
fn class_targets(model: &Model, class: ClassId) -> Vec<Target<'_>> {
    let c = model.class(class);
    c.constructor
        .iter()
        .chain(c.inherited.iter())
        .copied()
        .filter(|&f| !matches!(model.field(f).kind, FieldKind::Molecular(_)))
        .map(Target::Field)
        .collect()
}

fn field_targets(model: &Model, field: FieldId) -> Option<Vec<Target<'_>>> {
    match &model.field(field).kind {
        FieldKind::Atomic(params) => Some(params.iter().map(Target::Param).collect()),
        FieldKind::Molecular(atoms) => Some(atoms.iter().map(|&a| Target::Field(a)).collect()),
        FieldKind::Parameter(_) => None,
    }
}

/// The fields after the key for packed key bytes: the matching case, or the default.
pub fn select_case<'a>(s: &'a Switch, key: &[u8]) -> Option<&'a [Param]> {
    s.cases
        .iter()
        .find(|c| c.value == key)
        .map(|c| c.fields.as_slice())
        .or(s.default.as_deref())
}

fn legacy_element(b: Builtin) -> Option<Target<'static>> {
    Some(match b {
        Builtin::Int8Array => Target::Legacy(Builtin::Int8),
        Builtin::Int16Array => Target::Legacy(Builtin::Int16),
        Builtin::Int32Array => Target::Legacy(Builtin::Int32),
        Builtin::Uint8Array => Target::Legacy(Builtin::Uint8),
        Builtin::Uint16Array => Target::Legacy(Builtin::Uint16),
        Builtin::Uint32Array => Target::Legacy(Builtin::Uint32),
        Builtin::Uint32Uint8Array => Target::LegacyPair,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::format_g;

    #[test]
    fn format_g_matches_cpp_ostream() {
        // Seen from Panda3D's formatData.
        assert_eq!(format_g(std::f64::consts::PI), "3.14159");
        assert_eq!(format_g(1e-5), "1e-05");
        assert_eq!(format_g(123456.0), "123456");
        assert_eq!(format_g(1234567.0), "1.23457e+06");
        assert_eq!(format_g(1e20), "1e+20");
        assert_eq!(format_g(0.0001), "0.0001");
        assert_eq!(format_g(0.00001234), "1.234e-05");
        assert_eq!(format_g(100.0), "100");
        assert_eq!(format_g(-2.0), "-2");
        assert_eq!(format_g(1.5e-300), "1.5e-300");
        assert_eq!(format_g(f64::INFINITY), "inf");
    }
}
