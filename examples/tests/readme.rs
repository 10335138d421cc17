//! README claims that rot silently (issue 16, "small mismatches"): the layout table is
//! one table, one row per path, every path exists, nothing "to come".

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_layout_table_has_one_row_per_existing_path() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## Layout\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Layout section");
    let lines: Vec<&str> = section.lines().collect();
    let first = lines
        .iter()
        .position(|l| l.starts_with('|'))
        .expect("a table");
    let end = lines[first..]
        .iter()
        .position(|l| !l.starts_with('|'))
        .map_or(lines.len(), |n| first + n);
    assert!(
        !lines[end..].iter().any(|l| l.starts_with('|')),
        "the table is split by a blank line"
    );
    let mut seen = Vec::new();
    for row in &lines[first + 2..end] {
        assert!(!row.contains("to come"), "stale row: {row}");
        let cell = row.split('|').nth(1).unwrap_or_default().trim();
        for path in cell.split(", ").map(|p| p.trim_matches('`')) {
            assert!(root().join(path).exists(), "{path} does not exist: {row}");
            assert!(!seen.contains(&path.to_string()), "{path} listed twice");
            seen.push(path.to_string());
        }
    }
    assert!(seen.len() >= 10, "{seen:?}");
}
