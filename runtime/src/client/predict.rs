//! Client-side prediction of an owned object, with reconciliation and smoothed
//! correction.
//!
//! The game gives one pure step function `(state, command, dt) -> state`, the one its
//! server applies to [`Command`](crate::server::Command)s. A [`Predictor`] applies each
//! command the moment it is made ([`Predictor::apply`]); when the server's
//! acknowledgement arrives ([`Predictor::reconcile`]) it restarts from the server's
//! state after the last applied command and replays the commands not applied yet. If
//! the result differs from what it predicted (a misprediction), the visible state
//! ([`Predictor::visible`]) glides to the new prediction over
//! [`PredictConfig::smoothing`] seconds instead of jumping, unless the error is over
//! [`PredictConfig::snap_distance`].
//!
//! Replays are exact when server and client step from identical values: keep the
//! predicted field unquantized (`float64`), or quantize inside the step function.

use super::commands::CommandAck;
use super::IntoInterpolated;
use crate::interp::{HermiteWeights, Interpolate};
use crate::schema::FieldMessage;
use crate::time::{Tick, Time};
use glam::{DVec2, DVec3, Vec2, Vec3};
use std::collections::VecDeque;

/// A predicted state the client can measure corrections of.
pub trait Metric: Interpolate {
    /// The distance between two states (metres, for positions): compared with the
    /// snap threshold and summed in [`PredictStats`].
    fn distance(a: Self, b: Self) -> f64;
}

impl Metric for f32 {
    fn distance(a: Self, b: Self) -> f64 {
        f64::from((a - b).abs())
    }
}
impl Metric for f64 {
    fn distance(a: Self, b: Self) -> f64 {
        (a - b).abs()
    }
}
impl Metric for Vec2 {
    fn distance(a: Self, b: Self) -> f64 {
        f64::from(a.distance(b))
    }
}
impl Metric for Vec3 {
    fn distance(a: Self, b: Self) -> f64 {
        f64::from(a.distance(b))
    }
}
impl Metric for DVec2 {
    fn distance(a: Self, b: Self) -> f64 {
        a.distance(b)
    }
}
impl Metric for DVec3 {
    fn distance(a: Self, b: Self) -> f64 {
        a.distance(b)
    }
}

/// How corrections show.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PredictConfig {
    /// Seconds over which a correction is blended away (default 0.1; 0 snaps).
    pub smoothing: f64,
    /// A correction longer than this (state units, default 2.0) snaps at once: a
    /// teleport or respawn should not glide.
    pub snap_distance: f64,
    /// Differences up to this are not mispredictions (default 1e-6).
    pub tolerance: f64,
}

impl Default for PredictConfig {
    fn default() -> Self {
        PredictConfig {
            smoothing: 0.1,
            snap_distance: 2.0,
            tolerance: 1e-6,
        }
    }
}

/// Counters of a [`Predictor`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PredictStats {
    /// Acknowledgements reconciled.
    pub reconciliations: u64,
    /// Reconciliations whose replay differed from the prediction.
    pub mispredictions: u64,
    /// Of those, corrections over the snap distance (shown at once).
    pub snaps: u64,
    /// Sum of the correction distances.
    pub correction_sum: f64,
    /// Longest correction.
    pub max_correction: f64,
    /// Seconds between the first and the last reconciliation.
    pub seconds: f64,
}

impl PredictStats {
    /// Mispredictions per second of reconciling (0 before a second has passed).
    pub fn mispredictions_per_s(&self) -> f64 {
        if self.seconds > 0.0 {
            self.mispredictions as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// Mean correction distance (0 without mispredictions).
    pub fn mean_correction(&self) -> f64 {
        if self.mispredictions > 0 {
            self.correction_sum / self.mispredictions as f64
        } else {
            0.0
        }
    }
}

/// A correction being blended away.
#[derive(Clone, Copy, Debug)]
struct Correction<S> {
    /// What was shown when it began.
    shown: S,
    /// The new prediction then.
    predicted: S,
    at: Time,
}

/// The prediction of one owned object's state (see the module documentation).
pub struct Predictor<S, C> {
    step: fn(S, &C, f64) -> S,
    dt: f64,
    config: PredictConfig,
    pending: VecDeque<(u32, C)>,
    predicted: S,
    acked: Option<(Tick, u32)>,
    correction: Option<Correction<S>>,
    first: Option<Time>,
    stats: PredictStats,
}

impl<S: std::fmt::Debug, C> std::fmt::Debug for Predictor<S, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Predictor")
            .field("predicted", &self.predicted)
            .field("pending", &self.pending.len())
            .field("acked", &self.acked)
            .finish_non_exhaustive()
    }
}

impl<S: Metric, C> Predictor<S, C> {
    /// A predictor starting at `state`, stepping each command by `dt` seconds (the
    /// server's tick interval) with the pure function `step`.
    pub fn new(state: S, dt: f64, step: fn(S, &C, f64) -> S, config: PredictConfig) -> Self {
        Predictor {
            step,
            dt,
            config,
            pending: VecDeque::new(),
            predicted: state,
            acked: None,
            correction: None,
            first: None,
            stats: PredictStats::default(),
        }
    }

    /// Applies command `seq` (as numbered by [`Client::send_command`](super::Client::send_command))
    /// at once; keeps it for replay until the server applies it. Returns the new prediction.
    pub fn apply(&mut self, seq: u32, command: C) -> S {
        self.predicted = (self.step)(self.predicted, &command, self.dt);
        self.pending.push_back((seq, command));
        self.predicted
    }

    /// Reconciles with the server's acknowledgement, taking the state from its
    /// `predicted` field `F`. Does nothing for an acknowledgement already seen or
    /// without `F`. Returns the correction distance when it was a misprediction.
    pub fn reconcile<F>(&mut self, now: Time, ack: &CommandAck) -> Option<f64>
    where
        F: FieldMessage + IntoInterpolated<S>,
    {
        if self.acked.is_some_and(|(t, _)| t >= ack.tick) {
            return None;
        }
        let state = ack.get::<F>()?.ok()?.into_interpolated();
        self.reconcile_state(now, ack.tick, ack.last, state)
    }

    /// [`Predictor::reconcile`] with the server's state given directly: `server` is the
    /// state at the end of `tick`, after command `last_applied`.
    pub fn reconcile_state(
        &mut self,
        now: Time,
        tick: Tick,
        last_applied: u32,
        server: S,
    ) -> Option<f64> {
        if self.acked.is_some_and(|(t, _)| t >= tick) {
            return None;
        }
        self.acked = Some((tick, last_applied));
        while self
            .pending
            .front()
            .is_some_and(|(s, _)| *s <= last_applied)
        {
            self.pending.pop_front();
        }
        let mut replay = server;
        for (_, c) in &self.pending {
            replay = (self.step)(replay, c, self.dt);
        }
        let first = *self.first.get_or_insert(now);
        self.stats.seconds = now.since(first).as_secs_f64();
        self.stats.reconciliations += 1;
        let error = S::distance(replay, self.predicted);
        if error <= self.config.tolerance {
            self.predicted = replay;
            return None;
        }
        let shown = self.visible(now);
        self.predicted = replay;
        self.stats.mispredictions += 1;
        self.stats.correction_sum += error;
        self.stats.max_correction = self.stats.max_correction.max(error);
        if error > self.config.snap_distance || self.config.smoothing <= 0.0 {
            self.stats.snaps += 1;
            self.correction = None;
        } else {
            self.correction = Some(Correction {
                shown,
                predicted: replay,
                at: now,
            });
        }
        Some(error)
    }

    /// The newest prediction (server state + unapplied commands).
    pub fn predicted(&self) -> S {
        self.predicted
    }

    /// What to show at `now`: the prediction plus what remains of the last correction.
    pub fn visible(&self, now: Time) -> S {
        let Some(c) = self.correction else {
            return self.predicted;
        };
        let k = 1.0 - now.since(c.at).as_secs_f64() / self.config.smoothing;
        if k <= 0.0 {
            return self.predicted;
        }
        // predicted + k·(shown − predicted_then), an affine blend (weights sum to 1).
        let w = HermiteWeights {
            w: [1.0, k, -k, 0.0],
            s: 0.0,
        };
        S::hermite([self.predicted, c.shown, c.predicted, c.predicted], w)
    }

    /// Commands applied locally and not yet by the server.
    pub fn unacknowledged(&self) -> usize {
        self.pending.len()
    }

    /// The counters.
    pub fn stats(&self) -> PredictStats {
        self.stats
    }
}
