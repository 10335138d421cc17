//! The server's objects: class, location, owner and state fields with change ticks.

use super::error::ServerError;
use crate::ids::{ClientId, DetMap, DoId, Location};
use crate::schema::{ClassInfo, FieldFlags, FieldInfo, FieldKind, SchemaInfo};
use crate::time::Tick;

/// Longest value kept inside its slot (longer ones go to the heap).
const INLINE: usize = 22;

/// A packed field value, kept inside its slot when short (most state fields are a few
/// numbers), so setting or sending it touches no memory beyond the object's slots: in a
/// large world each extra pointer is a cache miss per change (issue 16 item 6).
#[derive(Clone)]
pub(crate) enum Value {
    /// Up to [`INLINE`] bytes.
    Inline {
        /// Bytes used.
        len: u8,
        /// The bytes, `len` of them meaningful.
        bytes: [u8; INLINE],
    },
    /// Longer values.
    Heap(Vec<u8>),
}

impl Value {
    /// A value holding `b`.
    pub(crate) fn new(b: &[u8]) -> Value {
        let mut v = Value::Inline {
            len: 0,
            bytes: [0; INLINE],
        };
        v.set(b);
        v
    }

    /// Replaces the value with `b` (reusing a heap buffer when there is one).
    pub(crate) fn set(&mut self, b: &[u8]) {
        match self {
            Value::Heap(v) if b.len() > INLINE => {
                v.clear();
                v.extend_from_slice(b);
            }
            _ if b.len() <= INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..b.len()].copy_from_slice(b);
                *self = Value::Inline {
                    len: b.len() as u8,
                    bytes,
                };
            }
            _ => *self = Value::Heap(b.to_vec()),
        }
    }

    /// The packed bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Value::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Value::Heap(v) => v,
        }
    }
}

impl std::ops::Deref for Value {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

/// One state (`ram`/`required`) field of an object: its value and when it last changed.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    /// Field number.
    pub(crate) number: u16,
    /// Packed value.
    pub(crate) value: Value,
    /// The tick of the last change.
    pub(crate) tick: Tick,
    /// Sent to every client that sees the object.
    pub(crate) to_all: bool,
    /// Sent to the owner (all `to_all` fields, plus `ownrecv` ones).
    pub(crate) to_owner: bool,
}

impl Slot {
    /// Whether a client (owning the object or not) receives this field.
    pub(crate) fn visible_to(&self, owned: bool) -> bool {
        self.to_all || (owned && self.to_owner)
    }
}

/// A distributed object on the server (the AI view).
#[derive(Clone, Debug)]
pub(crate) struct ServerObject {
    pub(crate) class: &'static ClassInfo,
    pub(crate) location: Location,
    pub(crate) owner: Option<ClientId>,
    /// State fields, sorted by field number.
    pub(crate) slots: Vec<Slot>,
    /// Tick of the last location change.
    pub(crate) location_tick: Tick,
    /// Latest of the slot ticks and the location tick.
    pub(crate) changed_tick: Tick,
    /// The game's priority for this object (default 1), see `Server::set_priority`.
    pub(crate) priority: f32,
    /// Its integer state at the last ticks an update of it was written: the
    /// baselines of value deltas (`None` until the first update).
    pub(crate) past: Option<Box<super::past::Past>>,
    /// The tick an update of it was last written (to any client): an object gets its
    /// `past` once two updates come within [`crate::protocol::snapshot::DELTA_WINDOW`]
    /// ticks (one that rarely changes would keep states no delta uses).
    pub(crate) written: Tick,
}

impl ServerObject {
    /// The slot of a field, if it is a state field of this object.
    pub(crate) fn slot(&self, number: u16) -> Option<&Slot> {
        let i = self
            .slots
            .binary_search_by_key(&number, |s| s.number)
            .ok()?;
        self.slots.get(i)
    }
}

/// Whether a field is replicated state: `ram` or `required`, not molecular (a molecular
/// field is an alias of its atomic parts, which carry the state).
pub(crate) fn is_state_field(f: &FieldInfo) -> bool {
    f.is_state() && f.kind != FieldKind::Molecular
}

fn new_slot(f: &FieldInfo, tick: Tick) -> Slot {
    let to_all =
        f.flags.0 & (FieldFlags::BROADCAST.0 | FieldFlags::CLRECV.0 | FieldFlags::REQUIRED.0) != 0;
    Slot {
        number: f.number,
        value: Value::new(f.default),
        tick,
        to_all,
        to_owner: to_all || f.has(FieldFlags::OWNRECV),
    }
}

/// All objects, by id, with id allocation.
#[derive(Debug, Default)]
pub(crate) struct ObjectStore {
    objects: DetMap<DoId, ServerObject>,
    next_id: u32,
}

impl ObjectStore {
    pub(crate) fn get(&self, id: DoId) -> Option<&ServerObject> {
        self.objects.get(&id)
    }

    pub(crate) fn get_mut(&mut self, id: DoId) -> Option<&mut ServerObject> {
        self.objects.get_mut(&id)
    }

    pub(crate) fn len(&self) -> usize {
        self.objects.len()
    }

    pub(crate) fn ids(&self) -> impl Iterator<Item = DoId> + '_ {
        self.objects.keys().copied()
    }

    /// A fresh id: counts up from 1 (0 is the root), skipping ids in use after a wrap.
    fn allocate(&mut self) -> DoId {
        for _ in 0..=self.objects.len() {
            self.next_id = self.next_id.wrapping_add(1).max(1);
            let id = DoId(self.next_id);
            if !self.objects.contains_key(&id) {
                return id;
            }
        }
        // Unreachable: among len + 1 consecutive ids one is free.
        DoId(self.next_id)
    }

    /// Creates an object with default state, then applies `fields` (checked).
    pub(crate) fn create(
        &mut self,
        schema: &'static SchemaInfo,
        class: u16,
        location: Location,
        owner: Option<ClientId>,
        fields: &[(u16, &[u8])],
        tick: Tick,
    ) -> Result<DoId, ServerError> {
        let info = schema
            .class(class)
            .ok_or(ServerError::UnknownClass(class))?;
        if info.is_struct {
            return Err(ServerError::NotAClass(info.name));
        }
        let mut slots: Vec<Slot> = info
            .fields
            .iter()
            .filter_map(|&n| schema.field(n))
            .filter(|f| is_state_field(f))
            .map(|f| new_slot(f, tick))
            .collect();
        slots.sort_by_key(|s| s.number);
        for &(number, bytes) in fields {
            let f = check_state_field(schema, info, number)?;
            f.validate(bytes).map_err(|error| ServerError::BadValue {
                field: f.name,
                error,
            })?;
            if let Ok(i) = slots.binary_search_by_key(&number, |s| s.number) {
                slots[i].value.set(bytes);
            }
        }
        let id = self.allocate();
        self.objects.insert(
            id,
            ServerObject {
                class: info,
                location,
                owner,
                slots,
                location_tick: tick,
                changed_tick: tick,
                priority: 1.0,
                past: None,
                written: Tick(0),
            },
        );
        Ok(id)
    }

    /// Sets a state field; returns whether the value changed (and was stamped).
    pub(crate) fn set_field(
        &mut self,
        schema: &'static SchemaInfo,
        id: DoId,
        number: u16,
        bytes: &[u8],
        tick: Tick,
    ) -> Result<bool, ServerError> {
        let obj = self
            .objects
            .get_mut(&id)
            .ok_or(ServerError::UnknownObject(id))?;
        let f = check_state_field(schema, obj.class, number)?;
        f.validate(bytes).map_err(|error| ServerError::BadValue {
            field: f.name,
            error,
        })?;
        let i = obj
            .slots
            .binary_search_by_key(&number, |s| s.number)
            .map_err(|_| ServerError::NotStateField(f.name))?;
        let slot = &mut obj.slots[i];
        if slot.value.as_slice() == bytes {
            return Ok(false);
        }
        slot.value.set(bytes);
        slot.tick = tick;
        obj.changed_tick = tick;
        Ok(true)
    }

    pub(crate) fn remove(&mut self, id: DoId) -> Option<ServerObject> {
        self.objects.remove(&id)
    }
}

/// Checks that `number` is a state field of `class`.
pub(crate) fn check_state_field(
    schema: &'static SchemaInfo,
    class: &'static ClassInfo,
    number: u16,
) -> Result<&'static FieldInfo, ServerError> {
    let f = schema
        .field(number)
        .ok_or(ServerError::UnknownField(number))?;
    if !class.has_field(number) {
        return Err(ServerError::FieldNotInClass {
            field: f.name,
            class: class.name,
        });
    }
    if !is_state_field(f) {
        return Err(ServerError::NotStateField(f.name));
    }
    Ok(f)
}

#[cfg(test)]
mod value_tests {
    use super::{Value, INLINE};

    #[test]
    fn values_switch_between_inline_and_heap_and_keep_their_bytes() {
        let short = [7u8; INLINE];
        let long: Vec<u8> = (0..100).collect();
        let mut v = Value::new(&[]);
        assert!(matches!(v, Value::Inline { len: 0, .. }));
        assert_eq!(v.as_slice(), &[] as &[u8]);
        v.set(&short);
        assert!(matches!(v, Value::Inline { .. }));
        assert_eq!(v.as_slice(), &short);
        v.set(&long);
        assert!(matches!(v, Value::Heap(_)));
        assert_eq!(v.as_slice(), &long[..]);
        v.set(&long[..INLINE + 1]);
        assert_eq!(v.as_slice(), &long[..INLINE + 1]);
        v.set(&[1, 2, 3]);
        assert!(matches!(v, Value::Inline { len: 3, .. }));
        assert_eq!(&*v, &[1, 2, 3]);
        assert_eq!(format!("{v:?}"), "[1, 2, 3]");
    }
}
