//! The compact snapshot record format (protocol version 7) on its own: any bytes
//! either fail to decode with an error or decode to records that the server's writer
//! encodes back to bytes decoding to the same records (decoder and writer agree on
//! every chain: id deltas, class, location and mask repeats, DELTA records and runs);
//! and the deltas of a DELTA record's integer fields turn any baseline into a value
//! that `put_delta` encodes back to the same deltas.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pipes::protocol::snapshot::{
    apply_delta, decode_records, delta_widths, put_delta, state_fields, PartWriter, Record,
    RecordKind,
};
use pipes::protocol::ServerMessage;
use pipes::testing::SCHEMA;
use pipes::Tick;

fuzz_target!(|data: &[u8]| {
    let Some((&count, body)) = data.split_first() else {
        return;
    };
    let Ok(records) = decode_records(body, u16::from(count), &SCHEMA) else {
        return;
    };
    // Small parts, so records move between parts and chains restart.
    let mut w = PartWriter::new(Tick(10), 80, 7);
    for r in &records {
        write(&mut w, &r);
    }
    let parts = w.finish(false, true);
    let mut again = Vec::new();
    for p in &parts {
        let Ok(ServerMessage::Snapshot { count, body, .. }) = ServerMessage::decode(&p.payload)
        else {
            panic!("the writer's part does not decode");
        };
        let decoded = decode_records(body, count, &SCHEMA).expect("the writer's records decode");
        again.extend(decoded.iter().map(|r| {
            (
                r.object,
                r.kind,
                r.delta,
                r.fields
                    .iter()
                    .map(|(n, v)| (*n, v.to_vec()))
                    .collect::<Vec<_>>(),
            )
        }));
    }
    let want: Vec<_> = records
        .iter()
        .map(|r| {
            check_deltas(&r);
            (
                r.object,
                r.kind,
                r.delta,
                r.fields
                    .iter()
                    .map(|(n, v)| (*n, v.to_vec()))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(again, want);
});

fn write(w: &mut PartWriter, r: &Record<'_, '_>) {
    let class = match r.kind {
        RecordKind::Leave => {
            w.leave(r.object);
            return;
        }
        RecordKind::Enter {
            class,
            location,
            owned,
        } => {
            let n = count(class);
            w.enter(r.object, class, n, location, owned);
            class
        }
        RecordKind::Update { class, moved } => {
            let n = count(class);
            if r.delta {
                assert!(w.update_delta(r.object, class, n, moved, Tick(9)));
                w.force_delta();
            } else {
                w.update(r.object, class, n, moved);
            }
            class
        }
    };
    let info = SCHEMA.class(class).expect("decoded class exists");
    for (i, f) in state_fields(&SCHEMA, info).enumerate() {
        if let Some((_, v)) = r.fields.iter().find(|(n, _)| *n == f.number) {
            if r.delta && delta_widths(f).is_some() {
                w.field_encoded_delta(i, v, f.fixed_size.unwrap_or(0));
            } else {
                w.field(i, v);
            }
        }
    }
    w.end();
}

/// A DELTA's integer fields applied to a baseline (made of the deltas' own bytes)
/// give a value whose deltas against it are the same numbers.
fn check_deltas(r: &Record<'_, '_>) {
    if !r.delta {
        return;
    }
    for &(n, d) in r.fields {
        let Some(widths) = SCHEMA.field(n).and_then(delta_widths) else {
            continue;
        };
        let size: usize = widths.iter().map(|&w| usize::from(w)).sum();
        let base: Vec<u8> = d
            .iter()
            .chain(std::iter::repeat(&0x5A))
            .take(size)
            .copied()
            .collect();
        let mut value = Vec::new();
        apply_delta(widths, d, &base, &mut value).expect("decoded deltas apply");
        assert_eq!(value.len(), size);
        let mut again = Vec::new();
        put_delta(widths, &value, &base, &mut again);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        apply_delta(widths, &again, &base, &mut x).expect("encoded deltas apply");
        apply_delta(widths, d, &base, &mut y).expect("decoded deltas apply");
        assert_eq!(x, y);
    }
}

fn count(class: u16) -> usize {
    SCHEMA
        .class(class)
        .map_or(0, |c| state_fields(&SCHEMA, c).count())
}
