//! Python stubs (`dcc build --python`): insta snapshots for the project's example
//! schema and for a schema of names that are awkward in Python, `mypy --strict`
//! over the stubs of the whole corpus, and mypy accepting a Panda3D-style module
//! while reporting misuse (a wrong argument type, a misspelled field).
//!
//! mypy comes from `pip install mypy`. Without it the mypy tests are skipped with a
//! message, unless the `CI` environment variable is set: then they fail. The corpus
//! lives outside the repository (`../shared/corpus/dc`); without it the corpus test
//! is skipped with a message.

use std::path::{Path, PathBuf};
use std::process::Command;

const EXAMPLE: &str = include_str!("../../schemas/example.dc");
const TRICKY: &str = include_str!("pyi/tricky.dc");

fn stubs(files: &[(&str, &[u8])], lenient: bool) -> String {
    let model = dcc::load_sources(files, dcc::Options { lenient })
        .unwrap_or_else(|e| panic!("schema does not load:\n{}", e.render()));
    dcc::pyi::generate_pyi(&model)
}

/// Whether `python3 -m mypy` runs. Skips (false) with a message when it does not,
/// and fails instead when `CI` is set.
fn mypy_available() -> bool {
    let ok = Command::new("python3")
        .args(["-m", "mypy", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "mypy is required when CI is set: pip install mypy"
        );
        eprintln!("skipped: mypy is not installed (pip install mypy); with CI set this fails");
    }
    ok
}

/// A fresh directory under the target dir for one test's Python files.
fn work_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create work dir");
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write file");
}

/// Runs `mypy --strict` on `files` inside `dir`; returns (success, stdout).
fn mypy(dir: &Path, files: &[&str]) -> (bool, String) {
    let out = Command::new("python3")
        .args(["-m", "mypy", "--strict", "--no-incremental", "--cache-dir"])
        .arg(dir.join(".mypy_cache"))
        .args(files)
        .current_dir(dir)
        .output()
        .expect("run mypy");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn example_schema_stubs() {
    insta::assert_snapshot!(stubs(&[("example.dc", EXAMPLE.as_bytes())], false));
}

#[test]
fn awkward_names_stubs() {
    insta::assert_snapshot!(stubs(&[("tricky.dc", TRICKY.as_bytes())], false));
}

#[test]
fn stubs_are_deterministic() {
    let files: [(&str, &[u8]); 2] = [
        ("example.dc", EXAMPLE.as_bytes()),
        ("tricky.dc", TRICKY.as_bytes()),
    ];
    assert_eq!(stubs(&files, false), stubs(&files, false));
}

#[test]
fn awkward_names_pass_mypy_strict() {
    if !mypy_available() {
        return;
    }
    let dir = work_dir("pyi-tricky");
    let text = stubs(&[("tricky.dc", TRICKY.as_bytes())], false);
    // The generator's escapes and ignores are what make this pass: a sanity check
    // that they are present, then mypy itself.
    for expected in [
        "def lambda_(self, self_: int, def_: int, None_: int, /) -> None:",
        "str_: TypeAlias = int",
        "def int_(self, x: str_, y: pass_, /) -> None:",
        "class Leaf(Diamond):",
        "class Mixed(Base, Other):  # type: ignore[misc, unused-ignore]",
        "tuple[Literal[\"a\", \"b\"], int] | tuple[Literal[\"c\"], float] | tuple[str, str]",
        "class BaseOV(Base):",
        "class DiamondAI(Diamond):",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    assert!(
        !text.contains("class BaseAI(Base)"),
        "the real dclass BaseAI must win over the view"
    );
    write(&dir, "tricky_dc.pyi", &text);
    let (ok, out) = mypy(&dir, &["tricky_dc.pyi"]);
    assert!(ok, "mypy --strict failed on the stubs:\n{out}");
}

#[test]
fn sample_module_type_checks_and_misuse_is_reported() {
    if !mypy_available() {
        return;
    }
    let dir = work_dir("pyi-sample");
    write(
        &dir,
        "example_dc.pyi",
        &stubs(&[("example.dc", EXAMPLE.as_bytes())], false),
    );
    write(&dir, "game_avatar.py", include_str!("pyi/game_avatar.py"));
    let (ok, out) = mypy(&dir, &["example_dc.pyi", "game_avatar.py"]);
    assert!(ok, "the sample module should type-check:\n{out}");
    assert!(
        out.contains("Success: no issues found in 2 source files"),
        "{out}"
    );

    let bad = include_str!("pyi/game_avatar_bad.py");
    write(&dir, "game_avatar_bad.py", bad);
    let (ok, out) = mypy(&dir, &["game_avatar_bad.py"]);
    assert!(!ok, "mypy should reject the misuse:\n{out}");
    // Every `# expect: CODE` line gets that error code, and nothing else is reported.
    let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error: ")).collect();
    let mut expected = 0;
    for (i, line) in bad.lines().enumerate() {
        let Some((_, code)) = line.split_once("# expect: ") else {
            continue;
        };
        expected += 1;
        let at = format!("game_avatar_bad.py:{}: error: ", i + 1);
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&at) && e.ends_with(&format!("[{code}]"))),
            "no [{code}] error on line {}:\n{out}",
            i + 1
        );
    }
    assert_eq!(errors.len(), expected, "unexpected errors:\n{out}");
    // The two misuses the issue names, in mypy's words.
    assert!(
        out.contains(
            "Argument 1 to \"setH\" of \"DistributedAvatar\" has incompatible type \"str\"; expected \"float\""
        ),
        "{out}"
    );
    assert!(
        out.contains("\"DistributedAvatar\" has no attribute \"setPoss\""),
        "{out}"
    );
    assert!(
        out.contains("Argument 1 to \"sendUpdate\" of \"DistributedAvatar\" has incompatible type \"Literal['setPoss']\""),
        "{out}"
    );
}

/// Corpus loads that must produce stubs: (module name, files in load order, lenient).
const CORPUS_SETS: &[(&str, &[&str], bool)] = &[
    ("corpus_panda_direct", &["panda3d__direct.dc"], false),
    (
        "corpus_panda_direct_1_10_16",
        &["panda3d-v1.10.16__direct.dc"],
        false,
    ),
    ("corpus_panda_sample", &["panda3d__sample.dc"], false),
    (
        "corpus_panda_tests_schema",
        &["panda3d__tests-schema.dc"],
        false,
    ),
    (
        "corpus_networking_direct",
        &["panda3d__networking-direct.dc"],
        false,
    ),
    (
        "corpus_networking_pair",
        &[
            "panda3d__networking-direct.dc",
            "panda3d__networking-03-sample.dc",
        ],
        false,
    ),
    ("corpus_astron_test", &["astron__test.dc"], false),
    ("corpus_ott_otp", &["open-toontown__otp.dc"], false),
    (
        "corpus_ott_otp_toon",
        &["open-toontown__otp.dc", "open-toontown__toon.dc"],
        false,
    ),
    ("corpus_ott_toon_lenient", &["open-toontown__toon.dc"], true),
    ("corpus_openotp_toon", &["openotp__toon.dc"], false),
];

/// Corpus files no set loads: Panda3D itself rejects this one (obsolete syntax).
const CORPUS_UNLOADABLE: &[&str] = &["panda3d__dcparse-test.dc"];

#[test]
fn corpus_stubs_pass_mypy_strict() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dc");
    if !corpus.is_dir() {
        eprintln!(
            "skipped: corpus not found at {} (it lives in ../shared/corpus/dc next to the repository)",
            corpus.display()
        );
        return;
    }
    // Every corpus file is covered, so a new file cannot go untested.
    let mut listed: Vec<String> = std::fs::read_dir(&corpus)
        .expect("read corpus")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".dc"))
        .collect();
    listed.sort();
    for name in &listed {
        let used = CORPUS_SETS
            .iter()
            .any(|(_, files, _)| files.contains(&name.as_str()));
        assert!(
            used || CORPUS_UNLOADABLE.contains(&name.as_str()),
            "corpus file {name} is in no stub test set"
        );
    }

    let dir = work_dir("pyi-corpus");
    let mut modules = Vec::new();
    for &(module, files, lenient) in CORPUS_SETS {
        let paths: Vec<PathBuf> = files.iter().map(|f| corpus.join(f)).collect();
        let model = dcc::load_files(&paths, dcc::Options { lenient })
            .unwrap_or_else(|e| panic!("{module} does not load:\n{}", e.render()));
        let text = dcc::pyi::generate_pyi(&model);
        // Each dclass is a class with a method per field (no corpus name needs escaping).
        for &id in &model.class_list {
            let class = model.class(id);
            if class.bogus {
                continue;
            }
            assert!(
                text.contains(&format!("\nclass {}(", class.name))
                    || text.contains(&format!("\nclass {}:", class.name)),
                "{module}: no class {}",
                class.name
            );
            if class.is_struct {
                continue;
            }
            for &f in &class.fields {
                let name = &model.field(f).name;
                assert!(
                    text.contains(&format!("    def {name}(")),
                    "{module}: no method {}.{name}",
                    class.name
                );
            }
        }
        write(&dir, &format!("{module}.pyi"), &text);
        modules.push(format!("{module}.pyi"));
    }
    if !mypy_available() {
        return;
    }
    write(&dir, "ott_toon.py", include_str!("pyi/ott_toon.py"));
    modules.push("ott_toon.py".to_string());
    let args: Vec<&str> = modules.iter().map(String::as_str).collect();
    let (ok, out) = mypy(&dir, &args);
    assert!(ok, "mypy --strict failed on the corpus stubs:\n{out}");
    assert!(
        out.contains(&format!(
            "Success: no issues found in {} source files",
            modules.len()
        )),
        "{out}"
    );
}
