//! The [`Interpolate`] trait: how one kind of value blends between samples.
//!
//! Numbers and `glam` vectors blend component-wise. Rotations (quaternions) and
//! angles have their own rules in [`super::rotation`] and [`super::angle`], because a
//! component-wise blend of those takes the long way round.

use glam::{DVec2, DVec3, DVec4, Vec2, Vec3, Vec4};

/// A cubic Hermite segment written as an affine blend of four consecutive samples.
///
/// A Hermite curve between `p1` and `p2` with Catmull-Rom tangents (taken from the
/// neighbours `p0` and `p3`) is a weighted sum `w[0]·p0 + w[1]·p1 + w[2]·p2 + w[3]·p3`
/// whose weights add up to 1. Computing the weights once per segment (from the sample
/// times) lets each value type apply them in its own space: vectors directly, angles
/// after unwrapping, quaternions after aligning their signs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HermiteWeights {
    /// Weights of `p0` (before the segment), `p1` (its start), `p2` (its end), `p3` (after).
    pub w: [f64; 4],
    /// Position inside the segment: 0 at `p1`, 1 at `p2`.
    pub s: f64,
}

impl HermiteWeights {
    /// Weights for position `s` in the segment `t[1]..t[2]`, with neighbours at `t[0]` and `t[3]`.
    ///
    /// A missing neighbour is passed as a copy of the segment end it borders
    /// (`t[0] == t[1]`, `t[3] == t[2]`): the tangent there becomes one-sided. The
    /// tangent at each sample depends only on its two neighbours, so the curve is C¹
    /// across samples. Requires `t[0] <= t[1] < t[2] <= t[3]`.
    pub fn new(t: [f64; 4], s: f64) -> Self {
        let dt = t[2] - t[1];
        // Tangents per unit of s: (p2 - p0)·c1 at p1 and (p3 - p1)·c2 at p2.
        let c1 = dt / (t[2] - t[0]);
        let c2 = dt / (t[3] - t[1]);
        let s2 = s * s;
        let s3 = s2 * s;
        let h00 = 2.0 * s3 - 3.0 * s2 + 1.0;
        let h10 = s3 - 2.0 * s2 + s;
        let h01 = -2.0 * s3 + 3.0 * s2;
        let h11 = s3 - s2;
        HermiteWeights {
            w: [-h10 * c1, h00 - h11 * c2, h10 * c1 + h01, h11 * c2],
            s,
        }
    }
}

/// A value that can be interpolated between timestamped samples.
///
/// Implemented for `f32`, `f64`, `glam` `Vec2`/`Vec3`/`Vec4` and their `DVec`
/// variants, `Quat`/`DQuat` (shortest-path, normalised) and the angle newtypes
/// [`Degrees`](super::Degrees) and [`Radians`](super::Radians) (wrap-around).
/// Implement it for your own types to store them in an
/// [`InterpTrack`](super::InterpTrack).
pub trait Interpolate: Copy + Send + 'static {
    /// Checks a value before it enters a history; returns the form to store.
    ///
    /// `None` rejects the value (NaN, infinity, a zero-length quaternion). Rotations
    /// are normalised here so that every stored sample is a unit quaternion.
    fn sanitize(self) -> Option<Self>;

    /// Blends `a` towards `b` by `s`: `a` at 0, `b` at 1, beyond 1 when extrapolating.
    fn lerp(a: Self, b: Self, s: f64) -> Self;

    /// The Hermite blend of four consecutive samples `p` (see [`HermiteWeights`]).
    fn hermite(p: [Self; 4], h: HermiteWeights) -> Self;

    /// Whether `self` is the same value as `previous`, so that readers of what changed
    /// ([`InterpTrack::changed_since`](super::InterpTrack::changed_since)) can skip it.
    /// The default answers `false`: every update counts as a change.
    #[inline]
    fn same_as(&self, previous: &Self) -> bool {
        let _ = previous;
        false
    }
}

macro_rules! impl_linear {
    ($($ty:ty => $scalar:ty),* $(,)?) => {$(
        impl Interpolate for $ty {
            fn sanitize(self) -> Option<Self> {
                self.is_finite().then_some(self)
            }

            #[inline]
            fn lerp(a: Self, b: Self, s: f64) -> Self {
                a + (b - a) * (s as $scalar)
            }

            #[inline]
            fn hermite(p: [Self; 4], h: HermiteWeights) -> Self {
                p[0] * (h.w[0] as $scalar)
                    + p[1] * (h.w[1] as $scalar)
                    + p[2] * (h.w[2] as $scalar)
                    + p[3] * (h.w[3] as $scalar)
            }

            #[inline]
            fn same_as(&self, previous: &Self) -> bool {
                self == previous
            }
        }
    )*};
}

impl_linear!(
    f32 => f32,
    f64 => f64,
    Vec2 => f32,
    Vec3 => f32,
    Vec4 => f32,
    DVec2 => f64,
    DVec3 => f64,
    DVec4 => f64,
);
