//! Conformance with Panda3D itself.
//!
//! `tools/panda_oracle.py` runs the real Panda3D DC parser and packer (the `panda3d`
//! package from PyPI) and writes what it saw to `tests/panda/*.json`: hashes, class
//! and field numbering, default bytes, and packed bytes of random values. These tests
//! load the same schemas with `dcc` and compare everything.
//!
//! * `corpus.json` needs the real-world schemas in `../shared/corpus/dc/`; without
//!   that folder (a fresh clone) the test says so and skips.
//! * `random.json` embeds its generated schemas, so it always runs.
//! * `DCC_LIVE_VECTORS=path.json` adds a freshly generated file (CI does this).

use dcc::model::{FieldKind, Model};
use dcc::{hash, pack, parse, Options, SourceFile, SourceMap};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = manifest_dir().join("../../shared/corpus/dc");
    dir.is_dir().then_some(dir)
}

fn read_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Loads a case's sources: strict first, lenient when Panda flagged placeholders.
fn load(sources: &[(String, Vec<u8>)], lenient: bool) -> Result<Model, dcc::Error> {
    let refs: Vec<(&str, &[u8])> = sources
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    dcc::load_sources(&refs, Options { lenient })
}

/// Deliberate or not-yet-understood differences, one per line in
/// `tests/panda/known_divergences.txt`: `case Class.field  reason`. Each is printed,
/// not failed; every other mismatch fails. Keep this list short and explained.
fn known_divergences() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(manifest_dir().join("tests/panda/known_divergences.txt"))
        .unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            Some((parts.next()?.to_string(), parts.next()?.to_string()))
        })
        .collect()
}

struct Checker {
    known: Vec<(String, String)>,
    /// Indices into `known` that matched a difference.
    known_hit: std::collections::HashSet<usize>,
    /// Names of the cases this checker looked at.
    cases_seen: std::collections::HashSet<String>,
    tolerated: usize,
    failures: Vec<String>,
    checked_samples: usize,
    checked_fields: usize,
}

impl Checker {
    fn fail(&mut self, case: &str, what: String) {
        // Panda casts an out-of-range double to uint32/uint64/int32/int64 without a
        // check (undefined behaviour in C++); dcc refuses such values on purpose
        // (dc-format.md §5.3).
        let ub_cast = ["uint32", "uint64", "int32", "int64"]
            .iter()
            .any(|t| what.ends_with(&format!("does not fit in {t}")));
        let known = self
            .known
            .iter()
            .position(|(c, f)| c == case && what.starts_with(&format!("`{f}`")));
        if let Some(i) = known {
            self.known_hit.insert(i);
        }
        if ub_cast || known.is_some() {
            eprintln!("tolerated: {case}: {what}");
            self.tolerated += 1;
        } else {
            self.failures.push(format!("{case}: {what}"));
        }
    }

    fn check_case(&mut self, case: &Json, sources: &[(String, Vec<u8>)]) {
        let name = case["name"].as_str().unwrap_or("?").to_string();
        self.cases_seen.insert(name.clone());
        let accepted = case["accepted"].as_bool().unwrap_or(false);
        let valid = case["valid"].as_bool().unwrap_or(true);
        if !accepted {
            // Panda rejects: so must we, in both modes, at the line Panda names.
            for lenient in [false, true] {
                match load(sources, lenient) {
                    Ok(_) => self.fail(
                        &name,
                        format!("Panda rejects this schema but dcc (lenient={lenient}) accepts it"),
                    ),
                    Err(e) => {
                        if let Some(line) = case["error"]["line"].as_u64() {
                            // Panda's line must lie within one of our diagnostics' spans.
                            let spans: Vec<(usize, usize)> = e
                                .diagnostics
                                .iter()
                                .map(|d| {
                                    let file = e.sources.get(d.span.file);
                                    (
                                        file.line_col(d.span.start as usize).0,
                                        file.line_col(d.span.end as usize).0,
                                    )
                                })
                                .collect();
                            let lines: Vec<usize> = spans.iter().map(|s| s.0).collect();
                            let line = line as usize;
                            if !spans.iter().any(|&(a, b)| a <= line && line <= b) && lenient {
                                self.fail(
                                    &name,
                                    format!(
                                        "Panda reports line {line}, dcc reports lines {lines:?}"
                                    ),
                                );
                            }
                        }
                    }
                }
            }
            return;
        }
        let strict = load(sources, false);
        if valid {
            if let Err(e) = &strict {
                self.fail(
                    &name,
                    format!("Panda accepts this schema, dcc rejects it:\n{}", e.render()),
                );
                return;
            }
        } else if strict.is_ok() {
            self.fail(
                &name,
                "Panda needed placeholders (valid=False) but strict dcc accepted it".into(),
            );
        }
        let model = match load(sources, true) {
            Ok(m) => m,
            Err(e) => {
                self.fail(
                    &name,
                    format!(
                        "lenient dcc rejects a schema Panda accepts:\n{}",
                        e.render()
                    ),
                );
                return;
            }
        };
        let want_hash = case["hash"].as_str().unwrap_or("");
        let got_hash = format!("{:#010x}", hash::hash_model(&model));
        if got_hash != want_hash {
            self.fail(&name, format!("hash {got_hash}, Panda {want_hash}"));
        }
        let memoized = format!("{:#010x}", hash::hash_model_memoized(&model));
        if memoized != want_hash {
            self.fail(
                &name,
                format!("memoized hash {memoized}, Panda {want_hash}"),
            );
        }
        self.check_classes(&name, case, &model);
        self.check_samples(&name, case, &model);
    }

    fn check_classes(&mut self, name: &str, case: &Json, model: &Model) {
        let classes = case["classes"].as_array().cloned().unwrap_or_default();
        if classes.len() != model.class_list.len() {
            self.fail(
                name,
                format!(
                    "{} classes, Panda {}",
                    model.class_list.len(),
                    classes.len()
                ),
            );
            return;
        }
        for (want, &id) in classes.iter().zip(&model.class_list) {
            let c = model.class(id);
            let cname = want["name"].as_str().unwrap_or("");
            if c.name != cname || c.is_struct != want["struct"].as_bool().unwrap_or(false) {
                self.fail(
                    name,
                    format!(
                        "class {} is `{}` (struct={}), Panda `{cname}`",
                        want["index"], c.name, c.is_struct
                    ),
                );
                continue;
            }
            let number = c.number.map_or(-1, i64::from);
            if number != want["number"].as_i64().unwrap_or(-2) {
                self.fail(
                    name,
                    format!("class `{cname}` number {number}, Panda {}", want["number"]),
                );
            }
            let parents: Vec<String> = c
                .parents
                .iter()
                .map(|&p| model.class(p).name.clone())
                .collect();
            let want_parents: Vec<String> = want["parents"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str().map(String::from))
                .collect();
            if parents != want_parents {
                self.fail(
                    name,
                    format!("class `{cname}` parents {parents:?}, Panda {want_parents:?}"),
                );
            }
            let fields = want["fields"].as_array().cloned().unwrap_or_default();
            if fields.len() != c.fields.len() {
                self.fail(
                    name,
                    format!(
                        "class `{cname}` has {} fields, Panda {}",
                        c.fields.len(),
                        fields.len()
                    ),
                );
                continue;
            }
            for (wf, &fid) in fields.iter().zip(&c.fields) {
                self.checked_fields += 1;
                let f = model.field(fid);
                let fname = wf["name"].as_str().unwrap_or("");
                let number = f.number.map_or(-1, i64::from);
                if f.name != fname || number != wf["number"].as_i64().unwrap_or(-2) {
                    self.fail(
                        name,
                        format!(
                            "`{cname}` field `{}` #{number}, Panda `{fname}` #{}",
                            f.name, wf["number"]
                        ),
                    );
                }
                let mut want_kw: Vec<String> = wf["keywords"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|k| k.as_str().map(String::from))
                    .collect();
                want_kw.sort();
                want_kw.dedup();
                if f.keywords.names != want_kw {
                    self.fail(
                        name,
                        format!(
                            "`{cname}.{fname}` keywords {:?}, Panda {want_kw:?}",
                            f.keywords.names
                        ),
                    );
                }
                let kind = match f.kind {
                    FieldKind::Atomic(_) => "atomic",
                    FieldKind::Molecular(_) => "molecular",
                    FieldKind::Parameter(_) => "parameter",
                };
                if wf["kind"].as_str() != Some(kind) {
                    self.fail(
                        name,
                        format!("`{cname}.{fname}` is {kind}, Panda {}", wf["kind"]),
                    );
                }
                if let Some(want_default) = wf["default"].as_str() {
                    let got = pack::field_default(model, fid)
                        .map(|b| hex(&b))
                        .unwrap_or_default();
                    if got != want_default {
                        self.fail(
                            name,
                            format!("`{cname}.{fname}` default {got:?}, Panda {want_default:?}"),
                        );
                    }
                }
            }
            let inherited: Vec<i64> = c
                .inherited
                .iter()
                .map(|&f| model.field(f).number.map_or(-1, i64::from))
                .collect();
            let want_inherited: Vec<i64> = want["inherited"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_i64())
                .collect();
            if inherited != want_inherited {
                self.fail(
                    name,
                    format!("`{cname}` inherited fields {inherited:?}, Panda {want_inherited:?}"),
                );
            }
        }
    }

    fn check_samples(&mut self, name: &str, case: &Json, model: &Model) {
        for sample in case["samples"].as_array().into_iter().flatten() {
            self.checked_samples += 1;
            let (Some(cname), Some(fname), Some(text)) = (
                sample["class"].as_str(),
                sample["field"].as_str(),
                sample["value"].as_str(),
            ) else {
                continue;
            };
            let Some(field) = model
                .class_by_name(cname)
                .and_then(|c| model.field_by_name(c, fname))
            else {
                self.fail(name, format!("no field `{cname}.{fname}`"));
                continue;
            };
            let mut sources = SourceMap::new();
            let file = sources.add(SourceFile::new("<value>", text.as_bytes()));
            let packed = parse::parse_value(file, &sources.get(file).text.clone())
                .map_err(|d| {
                    d.iter()
                        .map(|d| d.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .and_then(|v| pack::pack_field(model, field, &v).map_err(|e| e.message));
            match (sample["hex"].as_str(), packed) {
                (Some(want), Ok(got)) => {
                    if hex(&got) != want {
                        self.fail(
                            name,
                            format!(
                                "`{cname}.{fname}` packs {text} as {}, Panda {want}",
                                hex(&got)
                            ),
                        );
                    }
                    // Hand-written lexer samples carry Panda's formatting separately;
                    // "" there means Panda could not unpack the bytes either.
                    let handwritten = sample["handwritten"].as_bool().unwrap_or(false);
                    let panda_text = match sample["formatted"].as_str() {
                        Some(f) => f,
                        None if handwritten => continue,
                        None => text,
                    };
                    match pack::unpack_field(model, field, &got) {
                        Ok(formatted) if formatted == panda_text => {}
                        Ok(_) | Err(_) if panda_text.is_empty() => {}
                        Ok(formatted) => self.fail(
                            name,
                            format!("`{cname}.{fname}` formats {want} as {formatted}, Panda {panda_text}"),
                        ),
                        Err(e) => self.fail(
                            name,
                            format!("`{cname}.{fname}` cannot unpack {want}: {}", e.message),
                        ),
                    }
                }
                (Some(want), Err(e)) => self.fail(
                    name,
                    format!("`{cname}.{fname}` cannot pack {text} (Panda: {want}): {e}"),
                ),
                (None, Ok(got)) => self.fail(
                    name,
                    format!(
                        "`{cname}.{fname}` packs {text} as {} but Panda refuses it ({})",
                        hex(&got),
                        sample["error"]
                    ),
                ),
                (None, Err(_)) => {}
            }
        }
    }

    fn finish(mut self, what: &str) {
        // A listed divergence that no longer happens must come off the list, or it
        // would hide the same difference if it came back.
        for (i, (case, field)) in self.known.iter().enumerate() {
            if self.cases_seen.contains(case) && !self.known_hit.contains(&i) {
                self.failures.push(format!(
                    "{case}: the known divergence for `{field}` no longer happens: remove it from known_divergences.txt"
                ));
            }
        }
        eprintln!(
            "{what}: {} tolerated differences (see known_divergences.txt)",
            self.tolerated
        );
        eprintln!(
            "{what}: checked {} fields and {} samples",
            self.checked_fields, self.checked_samples
        );
        if !self.failures.is_empty() {
            let shown: Vec<&String> = self.failures.iter().take(40).collect();
            panic!(
                "{} mismatches with Panda3D in {what}; first ones:\n{}",
                self.failures.len(),
                shown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

fn new_checker() -> Checker {
    Checker {
        known: known_divergences(),
        known_hit: Default::default(),
        cases_seen: Default::default(),
        tolerated: 0,
        failures: Vec::new(),
        checked_samples: 0,
        checked_fields: 0,
    }
}

#[test]
fn corpus_matches_panda() {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIP corpus_matches_panda: ../shared/corpus/dc is not present (it is in CI)");
        return;
    };
    let data = read_json(&manifest_dir().join("tests/panda/corpus.json"));
    let mut checker = new_checker();
    let cases = data["cases"].as_array().expect("cases");
    assert!(
        cases.len() >= 11,
        "corpus.json should cover every corpus file"
    );
    for case in cases {
        let sources: Vec<(String, Vec<u8>)> = case["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str())
            .map(|f| {
                (
                    f.to_string(),
                    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}")),
                )
            })
            .collect();
        checker.check_case(case, &sources);
    }
    checker.finish("corpus.json");
}

fn check_random_file(path: &Path) {
    let data = read_json(path);
    let mut checker = new_checker();
    let cases = data["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for case in cases {
        let source = case["source"].as_str().unwrap_or("");
        let bytes: Vec<u8> = source.chars().map(|c| c as u32 as u8).collect();
        checker.check_case(case, &[("random.dc".to_string(), bytes)]);
    }
    checker.finish(&path.display().to_string());
}

#[test]
fn random_schemas_match_panda() {
    check_random_file(&manifest_dir().join("tests/panda/random.json"));
}

#[test]
fn live_random_schemas_match_panda() {
    match std::env::var_os("DCC_LIVE_VECTORS") {
        Some(path) => check_random_file(Path::new(&path)),
        None => eprintln!("SKIP live_random_schemas_match_panda: DCC_LIVE_VECTORS is not set (CI sets it after running tools/panda_oracle.py)"),
    }
}
