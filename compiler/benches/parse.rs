//! Criterion benchmarks for the `dcc` front end on the open-toontown schemas.
//!
//! Groups:
//! * `otp+toon/load_and_hash`: `load_sources` of `otp.dc` then `toon.dc`, plus `hash_model`
//!   (the same job as Panda3D's `DCFile::read` of both files, plus the hash);
//! * `otp+toon/parse_only`: `parse_file` of both files (pest parse + lowering to the AST);
//! * `otp+toon/hash_only`: `hash_model` on an already loaded model.
//!
//! The files are read from `../shared/corpus/dc/` (relative to the workspace root)
//! once, outside the timing loops. When that folder is absent the bench prints a skip
//! message and exits successfully.
//!
//! Run: `cargo bench -p pipes-dcc --bench parse -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, Criterion};
use std::path::PathBuf;

const FILES: [&str; 2] = ["open-toontown__otp.dc", "open-toontown__toon.dc"];

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dc")
}

/// Reads both files, or explains why not.
fn read_inputs() -> Result<Vec<(String, Vec<u8>)>, String> {
    let dir = corpus_dir();
    FILES
        .iter()
        .map(|name| {
            let path = dir.join(name);
            std::fs::read(&path)
                .map(|bytes| (name.to_string(), bytes))
                .map_err(|e| format!("{}: {e}", path.display()))
        })
        .collect()
}

fn bench(c: &mut Criterion, inputs: &[(String, Vec<u8>)]) {
    let sources: Vec<(&str, &[u8])> = inputs
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let options = dcc::Options::default();

    // Fail loudly (outside the timing) if the corpus no longer loads.
    let model = dcc::load_sources(&sources, options)
        .unwrap_or_else(|e| panic!("otp.dc + toon.dc do not load:\n{}", e.render()));
    let texts: Vec<String> = inputs
        .iter()
        .map(|(n, b)| dcc::SourceFile::new(n.as_str(), b).text)
        .collect();
    for text in &texts {
        if let Err(d) = dcc::parse::parse_file(dcc::source::FileId(0), text) {
            panic!("parse failed: {d:?}");
        }
    }

    let mut group = c.benchmark_group("otp+toon");
    group.bench_function("load_and_hash", |b| {
        b.iter(|| {
            let model = dcc::load_sources(black_box(&sources), options).unwrap();
            black_box(dcc::hash::hash_model(&model))
        })
    });
    group.bench_function("parse_only", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(dcc::parse::parse_file(dcc::source::FileId(0), black_box(text)).unwrap());
            }
        })
    });
    group.bench_function("hash_only", |b| {
        b.iter(|| black_box(dcc::hash::hash_model(black_box(&model))))
    });
    group.finish();
}

fn main() {
    let inputs = match read_inputs() {
        Ok(inputs) => inputs,
        Err(why) => {
            println!(
                "skipping dcc parse benchmarks: corpus not found ({why}); \
                 expected {FILES:?} in {}",
                corpus_dir().display()
            );
            return;
        }
    };
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &inputs);
    c.final_summary();
}
