//! Procedural macros for `pipes` (derives that bind game structs to dclasses).
//!
//! Empty for now: the derive arrives with the code generator.
