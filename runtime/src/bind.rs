//! Game structs bound to dclasses: the trait `#[derive(DistributedObject)]` implements.
//!
//! A bound struct holds the replicated state of one dclass in the game's own types
//! (`glam::Vec3` for `setPos(float64 x, float64 y, float64 z)`, `String` for a name).
//! The runtime reads state from it field by field to send (server side, generates
//! and updates) and applies received field bytes to it (client side). The bytes
//! are exactly those of the generated `FieldMessage` of the same field.

use crate::wire::WireResult;

/// A struct whose fields mirror the state (`ram`/`required`) fields of a dclass.
pub trait Replicated {
    /// The dclass name in the schema.
    const CLASS: &'static str;
    /// The dclass id (index in Panda's class list).
    const CLASS_ID: u16;
    /// The (atomic or parameter) field numbers the struct holds, ascending. The
    /// struct also packs and applies each molecular field of the class whose atoms
    /// it all holds (`setPosH : setPos, setH`), which is not listed here.
    const FIELDS: &'static [u16];

    /// Appends the packed arguments of field `number` to `out`; `Ok(false)` when the
    /// struct does not hold that field (nothing is written).
    fn pack_field(&self, number: u16, out: &mut Vec<u8>) -> WireResult<bool>;

    /// Sets the struct's field from exactly `bytes`, the packed arguments of field
    /// `number`; `Ok(false)` when the struct does not hold that field. On error the
    /// struct is unchanged.
    fn apply_field(&mut self, number: u16, bytes: &[u8]) -> WireResult<bool>;

    /// Packs every held field, in number order, as `(number, bytes)` pairs.
    fn pack_state(&self) -> WireResult<Vec<(u16, Vec<u8>)>> {
        let mut out = Vec::with_capacity(Self::FIELDS.len());
        for &n in Self::FIELDS {
            let mut bytes = Vec::new();
            if self.pack_field(n, &mut bytes)? {
                out.push((n, bytes));
            }
        }
        Ok(out)
    }
}
