//! Packing: a value in DC value syntax into bytes (`DCPacker::parse_and_pack`).

use super::*;

/// Packs `value` into a parameter (a default value, or a switch case label).
pub fn pack_default(model: &Model, param: &Param, value: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    pack_top(model, Target::Param(param), value, &mut out)?;
    Ok(out)
}

/// Packs `value` into a field: an atomic field takes a list of its arguments, a
/// molecular field a list of its atoms' lists, a parameter field a single value.
pub fn pack_field(model: &Model, field: FieldId, value: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    pack_top(model, Target::Field(field), value, &mut out)?;
    Ok(out)
}

fn pack_top(model: &Model, t: Target, value: &Value, out: &mut Vec<u8>) -> Result<()> {
    if let ValueKind::Repeat(_, n) = &value.kind {
        if *n != 1 {
            return err(
                PackErrorKind::Pack,
                format!("too many values for {}", t.describe(model)),
                Some(value.span),
            );
        }
    }
    check_name(model, t, value)?;
    pack(model, t, value, out)
}

fn check_name(model: &Model, t: Target, value: &Value) -> Result<()> {
    match &value.name {
        Some(n) if n.name != t.name(model) => err(
            PackErrorKind::Pack,
            format!("got `{}`, expected `{}`", n.name, t.name(model)),
            Some(n.span),
        ),
        _ => Ok(()),
    }
}

fn pack(model: &Model, t: Target, value: &Value, out: &mut Vec<u8>) -> Result<()> {
    let kind = match &value.kind {
        ValueKind::Repeat(inner, _) => inner.as_ref(),
        k => k,
    };
    match kind {
        ValueKind::Hex(bytes) => {
            out.extend_from_slice(bytes);
            Ok(())
        }
        ValueKind::List(items) => pack_list(model, t, &expand(items, value.span)?, value.span, out),
        ValueKind::Repeat(..) => err(PackErrorKind::Pack, "nested repetition", Some(value.span)),
        scalar => pack_scalar(model, t, scalar, value.span, out),
    }
}

/// Most values one list can hold: no array or string is longer than its 16-bit
/// length allows, so more can only be an error (and must not exhaust memory).
const MAX_LIST_ITEMS: usize = 65_536;

/// Expands `x * n` items of a list.
fn expand(items: &[Value], span: Span) -> Result<Vec<Value>> {
    let total: usize = items
        .iter()
        .map(|i| {
            if let ValueKind::Repeat(_, n) = &i.kind {
                *n as usize
            } else {
                1
            }
        })
        .sum();
    if total > MAX_LIST_ITEMS {
        return err(
            PackErrorKind::Range,
            format!("a list of {total} values is longer than any DC array can be"),
            Some(span),
        );
    }
    let mut out = Vec::with_capacity(total);
    for item in items {
        match &item.kind {
            ValueKind::Repeat(inner, n) => {
                for _ in 0..*n {
                    out.push(Value {
                        name: item.name.clone(),
                        kind: (**inner).clone(),
                        span: item.span,
                    });
                }
            }
            _ => out.push(item.clone()),
        }
    }
    Ok(out)
}

fn pack_sequence<'a>(
    model: &'a Model,
    targets: &[Target<'a>],
    items: &[Value],
    span: Span,
    what: &str,
    out: &mut Vec<u8>,
) -> Result<()> {
    if items.len() > targets.len() {
        return err(
            PackErrorKind::Pack,
            format!("too many values for {what}: expected {}", targets.len()),
            Some(items[targets.len()].span),
        );
    }
    for (t, item) in targets.iter().zip(items) {
        check_name(model, *t, item)?;
        pack(model, *t, item, out)?;
    }
    if items.len() < targets.len() {
        return err(
            PackErrorKind::Pack,
            format!(
                "not enough values for {what}: expected {}, got {} (missing {})",
                targets.len(),
                items.len(),
                targets[items.len()].describe(model)
            ),
            Some(span),
        );
    }
    Ok(())
}

fn pack_list(
    model: &Model,
    t: Target,
    items: &[Value],
    span: Span,
    out: &mut Vec<u8>,
) -> Result<()> {
    match t {
        Target::Field(f) => match (&model.field(f).kind, field_targets(model, f)) {
            (FieldKind::Parameter(p), _) => pack_list(model, Target::Param(p), items, span, out),
            (_, Some(targets)) => pack_sequence(
                model,
                &targets,
                items,
                span,
                &format!("`{}`", model.field(f).name),
                out,
            ),
            _ => unreachable_pack(span),
        },
        Target::LegacyPair => {
            let targets = [
                Target::Legacy(Builtin::Uint32),
                Target::Legacy(Builtin::Uint8),
            ];
            pack_sequence(
                model,
                &targets,
                items,
                span,
                "a uint32uint8array element",
                out,
            )
        }
        Target::Legacy(_) => err(
            PackErrorKind::Pack,
            "expected a number, not a list",
            Some(span),
        ),
        Target::Param(p) => match &p.ty {
            Type::Class(c) => pack_sequence(
                model,
                &class_targets(model, *c),
                items,
                span,
                &t.describe(model),
                out,
            ),
            Type::Array(a) => {
                let count = items.len();
                check_count(model, t, &a.size, count, span)?;
                let start = begin_prefix(out, a.has_prefix());
                for item in items {
                    check_name(model, Target::Param(&a.element), item)?;
                    pack(model, Target::Param(&a.element), item, out)?;
                }
                end_prefix(out, start, span)
            }
            Type::Switch(s) => pack_switch(model, *s, items, span, out),
            Type::Simple(simple) => match legacy_element(simple.builtin) {
                Some(element) => {
                    let start = begin_prefix(out, true);
                    for item in items {
                        pack(model, element, item, out)?;
                    }
                    end_prefix(out, start, span)
                }
                None if matches!(
                    simple.builtin,
                    Builtin::String | Builtin::Blob | Builtin::Blob32
                ) =>
                {
                    let mut bytes = Vec::new();
                    for item in items {
                        pack(model, Target::Legacy(Builtin::Uint8), item, &mut bytes)?;
                    }
                    pack_bytes(simple, &bytes, t, model, span, out)
                }
                None => err(
                    PackErrorKind::Pack,
                    format!(
                        "{} is a {}, not a list",
                        t.describe(model),
                        simple.builtin.name()
                    ),
                    Some(span),
                ),
            },
            Type::Invalid => err(
                PackErrorKind::Pack,
                format!("{} has an undefined type", t.describe(model)),
                Some(span),
            ),
        },
    }
}

pub(super) fn unreachable_pack<T>(span: Span) -> Result<T> {
    err(
        PackErrorKind::Pack,
        "internal: unexpected target",
        Some(span),
    )
}

fn pack_switch(
    model: &Model,
    id: SwitchId,
    items: &[Value],
    span: Span,
    out: &mut Vec<u8>,
) -> Result<()> {
    let s = model.switch(id);
    let Some(key_value) = items.first() else {
        return err(
            PackErrorKind::Pack,
            "a switch value needs its key first",
            Some(span),
        );
    };
    let mut key = Vec::new();
    check_name(model, Target::Param(&s.key), key_value)?;
    pack(model, Target::Param(&s.key), key_value, &mut key)?;
    let fields = select_case(s, &key).ok_or_else(|| PackError {
        kind: PackErrorKind::Range,
        message: "the switch has no case for this key and no default".into(),
        span: Some(key_value.span),
    })?;
    out.extend_from_slice(&key);
    let targets: Vec<Target> = fields.iter().map(Target::Param).collect();
    pack_sequence(model, &targets, &items[1..], span, "the switch case", out)
}

fn check_count(
    model: &Model,
    t: Target,
    size: &[(u32, u32)],
    count: usize,
    span: Span,
) -> Result<()> {
    if size.is_empty()
        || size
            .iter()
            .any(|&(lo, hi)| (lo as usize) <= count && count <= hi as usize)
    {
        return Ok(());
    }
    let allowed: Vec<String> = size
        .iter()
        .map(|&(lo, hi)| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            }
        })
        .collect();
    err(
        PackErrorKind::Range,
        format!(
            "{} has {count} elements; allowed: {}",
            t.describe(model),
            allowed.join(", ")
        ),
        Some(span),
    )
}

pub(super) fn begin_prefix(out: &mut Vec<u8>, prefix: bool) -> Option<usize> {
    prefix.then(|| {
        out.extend_from_slice(&[0, 0]);
        out.len()
    })
}

pub(super) fn end_prefix(out: &mut [u8], start: Option<usize>, span: Span) -> Result<()> {
    if let Some(start) = start {
        let len = out.len() - start;
        let Ok(len16) = u16::try_from(len) else {
            return err(
                PackErrorKind::Pack,
                format!("array of {len} bytes does not fit its 16-bit length"),
                Some(span),
            );
        };
        out[start - 2..start].copy_from_slice(&len16.to_le_bytes());
    }
    Ok(())
}

fn pack_scalar(
    model: &Model,
    t: Target,
    v: &ValueKind,
    span: Span,
    out: &mut Vec<u8>,
) -> Result<()> {
    let param = match t {
        Target::Param(p) => p,
        Target::Field(f) => match &model.field(f).kind {
            FieldKind::Parameter(p) => p,
            _ => {
                return err(
                    PackErrorKind::Pack,
                    format!(
                        "`{}` takes a list of values in parentheses",
                        model.field(f).name
                    ),
                    Some(span),
                )
            }
        },
        Target::Legacy(b) => {
            return pack_number_or_char(&SimpleType::new(b), t, model, v, span, out)
        }
        Target::LegacyPair => {
            return err(
                PackErrorKind::Pack,
                "a uint32uint8array element is a pair: write (a, b)",
                Some(span),
            )
        }
    };
    match &param.ty {
        Type::Simple(s) if legacy_element(s.builtin).is_some() => err(
            PackErrorKind::Pack,
            format!(
                "{} is a {}: write a list",
                t.describe(model),
                s.builtin.name()
            ),
            Some(span),
        ),
        Type::Simple(s) => match (s.builtin, v) {
            (Builtin::String | Builtin::Blob | Builtin::Blob32, ValueKind::Str(bytes)) => {
                pack_bytes(s, bytes, t, model, span, out)
            }
            (Builtin::String | Builtin::Blob | Builtin::Blob32, _) => err(
                PackErrorKind::Pack,
                format!(
                    "{} is a {}: write a quoted string",
                    t.describe(model),
                    s.builtin.name()
                ),
                Some(span),
            ),
            _ => pack_number_or_char(s, t, model, v, span, out),
        },
        Type::Array(a) => match (v, &a.element.ty) {
            (ValueKind::Str(bytes), Type::Simple(e))
                if matches!(e.builtin, Builtin::Char | Builtin::Uint8 | Builtin::Int8) =>
            {
                check_count(model, t, &a.size, bytes.len(), span)?;
                let start = begin_prefix(out, a.has_prefix());
                out.extend_from_slice(bytes);
                end_prefix(out, start, span)
            }
            _ => err(
                PackErrorKind::Pack,
                format!(
                    "{} is an array: write a list in brackets",
                    t.describe(model)
                ),
                Some(span),
            ),
        },
        Type::Class(_) => err(
            PackErrorKind::Pack,
            format!(
                "{} is a struct: write its fields in braces",
                t.describe(model)
            ),
            Some(span),
        ),
        Type::Switch(_) => err(
            PackErrorKind::Pack,
            format!("{} is a switch: write (key, fields...)", t.describe(model)),
            Some(span),
        ),
        Type::Invalid => err(
            PackErrorKind::Pack,
            format!("{} has an undefined type", t.describe(model)),
            Some(span),
        ),
    }
}

pub(super) fn pack_bytes(
    s: &SimpleType,
    bytes: &[u8],
    t: Target,
    model: &Model,
    span: Span,
    out: &mut Vec<u8>,
) -> Result<()> {
    let len = bytes.len() as i128;
    if !s.range.allows_int(len) {
        return err(
            PackErrorKind::Range,
            format!(
                "{} has length {len}, outside its declared range",
                t.describe(model)
            ),
            Some(span),
        );
    }
    if s.range.one_value().is_none() {
        if s.builtin == Builtin::Blob32 {
            let Ok(l) = u32::try_from(bytes.len()) else {
                return err(PackErrorKind::Pack, "blob32 longer than 4 GiB", Some(span));
            };
            out.extend_from_slice(&l.to_le_bytes());
        } else {
            let Ok(l) = u16::try_from(bytes.len()) else {
                return err(
                    PackErrorKind::Range,
                    format!(
                        "{} is {} bytes long; a {} holds at most 65535",
                        t.describe(model),
                        bytes.len(),
                        s.builtin.name()
                    ),
                    Some(span),
                );
            };
            out.extend_from_slice(&l.to_le_bytes());
        }
    }
    out.extend_from_slice(bytes);
    Ok(())
}

fn pack_number_or_char(
    s: &SimpleType,
    t: Target,
    model: &Model,
    v: &ValueKind,
    span: Span,
    out: &mut Vec<u8>,
) -> Result<()> {
    let range_err = |msg: String| err(PackErrorKind::Range, msg, Some(span));
    let stored = match v {
        ValueKind::Int(i) => int_path(s, i128::from(*i)),
        ValueKind::Uint(u) => int_path(s, i128::from(*u)),
        ValueKind::Real(x) => double_path(s, *x),
        ValueKind::Str(bytes)
            if matches!(s.builtin, Builtin::Char | Builtin::Int8 | Builtin::Uint8) =>
        {
            if bytes.is_empty() {
                return err(
                    PackErrorKind::Pack,
                    format!("{} needs one character", t.describe(model)),
                    Some(span),
                );
            }
            if bytes.len() != 1 {
                return range_err(format!(
                    "{} needs exactly one character, got {}",
                    t.describe(model),
                    bytes.len()
                ));
            }
            // Panda's `pack_string` checks the byte against the *unsigned* range
            // table only, after C's sign extension of `char`: int8 ranges are never
            // checked, and a byte ≥ 0x80 fails any char/uint8 range.
            let code = i128::from(bytes[0] as i8 as i32 as u32);
            if s.builtin != Builtin::Int8 && !s.range.allows_int(code) {
                return range_err(format!(
                    "{} is out of range: character code {} is outside the declared range",
                    t.describe(model),
                    bytes[0]
                ));
            }
            out.push(bytes[0]);
            return Ok(());
        }
        _ => {
            return err(
                PackErrorKind::Pack,
                format!(
                    "{} is a {}: write a number",
                    t.describe(model),
                    s.builtin.name()
                ),
                Some(span),
            )
        }
    };
    match write_number(s, stored, out) {
        Ok(()) => Ok(()),
        Err(why) => range_err(format!("{} is out of range: {why}", t.describe(model))),
    }
}

/// A number after scaling and modulus, ready to be checked and written.
pub(super) enum Stored {
    Int(i128),
    Float(f64),
}

/// `pack_int64`/`pack_uint64`: scale by the divisor, then the integer modulus.
pub(super) fn int_path(s: &SimpleType, value: i128) -> Stored {
    let mut v = value.saturating_mul(i128::from(s.divisor));
    if let Some(mi) = s.int_modulus().filter(|&m| m != 0) {
        let mi = i128::from(mi);
        v = if v < 0 {
            mi - 1 - ((-v - 1) % mi)
        } else {
            v % mi
        };
    }
    if s.builtin == Builtin::Float64 {
        Stored::Float(v as f64)
    } else {
        Stored::Int(v)
    }
}

/// `pack_double`: scale, apply the float modulus, then round half up for integers.
pub(super) fn double_path(s: &SimpleType, value: f64) -> Stored {
    let mut x = value * f64::from(s.divisor);
    if let Some(dm) = s.double_modulus() {
        if x < 0.0 {
            x = dm - (-x % dm);
            if x == dm {
                x = 0.0;
            }
        } else {
            x %= dm;
        }
    }
    if s.builtin == Builtin::Float64 {
        Stored::Float(x)
    } else {
        let r = (x + 0.5).floor();
        if r.is_finite() && r.abs() < 1e38 {
            Stored::Int(r as i128)
        } else {
            Stored::Float(r)
        }
    }
}

fn int_limits(b: Builtin) -> (i128, i128) {
    use Builtin::*;
    match b {
        Int8 | Int8Array => (-128, 127),
        Int16 | Int16Array => (-32768, 32767),
        Int32 | Int32Array => (i128::from(i32::MIN), i128::from(i32::MAX)),
        Int64 => (i128::from(i64::MIN), i128::from(i64::MAX)),
        Uint8 | Char | Uint8Array => (0, 255),
        Uint16 | Uint16Array => (0, 65535),
        Uint32 | Uint32Array => (0, i128::from(u32::MAX)),
        _ => (0, i128::from(u64::MAX)),
    }
}

pub(super) fn write_number(
    s: &SimpleType,
    stored: Stored,
    out: &mut Vec<u8>,
) -> std::result::Result<(), String> {
    use Builtin::*;
    match (s.builtin, stored) {
        (Float64, Stored::Float(x)) => {
            if !s.range.allows_float(x) {
                return Err(format!("{x} is outside the declared range"));
            }
            out.extend_from_slice(&x.to_le_bytes());
            Ok(())
        }
        (_, Stored::Float(x)) => Err(format!("{x} does not fit")),
        (b, Stored::Int(v)) => {
            let (lo, hi) = int_limits(b);
            if v < lo || v > hi {
                return Err(format!("{v} does not fit in {}", b.name()));
            }
            if !s.range.allows_int(v) {
                return Err(format!("{v} is outside the declared range"));
            }
            let width = match b {
                Int8 | Uint8 | Char => 1,
                Int16 | Uint16 => 2,
                Int32 | Uint32 => 4,
                _ => 8,
            };
            out.extend_from_slice(&(v as i64 as u64).to_le_bytes()[..width]);
            Ok(())
        }
    }
}
