//! The `dcc` command line: exact output forms and exit codes.

use std::io::Write;
use std::process::{Command, Output};

fn dcc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dcc"))
        .args(args)
        .output()
        .expect("run dcc")
}

/// `dcc pack|unpack SCHEMA --class C --field F --value|--hex V`.
fn field_cmd(
    verb: &str,
    schema: &tempfile_path::TempSchema,
    class: &str,
    field: &str,
    flag: &str,
    value: &str,
) -> Output {
    dcc(&[
        verb,
        schema.path(),
        "--class",
        class,
        "--field",
        field,
        flag,
        value,
    ])
}

fn schema(text: &str) -> tempfile_path::TempSchema {
    tempfile_path::TempSchema::new(text)
}

mod tempfile_path {
    use super::*;
    use std::path::PathBuf;

    /// A schema written to a unique file under the target directory, removed on drop.
    pub struct TempSchema(pub PathBuf);

    impl TempSchema {
        pub fn new(text: &str) -> Self {
            static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
            let path = dir.join(format!("cli-{}-{n}.dc", std::process::id()));
            let mut f = std::fs::File::create(&path).expect("create schema");
            f.write_all(text.as_bytes()).expect("write schema");
            TempSchema(path)
        }

        pub fn path(&self) -> &str {
            self.0.to_str().expect("utf-8 path")
        }
    }

    impl Drop for TempSchema {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

const GAME: &str = "struct Vec { int16/10 x; int16/10 y; };\n\
dclass Avatar {\n  setName(string(0-16) name) required broadcast ram;\n  setPos(Vec p) broadcast ram;\n  say(string text, uint8 v[]) clsend;\n};\n";

#[test]
fn hash_prints_eight_hex_digits() {
    let s = schema("dclass A {};");
    let out = dcc(&["hash", s.path()]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0x000001d1\n");
}

#[test]
fn check_succeeds_on_valid_and_fails_with_location_on_invalid() {
    let good = schema(GAME);
    assert!(dcc(&["check", good.path()]).status.success());
    let bad = schema("dclass A {\n  f(uint8 x);\n  f(uint16 y);\n};\n");
    let out = dcc(&["check", bad.path()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(":3:3: error: duplicate field name `f`"),
        "{err}"
    );
    assert!(err.contains("^"), "{err}");
}

#[test]
fn check_reports_several_errors_at_once() {
    let bad = schema("dclass A { f(Nope x); g(AlsoNope y); };\n");
    let out = dcc(&["check", bad.path()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("undefined type `Nope`") && err.contains("undefined type `AlsoNope`"),
        "{err}"
    );
    assert!(err.contains("2 errors found"), "{err}");
}

#[test]
fn lenient_accepts_undefined_names_like_panda() {
    let s = schema("dclass A : Missing { f(Unknown x); };\n");
    assert_eq!(dcc(&["hash", s.path()]).status.code(), Some(1));
    let out = dcc(&["hash", "--lenient", s.path()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn pack_and_unpack_round_trip() {
    let s = schema(GAME);
    let out = field_cmd("pack", &s, "Avatar", "setPos", "--value", "({1.5, -2})");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0f00ecff\n");
    let out = field_cmd("unpack", &s, "Avatar", "setPos", "--hex", "0f00ecff");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "(p = {x = 1.5, y = -2})\n"
    );
}

#[test]
fn pack_out_of_range_names_the_parameter() {
    let s = schema(GAME);
    let out = field_cmd(
        "pack",
        &s,
        "Avatar",
        "setName",
        "--value",
        "(\"a name far too long for it\")",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`name`"), "{err}");
    let out = field_cmd("pack", &s, "Avatar", "setPos", "--value", "({4000, 0})");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`x`"));
}

#[test]
fn unpack_rejects_truncated_and_trailing_bytes() {
    let s = schema(GAME);
    for hex in ["0f00ec", "0f00ecff00"] {
        let out = field_cmd("unpack", &s, "Avatar", "setPos", "--hex", hex);
        assert_eq!(out.status.code(), Some(1), "{hex}");
    }
}

#[test]
fn info_json_lists_numbers_and_keywords() {
    let s = schema(GAME);
    let out = dcc(&["info", "--json", s.path()]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let avatar = &doc["classes"][1];
    assert_eq!(avatar["name"], "Avatar");
    assert_eq!(avatar["number"], 1);
    assert_eq!(avatar["fields"][0]["name"], "setName");
    assert_eq!(
        avatar["fields"][0]["number"], 2,
        "struct fields take numbers 0 and 1"
    );
    assert_eq!(
        avatar["fields"][0]["keywords"],
        serde_json::json!(["broadcast", "ram", "required"])
    );
    let text = dcc(&["info", s.path()]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("[1] Avatar (dclass id 1)"));
}

#[test]
fn build_python_writes_the_stubs() {
    let s = schema(GAME);
    let out_path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-build-{}.pyi", std::process::id()));
    let out = dcc(&[
        "build",
        "--python",
        out_path.to_str().expect("utf-8 path"),
        s.path(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&out_path).expect("stub written");
    let _ = std::fs::remove_file(&out_path);
    let model = dcc::load_sources(&[(s.path(), GAME.as_bytes())], dcc::Options::default())
        .expect("schema loads");
    assert_eq!(written, dcc::pyi::generate_pyi(&model));
    assert!(written.contains("def setName(self, name: str, /) -> None:"));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("wrote "));
}

#[test]
fn build_writes_the_rust_module() {
    let s = schema(GAME);
    let out_path = std::env::temp_dir().join(format!("dcc-build-{}.rs", std::process::id()));
    let out = dcc(&[
        "build",
        "--rust",
        out_path.to_str().expect("utf-8 temp path"),
        s.path(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&out_path).expect("module written");
    let _ = std::fs::remove_file(&out_path);
    let model = dcc::load_sources(&[(s.path(), GAME.as_bytes())], dcc::Options::default())
        .expect("schema loads");
    let expected = dcc::rustgen::generate_rust(&model).expect("generates");
    assert_eq!(written, format!("{}{expected}", dcc::rustgen::HEADER));
    assert!(written.contains("pub static SCHEMA: ::pipes::schema::SchemaInfo"));
}

#[test]
fn build_derive_and_field_enum_options_reach_the_generator() {
    let s = schema(GAME);
    let out_path = std::env::temp_dir().join(format!("dcc-derive-{}.rs", std::process::id()));
    let out = dcc(&[
        "build",
        "--derive",
        "clone,eq",
        "--field-enums",
        "--rust",
        out_path.to_str().expect("utf-8 temp path"),
        s.path(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&out_path).expect("module written");
    let _ = std::fs::remove_file(&out_path);
    let model = dcc::load_sources(&[(s.path(), GAME.as_bytes())], dcc::Options::default())
        .expect("schema loads");
    let options = dcc::rustgen::RustOptions {
        derives: dcc::rustgen::Derives::parse("clone,eq").expect("parses"),
        field_enums: true,
    };
    let expected = dcc::rustgen::generate_rust_with(&model, &options).expect("generates");
    assert_eq!(written, format!("{}{expected}", dcc::rustgen::HEADER));
    assert!(written.contains("#[derive(Clone, Default, PartialEq)]"));
    assert!(written.contains("pub enum Field"));
    let out = dcc(&["build", "--derive", "hash", "--rust", "never.rs", s.path()]);
    assert_eq!(out.status.code(), Some(2), "clap rejects the value");
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown derive `hash`"));
    assert!(!std::path::Path::new("never.rs").exists());
}

#[test]
fn build_reports_missing_output_lenient_rust_and_schema_errors() {
    let s = schema(GAME);
    let out = dcc(&["build", s.path()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to build"));
    let bad = schema("dclass A { f(Nope x); };\n");
    let out = dcc(&["build", "--python", "never-written.pyi", bad.path()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("undefined type `Nope`"));
    assert!(!std::path::Path::new("never-written.pyi").exists());
}

/// A lenient build generates what Panda3D makes of undefined names (issue 16 item 3):
/// an empty placeholder type per undefined type, an empty dclass per undefined parent,
/// each named in a warning.
#[test]
fn lenient_build_generates_placeholders_and_names_each() {
    let partial = schema(
        "dclass Ship : Vessel {\n  setWeapon(WeaponInfo w, uint8 slot) broadcast;\n  setCargo(Crate c[]);\n};\n",
    );
    let out_path = std::env::temp_dir().join(format!("dcc-lenient-{}.rs", std::process::id()));
    let out_str = out_path.to_str().expect("utf-8 temp path");
    let strict = dcc(&["build", "--rust", out_str, partial.path()]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("undefined type `WeaponInfo`"));
    let out = dcc(&["build", "--lenient", "--rust", out_str, partial.path()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let written = std::fs::read_to_string(&out_path).expect("module written");
    let _ = std::fs::remove_file(&out_path);
    for name in ["WeaponInfo", "Crate"] {
        assert!(
            stderr.contains(&format!(
                "warning: type `{name}` is not defined: generated `{name}`, an empty placeholder type"
            )),
            "{stderr}"
        );
        assert!(written.contains(&format!("pub struct {name};")), "{name}");
    }
    assert!(
        stderr.contains("warning: class `Vessel` is not defined: generated `Vessel`"),
        "{stderr}"
    );
    assert!(written.contains("pub struct SetWeapon {"));
}

/// `dcc check` refuses what `dcc build` cannot encode, with the same error: field
/// numbers and class ids are 16-bit on the wire. (`rustgen`'s
/// `wire_limits_are_checked_before_generating` checks the shared limit quickly.)
#[test]
#[ignore = "loads two 65,537-name schemas four times: ~10 minutes in a debug build"]
fn check_reports_the_wire_limits_build_hits() {
    let many_fields: String = std::iter::once("dclass A {\n".to_string())
        .chain((0..=u32::from(u16::MAX) + 1).map(|i| format!("f{i}(uint8);\n")))
        .chain(std::iter::once("};\n".to_string()))
        .collect();
    let many_classes: String = (0..=u32::from(u16::MAX) + 1)
        .map(|i| format!("dclass C{i} {{}};\n"))
        .collect();
    for (text, error) in [
        (
            many_fields,
            "error: 65537 numbered fields; field numbers must fit in 16 bits on the wire",
        ),
        (
            many_classes,
            "error: 65537 classes; class ids must fit in 16 bits on the wire",
        ),
    ] {
        let s = schema(&text);
        let check = dcc(&["check", s.path()]);
        assert_eq!(check.status.code(), Some(1));
        assert_eq!(String::from_utf8_lossy(&check.stderr).trim_end(), error);
        let out_path = std::env::temp_dir().join(format!("dcc-limits-{}.rs", std::process::id()));
        let build = dcc(&[
            "build",
            "--rust",
            out_path.to_str().expect("utf-8"),
            s.path(),
        ]);
        assert_eq!(build.status.code(), Some(1));
        assert_eq!(String::from_utf8_lossy(&build.stderr).trim_end(), error);
        assert!(!out_path.exists(), "a refused build writes nothing");
    }
}

/// Splits a README command line into arguments ('single quotes' group words).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '\'' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    words.extend((!word.is_empty()).then_some(word));
    words
}

/// Issue 16: the README's `dcc` examples run on a schema of the repository and print
/// what the README says (they once used a schema that existed only inside a test).
#[test]
fn the_readme_dcc_examples_print_what_it_says() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let lines: Vec<&str> = readme.lines().collect();
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate() {
        let expected = if let Some(rest) = line.split_once("# the DC hash: ") {
            let (file, hash) = rest.1.split_once(" → ").expect("FILE → HASH");
            let out = Command::new(env!("CARGO_BIN_EXE_dcc"))
                .args(["hash", file])
                .current_dir(&root)
                .output()
                .expect("run dcc");
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), hash, "{line}");
            checked += 1;
            continue;
        } else if line.starts_with("dcc pack schemas/") || line.starts_with("dcc unpack schemas/") {
            let next = lines.get(i + 1).map_or("", |l| l.trim());
            next.strip_prefix("# → ")
                .expect("the output on the next line")
        } else {
            continue;
        };
        let words = shell_words(line);
        let out = Command::new(env!("CARGO_BIN_EXE_dcc"))
            .args(&words[1..])
            .current_dir(&root)
            .output()
            .expect("run dcc");
        assert!(out.status.success(), "{line}: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            expected,
            "{line}"
        );
        checked += 1;
    }
    assert_eq!(checked, 3, "the hash, pack and unpack examples");
}
