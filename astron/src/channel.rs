//! Astron channel numbers (`Astron:src/core/types.h`): 64-bit pub/sub addresses.

use pipes::ids::DoId;

/// A message director channel.
pub type Channel = u64;

/// Invalid channel.
pub const INVALID: Channel = 0;
/// Message director control messages go here (no sender in the header).
pub const CONTROL: Channel = 1;
/// Every client session subscribes to this.
pub const ALL_CLIENTS: Channel = 10;
/// Every state server.
pub const ALL_STATE_SERVERS: Channel = 12;
/// Every database server.
pub const ALL_DATABASES: Channel = 13;

/// The channel of an object: its doId.
pub const fn object(do_id: DoId) -> Channel {
    do_id.0 as Channel
}

/// The location channel `(parent << 32) | zone`: everyone with interest in that zone.
pub const fn location(parent: DoId, zone: u32) -> Channel {
    ((parent.0 as Channel) << 32) | zone as Channel
}

/// The parent-to-children broadcast channel `(1 << 32) | parent`.
pub const fn parent_to_children(parent: DoId) -> Channel {
    (1 << 32) | parent.0 as Channel
}

/// The database update broadcast channel `(2 << 32) | doId`.
pub const fn database_object(do_id: DoId) -> Channel {
    (2 << 32) | do_id.0 as Channel
}
