//! The guide as a new user follows it: its code blocks copied, top to bottom, into a
//! new crate, which must build and run Coin Rush.
//!
//! - every ```` ```rust ```` block goes, in order, into `src/main.rs`;
//! - ```` ```rust build.rs ```` is the crate's `build.rs`;
//! - ```` ```rust excerpt ```` blocks repeat or abridge code shown whole elsewhere (or
//!   belong to another program, like the Astron section's) and are left out;
//! - the ```` ```toml ```` block is the manifest's dependency section (its
//!   `../pipes/` paths pointed at this checkout), the ```` ```dc ```` block `guide.dc`.
//!
//! Ignored in CI: it compiles a crate and its dependencies from scratch in its own
//! target directory (`target/guide-crate/`; a nested cargo cannot share the target
//! directory the running `cargo test` holds locked): about a minute on two cores the
//! first time, seconds after that.
//! Run it with `cargo test -p pipes-examples --test guide_crate -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The checkout's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("examples/ is in the checkout")
        .to_path_buf()
}

/// The fenced blocks of a markdown text: (info string, text, line it starts on).
fn blocks(md: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String, usize)> = None;
    // Blocks inside list items are indented: the fence's indent is dropped from each line.
    let mut indent = 0;
    for (i, line) in md.lines().enumerate() {
        let trimmed = line.trim_start();
        match (&mut current, trimmed.strip_prefix("```")) {
            (None, Some(info)) => {
                indent = line.len() - trimmed.len();
                current = Some((info.trim().to_string(), String::new(), i + 1));
            }
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some((_, text, _)), None) => {
                let body = line
                    .get(indent..)
                    .filter(|_| line[..indent].trim().is_empty());
                text.push_str(body.unwrap_or(trimmed));
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// The crate the guide describes, written under `dir`.
fn write_crate(dir: &Path, md: &str) -> std::io::Result<()> {
    let blocks = blocks(md);
    let only = |info: &str| -> Vec<&(String, String, usize)> {
        blocks.iter().filter(|b| b.0 == info).collect()
    };
    let [toml] = only("toml")[..] else {
        panic!("the guide has one toml block")
    };
    let [dc] = only("dc")[..] else {
        panic!("the guide has one dc block")
    };
    let [build] = only("rust build.rs")[..] else {
        panic!("the guide has one `rust build.rs` block")
    };
    let main: String = only("rust")
        .iter()
        .map(|(_, text, line)| format!("// docs/GUIDE.md:{line}\n{text}\n"))
        .collect();
    let deps = toml
        .1
        .replace("../pipes/", &format!("{}/", root().display()));
    let manifest = format!(
        "[package]\nname = \"coin-rush\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         publish = false\n\n# Not a member of the pipes workspace.\n[workspace]\n\n{deps}"
    );
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::write(dir.join("guide.dc"), &dc.1)?;
    std::fs::write(dir.join("build.rs"), &build.1)?;
    std::fs::write(dir.join("src/main.rs"), main)?;
    // The checkout's versions of every dependency, so the build needs no network.
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock"))?;
    Ok(())
}

#[test]
fn the_block_reader_keeps_info_strings_and_drops_list_indentation() {
    let md = "a\n```rust excerpt\nfn a() {\n    b();\n}\n```\n1. b\n   ```toml\n   [x]\n     y\n   ```\n";
    let b = blocks(md);
    assert_eq!(b.len(), 2);
    assert_eq!(
        (b[0].0.as_str(), b[0].1.as_str()),
        ("rust excerpt", "fn a() {\n    b();\n}\n")
    );
    assert_eq!((b[1].0.as_str(), b[1].1.as_str()), ("toml", "[x]\n  y\n"));
}

#[test]
#[ignore = "builds a new crate and its dependencies in its own target dir (~1 min cold on 2 cores)"]
fn the_guide_copied_into_a_new_crate_builds_and_runs() {
    let md = std::fs::read_to_string(root().join("docs/GUIDE.md")).expect("docs/GUIDE.md");
    let dir = root().join("target/guide-crate");
    write_crate(&dir, &md).expect("scratch crate written");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "--offline", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "the guide's code does not build as a crate: see {}",
        dir.join("src/main.rs").display()
    );
    let exe = dir.join("target/debug/coin-rush");
    let out = Command::new(exe)
        .args(["--transport", "sim", "--seed", "7"])
        .output()
        .expect("the game runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        out.status.success()
            && last.starts_with("guide: players=2 ")
            && last.contains("converged=yes"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
