//! Bytes split at the first NUL into schema text and value text. The schema is
//! loaded leniently (a small fixed schema is used when it does not load); the value
//! is parsed with `parse_value` and packed into every field (up to 64); whatever packs
//! is unpacked again. Nothing may panic, hang or exhaust the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// Used when the schema part does not load: covers ints with divisors, ranges and
/// moduli, floats, strings, blobs, arrays, nested structs, a switch and a molecular field.
const FIXED_SCHEMA: &str = r#"
typedef uint32 DoId;
typedef int16/10 Coord;
keyword p2p;

struct Item {
  uint16 itemId;
  string(0-16) label;
  uint8 quantity = 1;
  int8(-5-5) small;
};

struct Pair {
  Item a;
  Item b[2];
};

switch Kind (uint8) {
case 0:
  break;
case 1:
  uint16 one;
  break;
case 2:
  string two;
  Item item;
  break;
default:
  blob other;
};

dclass Avatar {
  setName(string name) required broadcast db;
  setPos(Coord x, Coord y, int32/100 z) broadcast ram;
  setHpr(int16%360 h, uint16%360/10 p, float64 r) broadcast ram;
  setHealth(uint16(0-1000) health = 100) required broadcast ram;
  setPosHpr : setPos, setHpr;
};

dclass Inventory : Avatar {
  setItems(Item items[]) p2p;
  setPairs(Pair pairs[0-3]);
  setKind(Kind k);
  setBlob(blob data, blob32 big, char c);
  setArrays(uint32array ids, int8[4] four, uint32uint8array pairs, int64 wide, uint64 uwide);
  setDoIds(DoId ids[] = [1, 2, 3]);
  setReal(float64 f = 1.5, float64(-1.0-1.0) unit);
  string title;
  uint8/2 half = 3;
};
"#;

/// The fixed schema's model, loaded once.
fn fixed_model() -> &'static dcc::Model {
    static MODEL: OnceLock<dcc::Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        dcc::load_sources(
            &[("fixed.dc", FIXED_SCHEMA.as_bytes())],
            dcc::Options::default(),
        )
        .unwrap_or_else(|e| panic!("fixed schema does not load:\n{}", e.render()))
    })
}

fuzz_target!(|data: &[u8]| {
    let (schema, value) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let text = dcc::SourceFile::new("value", value).text;
    let Ok(value) = dcc::parse::parse_value(dcc::source::FileId(0), &text) else {
        return;
    };
    let loaded = match schema {
        [] => None,
        _ => dcc::load_sources(&[("fuzz.dc", schema)], dcc::Options { lenient: true })
            .ok()
            .filter(|m| !m.fields.is_empty()),
    };
    let model = loaded.as_ref().unwrap_or_else(|| fixed_model());
    for i in 0..model.fields.len().min(64) {
        let field = dcc::model::FieldId(i as u32);
        if let Ok(bytes) = dcc::pack::pack_field(model, field, &value) {
            let _ = std::hint::black_box(dcc::pack::unpack_field(model, field, &bytes));
        }
    }
});
