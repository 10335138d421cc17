//! Binding numeric state fields for interpolation: runs of 1 to 4 `float64` values, or
//! of one integer type with divisors (`int16/100 x, int16/100 y, int16/100 z`).
//!
//! Integer runs are interpolated on their raw integers and scaled on read: linear
//! interpolation and extrapolation commute with scaling, so the result is the same as
//! interpolating the scaled values.

use dcc::ast::Builtin;
use dcc::model::{FieldKind, Model, Param, Type};
use dcc::pack::int_from_le;
use pipes::client::{BindError, Client, DecodeFn, FromFloats};
use pipes::glam::{DVec2, DVec3, DVec4};
use pipes::interp::VarKey;
use pipes::DoId;

/// How a field's values are packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `float64` values.
    Float,
    /// Integers of `width` bytes.
    Int { width: usize, signed: bool },
}

/// An interpolated field: its number and how to scale what the runtime returns.
#[derive(Clone, Debug)]
pub struct Bound {
    /// The field's name.
    pub name: String,
    /// The field number.
    pub number: u16,
    /// One divisor per value (the field's, 1.0 when none).
    divisors: Vec<f64>,
    /// The interpolation track's generation at the last `read_changed`.
    read_at: u64,
}

/// The packing of a plain integer type (not `char`, not an array).
fn int_kind(b: Builtin) -> Option<Kind> {
    if b == Builtin::Char || b.legacy_element().is_some() {
        return None;
    }
    let (width, signed) = b.int_layout()?;
    Some(Kind::Int { width, signed })
}

/// The kind and divisors of a field made of 1 to 4 numbers of one built-in type.
fn layout(model: &Model, field: dcc::model::FieldId) -> Option<(Kind, Vec<f64>)> {
    let params: Vec<&Param> = match &model.field(field).kind {
        FieldKind::Atomic(ps) => ps.iter().collect(),
        FieldKind::Parameter(p) => vec![p],
        FieldKind::Molecular(_) => return None,
    };
    if params.is_empty() || params.len() > 4 {
        return None;
    }
    let mut kind = None;
    let mut divisors = Vec::with_capacity(params.len());
    for p in params {
        let Type::Simple(s) = &p.ty else { return None };
        let k = if s.builtin == Builtin::Float64 {
            Kind::Float
        } else {
            int_kind(s.builtin)?
        };
        if kind.is_some_and(|seen| seen != k) {
            return None;
        }
        kind = Some(k);
        // The runtime hands values back as packed; scale them as the codec does.
        divisors.push(f64::from(s.divisor.max(1)));
    }
    Some((kind?, divisors))
}

fn decode_ints<T: FromFloats, const W: usize, const S: bool>(b: &[u8]) -> Option<T> {
    if b.len() != T::COUNT * W {
        return None;
    }
    let mut v = [0f64; 4];
    for (slot, chunk) in v.iter_mut().zip(b.chunks_exact(W)) {
        *slot = int_from_le(chunk, S) as f64;
    }
    Some(T::from_floats(&v[..T::COUNT]))
}

fn bind_as<T: FromFloats>(c: &mut Client, n: u16, kind: Kind) -> Result<(), BindError> {
    let decode: DecodeFn<T> = match kind {
        Kind::Float => return c.interpolate_floats::<T>(n),
        Kind::Int { width: 1, signed } => {
            if signed {
                decode_ints::<T, 1, true>
            } else {
                decode_ints::<T, 1, false>
            }
        }
        Kind::Int { width: 2, signed } => {
            if signed {
                decode_ints::<T, 2, true>
            } else {
                decode_ints::<T, 2, false>
            }
        }
        Kind::Int { width: 4, signed } => {
            if signed {
                decode_ints::<T, 4, true>
            } else {
                decode_ints::<T, 4, false>
            }
        }
        Kind::Int { signed, .. } => {
            if signed {
                decode_ints::<T, 8, true>
            } else {
                decode_ints::<T, 8, false>
            }
        }
    };
    c.interpolate_with::<T>(n, decode)
}

/// Binds field `n` (named `name`) for interpolation on `client`.
pub fn bind(model: &Model, client: &mut Client, n: u16, name: &str) -> Result<Bound, String> {
    let Numbers { kind, divisors } = Numbers::of(model, n, name)?;
    let r = match divisors.len() {
        1 => bind_as::<f64>(client, n, kind),
        2 => bind_as::<DVec2>(client, n, kind),
        3 => bind_as::<DVec3>(client, n, kind),
        _ => bind_as::<DVec4>(client, n, kind),
    };
    r.map_err(|e| e.to_string())?;
    Ok(Bound {
        name: name.to_owned(),
        number: n,
        divisors,
        read_at: 0,
    })
}

/// How to read a numeric field's recorded bytes as floats (for the server's rewind).
#[derive(Clone, Debug)]
pub struct Numbers {
    kind: Kind,
    divisors: Vec<f64>,
}

impl Numbers {
    /// The layout of field `n` (named `name`): 1 to 4 `float64`, or of one integer type.
    pub fn of(model: &Model, n: u16, name: &str) -> Result<Numbers, String> {
        let id = *model
            .fields_by_number
            .get(usize::from(n))
            .ok_or_else(|| format!("no field number {n}"))?;
        let (kind, divisors) = layout(model, id).ok_or_else(|| {
            format!("{name} is not a run of 1 to 4 float64 values or of one integer type")
        })?;
        Ok(Numbers { kind, divisors })
    }

    /// The packed values, unscaled, in the first slots of a `DVec4`.
    pub fn decode(&self, b: &[u8]) -> Option<DVec4> {
        let width = match self.kind {
            Kind::Float => 8,
            Kind::Int { width, .. } => width,
        };
        if b.len() != width * self.divisors.len() {
            return None;
        }
        let mut v = [0f64; 4];
        for (slot, chunk) in v.iter_mut().zip(b.chunks_exact(width)) {
            *slot = match self.kind {
                Kind::Float => f64::from_le_bytes(chunk.try_into().ok()?),
                Kind::Int { signed, .. } => int_from_le(chunk, signed) as f64,
            };
        }
        Some(DVec4::from_array(v))
    }

    /// The values of `v` scaled by the field's divisors.
    pub fn scaled(&self, v: DVec4) -> Vec<f64> {
        let a = v.to_array();
        a.iter().zip(&self.divisors).map(|(x, d)| x / d).collect()
    }
}

/// Values of 1 to 4 floats, as interpolated.
trait Floats: FromFloats {
    /// Copies the value into `out` (the first `COUNT` slots).
    fn put(&self, out: &mut [f64; 4]);
}

impl Floats for f64 {
    fn put(&self, out: &mut [f64; 4]) {
        out[0] = *self;
    }
}

macro_rules! floats_for_vec {
    ($($t:ty),*) => {$(
        impl Floats for $t {
            fn put(&self, out: &mut [f64; 4]) {
                for (o, v) in out.iter_mut().zip(self.to_array()) {
                    *o = v;
                }
            }
        }
    )*};
}
floats_for_vec!(DVec2, DVec3, DVec4);

/// Visits the current value of field `n` of every object (`since` is `None`) or of
/// those whose value changed after track generation `since`, in one pass over the
/// track. Returns the track's generation (0 when nothing was ever interpolated).
fn each_of<T: Floats>(
    client: &Client,
    n: u16,
    since: Option<u64>,
    f: &mut dyn FnMut(u32, &[f64]),
) -> u64 {
    let Some(track) = client.interpolators().track::<T>() else {
        return 0;
    };
    let mut buf = [0f64; 4];
    let mut visit = |key: VarKey, v: T| {
        if let (true, Ok(id)) = (key.field == n, u32::try_from(key.object)) {
            v.put(&mut buf);
            f(id, &buf[..T::COUNT]);
        }
    };
    match since {
        None => track
            .iter()
            .for_each(|(key, v)| v.into_iter().for_each(|v| visit(key, v))),
        Some(g) => track.changed_since(g).for_each(|(key, v)| visit(key, v)),
    }
    track.generation()
}

/// Calls `f(do_id, values)` for the objects [`each_of`] visits, scaled by `divisors`
/// (one pass, no per-object lookups). Returns the track's generation.
fn read_scaled(
    client: &Client,
    n: u16,
    divisors: &[f64],
    since: Option<u64>,
    f: &mut dyn FnMut(u32, &[f64]),
) -> u64 {
    let mut scaled = [0f64; 4];
    let mut g = |id: u32, v: &[f64]| {
        for ((s, x), d) in scaled.iter_mut().zip(v).zip(divisors) {
            *s = x / d;
        }
        f(id, &scaled[..v.len()]);
    };
    match divisors.len() {
        1 => each_of::<f64>(client, n, since, &mut g),
        2 => each_of::<DVec2>(client, n, since, &mut g),
        3 => each_of::<DVec3>(client, n, since, &mut g),
        _ => each_of::<DVec4>(client, n, since, &mut g),
    }
}

impl Bound {
    /// Calls `f(do_id, values)` for every object with a current value, scaled by the
    /// field's divisors (one pass, no per-object lookups).
    pub fn read_all(&self, client: &Client, f: &mut dyn FnMut(u32, &[f64])) {
        read_scaled(client, self.number, &self.divisors, None, f);
    }

    /// Like `read_all`, but only for the objects whose value changed since the last
    /// call (every object on the first call, and objects that arrived since). The
    /// runtime marks changes as it interpolates, so a still object costs one compare.
    pub fn read_changed(&mut self, client: &Client, f: &mut dyn FnMut(u32, &[f64])) {
        let since = Some(self.read_at);
        self.read_at = read_scaled(client, self.number, &self.divisors, since, f);
    }

    /// The smoothed value for `object`, scaled by the field's divisors.
    pub fn read(&self, client: &Client, object: DoId) -> Option<Vec<f64>> {
        let n = self.number;
        let mut v = match self.divisors.len() {
            1 => vec![client.interpolated::<f64>(object, n)?],
            2 => client.interpolated::<DVec2>(object, n)?.to_array().to_vec(),
            3 => client.interpolated::<DVec3>(object, n)?.to_array().to_vec(),
            _ => client.interpolated::<DVec4>(object, n)?.to_array().to_vec(),
        };
        for (x, d) in v.iter_mut().zip(&self.divisors) {
            if *d != 1.0 {
                *x /= d;
            }
        }
        Some(v)
    }
}
