//! Cross-crate integration tests for pipes: generated code for the project's schemas
//! and, when `../shared/corpus/dc` is present, for the real-world corpus.
#![allow(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/schemas.rs"));
