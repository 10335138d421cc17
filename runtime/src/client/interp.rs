//! Interpolated state fields: the binding between replicated fields and
//! [`crate::interp`].
//!
//! The game marks fields as interpolated once ([`Client::interpolate`],
//! [`Client::interpolate_floats`], [`Client::interpolate_with`]). From then on every
//! snapshot record that writes such a field records a sample, decoded to the chosen
//! value type and stamped with the server time of its tick (`tick / tick_rate`, the
//! timeline of [`Client::server_time`]). Objects leaving the view drop their
//! variables; owned objects (the local avatar) are marked owned, so by default they
//! show their newest value without delay ([`InterpConfig::interpolate_owned`]).
//!
//! Each frame the game calls [`Client::update_interpolation`] (or
//! [`Client::update_object_interpolation`] for one object) and reads values with
//! [`Client::interpolated`]. The render time is
//! `receive_time(now) - interp_delay()`: the server time of the ticks arriving now
//! (the server's current time minus the one-way latency, see
//! [`super::ClockSync::receive_time`]) minus the delay, so `interp_ratio` snapshot
//! intervals stay buffered whatever the latency.

use super::Client;
use crate::ids::DoId;
use crate::interp::{Degrees, FieldId, InterpConfig, Interpolate, Interpolators, Radians};
use crate::protocol::PartId;
use crate::schema::{FieldKind, FieldMessage};
use crate::time::{Tick, Time};
use crate::wire::Reader;
use glam::{DQuat, DVec2, DVec3, DVec4, Quat, Vec2, Vec3, Vec4};
use std::fmt;

/// Converts a decoded field message into the value interpolated for it.
///
/// Implement it for a generated message type to bind it with
/// [`Client::interpolate`]: e.g. `impl IntoInterpolated<Vec3> for SetPos`.
pub trait IntoInterpolated<T> {
    /// The interpolated value this message describes.
    fn into_interpolated(self) -> T;
}

/// A value built from a run of `float64` parameters (for [`Client::interpolate_floats`]).
///
/// `f64`, `f32`, `Degrees`, `Radians` take 1; `Vec2`/`DVec2` take 2; `Vec3`/`DVec3`
/// take 3; `Vec4`/`DVec4` take 4, and `Quat`/`DQuat` take 4 in glam's `(x, y, z, w)`
/// order (for Panda's `(w, x, y, z)` order use [`Client::interpolate_with`]).
pub trait FromFloats: Interpolate {
    /// How many `float64` parameters the value is made of.
    const COUNT: usize;
    /// Builds the value from exactly [`COUNT`](Self::COUNT) numbers.
    fn from_floats(v: &[f64]) -> Self;
}

macro_rules! from_floats {
    ($($ty:ty, $n:literal, |$v:ident| $e:expr;)*) => {$(
        impl FromFloats for $ty {
            const COUNT: usize = $n;
            fn from_floats($v: &[f64]) -> Self {
                $e
            }
        }
    )*};
}

from_floats! {
    f64, 1, |v| v[0];
    f32, 1, |v| v[0] as f32;
    Degrees, 1, |v| Degrees(v[0] as f32);
    Radians, 1, |v| Radians(v[0] as f32);
    DVec2, 2, |v| DVec2::new(v[0], v[1]);
    Vec2, 2, |v| DVec2::new(v[0], v[1]).as_vec2();
    DVec3, 3, |v| DVec3::new(v[0], v[1], v[2]);
    Vec3, 3, |v| DVec3::new(v[0], v[1], v[2]).as_vec3();
    DVec4, 4, |v| DVec4::new(v[0], v[1], v[2], v[3]);
    Vec4, 4, |v| DVec4::new(v[0], v[1], v[2], v[3]).as_vec4();
    DQuat, 4, |v| DQuat::from_xyzw(v[0], v[1], v[2], v[3]);
    Quat, 4, |v| DQuat::from_xyzw(v[0], v[1], v[2], v[3]).as_quat();
}

/// Decodes a field's packed value into an interpolated value (`None`: skip it).
pub type DecodeFn<T> = fn(&[u8]) -> Option<T>;

/// Why a field could not be bound for interpolation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindError {
    /// No field has this number.
    UnknownField(u16),
    /// The field is not replicated state (`ram` or `required`), so no sample would come.
    NotState(&'static str),
    /// Molecular fields are never in snapshots; bind their atomic fields.
    Molecular(&'static str),
    /// The field is not a run of `count` `float64` parameters (its packed size differs).
    NotFloatRun {
        /// The field.
        field: &'static str,
        /// How many `float64` the value type needs.
        count: usize,
        /// The field's packed size (`None`: variable size).
        size: Option<usize>,
    },
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindError::UnknownField(n) => write!(f, "no field {n} to interpolate"),
            BindError::NotState(n) => {
                write!(
                    f,
                    "field {n} is not ram/required state: nothing to interpolate"
                )
            }
            BindError::Molecular(n) => write!(
                f,
                "field {n} is molecular: interpolate its atomic fields instead"
            ),
            BindError::NotFloatRun { field, count, size } => write!(
                f,
                "field {field} is not {count} float64 parameters ({count}×8 bytes); its size is {}",
                size.map_or("variable".to_string(), |s| format!("{s} bytes"))
            ),
        }
    }
}

impl std::error::Error for BindError {}

/// Records one field value into the interpolators, whatever its value type.
trait Feed: Send {
    /// Decodes `bytes` and records them; false when the decoder or the value refused.
    fn feed(
        &self,
        interp: &mut Interpolators,
        object: u64,
        field: FieldId,
        time: f64,
        bytes: &[u8],
    ) -> bool;
}

struct Decoder<T>(DecodeFn<T>);

impl<T: Interpolate> Feed for Decoder<T> {
    fn feed(
        &self,
        interp: &mut Interpolators,
        object: u64,
        field: FieldId,
        time: f64,
        bytes: &[u8],
    ) -> bool {
        match (self.0)(bytes) {
            Some(v) => interp.record(object, field, time, v).is_ok(),
            None => false,
        }
    }
}

/// A bound field whose last sample may not be its final one: the object moved at
/// `last` and no whole snapshot since said whether it stopped.
#[derive(Clone, Copy, Debug)]
struct Moving {
    object: DoId,
    field: u16,
    /// Tick of the newest sample recorded from a record.
    last: Tick,
}

/// The parts of one snapshot tick received so far.
#[derive(Clone, Debug)]
struct OpenTick {
    tick: Tick,
    /// Part indices received (each once).
    parts: Vec<u16>,
    /// The final part's index, once that part arrived.
    last: Option<u16>,
    /// Objects the received parts had records for.
    carried: Vec<DoId>,
}

impl OpenTick {
    /// Whether every part up to the final one arrived.
    fn is_complete(&self) -> bool {
        self.last
            .is_some_and(|n| self.parts.iter().filter(|&&p| p <= n).count() == usize::from(n) + 1)
    }
}

/// Snapshot ticks whose parts are tracked at once (older incomplete ones are dropped).
const MAX_OPEN_TICKS: usize = 8;

/// The client's interpolation state: bound fields and their variables.
///
/// Replication sends a field only when it changes, so an object that stops sends no
/// more samples and would be extrapolated past its stop. A snapshot without a record
/// for an object means the object did not change since the client's acknowledged
/// state; but a snapshot may be split in parts, and a part that arrived says nothing
/// about objects in the others (which may be lost). So stops are inferred only from
/// *whole* snapshots: once every part of a tick up to the one flagged final has
/// arrived and none carried the object, its current value is recorded again at that
/// tick, and the curve stops where the object stopped. (Inferring a stop from single
/// parts put stale samples on moving objects whenever a part was lost.)
#[derive(Default)]
pub(crate) struct InterpState {
    /// Bound fields, sorted by field number.
    bound: Vec<(u16, Box<dyn Feed>)>,
    moving: Vec<Moving>,
    open: Vec<OpenTick>,
    pub(crate) vars: Interpolators,
}

impl fmt::Debug for InterpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InterpState")
            .field("bound", &self.bound.iter().map(|b| b.0).collect::<Vec<_>>())
            .field("vars", &self.vars)
            .finish()
    }
}

impl InterpState {
    fn bind(&mut self, field: u16, feed: Box<dyn Feed>) {
        match self.bound.binary_search_by_key(&field, |b| b.0) {
            Ok(i) => self.bound[i].1 = feed,
            Err(i) => self.bound.insert(i, (field, feed)),
        }
    }

    /// Records `field` of `object`, written by a snapshot record of `tick` (at `time`).
    pub(crate) fn record_update(
        &mut self,
        object: DoId,
        field: u16,
        tick: Tick,
        time: f64,
        bytes: &[u8],
    ) {
        if !self.record(object, field, time, bytes) {
            return;
        }
        match self
            .moving
            .iter_mut()
            .find(|m| m.object == object && m.field == field)
        {
            Some(m) => m.last = m.last.max(tick),
            None => self.moving.push(Moving {
                object,
                field,
                last: tick,
            }),
        }
    }

    /// After snapshot part `part` was applied (`last`: it is the tick's final part;
    /// `carried`: the objects it had records for): once the tick's snapshot is whole,
    /// records stop samples (see the type's documentation). `current` gives an
    /// object's current bytes of a field.
    pub(crate) fn after_snapshot<'a>(
        &mut self,
        part: PartId,
        last: bool,
        time_of: impl Fn(Tick) -> f64,
        carried: &[DoId],
        current: impl Fn(DoId, u16) -> Option<&'a [u8]>,
    ) {
        let tick = part.tick;
        let i = match self.open.iter().position(|o| o.tick == tick) {
            Some(i) => i,
            None => {
                if self.open.len() == MAX_OPEN_TICKS {
                    // Forget the oldest incomplete tick (a part of it was lost).
                    let oldest = (0..self.open.len()).min_by_key(|&j| self.open[j].tick);
                    if let Some(j) = oldest {
                        self.open.swap_remove(j);
                    }
                }
                self.open.push(OpenTick {
                    tick,
                    parts: Vec::new(),
                    last: None,
                    carried: Vec::new(),
                });
                self.open.len() - 1
            }
        };
        let open = &mut self.open[i];
        if open.parts.contains(&part.part) {
            return; // a duplicate
        }
        open.parts.push(part.part);
        open.carried.extend_from_slice(carried);
        if last {
            open.last = Some(part.part);
        }
        if !open.is_complete() {
            return;
        }
        let mut whole = self.open.swap_remove(i);
        whole.carried.sort_unstable();
        let mut stops = Vec::new();
        self.moving.retain(|m| {
            if tick <= m.last || whole.carried.binary_search(&m.object).is_ok() {
                return true;
            }
            stops.push((m.object, m.field, tick));
            false
        });
        for (object, field, at) in stops {
            if let Some(bytes) = current(object, field) {
                self.record(object, field, time_of(at), bytes);
            }
        }
    }

    /// Forgets `object` (it left the view): its variables and stop tracking.
    pub(crate) fn remove_object(&mut self, object: DoId) {
        self.vars.remove_object(u64::from(object.0));
        self.moving.retain(|m| m.object != object);
    }

    /// Records `field` of `object` at `time` if the field is bound; false if not
    /// bound or the sample was refused.
    pub(crate) fn record(&mut self, object: DoId, field: u16, time: f64, bytes: &[u8]) -> bool {
        let Ok(i) = self.bound.binary_search_by_key(&field, |b| b.0) else {
            return false;
        };
        if !self.bound[i]
            .1
            .feed(&mut self.vars, u64::from(object.0), field, time, bytes)
        {
            tracing::warn!(
                "interpolated field {field} of object {}: value not decodable or not finite; sample skipped",
                object.0
            );
            return false;
        }
        true
    }

    /// Whether any field is bound (skips work for games that do not interpolate).
    pub(crate) fn is_active(&self) -> bool {
        !self.bound.is_empty()
    }
}

fn decode_message<F, T>(bytes: &[u8]) -> Option<T>
where
    F: FieldMessage + IntoInterpolated<T>,
{
    F::from_bytes(bytes)
        .ok()
        .map(IntoInterpolated::into_interpolated)
}

fn decode_floats<T: FromFloats>(bytes: &[u8]) -> Option<T> {
    if bytes.len() != T::COUNT * 8 {
        return None;
    }
    let mut r = Reader::new(bytes);
    let mut v = [0.0f64; 4];
    for slot in v.iter_mut().take(T::COUNT) {
        *slot = r.read_f64().ok()?;
    }
    Some(T::from_floats(&v[..T::COUNT]))
}

impl Client {
    /// Interpolates field message `F` as values of `T` (converted by
    /// [`IntoInterpolated`]); e.g. `client.interpolate::<SetPos, Vec3>()`.
    ///
    /// Binding a field again replaces its decoder (variables recorded under another
    /// value type stay until their object leaves). Current values of objects already
    /// present are recorded at once.
    pub fn interpolate<F, T>(&mut self) -> Result<(), BindError>
    where
        F: FieldMessage + IntoInterpolated<T>,
        T: Interpolate,
    {
        self.interpolate_with::<T>(F::NUMBER, decode_message::<F, T>)
    }

    /// Interpolates a field made of a run of `float64` parameters as `T`
    /// (1 → `f64`/angle, 2 → `Vec2`, 3 → `Vec3`, 4 → `Vec4`/`Quat`: see [`FromFloats`]).
    ///
    /// The field must pack to exactly `8 × COUNT` bytes; the schema metadata does not
    /// say whether those are `float64` or other 8-byte types, so bind only float runs.
    pub fn interpolate_floats<T: FromFloats>(&mut self, field: u16) -> Result<(), BindError> {
        let info = self.check_bindable(field)?;
        if info.fixed_size != Some(T::COUNT * 8) {
            return Err(BindError::NotFloatRun {
                field: info.name,
                count: T::COUNT,
                size: info.fixed_size,
            });
        }
        self.interpolate_with::<T>(field, decode_floats::<T>)
    }

    /// Interpolates `field` as values of `T` produced by `decode` from its packed bytes
    /// (already validated against the field). A `None` skips that sample.
    pub fn interpolate_with<T: Interpolate>(
        &mut self,
        field: u16,
        decode: DecodeFn<T>,
    ) -> Result<(), BindError> {
        self.check_bindable(field)?;
        self.interp.bind(field, Box::new(Decoder(decode)));
        let rate = self.rate;
        let mut ids: Vec<DoId> = self.objects.keys().copied().collect();
        ids.sort();
        for id in ids {
            if let Some(v) = self.objects.get(&id).and_then(|o| o.field(field)) {
                let time = rate.tick_to_secs(v.tick);
                self.interp.record_update(id, field, v.tick, time, &v.value);
            }
        }
        Ok(())
    }

    /// Stops interpolating `field` and drops its variables' bindings (values already
    /// recorded stay readable until their object leaves). Returns whether it was bound.
    pub fn stop_interpolating(&mut self, field: u16) -> bool {
        match self.interp.bound.binary_search_by_key(&field, |b| b.0) {
            Ok(i) => {
                self.interp.bound.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether `field` is interpolated.
    pub fn is_interpolated(&self, field: u16) -> bool {
        self.interp
            .bound
            .binary_search_by_key(&field, |b| b.0)
            .is_ok()
    }

    fn check_bindable(&self, field: u16) -> Result<&'static crate::schema::FieldInfo, BindError> {
        let info = self
            .schema
            .field(field)
            .ok_or(BindError::UnknownField(field))?;
        if info.kind == FieldKind::Molecular {
            return Err(BindError::Molecular(info.name));
        }
        if !info.is_state() {
            return Err(BindError::NotState(info.name));
        }
        Ok(info)
    }

    /// The server time of the snapshots arriving at `now` (seconds, tick timeline):
    /// [`Client::server_time`] minus the one-way latency. `None` before the clock
    /// has a sample (before the handshake ends).
    pub fn receive_time(&self, now: Time) -> Option<f64> {
        self.clock.receive_time(now)
    }

    /// The server time interpolated values are shown at, at `now`:
    /// `receive_time(now) - interp_delay()`.
    pub fn render_time(&self, now: Time) -> Option<f64> {
        Some(self.receive_time(now)? - self.interp_delay())
    }

    /// The server time (seconds) whose state snapshot tick `tick` describes; samples
    /// are stamped with it.
    pub fn tick_time(&self, tick: Tick) -> f64 {
        self.rate.tick_to_secs(tick)
    }

    /// Computes every interpolated value for this frame at [`Client::render_time`];
    /// read them with [`Client::interpolated`]. Returns the render time used (`None`,
    /// and nothing computed, before the clock is synchronised).
    pub fn update_interpolation(&mut self, now: Time) -> Option<f64> {
        let t = self.render_time(now)?;
        self.interp.vars.update(t);
        Some(t)
    }

    /// Like [`Client::update_interpolation`] for one object's values only.
    pub fn update_object_interpolation(&mut self, object: DoId, now: Time) -> Option<f64> {
        let t = self.render_time(now)?;
        self.interp.vars.update_object(u64::from(object.0), t);
        Some(t)
    }

    /// The interpolated value of `object`'s `field` computed by the last update, as
    /// the type it was bound with (`None`: not bound as `T`, no sample yet, or not
    /// updated since its first sample).
    pub fn interpolated<T: Interpolate>(&self, object: DoId, field: u16) -> Option<T> {
        self.interp.vars.get(u64::from(object.0), field)
    }

    /// The interpolated value of field message `F` on `object` (see [`Client::interpolated`]).
    pub fn interpolated_of<F: FieldMessage, T: Interpolate>(&self, object: DoId) -> Option<T> {
        self.interpolated(object, F::NUMBER)
    }

    /// Every object's interpolated value of field message `F`, in id order: what a
    /// frame draws (objects without a value yet are left out; see [`Client::interpolated`]).
    pub fn interpolated_all<F: FieldMessage, T: Interpolate>(&self) -> Vec<(DoId, T)> {
        let mut all: Vec<(DoId, T)> = self
            .objects
            .keys()
            .filter_map(|&id| Some((id, self.interpolated_of::<F, T>(id)?)))
            .collect();
        all.sort_by_key(|(id, _)| *id);
        all
    }

    /// The interpolation settings (curve, extrapolation cap, owned objects).
    pub fn interp_config(&self) -> &InterpConfig {
        self.interp.vars.config()
    }

    /// Replaces the interpolation settings; e.g. interpolate owned objects too with
    /// `InterpConfig::default().with_interpolate_owned(true)`.
    pub fn set_interp_config(&mut self, config: InterpConfig) {
        self.interp.vars.set_config(config);
    }

    /// Every interpolated variable (for iterating all values of a type through
    /// [`Interpolators::track`]).
    pub fn interpolators(&self) -> &Interpolators {
        &self.interp.vars
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::put_f64;

    fn floats(v: &[f64]) -> Vec<u8> {
        let mut out = Vec::new();
        for &x in v {
            put_f64(&mut out, x);
        }
        out
    }

    #[test]
    fn float_runs_decode_to_glam_types() {
        let b = floats(&[1.0, 2.0, 3.0]);
        assert_eq!(decode_floats::<Vec3>(&b), Some(Vec3::new(1.0, 2.0, 3.0)));
        assert_eq!(decode_floats::<DVec3>(&b), Some(DVec3::new(1.0, 2.0, 3.0)));
        assert_eq!(decode_floats::<Vec2>(&b), None, "wrong length");
        let q = floats(&[0.0, 0.0, 1.0, 0.0]);
        assert_eq!(
            decode_floats::<Quat>(&q),
            Some(Quat::from_xyzw(0.0, 0.0, 1.0, 0.0))
        );
        assert_eq!(
            decode_floats::<Vec4>(&q),
            Some(Vec4::new(0.0, 0.0, 1.0, 0.0))
        );
        assert_eq!(
            decode_floats::<Degrees>(&floats(&[359.0])),
            Some(Degrees(359.0))
        );
        assert_eq!(decode_floats::<f64>(&floats(&[0.5])), Some(0.5));
        assert_eq!(
            decode_floats::<DVec2>(&floats(&[0.5, 1.5])),
            Some(DVec2::new(0.5, 1.5))
        );
    }

    #[test]
    fn undecodable_or_invalid_samples_are_skipped() {
        let mut s = InterpState::default();
        s.bind(7, Box::new(Decoder::<f64>(decode_floats::<f64>)));
        s.record(DoId(1), 7, 0.0, &floats(&[f64::NAN]));
        s.record(DoId(1), 7, 0.0, &[1, 2, 3]);
        s.record(DoId(1), 8, 0.0, &floats(&[1.0]));
        assert!(s.vars.is_empty());
        s.record(DoId(1), 7, 0.0, &floats(&[1.0]));
        assert_eq!(s.vars.len(), 1);
    }
}
