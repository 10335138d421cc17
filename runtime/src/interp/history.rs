//! A bounded, time-sorted history of samples.
//!
//! Samples may arrive late, twice or out of order (unreliable snapshots); the history
//! keeps them sorted by the server time they describe, merges duplicates, and
//! evicts the oldest when full. It never grows past its bound.

use std::collections::VecDeque;
use std::fmt;

/// Two sample times closer than this (seconds) describe the same moment.
///
/// Server tick times are at least ~1 ms apart (1000 Hz), so this only merges true
/// duplicates and rounding noise.
pub const TIME_EPSILON: f64 = 1e-6;

/// One recorded value and the server time (seconds, tick clock) it describes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample<T> {
    /// Server time in seconds.
    pub time: f64,
    /// The value at that time.
    pub value: T,
}

/// What recording a sample did to a history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// The sample is the newest and was added at the end.
    Appended,
    /// The sample arrived out of order and was inserted at its place in time.
    Inserted,
    /// A sample for the same time existed; its value was replaced (the later
    /// message carries the later state of that tick).
    Replaced,
    /// The history is full and the sample is older than all it holds: ignored.
    Dropped,
}

/// Why a sample was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// The time is NaN or infinite.
    NonFiniteTime,
    /// The value is NaN, infinite or otherwise unusable (a zero quaternion).
    InvalidValue,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::NonFiniteTime => f.write_str("interpolation sample time is not finite"),
            RecordError::InvalidValue => {
                f.write_str("interpolation sample value is not finite or not normalisable")
            }
        }
    }
}

impl std::error::Error for RecordError {}

/// Samples sorted by strictly increasing time (gaps larger than [`TIME_EPSILON`]).
#[derive(Clone, Debug)]
pub(crate) struct History<T> {
    samples: VecDeque<Sample<T>>,
}

impl<T: Copy> History<T> {
    /// An empty history.
    pub(crate) fn new() -> Self {
        History {
            samples: VecDeque::new(),
        }
    }

    /// The samples, oldest first.
    pub(crate) fn samples(&self) -> &VecDeque<Sample<T>> {
        &self.samples
    }

    /// Adds a sample at its place in time, keeping at most `bound` samples.
    pub(crate) fn insert(&mut self, sample: Sample<T>, bound: usize) -> Recorded {
        let newest = self.samples.back().map(|s| s.time);
        if newest.is_none_or(|t| sample.time > t + TIME_EPSILON) {
            while self.samples.len() >= bound {
                self.samples.pop_front();
            }
            self.samples.push_back(sample);
            return Recorded::Appended;
        }
        let at = self
            .samples
            .partition_point(|s| s.time < sample.time - TIME_EPSILON);
        if let Some(existing) = self.samples.get_mut(at) {
            if (existing.time - sample.time).abs() <= TIME_EPSILON {
                existing.value = sample.value;
                return Recorded::Replaced;
            }
        }
        if self.samples.len() >= bound {
            if at == 0 {
                return Recorded::Dropped;
            }
            self.samples.pop_front();
            self.samples.insert(at - 1, sample);
        } else {
            self.samples.insert(at, sample);
        }
        Recorded::Inserted
    }

    /// Forgets samples older than `before`, keeping the two newest of them (the
    /// segment start and its neighbour for Hermite tangents).
    pub(crate) fn prune(&mut self, before: f64) {
        // Fast path for the common case of nothing to forget.
        if self.samples.get(2).is_none_or(|s| s.time >= before) {
            return;
        }
        let older = self.samples.partition_point(|s| s.time < before);
        let drop = older.saturating_sub(2);
        self.samples.drain(..drop);
    }

    /// Removes every sample.
    pub(crate) fn clear(&mut self) {
        self.samples.clear();
    }
}
