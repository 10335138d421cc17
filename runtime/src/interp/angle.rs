//! Angles that wrap around: [`Degrees`] and [`Radians`].
//!
//! A heading stored as a plain `f32` going from 359° to 1° would be interpolated
//! through 180° (the bug pipes has for scalar headings). These newtypes blend along
//! the shorter way round the circle instead: 359° → 1° passes through 0°.
//!
//! Interpolated results are not folded back into a fixed range, so a sample value
//! is returned exactly as recorded and a blend stays within half a turn of its
//! inputs (359° → 1° gives 360° at the midpoint). Call `normalized()` when a fixed
//! range matters.

use super::value::{HermiteWeights, Interpolate};

macro_rules! angle_type {
    ($(#[$doc:meta])* $name:ident, turn = $turn:expr, unit = $unit:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
        pub struct $name(pub f32);

        impl $name {
            /// One full turn in this unit.
            pub const TURN: f32 = $turn;

            #[doc = concat!("The same angle folded into `[0, one turn)` ", $unit, ".")]
            pub fn normalized(self) -> Self {
                let r = self.0.rem_euclid(Self::TURN);
                // rem_euclid can round up to exactly one turn for tiny negative inputs.
                $name(if r >= Self::TURN { 0.0 } else { r })
            }

            /// The signed shortest rotation from `self` to `to`, in `[-half turn, half turn]`.
            pub fn delta_to(self, to: Self) -> f32 {
                let d = to.0 - self.0;
                d - Self::TURN * (d / Self::TURN).round()
            }

            /// The angular distance between two angles, in `[0, half turn]`.
            pub fn distance(self, other: Self) -> f32 {
                self.delta_to(other).abs()
            }
        }

        impl Interpolate for $name {
            fn sanitize(self) -> Option<Self> {
                self.0.is_finite().then_some(self)
            }

            #[inline]
            fn lerp(a: Self, b: Self, s: f64) -> Self {
                $name(a.0 + a.delta_to(b) * s as f32)
            }

            #[inline]
            fn hermite(p: [Self; 4], h: HermiteWeights) -> Self {
                // Unwrap the neighbours around p1 into one continuous run of values.
                let p1 = p[1].0;
                let p0 = p1 + p[1].delta_to(p[0]);
                let p2 = p1 + p[1].delta_to(p[2]);
                let p3 = p2 + p[2].delta_to(p[3]);
                $name(
                    p0 * h.w[0] as f32 + p1 * h.w[1] as f32 + p2 * h.w[2] as f32 + p3 * h.w[3] as f32,
                )
            }

            #[inline]
            fn same_as(&self, previous: &Self) -> bool {
                self == previous
            }
        }
    };
}

angle_type!(
    /// An angle in degrees that interpolates the short way round (359° → 1° via 0°).
    Degrees,
    turn = 360.0,
    unit = "degrees"
);

angle_type!(
    /// An angle in radians that interpolates the short way round (across ±π).
    Radians,
    turn = std::f32::consts::TAU,
    unit = "radians"
);
