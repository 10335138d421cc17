//! Default values, byte-exact with Panda3D's `DCField::get_default_value`.
//!
//! Panda builds a default by walking the type with `DCPacker::pack_default_value`.
//! Each kind of node decides for itself whether to reuse a *cached* default:
//!
//! * a field caches its default the first time someone asks for it
//!   (`get_default_value`), empty bytes when it could not be packed;
//! * an atomic field and a struct-typed parameter reuse that cache when it exists,
//!   otherwise they walk their parts;
//! * a simple parameter never does (it recomputes unless it has an explicit `=`);
//! * an array parameter and a switch parameter reuse it only when they (or anything
//!   inside them) have an explicit default.
//!
//! So a nested part whose implicit default cannot be packed either fails the whole
//! default (when it is recomputed) or contributes nothing (when a cache is reused).
//! Caches depend on which defaults were asked for before. dcc assumes the order every
//! `DCFile` user gets when reading defaults class by class, field by field, in file
//! order (what `tools/panda_oracle.py` does): every own field of a registered class
//! or struct has been asked for before any later class needs it. Constructors and
//! the fields of inline `struct { ... }` types are never asked for directly, so they
//! are never cached.

use super::*;
use std::collections::HashMap;

/// Panda's default bytes for a field (explicit defaults where written, implicit
/// ones elsewhere). `None` when Panda could not pack one (it reports an error and
/// uses empty bytes) and for defaults too large to build. A molecular field's default
/// is its atoms' parameters' defaults in order.
pub fn field_default(model: &Model, field: FieldId) -> Option<Vec<u8>> {
    Defaults::new(model).refresh(field).ok()
}

/// Panda's default bytes for a parameter (`pack_default_value` on it), or `None`
/// when Panda could not pack one or it is too large to build.
pub fn default_value(model: &Model, param: &Param) -> Option<Vec<u8>> {
    let mut d = Defaults::new(model);
    let mut out = Vec::new();
    d.param(param, None, &mut out).ok()?;
    Some(out)
}

/// Most work one default may take, counted in values visited plus bytes copied.
/// Nested counts multiply (`uint8 x[65535][65535]`) and cached struct defaults can
/// double at every level, so a schema can ask for defaults no one could store; those
/// get no default instead of exhausting time and memory.
const MAX_DEFAULT_STEPS: u64 = 1 << 22;

/// Why a default could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fail {
    /// Panda fails too ("Error while packing default value").
    Pack,
    /// Too large to build; not Panda's answer, so it must not be cached as one.
    Budget,
}

type R<T = ()> = std::result::Result<T, Fail>;

/// One default computation: the work budget and the field caches it has filled.
struct Defaults<'m> {
    model: &'m Model,
    steps_left: u64,
    /// Cached field defaults (empty when Panda failed), as `get_default_value` keeps them.
    cache: HashMap<FieldId, Vec<u8>>,
    /// `has_default_value` of classes and switches, computed once.
    class_has_default: HashMap<ClassId, bool>,
    switch_has_default: HashMap<SwitchId, bool>,
}

impl<'m> Defaults<'m> {
    fn new(model: &'m Model) -> Self {
        Defaults {
            model,
            steps_left: MAX_DEFAULT_STEPS,
            cache: HashMap::new(),
            class_has_default: HashMap::new(),
            switch_has_default: HashMap::new(),
        }
    }

    fn charge(&mut self, steps: u64) -> R {
        self.steps_left = self.steps_left.checked_sub(steps).ok_or(Fail::Budget)?;
        Ok(())
    }

    fn append(&mut self, out: &mut Vec<u8>, bytes: &[u8]) -> R {
        self.charge(bytes.len() as u64)?;
        out.extend_from_slice(bytes);
        Ok(())
    }

    /// `DCField::refresh_default_value`: the field's own default, built afresh.
    fn refresh(&mut self, field: FieldId) -> R<Vec<u8>> {
        let mut out = Vec::new();
        match &self.model.field(field).kind {
            FieldKind::Parameter(p) => self.param(p, None, &mut out)?,
            FieldKind::Atomic(params) => {
                for p in params {
                    self.param(p, None, &mut out)?;
                }
            }
            // A molecular field's nested fields are its atoms' parameters, flattened
            // (`DCMolecularField::add_atomic`): the packer walks those, so the atoms'
            // cached defaults are not reused and one that cannot be packed fails the
            // whole default.
            FieldKind::Molecular(atoms) => {
                for &atom in atoms {
                    if let FieldKind::Atomic(params) = &self.model.field(atom).kind {
                        for p in params {
                            self.param(p, None, &mut out)?;
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Whether Panda has cached this field's default by the time another class needs it.
    fn is_cached(&self, field: FieldId) -> bool {
        let f = self.model.field(field);
        let class = self.model.class(f.class);
        class.list_index.is_some()
            && class.constructor != Some(field)
            && !matches!(f.kind, FieldKind::Molecular(_))
    }

    /// The cached default of a field (computed now if need be, as Panda did earlier).
    fn cached(&mut self, field: FieldId, out: &mut Vec<u8>) -> R {
        if !self.cache.contains_key(&field) {
            let bytes = match self.refresh(field) {
                Ok(bytes) => bytes,
                Err(Fail::Pack) => Vec::new(),
                Err(Fail::Budget) => return Err(Fail::Budget),
            };
            self.cache.insert(field, bytes);
        }
        let bytes = self
            .cache
            .get(&field)
            .map(Vec::as_slice)
            .unwrap_or_default();
        self.steps_left = self
            .steps_left
            .checked_sub(bytes.len() as u64)
            .ok_or(Fail::Budget)?;
        out.extend_from_slice(bytes);
        Ok(())
    }

    /// `DCPacker::pack_default_value` on a nested field of a struct or class.
    fn nested_field(&mut self, field: FieldId, out: &mut Vec<u8>) -> R {
        let cached = self.is_cached(field);
        match &self.model.field(field).kind {
            FieldKind::Atomic(_) if cached => self.cached(field, out),
            FieldKind::Atomic(params) => params.iter().try_for_each(|p| self.param(p, None, out)),
            FieldKind::Parameter(p) => self.param(p, cached.then_some(field), out),
            FieldKind::Molecular(_) => Ok(()),
        }
    }

    /// `pack_default_value` on a parameter; `field` is set when the parameter is a
    /// struct field whose cache exists.
    fn param(&mut self, p: &Param, field: Option<FieldId>, out: &mut Vec<u8>) -> R {
        self.charge(1)?;
        if let Some(d) = &p.default {
            return self.append(out, d);
        }
        let model = self.model;
        match &p.ty {
            Type::Simple(s) => self.simple(s, out),
            Type::Array(a) => match field {
                Some(f) if self.param_has_default(p) => self.cached(f, out),
                _ => {
                    let count = a.size.first().map_or(0, |s| s.0);
                    let start = begin_prefix(out, a.has_prefix());
                    for _ in 0..count {
                        self.param(&a.element, None, out)?;
                    }
                    end_prefix(out, start, Span::default()).map_err(|_| Fail::Pack)
                }
            },
            Type::Class(c) => match field {
                Some(f) => self.cached(f, out),
                None => class_targets(model, *c)
                    .into_iter()
                    .try_for_each(|t| match t {
                        Target::Field(f) => self.nested_field(f, out),
                        _ => Err(Fail::Pack),
                    }),
            },
            Type::Switch(id) if self.param_has_default(p) => match field {
                Some(f) => self.cached(f, out),
                // The packer walks the switch: the key's default picks the case.
                None => {
                    let s = model.switch(*id);
                    let start = out.len();
                    self.param(&s.key, None, out)?;
                    let fields = select_case(s, &out[start..]).ok_or(Fail::Pack)?;
                    fields.iter().try_for_each(|p| self.param(p, None, out))
                }
            },
            // `DCSwitch::pack_default_value`: the first case, whatever the key's default.
            Type::Switch(id) => {
                let s = model.switch(*id);
                let fields = if let Some(case) = s.cases.first() {
                    self.append(out, &case.value)?;
                    &case.fields
                } else {
                    self.param(&s.key, None, out)?;
                    s.default.as_ref().ok_or(Fail::Pack)?
                };
                fields.iter().try_for_each(|p| self.param(p, None, out))
            }
            Type::Invalid => Err(Fail::Pack),
        }
    }

    /// `DCSimpleParameter::pack_default_value` without an explicit default.
    fn simple(&mut self, s: &SimpleType, out: &mut Vec<u8>) -> R {
        if let Some(element) = legacy_element(s.builtin) {
            // Panda takes the count from its unsigned range table, which only the
            // unsigned array types fill: `uint8array(1-3)` defaults to one element,
            // `int16array(1-3)` to none.
            let unsigned = matches!(
                s.builtin,
                Builtin::Uint8Array | Builtin::Uint16Array | Builtin::Uint32Array
            );
            let count = if unsigned {
                s.range.first_min().unwrap_or(0.0).max(0.0) as u64
            } else {
                0
            };
            let width = match element {
                Target::Legacy(b) => simple_fixed_size(&SimpleType::new(b)).unwrap_or(1),
                _ => 5,
            };
            self.charge(count)?;
            let start = begin_prefix(out, true);
            out.resize(out.len() + count as usize * width, 0);
            return end_prefix(out, start, Span::default()).map_err(|_| Fail::Pack);
        }
        match s.builtin {
            Builtin::String | Builtin::Blob | Builtin::Blob32 => {
                let len = s.range.first_min().unwrap_or(0.0).max(0.0) as u64;
                self.charge(len)?;
                let zeros = vec![0; len as usize];
                let model = self.model;
                pack_bytes(
                    s,
                    &zeros,
                    Target::Legacy(s.builtin),
                    model,
                    Span::default(),
                    out,
                )
                .map_err(|_| Fail::Pack)
            }
            _ => {
                let stored = if s.range.allows_int(0) || matches!(s.range, Range::None) {
                    int_path(s, 0)
                } else {
                    match s.range.first_min() {
                        Some(min) if s.builtin == Builtin::Float64 => double_path(s, min),
                        Some(min) => int_path(s, min as i128),
                        None => int_path(s, 0),
                    }
                };
                write_number(s, stored, out).map_err(|_| Fail::Pack)
            }
        }
    }

    /// Panda's `has_default_value`: an explicit default here or anywhere inside.
    fn param_has_default(&mut self, p: &Param) -> bool {
        p.default.is_some()
            || match &p.ty {
                Type::Array(a) => self.param_has_default(&a.element),
                Type::Class(c) => self.class_has_default(*c),
                Type::Switch(id) => self.switch_has_default(*id),
                _ => false,
            }
    }

    fn class_has_default(&mut self, c: ClassId) -> bool {
        if let Some(&known) = self.class_has_default.get(&c) {
            return known;
        }
        let model = self.model;
        let any = class_targets(model, c).into_iter().any(|t| match t {
            Target::Field(f) => match &model.field(f).kind {
                FieldKind::Parameter(p) => self.param_has_default(p),
                FieldKind::Atomic(ps) => ps.iter().any(|p| self.param_has_default(p)),
                FieldKind::Molecular(_) => false,
            },
            _ => false,
        });
        self.class_has_default.insert(c, any);
        any
    }

    fn switch_has_default(&mut self, id: SwitchId) -> bool {
        if let Some(&known) = self.switch_has_default.get(&id) {
            return known;
        }
        let s = self.model.switch(id);
        let any = self.param_has_default(&s.key)
            || s.cases
                .iter()
                .flat_map(|c| c.fields.iter())
                .chain(s.default.iter().flatten())
                .any(|p| self.param_has_default(p));
        self.switch_has_default.insert(id, any);
        any
    }
}
