//! Quaternion interpolation: shortest arc, always unit length.
//!
//! `q` and `-q` are the same rotation; blending them component-wise without care
//! takes the long way round (up to 360°) or passes through zero. Every blend here
//! first flips the second quaternion into the first one's hemisphere, then either
//! slerps or (for nearly equal rotations, where slerp divides by ~0) normalises a
//! linear blend. Results are renormalised so rounding never drifts off unit length.

use glam::{DQuat, Quat};

use super::value::{HermiteWeights, Interpolate};

/// Above this `|dot|` two rotations are nearly equal: blend linearly, then normalise.
const NEARLY_EQUAL_DOT: f64 = 0.9995;
/// Quaternions shorter than this cannot be normalised and are rejected.
const MIN_LENGTH: f64 = 1e-6;

macro_rules! impl_rotation {
    ($($quat:ident => $scalar:ty),* $(,)?) => {$(
        impl Interpolate for $quat {
            fn sanitize(self) -> Option<Self> {
                let len = self.length();
                (self.is_finite() && f64::from(len) > MIN_LENGTH).then(|| self / len)
            }

            fn lerp(a: Self, b: Self, s: f64) -> Self {
                let mut dot = a.dot(b);
                let b = if dot < 0.0 {
                    dot = -dot;
                    -b
                } else {
                    b
                };
                let s = s as $scalar;
                if f64::from(dot) > NEARLY_EQUAL_DOT {
                    return (a + (b - a) * s).normalize();
                }
                // dot is in (-1, NEARLY_EQUAL_DOT]: theta > 0 and sin(theta) > 0.
                let theta = dot.min(1.0).acos();
                let sin = theta.sin();
                let wa = ((1.0 - s) * theta).sin() / sin;
                let wb = (s * theta).sin() / sin;
                (a * wa + b * wb).normalize()
            }

            fn hermite(p: [Self; 4], h: HermiteWeights) -> Self {
                // Align every sample with its predecessor so the chain takes short arcs.
                let p1 = p[1];
                let p0 = if p[0].dot(p1) < 0.0 { -p[0] } else { p[0] };
                let p2 = if p[2].dot(p1) < 0.0 { -p[2] } else { p[2] };
                let p3 = if p[3].dot(p2) < 0.0 { -p[3] } else { p[3] };
                let blend = p0 * (h.w[0] as $scalar)
                    + p1 * (h.w[1] as $scalar)
                    + p2 * (h.w[2] as $scalar)
                    + p3 * (h.w[3] as $scalar);
                let len = blend.length();
                if blend.is_finite() && f64::from(len) > MIN_LENGTH {
                    blend / len
                } else {
                    // Degenerate blend (opposing neighbours): fall back to the arc.
                    <Self as Interpolate>::lerp(p1, p2, h.s)
                }
            }

            #[inline]
            fn same_as(&self, previous: &Self) -> bool {
                self == previous
            }
        }
    )*};
}

impl_rotation!(Quat => f32, DQuat => f64);
