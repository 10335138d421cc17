//! Tests of the interpolation module, one file per layer.

mod track;
mod values;
mod variable;

/// Asserts two floats are within `tol`.
#[track_caller]
pub(super) fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} != {b} (tolerance {tol})");
}
