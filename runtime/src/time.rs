//! Time values the core works with: driver-supplied [`Time`] and server [`Tick`]s.
//!
//! The core never reads a clock. Drivers pass `now` as a [`Time`]: microseconds since
//! an epoch the driver picks (process start, say). Only differences matter, so a test
//! can start at zero and step the clock by hand; a replay feeds the recorded values.

use std::ops::{Add, Sub};
use std::time::Duration;

/// A point in time: microseconds since the driver's epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub u64);

impl Time {
    /// The driver's epoch.
    pub const ZERO: Time = Time(0);

    /// A time `secs` seconds after the epoch (negative or NaN gives the epoch).
    pub fn from_secs_f64(secs: f64) -> Time {
        Time(secs_to_micros(secs))
    }

    /// Seconds since the epoch.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// Time elapsed since `earlier` (zero when `earlier` is later).
    pub fn since(self, earlier: Time) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

fn secs_to_micros(secs: f64) -> u64 {
    if secs.is_nan() || secs <= 0.0 {
        0
    } else {
        (secs * 1e6).round().min(u64::MAX as f64) as u64
    }
}

impl Add<Duration> for Time {
    type Output = Time;
    fn add(self, d: Duration) -> Time {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Time(self.0.saturating_add(micros))
    }
}

impl Sub<Duration> for Time {
    type Output = Time;
    fn sub(self, d: Duration) -> Time {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Time(self.0.saturating_sub(micros))
    }
}

/// A server simulation step number. Tick `n` covers `[n, n + 1)` tick intervals of
/// server time; the snapshot sent at the end of tick `n` is labelled `n`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tick(pub u32);

impl Tick {
    /// The tick after this one.
    pub fn next(self) -> Tick {
        Tick(self.0.saturating_add(1))
    }

    /// `n` ticks earlier, stopping at zero.
    pub fn saturating_sub(self, n: u32) -> Tick {
        Tick(self.0.saturating_sub(n))
    }
}

/// The fixed-rate tick clock of a server: maps server time to ticks and back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TickRate {
    hz: u16,
}

impl TickRate {
    /// A clock of `hz` ticks per second (zero is raised to one).
    pub fn new(hz: u16) -> TickRate {
        TickRate { hz: hz.max(1) }
    }

    /// Ticks per second.
    pub fn hz(self) -> u16 {
        self.hz
    }

    /// The length of one tick in seconds.
    pub fn interval_secs(self) -> f64 {
        1.0 / f64::from(self.hz)
    }

    /// The length of one tick.
    pub fn interval(self) -> Duration {
        Duration::from_secs_f64(self.interval_secs())
    }

    /// Server time (seconds) at which tick `t` starts.
    pub fn tick_to_secs(self, t: Tick) -> f64 {
        f64::from(t.0) / f64::from(self.hz)
    }

    /// Server time, in seconds, as a fractional tick number.
    pub fn secs_to_ticks(self, secs: f64) -> f64 {
        secs * f64::from(self.hz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_arithmetic_saturates() {
        let t = Time(5);
        assert_eq!(t - Duration::from_micros(10), Time::ZERO);
        assert_eq!(t.since(Time(9)), Duration::ZERO);
        assert_eq!(Time(u64::MAX) + Duration::from_secs(1), Time(u64::MAX));
        assert_eq!(Time::from_secs_f64(-1.0), Time::ZERO);
        assert_eq!(Time::from_secs_f64(1.5), Time(1_500_000));
    }

    #[test]
    fn tick_rate_maps_both_ways() {
        let r = TickRate::new(66);
        assert!((r.tick_to_secs(Tick(66)) - 1.0).abs() < 1e-12);
        assert!((r.secs_to_ticks(0.5) - 33.0).abs() < 1e-12);
        assert_eq!(TickRate::new(0).hz(), 1);
    }
}
