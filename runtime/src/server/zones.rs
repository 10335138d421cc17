//! The zone index: which objects are at a location, and which clients watch it.
//!
//! With it, a change touches only the clients watching the object's location, and an
//! interest change touches only the objects of the added or removed locations; nothing
//! in a tick scans all objects or all clients.

use crate::ids::{ConnectionId, DetSet, DoId, Location, ZoneMap};

#[derive(Debug, Default)]
pub(crate) struct ZoneIndex {
    objects: ZoneMap<Location, DetSet<DoId>>,
    watchers: ZoneMap<Location, DetSet<ConnectionId>>,
}

impl ZoneIndex {
    pub(crate) fn insert_object(&mut self, loc: Location, id: DoId) {
        self.objects.entry(loc).or_default().insert(id);
    }

    pub(crate) fn remove_object(&mut self, loc: Location, id: DoId) {
        if let Some(set) = self.objects.get_mut(&loc) {
            set.remove(&id);
            if set.is_empty() {
                self.objects.remove(&loc);
            }
        }
    }

    pub(crate) fn objects(&self, loc: Location) -> impl Iterator<Item = DoId> + '_ {
        self.objects.get(&loc).into_iter().flatten().copied()
    }

    pub(crate) fn watch(&mut self, loc: Location, conn: ConnectionId) {
        self.watchers.entry(loc).or_default().insert(conn);
    }

    pub(crate) fn unwatch(&mut self, loc: Location, conn: ConnectionId) {
        if let Some(set) = self.watchers.get_mut(&loc) {
            set.remove(&conn);
            if set.is_empty() {
                self.watchers.remove(&loc);
            }
        }
    }

    pub(crate) fn watchers(&self, loc: Location) -> impl Iterator<Item = ConnectionId> + '_ {
        self.watchers.get(&loc).into_iter().flatten().copied()
    }
}
