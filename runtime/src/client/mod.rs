//! The client: a deterministic state machine with no I/O.
//!
//! # How a driver feeds it
//!
//! 1. When the transport connection is up, call [`Client::connect`] (queues the hello).
//! 2. Pass every received message to [`Client::handle_datagram`] with `now`.
//! 3. Call [`Client::update`] at least at [`Client::poll_timeout`] (pings, clock).
//! 4. Drain [`Client::poll_transmit`] (send each packet on its channel) and
//!    [`Client::poll_event`] (object lifecycle, state changes, messages).
//!    Once [`Client::is_closed`] is true, close the transport.
//!
//! # What interpolation reads
//!
//! Each state field keeps the server tick it describes ([`FieldValue::tick`]), and
//! [`Client::server_time`] estimates the server's current time on the same timeline
//! (seconds; tick `n` is `n / tick_rate`). Snapshots arriving now describe older ticks
//! (by the one-way latency): [`Client::receive_time`] is their time, and interpolation
//! renders at [`Client::render_time`] = `receive_time(now) - interp_delay()`.
//! Fields bound with [`Client::interpolate`] (and its variants) are recorded and
//! smoothed by the client itself: see [`Client::update_interpolation`].

mod clock;
mod commands;
mod events;
mod inbound;
mod interp;
mod net;
mod objects;
mod pacer;
mod predict;
mod replicated;

pub use clock::ClockSync;
pub use commands::{CommandAck, DEFAULT_COMMAND_REDUNDANCY};
pub use events::{ChangedFields, ClientDisconnect, ClientError, ClientEvent, Packet};
pub use interp::{BindError, DecodeFn, FromFloats, IntoInterpolated};
pub use net::ClientNetStats;
pub use objects::{ClientObject, FieldValue, Lifecycle};
pub use pacer::PACE as COMMAND_PACE;
pub use predict::{Metric, PredictConfig, PredictStats, Predictor};

use crate::config::{effective_interp, Config};
use crate::ids::{ClientId, DetMap, DoId, InterestHandle, Location};
use crate::protocol::{
    AckWindow, ClientMessage, Hello, InterestOp, LeaveReason, Rates, PROTOCOL_VERSION,
};
use crate::schema::{FieldMessage, SchemaInfo};
use crate::time::{Tick, TickRate, Time};
use std::collections::VecDeque;
use std::time::Duration;

/// Pings remembered while waiting for their pong.
const MAX_PINGS: usize = 8;

/// Session stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// [`Client::connect`] not called yet.
    Idle,
    /// Hello sent.
    Connecting,
    /// Challenge received, answer expected from the game.
    Authenticating,
    /// Session established.
    Connected,
    /// Session over.
    Closed(ClientDisconnect),
}

/// The client core. See the module documentation for the call order.
#[derive(Debug)]
pub struct Client {
    schema: &'static SchemaInfo,
    config: Config,
    stage: Stage,
    id: Option<ClientId>,
    rate: TickRate,
    rates: Rates,
    objects: DetMap<DoId, ClientObject>,
    tombstones: DetMap<DoId, Tick>,
    tomb_order: VecDeque<(Tick, DoId)>,
    /// Reused buffers of a part's DELTA records: the values they resolve to, and
    /// `(record index, field number, start, end)` of each in it.
    delta_values: Vec<u8>,
    delta_spans: Vec<(u32, u16, u32, u32)>,
    /// The layout of each class's integer fields in its objects' DELTA baselines.
    past_layouts: objects::PastLayouts,
    newest: Option<Tick>,
    /// The snapshot packets received (acked at most every `pipes-ack-interval`).
    acks: Option<AckWindow>,
    /// When the newest packet of `acks` arrived (an ack reports how long it held it).
    newest_at: Time,
    /// When the last ack left.
    ack_sent_at: Option<Time>,
    /// `acks` changed since the last ack left.
    ack_pending: bool,
    /// Snapshots whose final part was recorded in `acks` since the last ack left.
    ack_unsent: u32,
    net: net::NetMeter,
    clock: ClockSync,
    hello_at: Time,
    /// When the last message from the server arrived (silence ends the session).
    last_heard: Time,
    next_ping: Time,
    ping_id: u32,
    pings: VecDeque<(u32, Time)>,
    next_handle: u16,
    transmits: VecDeque<Packet>,
    /// Field messages waiting for the command rate (see `pacer.rs`).
    commands: pacer::CommandQueue,
    /// The command rate the server granted, at the handshake or since (0 before).
    cmd_granted: u8,
    /// The rates the server granted, at the handshake or answering `SetRates`.
    granted: Option<Rates>,
    events: VecDeque<ClientEvent>,
    interp: interp::InterpState,
    /// Reliable object messages received this session (wrapping), reported in acks.
    reliable_received: u32,
    command_streams: commands::OutStreams,
    command_redundancy: usize,
    next_command_at: Time,
}

impl Client {
    /// A client for `schema` (its hash is checked by the server) with `config`
    /// (rates, interpolation, ping interval, password, clock settings).
    pub fn new(schema: &'static SchemaInfo, config: Config) -> Client {
        let rates = Rates {
            update_rate: config.update_rate,
            cmd_rate: config.cmd_rate,
            interp: config.interp_delay() as f32,
            rate: config.rate,
        };
        Client {
            schema,
            clock: ClockSync::new(&config),
            config,
            stage: Stage::Idle,
            id: None,
            rate: TickRate::new(66),
            rates,
            objects: DetMap::default(),
            tombstones: DetMap::default(),
            tomb_order: VecDeque::new(),
            delta_values: Vec::new(),
            past_layouts: objects::PastLayouts::default(),
            delta_spans: Vec::new(),
            newest: None,
            acks: None,
            newest_at: Time::ZERO,
            ack_sent_at: None,
            ack_pending: false,
            ack_unsent: 0,
            net: net::NetMeter::default(),
            hello_at: Time::ZERO,
            last_heard: Time::ZERO,
            next_ping: Time::ZERO,
            ping_id: 0,
            pings: VecDeque::new(),
            next_handle: 0,
            transmits: VecDeque::new(),
            commands: pacer::CommandQueue::default(),
            cmd_granted: 0,
            granted: None,
            events: VecDeque::new(),
            interp: interp::InterpState::default(),
            reliable_received: 0,
            command_streams: Default::default(),
            command_redundancy: DEFAULT_COMMAND_REDUNDANCY,
            next_command_at: Time::ZERO,
        }
    }

    /// Starts the handshake (the transport connection must be up).
    pub fn connect(&mut self, now: Time) {
        let hello = Hello {
            version: PROTOCOL_VERSION,
            schema_hash: self.schema.hash,
            password: &self.config.password,
            rates: self.rates,
        };
        let msg = ClientMessage::Hello(hello);
        let packet = Packet {
            payload: msg.to_bytes(),
            reliability: msg.reliability(),
        };
        self.transmits.push_back(packet);
        self.hello_at = now;
        self.last_heard = now;
        self.stage = Stage::Connecting;
    }

    /// Answers the server's authentication challenge.
    pub fn answer_auth(&mut self, answer: &[u8]) -> Result<(), ClientError> {
        if self.stage != Stage::Authenticating {
            return Err(ClientError::NoChallenge);
        }
        self.send_msg(&ClientMessage::AuthResponse(answer));
        self.stage = Stage::Connecting;
        Ok(())
    }

    /// Leaves: tells the server, drops every object (events in lifecycle order).
    /// The server sees [`LeaveReason::none`]; see [`Client::disconnect_with_reason`].
    pub fn disconnect(&mut self) {
        self.disconnect_with_reason(LeaveReason::none());
    }

    /// Leaves like [`Client::disconnect`], telling the server why (its
    /// `ClientDisconnected` event carries the reason). Build the reason with
    /// [`LeaveReason::new`], which bounds its text.
    pub fn disconnect_with_reason(&mut self, reason: LeaveReason) {
        if matches!(self.stage, Stage::Closed(_)) {
            return;
        }
        // What the game sent before leaving still goes, ahead of the goodbye.
        self.commands.release_all(&mut self.transmits);
        self.send_msg(&ClientMessage::Disconnect(reason));
        self.close(ClientDisconnect::Left);
    }

    /// The driver reports the transport lost.
    pub fn handle_transport_lost(&mut self) {
        self.close(ClientDisconnect::TransportLost);
    }

    pub(crate) fn close(&mut self, why: ClientDisconnect) {
        if matches!(self.stage, Stage::Closed(_)) {
            return;
        }
        let mut ids: Vec<DoId> = self.objects.keys().copied().collect();
        ids.sort();
        for id in ids {
            self.remove_object(id);
        }
        self.commands.clear();
        self.stage = Stage::Closed(why.clone());
        self.events.push_back(ClientEvent::Disconnected(why));
    }

    /// The session stage.
    pub fn stage(&self) -> &Stage {
        &self.stage
    }

    /// Whether the session is established.
    pub fn is_connected(&self) -> bool {
        self.stage == Stage::Connected
    }

    /// Whether the session is over (the driver may close the transport).
    pub fn is_closed(&self) -> bool {
        matches!(self.stage, Stage::Closed(_))
    }

    /// Our id, once connected.
    pub fn id(&self) -> Option<ClientId> {
        self.id
    }

    /// The server's tick rate (known once connected).
    pub fn tick_rate(&self) -> TickRate {
        self.rate
    }

    /// The rates in force (as clamped by the server once connected; what
    /// [`Client::set_rates`] asked until the server answers).
    pub fn rates(&self) -> Rates {
        self.rates
    }

    /// The rates the server granted last (after clamping to its `pipes-maxupdaterate`,
    /// `pipes-max-cmdrate`, `pipes-max-rate` and minima): from the handshake, then from
    /// each answer to [`Client::set_rates`]. `None` before the handshake finishes.
    pub fn granted_rates(&self) -> Option<Rates> {
        self.granted
    }

    /// The interpolation delay: `max(interp, interp_ratio / update_rate)` seconds.
    pub fn interp_delay(&self) -> f64 {
        effective_interp(
            self.config.interp,
            self.config.interp_ratio,
            self.rates.update_rate,
        )
    }

    /// Estimated server time (seconds on the tick timeline) at `now`.
    pub fn server_time(&self, now: Time) -> Option<f64> {
        self.clock.server_time(now)
    }

    /// Estimated server tick (fractional) at `now`.
    pub fn server_tick(&self, now: Time) -> Option<f64> {
        Some(self.rate.secs_to_ticks(self.server_time(now)?))
    }

    /// Round-trip time (average of the recent pings).
    pub fn rtt(&self) -> Option<Duration> {
        self.clock.rtt()
    }

    /// The clock estimator.
    pub fn clock(&self) -> &ClockSync {
        &self.clock
    }

    /// The newest snapshot tick received.
    pub fn newest_tick(&self) -> Option<Tick> {
        self.newest
    }

    /// An object we see.
    pub fn object(&self, id: DoId) -> Option<&ClientObject> {
        self.objects.get(&id)
    }

    /// All objects we see (unordered).
    pub fn objects(&self) -> impl Iterator<Item = &ClientObject> {
        self.objects.values()
    }

    /// Replaces our interest with `locations`; the handle comes back in
    /// [`ClientEvent::InterestComplete`]. More than
    /// [`crate::protocol::MAX_INTEREST_LOCATIONS`] locations are refused here
    /// ([`ClientError::TooManyLocations`]) rather than cut short on the wire.
    pub fn set_interest(&mut self, locations: &[Location]) -> Result<InterestHandle, ClientError> {
        self.interest(InterestOp::Set, locations)
    }

    /// Adds locations to our interest (at most `MAX_INTEREST_LOCATIONS` at once).
    pub fn add_interest(&mut self, locations: &[Location]) -> Result<InterestHandle, ClientError> {
        self.interest(InterestOp::Add, locations)
    }

    /// Removes locations from our interest (at most `MAX_INTEREST_LOCATIONS` at once).
    pub fn remove_interest(
        &mut self,
        locations: &[Location],
    ) -> Result<InterestHandle, ClientError> {
        self.interest(InterestOp::Remove, locations)
    }

    fn interest(
        &mut self,
        op: InterestOp,
        locations: &[Location],
    ) -> Result<InterestHandle, ClientError> {
        let max = crate::protocol::MAX_INTEREST_LOCATIONS;
        if locations.len() > max {
            return Err(ClientError::TooManyLocations {
                given: locations.len(),
                max,
            });
        }
        let handle = InterestHandle(self.next_handle);
        self.next_handle = self.next_handle.wrapping_add(1);
        let msg = ClientMessage::Interest {
            op,
            handle,
            locations: locations.to_vec(),
        };
        self.send_msg(&msg);
        // The server charges interest changes to the command budget too.
        self.commands.charge();
        Ok(handle)
    }

    /// Asks for other snapshot/command rates (the server clamps them and answers with
    /// what it granted: see [`Client::granted_rates`]). Queued field messages keep the
    /// pace granted so far until then, or `cmd_rate` if lower.
    pub fn set_rates(&mut self, update_rate: u8, cmd_rate: u8) {
        self.rates.update_rate = update_rate;
        self.rates.cmd_rate = cmd_rate;
        self.rates.interp = self.interp_delay() as f32;
        self.send_msg(&ClientMessage::SetRates(self.rates));
        self.commands.charge();
    }

    /// The schema entry of `field` of a known object, and whether this client owns the
    /// object: the checks every outgoing message starts with.
    fn field_of(
        &self,
        object: DoId,
        field: u16,
    ) -> Result<(&'static crate::schema::FieldInfo, bool), ClientError> {
        if !self.is_connected() {
            return Err(ClientError::NotConnected);
        }
        let obj = self
            .objects
            .get(&object)
            .ok_or(ClientError::UnknownObject(object))?;
        let f = self
            .schema
            .field(field)
            .ok_or(ClientError::UnknownField(field))?;
        if !obj.class.has_field(field) {
            return Err(ClientError::FieldNotInClass {
                field: f.name,
                class: obj.class.name,
            });
        }
        Ok((f, obj.owned))
    }

    /// Sends a field message for an object, checked here as the server will check it.
    ///
    /// The message is queued and leaves at the command rate the server granted (see
    /// [`Client::update`]), so the server never drops it: nothing is lost however fast
    /// the game sends. A state field (`ram`/`required`) still waiting when a newer value
    /// for the same object is sent takes that value (only the newest is sent; counted in
    /// [`ClientNetStats::commands_coalesced`]). When `max_outbound_packets` messages
    /// already wait, the message is refused with [`ClientError::QueueFull`].
    pub fn send(&mut self, object: DoId, field: u16, args: &[u8]) -> Result<(), ClientError> {
        let (f, owned) = self.field_of(object, field)?;
        if !f.client_may_send(owned) {
            return Err(ClientError::NotSendable(f.name));
        }
        f.validate(args).map_err(|error| ClientError::BadValue {
            field: f.name,
            error,
        })?;
        let msg = ClientMessage::ObjectMessage {
            object,
            field,
            args,
        };
        let mut packet = Packet {
            payload: msg.to_bytes(),
            reliability: msg.reliability(),
        };
        if f.keywords.contains(&"unreliable") {
            packet.reliability = crate::protocol::Reliability::Unreliable;
        }
        let limit = self.config.max_outbound_packets;
        match self
            .commands
            .push(object, field, f.is_state(), packet, limit)
        {
            pacer::Pushed::Full => Err(ClientError::QueueFull(limit)),
            pacer::Pushed::Queued | pacer::Pushed::Coalesced => Ok(()),
        }
    }

    /// Sends a typed field message.
    pub fn send_message<F: FieldMessage>(
        &mut self,
        object: DoId,
        value: &F,
    ) -> Result<(), ClientError> {
        let bytes = value.to_bytes().map_err(|error| ClientError::BadValue {
            field: F::NAME,
            error,
        })?;
        self.send(object, F::NUMBER, &bytes)
    }

    /// Sends a message without the local checks (for tests of the server's checks).
    #[doc(hidden)]
    pub fn send_unchecked(&mut self, object: DoId, field: u16, args: &[u8]) {
        self.send_msg(&ClientMessage::ObjectMessage {
            object,
            field,
            args,
        });
    }

    /// Runs timers: pings, clock correction, the server-silence timeout, and the release
    /// of queued field messages as the command rate allows.
    pub fn update(&mut self, now: Time) {
        self.clock.advance(now);
        self.flush_commands(now);
        let limit = Duration::from_secs_f64(self.config.server_timeout.max(0.1));
        if self.stage == Stage::Connected && now.since(self.last_heard) > limit {
            tracing::warn!(
                "nothing from the server for {:.1} s; leaving the session",
                now.since(self.last_heard).as_secs_f64()
            );
            self.send_msg(&leaving("server silent"));
            self.close(ClientDisconnect::ServerSilent);
            return;
        }
        if self.stage == Stage::Connected && now >= self.next_ping {
            self.ping_id = self.ping_id.wrapping_add(1);
            if self.pings.len() == MAX_PINGS {
                self.pings.pop_front();
            }
            self.pings.push_back((self.ping_id, now));
            let ping = ClientMessage::Ping {
                id: self.ping_id,
                client_time: now.0,
            };
            self.send_msg(&ping);
            self.commands.charge();
            self.next_ping = now + self.config.ping_interval();
        }
        if self.stage == Stage::Connected {
            self.commands
                .release(now, self.pace_rate(), &mut self.transmits);
            if self.ack_due().is_some_and(|t| now >= t) {
                self.send_ack(now);
            }
        }
    }

    /// When the held ack must leave, if one is held.
    fn ack_due(&self) -> Option<Time> {
        if !self.ack_pending {
            return None;
        }
        Some(
            self.ack_sent_at
                .map_or(Time::ZERO, |t| t + self.config.ack_interval()),
        )
    }

    /// Sends the ack window now, with how long it was held.
    fn send_ack(&mut self, now: Time) {
        let Some(window) = self.acks else {
            return;
        };
        let units =
            now.since(self.newest_at).as_micros() / crate::protocol::ACK_DELAY_UNIT.as_micros();
        let max_delay_ms = self.config.ack_interval().as_millis();
        let ack = ClientMessage::Ack {
            window,
            received: self.reliable_received,
            delay: u16::try_from(units).unwrap_or(u16::MAX),
            max_delay_ms: u8::try_from(max_delay_ms).unwrap_or(u8::MAX),
        };
        self.send_msg(&ack);
        self.ack_sent_at = Some(now);
        self.ack_pending = false;
        self.ack_unsent = 0;
    }

    /// The command rate queued field messages leave at: the one granted at the
    /// handshake, or a lower one asked since with [`Client::set_rates`]. A higher one
    /// asked since is not used: the server clamps it and does not say to what.
    fn pace_rate(&self) -> u8 {
        self.rates.cmd_rate.min(self.cmd_granted)
    }

    /// When [`Client::update`] must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Time> {
        if self.stage != Stage::Connected {
            return None;
        }
        let release = self.commands.next_release(self.pace_rate());
        let mut next = release.map_or(self.next_ping, |r| r.min(self.next_ping));
        if let Some(ack) = self.ack_due() {
            next = next.min(ack);
        }
        Some(self.command_timeout().map_or(next, |c| c.min(next)))
    }

    /// The next packet to send, if any.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Packet> {
        let p = self.transmits.pop_front()?;
        self.net.on_send(p.payload.len());
        Some(p)
    }

    /// Bytes per second received and sent, snapshot loss and RTT, as this client
    /// sees them (the server's view of the same link: `ClientInfo::net`).
    pub fn net_stats(&self) -> ClientNetStats {
        let mut stats = self.net.stats(self.rtt());
        stats.commands_waiting = self.commands.len();
        stats.commands_coalesced = self.commands.coalesced();
        stats
    }

    /// The next event for the game, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// Queues a protocol message. When `max_outbound_packets` already wait (the driver
    /// does not send them), an unreliable one is dropped and a reliable one, which
    /// cannot be dropped without desynchronising the session, ends it.
    fn send_msg(&mut self, msg: &ClientMessage<'_>) {
        let limit = self.config.max_outbound_packets;
        if self.transmits.len() >= limit {
            if msg.reliability() == crate::protocol::Reliability::Reliable {
                tracing::warn!(
                    "{} packets wait to be sent; leaving the session ({} not sent)",
                    self.transmits.len(),
                    msg.name()
                );
                self.transmits.clear();
                self.transmits.push_back(Packet {
                    payload: leaving("outbound queue overflow").to_bytes(),
                    reliability: crate::protocol::Reliability::Reliable,
                });
                self.close(ClientDisconnect::QueueOverflow {
                    queue: "outbound",
                    limit,
                });
            }
            return;
        }
        self.transmits.push_back(Packet {
            payload: msg.to_bytes(),
            reliability: msg.reliability(),
        });
    }

    /// Leaves the session when the game lets more than `max_client_events` events pile up.
    fn check_event_queue(&mut self) {
        let limit = self.config.max_client_events;
        if self.events.len() <= limit || self.is_closed() {
            return;
        }
        tracing::warn!(
            "{} events wait for the game (limit {limit}); leaving the session",
            self.events.len()
        );
        self.send_msg(&leaving("event queue overflow"));
        self.close(ClientDisconnect::QueueOverflow {
            queue: "events",
            limit,
        });
    }
}

/// The goodbye the client core sends when it ends the session itself (code 0).
fn leaving(text: &str) -> ClientMessage<'static> {
    ClientMessage::Disconnect(LeaveReason::new(0, text).unwrap_or_default())
}
