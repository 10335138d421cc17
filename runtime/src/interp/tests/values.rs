//! Value types: linear blends, Hermite weights, rotations and angles.

use glam::{DVec3, Quat, Vec2, Vec3, Vec4};

use super::close;
use crate::interp::{Degrees, HermiteWeights, Interpolate, Radians};

#[test]
fn linear_blends_hit_ends_and_midpoint() {
    assert_eq!(f32::lerp(2.0, 6.0, 0.0), 2.0);
    assert_eq!(f32::lerp(2.0, 6.0, 1.0), 6.0);
    assert_eq!(f32::lerp(2.0, 6.0, 0.5), 4.0);
    assert_eq!(f64::lerp(-1.0, 1.0, 0.25), -0.5);
    assert_eq!(
        <Vec2 as Interpolate>::lerp(Vec2::ZERO, Vec2::new(2.0, 4.0), 0.5),
        Vec2::new(1.0, 2.0)
    );
    let a = Vec3::new(1.0, 2.0, 3.0);
    let b = Vec3::new(3.0, -2.0, 5.0);
    assert_eq!(<Vec3 as Interpolate>::lerp(a, b, 0.0), a);
    assert_eq!(
        <Vec3 as Interpolate>::lerp(a, b, 0.5),
        Vec3::new(2.0, 0.0, 4.0)
    );
    // Vec4 is a real four-component blend (pipes' alias was a Vec3).
    let v = <Vec4 as Interpolate>::lerp(Vec4::ZERO, Vec4::new(0.0, 0.0, 0.0, 8.0), 0.25);
    assert_eq!(v, Vec4::new(0.0, 0.0, 0.0, 2.0));
    let d = <DVec3 as Interpolate>::lerp(DVec3::ZERO, DVec3::splat(1.0), 1.5);
    assert_eq!(d, DVec3::splat(1.5));
}

#[test]
fn non_finite_values_are_rejected() {
    assert_eq!(f32::NAN.sanitize(), None);
    assert_eq!(f64::INFINITY.sanitize(), None);
    assert_eq!(Vec3::new(0.0, f32::NAN, 0.0).sanitize(), None);
    assert_eq!(Degrees(f32::INFINITY).sanitize(), None);
    assert_eq!(Vec3::X.sanitize(), Some(Vec3::X));
}

#[test]
fn hermite_weights_are_affine_and_interpolating() {
    let times = [
        [0.0, 1.0, 2.0, 3.0],
        [0.2, 0.5, 1.7, 1.8],
        [1.0, 1.0, 2.0, 2.0],
    ];
    for t in times {
        for i in 0..=10 {
            let h = HermiteWeights::new(t, f64::from(i) / 10.0);
            close(h.w.iter().sum::<f64>(), 1.0, 1e-12);
        }
        assert_eq!(
            HermiteWeights::new(t, 0.0).w.map(|w| w.abs()),
            [0.0, 1.0, 0.0, 0.0]
        );
        let end = HermiteWeights::new(t, 1.0).w;
        for (w, want) in end.iter().zip([0.0, 0.0, 1.0, 0.0]) {
            close(*w, want, 1e-12);
        }
    }
}

#[test]
fn hermite_reproduces_uniform_motion_at_uneven_times() {
    // Catmull-Rom tangents of a linear motion equal its velocity, so the cubic is exact.
    let t = [0.0, 0.13, 0.2, 0.45];
    let v = Vec3::new(2.0, -1.0, 0.5);
    let p = t.map(|t| v * t as f32);
    for i in 0..=8 {
        let s = f64::from(i) / 8.0;
        let got = Vec3::hermite(p, HermiteWeights::new(t, s));
        let want = v * (t[1] + s * (t[2] - t[1])) as f32;
        assert!((got - want).length() < 1e-6, "{got} vs {want} at s={s}");
    }
}

fn slerp(a: Quat, b: Quat, s: f64) -> Quat {
    <Quat as Interpolate>::lerp(a, b, s)
}

fn rot_z(deg: f32) -> Quat {
    Quat::from_rotation_z(deg.to_radians())
}

fn angle_deg(a: Quat, b: Quat) -> f32 {
    a.angle_between(b).to_degrees()
}

#[test]
fn quaternion_blend_is_unit_length_and_shortest_arc() {
    let pairs = [
        (rot_z(0.0), rot_z(90.0)),
        (rot_z(0.0), -rot_z(20.0)), // same rotation as rot_z(20), other hemisphere
        (rot_z(0.0), rot_z(350.0)), // the short way is -10 degrees
        (rot_z(10.0), rot_z(10.01)), // nearly equal: linear path then normalise
        (Quat::from_rotation_x(1.0), Quat::from_rotation_y(-2.0)),
    ];
    for (a, b) in pairs {
        let total = angle_deg(a, b);
        assert!(total <= 180.0);
        for i in 0..=10 {
            let s = f64::from(i) / 10.0;
            let q = slerp(a, b, s);
            close(f64::from(q.length()), 1.0, 1e-6);
            // On the shortest arc, the two partial angles add up to the total.
            let sum = angle_deg(a, q) + angle_deg(q, b);
            close(f64::from(sum), f64::from(total), 0.05);
        }
    }
    let mid = slerp(rot_z(0.0), rot_z(350.0), 0.5);
    close(f64::from(angle_deg(mid, rot_z(-5.0))), 0.0, 0.05);
    let mid = slerp(rot_z(0.0), -rot_z(20.0), 0.5);
    close(f64::from(angle_deg(mid, rot_z(10.0))), 0.0, 0.05);
}

#[test]
fn quaternion_extrapolation_continues_the_arc() {
    let q = slerp(rot_z(0.0), rot_z(30.0), 1.5);
    close(f64::from(angle_deg(q, rot_z(45.0))), 0.0, 0.05);
    close(f64::from(q.length()), 1.0, 1e-6);
}

#[test]
fn quaternion_hermite_is_unit_exact_at_ends_and_short() {
    let p = [rot_z(0.0), -rot_z(30.0), rot_z(60.0), -rot_z(90.0)];
    let t = [0.0, 1.0, 2.0, 3.0];
    for i in 0..=10 {
        let s = f64::from(i) / 10.0;
        let q = Quat::hermite(p, HermiteWeights::new(t, s));
        close(f64::from(q.length()), 1.0, 1e-6);
        // Even rotation steps: stays on the arc from 30 to 60 degrees.
        let want = rot_z(30.0 + 30.0 * s as f32);
        assert!(
            angle_deg(q, want) < 0.5,
            "s={s}: {} off",
            angle_deg(q, want)
        );
    }
    let start = Quat::hermite(p, HermiteWeights::new(t, 0.0));
    close(f64::from(angle_deg(start, p[1])), 0.0, 0.02);
    let end = Quat::hermite(p, HermiteWeights::new(t, 1.0));
    close(f64::from(angle_deg(end, p[2])), 0.0, 0.02);
}

#[test]
fn quaternion_sanitize_normalises_and_rejects_zero() {
    let q = Quat::from_xyzw(0.0, 0.0, 0.0, 2.0).sanitize().unwrap();
    assert_eq!(q, Quat::IDENTITY);
    assert_eq!(Quat::from_xyzw(0.0, 0.0, 0.0, 0.0).sanitize(), None);
    assert_eq!(Quat::from_xyzw(f32::NAN, 0.0, 0.0, 1.0).sanitize(), None);
}

#[test]
fn degrees_wrap_from_359_to_1_through_0() {
    let (a, b) = (Degrees(359.0), Degrees(1.0));
    assert_eq!(Degrees::lerp(a, b, 0.0), a);
    let mid = Degrees::lerp(a, b, 0.5);
    close(f64::from(mid.distance(Degrees(0.0))), 0.0, 1e-4);
    close(f64::from(mid.normalized().0), 0.0, 1e-4);
    let quarter = Degrees::lerp(a, b, 0.25);
    close(f64::from(quarter.normalized().0), 359.5, 1e-4);
    let end = Degrees::lerp(a, b, 1.0);
    close(f64::from(end.distance(b)), 0.0, 1e-4);
    // And the other way round.
    let back = Degrees::lerp(b, a, 0.5);
    close(f64::from(back.distance(Degrees(0.0))), 0.0, 1e-4);
}

#[test]
fn radians_wrap_across_pi() {
    let mid = Radians::lerp(Radians(3.0), Radians(-3.0), 0.5);
    close(
        f64::from(mid.distance(Radians(std::f32::consts::PI))),
        0.0,
        1e-5,
    );
}

#[test]
fn angle_helpers() {
    close(
        f64::from(Degrees(10.0).delta_to(Degrees(350.0))),
        -20.0,
        1e-4,
    );
    close(f64::from(Degrees(-90.0).normalized().0), 270.0, 1e-4);
    close(f64::from(Degrees(720.0).normalized().0), 0.0, 1e-4);
    assert!(Degrees(-1e-9).normalized().0 < 360.0);
    close(
        f64::from(Radians(-1.0).normalized().0),
        f64::from(std::f32::consts::TAU - 1.0),
        1e-5,
    );
}

#[test]
fn degrees_hermite_is_continuous_across_the_wrap() {
    // A steady 5 degree per step turn crossing 360: the cubic is exact (linear motion).
    let p = [Degrees(350.0), Degrees(355.0), Degrees(0.0), Degrees(5.0)];
    let t = [0.0, 1.0, 2.0, 3.0];
    for i in 0..=4 {
        let s = f64::from(i) / 4.0;
        let got = Degrees::hermite(p, HermiteWeights::new(t, s));
        let want = Degrees(355.0 + 5.0 * s as f32);
        close(f64::from(got.distance(want)), 0.0, 1e-3);
    }
}
