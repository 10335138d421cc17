//! Shared helpers of the pipes examples.
