//! Tests of the Astron layer: byte-exact codecs from the documented layouts, and an
//! end-to-end run against an in-repo fake cluster.

mod codec;
mod end_to_end;
mod tcp;
