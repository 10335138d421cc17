//! Lag compensation: a bounded per-tick history of chosen state fields, and
//! [`Server::rewind`] to read them as a client saw them.
//!
//! A client shows other objects `rtt/2 + interp` behind the server, and its command
//! reaches the server `rtt/2` later; so to judge a shot the way the shooter saw it,
//! the server reads the target's position at the command's
//! [`Command::view_time`](super::Command::view_time) (Source's "command time = server
//! time − latency − interpolation"), interpolated between the recorded ticks as the
//! client interpolates (linearly). The live state is never touched.

use super::{Server, ServerError};
use crate::client::IntoInterpolated;
use crate::ids::{DetMap, DoId};
use crate::interp::Interpolate;
use crate::schema::FieldMessage;
use crate::time::Tick;
use std::collections::VecDeque;

/// How much history the server keeps and how far back a client may be judged.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistoryConfig {
    /// Seconds of history kept per recorded field (default 1, as Source's
    /// `sv_maxunlag`): a rewind further back reads the oldest sample.
    pub seconds: f64,
    /// Most interpolation delay credited to a client, seconds (default 0.5): a client
    /// claiming a longer delay is judged as if it had this one.
    pub max_interp: f64,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            seconds: 1.0,
            max_interp: 0.5,
        }
    }
}

/// The recorded samples of one object's field, oldest first, one per tick it changed
/// (an unchanged value holds until the next sample): ticks, and the values packed
/// back to back (`stride` bytes each, the field's fixed size), with no allocation per
/// sample.
#[derive(Debug, Default)]
struct Track {
    ticks: VecDeque<Tick>,
    data: VecDeque<u8>,
    stride: usize,
}

impl Track {
    fn len(&self) -> usize {
        self.ticks.len()
    }

    /// The `i`-th sample's value, copied out (the ring may wrap).
    fn value(&self, i: usize, buf: &mut Vec<u8>) {
        buf.clear();
        let (lo, hi) = (i * self.stride, (i + 1) * self.stride);
        let (a, b) = self.data.as_slices();
        // The range may straddle the ring's two halves.
        buf.extend_from_slice(a.get(lo.min(a.len())..hi.min(a.len())).unwrap_or(&[]));
        let (lo, hi) = (lo.saturating_sub(a.len()), hi.saturating_sub(a.len()));
        buf.extend_from_slice(b.get(lo..hi).unwrap_or(&[]));
    }

    fn last_equals(&self, value: &[u8]) -> bool {
        let n = self.data.len();
        n >= self.stride && self.data.range(n - self.stride..).eq(value.iter())
    }

    fn push(&mut self, tick: Tick, value: &[u8]) {
        self.ticks.push_back(tick);
        self.data.extend(value);
    }

    fn pop_front(&mut self) {
        self.ticks.pop_front();
        self.data.drain(..self.stride.min(self.data.len()));
    }
}

/// Recorded fields and their samples.
#[derive(Debug, Default)]
pub(crate) struct History {
    pub(crate) config: HistoryConfig,
    fields: Vec<(u16, usize)>,
    tracks: DetMap<(DoId, u16), Track>,
    /// Objects generated or changed in a recorded field since the last recorded tick:
    /// a tick visits these, not the whole world.
    pending: Vec<DoId>,
}

impl History {
    /// Notes that `field` of `object` changed (or the object appeared, `None`): the
    /// next tick records it. Free when no field is recorded.
    pub(crate) fn note(&mut self, object: DoId, field: Option<u16>) {
        let recorded = match field {
            Some(f) => self.fields.iter().any(|&(r, _)| r == f),
            None => !self.fields.is_empty(),
        };
        if recorded {
            self.pending.push(object);
        }
    }

    /// Drops a deleted object's samples.
    pub(crate) fn forget(&mut self, object: DoId) {
        for &(field, _) in &self.fields {
            self.tracks.remove(&(object, field));
        }
    }

    /// Bytes held by samples (values and their ticks), for measurements.
    pub(crate) fn bytes(&self) -> usize {
        self.tracks
            .values()
            .map(|t| t.len() * (t.stride + std::mem::size_of::<Tick>()))
            .sum()
    }
}

impl Server {
    /// Records `field` (a state field) of every object that has it, each tick, for
    /// [`Server::rewind`]; `config` bounds the history (see [`HistoryConfig`]).
    pub fn record_history(&mut self, field: u16, config: HistoryConfig) -> Result<(), ServerError> {
        let info = self
            .schema
            .field(field)
            .ok_or(ServerError::UnknownField(field))?;
        if !super::objects::is_state_field(info) {
            return Err(ServerError::NotStateField(info.name));
        }
        let size = info
            .fixed_size
            .filter(|&n| n > 0)
            .ok_or(ServerError::NotFixedSize(info.name))?;
        if !self.history.fields.iter().any(|&(f, _)| f == field) {
            self.history.fields.push((field, size));
            // Objects that exist already get their first sample at the next tick.
            let ids: Vec<DoId> = self.objects.ids().collect();
            self.history.pending.extend(ids);
        }
        self.history.config = config;
        Ok(())
    }

    /// The value of field `F` of `object` at server time `at` (micros, e.g. a
    /// [`Command::view_time`](super::Command::view_time)), linearly interpolated
    /// between the recorded ticks; `None` when the field is not recorded for the object.
    pub fn rewind<F, T>(&self, object: DoId, at: u64) -> Option<T>
    where
        F: FieldMessage + IntoInterpolated<T>,
        T: Interpolate,
    {
        self.rewind_with(object, F::NUMBER, at, |b| {
            F::from_bytes(b).ok().map(|f| f.into_interpolated())
        })
    }

    /// [`Server::rewind`] for a field known only at run time (scripting bindings):
    /// `decode` reads one recorded value (the field's packed bytes) as `T`.
    pub fn rewind_with<T: Interpolate>(
        &self,
        object: DoId,
        field: u16,
        at: u64,
        decode: impl Fn(&[u8]) -> Option<T>,
    ) -> Option<T> {
        let track = self.history.tracks.get(&(object, field))?;
        let mut buf = Vec::with_capacity(track.stride);
        let mut value = |i: usize| {
            track.value(i, &mut buf);
            decode(&buf)
        };
        let time = |t: Tick| self.rate.tick_to_secs(t);
        // Older than the window reads the value at its start (samples before it are
        // dropped lazily, when a newer one is recorded).
        let at = (at as f64 / 1e6).max(time(self.history_start()));
        let after = track.ticks.partition_point(|t| time(*t) <= at);
        if after == 0 {
            return if track.len() > 0 { value(0) } else { None };
        }
        let t0 = time(*track.ticks.get(after - 1)?);
        let Some(&t1) = track.ticks.get(after) else {
            return value(after - 1);
        };
        // A value recorded at t1 held from the tick before it: blend over that tick only.
        let start = (time(t1) - self.rate.interval_secs()).max(t0);
        let a = value(after - 1)?;
        if at <= start {
            return Some(a);
        }
        let b = value(after)?;
        let s = (at - start) / (time(t1) - start);
        Some(T::lerp(a, b, s.clamp(0.0, 1.0)))
    }

    /// Bytes the lag-compensation history holds (sample values plus bookkeeping).
    pub fn history_bytes(&self) -> usize {
        self.history.bytes()
    }

    /// The oldest tick the history answers for (the configured length back).
    fn history_start(&self) -> Tick {
        let keep = self.rate.secs_to_ticks(self.history.config.seconds).ceil() as u32;
        self.tick.saturating_sub(keep.max(1))
    }

    /// Appends this tick's changed values of the recorded fields, visiting only the
    /// objects generated or changed since the last tick; drops a track's samples older
    /// than the configured length (keeping one at or before the window's start) when it
    /// gets a new one, so a track holds at most about one window of samples.
    pub(super) fn record_tick(&mut self) {
        if self.history.pending.is_empty() {
            return;
        }
        let tick = self.tick;
        let oldest = self.history_start();
        let mut pending = std::mem::take(&mut self.history.pending);
        pending.sort_unstable();
        pending.dedup();
        for &id in &pending {
            let Some(obj) = self.objects.get(id) else {
                continue;
            };
            for &(field, stride) in &self.history.fields {
                let Some(slot) = obj.slot(field) else {
                    continue;
                };
                if slot.value.len() != stride {
                    continue; // cannot happen: fixed-size fields are validated on set
                }
                let track = self
                    .history
                    .tracks
                    .entry((id, field))
                    .or_insert_with(|| Track {
                        stride,
                        ..Track::default()
                    });
                if !track.last_equals(&slot.value) {
                    track.push(tick, &slot.value);
                }
                while track.len() > 1 && track.ticks.get(1).is_some_and(|t| *t <= oldest) {
                    track.pop_front();
                }
            }
        }
        pending.clear();
        self.history.pending = pending; // keeps its capacity
    }
}
