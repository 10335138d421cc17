//! Received bytes: decoding, state checks, the handshake, and the security checks every
//! client message passes before game code sees it.

use super::events::{HelloInfo, ServerEvent};
use super::peer::Stage;
use super::Server;
use crate::ids::{ClientId, ConnectionId, DoId};
use crate::protocol::{
    Accept, ClientMessage, EjectReason, Hello, Rates, RejectReason, Reliability, ServerMessage,
    ACK_DELAY_UNIT, PROTOCOL_VERSION,
};
use crate::time::Time;
use std::time::Duration;

/// A refusal: the reason to eject with and a log detail.
type Violation = (EjectReason, String);

impl Server {
    /// Handles one message received on `connection` at `now`.
    ///
    /// Malformed, oversized, out-of-state or forbidden messages eject that connection
    /// (with a reason code sent to it and a log line); nothing else is affected.
    pub fn handle_datagram(&mut self, now: Time, connection: ConnectionId, bytes: &[u8]) {
        let _client = self.client_span(connection).entered();
        let Some(peer) = self.peers.get(&connection) else {
            tracing::debug!("message from unknown connection {} dropped", connection.0);
            return;
        };
        if bytes.len() > self.config.max_message_size {
            let detail = format!(
                "{} bytes, limit {}",
                bytes.len(),
                self.config.max_message_size
            );
            self.eject(connection, EjectReason::Oversized, detail);
            return;
        }
        let msg = match ClientMessage::decode(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.eject(connection, EjectReason::Malformed, e.to_string());
                return;
            }
        };
        let allowed = match (&peer.stage, &msg) {
            (_, ClientMessage::Disconnect(_)) => true,
            (Stage::AwaitHello, ClientMessage::Hello(_)) => true,
            (Stage::Authenticating(_), ClientMessage::AuthResponse(_)) => true,
            (Stage::Active, m) => {
                !matches!(m, ClientMessage::Hello(_) | ClientMessage::AuthResponse(_))
            }
            _ => false,
        };
        if !allowed {
            let detail = format!("{} during {:?}", msg.name(), stage_name(&peer.stage));
            self.eject(connection, EjectReason::WrongState, detail);
            return;
        }
        if let Err((reason, detail)) = self.dispatch(now, connection, msg) {
            self.eject(connection, reason, detail);
        }
    }

    fn dispatch(
        &mut self,
        now: Time,
        conn: ConnectionId,
        msg: ClientMessage<'_>,
    ) -> Result<(), Violation> {
        match msg {
            ClientMessage::Hello(h) => self.on_hello(now, conn, &h),
            ClientMessage::AuthResponse(answer) => self.on_auth_response(now, conn, answer),
            ClientMessage::SetRates(r) => {
                self.charge_command(now, conn)?;
                let r = self.clamp_rates(r);
                if let Some(p) = self.peers.get_mut(&conn) {
                    p.rates = r;
                    p.budget.set_asked(r.rate);
                    // A lower rate also lowers the burst the budget may hold.
                    p.cmd_tokens = p.cmd_tokens.min(f64::from(r.cmd_rate.max(1)));
                }
                // The client learns what it got (its ask may exceed the maxima).
                self.push(conn, &ServerMessage::RatesGranted(r));
            }
            ClientMessage::Interest {
                op,
                handle,
                locations,
            } => {
                self.charge_command(now, conn)?;
                self.apply_interest(conn, op, &locations, Some(handle));
            }
            ClientMessage::Ack {
                window,
                received,
                delay,
                max_delay_ms,
            } => {
                if let Some(p) = self.peers.get_mut(&conn) {
                    p.confirm(received);
                    p.max_ack_delay = Duration::from_millis(u64::from(max_delay_ms));
                }
                self.on_ack(now, conn, window, ACK_DELAY_UNIT * u32::from(delay));
            }
            ClientMessage::Ping { id, client_time } => {
                if self.spend_command(now, conn) {
                    let server_time = self.server_time(now);
                    let pong = ServerMessage::Pong {
                        id,
                        client_time,
                        server_time,
                    };
                    self.push(conn, &pong);
                }
            }
            ClientMessage::ObjectMessage {
                object,
                field,
                args,
            } => {
                // The rules first: a forbidden message ejects even over the budget.
                let Some(client) = self.check_object_message(conn, object, field, args)? else {
                    return Ok(());
                };
                if self.spend_command(now, conn) {
                    self.events.push_back(ServerEvent::Message {
                        client,
                        object,
                        field,
                        args: args.to_vec(),
                    });
                }
            }
            ClientMessage::Disconnect(reason) => {
                self.drop_peer(conn, super::DisconnectReason::Left(reason));
            }
            ClientMessage::Commands(batch) => self.on_commands(now, conn, &batch)?,
        }
        Ok(())
    }

    /// Takes one command from the client's budget (`cmd_rate` per second, one second
    /// of burst) for a message that may be dropped (field message, ping); false when
    /// the budget is spent (the message is then dropped).
    pub(super) fn spend_command(&mut self, now: Time, conn: ConnectionId) -> bool {
        let Some(p) = self.peers.get_mut(&conn) else {
            return false;
        };
        refill(p, now);
        if p.cmd_tokens >= 1.0 {
            p.cmd_tokens -= 1.0;
            return true;
        }
        p.commands_dropped += 1;
        if p.commands_dropped.is_power_of_two() {
            tracing::warn!(
                "client {}: over its command rate {}/s, {} commands dropped so far",
                p.id.0,
                p.rates.cmd_rate,
                p.commands_dropped
            );
        }
        false
    }

    /// Charges one command for a message that cannot be dropped without putting the
    /// client out of step (interest and rate changes): it always goes through, the
    /// budget may go into debt, and more than one second (`cmd_rate` commands) of debt
    /// is a [`EjectReason::CommandFlood`].
    fn charge_command(&mut self, now: Time, conn: ConnectionId) -> Result<(), Violation> {
        let Some(p) = self.peers.get_mut(&conn) else {
            return Ok(());
        };
        let rate = refill(p, now);
        p.cmd_tokens -= 1.0;
        if p.cmd_tokens < -rate {
            return Err((
                EjectReason::CommandFlood,
                format!(
                    "client {} sent interest/rate changes faster than its command rate {}/s",
                    p.id.0, p.rates.cmd_rate
                ),
            ));
        }
        Ok(())
    }

    /// The rates in force for a client's request: within the server's limits, and
    /// never 0 (even if a config built in code sets a minimum of 0: a rate divides
    /// time, and the handshake refuses zero rates).
    fn clamp_rates(&self, r: Rates) -> Rates {
        let c = &self.config;
        let (min_update, min_cmd) = (c.min_update_rate.max(1), c.min_cmd_rate.max(1));
        Rates {
            update_rate: r
                .update_rate
                .clamp(min_update, c.max_update_rate.max(min_update)),
            cmd_rate: r.cmd_rate.clamp(min_cmd, c.max_cmd_rate.max(min_cmd)),
            interp: r.interp.clamp(0.0, 5.0),
            rate: r.rate.clamp(
                super::budget::MIN_RATE,
                c.max_rate.max(super::budget::MIN_RATE),
            ),
        }
    }

    fn on_hello(&mut self, now: Time, conn: ConnectionId, h: &Hello<'_>) {
        let reason = if h.version != PROTOCOL_VERSION {
            Some(RejectReason::Version {
                server: PROTOCOL_VERSION,
                client: h.version,
            })
        } else if h.schema_hash != self.schema.hash {
            Some(RejectReason::SchemaHash {
                server: self.schema.hash,
                client: h.schema_hash,
            })
        } else if self.clients.len() >= self.config.max_clients as usize {
            Some(RejectReason::Full)
        } else if h.password != self.config.password {
            Some(RejectReason::Password)
        } else {
            let info = HelloInfo {
                connection: conn,
                password: h.password.to_owned(),
            };
            self.hooks.admit(&info).err().map(RejectReason::Banned)
        };
        if let Some(reason) = reason {
            self.reject(conn, reason);
            return;
        }
        let rates = self.clamp_rates(h.rates);
        let packet = self.config.max_packet_size;
        if let Some(p) = self.peers.get_mut(&conn) {
            p.rates = rates;
            p.budget = super::budget::Budget::new(rates.rate, packet, now);
        }
        match self.hooks.challenge(conn) {
            Some(challenge) => {
                self.push(conn, &ServerMessage::AuthChallenge(&challenge));
                if let Some(p) = self.peers.get_mut(&conn) {
                    p.stage = Stage::Authenticating(challenge);
                }
            }
            None => self.accept(now, conn, None),
        }
    }

    fn on_auth_response(&mut self, now: Time, conn: ConnectionId, answer: &[u8]) {
        let Some(Stage::Authenticating(challenge)) = self.peers.get(&conn).map(|p| p.stage.clone())
        else {
            return;
        };
        match self.hooks.verify(conn, &challenge, answer) {
            Ok(identity) => {
                if self.clients.len() >= self.config.max_clients as usize {
                    self.reject(conn, RejectReason::Full);
                } else {
                    self.accept(now, conn, identity);
                }
            }
            Err(why) => self.reject(conn, RejectReason::AuthFailed(why)),
        }
    }

    fn accept(&mut self, now: Time, conn: ConnectionId, identity: Option<String>) {
        let id = self.allocate_client_id();
        let tick = f64::from(self.tick.0);
        let server_time = self.server_time(now);
        let tick_rate = self.rate.hz();
        let Some(p) = self.peers.get_mut(&conn) else {
            return;
        };
        p.stage = Stage::Active;
        p.id = id;
        p.next_update = tick;
        p.cmd_time = now;
        p.cmd_tokens = f64::from(p.rates.cmd_rate);
        let accept = Accept {
            client_id: id,
            tick_rate,
            rates: p.rates,
            server_time,
        };
        self.clients.insert(id, conn);
        self.push(conn, &ServerMessage::Accept(accept));
        self.events.push_back(ServerEvent::ClientConnected {
            client: id,
            connection: conn,
            identity,
        });
    }

    fn allocate_client_id(&mut self) -> ClientId {
        for _ in 0..=self.clients.len() {
            let id = ClientId(self.next_client);
            self.next_client = self.next_client.wrapping_add(1);
            if !self.clients.contains_key(&id) {
                return id;
            }
        }
        ClientId(self.next_client)
    }

    fn reject(&mut self, conn: ConnectionId, reason: RejectReason) {
        tracing::info!("connection {} refused: {reason}", conn.0);
        self.transmits.push_back(super::Transmit {
            connection: conn,
            payload: ServerMessage::Reject(reason.clone()).to_bytes(),
            reliability: Reliability::Reliable,
            close_after: true,
        });
        self.peers.remove(&conn);
        self.events.push_back(ServerEvent::ClientRejected {
            connection: conn,
            reason,
        });
    }

    /// The security checks of a client's field message, in order: the field exists,
    /// the object is visible to the client, the class has the field, the client may
    /// send it (`clsend`, or `ownsend` and owner), the arguments unpack exactly.
    /// `Ok(Some(sender))` when it passes, `Ok(None)` when it is a harmless race (the
    /// object just left the client's view) and is dropped.
    pub(super) fn check_object_message(
        &self,
        conn: ConnectionId,
        object: DoId,
        field: u16,
        args: &[u8],
    ) -> Result<Option<ClientId>, Violation> {
        let Some(p) = self.peers.get(&conn) else {
            return Ok(None);
        };
        let who = p.id;
        let Some(f) = self.schema.field(field) else {
            return Err((
                EjectReason::UnknownField,
                format!(
                    "client {} sent unknown field {field} for object {}",
                    who.0, object.0
                ),
            ));
        };
        let Some(view) = p.views.get(&object) else {
            if p.leaving.contains_key(&object) || p.recent_left.contains_key(&object) {
                tracing::debug!(
                    "client {}: {} for object {} that just left its view, dropped",
                    who.0,
                    f.name,
                    object.0
                );
                return Ok(None);
            }
            return Err((
                EjectReason::NotVisible,
                format!(
                    "client {} sent {} for object {} it cannot see",
                    who.0, f.name, object.0
                ),
            ));
        };
        let owned = view.owned;
        let Some(obj) = self.objects.get(object) else {
            return Ok(None);
        };
        if !obj.class.has_field(field) {
            return Err((
                EjectReason::FieldNotInClass,
                format!(
                    "client {} sent {} for object {} of class {}",
                    who.0, f.name, object.0, obj.class.name
                ),
            ));
        }
        if !f.client_may_send(owned) {
            let why = if owned {
                "not clsend/ownsend"
            } else {
                "not clsend, and not the owner"
            };
            return Err((
                EjectReason::NotSendable,
                format!(
                    "client {} sent {} for object {}: {why}",
                    who.0, f.name, object.0
                ),
            ));
        }
        if let Err(e) = f.validate(args) {
            return Err((
                EjectReason::BadArguments,
                format!(
                    "client {} sent {} for object {}: {e}",
                    who.0, f.name, object.0
                ),
            ));
        }
        Ok(Some(who))
    }
}

/// Adds the budget earned since the last command (at most one second of burst);
/// returns the rate. A rate of 0 counts as 1: nothing divides by it.
fn refill(p: &mut super::peer::Peer, now: Time) -> f64 {
    let rate = f64::from(p.rates.cmd_rate.max(1));
    let elapsed = now.since(p.cmd_time).as_secs_f64();
    p.cmd_time = now;
    p.cmd_tokens = (p.cmd_tokens + elapsed * rate).min(rate);
    rate
}

fn stage_name(s: &Stage) -> &'static str {
    match s {
        Stage::AwaitHello => "handshake",
        Stage::Authenticating(_) => "authentication",
        Stage::Active => "session",
    }
}
