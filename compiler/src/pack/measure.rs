//! Measuring: how many bytes one field's packed value takes at the start of a buffer,
//! validating it on the way (for relays that forward bytes without decoding them).

use super::unpack::format_prefix;
use super::*;

/// The packed size of a field when every value has the same size (no strings, blobs,
/// variable arrays or switches), or `None`.
pub fn field_fixed_size(model: &Model, field: FieldId) -> Option<usize> {
    match &model.field(field).kind {
        FieldKind::Parameter(p) => fixed_size(model, &p.ty),
        FieldKind::Atomic(params) => params
            .iter()
            .try_fold(0usize, |acc, p| Some(acc + fixed_size(model, &p.ty)?)),
        FieldKind::Molecular(atoms) => atoms
            .iter()
            .try_fold(0usize, |acc, &a| Some(acc + field_fixed_size(model, a)?)),
    }
}

/// Validates the packed value of `field` at the start of `bytes` and returns its length.
///
/// Bytes after the value are not looked at. Fixed-size fields are checked by length
/// alone and allocate nothing; variable-size ones are walked (ranges, lengths, switch
/// cases) with a scratch string.
pub fn measure_field(model: &Model, field: FieldId, bytes: &[u8]) -> Result<usize> {
    if let Some(n) = field_fixed_size(model, field) {
        if bytes.len() < n {
            return err(
                PackErrorKind::Pack,
                format!(
                    "unexpected end of data: `{}` needs {n} bytes, {} left",
                    model.field(field).name,
                    bytes.len()
                ),
                None,
            );
        }
        return Ok(n);
    }
    format_prefix(model, field, bytes)
}
