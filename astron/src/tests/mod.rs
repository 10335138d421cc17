//! Tests of the Astron layer: byte-exact codecs from the documented layouts, an
//! end-to-end run against an in-repo fake cluster, and regressions from fuzzing.

mod codec;
mod end_to_end;
mod heartbeat;
mod robustness;
mod tcp;
