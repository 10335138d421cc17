//! Client-side copies of distributed objects: state fields stamped with server ticks.

use crate::ids::{DoId, Location};
use crate::protocol::snapshot::{delta_widths, state_fields, DELTA_WINDOW};
use crate::schema::{ClassInfo, FieldMessage, SchemaInfo};
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
    /// Its integer fields as of the last records applied: the baselines of DELTA
    /// records (built at the first record; `None` until then).
    pub(crate) past: Option<Box<Past>>,
}

/// An object's integer fields ([`delta_widths`]) as of each of the last records
/// applied, in [`DELTA_WINDOW`] slots indexed by `tick % DELTA_WINDOW` (see the
/// protocol's snapshot docs for why that always holds a DELTA's baseline).
#[derive(Clone, Debug)]
pub(crate) struct Past {
    /// `(field number, offset in a slot, size)` of each integer field, by number.
    layout: Vec<(u16, usize, usize)>,
    /// Bytes per slot.
    stride: usize,
    /// The tick each slot holds (valid where `valid` has its bit).
    ticks: [Tick; DELTA_WINDOW as usize],
    valid: u64,
    data: Vec<u8>,
}

impl Past {
    /// The layout of a class's integer fields (empty when it has none).
    fn new(schema: &SchemaInfo, class: &ClassInfo) -> Past {
        let mut layout = Vec::new();
        let mut stride = 0;
        for f in state_fields(schema, class) {
            if let (Some(_), Some(size)) = (delta_widths(f), f.fixed_size) {
                layout.push((f.number, stride, size));
                stride += size;
            }
        }
        Past {
            layout,
            stride,
            ticks: [Tick(0); DELTA_WINDOW as usize],
            valid: 0,
            data: Vec::new(),
        }
    }

    /// The packed value of field `number` at tick `tick`, if held.
    pub(crate) fn value(&self, tick: Tick, number: u16) -> Option<&[u8]> {
        let slot = (tick.0 % DELTA_WINDOW) as usize;
        if self.valid & (1 << slot) == 0 || self.ticks[slot] != tick {
            return None;
        }
        let i = self.layout.binary_search_by_key(&number, |l| l.0).ok()?;
        let (_, offset, size) = self.layout[i];
        let at = slot * self.stride + offset;
        self.data.get(at..at + size)
    }
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

    /// Keeps the integer fields as they are now, the state of `tick` (after a record
    /// of that tick was applied).
    pub(crate) fn remember(&mut self, schema: &SchemaInfo, tick: Tick) {
        let past = self
            .past
            .get_or_insert_with(|| Box::new(Past::new(schema, self.class)));
        if past.layout.is_empty() {
            return;
        }
        if past.data.is_empty() {
            past.data = vec![0; past.stride * DELTA_WINDOW as usize];
        }
        let slot = (tick.0 % DELTA_WINDOW) as usize;
        let start = slot * past.stride;
        for &(number, offset, size) in &past.layout {
            let to = &mut past.data[start + offset..start + offset + size];
            match self.fields.binary_search_by_key(&number, |f| f.0) {
                Ok(i) if self.fields[i].1.value.len() == size => {
                    to.copy_from_slice(&self.fields[i].1.value)
                }
                _ => to.fill(0),
            }
        }
        past.ticks[slot] = tick;
        past.valid |= 1 << slot;
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
