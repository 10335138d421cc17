//! How far the server may run ahead of a client's reading.
//!
//! Reliable object messages (events) go to the transport at once; a client that stops
//! reading, or cannot drain a flood of broadcasts, would make the transport buffer
//! them without end. Each ack of the client carries how many reliable object messages
//! it has received so far; the server keeps the sizes of the ones sent since then and
//! ejects the client with [`EjectReason::Overflow`] once more than
//! `max_unconfirmed_events` messages or `max_unconfirmed_bytes` bytes are unconfirmed.
//! Other clients are not affected.

use super::peer::Peer;
use super::Server;
use crate::ids::ConnectionId;
use crate::protocol::{EjectReason, Reliability};

impl Peer {
    /// Counts a reliable message of `len` bytes sent; the overflow detail if the
    /// client is now too far behind.
    pub(crate) fn count_unconfirmed(
        &mut self,
        len: usize,
        max_events: usize,
        max_bytes: usize,
    ) -> Result<(), String> {
        self.events_sent = self.events_sent.wrapping_add(1);
        self.unconfirmed.push_back(len);
        self.unconfirmed_bytes += len;
        if self.unconfirmed.len() > max_events || self.unconfirmed_bytes > max_bytes {
            return Err(format!(
                "client {} has not read {} reliable messages ({} bytes; limits {max_events} messages, {max_bytes} bytes)",
                self.id.0,
                self.unconfirmed.len(),
                self.unconfirmed_bytes
            ));
        }
        Ok(())
    }

    /// The client says it has received `received` reliable messages in all; counts
    /// above what was sent (forged or corrupt) are ignored.
    pub(crate) fn confirm(&mut self, received: u32) {
        let confirmed = self.events_sent.wrapping_sub(self.unconfirmed.len() as u32);
        let newly = received.wrapping_sub(confirmed) as usize;
        if newly > self.unconfirmed.len() {
            return; // older than what we know (reordered ack), or more than sent
        }
        for len in self.unconfirmed.drain(..newly) {
            self.unconfirmed_bytes -= len;
        }
    }
}

impl Server {
    /// Queues an object message for `conn`; reliable ones count against the client's
    /// unconfirmed budget. Returns the overflow detail when the client is too far behind
    /// (the caller ejects it, after finishing any loop over recipients).
    pub(super) fn push_event(
        &mut self,
        conn: ConnectionId,
        payload: Vec<u8>,
        reliability: Reliability,
    ) -> Result<(), String> {
        let (max_events, max_bytes) = (
            self.config.max_unconfirmed_events,
            self.config.max_unconfirmed_bytes,
        );
        let Some(p) = self.peers.get_mut(&conn) else {
            return Ok(());
        };
        let counted = match reliability {
            Reliability::Reliable => p.count_unconfirmed(payload.len(), max_events, max_bytes),
            Reliability::Unreliable => Ok(()),
        };
        self.push_raw(conn, payload, reliability);
        counted
    }

    /// Ejects each client of `overflow` with [`EjectReason::Overflow`].
    pub(super) fn eject_overflowed(&mut self, overflow: Vec<(ConnectionId, String)>) {
        for (conn, detail) in overflow {
            self.eject(conn, EjectReason::Overflow, detail);
        }
    }
}
