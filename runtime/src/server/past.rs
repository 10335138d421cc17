//! Recent integer state of an object: the baselines of value deltas.
//!
//! A DELTA record (see [`crate::protocol::snapshot`]) sends an integer field as its
//! difference from the value the client holds at its acknowledged baseline tick. The
//! server keeps, per object, its integer fields as of the last [`KEPT`] ticks at which
//! an update of it was written (to any client); a baseline older than those is sent
//! packed. Objects get this only once an update of them is written, so a world of
//! objects that never change costs nothing.

use super::objects::{ServerObject, Slot};
use crate::protocol::snapshot::delta_widths;
use crate::schema::SchemaInfo;
use crate::time::Tick;

/// Ticks of state kept per object.
pub(crate) const KEPT: usize = 8;

/// An object's integer fields at its last [`KEPT`] written ticks.
#[derive(Clone, Debug)]
pub(crate) struct Past {
    /// Per slot: its offset in a kept state and its integer widths, if it is an
    /// integer field.
    layout: Vec<Option<(u32, &'static [u8])>>,
    /// Bytes of one kept state.
    stride: usize,
    ticks: [Tick; KEPT],
    /// Bit `k`: `ticks[k]` holds a state.
    valid: u32,
    /// The slot the next state goes to.
    next: usize,
    data: Vec<u8>,
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
                stride += u32::try_from(f.fixed_size?).ok()?;
                Some((at, widths))
            })
            .collect();
        Past {
            layout,
            stride: stride as usize,
            ticks: [Tick(0); KEPT],
            valid: 0,
            next: 0,
            data: Vec::new(),
        }
    }

    /// Which kept state is that of `tick`.
    pub(crate) fn find(&self, tick: Tick) -> Option<usize> {
        (0..KEPT).find(|&k| self.valid & (1 << k) != 0 && self.ticks[k] == tick)
    }

    /// Slot `i`'s integer widths and its value in kept state `k`, when it is an
    /// integer field.
    #[inline]
    pub(crate) fn base(&self, k: usize, i: usize) -> Option<(&'static [u8], &[u8])> {
        let (at, widths) = (*self.layout.get(i)?)?;
        let size: usize = widths.iter().map(|&w| usize::from(w)).sum();
        let start = k * self.stride + at as usize;
        Some((widths, self.data.get(start..start + size)?))
    }
}

impl ServerObject {
    /// Keeps the object's integer state as that of `tick` (once per tick).
    pub(crate) fn remember(&mut self, schema: &SchemaInfo, tick: Tick) {
        let past = self
            .past
            .get_or_insert_with(|| Box::new(Past::new(schema, &self.slots)));
        if past.stride == 0 || past.find(tick).is_some() {
            return;
        }
        if past.data.is_empty() {
            past.data = vec![0; past.stride * KEPT];
        }
        let k = past.next;
        past.next = (k + 1) % KEPT;
        let start = k * past.stride;
        for (s, l) in self.slots.iter().zip(&past.layout) {
            if let Some((at, _)) = *l {
                let at = start + at as usize;
                if let Some(to) = past.data.get_mut(at..at + s.value.len()) {
                    to.copy_from_slice(&s.value);
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
