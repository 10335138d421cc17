//! One interpolated variable: a sample history and how to read it at a render time.

use super::config::{Curve, InterpConfig};
use super::history::{History, RecordError, Recorded, Sample};
use super::value::{HermiteWeights, Interpolate};

/// How a value returned by [`InterpolatedVar::evaluate`] was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalKind {
    /// The render time lies between two samples (or on one): a true interpolation.
    Interpolated,
    /// Past the newest sample, within the extrapolation cap: continued along the
    /// last segment's velocity.
    Extrapolated,
    /// Past the newest sample beyond the cap: held at the value reached at the cap
    /// (or at the newest sample when extrapolation is off or impossible).
    Held,
    /// Before the oldest sample kept (the render clock went back further than the
    /// history reaches): the oldest sample's value.
    BeforeHistory,
}

/// A value read from a history, with how it was obtained.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation<T> {
    /// The value to show.
    pub value: T,
    /// How it was obtained.
    pub kind: EvalKind,
}

/// A replicated value smoothed over time: a bounded history of samples stamped
/// with server time, read at `render_time = server time estimate - delay`.
///
/// Recording and reading are independent: samples can arrive in any order and
/// [`value_at`](Self::value_at) is a pure function of the history and the render
/// time, so a render clock that steps backwards simply reads an earlier value.
#[derive(Clone, Debug)]
pub struct InterpolatedVar<T> {
    history: History<T>,
}

impl<T: Interpolate> Default for InterpolatedVar<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Interpolate> InterpolatedVar<T> {
    /// A variable with no samples yet.
    pub fn new() -> Self {
        InterpolatedVar {
            history: History::new(),
        }
    }

    /// Records `value` as the state at server time `time` (seconds).
    ///
    /// Keeps at most `config.max_samples` samples. Out-of-order samples are
    /// inserted in place, a second sample for the same time replaces the first.
    pub fn record(
        &mut self,
        time: f64,
        value: T,
        config: &InterpConfig,
    ) -> Result<Recorded, RecordError> {
        if !time.is_finite() {
            return Err(RecordError::NonFiniteTime);
        }
        let value = value.sanitize().ok_or(RecordError::InvalidValue)?;
        Ok(self
            .history
            .insert(Sample { time, value }, config.sample_bound()))
    }

    /// The samples held, oldest first.
    pub fn samples(&self) -> impl ExactSizeIterator<Item = Sample<T>> + '_ {
        self.history.samples().iter().copied()
    }

    /// The newest sample, if any.
    pub fn newest(&self) -> Option<Sample<T>> {
        self.history.samples().back().copied()
    }

    /// Forgets every sample (for example when the server's timeline restarts).
    pub fn clear(&mut self) {
        self.history.clear();
    }

    /// Drops samples no longer needed to render at `render_time` or later, keeping
    /// `config.history_margin` seconds (and two samples) behind it.
    pub fn prune(&mut self, render_time: f64, config: &InterpConfig) {
        self.history.prune(render_time - config.margin());
    }

    /// The value at `render_time`, or `None` with no samples.
    #[inline]
    pub fn value_at(&self, render_time: f64, config: &InterpConfig) -> Option<T> {
        self.evaluate(render_time, config).map(|e| e.value)
    }

    /// The value at `render_time` and how it was obtained, or `None` with no samples.
    pub fn evaluate(&self, render_time: f64, config: &InterpConfig) -> Option<Evaluation<T>> {
        let samples = self.history.samples();
        let n = samples.len();
        let first = samples.front()?;
        // Samples at or before the render time; the segment starts at the last of them.
        // The render time is usually within a few samples of the newest: scan back.
        // A NaN render time compares false everywhere and counts as before all samples.
        let mut at_or_before = if render_time.is_nan() { 0 } else { n };
        while at_or_before > 0 && samples[at_or_before - 1].time > render_time {
            at_or_before -= 1;
        }
        if at_or_before == 0 {
            return Some(Evaluation {
                value: first.value,
                kind: EvalKind::BeforeHistory,
            });
        }
        if at_or_before == n {
            return Some(self.past_newest(render_time, config));
        }
        let i = at_or_before - 1;
        let (a, b) = (samples[i], samples[i + 1]);
        let s = (render_time - a.time) / (b.time - a.time);
        let value = match config.curve {
            Curve::Linear => T::lerp(a.value, b.value, s),
            Curve::Hermite => {
                let before = if i > 0 { samples[i - 1] } else { a };
                let after = samples.get(i + 2).copied().unwrap_or(b);
                let h = HermiteWeights::new([before.time, a.time, b.time, after.time], s);
                T::hermite([before.value, a.value, b.value, after.value], h)
            }
        };
        Some(Evaluation {
            value,
            kind: EvalKind::Interpolated,
        })
    }

    /// Extrapolation along the last segment, capped, then held.
    fn past_newest(&self, render_time: f64, config: &InterpConfig) -> Evaluation<T> {
        let samples = self.history.samples();
        let n = samples.len();
        let newest = samples[n - 1];
        let over = render_time - newest.time;
        let cap = config.extrapolation_cap();
        if over <= 0.0 || n < 2 || cap <= 0.0 {
            let kind = if over <= 0.0 {
                EvalKind::Interpolated
            } else {
                EvalKind::Held
            };
            return Evaluation {
                value: newest.value,
                kind,
            };
        }
        let prev = samples[n - 2];
        let ahead = over.min(cap);
        let value = T::lerp(
            prev.value,
            newest.value,
            1.0 + ahead / (newest.time - prev.time),
        );
        let kind = if over > cap {
            EvalKind::Held
        } else {
            EvalKind::Extrapolated
        };
        Evaluation { value, kind }
    }
}
