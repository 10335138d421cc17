//! Client-side interpolation and extrapolation of replicated values.
//!
//! The server stamps every snapshot with its tick time; the client records each
//! interpolated field's value with that time and, every frame, reads it back at
//! `render_time = server_time_estimate - delay` ([`render_time`],
//! [`interpolation_delay`]). Both times are on **one clock**, the server's tick
//! clock in seconds (as estimated by the runtime's clock sync), so a late or remote
//! client smooths exactly like a local one. This fixes the mixed time bases of
//! pipes, where samples and render time came from different clocks.
//!
//! The pieces, smallest first:
//!
//! * [`Interpolate`]: how a value type blends. Implemented for `f32`, `f64`, `glam`
//!   `Vec2`/`Vec3`/`Vec4` and `DVec2`/`DVec3`/`DVec4`, `Quat`/`DQuat` (shortest
//!   arc, unit length) and the wrapping angles [`Degrees`] and [`Radians`].
//! * [`InterpolatedVar`]: a bounded, time-sorted history of samples that tolerates
//!   late, duplicate and out-of-order samples and a render clock that steps back;
//!   [`Curve::Linear`] or [`Curve::Hermite`]; extrapolation past the newest sample
//!   capped by [`InterpConfig::extrapolation_limit`] (0.25 s), then a clean hold.
//! * [`InterpTrack`]: all variables of one type keyed by object and field, updated
//!   in one call per frame; removing an object is safe at any moment; owned objects
//!   (the local avatar) show their newest value unless configured otherwise.
//! * [`Interpolators`]: tracks of every type behind one API, for the client runtime
//!   to feed (`record(object, field, server_time, value)`) and the game to read.
//!
//! Nothing here reads a clock or knows about sockets or schemas: ids are plain
//! integers and times plain `f64` seconds.

mod angle;
mod config;
mod hash;
mod history;
mod rotation;
mod set;
mod track;
mod value;
mod variable;

#[cfg(test)]
mod tests;

pub use angle::{Degrees, Radians};
pub use config::{interpolation_delay, render_time, Curve, DelaySettings, InterpConfig};
pub use history::{RecordError, Recorded, Sample, TIME_EPSILON};
pub use set::Interpolators;
pub use track::{FieldId, InterpTrack, ObjectId, VarKey};
pub use value::{HermiteWeights, Interpolate};
pub use variable::{EvalKind, Evaluation, InterpolatedVar};
