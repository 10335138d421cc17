//! Schema paths as the user writes them: relative to the calling crate.

use std::path::PathBuf;

/// The calling crate's manifest directory (where relative schema paths start).
pub(crate) fn manifest_dir() -> Result<PathBuf, String> {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| "CARGO_MANIFEST_DIR is not set (build with cargo)".to_string())
}

/// The schema config shared with `pipes-build`, and `include_bytes!` items that make
/// cargo recompile the caller when a schema file changes.
pub(crate) fn config(
    files: &[String],
) -> Result<(pipes_build::Config, proc_macro2::TokenStream), String> {
    let base = manifest_dir()?;
    let mut config = pipes_build::Config::new();
    config.emit_rerun_if_changed(false).base_dir(&base);
    let mut tracked = proc_macro2::TokenStream::new();
    for f in files {
        config.file(f);
        let abs = base.join(f);
        if let Some(abs) = abs.to_str() {
            tracked.extend(quote::quote!(
                const _: &[u8] = ::core::include_bytes!(#abs);
            ));
        }
    }
    Ok((config, tracked))
}

/// A `pipes-build` error as a compile error message (without its own `error: `
/// prefix, which rustc adds).
pub(crate) fn message(e: &pipes_build::Error) -> String {
    let text = e.to_string();
    match text.strip_prefix("error: ") {
        Some(rest) => rest.to_string(),
        None => text,
    }
}
