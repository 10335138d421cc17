//! Decoding snapshot records of a big class (Toontown's `DistributedToon`, 151 state
//! fields) and a small one, as a client does for every snapshot part it receives.
//!
//!     cargo bench -p pipes-python --bench snapshot_decode
//!
//! Each part holds 30 update records naming two fields each. Needs the real schemas in
//! `../shared/corpus/dc/` (skips with a message without them).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pipes::protocol::snapshot::{decode_records, state_fields, PartWriter};
use pipes::schema::SchemaInfo;
use pipes::{DoId, Tick};
use std::hint::black_box;
use std::path::Path;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/dc");

/// A snapshot part of 30 update records of `class`, two fixed-size fields each.
fn part(schema: &SchemaInfo, class: &str) -> Option<(Vec<u8>, u16)> {
    let class = schema.classes.iter().find(|c| c.name == class)?;
    let state: Vec<_> = state_fields(schema, class).collect();
    let mut w = PartWriter::new(Tick(1), 1200, 0);
    for i in 0..30 {
        w.update(DoId(1000 + i), class.number, state.len(), None);
        let fixed = state
            .iter()
            .enumerate()
            .filter(|(_, f)| f.fixed_size.is_some());
        for (index, f) in fixed.take(2) {
            w.field(index, f.default);
        }
        w.end();
    }
    let payload = w.finish(false, true).into_iter().next()?.payload;
    let count = u16::from_le_bytes([*payload.get(9)?, *payload.get(10)?]);
    Some((payload.get(12..)?.to_vec(), count))
}

fn decode(c: &mut Criterion) {
    let files = ["open-toontown__otp.dc", "open-toontown__toon.dc"];
    let paths: Vec<String> = files.iter().map(|f| format!("{CORPUS}/{f}")).collect();
    if !paths.iter().all(|p| Path::new(p).exists()) {
        eprintln!("snapshot_decode: skipped: no schemas in {CORPUS}");
        return;
    }
    let schema = match pipesnet::schema::load(&paths) {
        Ok(loaded) => loaded.info,
        Err(e) => panic!("the corpus schemas load: {e}"),
    };
    let mut group = c.benchmark_group("snapshot_decode");
    for class in ["DistributedToon", "DistributedNode"] {
        let Some((body, count)) = part(schema, class) else {
            panic!("{class} is in the corpus schemas");
        };
        group.throughput(Throughput::Elements(u64::from(count)));
        group.bench_function(class, |b| {
            b.iter(|| decode_records(black_box(&body), count, schema).map(|r| r.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
