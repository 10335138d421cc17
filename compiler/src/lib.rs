//! `dcc`: a compiler for Panda3D `.dc` (distributed class) schema files.
//!
//! It accepts the DC language exactly as Panda3D's C++ parser does and reproduces
//! Panda's class and field numbering, default values, packed bytes and DC hash, so a
//! Rust game built on `pipes` talks to Panda3D and Astron peers byte for byte.
//!
//! # Pipeline
//!
//! `source → parse (pest) → ast → resolve → model → {hash, pack, back ends}`
//!
//! ```
//! let schema = "dclass Avatar { setPos(int16/10 x, int16/10 y) broadcast ram; };";
//! let model = dcc::load_sources(&[("game.dc", schema.as_bytes())], dcc::Options::default())
//!     .map_err(|e| e.render())
//!     .unwrap();
//! let avatar = model.class_by_name("Avatar").unwrap();
//! assert_eq!(model.class(avatar).number, Some(0));
//! println!("hash {:#010x}", dcc::hash::hash_model(&model));
//! ```
//!
//! Several files load into one model in order, as `DCFile::read` appends: classes,
//! typedefs, keywords and the field counter carry over, and the hash covers them all.
//! By default undefined names are errors; [`Options::lenient`] reproduces Panda's
//! placeholders instead.
#![warn(missing_docs)]

// The pest parser is generated without `std` (see `parse/mod.rs`), and its code names `alloc`.
extern crate alloc;

pub mod ast;
pub mod astron;
pub mod diagnostic;
pub mod hash;
pub mod lex;
pub mod model;
pub mod pack;
pub mod parse;
pub mod pyi;
pub mod resolve;
pub mod rustgen;
pub mod source;
mod suggest;

pub use diagnostic::{Diagnostic, Severity};
pub use model::Model;
pub use resolve::Options;
pub use source::{SourceFile, SourceMap};

use std::path::Path;

/// Schema files that did not load: the diagnostics and the sources they point into.
#[derive(Debug)]
pub struct Error {
    /// The files read so far (for rendering excerpts).
    pub sources: SourceMap,
    /// Everything found, in order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Error {
    /// Renders every diagnostic with file, line, column and a caret excerpt.
    pub fn render(&self) -> String {
        diagnostic::render_all(&self.diagnostics, &self.sources)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Error {}

/// Loads files from disk, in order, into one model.
pub fn load_files<P: AsRef<Path>>(paths: &[P], options: Options) -> Result<Model, Error> {
    let mut sources = Vec::new();
    for path in paths {
        let path = path.as_ref();
        match std::fs::read(path) {
            Ok(bytes) => sources.push((path.display().to_string(), bytes)),
            Err(e) => {
                let mut map = SourceMap::new();
                let file = map.add(SourceFile::new(path.display().to_string(), b""));
                return Err(Error {
                    sources: map,
                    diagnostics: vec![Diagnostic::error(
                        source::Span::new(file, 0, 0),
                        format!("cannot read {}: {e}", path.display()),
                    )],
                });
            }
        }
    }
    let refs: Vec<(&str, &[u8])> = sources
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    load_sources(&refs, options)
}

/// Loads in-memory sources `(name, bytes)`, in order, into one model.
///
/// Loading stops after the first file with errors, since later files would only
/// report the consequences.
pub fn load_sources(files: &[(&str, &[u8])], options: Options) -> Result<Model, Error> {
    let mut resolver = resolve::Resolver::new(options);
    for (name, bytes) in files {
        let id = resolver
            .model_mut()
            .sources
            .add(SourceFile::new(*name, bytes));
        let text = resolver.model().sources.get(id).text.clone();
        match parse::parse_file(id, &text) {
            Ok(ast) => resolver.add_file(&ast),
            Err(diagnostics) => resolver.errors.extend(diagnostics),
        }
        if !resolver.errors.is_empty() {
            let diagnostics = std::mem::take(&mut resolver.errors);
            let model = resolver.finish();
            return Err(Error {
                sources: model.sources,
                diagnostics,
            });
        }
    }
    Ok(resolver.finish())
}
