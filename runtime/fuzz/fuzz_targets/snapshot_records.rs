//! The compact snapshot record format (protocol version 4) on its own: any bytes
//! either fail to decode with an error or decode to records that the server's writer
//! encodes back to bytes decoding to the same records (decoder and writer agree on
//! every chain: id deltas, class, location and mask repeats).

#![no_main]

use libfuzzer_sys::fuzz_target;
use pipes::protocol::snapshot::{decode_records, state_fields, PartWriter, Record, RecordKind};
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
    let mut w = PartWriter::new(Tick(1), 80, 7);
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
            (
                r.object,
                r.kind,
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
            w.update(r.object, class, n, moved);
            class
        }
    };
    let info = SCHEMA.class(class).expect("decoded class exists");
    for (i, f) in state_fields(&SCHEMA, info).enumerate() {
        if let Some((_, v)) = r.fields.iter().find(|(n, _)| *n == f.number) {
            w.field(i, v);
        }
    }
    w.end();
}

fn count(class: u16) -> usize {
    SCHEMA
        .class(class)
        .map_or(0, |c| state_fields(&SCHEMA, c).count())
}
