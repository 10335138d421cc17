//! `pipes` runtime: replicates distributed objects described by `.dc` schemas from an
//! authoritative server to clients.
//!
//! * [`interp`]: client-side interpolation and extrapolation of replicated values.
//! * [`wire`]: the DC byte format (Panda3D's `DCPacker`), used by generated code.
//! * [`schema`]: the metadata generated code provides about classes and fields.

pub mod interp;
pub mod schema;
pub mod wire;
