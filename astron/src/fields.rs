//! Field values, REQUIRED and OTHER sections, driven by the generated schema.
//!
//! A value is carried as its packed bytes plus its field number, so the Astron layer
//! never needs the game's types; the game converts with [`FieldValue::new`] and
//! [`FieldValue::decode`] using the generated [`FieldMessage`] types. Where a value
//! ends is found with the schema's per-field `skip` function, which also validates
//! ranges and lengths.
//!
//! * REQUIRED: the values of the class's `required` non-molecular fields (own and
//!   inherited) in ascending field number, without field ids. Which of them are
//!   present depends on who receives it ([`Visibility`]).
//! * OTHER: `uint16 count`, then `(uint16 field, value)` pairs.

use super::{AstronError, AstronResult};
use pipes::schema::{ClassInfo, FieldFlags, FieldInfo, FieldKind, FieldMessage, SchemaInfo};
use pipes::wire::{self, Reader};

/// One field value: the field number and the packed value bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldValue {
    /// The field number (Panda's `DCField::get_number()`).
    pub number: u16,
    /// The packed value, exactly as Panda3D's `DCPacker` writes it.
    pub bytes: Vec<u8>,
}

impl FieldValue {
    /// Packs a generated field message.
    pub fn new<M: FieldMessage>(message: &M) -> AstronResult<FieldValue> {
        Ok(FieldValue {
            number: M::NUMBER,
            bytes: message.to_bytes().map_err(AstronError::wire(M::NAME))?,
        })
    }

    /// Unpacks into a generated field message; fails when the number is another field's.
    pub fn decode<M: FieldMessage>(&self) -> AstronResult<M> {
        if self.number != M::NUMBER {
            return Err(AstronError::UnknownField {
                field: self.number,
                class: None,
            });
        }
        M::from_bytes(&self.bytes).map_err(AstronError::wire(M::NAME))
    }

    /// Whether this is the value of field message type `M`.
    pub fn is<M: FieldMessage>(&self) -> bool {
        self.number == M::NUMBER
    }
}

/// Who a REQUIRED section is built for; Astron filters fields by keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Every required field (state server creates, AI entries, GET_ALL).
    All,
    /// `broadcast` or `clrecv` fields (client entries, location and interest entries).
    Client,
    /// `broadcast`, `clrecv` or `ownrecv` fields (owner views).
    Owner,
}

impl Visibility {
    /// Whether a field is included for this audience.
    pub fn includes(self, field: &FieldInfo) -> bool {
        let client = FieldFlags::BROADCAST.0 | FieldFlags::CLRECV.0;
        match self {
            Visibility::All => true,
            Visibility::Client => field.flags.0 & client != 0,
            Visibility::Owner => field.flags.0 & (client | FieldFlags::OWNRECV.0) != 0,
        }
    }
}

/// The dclass with this id (structs are not dclasses).
pub fn dclass(schema: &'static SchemaInfo, id: u16) -> AstronResult<&'static ClassInfo> {
    match schema.class(id) {
        Some(c) if !c.is_struct => Ok(c),
        _ => Err(AstronError::UnknownClass { class: id }),
    }
}

/// The fields a REQUIRED section holds for `class` and `visibility`, in wire order.
pub fn required_fields(
    schema: &'static SchemaInfo,
    class: &'static ClassInfo,
    visibility: Visibility,
) -> impl Iterator<Item = &'static FieldInfo> {
    class
        .required
        .iter()
        .filter_map(move |&n| schema.field(n))
        .filter(move |f| f.kind != FieldKind::Molecular && visibility.includes(f))
}

/// Reads one value of field `number`; `class` (when given) must have that field.
pub fn read_value(
    schema: &'static SchemaInfo,
    class: Option<&ClassInfo>,
    number: u16,
    r: &mut Reader<'_>,
) -> AstronResult<FieldValue> {
    let unknown = AstronError::UnknownField {
        field: number,
        class: class.map(|c| c.number),
    };
    let field = schema.field(number).ok_or(unknown.clone())?;
    if class.is_some_and(|c| !c.has_field(number)) {
        return Err(unknown);
    }
    // Find the value's end on a copy of the reader, then take exactly those bytes
    // (a checked read: no slicing by a computed length).
    let wire_error = |error| AstronError::Wire {
        context: field.name,
        error,
    };
    let mut probe = r.clone();
    (field.skip)(&mut probe).map_err(wire_error)?;
    let len = probe.position().saturating_sub(r.position());
    let bytes = r.take(len).map_err(wire_error)?.to_vec();
    Ok(FieldValue { number, bytes })
}

/// Reads `uint16 field, value`.
pub fn read_field(
    schema: &'static SchemaInfo,
    class: Option<&ClassInfo>,
    r: &mut Reader<'_>,
) -> AstronResult<FieldValue> {
    let number = r.read_u16().map_err(AstronError::wire("field number"))?;
    read_value(schema, class, number, r)
}

/// Appends `uint16 field, value`.
pub fn write_field(out: &mut Vec<u8>, value: &FieldValue) {
    wire::put_u16(out, value.number);
    out.extend_from_slice(&value.bytes);
}

/// Appends a REQUIRED section: for each required field, the value in `provided` or else
/// the schema default. Fails on provided fields the section does not hold.
pub fn write_required(
    schema: &'static SchemaInfo,
    class: &'static ClassInfo,
    visibility: Visibility,
    provided: &[FieldValue],
    out: &mut Vec<u8>,
) -> AstronResult<()> {
    let mut used = 0;
    for field in required_fields(schema, class, visibility) {
        match provided.iter().find(|v| v.number == field.number) {
            Some(v) => {
                field
                    .validate(&v.bytes)
                    .map_err(AstronError::wire(field.name))?;
                out.extend_from_slice(&v.bytes);
                used += 1;
            }
            None => out.extend_from_slice(field.default),
        }
    }
    if used != provided.len() {
        let stray = provided
            .iter()
            .find(|v| !required_fields(schema, class, visibility).any(|f| f.number == v.number));
        if let Some(v) = stray {
            return Err(AstronError::UnknownField {
                field: v.number,
                class: Some(class.number),
            });
        }
    }
    Ok(())
}

/// Reads a REQUIRED section.
pub fn read_required(
    schema: &'static SchemaInfo,
    class: &'static ClassInfo,
    visibility: Visibility,
    r: &mut Reader<'_>,
) -> AstronResult<Vec<FieldValue>> {
    required_fields(schema, class, visibility)
        .map(|f| read_value(schema, Some(class), f.number, r))
        .collect()
}

/// Appends an OTHER section (`uint16 count`, then `(field, value)*`).
pub fn write_other(out: &mut Vec<u8>, values: &[FieldValue]) -> AstronResult<()> {
    let n = u16::try_from(values.len()).map_err(|_| AstronError::TooLarge { len: values.len() })?;
    wire::put_u16(out, n);
    for v in values {
        write_field(out, v);
    }
    Ok(())
}

/// Reads an OTHER section; every field must belong to `class` when given.
pub fn read_other(
    schema: &'static SchemaInfo,
    class: Option<&ClassInfo>,
    r: &mut Reader<'_>,
) -> AstronResult<Vec<FieldValue>> {
    let n = r.read_u16().map_err(AstronError::wire("field count"))?;
    (0..n).map(|_| read_field(schema, class, r)).collect()
}

/// Checks a value against its field's type, and that `class` has the field.
pub fn check_value(
    schema: &'static SchemaInfo,
    class: &ClassInfo,
    value: &FieldValue,
) -> AstronResult<&'static FieldInfo> {
    let field = schema
        .field(value.number)
        .filter(|_| class.has_field(value.number))
        .ok_or(AstronError::UnknownField {
            field: value.number,
            class: Some(class.number),
        })?;
    field
        .validate(&value.bytes)
        .map_err(AstronError::wire(field.name))?;
    Ok(field)
}
