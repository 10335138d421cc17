//! Fixed byte sizes (Panda's `get_fixed_byte_size`), worked out once per class and
//! switch at resolve time.

use super::*;

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

pub(super) fn simple_fixed_size(s: &SimpleType) -> Option<usize> {
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

/// Most integers a field may hold to get [`field_int_widths`]: larger fixed arrays
/// (bulk data more than numbers that move) are left out.
pub const MAX_INT_WIDTHS: usize = 64;

/// The integers a field's value packs to, as their widths in bytes in wire order,
/// when the value is integers alone: `int8`..`uint64` and `char` (divisors, moduli
/// and ranges included: they do not change the packing), fixed-length arrays and
/// structs of them. `None` for anything else (floats, strings, blobs, variable
/// arrays, switches, molecular fields) and beyond [`MAX_INT_WIDTHS`] integers.
/// Snapshots may send such a value as per-integer deltas.
pub fn field_int_widths(model: &Model, field: FieldId) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    match &model.field(field).kind {
        FieldKind::Parameter(p) => type_int_widths(model, &p.ty, &mut out)?,
        FieldKind::Atomic(params) => {
            for p in params {
                type_int_widths(model, &p.ty, &mut out)?;
            }
        }
        FieldKind::Molecular(_) => return None,
    }
    (!out.is_empty()).then_some(out)
}

fn type_int_widths(model: &Model, ty: &Type, out: &mut Vec<u8>) -> Option<()> {
    match ty {
        Type::Simple(s) => {
            if s.builtin.legacy_element().is_some() {
                return None; // a length-prefixed array
            }
            let (width, _) = s.builtin.int_layout()?;
            out.push(u8::try_from(width).ok()?);
        }
        Type::Array(a) => {
            let total = a.fixed_size?;
            let mut element = Vec::new();
            type_int_widths(model, &a.element.ty, &mut element)?;
            let size: usize = element.iter().map(|&w| usize::from(w)).sum();
            // The count must agree with the size Panda worked out (it does not for
            // `uint8 a[2][2]`, whose fixed size is the inner array's).
            let count = usize::try_from(a.fixed_count()?).ok()?;
            if size == 0 || count.checked_mul(size)? != total {
                return None;
            }
            if count * element.len() + out.len() > MAX_INT_WIDTHS {
                return None;
            }
            for _ in 0..count {
                out.extend_from_slice(&element);
            }
        }
        Type::Class(c) => {
            for t in class_targets(model, *c) {
                match t {
                    Target::Field(f) => match &model.field(f).kind {
                        FieldKind::Parameter(p) => type_int_widths(model, &p.ty, out)?,
                        FieldKind::Atomic(params) => {
                            for p in params {
                                type_int_widths(model, &p.ty, out)?;
                            }
                        }
                        FieldKind::Molecular(_) => return None,
                    },
                    _ => return None,
                }
            }
        }
        Type::Switch(_) | Type::Invalid => return None,
    }
    (out.len() <= MAX_INT_WIDTHS).then_some(())
}
