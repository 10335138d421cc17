//! `pipes_astron`: run the same generated types on an Astron cluster.
//!
//! [Astron](https://github.com/Astron/Astron) is an OTP-style cluster (message
//! director, state servers, client agents, database server) that speaks `.dc`
//! natively. This crate speaks its two TCP protocols with the field encoding of the
//! generated code ([`pipes::schema::FieldMessage`], [`pipes::schema::SchemaInfo`]):
//!
//! * [`client_msg`]: the client protocol (client ↔ client agent), ids 1–204.
//! * [`internal`]: the internal protocol (AI/UberDOG ↔ message director):
//!   control 9000–9014, state server 2000–2208, database 3000–3032, client agent 1000–1204.
//! * [`frame`]: the `uint16` length prefix both protocols use on TCP.
//! * [`fields`]: REQUIRED / OTHER sections and single field values, driven by the schema.
//! * [`client`]: a sans-IO client session (hello, heartbeats, interests, objects, ejects).
//! * [`ai`]: a sans-IO AI/UberDOG participant (channels, objects, client-agent control,
//!   database calls with contexts).
//! * [`events`]: the client's events as [`pipes::client::ClientEvent`]s (same object
//!   lifecycle as the pipes client).
//! * [`fake`] (feature `testing`): an in-memory stand-in cluster, also on loopback TCP,
//!   for protocol-level tests of games.
//! * [`tcp`]: thin blocking `std::net` drivers for both.
//!
//! Like the pipes runtime it builds on, the protocol core does no I/O: feed it received bytes,
//! take bytes to send. Layouts follow Astron's documented protocol (see the module docs
//! of [`client_msg`] and [`internal`]); all integers are little-endian.

#![warn(missing_docs, unreachable_pub)]

pub mod ai;
pub mod channel;
pub mod client;
pub mod client_msg;
mod error;
pub mod events;
#[cfg(any(test, feature = "testing"))]
pub mod fake;
pub mod fields;
pub mod frame;
pub mod internal;
pub mod msgtype;
pub mod tcp;

#[cfg(test)]
mod tests;

pub use error::{AstronError, AstronResult, EjectCode};
pub use fields::FieldValue;
