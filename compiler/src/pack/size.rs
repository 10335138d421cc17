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
