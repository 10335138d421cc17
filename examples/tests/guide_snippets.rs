//! Every Rust snippet of `docs/GUIDE.md` is real: each must appear, line for line
//! (indentation aside; `// ...` marks an elision), in one of the example sources the
//! tests compile. A snippet edited in the guide but not in the code fails here.

use std::path::PathBuf;

/// The sources snippets may quote.
const SOURCES: &[&str] = &["guide.rs", "build.rs", "astron_world.rs", "arena.rs"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Lines trimmed, blank lines and anchor markers dropped.
fn normalize(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("// ANCHOR"))
        .map(String::from)
        .collect()
}

/// Whether `part` occurs as consecutive lines of `whole`.
fn contains(whole: &[String], part: &[String]) -> bool {
    part.is_empty() || whole.windows(part.len()).any(|w| w == part)
}

/// The ```rust blocks of a markdown text, with the line each starts on.
fn rust_blocks(md: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in md.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match (&mut current, fence) {
            (None, true) if line.trim_start().starts_with("```rust") => {
                current = Some((i + 1, String::new()));
            }
            (Some(_), true) => blocks.extend(current.take()),
            (Some((_, text)), false) => {
                text.push_str(line);
                text.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn every_rust_snippet_of_the_guide_is_in_a_compiled_example() {
    let md = std::fs::read_to_string(root().join("../docs/GUIDE.md")).expect("docs/GUIDE.md");
    let sources: Vec<(&str, Vec<String>)> = SOURCES
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(root().join(f)).expect("example source");
            (*f, normalize(&text))
        })
        .collect();
    let blocks = rust_blocks(&md);
    assert!(
        blocks.len() >= 10,
        "the guide has its snippets: {}",
        blocks.len()
    );
    for (line, block) in blocks {
        let chunks: Vec<Vec<String>> = block
            .split("// ...\n")
            .map(normalize)
            .filter(|c| !c.is_empty())
            .collect();
        let found = sources
            .iter()
            .any(|(_, src)| chunks.iter().all(|c| contains(src, c)));
        assert!(
            found,
            "docs/GUIDE.md:{line}: this snippet is not in {SOURCES:?}:\n{block}"
        );
    }
}

#[test]
fn the_checker_rejects_an_edited_snippet() {
    let src = normalize("fn a() {\n    let x = 1;\n}\n");
    assert!(contains(&src, &normalize("let x = 1;\n}")));
    assert!(!contains(&src, &normalize("let x = 2;")));
    let md = "text\n```rust\nlet x = 1;\n```\n```sh\nls\n```\n";
    assert_eq!(rust_blocks(md), vec![(2, "let x = 1;\n".to_string())]);
}

/// The names `examples/guide.rs` defines at top level (`fn`, `struct`, `const`,
/// `type`), with the line that defines each.
fn top_level_definitions(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in source.lines() {
        for prefix in ["fn ", "struct ", "const ", "type "] {
            if let Some(rest) = line.strip_prefix(prefix) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push((name, line.trim().to_string()));
            }
        }
    }
    out
}

/// Whether `word` occurs in `text` as a whole identifier.
fn uses_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        let before = text[..i].chars().next_back().is_some_and(ident);
        let after = text[i + word.len()..].chars().next().is_some_and(ident);
        !before && !after
    })
}

#[test]
fn every_name_the_guide_uses_is_shown_where_it_is_defined() {
    let md = std::fs::read_to_string(root().join("../docs/GUIDE.md")).expect("docs/GUIDE.md");
    let source = std::fs::read_to_string(root().join("guide.rs")).expect("guide.rs");
    let blocks: Vec<String> = rust_blocks(&md).into_iter().map(|(_, b)| b).collect();
    let shown = normalize(&blocks.join("\n"));
    let mut missing = Vec::new();
    for (name, definition) in top_level_definitions(&source) {
        let used = blocks.iter().any(|b| uses_word(b, &name));
        if used && !shown.contains(&definition) && name != "main" {
            missing.push(definition);
        }
    }
    assert!(
        missing.is_empty(),
        "docs/GUIDE.md uses these names of examples/guide.rs without showing their definition:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_name_checker_sees_definitions_and_whole_words() {
    let defs = top_level_definitions("const A: u8 = 1;\nfn run() {}\n    fn inner() {}\n");
    assert_eq!(
        defs,
        vec![
            ("A".to_string(), "const A: u8 = 1;".to_string()),
            ("run".to_string(), "fn run() {}".to_string())
        ]
    );
    assert!(uses_word("x = PLAYERS.len()", "PLAYERS"));
    assert!(!uses_word("MAX_PLAYERS", "PLAYERS"));
}
