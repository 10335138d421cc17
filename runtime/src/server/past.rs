//! Recent integer state of an object: the baselines of value deltas.
//!
//! A DELTA record (see [`crate::protocol::snapshot`]) sends an integer field as its
//! difference from the value the client holds at its acknowledged baseline tick. The
//! server keeps, per object, its integer fields as of the ticks at which an update of
//! it was written (to any client), in [`KEPT`] slots by `tick % KEPT` (so at least the
//! last [`KEPT`] ticks); a baseline no longer kept is sent packed. Objects get this
//! only once two updates of them are written within [`DELTA_WINDOW`] ticks, so objects
//! that rarely change cost nothing.

use super::objects::{ServerObject, Slot};
use crate::protocol::snapshot::{delta_widths, put_delta, DELTA_WINDOW};
use crate::schema::SchemaInfo;
use crate::time::Tick;

/// Ticks of state kept per object.
pub(crate) const KEPT: usize = 8;

/// An object's integer fields at the ticks an update of it was written.
#[derive(Clone, Debug)]
pub(crate) struct Past {
    /// Per slot: its offset in a kept state, its size and its integer widths, if it
    /// is an integer field.
    layout: Vec<Option<(u32, u32, &'static [u8])>>,
    /// Bytes of one kept state.
    stride: usize,
    ticks: [Tick; KEPT],
    /// Bit `k`: `ticks[k]` holds a state.
    valid: u32,
    data: Vec<u8>,
    /// `(tick, baseline)` whose deltas `encoded` holds: every client with that
    /// baseline gets the same bytes, encoded once.
    encoded_for: Option<(Tick, Tick)>,
    /// Per slot: where its deltas are in `encoded` (length 0: not encoded yet).
    encoded_at: Vec<(u32, u32)>,
    encoded: Vec<u8>,
}

impl Past {
    fn new(schema: &SchemaInfo, slots: &[Slot]) -> Past {
        let mut stride = 0u32;
        let layout = slots
            .iter()
            .map(|s| {
                let f = schema.field(s.number)?;
                let widths = delta_widths(f)?;
                let at = stride;
                let size = u32::try_from(f.fixed_size?).ok()?;
                stride += size;
                Some((at, size, widths))
            })
            .collect();
        Past {
            layout,
            stride: stride as usize,
            ticks: [Tick(0); KEPT],
            valid: 0,
            data: Vec::new(),
            encoded_for: None,
            encoded_at: vec![(0, 0); slots.len()],
            encoded: Vec::new(),
        }
    }

    /// Which kept state is that of `tick`.
    #[inline]
    pub(crate) fn find(&self, tick: Tick) -> Option<usize> {
        let k = tick.0 as usize % KEPT;
        (self.valid & (1 << k) != 0 && self.ticks[k] == tick).then_some(k)
    }

    /// The deltas of slot `i`'s `value` (at `tick`) against kept state `k` (of tick
    /// `base`), when it is an integer field: encoded once per tick and baseline.
    #[inline]
    pub(crate) fn deltas(
        &mut self,
        k: usize,
        i: usize,
        value: &[u8],
        tick: Tick,
        base: Tick,
    ) -> Option<&[u8]> {
        if self.encoded_for != Some((tick, base)) {
            self.encoded_for = Some((tick, base));
            self.encoded.clear();
            self.encoded_at.iter_mut().for_each(|e| *e = (0, 0));
        }
        let (start, len) = *self.encoded_at.get(i)?;
        if len == 0 {
            let (at, size, widths) = (*self.layout.get(i)?)?;
            let from = k * self.stride + at as usize;
            let before = self.data.get(from..from + size as usize)?;
            let start = self.encoded.len();
            put_delta(widths, value, before, &mut self.encoded);
            let len = self.encoded.len() - start;
            // (A part is at most 64 KiB, a value's deltas far less.)
            self.encoded_at[i] = (start as u32, len as u32);
            return self.encoded.get(start..);
        }
        self.encoded
            .get(start as usize..start as usize + len as usize)
    }

    /// Slot `i`'s integer widths and its value in kept state `k`, when it is an
    /// integer field.
    #[cfg(test)]
    pub(crate) fn base(&self, k: usize, i: usize) -> Option<(&'static [u8], &[u8])> {
        let (at, size, widths) = (*self.layout.get(i)?)?;
        let start = k * self.stride + at as usize;
        Some((widths, self.data.get(start..start + size as usize)?))
    }
}

impl ServerObject {
    /// Keeps the object's integer state as that of `tick` (once per tick).
    #[inline]
    pub(crate) fn remember(&mut self, schema: &SchemaInfo, tick: Tick) {
        let last = std::mem::replace(&mut self.written, tick);
        if self.past.is_none() && tick.0.wrapping_sub(last.0) >= DELTA_WINDOW {
            return; // changes too rarely (so far) for deltas to pay
        }
        let past = self
            .past
            .get_or_insert_with(|| Box::new(Past::new(schema, &self.slots)));
        if past.stride == 0 || past.find(tick).is_some() {
            return;
        }
        if past.data.is_empty() {
            past.data = vec![0; past.stride * KEPT];
        }
        let k = tick.0 as usize % KEPT;
        let start = k * past.stride;
        for (s, l) in self.slots.iter().zip(&past.layout) {
            if let Some((at, size, _)) = *l {
                let at = start + at as usize;
                let (to, from) = (
                    past.data.get_mut(at..at + size as usize),
                    s.value.get(..size as usize),
                );
                if let (Some(to), Some(from)) = (to, from) {
                    // (Byte by byte: a few bytes, a memcpy call costs more.)
                    for (t, f) in to.iter_mut().zip(from) {
                        *t = *f;
                    }
                }
            }
        }
        past.ticks[k] = tick;
        past.valid |= 1 << k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Location;
    use crate::server::objects::ObjectStore;
    use crate::testing::{AVATAR, SCHEMA};

    #[test]
    fn keeps_the_last_ticks_written_and_finds_them() {
        let mut store = ObjectStore::default();
        let id = store
            .create(&SCHEMA, AVATAR, Location::zone(1), None, &[], Tick(1))
            .unwrap();
        let pos = SCHEMA
            .class(AVATAR)
            .and_then(|c| SCHEMA.field_by_name(c, "setPos"))
            .unwrap();
        let i = store
            .get(id)
            .unwrap()
            .slots
            .iter()
            .position(|s| s.number == pos.number)
            .unwrap();
        for t in 1..=20u32 {
            let mut v = Vec::new();
            for k in 0..3 {
                v.extend_from_slice(&(t as i32 * 10 + k).to_le_bytes());
            }
            store
                .set_field(&SCHEMA, id, pos.number, &v, Tick(t))
                .unwrap();
            let o = store.get_mut(id).unwrap();
            o.remember(&SCHEMA, Tick(t));
            o.remember(&SCHEMA, Tick(t)); // once per tick
        }
        let past = store.get(id).unwrap().past.as_deref().unwrap();
        assert_eq!(past.find(Tick(12)), None, "older than the last {KEPT}");
        let k = past.find(Tick(15)).unwrap();
        let (widths, base) = past.base(k, i).unwrap();
        assert_eq!(widths, &[4, 4, 4]);
        assert_eq!(&base[..4], &150i32.to_le_bytes());
        assert_eq!(&base[8..], &152i32.to_le_bytes());
        // The name is a string: no integer layout.
        let name = SCHEMA
            .class(AVATAR)
            .and_then(|c| SCHEMA.field_by_name(c, "setName"))
            .unwrap();
        let j = store
            .get(id)
            .unwrap()
            .slots
            .iter()
            .position(|s| s.number == name.number)
            .unwrap();
        assert!(past.base(k, j).is_none());
    }
}
