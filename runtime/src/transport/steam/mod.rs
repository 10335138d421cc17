//! Steam networking sockets (feature `steam`).
//!
//! [`mapping`] (always compiled, tested without Steam) turns pipes' reliability into
//! Steam send flags and Steam connection states into [`TransportEvent`](crate::transport::TransportEvent)s. The
//! transport itself, which needs the Steam client at run time, is in `sockets`
//! behind the `steam` feature.

pub mod mapping;
#[cfg(feature = "steam")]
pub mod sockets;
