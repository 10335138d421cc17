//! The dynamic packer: DC values ↔ bytes, byte-exact with Panda3D's `DCPacker`.
//!
//! * [`pack_default`] / [`pack_field`] pack a value written in DC value syntax (as
//!   `DCPacker::parse_and_pack` reads it) into a parameter or a field.
//! * [`default_value`] computes Panda's implicit default bytes.
//! * [`unpack_field`] reads bytes back and formats them as Panda's `formatData` does.
//!
//! Everything works over the [`Model`]; nothing here knows about the AST except the
//! parsed [`ast::Value`](crate::ast::Value) input.

use crate::ast::{Builtin, Value, ValueKind};
use crate::model::*;
use crate::source::Span;

mod defaults;
pub use defaults::{default_value, field_default};

/// Why a value could not be packed or unpacked.
#[derive(Clone, Debug, PartialEq)]
pub struct PackError {
    /// Range error (value outside the declared range or length) or another error.
    pub kind: PackErrorKind,
    /// What went wrong, naming the parameter.
    pub message: String,
    /// Where in the value text, when known.
    pub span: Option<Span>,
}

/// The two classes of packing error Panda distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackErrorKind {
    /// The value is outside the allowed range, length or count.
    Range,
    /// The value has the wrong shape or type, or the bytes are malformed.
    Pack,
}

type Result<T> = std::result::Result<T, PackError>;

fn err<T>(kind: PackErrorKind, message: impl Into<String>, span: Option<Span>) -> Result<T> {
    Err(PackError {
        kind,
        message: message.into(),
        span,
    })
}

/// Something values are packed into: a parameter, a field, or an element of a
/// legacy array type.
#[derive(Clone, Copy)]
enum Target<'a> {
    Param(&'a Param),
    Field(FieldId),
    Legacy(Builtin),
    LegacyPair,
}

impl<'a> Target<'a> {
    fn name(&self, model: &'a Model) -> &'a str {
        match self {
            Target::Param(p) => p.name.as_deref().unwrap_or(""),
            Target::Field(f) => &model.field(*f).name,
            _ => "",
        }
    }

    fn describe(&self, model: &Model) -> String {
        match self.name(model) {
            "" => "value".to_string(),
            n => format!("`{n}`"),
        }
    }
}

// ---------------------------------------------------------------- packing

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

/// The nested targets of a struct or class value: constructor, then the inherited
/// non-molecular fields in order.
fn class_targets(model: &Model, class: ClassId) -> Vec<Target<'_>> {
    let c = model.class(class);
    c.constructor
        .iter()
        .chain(c.inherited.iter())
        .copied()
        .filter(|&f| !matches!(model.field(f).kind, FieldKind::Molecular(_)))
        .map(Target::Field)
        .collect()
}

fn field_targets(model: &Model, field: FieldId) -> Option<Vec<Target<'_>>> {
    match &model.field(field).kind {
        FieldKind::Atomic(params) => Some(params.iter().map(Target::Param).collect()),
        FieldKind::Molecular(atoms) => Some(atoms.iter().map(|&a| Target::Field(a)).collect()),
        FieldKind::Parameter(_) => None,
    }
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

fn unreachable_pack<T>(span: Span) -> Result<T> {
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

/// The fields after the key for packed key bytes: the matching case, or the default.
pub fn select_case<'a>(s: &'a Switch, key: &[u8]) -> Option<&'a [Param]> {
    s.cases
        .iter()
        .find(|c| c.value == key)
        .map(|c| c.fields.as_slice())
        .or(s.default.as_deref())
}

fn legacy_element(b: Builtin) -> Option<Target<'static>> {
    Some(match b {
        Builtin::Int8Array => Target::Legacy(Builtin::Int8),
        Builtin::Int16Array => Target::Legacy(Builtin::Int16),
        Builtin::Int32Array => Target::Legacy(Builtin::Int32),
        Builtin::Uint8Array => Target::Legacy(Builtin::Uint8),
        Builtin::Uint16Array => Target::Legacy(Builtin::Uint16),
        Builtin::Uint32Array => Target::Legacy(Builtin::Uint32),
        Builtin::Uint32Uint8Array => Target::LegacyPair,
        _ => return None,
    })
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

fn begin_prefix(out: &mut Vec<u8>, prefix: bool) -> Option<usize> {
    prefix.then(|| {
        out.extend_from_slice(&[0, 0]);
        out.len()
    })
}

fn end_prefix(out: &mut [u8], start: Option<usize>, span: Span) -> Result<()> {
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

fn pack_bytes(
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
enum Stored {
    Int(i128),
    Float(f64),
}

/// `pack_int64`/`pack_uint64`: scale by the divisor, then the integer modulus.
fn int_path(s: &SimpleType, value: i128) -> Stored {
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
fn double_path(s: &SimpleType, value: f64) -> Stored {
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

fn write_number(
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

// ---------------------------------------------------------------- sizes and defaults

/// The byte size of a type when every value has the same size (Panda's
/// `get_fixed_byte_size`), or `None`.
pub fn fixed_size(model: &Model, ty: &Type) -> Option<usize> {
    match ty {
        Type::Simple(s) => simple_fixed_size(s),
        Type::Array(a) => a.fixed_size,
        Type::Class(c) => model.class(*c).fixed_size,
        Type::Switch(id) => model.switch(*id).fixed_size,
        Type::Invalid => None,
    }
}

/// Works out [`Class::fixed_size`] for a complete class (its nested types already
/// have theirs).
pub(crate) fn class_fixed_size(model: &Model, c: ClassId) -> Option<usize> {
    let mut total = 0;
    for t in class_targets(model, c) {
        total = usize::checked_add(total, target_fixed_size(model, t)?)?;
    }
    Some(total)
}

/// Works out [`Switch::fixed_size`] for a complete switch: the key's size plus the
/// cases' size when every case (and the default) has the same size.
pub(crate) fn switch_fixed_size(model: &Model, id: SwitchId) -> Option<usize> {
    let s = model.switch(id);
    let key = fixed_size(model, &s.key.ty)?;
    let mut sizes = s
        .cases
        .iter()
        .map(|c| c.fields.as_slice())
        .chain(s.default.as_deref());
    let first = sizes.next().map(|f| params_fixed_size(model, f))??;
    if sizes.all(|f| params_fixed_size(model, f) == Some(first)) {
        key.checked_add(first)
    } else {
        None
    }
}

fn params_fixed_size(model: &Model, params: &[Param]) -> Option<usize> {
    params.iter().try_fold(0usize, |total, p| {
        total.checked_add(fixed_size(model, &p.ty)?)
    })
}

fn target_fixed_size(model: &Model, t: Target) -> Option<usize> {
    match t {
        Target::Param(p) => fixed_size(model, &p.ty),
        Target::Field(f) => match &model.field(f).kind {
            FieldKind::Atomic(params) => params_fixed_size(model, params),
            FieldKind::Parameter(p) => fixed_size(model, &p.ty),
            FieldKind::Molecular(atoms) => atoms.iter().try_fold(0usize, |total, &a| {
                total.checked_add(target_fixed_size(model, Target::Field(a))?)
            }),
        },
        Target::Legacy(b) => simple_fixed_size(&SimpleType::new(b)),
        Target::LegacyPair => Some(5),
    }
}

fn simple_fixed_size(s: &SimpleType) -> Option<usize> {
    use Builtin::*;
    match s.builtin {
        Int8 | Uint8 | Char => Some(1),
        Int16 | Uint16 => Some(2),
        Int32 | Uint32 => Some(4),
        Int64 | Uint64 | Float64 => Some(8),
        String | Blob | Blob32 => s.range.one_value().and_then(|n| usize::try_from(n).ok()),
        _ => None,
    }
}

// ---------------------------------------------------------------- unpacking

/// Unpacks a field's bytes and formats them in DC value syntax, as Panda's
/// `DCField::format_data` does. Every byte must be used.
pub fn unpack_field(model: &Model, field: FieldId, bytes: &[u8]) -> Result<String> {
    let mut r = Reader { bytes, pos: 0 };
    let mut out = String::new();
    format_target(model, Target::Field(field), &mut r, &mut out)?;
    if r.pos != bytes.len() {
        return err(
            PackErrorKind::Pack,
            format!("{} bytes left over after the value", bytes.len() - r.pos),
            None,
        );
    }
    Ok(out)
}

/// Unpacks one parameter value and formats it.
pub fn unpack_param(model: &Model, param: &Param, bytes: &[u8]) -> Result<String> {
    let mut r = Reader { bytes, pos: 0 };
    let mut out = String::new();
    format_target(model, Target::Param(param), &mut r, &mut out)?;
    if r.pos != bytes.len() {
        return err(
            PackErrorKind::Pack,
            format!("{} bytes left over after the value", bytes.len() - r.pos),
            None,
        );
    }
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.bytes.len() - self.pos < n {
            return err(
                PackErrorKind::Pack,
                format!(
                    "unexpected end of data: needed {n} more bytes at offset {}",
                    self.pos
                ),
                None,
            );
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u16(&mut self) -> Result<usize> {
        let b = self.take(2)?;
        Ok(usize::from(u16::from_le_bytes([b[0], b[1]])))
    }

    fn u32(&mut self) -> Result<usize> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn int(&mut self, b: Builtin) -> Result<i128> {
        use Builtin::*;
        let (width, signed) = match b {
            Int8 | Int8Array => (1, true),
            Int16 | Int16Array => (2, true),
            Int32 | Int32Array => (4, true),
            Int64 => (8, true),
            Uint8 | Char | Uint8Array => (1, false),
            Uint16 | Uint16Array => (2, false),
            Uint32 | Uint32Array => (4, false),
            _ => (8, false),
        };
        let bytes = self.take(width)?;
        let mut buf = [0u8; 8];
        buf[..width].copy_from_slice(bytes);
        let raw = u64::from_le_bytes(buf);
        Ok(if signed {
            let shift = 64 - 8 * width as u32;
            i128::from(((raw << shift) as i64) >> shift)
        } else {
            i128::from(raw)
        })
    }
}

fn format_target(model: &Model, t: Target, r: &mut Reader, out: &mut String) -> Result<()> {
    let param = match t {
        Target::Field(f) => match (&model.field(f).kind, field_targets(model, f)) {
            (FieldKind::Parameter(p), _) => p,
            (_, Some(targets)) => return format_sequence(model, &targets, '(', ')', r, out),
            _ => return unreachable_pack(Span::default()),
        },
        Target::Param(p) => p,
        Target::Legacy(b) => {
            out.push_str(&r.int(b)?.to_string());
            return Ok(());
        }
        Target::LegacyPair => {
            let targets = [
                Target::Legacy(Builtin::Uint32),
                Target::Legacy(Builtin::Uint8),
            ];
            return format_sequence(model, &targets, '{', '}', r, out);
        }
    };
    if let Some(name) = param.name.as_deref().filter(|n| !n.is_empty()) {
        out.push_str(name);
        out.push_str(" = ");
    }
    format_type(model, &param.ty, r, out)
}

fn format_sequence(
    model: &Model,
    targets: &[Target],
    open: char,
    close: char,
    r: &mut Reader,
    out: &mut String,
) -> Result<()> {
    out.push(open);
    for (i, t) in targets.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        format_target(model, *t, r, out)?;
    }
    out.push(close);
    Ok(())
}

/// Longest text [`unpack_field`] produces before giving up.
const MAX_FORMATTED_LEN: usize = 16 << 20;

fn format_elements(
    model: &Model,
    element: Target,
    fixed_count: Option<usize>,
    prefixed: bool,
    r: &mut Reader,
    out: &mut String,
) -> Result<()> {
    out.push('[');
    if prefixed {
        let len = r.u16()?;
        let end = r.pos + len;
        if end > r.bytes.len() {
            return err(
                PackErrorKind::Pack,
                format!("array length {len} runs past the end of the data"),
                None,
            );
        }
        let mut first = true;
        while r.pos < end {
            if !first {
                out.push_str(", ");
            }
            first = false;
            let mut sub = Reader {
                bytes: &r.bytes[..end],
                pos: r.pos,
            };
            format_target(model, element, &mut sub, out)?;
            if sub.pos == r.pos {
                // Zero-size elements can never use up a non-zero length.
                return err(
                    PackErrorKind::Pack,
                    format!("array length {len} cannot be filled with zero-size elements"),
                    None,
                );
            }
            r.pos = sub.pos;
        }
    } else {
        for i in 0..fixed_count.unwrap_or(0) {
            if i > 0 {
                out.push_str(", ");
            }
            format_target(model, element, r, out)?;
            // Zero-size elements use up no bytes, so only the text bounds the work.
            if out.len() > MAX_FORMATTED_LEN {
                return err(PackErrorKind::Pack, "value too large to format", None);
            }
        }
    }
    out.push(']');
    Ok(())
}

fn format_type(model: &Model, ty: &Type, r: &mut Reader, out: &mut String) -> Result<()> {
    use Builtin::*;
    match ty {
        Type::Simple(s) => {
            if let Some(element) = legacy_element(s.builtin) {
                return format_elements(model, element, None, true, r, out);
            }
            match s.builtin {
                String | Char => {
                    let bytes = match s.builtin {
                        Char => r.take(1)?.to_vec(),
                        _ => read_bytes(s, r)?.to_vec(),
                    };
                    enquote(&bytes, out);
                }
                Blob | Blob32 => {
                    let start = r.pos;
                    read_bytes(s, r)?;
                    out.push('<');
                    for b in &r.bytes[start..r.pos] {
                        out.push_str(&format!("{b:02x}"));
                    }
                    out.push('>');
                }
                Float64 => {
                    let b = r.take(8)?;
                    let mut buf = [0u8; 8];
                    buf.copy_from_slice(b);
                    let x = f64::from_le_bytes(buf) / f64::from(s.divisor);
                    out.push_str(&format_g(x));
                }
                b => {
                    let v = r.int(b)?;
                    if s.divisor == 1 {
                        out.push_str(&v.to_string());
                    } else {
                        out.push_str(&format_g(v as f64 / f64::from(s.divisor)));
                    }
                }
            }
            Ok(())
        }
        Type::Array(a) => {
            if let Type::Simple(e) = &a.element.ty {
                if e.builtin == Char {
                    let bytes = if a.has_prefix() {
                        let n = r.u16()?;
                        r.take(n)?.to_vec()
                    } else {
                        r.take(a.fixed_count().unwrap_or(0) as usize)?.to_vec()
                    };
                    enquote(&bytes, out);
                    return Ok(());
                }
            }
            format_elements(
                model,
                Target::Param(&a.element),
                a.fixed_count().map(|c| c as usize),
                a.has_prefix(),
                r,
                out,
            )
        }
        Type::Class(c) => format_sequence(model, &class_targets(model, *c), '{', '}', r, out),
        Type::Switch(id) => {
            let s = model.switch(*id);
            out.push('(');
            let start = r.pos;
            format_target(model, Target::Param(&s.key), r, out)?;
            let key = &r.bytes[start..r.pos];
            let fields = select_case(s, key).ok_or_else(|| PackError {
                kind: PackErrorKind::Pack,
                message: "switch key matches no case".into(),
                span: None,
            })?;
            for f in fields {
                out.push_str(", ");
                format_target(model, Target::Param(f), r, out)?;
            }
            out.push(')');
            Ok(())
        }
        Type::Invalid => err(PackErrorKind::Pack, "cannot unpack an undefined type", None),
    }
}

fn read_bytes<'a>(s: &SimpleType, r: &'a mut Reader) -> Result<&'a [u8]> {
    let len = match s.range.one_value() {
        Some(n) => usize::try_from(n).unwrap_or(0),
        None if s.builtin == Builtin::Blob32 => r.u32()?,
        None => r.u16()?,
    };
    r.take(len)
}

/// Panda's `enquote_string`: `"`, `\\` escaped; non-printable bytes as `\xNN`.
fn enquote(bytes: &[u8], out: &mut String) {
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
}

/// C++ `ostream << double` with default flags: `%g` with 6 significant digits.
pub fn format_g(x: f64) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let mantissa = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        strip_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::format_g;

    #[test]
    fn format_g_matches_cpp_ostream() {
        // Seen from Panda3D's formatData.
        assert_eq!(format_g(std::f64::consts::PI), "3.14159");
        assert_eq!(format_g(1e-5), "1e-05");
        assert_eq!(format_g(123456.0), "123456");
        assert_eq!(format_g(1234567.0), "1.23457e+06");
        assert_eq!(format_g(1e20), "1e+20");
        assert_eq!(format_g(0.0001), "0.0001");
        assert_eq!(format_g(0.00001234), "1.234e-05");
        assert_eq!(format_g(100.0), "100");
        assert_eq!(format_g(-2.0), "-2");
        assert_eq!(format_g(1.5e-300), "1.5e-300");
        assert_eq!(format_g(f64::INFINITY), "inf");
    }
}
