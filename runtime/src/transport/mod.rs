//! Transports: how the sans-IO [`Server`](crate::server::Server) and
//! [`Client`](crate::client::Client) reach the network.
//!
//! A [`Transport`] moves whole messages over connections, reliably or not, and reports
//! connection events. The [`driver`] glues a core to a transport: the game calls
//! [`driver::ServerDriver::pump`] (or the client one) once per frame, in the spirit of
//! PodSixNet's one-call-per-loop.
//!
//! * [`udp`]: the default, UDP through `renet` under pipes' own connection layer in
//!   unsecure mode (local play; several packets per datagram, no encryption) or
//!   `renetcode` (netcode protocol: encrypted connect tokens) when a key is configured.
//! * [`memory`]: in-process connections for tests (deterministic, driven clock).
//! * [`steam`]: Steam networking sockets (feature `steam`; the status/flag mapping
//!   is always compiled so it can be tested without Steam).
//! * [`shaper`]: a seeded loss and latency filter on a transport's receive path.
//! * [`reconnect`]: bounded reconnection with backoff for a client driver.
//!
//! A transport is also the low-level datagram API: listen, accept
//! ([`TransportEvent::Connected`]), read ([`TransportEvent::Message`]), write to one
//! ([`Transport::send`]) or all ([`Transport::connections`]), close.

pub mod driver;
pub mod memory;
mod plain;
pub mod reconnect;
mod send_gate;
pub mod shaper;
pub mod steam;
pub mod udp;

use crate::ids::ConnectionId;
use crate::protocol::Reliability;
use crate::time::Time;
use std::fmt;
use std::time::Duration;

/// What a transport reports, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportEvent {
    /// A connection opened (server: a client was accepted; client: we are connected).
    Connected(ConnectionId),
    /// A connection closed or was lost.
    Disconnected {
        /// The connection.
        connection: ConnectionId,
        /// Why, as the transport puts it.
        reason: String,
    },
    /// A whole message arrived.
    Message {
        /// The sender.
        connection: ConnectionId,
        /// Its bytes (shared with the transport's buffer, not copied; derefs to `[u8]`).
        payload: bytes::Bytes,
    },
}

/// Counters of one connection.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LinkStats {
    /// Round-trip time as the transport measures it (UDP unsecure mode: the network
    /// round trip, without the time the peer holds its acks).
    pub rtt: Duration,
    /// Payload bytes sent on this connection so far.
    pub bytes_sent: u64,
    /// Payload bytes received on this connection so far.
    pub bytes_received: u64,
}

/// Why a transport call failed.
#[derive(Debug)]
pub enum TransportError {
    /// The operating system refused an operation (`what` says which).
    Io {
        /// The operation, e.g. "bind 0.0.0.0:27015".
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A message is larger than the configured maximum.
    MessageTooLarge {
        /// Its size.
        size: usize,
        /// The maximum (`max_message_size`).
        max: usize,
    },
    /// The connection's send buffer is full (the peer does not acknowledge).
    Backpressure(ConnectionId),
    /// No such connection (closed, or never opened).
    UnknownConnection(ConnectionId),
    /// The transport could not be set up or a protocol step failed.
    Setup(String),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Io { what, source } => write!(f, "{what}: {source}"),
            TransportError::MessageTooLarge { size, max } => write!(
                f,
                "message of {size} bytes exceeds the maximum of {max} bytes (max_message_size)"
            ),
            TransportError::Backpressure(c) => {
                write!(f, "connection {} send buffer is full", c.0)
            }
            TransportError::UnknownConnection(c) => write!(f, "no connection {}", c.0),
            TransportError::Setup(s) => write!(f, "transport setup: {s}"),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransportError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A message transport. One instance is a server endpoint (many connections) or a
/// client endpoint (one connection).
///
/// Call order per frame: [`Transport::receive`], drain [`Transport::poll_event`],
/// [`Transport::send`] what the core produced, then [`Transport::flush`].
pub trait Transport {
    /// Reads what arrived and advances timers (resends, timeouts) to `now`.
    fn receive(&mut self, now: Time) -> Result<(), TransportError>;
    /// The next event, if any.
    fn poll_event(&mut self) -> Option<TransportEvent>;
    /// Queues a message on a connection.
    fn send(
        &mut self,
        connection: ConnectionId,
        payload: &[u8],
        reliability: Reliability,
    ) -> Result<(), TransportError>;
    /// Puts queued messages on the wire.
    fn flush(&mut self, now: Time) -> Result<(), TransportError>;
    /// Closes a connection once what was queued on it had a chance to leave.
    fn close(&mut self, connection: ConnectionId);
    /// The open connections.
    fn connections(&self) -> Vec<ConnectionId>;
    /// Counters of a connection.
    fn stats(&self, connection: ConnectionId) -> Option<LinkStats>;
}

/// Checks a message against the configured maximum.
pub(crate) fn check_size(size: usize, max: usize) -> Result<(), TransportError> {
    if size > max {
        return Err(TransportError::MessageTooLarge { size, max });
    }
    Ok(())
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn receive(&mut self, now: Time) -> Result<(), TransportError> {
        (**self).receive(now)
    }
    fn poll_event(&mut self) -> Option<TransportEvent> {
        (**self).poll_event()
    }
    fn send(
        &mut self,
        connection: ConnectionId,
        payload: &[u8],
        reliability: Reliability,
    ) -> Result<(), TransportError> {
        (**self).send(connection, payload, reliability)
    }
    fn flush(&mut self, now: Time) -> Result<(), TransportError> {
        (**self).flush(now)
    }
    fn close(&mut self, connection: ConnectionId) {
        (**self).close(connection)
    }
    fn connections(&self) -> Vec<ConnectionId> {
        (**self).connections()
    }
    fn stats(&self, connection: ConnectionId) -> Option<LinkStats> {
        (**self).stats(connection)
    }
}
