//! Client clock: RTT estimate and the server-time estimate with drift correction.
//!
//! Each pong gives a sample `offset = server_time + rtt / 2 - client_time`. The target
//! offset averages the samples with the lowest RTT in a sliding window (those whose
//! halves are least skewed by jitter). The offset in use follows the target: it snaps
//! when the error exceeds `clock_drift_max_ms`, and otherwise slews at a rate growing
//! from 0 (at `min_offset` ms of error) to `max_amount` ms per second (at `max_offset`),
//! as pipes' (unwired) `NetworkClock` drift code does, so the estimated server time
//! never jumps for small errors.
//!
//! Two times come out of it, on the same server tick timeline:
//!
//! * [`ClockSync::server_time`]: the server's *current* time (what it stamps now).
//! * [`ClockSync::receive_time`]: the server time of the messages *arriving* now,
//!   about `server_time - rtt / 2`. Snapshots describe ticks of that age when they
//!   arrive, so interpolation renders at `receive_time - delay`; rendering at
//!   `server_time - delay` would leave only `delay - one-way latency` of buffered
//!   samples and extrapolate on any link slower than the delay.
//!
//! Its offset is the average of `server_secs - client_time` over the whole window
//! (the mean arrival age, not the fastest path's), slewed and snapped by the same rule.

use crate::config::Config;
use crate::time::Time;
use std::collections::VecDeque;
use std::time::Duration;

const WINDOW: usize = 16;

/// Round-trip and clock-offset estimation.
#[derive(Clone, Debug)]
pub struct ClockSync {
    samples: VecDeque<(f64, f64)>,
    offset: Option<f64>,
    target: f64,
    recv_offset: Option<f64>,
    recv_target: f64,
    last: Option<Time>,
    snap_ms: f64,
    min_ms: f64,
    max_ms: f64,
    max_amount: f64,
}

impl ClockSync {
    /// A clock with the drift settings of `config`.
    pub fn new(config: &Config) -> ClockSync {
        ClockSync {
            samples: VecDeque::new(),
            offset: None,
            target: 0.0,
            recv_offset: None,
            recv_target: 0.0,
            last: None,
            snap_ms: config.clock_drift_max_ms,
            min_ms: config.clock_correction_min_offset,
            max_ms: config
                .clock_correction_max_offset
                .max(config.clock_correction_min_offset),
            max_amount: config.clock_correction_max_amount / 1000.0,
        }
    }

    /// Adds a sample: at client time `now`, a reply stamped `server_secs` arrived after
    /// a round trip of `rtt`.
    pub fn sample(&mut self, now: Time, rtt: Duration, server_secs: f64) {
        let rtt = rtt.as_secs_f64();
        let offset = server_secs + rtt / 2.0 - now.as_secs_f64();
        if self.samples.len() == WINDOW {
            self.samples.pop_front();
        }
        self.samples.push_back((rtt, offset));
        let mut best: Vec<(f64, f64)> = self.samples.iter().copied().collect();
        best.sort_by(|a, b| a.0.total_cmp(&b.0));
        let keep = best.len().div_ceil(4).max(1);
        let best = &best[..keep];
        self.target = best.iter().map(|s| s.1).sum::<f64>() / keep as f64;
        // Arrival age: the mean over the whole window (not the fastest samples), so
        // that snapshots delayed by ordinary jitter still arrive before they are due.
        let n = self.samples.len() as f64;
        self.recv_target = self.samples.iter().map(|s| s.1 - s.0 / 2.0).sum::<f64>() / n;
        self.advance(now);
        if self.offset.is_none() {
            self.offset = Some(self.target);
        }
        if self.recv_offset.is_none() {
            self.recv_offset = Some(self.recv_target);
        }
    }

    /// Moves the offset in use toward the target for the time elapsed since the last call.
    pub fn advance(&mut self, now: Time) {
        let dt = self.last.map_or(0.0, |l| now.since(l).as_secs_f64());
        self.last = Some(now);
        self.offset = self.offset.map(|o| self.slew(o, self.target, dt));
        self.recv_offset = self.recv_offset.map(|o| self.slew(o, self.recv_target, dt));
    }

    /// `offset` moved toward `target` over `dt` seconds: snapped when far, slewed when near.
    fn slew(&self, offset: f64, target: f64, dt: f64) -> f64 {
        let err = target - offset;
        let err_ms = err.abs() * 1000.0;
        if err_ms > self.snap_ms {
            target
        } else if err_ms > self.min_ms {
            let span = (self.max_ms - self.min_ms).max(1e-9);
            let rate = self.max_amount * ((err_ms.min(self.max_ms) - self.min_ms) / span);
            let step = (rate * dt).min(err.abs());
            offset + step.copysign(err)
        } else {
            offset
        }
    }

    /// Estimated server time (seconds on the server's tick timeline) at client time `now`.
    pub fn server_time(&self, now: Time) -> Option<f64> {
        Some(now.as_secs_f64() + self.offset?)
    }

    /// Estimated server time of the messages arriving at client time `now`: the
    /// server's current time minus the one-way latency (seconds, tick timeline).
    ///
    /// This is the clock interpolation renders on (`receive_time - delay`).
    pub fn receive_time(&self, now: Time) -> Option<f64> {
        Some(now.as_secs_f64() + self.recv_offset?)
    }

    /// The server time the samples point to right now (without smoothing).
    pub fn target_server_time(&self, now: Time) -> Option<f64> {
        self.offset?;
        Some(now.as_secs_f64() + self.target)
    }

    /// Average round-trip time over the window.
    pub fn rtt(&self) -> Option<Duration> {
        if self.samples.is_empty() {
            return None;
        }
        let avg = self.samples.iter().map(|s| s.0).sum::<f64>() / self.samples.len() as f64;
        Some(Duration::from_secs_f64(avg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> ClockSync {
        ClockSync::new(&Config::default())
    }

    #[test]
    fn first_sample_sets_the_offset() {
        let mut c = clock();
        c.sample(Time::from_secs_f64(10.0), Duration::from_millis(100), 2.0);
        let t = c.server_time(Time::from_secs_f64(10.0)).unwrap();
        assert!((t - 2.05).abs() < 1e-9, "{t}");
        // Messages arriving now left the server half a round trip ago.
        let r = c.receive_time(Time::from_secs_f64(10.0)).unwrap();
        assert!((r - 2.0).abs() < 1e-9, "{r}");
    }

    #[test]
    fn large_error_snaps_small_error_slews() {
        let mut c = clock();
        c.sample(Time::from_secs_f64(10.0), Duration::ZERO, 0.0);
        // The server is now 40 ms further ahead: slew, not snap.
        c.sample(Time::from_secs_f64(10.0), Duration::ZERO, 0.04);
        c.samples.retain(|s| s.1 > -9.99); // keep only the new sample as target
        c.target = -9.96;
        let before = c.server_time(Time::from_secs_f64(10.0)).unwrap();
        c.advance(Time::from_secs_f64(10.1));
        let after = c.server_time(Time::from_secs_f64(10.1)).unwrap() - 0.1;
        assert!(after > before && after < before + 0.04, "{before} {after}");
        // 200 ms off: snap.
        c.target = -9.8;
        c.advance(Time::from_secs_f64(10.2));
        let snapped = c.server_time(Time::from_secs_f64(10.2)).unwrap();
        assert!((snapped - 0.4).abs() < 1e-9, "{snapped}");
    }
}
