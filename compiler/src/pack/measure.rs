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
/// alone and allocate nothing; variable-size ones are walked (length prefixes, array
/// element sizes, switch cases) with a scratch string. Declared value ranges such as
/// `string(0-4)` or `uint8(0-15)` are not checked.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let dc = "dclass T { a(int16, uint32); b(string(0-4)); c : a, b; d(uint8 [] ); };";
        crate::load_sources(&[("t.dc", dc.as_bytes())], crate::Options::default()).expect("schema")
    }

    fn field(m: &Model, name: &str) -> FieldId {
        FieldId(m.fields.iter().position(|f| f.name == name).expect("field") as u32)
    }

    #[test]
    fn measures_fixed_and_variable_fields() {
        let m = model();
        let a = field(&m, "a");
        assert_eq!(field_fixed_size(&m, a), Some(6));
        assert_eq!(measure_field(&m, a, &[0; 9]), Ok(6));
        assert!(measure_field(&m, a, &[0; 5]).is_err());
        let b = field(&m, "b");
        assert_eq!(field_fixed_size(&m, b), None);
        assert_eq!(measure_field(&m, b, b"\x02\x00hi+extra"), Ok(4));
        assert!(measure_field(&m, b, b"\x02\x00h").is_err());
        // Structure only: the declared length range (0-4) is not checked here.
        assert_eq!(measure_field(&m, b, b"\x05\x00hello"), Ok(7));
        let c = field(&m, "c");
        assert_eq!(measure_field(&m, c, &[0, 0, 0, 0, 0, 0, 1, 0, b'x']), Ok(9));
        let d = field(&m, "d");
        assert_eq!(measure_field(&m, d, &[2, 0, 7, 8, 9]), Ok(4));
    }
}
