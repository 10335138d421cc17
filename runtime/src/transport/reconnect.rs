//! Reconnecting a [`ClientDriver`] after its session ends (server restart, timeout):
//! bounded attempts with exponential backoff. The game owns how a fresh client and
//! transport are made (address, credentials); [`Reconnect::poll`] decides when.

use super::driver::ClientDriver;
use super::{Transport, TransportError};
use crate::client::Client;
use crate::time::Time;
use std::time::Duration;

/// How often and how fast to try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Attempts after a loss before giving up (each attempt is a new session).
    pub max_attempts: u32,
    /// Wait before the first attempt.
    pub first_delay: Duration,
    /// Longest wait between attempts (the wait doubles up to it).
    pub max_delay: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            max_attempts: 8,
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl ReconnectPolicy {
    /// The wait before attempt `attempt` (1-based); `None` once attempts are used up.
    pub fn delay(&self, attempt: u32) -> Option<Duration> {
        if attempt == 0 || attempt > self.max_attempts {
            return None;
        }
        let doublings = (attempt - 1).min(31);
        let d = self.first_delay.saturating_mul(1u32 << doublings);
        Some(d.min(self.max_delay.max(self.first_delay)))
    }
}

/// What [`Reconnect::poll`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum ReconnectStatus {
    /// The session is open (or still being set up): nothing to do.
    Live,
    /// The session is over; the next attempt is due at this time.
    Waiting(Time),
    /// A new client and transport replaced the old ones (attempt number, from 1).
    Attempted(u32),
    /// Every attempt was used; the driver stays closed.
    GaveUp,
}

/// Reconnection state of one client driver.
#[derive(Clone, Debug)]
pub struct Reconnect {
    policy: ReconnectPolicy,
    attempts: u32,
    next_at: Option<Time>,
}

impl Reconnect {
    /// No attempt made yet.
    pub fn new(policy: ReconnectPolicy) -> Reconnect {
        Reconnect {
            policy,
            attempts: 0,
            next_at: None,
        }
    }

    /// Attempts made since the session was last connected.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Call once per frame after [`ClientDriver::pump`]. While the session is live it
    /// resets the attempt count (once connected); once it is over it waits the
    /// policy's delay, then calls `make` for a fresh client and transport and puts them
    /// in the driver (the hello goes out when the new transport connects). A failing
    /// `make` uses up the attempt.
    pub fn poll<T: Transport>(
        &mut self,
        now: Time,
        driver: &mut ClientDriver<T>,
        make: impl FnOnce() -> Result<(Client, T), TransportError>,
    ) -> ReconnectStatus {
        if !driver.client.is_closed() {
            if driver.client.is_connected() {
                self.attempts = 0;
                self.next_at = None;
            }
            return ReconnectStatus::Live;
        }
        let attempt = self.attempts + 1;
        let Some(delay) = self.policy.delay(attempt) else {
            return ReconnectStatus::GaveUp;
        };
        let at = *self.next_at.get_or_insert(now + delay);
        if now < at {
            return ReconnectStatus::Waiting(at);
        }
        self.attempts = attempt;
        self.next_at = None;
        match make() {
            Ok((client, transport)) => {
                driver.replace(client, transport);
                ReconnectStatus::Attempted(attempt)
            }
            Err(e) => {
                tracing::warn!("reconnect attempt {attempt} failed: {e}");
                ReconnectStatus::Waiting(now + self.policy.delay(attempt + 1).unwrap_or_default())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_stops_after_max_attempts() {
        let p = ReconnectPolicy {
            max_attempts: 5,
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        let ms: Vec<Option<u128>> = (0..=6).map(|a| p.delay(a).map(|d| d.as_millis())).collect();
        assert_eq!(
            ms,
            vec![
                None,
                Some(100),
                Some(200),
                Some(350),
                Some(350),
                Some(350),
                None
            ]
        );
        let huge = ReconnectPolicy {
            max_attempts: u32::MAX,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        };
        assert_eq!(huge.delay(u32::MAX), Some(Duration::from_secs(60)));
    }
}
