//! Helpers shared by the pipes examples: a seeded lossy network link and a tiny SVG
//! plot writer. Not part of the library API; kept small on purpose.

pub mod link;
pub mod svg;
