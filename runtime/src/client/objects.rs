//! Client-side copies of distributed objects: state fields stamped with server ticks.

use crate::ids::{DoId, Location};
use crate::protocol::snapshot::{delta_widths, state_fields, DELTA_WINDOW};
use crate::schema::{ClassInfo, FieldMessage, SchemaInfo};
use crate::time::Tick;
use crate::wire::WireResult;
use std::sync::Arc;

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
    /// records (built at the first record; `None` until then, and for a class without
    /// integer state fields).
    pub(crate) past: Option<Box<Past>>,
}

/// Slots of a [`Past`]: one per tick of the delta window.
const SLOTS: usize = DELTA_WINDOW as usize;

/// Bytes of a held state's tick (little-endian), ahead of its fields in [`Past`].
const TICK_BYTES: usize = 4;

/// Where a class's integer state fields ([`delta_widths`]) sit in a state held by
/// [`Past`]: built once per class (see [`PastLayouts`]) and shared by its objects.
#[derive(Debug)]
pub(crate) struct PastLayout {
    /// `(field number, offset in a state, size)` of each integer field, by number.
    fields: Box<[(u16, usize, usize)]>,
    /// Bytes of one state (0: the class has no integer state field).
    stride: usize,
}

impl PastLayout {
    /// The layout of `class`'s integer state fields.
    fn new(schema: &SchemaInfo, class: &ClassInfo) -> PastLayout {
        let mut fields = Vec::new();
        let mut stride = 0;
        for f in state_fields(schema, class) {
            if let (Some(_), Some(size)) = (delta_widths(f), f.fixed_size) {
                fields.push((f.number, stride, size));
                stride += size;
            }
        }
        PastLayout {
            fields: fields.into_boxed_slice(),
            stride,
        }
    }

    /// Offset and size of field `number` in a state, if it is an integer field.
    fn find(&self, number: u16) -> Option<(usize, usize)> {
        let i = self.fields.binary_search_by_key(&number, |l| l.0).ok()?;
        let (_, offset, size) = self.fields[i];
        Some((offset, size))
    }
}

/// The [`PastLayout`] of each class met so far, by class number (one set per client).
#[derive(Debug, Default)]
pub(crate) struct PastLayouts {
    /// Index: class number (schema class numbers are dense).
    by_class: Vec<Option<Arc<PastLayout>>>,
}

impl PastLayouts {
    /// `class`'s layout, built at its first use.
    fn get(&mut self, schema: &SchemaInfo, class: &ClassInfo) -> &Arc<PastLayout> {
        let i = usize::from(class.number);
        if self.by_class.len() <= i {
            self.by_class.resize(i + 1, None);
        }
        self.by_class[i].get_or_insert_with(|| Arc::new(PastLayout::new(schema, class)))
    }
}

/// An object's integer fields ([`delta_widths`]) as of each of the last records
/// applied, one state per slot `tick % DELTA_WINDOW` (see the protocol's snapshot
/// docs for why that always holds a DELTA's baseline). A slot takes memory only once
/// a record of one of its ticks was applied: an object updated once holds one state.
#[derive(Clone, Debug)]
pub(crate) struct Past {
    /// The class's layout (shared).
    layout: Arc<PastLayout>,
    /// Per slot: 1 + the index of its state in `data`, or 0 while it never held one.
    at: [u8; SLOTS],
    /// The held states, in the order their slots were first used: each is its tick
    /// ([`TICK_BYTES`]) then `layout.stride` bytes of fields. Grows by one state per
    /// slot first used, so to at most [`DELTA_WINDOW`] states; never shrinks.
    data: Vec<u8>,
}

impl Past {
    /// No state held yet, for objects of `layout`'s class.
    fn new(layout: Arc<PastLayout>) -> Past {
        Past {
            layout,
            at: [0; SLOTS],
            data: Vec::new(),
        }
    }

    /// The slot of `tick`.
    #[inline]
    fn slot(tick: Tick) -> usize {
        (tick.0 % DELTA_WINDOW) as usize
    }

    /// Bytes of one held state, its tick included.
    #[inline]
    fn entry(&self) -> usize {
        TICK_BYTES + self.layout.stride
    }

    /// The states held (slots used so far).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.data.len() / self.entry()
    }

    /// The fields of the state of `tick`, if held.
    fn state(&self, tick: Tick) -> Option<&[u8]> {
        let k = usize::from(self.at[Self::slot(tick)]).checked_sub(1)?;
        let entry = self.entry();
        let held = self.data.get(k * entry..(k + 1) * entry)?;
        let (stamp, fields) = held.split_at(TICK_BYTES);
        (stamp == tick.0.to_le_bytes()).then_some(fields)
    }

    /// The packed value of field `number` at tick `tick`, if held.
    pub(crate) fn value(&self, tick: Tick, number: u16) -> Option<&[u8]> {
        let (offset, size) = self.layout.find(number)?;
        self.state(tick)?.get(offset..offset + size)
    }

    /// The state of `tick`'s slot, stamped `tick` (replacing the older tick the slot
    /// held, else a state appended for the slot), to be filled by the layout returned.
    #[inline]
    fn slot_mut(&mut self, tick: Tick) -> (&PastLayout, &mut [u8]) {
        let entry = self.entry();
        let slot = Self::slot(tick);
        let k = match usize::from(self.at[slot]).checked_sub(1) {
            Some(k) => k,
            None => self.append(slot, entry),
        };
        let (stamp, fields) = self.data[k * entry..(k + 1) * entry].split_at_mut(TICK_BYTES);
        stamp.copy_from_slice(&tick.0.to_le_bytes());
        (&self.layout, fields)
    }

    /// Appends a zeroed state for `slot` (not used yet); returns its index.
    #[cold]
    fn append(&mut self, slot: usize, entry: usize) -> usize {
        let k = self.data.len() / entry;
        if self.data.is_empty() {
            self.data.reserve_exact(entry); // many objects never get a second state
        }
        self.data.resize(self.data.len() + entry, 0);
        // At most one state per slot: k < SLOTS = 32.
        self.at[slot] = (k + 1) as u8;
        k
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
    /// of that tick was applied), laid out by the class's entry in `layouts`.
    #[inline]
    pub(crate) fn remember(&mut self, layouts: &mut PastLayouts, schema: &SchemaInfo, tick: Tick) {
        if self.past.is_none() {
            let layout = layouts.get(schema, self.class);
            if layout.stride == 0 {
                return; // no integer field: nothing to keep
            }
            self.past = Some(Box::new(Past::new(Arc::clone(layout))));
        }
        let Some(past) = self.past.as_deref_mut() else {
            return;
        };
        let (layout, to) = past.slot_mut(tick);
        for &(number, offset, size) in layout.fields.iter() {
            let to = &mut to[offset..offset + size];
            match self.fields.binary_search_by_key(&number, |f| f.0) {
                Ok(i) if self.fields[i].1.value.len() == size => {
                    // (Byte by byte: a few bytes, a memcpy call costs more.)
                    for (t, f) in to.iter_mut().zip(&self.fields[i].1.value) {
                        *t = *f;
                    }
                }
                _ => to.fill(0),
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{AVATAR, CHAT, SCHEMA, SET_COLOR, SET_H, SET_NAME, SET_POS};

    /// A fresh client copy of an object of class `class`.
    fn object(class: u16) -> ClientObject {
        ClientObject {
            id: DoId(7),
            class: SCHEMA.class(class).expect("a test class"),
            location: Location::zone(0),
            owned: false,
            lifecycle: Lifecycle::Alive,
            generated_at: Tick(0),
            applied: Tick(0),
            fields: Vec::new(),
            past: None,
        }
    }

    /// The packed `setPos` of an avatar at `(x, -x, 3)`.
    fn pos(x: i32) -> Vec<u8> {
        [x, -x, 3].iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// Applies a record of `tick` setting the avatar's position to `pos(x)`, then
    /// remembers its state as inbound.rs does.
    fn record(o: &mut ClientObject, layouts: &mut PastLayouts, tick: u32, x: i32) {
        o.set(SET_POS, &pos(x), Tick(tick));
        o.applied = Tick(tick);
        o.remember(layouts, &SCHEMA, Tick(tick));
    }

    /// The object's kept states.
    fn past(o: &ClientObject) -> &Past {
        o.past.as_deref().expect("states kept")
    }

    #[test]
    fn a_static_object_holds_one_state_after_one_record() {
        let mut layouts = PastLayouts::default();
        let mut o = object(AVATAR);
        o.set(SET_NAME, b"\x04\x00Toon", Tick(40));
        o.set(SET_COLOR, &[1, 2, 3], Tick(40));
        o.set(SET_H, &900i16.to_le_bytes(), Tick(40));
        record(&mut o, &mut layouts, 40, 5);
        let p = past(&o);
        assert_eq!(p.held(), 1);
        // color (3) + pos (12) + h (2), after the tick: no slot of the window but one.
        assert_eq!(p.data.len(), TICK_BYTES + 17);
        assert_eq!(p.data.capacity(), TICK_BYTES + 17);
        assert_eq!(p.value(Tick(40), SET_POS), Some(&pos(5)[..]));
        assert_eq!(p.value(Tick(40), SET_COLOR), Some(&[1u8, 2, 3][..]));
        assert_eq!(p.value(Tick(40), SET_H), Some(&900i16.to_le_bytes()[..]));
        assert_eq!(
            p.value(Tick(40), SET_NAME),
            None,
            "a string is no integer field"
        );
        assert_eq!(p.value(Tick(39), SET_POS), None);
        assert_eq!(
            p.value(Tick(40 + DELTA_WINDOW), SET_POS),
            None,
            "same slot, other tick"
        );
    }

    #[test]
    fn an_unset_integer_field_is_kept_as_zeros() {
        let mut layouts = PastLayouts::default();
        let mut o = object(AVATAR);
        record(&mut o, &mut layouts, 3, 9);
        assert_eq!(past(&o).value(Tick(3), SET_H), Some(&[0u8, 0][..]));
    }

    #[test]
    fn a_moving_object_keeps_every_tick_of_the_window() {
        let mut layouts = PastLayouts::default();
        let mut o = object(AVATAR);
        let first = 1000;
        let window = DELTA_WINDOW;
        for t in first..first + 3 * window {
            record(&mut o, &mut layouts, t, t as i32 * 7);
            let oldest = t.saturating_sub(window - 1).max(first);
            for b in oldest..=t {
                assert_eq!(
                    past(&o).value(Tick(b), SET_POS),
                    Some(&pos(b as i32 * 7)[..]),
                    "baseline {b} after tick {t}"
                );
            }
            if t >= first + window {
                let gone = t - window;
                assert_eq!(
                    past(&o).value(Tick(gone), SET_POS),
                    None,
                    "{gone} replaced by {t}"
                );
            }
        }
        let p = past(&o);
        assert_eq!(p.held(), SLOTS);
        assert_eq!(
            p.data.capacity(),
            SLOTS * (TICK_BYTES + 17),
            "grew to the window, no more"
        );
    }

    #[test]
    fn a_tick_a_window_apart_replaces_its_slot_only() {
        let mut layouts = PastLayouts::default();
        let mut o = object(AVATAR);
        for t in [100, 101, 117] {
            record(&mut o, &mut layouts, t, t as i32);
        }
        let buffer = past(&o).data.as_ptr();
        record(&mut o, &mut layouts, 101 + DELTA_WINDOW, -1);
        let p = past(&o);
        assert_eq!(p.held(), 3, "the slot reused, no state added");
        assert_eq!(p.data.as_ptr(), buffer, "no reallocation");
        assert_eq!(p.value(Tick(101), SET_POS), None);
        assert_eq!(
            p.value(Tick(101 + DELTA_WINDOW), SET_POS),
            Some(&pos(-1)[..])
        );
        assert_eq!(p.value(Tick(100), SET_POS), Some(&pos(100)[..]));
        assert_eq!(p.value(Tick(117), SET_POS), Some(&pos(117)[..]));
    }

    #[test]
    fn sparse_ticks_hold_only_their_slots_and_wrap_the_tick_counter() {
        let mut layouts = PastLayouts::default();
        let mut o = object(AVATAR);
        let ticks = [u32::MAX - 40, u32::MAX - 1, u32::MAX, 0, 5];
        for (i, &t) in ticks.iter().enumerate() {
            record(&mut o, &mut layouts, t, i as i32);
        }
        let p = past(&o);
        assert_eq!(p.held(), 5);
        for (i, &t) in ticks.iter().enumerate() {
            assert_eq!(
                p.value(Tick(t), SET_POS),
                Some(&pos(i as i32)[..]),
                "tick {t}"
            );
        }
    }

    #[test]
    fn objects_of_a_class_share_one_layout_and_classes_without_integers_keep_nothing() {
        let mut layouts = PastLayouts::default();
        let (mut a, mut b) = (object(AVATAR), object(AVATAR));
        record(&mut a, &mut layouts, 1, 1);
        record(&mut b, &mut layouts, 2, 2);
        assert!(Arc::ptr_eq(&past(&a).layout, &past(&b).layout));
        let cached = layouts.by_class[usize::from(AVATAR)]
            .as_ref()
            .expect("cached");
        assert_eq!(
            Arc::strong_count(cached),
            3,
            "the cache and the two objects"
        );
        let mut chat = object(CHAT);
        chat.remember(&mut layouts, &SCHEMA, Tick(3));
        assert!(chat.past.is_none());
    }
}
