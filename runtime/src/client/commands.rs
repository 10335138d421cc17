//! Input commands on the client: numbering, redundant sending at the command rate,
//! and the server's acknowledgements (see [`crate::protocol::commands`]).

use super::{Client, ClientError};
use crate::ids::{DetMap, DoId};
use crate::protocol::{ClientMessage, CommandAckMsg, CommandBatch, MAX_COMMANDS_PER_PACKET};
use crate::schema::FieldMessage;
use crate::time::{Tick, Time};
use crate::wire::WireResult;
use std::collections::VecDeque;
use std::time::Duration;

/// What the server last said about an object's commands: the last one it applied by
/// the end of `tick`, and the object's `predicted` state fields at that moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandAck {
    /// The server tick the state belongs to.
    pub tick: Tick,
    /// The last command applied (0: none yet).
    pub last: u32,
    /// `(field number, packed value)` of the object's `predicted` fields.
    pub state: Vec<(u16, Vec<u8>)>,
}

impl CommandAck {
    /// The value of `predicted` field `F` in this acknowledgement.
    pub fn get<F: FieldMessage>(&self) -> Option<WireResult<F>> {
        let (_, v) = self.state.iter().find(|(n, _)| *n == F::NUMBER)?;
        Some(F::from_bytes(v))
    }
}

/// One object's outgoing command stream.
#[derive(Debug, Default)]
pub(crate) struct OutStream {
    field: u16,
    /// Number of the newest command (0: none yet).
    newest: u32,
    /// Commands not yet acknowledged, oldest first (at most the redundancy).
    recent: VecDeque<(u32, Vec<u8>)>,
    /// Commands made since the last packet.
    fresh: u32,
    ack: Option<CommandAck>,
}

/// Per-object command streams.
pub(crate) type OutStreams = DetMap<DoId, OutStream>;

/// Commands repeated in each packet, unless acknowledged (see [`Client::send_command`]).
pub const DEFAULT_COMMAND_REDUNDANCY: usize = 16;

impl Client {
    /// Queues an input command for `object` (which this client must own) on `field`
    /// (a field with the `command` keyword) and returns its sequence number (1, 2, ...).
    ///
    /// Commands go out at the command rate (`pipes-cmdrate`); each packet repeats the
    /// newest ones the server has not acknowledged (up to the redundancy, default
    /// [`DEFAULT_COMMAND_REDUNDANCY`]), so a lost packet costs nothing. The server
    /// applies each command once, in order, at a tick; [`Client::command_ack`] says
    /// which it applied last. Make one command per server tick (`1 / tick_rate`).
    pub fn send_command(
        &mut self,
        now: Time,
        object: DoId,
        field: u16,
        args: &[u8],
    ) -> Result<u32, ClientError> {
        let (f, owned) = self.field_of(object, field)?;
        if !f.is_command() || !owned {
            return Err(ClientError::NotCommand(f.name));
        }
        f.validate(args).map_err(|error| ClientError::BadValue {
            field: f.name,
            error,
        })?;
        let stream = self.command_streams.entry(object).or_default();
        if stream.newest > 0 && stream.field != field {
            return Err(ClientError::NotCommand(f.name));
        }
        stream.field = field;
        stream.newest += 1;
        stream.fresh += 1;
        let seq = stream.newest;
        stream.recent.push_back((seq, args.to_vec()));
        while stream.recent.len() > self.command_redundancy.clamp(1, MAX_COMMANDS_PER_PACKET) {
            stream.recent.pop_front();
        }
        self.flush_commands(now);
        Ok(seq)
    }

    /// Queues a typed command (see [`Client::send_command`]).
    pub fn send_command_message<F: FieldMessage>(
        &mut self,
        now: Time,
        object: DoId,
        value: &F,
    ) -> Result<u32, ClientError> {
        let bytes = value.to_bytes().map_err(|error| ClientError::BadValue {
            field: F::NAME,
            error,
        })?;
        self.send_command(now, object, F::NUMBER, &bytes)
    }

    /// The server's newest acknowledgement of `object`'s commands, if any.
    pub fn command_ack(&self, object: DoId) -> Option<&CommandAck> {
        self.command_streams.get(&object)?.ack.as_ref()
    }

    /// Sets how many unacknowledged commands each packet repeats (1 to 32, default
    /// [`DEFAULT_COMMAND_REDUNDANCY`]): more survive longer loss bursts, at a few
    /// bytes each.
    pub fn set_command_redundancy(&mut self, commands: usize) {
        self.command_redundancy = commands.clamp(1, MAX_COMMANDS_PER_PACKET);
    }

    /// Sends a packet per stream with fresh commands, when the command rate allows.
    pub(super) fn flush_commands(&mut self, now: Time) {
        if now < self.next_command_at || !self.is_connected() {
            return;
        }
        let objects = &self.objects;
        self.command_streams
            .retain(|id, _| objects.get(id).is_some_and(|o| o.owned));
        let mut out = Vec::new();
        for (&object, s) in self.command_streams.iter_mut() {
            if s.fresh == 0 || s.recent.is_empty() {
                continue;
            }
            // The server charges each packet to the budget it shares with field
            // messages: inputs go first, queued field messages wait (`pacer.rs`).
            self.commands.charge();
            let mut body = Vec::new();
            for (_, args) in &s.recent {
                body.extend_from_slice(args);
            }
            let count = s.recent.len() as u8;
            let batch = CommandBatch {
                object,
                field: s.field,
                newest: s.newest,
                count,
                fresh: s.fresh.min(u32::from(count)) as u8,
                body: &body,
            };
            out.push(ClientMessage::Commands(batch).to_bytes());
            s.fresh = 0;
        }
        if out.is_empty() {
            return;
        }
        // A little under the rate (as field messages): jitter bunches packets.
        let rate = f64::from(self.rates.cmd_rate.max(1)) * super::COMMAND_PACE;
        self.next_command_at = now + Duration::from_secs_f64(1.0 / rate);
        for payload in out {
            if self.transmits.len() < self.config.max_outbound_packets {
                self.transmits.push_back(super::Packet {
                    payload,
                    reliability: crate::protocol::Reliability::Unreliable,
                });
            }
        }
    }

    /// When commands wait for the command rate: the time they may go.
    pub(super) fn command_timeout(&self) -> Option<Time> {
        self.command_streams
            .values()
            .any(|s| s.fresh > 0)
            .then_some(self.next_command_at)
    }

    /// Stores an acknowledgement and stops repeating what it covers.
    pub(super) fn on_command_ack(&mut self, ack: &CommandAckMsg<'_>) {
        let Some(s) = self.command_streams.get_mut(&ack.object) else {
            return;
        };
        if s.ack.as_ref().is_some_and(|a| a.tick >= ack.tick) || ack.last > s.newest {
            return; // older than what we hold, or nonsense
        }
        s.recent.retain(|(seq, _)| *seq > ack.last);
        s.ack = Some(CommandAck {
            tick: ack.tick,
            last: ack.last,
            state: ack.state.iter().map(|(f, v)| (*f, v.to_vec())).collect(),
        });
    }
}
