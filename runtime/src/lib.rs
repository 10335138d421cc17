//! `pipes` runtime: replicates distributed objects described by `.dc` schemas from an
//! authoritative server to clients.
//!
//! The protocol core has no networking and reads no clock: [`server::Server`] and
//! [`client::Client`] are deterministic state machines fed with `(now, bytes)` and
//! drained of bytes to send and events for the game (see each module's "How a driver
//! feeds it"). Transports drive them; [`sim`] drives them over a simulated network.
//!
//! * [`wire`]: the DC byte format (Panda3D's `DCPacker`), used by generated code.
//! * [`schema`]: the metadata generated code provides about classes and fields.
//! * [`protocol`]: message layouts and codecs.
//! * [`server`], [`client`]: the two state machines.
//! * [`config`]: typed settings with the pipes defaults and names.
//! * [`time`]: driver time and server ticks.
//! * [`sim`]: a seeded simulated network for tests and benches.

#![warn(missing_docs, unreachable_pub)]

pub mod client;
pub mod config;
pub mod ids;
pub mod protocol;
pub mod schema;
pub mod server;
pub mod sim;
pub mod time;
pub mod wire;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[cfg(test)]
mod tests;

pub use config::Config;
pub use ids::{ClientId, ConnectionId, DoId, InterestHandle, Location};
pub use protocol::Reliability;
pub use time::{Tick, Time};
