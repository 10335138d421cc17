//! Client-side copies of distributed objects: state fields stamped with server ticks.

use crate::ids::{DoId, Location};
use crate::schema::{ClassInfo, FieldMessage};
use crate::time::Tick;
use crate::wire::WireResult;

/// Where an object is in its client-side life (Panda3D's `DOState`, in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lifecycle {
    /// Created, state not applied yet.
    Fresh,
    /// State applied (Panda's `generate`).
    Generated,
    /// Announced to the game (Panda's `announceGenerate`); updates flow.
    Alive,
    /// Left the view; no more updates or messages.
    Disabled,
    /// Gone.
    Deleted,
}

/// A state field's latest value and the server tick it describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldValue {
    /// Packed value (validated against the field on receipt).
    pub value: Vec<u8>,
    /// The server tick whose state this value is (for interpolation: sample time
    /// `tick / tick_rate` on the server timeline).
    pub tick: Tick,
}

/// A distributed object as this client sees it (client view, or owner view).
#[derive(Clone, Debug)]
pub struct ClientObject {
    pub(crate) id: DoId,
    pub(crate) class: &'static ClassInfo,
    pub(crate) location: Location,
    pub(crate) owned: bool,
    pub(crate) lifecycle: Lifecycle,
    /// Tick of the snapshot that created this copy.
    pub(crate) generated_at: Tick,
    /// Tick of the newest record applied.
    pub(crate) applied: Tick,
    /// State fields, sorted by field number.
    pub(crate) fields: Vec<(u16, FieldValue)>,
}

impl ClientObject {
    /// The object's id.
    pub fn id(&self) -> DoId {
        self.id
    }

    /// Its dclass.
    pub fn class(&self) -> &'static ClassInfo {
        self.class
    }

    /// Its location.
    pub fn location(&self) -> Location {
        self.location
    }

    /// Whether this client owns it (owner view).
    pub fn owned(&self) -> bool {
        self.owned
    }

    /// Its lifecycle stage.
    pub fn lifecycle(&self) -> Lifecycle {
        self.lifecycle
    }

    /// The server tick of the newest state applied.
    pub fn state_tick(&self) -> Tick {
        self.applied
    }

    /// A state field's value and tick.
    pub fn field(&self, number: u16) -> Option<&FieldValue> {
        let i = self.fields.binary_search_by_key(&number, |f| f.0).ok()?;
        Some(&self.fields[i].1)
    }

    /// A state field, typed.
    pub fn get<F: FieldMessage>(&self) -> Option<WireResult<F>> {
        self.field(F::NUMBER).map(|v| F::from_bytes(&v.value))
    }

    /// All state fields received, by number.
    pub fn fields(&self) -> impl Iterator<Item = (u16, &FieldValue)> {
        self.fields.iter().map(|(n, v)| (*n, v))
    }

    /// Stores a field's value as of `tick`; returns whether the bytes differ from what
    /// was stored (a resent, unchanged value returns false).
    pub(crate) fn set(&mut self, number: u16, value: &[u8], tick: Tick) -> bool {
        match self.fields.binary_search_by_key(&number, |f| f.0) {
            Ok(i) => {
                let slot = &mut self.fields[i].1;
                slot.tick = tick;
                if slot.value == value {
                    return false;
                }
                slot.value.clear();
                slot.value.extend_from_slice(value);
                true
            }
            Err(i) => {
                let field = FieldValue {
                    value: value.to_vec(),
                    tick,
                };
                self.fields.insert(i, (number, field));
                true
            }
        }
    }
}
