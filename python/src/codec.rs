//! Field values between bytes and a small value tree, walking the dcc model.
//!
//! Decoding checks what the generated Rust skip functions check (lengths, ranges,
//! UTF-8, switch cases), so a schema loaded at run time validates client input as a
//! compiled one does. Encoding goes through `dcc::pack::pack_field`, Panda's packer.

use dcc::ast::{Builtin, Value as AstValue, ValueKind};
use dcc::model::{FieldId, FieldKind, Model, Param, Range, SimpleType, Type};
use dcc::pack::{int_from_le, select_case};
use pipes::wire::{Reader, WireError, WireErrorKind, WireResult};

/// One decoded DC value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// An integer without a divisor.
    Int(i128),
    /// A float, or an integer with a divisor, scaled.
    Float(f64),
    /// A `string` or `char`.
    Str(String),
    /// A blob.
    Bytes(Vec<u8>),
    /// An array, struct, switch or the arguments of a field.
    List(Vec<Value>),
}

/// Deepest nesting of arrays and structs decoded.
const MAX_DEPTH: usize = 64;

fn bad(kind: WireErrorKind) -> WireError {
    WireError::new(kind, "value")
}

/// Reads one value of field `f` (its arguments as a list for atomic fields).
pub fn decode_field(model: &Model, f: FieldId, r: &mut Reader<'_>) -> WireResult<Value> {
    match &model.field(f).kind {
        FieldKind::Parameter(p) => decode_type(model, &p.ty, r, 0),
        FieldKind::Atomic(params) => decode_params(model, params, r, 0),
        FieldKind::Molecular(atoms) => {
            let mut out = Vec::with_capacity(atoms.len());
            for &a in atoms {
                out.push(decode_field(model, a, r)?);
            }
            Ok(Value::List(out))
        }
    }
}

/// Reads past one value of field `f`, checked as [`decode_field`] checks it, without
/// building the list of an atomic field's parameters (the snapshot decoder measures
/// every field it reads this way: numbers then allocate nothing).
pub fn skip_field(model: &Model, f: FieldId, r: &mut Reader<'_>) -> WireResult<()> {
    match &model.field(f).kind {
        FieldKind::Atomic(params) => {
            for p in params {
                decode_type(model, &p.ty, r, 1)?;
            }
            Ok(())
        }
        _ => decode_field(model, f, r).map(drop),
    }
}

/// Decodes a whole byte string as one value of field `f`.
pub fn decode_all(model: &Model, f: FieldId, bytes: &[u8]) -> WireResult<Value> {
    let mut r = Reader::new(bytes);
    let v = decode_field(model, f, &mut r)?;
    r.finish()?;
    Ok(v)
}

fn decode_params(model: &Model, ps: &[Param], r: &mut Reader<'_>, d: usize) -> WireResult<Value> {
    let mut out = Vec::with_capacity(ps.len());
    for p in ps {
        out.push(decode_type(model, &p.ty, r, d + 1)?);
    }
    Ok(Value::List(out))
}

fn decode_type(model: &Model, ty: &Type, r: &mut Reader<'_>, d: usize) -> WireResult<Value> {
    if d > MAX_DEPTH {
        return Err(bad(WireErrorKind::OutOfRange));
    }
    match ty {
        Type::Simple(s) => decode_simple(s, r),
        Type::Array(a) => {
            if let Type::Simple(e) = &a.element.ty {
                if e.builtin == Builtin::Char {
                    let bytes = match a.fixed_count() {
                        Some(n) if !a.has_prefix() => r.take(n as usize)?,
                        _ => r.read_blob16()?,
                    };
                    return Ok(Value::Str(String::from_utf8_lossy(bytes).into_owned()));
                }
            }
            let mut out = Vec::new();
            if a.has_prefix() {
                let mut sub = r.read_prefixed16()?;
                while sub.remaining() > 0 {
                    let before = sub.remaining();
                    out.push(decode_type(model, &a.element.ty, &mut sub, d + 1)?);
                    if sub.remaining() == before {
                        return Err(bad(WireErrorKind::BadLength { len: before }));
                    }
                }
            } else {
                for _ in 0..a.fixed_count().unwrap_or(0) {
                    out.push(decode_type(model, &a.element.ty, r, d + 1)?);
                }
            }
            let len = out.len();
            let ok = a.size.is_empty()
                || a.size
                    .iter()
                    .any(|&(lo, hi)| lo as usize <= len && len <= hi as usize);
            if !ok {
                return Err(bad(WireErrorKind::BadLength { len }));
            }
            Ok(Value::List(out))
        }
        Type::Class(c) => {
            let class = model.class(*c);
            let mut out = Vec::new();
            for &f in class.constructor.iter().chain(class.inherited.iter()) {
                if !matches!(model.field(f).kind, FieldKind::Molecular(_)) {
                    out.push(decode_field(model, f, r)?);
                }
            }
            Ok(Value::List(out))
        }
        Type::Switch(id) => {
            let s = model.switch(*id);
            let start = r.rest();
            let key = decode_type(model, &s.key.ty, r, d + 1)?;
            let used = start.len() - r.remaining();
            let fields = select_case(s, &start[..used]).ok_or(bad(WireErrorKind::UnknownCase))?;
            let mut out = vec![key];
            for p in fields {
                out.push(decode_type(model, &p.ty, r, d + 1)?);
            }
            Ok(Value::List(out))
        }
        Type::Invalid => Err(bad(WireErrorKind::UnknownCase)),
    }
}

fn read_int(b: Builtin, r: &mut Reader<'_>) -> WireResult<i128> {
    let (width, signed) = b.int_layout().unwrap_or((8, false));
    Ok(int_from_le(r.take(width)?, signed))
}

fn check_len(range: &Range, len: usize) -> WireResult<()> {
    if range.allows_int(len as i128) {
        Ok(())
    } else {
        Err(bad(WireErrorKind::BadLength { len }))
    }
}

fn decode_simple(s: &SimpleType, r: &mut Reader<'_>) -> WireResult<Value> {
    use Builtin::*;
    if let Some(e) = s.builtin.legacy_element() {
        let mut sub = r.read_prefixed16()?;
        let mut out = Vec::new();
        while sub.remaining() > 0 {
            out.push(Value::Int(read_int(e, &mut sub)?));
        }
        return Ok(Value::List(out));
    }
    match s.builtin {
        Uint32Uint8Array => {
            let mut sub = r.read_prefixed16()?;
            let mut out = Vec::new();
            while sub.remaining() > 0 {
                let a = read_int(Uint32, &mut sub)?;
                let b = read_int(Uint8, &mut sub)?;
                out.push(Value::List(vec![Value::Int(a), Value::Int(b)]));
            }
            Ok(Value::List(out))
        }
        String | Blob | Blob32 => {
            let bytes = match s.range.one_value() {
                Some(n) => r.take(usize::try_from(n).unwrap_or(0))?,
                None if s.builtin == Blob32 => r.read_blob32()?,
                None => r.read_blob16()?,
            };
            check_len(&s.range, bytes.len())?;
            if s.builtin == String {
                let text =
                    std::str::from_utf8(bytes).map_err(|_| bad(WireErrorKind::InvalidUtf8))?;
                Ok(Value::Str(text.to_owned()))
            } else {
                Ok(Value::Bytes(bytes.to_vec()))
            }
        }
        Char => {
            let b = r.take(1)?[0];
            Ok(Value::Str(char::from(b).to_string()))
        }
        Float64 => {
            let b = r.take(8)?;
            let mut buf = [0u8; 8];
            buf.copy_from_slice(b);
            let x = f64::from_le_bytes(buf);
            if !s.range.allows_float(x) {
                return Err(bad(WireErrorKind::OutOfRange));
            }
            Ok(Value::Float(x / f64::from(s.divisor)))
        }
        b => {
            let v = read_int(b, r)?;
            if !s.range.allows_int(v) {
                return Err(bad(WireErrorKind::OutOfRange));
            }
            Ok(if s.divisor == 1 {
                Value::Int(v)
            } else {
                Value::Float(v as f64 / f64::from(s.divisor))
            })
        }
    }
}

/// Packs a value tree for field `f` with Panda's packer (ranges and counts checked).
pub fn encode_field(model: &Model, f: FieldId, value: &Value) -> Result<Vec<u8>, String> {
    let ast = to_ast(value);
    dcc::pack::pack_field(model, f, &ast).map_err(|e| e.message)
}

fn to_ast(v: &Value) -> AstValue {
    let kind = match v {
        Value::Int(i) => match i64::try_from(*i) {
            Ok(n) if n < 0 => ValueKind::Int(n),
            _ => match u64::try_from(*i) {
                Ok(n) => ValueKind::Uint(n),
                Err(_) => ValueKind::Real(*i as f64),
            },
        },
        Value::Float(x) => ValueKind::Real(*x),
        Value::Str(s) => ValueKind::Str(s.as_bytes().to_vec()),
        Value::Bytes(b) => ValueKind::Str(b.clone()),
        Value::List(items) => ValueKind::List(items.iter().map(to_ast).collect()),
    };
    AstValue {
        name: None,
        kind,
        span: Default::default(),
    }
}
