//! One client's views, in a slab: each view keeps a slot number while it lives, so
//! the snapshot and ack paths, which meet the same views again and again (planned,
//! written, in flight, acked), reach them by index instead of hashing the object id.

use super::peer::View;
use crate::ids::{DetMap, DoId};

/// A slot number given to no view (leave records carry it).
pub(crate) const NO_SLOT: u32 = u32::MAX;

/// A view and the object it is about (`None`: the slot is free).
#[derive(Clone, Debug)]
struct Slot {
    id: Option<DoId>,
    view: View,
}

/// The views of one client by object id, each also reachable by its slot number.
#[derive(Clone, Debug, Default)]
pub(crate) struct Views {
    index: DetMap<DoId, u32>,
    slots: Vec<Slot>,
    free: Vec<u32>,
}

impl Views {
    /// The view of an object.
    pub(crate) fn get(&self, id: &DoId) -> Option<&View> {
        let &slot = self.index.get(id)?;
        self.slots.get(slot as usize).map(|s| &s.view)
    }

    /// The view of an object, to change.
    pub(crate) fn get_mut(&mut self, id: &DoId) -> Option<&mut View> {
        let &slot = self.index.get(id)?;
        self.slots.get_mut(slot as usize).map(|s| &mut s.view)
    }

    /// The slot number and view of an object.
    pub(crate) fn get_with_slot(&mut self, id: &DoId) -> Option<(u32, &mut View)> {
        let &slot = self.index.get(id)?;
        let s = self.slots.get_mut(slot as usize)?;
        Some((slot, &mut s.view))
    }

    /// The view in `slot`, if it is the view of `id` (a slot freed and given to
    /// another object since does not answer for `id`).
    pub(crate) fn at_mut(&mut self, slot: u32, id: DoId) -> Option<&mut View> {
        self.slots
            .get_mut(slot as usize)
            .filter(|s| s.id == Some(id))
            .map(|s| &mut s.view)
    }

    /// Whether the object has a view.
    pub(crate) fn contains_key(&self, id: &DoId) -> bool {
        self.index.contains_key(id)
    }

    /// Adds (or replaces) the view of an object.
    pub(crate) fn insert(&mut self, id: DoId, view: View) {
        if let Some(v) = self.get_mut(&id) {
            *v = view;
            return;
        }
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                // More views than u32 slots cannot fit in memory.
                let slot = u32::try_from(self.slots.len()).unwrap_or(NO_SLOT - 1);
                self.slots.push(Slot { id: None, view });
                slot
            }
        };
        if let Some(s) = self.slots.get_mut(slot as usize) {
            *s = Slot { id: Some(id), view };
        }
        self.index.insert(id, slot);
    }

    /// Removes the view of an object; its slot is given to a later view.
    pub(crate) fn remove(&mut self, id: &DoId) -> Option<View> {
        let slot = self.index.remove(id)?;
        let s = self.slots.get_mut(slot as usize)?;
        s.id = None;
        self.free.push(slot);
        Some(s.view)
    }

    /// The objects with a view, in the index's (deterministic) order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &DoId> + '_ {
        self.index.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Tick;

    fn view(since: u32) -> View {
        View {
            since: Tick(since),
            acked: None,
            sent: None,
            priority: 0.0,
            owned: false,
            prior_leave: false,
            dirty: false,
            listed: false,
        }
    }

    #[test]
    fn a_slot_answers_only_for_its_object() {
        let mut views = Views::default();
        views.insert(DoId(7), view(1));
        views.insert(DoId(8), view(2));
        let (slot, v) = views.get_with_slot(&DoId(7)).unwrap();
        assert_eq!(v.since, Tick(1));
        assert!(views.at_mut(slot, DoId(7)).is_some());
        assert!(views.at_mut(slot, DoId(8)).is_none());
        // Freed, then given to another object: the old slot number no longer finds 7.
        assert_eq!(views.remove(&DoId(7)).map(|v| v.since), Some(Tick(1)));
        assert!(views.at_mut(slot, DoId(7)).is_none());
        views.insert(DoId(9), view(3));
        assert_eq!(views.at_mut(slot, DoId(9)).map(|v| v.since), Some(Tick(3)));
        assert!(views.at_mut(slot, DoId(7)).is_none());
        assert!(!views.contains_key(&DoId(7)));
        assert_eq!(views.get(&DoId(8)).map(|v| v.since), Some(Tick(2)));
        // Replacing keeps the slot.
        views.insert(DoId(9), view(4));
        assert_eq!(views.at_mut(slot, DoId(9)).map(|v| v.since), Some(Tick(4)));
        let mut keys: Vec<u32> = views.keys().map(|k| k.0).collect();
        keys.sort();
        assert_eq!(keys, [8, 9]);
        assert!(views.at_mut(NO_SLOT, DoId(9)).is_none());
    }
}
