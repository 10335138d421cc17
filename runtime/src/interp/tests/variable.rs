//! One variable: sample points, midpoints, extrapolation, odd arrival orders.

use glam::Vec3;

use super::close;
use crate::interp::{
    Curve, Degrees, EvalKind, InterpConfig, InterpolatedVar, RecordError, Recorded,
};

fn config(curve: Curve) -> InterpConfig {
    InterpConfig::default().with_curve(curve)
}

fn var_from(samples: &[(f64, f32)], cfg: &InterpConfig) -> InterpolatedVar<f32> {
    let mut var = InterpolatedVar::new();
    for &(t, v) in samples {
        var.record(t, v, cfg).unwrap();
    }
    var
}

#[test]
fn empty_variable_has_no_value() {
    let var = InterpolatedVar::<Vec3>::new();
    assert_eq!(var.value_at(1.0, &InterpConfig::default()), None);
    assert_eq!(var.newest(), None);
}

#[test]
fn one_sample_is_held_everywhere() {
    let cfg = InterpConfig::default();
    let var = var_from(&[(1.0, 5.0)], &cfg);
    for t in [0.0, 1.0, 1.1, 100.0] {
        assert_eq!(var.value_at(t, &cfg), Some(5.0), "at {t}");
    }
    assert_eq!(
        var.evaluate(0.5, &cfg).unwrap().kind,
        EvalKind::BeforeHistory
    );
    assert_eq!(
        var.evaluate(1.0, &cfg).unwrap().kind,
        EvalKind::Interpolated
    );
    assert_eq!(var.evaluate(1.1, &cfg).unwrap().kind, EvalKind::Held);
}

#[test]
fn two_samples_exact_points_midpoint_and_capped_extrapolation() {
    for curve in [Curve::Linear, Curve::Hermite] {
        let cfg = config(curve);
        let var = var_from(&[(1.0, 10.0), (1.5, 20.0)], &cfg);
        assert_eq!(var.value_at(1.0, &cfg), Some(10.0));
        assert_eq!(var.value_at(1.5, &cfg), Some(20.0));
        close(f64::from(var.value_at(1.25, &cfg).unwrap()), 15.0, 1e-5);
        // Extrapolation along 20 units/s, up to 0.25 s past the newest sample.
        let e = var.evaluate(1.6, &cfg).unwrap();
        assert_eq!(e.kind, EvalKind::Extrapolated);
        close(f64::from(e.value), 22.0, 1e-4);
        close(f64::from(var.value_at(1.75, &cfg).unwrap()), 25.0, 1e-4);
        // Past the cap the value holds at the cap's value, with no snap back.
        for t in [1.76, 2.0, 50.0] {
            let e = var.evaluate(t, &cfg).unwrap();
            assert_eq!(e.kind, EvalKind::Held);
            close(f64::from(e.value), 25.0, 1e-4);
        }
    }
}

#[test]
fn extrapolation_cap_is_configurable_and_can_be_off() {
    let mut cfg = InterpConfig::default().with_extrapolation_limit(0.1);
    let var = var_from(&[(0.0, 0.0), (1.0, 1.0)], &cfg);
    close(f64::from(var.value_at(3.0, &cfg).unwrap()), 1.1, 1e-5);
    cfg.extrapolation_limit = 0.0;
    assert_eq!(var.value_at(3.0, &cfg), Some(1.0));
    assert_eq!(var.evaluate(3.0, &cfg).unwrap().kind, EvalKind::Held);
    cfg.extrapolation_limit = f64::NAN;
    assert_eq!(var.value_at(3.0, &cfg), Some(1.0));
}

#[test]
fn many_samples_exact_at_each_and_linear_between() {
    let cfg = InterpConfig::default();
    let samples: Vec<(f64, f32)> = (0..20)
        .map(|i| (f64::from(i) * 0.05, (i * i) as f32))
        .collect();
    let var = var_from(&samples, &cfg);
    for w in samples.windows(2) {
        let ((t0, v0), (t1, v1)) = (w[0], w[1]);
        assert_eq!(var.value_at(t0, &cfg), Some(v0));
        let mid = var.value_at((t0 + t1) / 2.0, &cfg).unwrap();
        close(f64::from(mid), f64::from(v0 + v1) / 2.0, 1e-3);
    }
    assert_eq!(var.value_at(0.95, &cfg), Some(361.0));
}

#[test]
fn hermite_is_exact_at_samples_and_c1_continuous() {
    let cfg = config(Curve::Hermite);
    let times: [f64; 7] = [0.0, 0.05, 0.1, 0.18, 0.2, 0.3, 0.35];
    let samples: Vec<(f64, f32)> = times
        .iter()
        .map(|&t| (t, (t * 20.0).sin() as f32))
        .collect();
    // f64 values keep rounding noise out of the finite differences below.
    let mut var = InterpolatedVar::<f64>::new();
    for &(t, v) in &samples {
        var.record(t, f64::from(v), &cfg).unwrap();
        assert_eq!(var.newest().unwrap().value, f64::from(v));
    }
    let f = |t: f64| var.value_at(t, &cfg).unwrap();
    let h = 1e-7;
    for &(t, v) in &samples[1..samples.len() - 1] {
        assert_eq!(f(t), f64::from(v), "exact at {t}");
        // Value and slope agree from both sides of each inner sample.
        close(f(t - h), f(t + h), 1e-4);
        let left = (f(t) - f(t - h)) / h;
        let right = (f(t + h) - f(t)) / h;
        close(left, right, 1e-3 * left.abs().max(1.0));
    }
    // Linear has a kink at the same places (the test above can fail).
    let lin = config(Curve::Linear);
    let g = |t: f64| var.value_at(t, &lin).unwrap();
    let t = 0.1;
    let (left, right) = ((g(t) - g(t - h)) / h, (g(t + h) - g(t)) / h);
    assert!((left - right).abs() > 1.0, "linear slopes {left} {right}");
}

#[test]
fn out_of_order_samples_give_the_in_order_result() {
    let cfg = config(Curve::Hermite);
    let ordered = var_from(&[(0.0, 0.0), (0.1, 1.0), (0.2, 4.0), (0.3, 9.0)], &cfg);
    let mut shuffled = InterpolatedVar::new();
    assert_eq!(shuffled.record(0.2, 4.0, &cfg), Ok(Recorded::Appended));
    assert_eq!(shuffled.record(0.0, 0.0, &cfg), Ok(Recorded::Inserted));
    assert_eq!(shuffled.record(0.3, 9.0, &cfg), Ok(Recorded::Appended));
    assert_eq!(shuffled.record(0.1, 1.0, &cfg), Ok(Recorded::Inserted));
    let times: Vec<f64> = shuffled.samples().map(|s| s.time).collect();
    assert_eq!(times, [0.0, 0.1, 0.2, 0.3]);
    for i in 0..40 {
        let t = f64::from(i) * 0.01;
        assert_eq!(
            shuffled.value_at(t, &cfg),
            ordered.value_at(t, &cfg),
            "at {t}"
        );
    }
}

#[test]
fn duplicate_samples_replace_without_growing() {
    let cfg = InterpConfig::default();
    let mut var = var_from(&[(0.0, 0.0), (0.1, 1.0), (0.2, 2.0)], &cfg);
    assert_eq!(var.record(0.1, 1.5, &cfg), Ok(Recorded::Replaced));
    assert_eq!(var.record(0.2 + 1e-9, 3.0, &cfg), Ok(Recorded::Replaced));
    assert_eq!(var.samples().len(), 3);
    assert_eq!(var.value_at(0.1, &cfg), Some(1.5));
    assert_eq!(var.value_at(0.2, &cfg), Some(3.0));
}

#[test]
fn history_is_bounded_and_drops_stale_samples_when_full() {
    let mut cfg = InterpConfig::default().with_max_samples(4);
    let mut var = InterpolatedVar::new();
    for i in 0..10 {
        var.record(f64::from(i), i as f32, &cfg).unwrap();
    }
    let times: Vec<f64> = var.samples().map(|s| s.time).collect();
    assert_eq!(times, [6.0, 7.0, 8.0, 9.0]);
    assert_eq!(var.record(2.0, 2.0, &cfg), Ok(Recorded::Dropped));
    // A late sample inside the window evicts the oldest instead.
    assert_eq!(var.record(6.5, 6.5, &cfg), Ok(Recorded::Inserted));
    let times: Vec<f64> = var.samples().map(|s| s.time).collect();
    assert_eq!(times, [6.5, 7.0, 8.0, 9.0]);
    // A bound below 2 still keeps one segment.
    cfg.max_samples = 0;
    var.record(10.0, 10.0, &cfg).unwrap();
    assert_eq!(var.samples().len(), 2);
}

#[test]
fn render_time_going_backwards_reads_earlier_values() {
    let cfg = InterpConfig::default();
    let samples: Vec<(f64, f32)> = (0..=10).map(|i| (f64::from(i) * 0.1, i as f32)).collect();
    let mut var = var_from(&samples, &cfg);
    close(f64::from(var.value_at(0.95, &cfg).unwrap()), 9.5, 1e-5);
    // Clock correction steps the render time back by 80 ms: a pure function of time.
    close(f64::from(var.value_at(0.87, &cfg).unwrap()), 8.7, 1e-5);
    // Pruning at 0.95 keeps the history margin (0.25 s) and two samples behind it.
    var.prune(0.95, &cfg);
    assert_eq!(var.samples().next().unwrap().time, 0.5);
    close(f64::from(var.value_at(0.75, &cfg).unwrap()), 7.5, 1e-5);
    // Further back than the history reaches: the oldest kept value, flagged.
    let e = var.evaluate(0.3, &cfg).unwrap();
    assert_eq!(e.kind, EvalKind::BeforeHistory);
    assert_eq!(e.value, 5.0);
}

#[test]
fn prune_keeps_the_segment_and_its_neighbour() {
    let cfg = InterpConfig::default()
        .with_history_margin(0.0)
        .with_curve(Curve::Hermite);
    let mut var = var_from(
        &[(0.0, 0.0), (0.1, 1.0), (0.2, 4.0), (0.3, 9.0), (0.4, 16.0)],
        &cfg,
    );
    let before = var.value_at(0.25, &cfg);
    var.prune(0.25, &cfg);
    let times: Vec<f64> = var.samples().map(|s| s.time).collect();
    assert_eq!(times, [0.1, 0.2, 0.3, 0.4]);
    assert_eq!(var.value_at(0.25, &cfg), before);
}

#[test]
fn bad_samples_are_refused_and_leave_the_history_alone() {
    let cfg = InterpConfig::default();
    let mut var = var_from(&[(0.0, 1.0)], &cfg);
    assert_eq!(
        var.record(f64::NAN, 2.0, &cfg),
        Err(RecordError::NonFiniteTime)
    );
    assert_eq!(
        var.record(f64::INFINITY, 2.0, &cfg),
        Err(RecordError::NonFiniteTime)
    );
    assert_eq!(
        var.record(1.0, f32::NAN, &cfg),
        Err(RecordError::InvalidValue)
    );
    assert_eq!(var.samples().len(), 1);
    assert_eq!(var.value_at(f64::NAN, &cfg), Some(1.0));
    assert!(RecordError::InvalidValue.to_string().contains("not finite"));
}

#[test]
fn angles_interpolate_across_the_wrap_in_a_variable() {
    let cfg = InterpConfig::default();
    let mut var = InterpolatedVar::new();
    var.record(0.0, Degrees(359.0), &cfg).unwrap();
    var.record(0.1, Degrees(1.0), &cfg).unwrap();
    let mid = var.value_at(0.05, &cfg).unwrap();
    close(f64::from(mid.distance(Degrees(0.0))), 0.0, 1e-4);
    // Extrapolation keeps turning the short way: +2 degrees per 0.1 s.
    let ahead = var.value_at(0.15, &cfg).unwrap();
    close(f64::from(ahead.distance(Degrees(2.0))), 0.0, 1e-3);
}
