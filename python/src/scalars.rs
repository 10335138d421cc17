//! Fields whose parameters are all single numbers (`setPos(float64 x, float64 y,
//! float64 z)`, `setHp(int16/10 hp)`), read straight from their bytes.
//!
//! Most state fields a game sends every frame are such fields. Their plan (width,
//! signedness, divisor and range of each parameter) is worked out once when the schema
//! loads, so measuring a field in a snapshot and turning it into a handler's arguments
//! walk no type tree and build no value tree. The checks are [`codec`]'s, in the same
//! order: a value outside its range is an error either way.
//!
//! [`codec`]: crate::codec

use dcc::ast::Builtin;
use dcc::model::{FieldId, FieldKind, Model, Range, Type};
use pipes::wire::{Reader, WireError, WireErrorKind, WireResult};

/// How one parameter's bytes read as a number.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    /// An IEEE float64.
    Float,
    /// A little-endian integer of `width` bytes (1, 2, 4 or 8).
    Int { width: usize, signed: bool },
}

/// One parameter: its layout, divisor and range (`None` when it has none).
#[derive(Debug, Clone)]
struct Param {
    layout: Layout,
    divisor: u32,
    range: Option<Range>,
}

/// A parameter's value as a handler receives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A signed integer without a divisor.
    Int(i64),
    /// An unsigned integer without a divisor.
    Uint(u64),
    /// A float, or an integer with a divisor, scaled.
    Float(f64),
}

/// The plan of a field whose parameters are all numbers.
#[derive(Debug, Clone)]
pub struct ScalarPlan {
    params: Box<[Param]>,
    /// Bytes of all parameters together.
    size: usize,
    /// Whether any parameter has a range to check.
    checked: bool,
}

fn out_of_range() -> WireError {
    WireError::new(WireErrorKind::OutOfRange, "value")
}

impl ScalarPlan {
    /// The plan of field `f`, when each of its parameters is a single number (an
    /// integer or a float64, divisors and ranges allowed; no strings, chars, arrays,
    /// structs or switches).
    pub fn of(model: &Model, f: FieldId) -> Option<ScalarPlan> {
        let FieldKind::Atomic(params) = &model.field(f).kind else {
            return None;
        };
        let params: Vec<Param> = params
            .iter()
            .map(|p| {
                let Type::Simple(s) = &p.ty else {
                    return None;
                };
                let layout = match s.builtin {
                    Builtin::Float64 => Layout::Float,
                    Builtin::Int8
                    | Builtin::Int16
                    | Builtin::Int32
                    | Builtin::Int64
                    | Builtin::Uint8
                    | Builtin::Uint16
                    | Builtin::Uint32
                    | Builtin::Uint64 => {
                        let (width, signed) = s.builtin.int_layout()?;
                        Layout::Int { width, signed }
                    }
                    _ => return None,
                };
                let range = (!matches!(s.range, Range::None)).then(|| s.range.clone());
                Some(Param {
                    layout,
                    divisor: s.divisor.max(1),
                    range,
                })
            })
            .collect::<Option<_>>()?;
        let size = params
            .iter()
            .map(|p| match p.layout {
                Layout::Float => 8,
                Layout::Int { width, .. } => width,
            })
            .sum();
        let checked = params.iter().any(|p| p.range.is_some());
        Some(ScalarPlan {
            params: params.into_boxed_slice(),
            size,
            checked,
        })
    }

    /// Moves `r` past one value of the field, checking ranges.
    pub fn skip(&self, r: &mut Reader<'_>) -> WireResult<()> {
        if !self.checked {
            return r.take(self.size).map(drop);
        }
        self.read(r, |_| ())
    }

    /// Reads one value of the field, handing each parameter to `each` in order.
    pub fn read(&self, r: &mut Reader<'_>, mut each: impl FnMut(Number)) -> WireResult<()> {
        for p in self.params.iter() {
            each(p.read(r)?);
        }
        Ok(())
    }
}

impl Param {
    fn read(&self, r: &mut Reader<'_>) -> WireResult<Number> {
        match self.layout {
            Layout::Float => {
                let mut buf = [0u8; 8];
                buf.copy_from_slice(r.take(8)?);
                let x = f64::from_le_bytes(buf);
                if self
                    .range
                    .as_ref()
                    .is_some_and(|range| !range.allows_float(x))
                {
                    return Err(out_of_range());
                }
                Ok(Number::Float(x / f64::from(self.divisor)))
            }
            Layout::Int { width, signed } => {
                let v = dcc::pack::int_from_le(r.take(width)?, signed);
                if self
                    .range
                    .as_ref()
                    .is_some_and(|range| !range.allows_int(v))
                {
                    return Err(out_of_range());
                }
                Ok(if self.divisor != 1 {
                    Number::Float(v as f64 / f64::from(self.divisor))
                } else if signed {
                    Number::Int(v as i64)
                } else {
                    Number::Uint(v as u64)
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{self, Value};

    fn model(text: &str) -> Model {
        dcc::load_sources(&[("t.dc", text.as_bytes())], dcc::Options::default()).expect("schema")
    }

    fn field(m: &Model, name: &str) -> FieldId {
        (0..m.fields_by_number.len())
            .map(|n| m.fields_by_number[n])
            .find(|&f| m.field(f).name == name)
            .expect("field")
    }

    /// The plan reads exactly what the value-tree decoder reads, and fails where it fails.
    fn agrees(m: &Model, name: &str, bytes: &[u8]) {
        let f = field(m, name);
        let plan = ScalarPlan::of(m, f).expect("a number field");
        let tree = codec::decode_all(m, f, bytes);
        let mut got = Vec::new();
        let mut r = Reader::new(bytes);
        let read = plan.read(&mut r, |n| got.push(n)).and_then(|()| r.finish());
        let mut s = Reader::new(bytes);
        let skipped = plan.skip(&mut s).and_then(|()| s.finish());
        match tree {
            Ok(Value::List(items)) => {
                assert!(read.is_ok() && skipped.is_ok(), "{name} {bytes:?}");
                let got: Vec<Value> = got
                    .iter()
                    .map(|n| match *n {
                        Number::Int(i) => Value::Int(i.into()),
                        Number::Uint(u) => Value::Int(u.into()),
                        Number::Float(x) => Value::Float(x),
                    })
                    .collect();
                assert_eq!(got, items, "{name} {bytes:?}");
            }
            Ok(other) => panic!("not a list: {other:?}"),
            Err(_) => assert!(read.is_err() && skipped.is_err(), "{name} {bytes:?}"),
        }
    }

    const DC: &str = "dclass A {\n\
        setPos(float64 x, float64 y, float64 z) broadcast;\n\
        setHp(int16/10 hp) broadcast;\n\
        setLevel(uint8(1-20) level) broadcast;\n\
        setScale(float64(0-2) s) broadcast;\n\
        setId(uint32 id, int8 k) broadcast;\n\
        setName(string name) broadcast;\n\
    };\n";

    #[test]
    fn plans_cover_number_fields_only() {
        let m = model(DC);
        for name in ["setPos", "setHp", "setLevel", "setScale", "setId"] {
            assert!(ScalarPlan::of(&m, field(&m, name)).is_some(), "{name}");
        }
        assert!(ScalarPlan::of(&m, field(&m, "setName")).is_none());
        let pos = ScalarPlan::of(&m, field(&m, "setPos")).expect("setPos");
        let mut read = 0;
        let bytes = [0u8; 24];
        assert!(pos.read(&mut Reader::new(&bytes), |_| read += 1).is_ok());
        assert_eq!(read, 3);
    }

    #[test]
    fn reads_like_the_value_decoder() {
        let m = model(DC);
        let pos: Vec<u8> = [1.5f64, -2.0, 1e300]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        agrees(&m, "setPos", &pos);
        agrees(&m, "setPos", &pos[..23]); // one byte short
        agrees(&m, "setHp", &(-123i16).to_le_bytes());
        agrees(&m, "setLevel", &[20]);
        agrees(&m, "setLevel", &[0]); // below its range
        agrees(&m, "setLevel", &[21]); // above it
        agrees(&m, "setScale", &1.25f64.to_le_bytes());
        agrees(&m, "setScale", &2.5f64.to_le_bytes()); // out of range
        agrees(&m, "setScale", &f64::NAN.to_le_bytes());
        let mut id = u32::MAX.to_le_bytes().to_vec();
        id.push(0x80); // int8 -128
        agrees(&m, "setId", &id);
    }
}
