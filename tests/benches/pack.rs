//! Pack/unpack cost of a typical avatar state: generated code per field and per
//! object, next to the dynamic (reflective) packer on the same values.
//!
//! Run: `cargo bench -p pipes-tests --bench pack`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use pipes::schema::{FieldMessage, Message};
use pipes::wire::Reader;
use pipes_tests::example::{distributed_avatar as av, Color, DistributedAvatar};
use pipes_tests::feature_schema::features::SetScores;

fn avatar() -> DistributedAvatar {
    DistributedAvatar {
        set_name: av::SetName {
            name: "Flippy McQuack".into(),
        },
        set_color: av::SetColor {
            color: Color {
                r: 200,
                g: 120,
                b: 40,
            },
        },
        set_pos: av::SetPos {
            x: 12.34,
            y: -56.78,
            z: 0.5,
        },
        set_h: av::SetH { h: 271.5 },
        emote: av::Emote { id: 3 },
    }
}

fn bench(c: &mut Criterion) {
    let state = avatar();
    let scores = SetScores {
        scores: vec![10, 20, 30, 40],
        ratio: 0.75,
        big: 99,
    };
    let mut buf = Vec::with_capacity(256);

    let mut g = c.benchmark_group("generated");
    g.bench_function("pack setPos (to_array, no allocation)", |b| {
        b.iter(|| black_box(&state.set_pos).to_array::<12>().unwrap())
    });
    g.bench_function("pack setName", |b| {
        b.iter(|| {
            buf.clear();
            black_box(&state.set_name).pack_into(&mut buf).unwrap();
        })
    });
    g.bench_function("pack small array field", |b| {
        b.iter(|| {
            buf.clear();
            black_box(&scores).pack_into(&mut buf).unwrap();
        })
    });
    g.bench_function("pack avatar state", |b| {
        b.iter(|| {
            buf.clear();
            black_box(&state).pack_into(&mut buf).unwrap();
        })
    });
    let mut packed = Vec::new();
    state.pack_into(&mut packed).unwrap();
    let pos = state.set_pos.to_bytes().unwrap();
    let scores_bytes = scores.to_bytes().unwrap();
    g.bench_function("unpack setPos", |b| {
        b.iter(|| av::SetPos::from_bytes(black_box(&pos)).unwrap())
    });
    g.bench_function("unpack small array field", |b| {
        b.iter(|| SetScores::from_bytes(black_box(&scores_bytes)).unwrap())
    });
    g.bench_function("unpack avatar state", |b| {
        b.iter(|| DistributedAvatar::unpack(&mut Reader::new(black_box(&packed))).unwrap())
    });
    g.finish();

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/example.dc");
    let model = dcc::load_files(&[path], dcc::Options::default()).expect("schema loads");
    let class = model.class_by_name("DistributedAvatar").expect("class");
    let set_pos = model.field_by_name(class, "setPos").expect("field");
    let mut sources = dcc::SourceMap::new();
    let id = sources.add(dcc::SourceFile::new("<v>", b"(12.34, -56.78, 0.5)"));
    let value = dcc::parse::parse_value(id, "(12.34, -56.78, 0.5)").expect("parses");
    let mut g = c.benchmark_group("dynamic");
    g.bench_function("pack setPos", |b| {
        b.iter(|| dcc::pack::pack_field(&model, set_pos, black_box(&value)).unwrap())
    });
    g.bench_function("unpack setPos (to DC text)", |b| {
        b.iter(|| dcc::pack::unpack_field(&model, set_pos, black_box(&pos)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
