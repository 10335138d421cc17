//! `pipes-build`: compile `.dc` schemas into Rust modules from `build.rs`, in the
//! spirit of `prost-build`.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), pipes_build::Error> {
//!     pipes_build::Config::new().file("schemas/game.dc").compile()?;
//!     Ok(())
//! }
//! ```
//!
//! and in the crate: `pipes::include_schema!("game");` includes `OUT_DIR/game.rs`.
//! Files load in order into one schema (as Panda3D's `DCFile::read` does), so
//! `otp.dc` then `toon.dc` make one module. Schema errors come back as an [`Error`]
//! whose text is the compiler's diagnostics (file:line:col, excerpt, caret), which
//! cargo prints when `main` returns it.

use std::fmt;
use std::path::{Path, PathBuf};

/// What to compile and where to write it.
#[derive(Clone, Debug, Default)]
pub struct Config {
    files: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    module: Option<String>,
    emit_rerun: bool,
    base_dir: Option<PathBuf>,
    options: dcc::rustgen::RustOptions,
    bad_derive: Option<String>,
}

/// A schema that did not compile, or an output that could not be written.
pub struct Error {
    message: String,
}

impl Error {
    fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

// `main` returning `Err` prints `Debug`: show the diagnostics, not a struct dump.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{}", self.message)
    }
}

impl std::error::Error for Error {}

impl Config {
    /// An empty configuration: output to `OUT_DIR`, `rerun-if-changed` lines on.
    pub fn new() -> Self {
        Config {
            emit_rerun: true,
            ..Config::default()
        }
    }

    /// Adds a schema file (loaded after those added before).
    pub fn file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.files.push(path.as_ref().to_path_buf());
        self
    }

    /// Adds several schema files in order.
    pub fn files<P: AsRef<Path>>(&mut self, paths: impl IntoIterator<Item = P>) -> &mut Self {
        for p in paths {
            self.file(p);
        }
        self
    }

    /// Writes into this directory instead of `OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Names the output `NAME.rs` (default: the last file's stem).
    pub fn module_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.module = Some(name.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` for each schema (default on).
    pub fn emit_rerun_if_changed(&mut self, on: bool) -> &mut Self {
        self.emit_rerun = on;
        self
    }

    /// Reads relative schema paths from `dir` while naming them in diagnostics as
    /// given (the `dc_schema!` macro passes the calling crate's manifest directory).
    pub fn base_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.base_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Standard traits the generated types derive besides `Default`: a comma-separated
    /// list of `clone`, `debug`, `eq` (`PartialEq`), or `all` (default: none; each
    /// costs `cargo check` time on every generated type). An unknown name is an error
    /// when generating.
    pub fn derive(&mut self, list: &str) -> &mut Self {
        match dcc::rustgen::Derives::parse(list) {
            Ok(d) => self.options.derives = d,
            Err(e) => self.bad_derive = Some(e),
        }
        self
    }

    /// Whether each dclass module gets a `Field` enum (any field of the class,
    /// unpacked by number; default off: it is a fifth of a big schema's code).
    pub fn field_enums(&mut self, on: bool) -> &mut Self {
        self.options.field_enums = on;
        self
    }

    /// Loads the schema files, in order, into one model.
    pub fn load_model(&self) -> Result<dcc::Model, Error> {
        if self.files.is_empty() {
            return Err(Error::new("pipes-build: no schema files given"));
        }
        let Some(base) = &self.base_dir else {
            return dcc::load_files(&self.files, dcc::Options::default())
                .map_err(|e| Error::new(e.render()));
        };
        let mut sources = Vec::with_capacity(self.files.len());
        for f in &self.files {
            let bytes = std::fs::read(base.join(f)).map_err(|e| {
                Error::new(format!(
                    "error: cannot read schema {} (relative to {}): {e}",
                    f.display(),
                    base.display()
                ))
            })?;
            sources.push((f.display().to_string(), bytes));
        }
        let refs: Vec<(&str, &[u8])> = sources
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        dcc::load_sources(&refs, dcc::Options::default()).map_err(|e| Error::new(e.render()))
    }

    /// Generates the Rust module as tokens (unformatted): what `dc_schema!` expands to.
    pub fn generate_tokens(&self) -> Result<proc_macro2::TokenStream, Error> {
        self.check_options()?;
        let model = self.load_model()?;
        dcc::rustgen::generate_tokens_with(&model, &self.options).map_err(|e| self.codegen_error(e))
    }

    /// Generates the Rust source without writing it.
    pub fn generate(&self) -> Result<String, Error> {
        self.check_options()?;
        let model = self.load_model()?;
        let code = dcc::rustgen::generate_rust_with(&model, &self.options)
            .map_err(|e| self.codegen_error(e))?;
        Ok(format!("{}{code}", dcc::rustgen::HEADER))
    }

    fn check_options(&self) -> Result<(), Error> {
        match &self.bad_derive {
            Some(e) => Err(Error::new(format!("pipes-build: derive: {e}"))),
            None => Ok(()),
        }
    }

    fn codegen_error(&self, e: dcc::rustgen::CodegenError) -> Error {
        Error::new(format!(
            "error: cannot generate Rust for {}: {e}",
            self.describe_files()
        ))
    }

    /// Compiles the schemas and writes `NAME.rs`; returns the path written.
    pub fn compile(&self) -> Result<PathBuf, Error> {
        if self.emit_rerun {
            for f in &self.files {
                let f = match &self.base_dir {
                    Some(base) => base.join(f),
                    None => f.clone(),
                };
                println!("cargo:rerun-if-changed={}", f.display());
            }
        }
        let code = self.generate()?;
        let dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    Error::new(
                        "pipes-build: OUT_DIR is not set (call it from build.rs or set out_dir)",
                    )
                })?,
        };
        let name = match &self.module {
            Some(n) => n.clone(),
            None => self
                .files
                .last()
                .and_then(|f| f.file_stem())
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "schema".into()),
        };
        let path = dir.join(format!("{name}.rs"));
        // Rewrite only on change so dependents do not rebuild needlessly.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(code.as_str()) {
            std::fs::write(&path, code).map_err(|e| {
                Error::new(format!("pipes-build: cannot write {}: {e}", path.display()))
            })?;
        }
        Ok(path)
    }

    fn describe_files(&self) -> String {
        let names: Vec<String> = self.files.iter().map(|f| f.display().to_string()).collect();
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_errors_render_with_location() {
        let dir = std::env::temp_dir().join(format!("pipes-build-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.dc");
        std::fs::write(&bad, "dclass A {\n  setX(uint8 x) rum;\n};\n").unwrap();
        let err = Config::new()
            .emit_rerun_if_changed(false)
            .file(&bad)
            .out_dir(&dir)
            .compile()
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("bad.dc:2:"), "{text}");
        assert!(text.contains('^'), "{text}");
    }

    #[test]
    fn writes_the_module_named_after_the_last_file() {
        let dir = std::env::temp_dir().join(format!("pipes-build-ok-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("game.dc");
        std::fs::write(&good, "dclass A {\n  setX(uint8 x) ram;\n};\n").unwrap();
        let path = Config::new()
            .emit_rerun_if_changed(false)
            .file(&good)
            .out_dir(&dir)
            .compile()
            .unwrap();
        assert_eq!(path, dir.join("game.rs"));
        let code = std::fs::read_to_string(path).unwrap();
        assert!(code.contains("pub struct SetX"), "{code}");
        assert!(Config::new().generate().is_err());
    }

    #[test]
    fn base_dir_reads_relative_paths_and_names_them_as_given() {
        let dir = std::env::temp_dir().join(format!("pipes-build-base-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("schemas")).unwrap();
        std::fs::write(
            dir.join("schemas/ok.dc"),
            "dclass A {\n  setX(uint8 x) ram;\n};\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("schemas/bad.dc"),
            "dclass B {\n  setY(uint8 y) rum;\n};\n",
        )
        .unwrap();
        let mut config = Config::new();
        config.base_dir(&dir).file("schemas/ok.dc");
        let tokens = config.generate_tokens().unwrap().to_string();
        assert!(tokens.contains("SetX"), "{tokens}");
        assert_eq!(config.load_model().unwrap().fields.len(), 1);
        let err = Config::new()
            .base_dir(&dir)
            .file("schemas/bad.dc")
            .generate_tokens()
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("schemas/bad.dc:2:"), "{err}");
        let missing = Config::new()
            .base_dir(&dir)
            .file("nope.dc")
            .load_model()
            .unwrap_err();
        assert!(missing.to_string().contains("nope.dc"), "{missing}");
    }
}
