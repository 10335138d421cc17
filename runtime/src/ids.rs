//! Identifiers shared by the server and client cores.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::BuildHasherDefault;

/// A transport connection, named by the driver (the core only compares them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectionId(pub u64);

/// A verified client, numbered by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(pub u32);

/// A distributed object's id (unique for the server's lifetime, never reused early).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DoId(pub u32);

impl DoId {
    /// The root "parent" of top-level locations.
    pub const ROOT: DoId = DoId(0);
}

/// Where an object lives: a zone under a parent object, as in Panda3D and Astron.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The parent object ([`DoId::ROOT`] for top-level zones).
    pub parent: DoId,
    /// The zone number under that parent.
    pub zone: u32,
}

impl Location {
    /// A zone under the root.
    pub const fn zone(zone: u32) -> Location {
        Location {
            parent: DoId::ROOT,
            zone,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.parent.0, self.zone)
    }
}

/// A client-chosen number naming one interest request, echoed by "interest complete".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InterestHandle(pub u16);

/// A fast hasher with fixed keys (FxHash), so iteration order (and so output bytes) is
/// reproducible. Only for keys the server assigns (object, connection and client ids):
/// its collisions are easy to craft, so keys a client chooses use [`ZoneState`].
pub(crate) type FixedState = BuildHasherDefault<rustc_hash::FxHasher>;
/// A `HashMap` over server-assigned ids with reproducible iteration order for equal
/// insertion histories.
pub(crate) type DetMap<K, V> = HashMap<K, V, FixedState>;
/// A `HashSet` over server-assigned ids with reproducible iteration order.
pub(crate) type DetSet<K> = HashSet<K, FixedState>;
/// SipHash with fixed keys: reproducible, and for keys a client chooses (zones), where
/// a fast hash would let crafted collisions slow every lookup.
pub(crate) type ZoneState = BuildHasherDefault<DefaultHasher>;
/// A `HashMap` keyed by client-chosen values such as locations.
pub(crate) type ZoneMap<K, V> = HashMap<K, V, ZoneState>;
/// A `HashSet` of client-chosen values such as locations.
pub(crate) type ZoneSet<K> = HashSet<K, ZoneState>;
