//! Differential property test over the whole corpus: the generated packers and the
//! dynamic (reflective) packer agree on every value.
//!
//! Values are Panda3D-packed samples from the oracle data, randomly mutated (byte
//! flips, truncation, extension, insertion), so both valid and invalid inputs occur.
//! For each input: when the dynamic unpacker refuses the bytes, so must the generated
//! code; when it accepts them, the value it prints is packed again by the dynamic
//! packer, and the generated code must accept exactly when that succeeds, and then
//! repack to the same bytes (or, where packing normalises a value, as a modulus does,
//! to the dynamic packer's bytes).

use dcc::pack::{pack_field, unpack_field, PackErrorKind};
use pipes::wire::WireErrorKind;
use pipes_tests::{repack, CORPUS_SETS};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

struct Sample {
    set: usize,
    class: String,
    number: u16,
    field: dcc::model::FieldId,
    bytes: Vec<u8>,
}

struct Data {
    models: Vec<(&'static str, dcc::Model)>,
    samples: Vec<Sample>,
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dc");
        let oracle =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../compiler/tests/panda/corpus.json");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(oracle).expect("oracle")).expect("json");
        let mut models = Vec::new();
        let mut samples = Vec::new();
        for (set, files) in CORPUS_SETS {
            let paths: Vec<_> = files.iter().map(|f| corpus.join(f)).collect();
            let model = dcc::load_files(&paths, dcc::Options::default()).expect("corpus loads");
            let case = json["cases"]
                .as_array()
                .expect("cases")
                .iter()
                .find(|c| {
                    c["files"].as_array().map(|a| a.len()) == Some(files.len())
                        && c["files"]
                            .as_array()
                            .expect("files")
                            .iter()
                            .zip(files.iter())
                            .all(|(a, b)| a == b)
                })
                .expect("oracle covers every compiled set");
            for s in case["samples"].as_array().expect("samples") {
                let Some(hex) = s["hex"].as_str() else {
                    continue;
                };
                let class_name = s["class"].as_str().expect("class");
                let Some(class) = model.class_by_name(class_name) else {
                    continue;
                };
                if model.class(class).is_struct {
                    continue;
                }
                let Some(field) = model.field_by_name(class, s["field"].as_str().expect("field"))
                else {
                    continue;
                };
                let Some(number) = model.field(field).number else {
                    continue;
                };
                let bytes = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                    .collect();
                samples.push(Sample {
                    set: models.len(),
                    class: class_name.to_string(),
                    number: number as u16,
                    field,
                    bytes,
                });
            }
            models.push((*set, model));
        }
        Data { models, samples }
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    None,
    Flip { at: usize, bits: u8 },
    Truncate { keep: usize },
    Append { byte: u8 },
    Insert { at: usize, byte: u8 },
}

fn mutate(bytes: &[u8], m: &Mutation) -> Vec<u8> {
    let mut b = bytes.to_vec();
    match *m {
        Mutation::None => {}
        Mutation::Flip { at, bits } if !b.is_empty() => {
            let i = at % b.len();
            b[i] ^= bits;
        }
        Mutation::Flip { .. } => {}
        Mutation::Truncate { keep } => b.truncate(keep % (b.len() + 1)),
        Mutation::Append { byte } => b.push(byte),
        Mutation::Insert { at, byte } => b.insert(at % (b.len() + 1), byte),
    }
    b
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => Just(Mutation::None),
        4 => (any::<usize>(), 1u8..).prop_map(|(at, bits)| Mutation::Flip { at, bits }),
        1 => any::<usize>().prop_map(|keep| Mutation::Truncate { keep }),
        1 => any::<u8>().prop_map(|byte| Mutation::Append { byte }),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
    ]
}

fn check(sample: &Sample, bytes: &[u8]) -> Result<(), TestCaseError> {
    let data = data();
    let (set, model) = &data.models[sample.set];
    let generated =
        repack(set, &sample.class, sample.number, bytes).expect("dclass has a Field enum");
    let utf8 = matches!(&generated, Err(e) if e.kind == WireErrorKind::InvalidUtf8);
    let what = format!(
        "{set} {}.{} {:02x?}",
        sample.class,
        model.field(sample.field).name,
        bytes
    );
    let text = match unpack_field(model, sample.field, bytes) {
        Err(_) => {
            prop_assert!(
                generated.is_err(),
                "dynamic refuses, generated accepts: {what}"
            );
            return Ok(());
        }
        Ok(text) => text,
    };
    let mut sources = dcc::SourceMap::new();
    let id = sources.add(dcc::SourceFile::new("<value>", text.as_bytes()));
    let Ok(value) = dcc::parse::parse_value(id, &text) else {
        return Ok(()); // formatted text that is not DC value syntax (not comparable)
    };
    match pack_field(model, sample.field, &value) {
        Ok(_) if utf8 => {}
        // Generated code repacks the exact value; the dynamic packer packs the printed
        // value. They agree with the input bytes, or (when packing normalises, as a
        // modulus does) with each other.
        Ok(dynamic) => match generated {
            Ok(again) => prop_assert!(
                again == bytes || again == dynamic,
                "{what}: generated {again:02x?}, dynamic {dynamic:02x?}"
            ),
            Err(e) => prop_assert!(
                false,
                "dynamic packs `{text}`, generated refuses ({e}): {what}"
            ),
        },
        Err(e) if e.kind == PackErrorKind::Range => {
            prop_assert!(
                generated.is_err(),
                "`{text}` is out of range, generated accepts: {what}"
            );
        }
        Err(_) => {}
    }
    Ok(())
}

#[test]
fn generated_and_dynamic_packers_agree_on_mutated_corpus_values() {
    if CORPUS_SETS.is_empty() {
        eprintln!("skipped: ../shared/corpus/dc is absent, so no corpus code was generated");
        return;
    }
    let n = data().samples.len();
    assert!(n > 10_000, "only {n} samples");
    let config = ProptestConfig {
        cases: 20_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(index in 0..n, m in mutation())| {
        let sample = &data().samples[index];
        check(sample, &mutate(&sample.bytes, &m))?;
    });
}

#[test]
fn every_corpus_sample_agrees_unmutated() {
    if CORPUS_SETS.is_empty() {
        eprintln!("skipped: ../shared/corpus/dc is absent");
        return;
    }
    for sample in &data().samples {
        check(sample, &sample.bytes)
            .map_err(|e| e.to_string())
            .expect("agrees");
    }
}
