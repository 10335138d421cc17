//! Containers: keyed tracks, the typed set, owned objects, delete, the delay helper.

use glam::{Quat, Vec3};

use super::close;
use crate::interp::{
    interpolation_delay, render_time, Degrees, DelaySettings, InterpConfig, InterpTrack,
    Interpolators, RecordError, Recorded,
};

/// A track with `n` objects whose field 0 moves along x at `object` units per second.
fn moving_track(n: u64) -> InterpTrack<Vec3> {
    let mut track = InterpTrack::default();
    for object in 0..n {
        for tick in 0..4 {
            let t = f64::from(tick) * 0.05;
            let x = object as f32 * t as f32;
            track.record(object, 0, t, Vec3::new(x, 0.0, 0.0)).unwrap();
        }
    }
    track
}

#[test]
fn update_computes_every_value_and_get_reads_it() {
    let mut track = moving_track(5);
    assert_eq!(track.len(), 5);
    assert_eq!(
        track.get(3, 0),
        None,
        "nothing computed before the first update"
    );
    track.update(0.075);
    for object in 0..5u64 {
        let x = track.get(object, 0).unwrap().x;
        close(f64::from(x), object as f64 * 0.075, 1e-5);
        assert_eq!(track.value_at(object, 0, 0.075).unwrap().x, x);
    }
    assert_eq!(track.get(9, 0), None);
    assert_eq!(track.get(1, 1), None);
    assert_eq!(track.iter().filter(|(_, v)| v.is_some()).count(), 5);
}

#[test]
fn update_object_touches_only_that_object() {
    let mut track = moving_track(3);
    track.update_object(1, 0.1);
    assert!(track.get(1, 0).is_some());
    assert_eq!(track.get(0, 0), None);
    assert_eq!(track.get(2, 0), None);
    track.update_object(42, 0.1); // unknown: no effect, no panic
}

#[test]
fn removing_objects_mid_interpolation_keeps_the_others_right() {
    let mut track = moving_track(6);
    track.update(0.06);
    // Remove objects from the middle and the end between two frames: slots move.
    assert_eq!(track.remove_object(2), 1);
    assert_eq!(track.remove_object(5), 1);
    assert_eq!(track.remove_object(5), 0);
    assert_eq!(track.len(), 4);
    assert_eq!(track.get(2, 0), None);
    assert_eq!(track.value_at(5, 0, 0.07), None);
    track.update(0.07);
    for object in [0u64, 1, 3, 4] {
        let x = track.get(object, 0).unwrap().x;
        close(f64::from(x), object as f64 * 0.07, 1e-5);
    }
    // A new object reusing a deleted id starts with a fresh history.
    assert_eq!(track.record(2, 0, 1.0, Vec3::ONE), Ok(Recorded::Appended));
    assert_eq!(track.variable(2, 0).unwrap().samples().len(), 1);
    track.update(0.5);
    assert_eq!(track.get(2, 0), Some(Vec3::ONE));
}

#[test]
fn changed_since_lists_what_moved_after_a_generation() {
    // Object 0 stands still (speed 0); objects 1 and 2 move.
    let mut track = moving_track(3);
    let changed = |track: &InterpTrack<Vec3>, g| {
        let mut keys: Vec<u64> = track.changed_since(g).map(|(k, _)| k.object).collect();
        keys.sort();
        keys
    };
    assert_eq!(
        changed(&track, 0),
        Vec::<u64>::new(),
        "no value before an update"
    );
    track.update(0.06);
    assert_eq!(changed(&track, 0), vec![0, 1, 2], "the first values count");
    let seen = track.generation();
    track.update(0.07);
    assert_eq!(
        changed(&track, seen),
        vec![1, 2],
        "the still object is left out"
    );
    let (key, value) = track
        .changed_since(seen)
        .find(|(k, _)| k.object == 2)
        .unwrap();
    assert_eq!((key.field, Some(value)), (0, track.get(2, 0)));
    let seen = track.generation();
    assert_eq!(
        changed(&track, seen),
        Vec::<u64>::new(),
        "nothing since the last read"
    );
    track.record(7, 0, 0.0, Vec3::ONE).unwrap();
    track.update_object(7, 0.07);
    assert_eq!(
        changed(&track, seen),
        vec![7],
        "a new object counts once it has a value"
    );
}

#[test]
fn a_held_value_is_no_change_until_the_clock_settings_or_a_sample_move_it() {
    let config = InterpConfig::default().with_extrapolation_limit(0.1);
    let mut track = InterpTrack::new(config);
    track.record(1, 0, 0.0, Vec3::ZERO).unwrap();
    track.record(1, 0, 0.05, Vec3::X).unwrap();
    track.update(5.0);
    // Held at the cap: 0.1 s past the newest sample at 20 units/s.
    let held = track.get(1, 0).unwrap();
    close(f64::from(held.x), 3.0, 1e-5);
    let seen = track.generation();
    track.update(6.0);
    assert_eq!(track.get(1, 0), Some(held));
    assert_eq!(track.changed_since(seen).count(), 0, "held: not a change");

    // A render clock stepping back reads the earlier value again.
    track.update(0.025);
    close(f64::from(track.get(1, 0).unwrap().x), 0.5, 1e-5);
    track.update(6.0);
    assert_eq!(track.get(1, 0), Some(held));

    // A longer cap applies at once.
    track.set_config(config.with_extrapolation_limit(0.2));
    track.update(6.0);
    close(f64::from(track.get(1, 0).unwrap().x), 5.0, 1e-5);

    // So does a new sample.
    track.record(1, 0, 6.0, Vec3::Y).unwrap();
    let seen = track.generation();
    track.update(6.0);
    assert_eq!(track.get(1, 0), Some(Vec3::Y));
    assert_eq!(track.changed_since(seen).count(), 1);
}

#[test]
fn remove_one_field() {
    let mut track = InterpTrack::<f32>::default();
    track.record(1, 0, 0.0, 1.0).unwrap();
    track.record(1, 1, 0.0, 2.0).unwrap();
    assert!(track.remove(1, 0));
    assert!(!track.remove(1, 0));
    assert_eq!(track.value_at(1, 1, 0.0), Some(2.0));
    assert!(track.remove(1, 1));
    assert!(track.is_empty());
    assert_eq!(track.remove_object(1), 0);
}

#[test]
fn a_bad_first_sample_creates_no_variable() {
    let mut track = InterpTrack::<f32>::default();
    assert_eq!(
        track.record(1, 0, f64::NAN, 1.0),
        Err(RecordError::NonFiniteTime)
    );
    assert_eq!(
        track.record(1, 0, 0.0, f32::INFINITY),
        Err(RecordError::InvalidValue)
    );
    assert!(track.is_empty());
}

#[test]
fn owned_objects_show_their_newest_value_unless_configured() {
    let mut track = moving_track(3);
    track.set_owned(2, true);
    assert!(track.is_owned(2));
    track.update(0.05);
    assert_eq!(track.get(2, 0).unwrap().x, 2.0 * 0.15_f32); // newest, no delay
    close(f64::from(track.get(1, 0).unwrap().x), 0.05, 1e-6); // others interpolated
    assert_eq!(track.value_at(2, 0, 0.0).unwrap().x, 2.0 * 0.15_f32);

    track.set_config(InterpConfig::default().with_interpolate_owned(true));
    track.update(0.05);
    close(f64::from(track.get(2, 0).unwrap().x), 0.1, 1e-6);

    track.set_config(InterpConfig::default());
    track.set_owned(2, false);
    track.update(0.05);
    close(f64::from(track.get(2, 0).unwrap().x), 0.1, 1e-6);
}

#[test]
fn ownership_marked_before_the_first_sample_applies_and_ends_with_the_object() {
    let mut track = InterpTrack::<f32>::default();
    track.set_owned(9, true);
    track.record(9, 0, 0.0, 0.0).unwrap();
    track.record(9, 0, 1.0, 10.0).unwrap();
    assert_eq!(track.value_at(9, 0, 0.5), Some(10.0));
    track.remove_object(9);
    assert!(!track.is_owned(9));
    track.record(9, 0, 0.0, 0.0).unwrap();
    track.record(9, 0, 1.0, 10.0).unwrap();
    assert_eq!(track.value_at(9, 0, 0.5), Some(5.0));
}

#[test]
fn interpolators_hold_several_types_per_object() {
    let mut set = Interpolators::default();
    set.record(1, 0, 0.0, Vec3::ZERO).unwrap();
    set.record(1, 0, 0.1, Vec3::X).unwrap();
    set.record(1, 1, 0.0, Degrees(350.0)).unwrap();
    set.record(1, 1, 0.1, Degrees(10.0)).unwrap();
    set.record(1, 2, 0.0, Quat::IDENTITY).unwrap();
    set.record(1, 2, 0.1, Quat::from_rotation_z(1.0)).unwrap();
    set.record(2, 0, 0.0, 3.0_f32).unwrap();
    assert_eq!(set.len(), 4);
    set.update(0.05);
    close(f64::from(set.get::<Vec3>(1, 0).unwrap().x), 0.5, 1e-6);
    let heading: Degrees = set.get(1, 1).unwrap();
    close(f64::from(heading.distance(Degrees(0.0))), 0.0, 1e-4);
    let q: Quat = set.get(1, 2).unwrap();
    close(
        f64::from(q.angle_between(Quat::from_rotation_z(0.5))),
        0.0,
        1e-3,
    );
    assert_eq!(set.get::<f32>(2, 0), Some(3.0));
    assert_eq!(set.get::<f64>(2, 0), None, "no f64 track exists");
    assert_eq!(set.value_at::<Vec3>(1, 0, 0.1), Some(Vec3::X));

    assert_eq!(set.remove_object(1), 3);
    assert_eq!(set.get::<Vec3>(1, 0), None);
    assert_eq!(set.get::<Degrees>(1, 1), None);
    set.update(0.06); // after the delete: fine
    assert_eq!(set.len(), 1);
    assert_eq!(set.track::<f32>().unwrap().len(), 1);
}

#[test]
fn interpolators_apply_ownership_to_tracks_created_later() {
    let mut set = Interpolators::default();
    set.set_owned(4, true);
    set.record(4, 0, 0.0, 0.0_f64).unwrap();
    set.record(4, 0, 1.0, 1.0_f64).unwrap();
    set.update(0.5);
    assert_eq!(set.get::<f64>(4, 0), Some(1.0));
    assert!(set.is_owned(4));
    set.remove_object(4);
    assert!(!set.is_owned(4));
    assert!(set.is_empty());
}

#[test]
fn interpolators_set_config_reaches_every_track() {
    let mut set = Interpolators::default();
    set.record(1, 0, 0.0, 0.0_f32).unwrap();
    set.record(1, 0, 1.0, 1.0_f32).unwrap();
    set.set_config(InterpConfig::default().with_extrapolation_limit(0.0));
    assert_eq!(set.value_at::<f32>(1, 0, 2.0), Some(1.0));
    assert_eq!(
        set.track::<f32>().unwrap().config().extrapolation_limit,
        0.0
    );
}

#[test]
fn delay_is_the_larger_of_interp_and_ratio_over_rate() {
    close(DelaySettings::default().delay(), 0.1, 1e-12);
    close(interpolation_delay(0.05, 2.0, 10.0), 0.2, 1e-12);
    close(interpolation_delay(0.3, 2.0, 66.0), 0.3, 1e-12);
    close(interpolation_delay(0.1, 2.0, 0.0), 0.1, 1e-12);
    close(interpolation_delay(f64::NAN, 2.0, 20.0), 0.1, 1e-12);
    close(interpolation_delay(-1.0, f64::INFINITY, 20.0), 0.0, 1e-12);
    close(render_time(10.0, 0.1), 9.9, 1e-12);
}
