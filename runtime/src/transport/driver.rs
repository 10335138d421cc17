//! Drivers: glue a sans-IO core to a [`Transport`]. The game calls `pump` once per
//! frame; it reads the network, feeds the core, runs its timers and sends what the
//! core produced. World changes the game makes after `pump` leave on the next `pump`
//! (or call `flush` to send them at once).

use super::{Transport, TransportError, TransportEvent};
use crate::client::{Client, ClientEvent};
use crate::ids::ConnectionId;
use crate::server::{Server, ServerEvent};
use crate::time::Time;
use std::time::Instant;

/// Wall-clock time for drivers: [`Time`] measured from when the clock was made
/// (starting at 1 s so that zero never means "now").
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    epoch: Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

impl Clock {
    /// A clock starting now.
    pub fn new() -> Clock {
        Clock {
            epoch: Instant::now(),
        }
    }

    /// The current time.
    pub fn now(&self) -> Time {
        Time::from_secs_f64(1.0) + self.epoch.elapsed()
    }
}

/// Traffic a driver saw (payload bytes, as handed to and from the transport).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DriverStats {
    /// Bytes handed to the transport.
    pub bytes_sent: u64,
    /// Bytes received from the transport.
    pub bytes_received: u64,
    /// Messages the transport refused (too large, buffer full); each is logged.
    pub send_errors: u64,
}

/// A [`Server`] driven over a transport.
#[derive(Debug)]
pub struct ServerDriver<T: Transport> {
    /// The core: change the world through it between pumps.
    pub server: Server,
    /// The transport.
    pub transport: T,
    clock: Clock,
    stats: DriverStats,
}

impl<T: Transport> ServerDriver<T> {
    /// Drives `server` over `transport` with a wall clock.
    pub fn new(server: Server, transport: T) -> ServerDriver<T> {
        ServerDriver {
            server,
            transport,
            clock: Clock::new(),
            stats: DriverStats::default(),
        }
    }

    /// The driver's clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Traffic counters.
    pub fn stats(&self) -> DriverStats {
        self.stats
    }

    /// One frame at wall-clock time: receive, feed, update, send.
    pub fn pump(&mut self) -> Result<(), TransportError> {
        let now = self.clock.now();
        self.pump_at(now)
    }

    /// One frame at `now` (tests drive time themselves).
    pub fn pump_at(&mut self, now: Time) -> Result<(), TransportError> {
        self.transport.receive(now)?;
        while let Some(e) = self.transport.poll_event() {
            match e {
                TransportEvent::Connected(c) => self.server.handle_connect(now, c),
                TransportEvent::Disconnected { connection, reason } => {
                    tracing::debug!("connection {} lost: {reason}", connection.0);
                    self.server.handle_disconnect(now, connection);
                }
                TransportEvent::Message {
                    connection,
                    payload,
                } => {
                    self.stats.bytes_received += payload.len() as u64;
                    self.server.handle_datagram(now, connection, &payload);
                }
            }
        }
        self.server.update(now);
        self.flush_at(now)
    }

    /// Sends what the core has queued now.
    pub fn flush(&mut self) -> Result<(), TransportError> {
        let now = self.clock.now();
        self.flush_at(now)
    }

    /// Sends what the core has queued, at `now`.
    pub fn flush_at(&mut self, now: Time) -> Result<(), TransportError> {
        while let Some(t) = self.server.poll_transmit() {
            match self.transport.send(t.connection, &t.payload, t.reliability) {
                Ok(()) => self.stats.bytes_sent += t.payload.len() as u64,
                Err(TransportError::UnknownConnection(_)) => {}
                Err(e) => {
                    self.stats.send_errors += 1;
                    tracing::error!("send to connection {}: {e}", t.connection.0);
                }
            }
            if t.close_after {
                self.transport.close(t.connection);
            }
        }
        self.transport.flush(now)
    }

    /// The next event for the game.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.server.poll_event()
    }

    /// One whole game frame at wall-clock time: [`ServerDriver::pump`], then every
    /// event handed to `on_event` with the server core (to change the world), then
    /// [`ServerDriver::flush`]. The first error `on_event` returns stops the frame.
    pub fn frame<E: From<TransportError>>(
        &mut self,
        mut on_event: impl FnMut(&mut Server, ServerEvent) -> Result<(), E>,
    ) -> Result<(), E> {
        self.pump()?;
        while let Some(event) = self.server.poll_event() {
            on_event(&mut self.server, event)?;
        }
        Ok(self.flush()?)
    }
}

/// A [`Client`] driven over a transport.
#[derive(Debug)]
pub struct ClientDriver<T: Transport> {
    /// The core.
    pub client: Client,
    /// The transport.
    pub transport: T,
    connection: Option<ConnectionId>,
    clock: Clock,
    stats: DriverStats,
}

impl<T: Transport> ClientDriver<T> {
    /// Drives `client` over `transport`; the hello goes out once the transport connects.
    pub fn new(client: Client, transport: T) -> ClientDriver<T> {
        ClientDriver {
            client,
            transport,
            connection: None,
            clock: Clock::new(),
            stats: DriverStats::default(),
        }
    }

    /// Uses `clock` (share one clock between drivers of one process if you like).
    pub fn with_clock(mut self, clock: Clock) -> ClientDriver<T> {
        self.clock = clock;
        self
    }

    /// Traffic counters.
    pub fn stats(&self) -> DriverStats {
        self.stats
    }

    /// Starts over with a fresh client core and transport (a new session, e.g. after
    /// the server restarted; see [`super::reconnect::Reconnect`]). The old transport is
    /// dropped; traffic counters and the clock carry on.
    pub fn replace(&mut self, client: Client, transport: T) {
        self.client = client;
        self.transport = transport;
        self.connection = None;
    }

    /// The transport connection, once up.
    pub fn connection(&self) -> Option<ConnectionId> {
        self.connection
    }

    /// The driver's clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// One frame at wall-clock time.
    pub fn pump(&mut self) -> Result<(), TransportError> {
        let now = self.clock.now();
        self.pump_at(now)
    }

    /// One frame at `now`.
    pub fn pump_at(&mut self, now: Time) -> Result<(), TransportError> {
        self.transport.receive(now)?;
        while let Some(e) = self.transport.poll_event() {
            match e {
                TransportEvent::Connected(c) => {
                    if self.connection.is_none() {
                        self.connection = Some(c);
                        self.client.connect(now);
                    }
                }
                TransportEvent::Disconnected { reason, .. } => {
                    tracing::debug!("transport lost: {reason}");
                    self.client.handle_transport_lost();
                }
                TransportEvent::Message { payload, .. } => {
                    self.stats.bytes_received += payload.len() as u64;
                    self.client.handle_datagram(now, &payload);
                }
            }
        }
        self.client.update(now);
        self.flush_at(now)
    }

    /// Sends what the core has queued, at `now`.
    pub fn flush_at(&mut self, now: Time) -> Result<(), TransportError> {
        let Some(conn) = self.connection else {
            return self.transport.flush(now);
        };
        while let Some(p) = self.client.poll_transmit() {
            match self.transport.send(conn, &p.payload, p.reliability) {
                Ok(()) => self.stats.bytes_sent += p.payload.len() as u64,
                Err(TransportError::UnknownConnection(_)) => {}
                Err(e) => {
                    self.stats.send_errors += 1;
                    tracing::error!("send: {e}");
                }
            }
        }
        self.transport.flush(now)?;
        if self.client.is_closed() {
            self.transport.close(conn);
        }
        Ok(())
    }

    /// Sends what the core has queued now.
    pub fn flush(&mut self) -> Result<(), TransportError> {
        let now = self.clock.now();
        self.flush_at(now)
    }

    /// The next event for the game.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.client.poll_event()
    }

    /// One whole game frame at wall-clock time: [`ClientDriver::pump`], interpolated
    /// values computed for now ([`Client::update_interpolation`]), then every event
    /// handed to `on_event` with the client core, then [`ClientDriver::flush`]. The
    /// first error `on_event` returns stops the frame.
    pub fn frame<E: From<TransportError>>(
        &mut self,
        mut on_event: impl FnMut(&mut Client, ClientEvent) -> Result<(), E>,
    ) -> Result<(), E> {
        self.pump()?;
        self.client.update_interpolation(self.clock.now());
        while let Some(event) = self.client.poll_event() {
            on_event(&mut self.client, event)?;
        }
        Ok(self.flush()?)
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::ids::Location;
    use crate::testing::{Say, CHAT, SCHEMA};
    use crate::transport::memory::{MemoryLink, MemoryNetwork};

    /// A server and a client, each run only through `frame`, connect; the server
    /// changes the world from its event handler, the client chats from its own, and
    /// the line arrives.
    #[test]
    fn frames_alone_run_a_session() {
        let net = MemoryNetwork::new();
        let listen = net.listen(MemoryLink::default()).unwrap();
        let connect = net.connect(MemoryLink::default()).unwrap();
        let mut server = ServerDriver::new(Server::new(&SCHEMA, Config::default()), listen);
        let mut client = ClientDriver::new(Client::new(&SCHEMA, Config::default()), connect);
        let (mut joined, mut heard) = (0, Vec::new());
        for _ in 0..400 {
            server
                .frame(|s, event| -> Result<(), Box<dyn std::error::Error>> {
                    match &event {
                        ServerEvent::ClientConnected { .. } => {
                            joined += 1;
                            s.generate(CHAT, Location::zone(1), None, &[])?;
                        }
                        _ => heard.extend(event.decode::<Say>().and_then(Result::ok)),
                    }
                    Ok(())
                })
                .unwrap();
            client
                .frame(|c, event| -> Result<(), Box<dyn std::error::Error>> {
                    match event {
                        ClientEvent::Connected { .. } => {
                            c.set_interest(&[Location::zone(1)])?;
                        }
                        ClientEvent::ObjectGenerated { object, .. } => {
                            let say = Say { text: "hi".into() };
                            c.send_message(object, &say)?;
                        }
                        _ => {}
                    }
                    Ok(())
                })
                .unwrap();
            if !heard.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert_eq!(joined, 1);
        assert_eq!(heard, [Say { text: "hi".into() }]);
    }
}
