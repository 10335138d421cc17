//! `Predictor`: the runtime's client-side prediction (`pipes::client::Predictor`) with
//! a Python step function and a state of 1 to 3 floats.
//!
//! The runtime's predictor takes a plain `fn` step; here each command it holds carries
//! the Python step function with it, and [`call_step`] calls it. A Python error inside
//! a step cannot cross the runtime's `fn` signature: it is parked in a slot shared by
//! the predictor's commands (the step returns the state unchanged) and raised by the
//! method that ran the step.

use crate::convert::err;
use pipes::client::{PredictConfig, Predictor as Core};
use pipes::glam::DVec3;
use pipes::time::Time;
use pipes::transport::driver::Clock;
use pipes::Tick;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Where a step's Python error waits for the method that ran the step.
type ErrorSlot = Rc<RefCell<Option<PyErr>>>;

/// One command as the runtime's predictor holds it.
struct Step {
    step: Py<PyAny>,
    command: Py<PyAny>,
    dims: usize,
    error: ErrorSlot,
    /// `(from, to)`: the step already computed from state `from` when the command was
    /// made (so applying it calls Python once); replays call the function again.
    known: Cell<Option<(DVec3, DVec3)>>,
}

/// The state as a Python tuple of its `dims` floats.
fn state_tuple<'py>(py: Python<'py>, s: DVec3, dims: usize) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, &s.to_array()[..dims])
}

/// A state of exactly `dims` finite floats from Python.
fn state_from(value: &Bound<'_, PyAny>, dims: usize) -> PyResult<DVec3> {
    let v: Vec<f64> = value.extract()?;
    if v.len() != dims {
        return Err(err(format!(
            "a predicted state has {dims} values, got {}",
            v.len()
        )));
    }
    if v.iter().any(|x| !x.is_finite()) {
        return Err(err("a predicted state value is not finite"));
    }
    let mut a = [0.0; 3];
    a[..dims].copy_from_slice(&v);
    Ok(DVec3::from_array(a))
}

/// The runtime's step: calls the Python step function as `step(state, command, dt)`.
fn call_step(state: DVec3, c: &Step, dt: f64) -> DVec3 {
    if let Some((from, to)) = c.known.take() {
        if from == state {
            return to;
        }
    }
    if c.error.borrow().is_some() {
        return state; // a step already failed in this call: the result is discarded
    }
    Python::attach(|py| {
        let next = state_tuple(py, state, c.dims)
            .and_then(|s| c.step.bind(py).call1((s, c.command.bind(py), dt)))
            .and_then(|r| state_from(&r, c.dims));
        next.unwrap_or_else(|e| {
            *c.error.borrow_mut() = Some(e);
            state
        })
    })
}

/// Client-side prediction of an owned object (see `pipes::client::Predictor`).
#[pyclass(unsendable, subclass, module = "pipesnet._native")]
pub struct Predictor {
    core: Core<DVec3, Step>,
    step: Py<PyAny>,
    dt: f64,
    dims: usize,
    error: ErrorSlot,
    clock: Clock,
}

impl Predictor {
    /// `now` in seconds (any monotonic origin), or the predictor's own clock.
    fn time(&self, now: Option<f64>) -> PyResult<Time> {
        match now {
            None => Ok(self.clock.now()),
            Some(t) if t.is_finite() && t >= 0.0 => Ok(Time::from_secs_f64(t)),
            Some(t) => Err(err(format!("now must be finite and >= 0, got {t}"))),
        }
    }

    /// Raises the error a step parked, if any.
    fn check(&self) -> PyResult<()> {
        match self.error.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[pymethods]
impl Predictor {
    /// A predictor starting at `state` (1 to 3 floats), stepping each command by `dt`
    /// seconds (the server's tick interval) with `step(state, command, dt) -> state`,
    /// the function the server applies to each command. Corrections glide away over
    /// `smoothing` seconds unless longer than `snap_distance`; differences up to
    /// `tolerance` are not mispredictions.
    #[new]
    #[pyo3(signature = (state, dt, step, smoothing=0.1, snap_distance=2.0, tolerance=1e-6))]
    fn new(
        state: &Bound<'_, PyAny>,
        dt: f64,
        step: Py<PyAny>,
        smoothing: f64,
        snap_distance: f64,
        tolerance: f64,
    ) -> PyResult<Predictor> {
        let dims = state.len()?;
        if !(1..=3).contains(&dims) {
            return Err(err(format!(
                "a predicted state has 1 to 3 values, got {dims}"
            )));
        }
        let start = state_from(state, dims)?;
        if !(dt.is_finite() && dt > 0.0) {
            return Err(err(format!(
                "dt must be a positive number of seconds, got {dt}"
            )));
        }
        for (name, v) in [
            ("smoothing", smoothing),
            ("snap_distance", snap_distance),
            ("tolerance", tolerance),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(err(format!("{name} must be finite and >= 0, got {v}")));
            }
        }
        if !step.bind(state.py()).is_callable() {
            return Err(err("step must be callable as step(state, command, dt)"));
        }
        let config = PredictConfig {
            smoothing,
            snap_distance,
            tolerance,
        };
        Ok(Predictor {
            core: Core::new(start, dt, call_step, config),
            step,
            dt,
            dims,
            error: ErrorSlot::default(),
            clock: Clock::new(),
        })
    }

    /// Applies command `seq` (the number `send_command` returned) at once and keeps it
    /// for replay until the server applies it. Returns the new prediction. If `step`
    /// raises, the command is not kept and the exception propagates.
    fn apply<'py>(
        &mut self,
        py: Python<'py>,
        seq: u32,
        command: Py<PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        // The step runs here first, so a failing command is never kept.
        let from = self.core.predicted();
        let args = (state_tuple(py, from, self.dims)?, command.bind(py), self.dt);
        let to = state_from(&self.step.bind(py).call1(args)?, self.dims)?;
        let step = Step {
            step: self.step.clone_ref(py),
            command,
            dims: self.dims,
            error: self.error.clone(),
            known: Cell::new(Some((from, to))),
        };
        let s = self.core.apply(seq, step);
        self.check()?;
        state_tuple(py, s, self.dims)
    }

    /// Reconciles with the server's acknowledgement: `state` (the `predicted` field's
    /// values) after command `last_applied`, at server `tick`. Replays the commands not
    /// applied yet; returns the correction distance on a misprediction, else `None`.
    /// An acknowledgement not newer than the last one is ignored.
    #[pyo3(signature = (tick, last_applied, state, now=None))]
    fn reconcile(
        &mut self,
        tick: u32,
        last_applied: u32,
        state: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<Option<f64>> {
        let server = state_from(state, self.dims)?;
        let now = self.time(now)?;
        let out = self
            .core
            .reconcile_state(now, Tick(tick), last_applied, server);
        self.check()?;
        Ok(out)
    }

    /// The newest prediction (server state + commands not applied by it yet).
    fn predicted<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        state_tuple(py, self.core.predicted(), self.dims)
    }

    /// What to show at `now` (seconds; default: now): the prediction plus what remains
    /// of the last correction.
    #[pyo3(signature = (now=None))]
    fn visible<'py>(&self, py: Python<'py>, now: Option<f64>) -> PyResult<Bound<'py, PyTuple>> {
        state_tuple(py, self.core.visible(self.time(now)?), self.dims)
    }

    /// Commands applied locally and not yet by the server.
    #[getter]
    fn unacknowledged(&self) -> usize {
        self.core.unacknowledged()
    }

    /// Counters: reconciliations, mispredictions, snaps, mean/max correction,
    /// mispredictions per second.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.core.stats();
        let d = PyDict::new(py);
        d.set_item("reconciliations", s.reconciliations)?;
        d.set_item("mispredictions", s.mispredictions)?;
        d.set_item("snaps", s.snaps)?;
        d.set_item("mean_correction", s.mean_correction())?;
        d.set_item("max_correction", s.max_correction)?;
        d.set_item("mispredictions_per_s", s.mispredictions_per_s())?;
        Ok(d)
    }
}
