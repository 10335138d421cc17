//! `build.rs` support for `pipes`: compile `.dc` schemas into `OUT_DIR`.
//!
//! Today this checks schemas with `dcc` so a build fails early on a bad schema; code
//! generation arrives with the `dcc` back end.
