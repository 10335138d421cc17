//! Generated code against Panda3D: every valid value sample the oracle recorded for
//! the corpus (`compiler/tests/panda/corpus.json`, bytes packed by Panda3D itself)
//! must unpack with the generated `Field` enum and pack back to the same bytes.

use pipes_tests::{repack, CORPUS_SETS};
use serde_json::Value;

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("oracle hex"))
        .collect()
}

#[test]
fn generated_code_round_trips_panda_samples() {
    if CORPUS_SETS.is_empty() {
        eprintln!("skipped: ../shared/corpus/dc is absent, so no corpus code was generated");
        return;
    }
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../compiler/tests/panda/corpus.json"
    );
    let data: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("oracle data")).expect("json");
    let (mut checked, mut failures) = (0usize, Vec::new());
    for case in data["cases"].as_array().expect("cases") {
        let files: Vec<&str> = case["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| f.as_str().expect("file"))
            .collect();
        let Some((set, _)) = CORPUS_SETS.iter().find(|(_, f)| *f == files.as_slice()) else {
            continue;
        };
        let numbers: std::collections::HashMap<(String, String), u16> = case["classes"]
            .as_array()
            .expect("classes")
            .iter()
            .flat_map(|c| {
                let class = c["name"].as_str().unwrap_or_default().to_string();
                c["fields"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(move |f| {
                        let n = u16::try_from(f["number"].as_u64()?).ok()?;
                        Some(((class.clone(), f["name"].as_str()?.to_string()), n))
                    })
            })
            .collect();
        for sample in case["samples"].as_array().expect("samples") {
            let Some(bytes) = sample["hex"].as_str().map(hex) else {
                continue;
            };
            let class = sample["class"].as_str().expect("class");
            let field = sample["field"].as_str().expect("field");
            let Some(&number) = numbers.get(&(class.to_string(), field.to_string())) else {
                continue; // inherited field: sampled under its declaring class too
            };
            let Some(result) = repack(set, class, number, &bytes) else {
                continue; // structs have no Field enum; their fields are sampled via users
            };
            checked += 1;
            match result {
                Ok(again) if again == bytes => {}
                Ok(again) => failures.push(format!(
                    "{set} {class}.{field}: {:02x?} repacked as {:02x?}",
                    bytes, again
                )),
                Err(e) => {
                    // Panda's strings are bytes; a Rust String must be UTF-8.
                    if e.kind != pipes::wire::WireErrorKind::InvalidUtf8 {
                        failures.push(format!("{set} {class}.{field}: {:02x?}: {e}", bytes));
                    }
                }
            }
        }
    }
    assert!(checked > 10_000, "only {checked} samples checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} samples differ:\n{}",
        failures.len(),
        failures[..failures.len().min(30)].join("\n")
    );
    eprintln!("{checked} Panda3D samples round-trip through generated code");
}
