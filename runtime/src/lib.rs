//! `pipes` runtime: replicates distributed objects described by `.dc` schemas from an
//! authoritative server to clients.
//!
//! The sans-IO protocol core, snapshots, interest, interpolation and transports land
//! here in later work; today the crate only holds the place in the workspace.
