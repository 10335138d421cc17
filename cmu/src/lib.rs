//! `pipes-cmu`: a server speaking Panda3D 1.10's CMU distributed-object protocol (the one
//! `direct.distributed.ServerRepository` serves to `ClientRepository`), so an unmodified
//! Panda3D game connects to it. Every relayed generate and update is checked against the
//! `.dc` schema (loaded through `dcc`) before it is forwarded.
//!
//! * [`codec`]: framing and message layouts.
//! * [`schema`]: the classes and fields by number, and payload checks.
//! * [`relay`]: ServerRepository's rules (ranges, zones, interest, relay, cleanup).
//! * [`server`]: the TCP event loop.

pub mod codec;
pub mod relay;
pub mod schema;
pub mod server;
