//! Input commands on the server: one sequenced stream per commanded object, applied
//! exactly once and in order, and acknowledged with each snapshot.
//!
//! A client's `Commands` packet repeats its newest unacknowledged commands, so the
//! server sees most commands several times. Each stream keeps the number of the last
//! command released to the game and a small queue of the ones after it; the game
//! takes released commands with [`Server::poll_command`] after [`Server::update`].
//! A gap the client no longer repeats (every packet that held the missing number was
//! lost) is skipped and counted as lost; a copy of a skipped command that arrives
//! later is counted late and ignored.

use super::Server;
use crate::ids::{ClientId, ConnectionId, DetMap, DoId};
use crate::protocol::{CommandAckMsg, CommandBatch, EjectReason, ServerMessage};
use crate::time::{Tick, Time};
use std::collections::{BTreeMap, VecDeque};

/// Most commands a stream holds waiting for their turn; more are dropped.
const MAX_QUEUED: usize = 64;
/// Skipped command numbers remembered, to tell a late copy from a duplicate.
const MAX_SKIPPED: usize = 64;

/// A refusal: the reason to eject with and a log detail.
type Violation = (EjectReason, String);

/// One input command, released to the game at a known tick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The client that sent it (the object's owner).
    pub client: ClientId,
    /// The commanded object.
    pub object: DoId,
    /// The command field.
    pub field: u16,
    /// Its sequence number in the object's stream (1, 2, 3, ...; no gaps but lost ones).
    pub seq: u32,
    /// The tick it is applied in: apply it before the next [`Server::update`], and the
    /// snapshot of this tick reports it applied.
    pub tick: Tick,
    /// Packed arguments, validated against the field.
    pub args: Vec<u8>,
    /// Server time (micros) of the world as the client saw it when it acted: arrival −
    /// round trip − its interpolation delay (clamped), minus one tick per newer command
    /// in the packet (clients make one command per tick). Pass it to [`Server::rewind`].
    pub view_time: u64,
}

impl Command {
    /// The unpacked arguments, when the command is of field `F`.
    pub fn decode<F: crate::schema::FieldMessage>(&self) -> Option<crate::wire::WireResult<F>> {
        (self.field == F::NUMBER).then(|| F::from_bytes(&self.args))
    }
}

/// Counters of a client's command streams (all objects together).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommandStats {
    /// Distinct commands received (repeated copies count once).
    pub received: u64,
    /// Commands released to the game.
    pub applied: u64,
    /// Copies of commands that arrived after the server had skipped them.
    pub late: u64,
    /// Commands never applied: skipped as lost, over the queue bound, or first sent in
    /// a packet dropped over the command rate.
    pub dropped: u64,
    /// Commands whose first packet was lost, received in a later packet's repeats.
    pub recovered: u64,
}

/// One object's command stream.
#[derive(Debug)]
pub(crate) struct Stream {
    field: u16,
    /// The last command released (0: none).
    pub(crate) last: u32,
    /// Lowest number the client still repeats: anything missing below it is lost.
    floor: u32,
    queue: BTreeMap<u32, (Vec<u8>, u64)>,
    skipped: VecDeque<u32>,
}

impl Stream {
    fn new(field: u16) -> Stream {
        Stream {
            field,
            last: 0,
            floor: 0,
            queue: BTreeMap::new(),
            skipped: VecDeque::new(),
        }
    }

    /// Files one received command; updates the counters.
    fn receive(
        &mut self,
        (seq, repeat): (u32, bool),
        args: &[u8],
        view_time: u64,
        stats: &mut CommandStats,
    ) {
        if seq <= self.last {
            if let Some(i) = self.skipped.iter().position(|&s| s == seq) {
                self.skipped.remove(i);
                stats.late += 1;
            }
            return;
        }
        if self.queue.contains_key(&seq) {
            return;
        }
        stats.received += 1;
        stats.recovered += u64::from(repeat);
        if self.queue.len() >= MAX_QUEUED {
            stats.dropped += 1;
            return;
        }
        self.queue.insert(seq, (args.to_vec(), view_time));
    }

    /// The next command to release, skipping numbers the client no longer repeats.
    fn next(&mut self, stats: &mut CommandStats) -> Option<(u32, Vec<u8>, u64)> {
        let (&seq, _) = self.queue.first_key_value()?;
        let want = self.last.wrapping_add(1);
        if seq != want && want >= self.floor {
            return None; // the missing one may still come in a later packet
        }
        for lost in want..seq {
            stats.dropped += 1;
            if self.skipped.len() == MAX_SKIPPED {
                self.skipped.pop_front();
            }
            self.skipped.push_back(lost);
        }
        let (args, view) = self.queue.remove(&seq)?;
        self.last = seq;
        stats.applied += 1;
        Some((seq, args, view))
    }
}

impl Server {
    /// The next input command to apply, in order, once each (see [`Command`]). Drain
    /// them after each [`Server::update`] and apply them (to the object's state) before
    /// the next: the snapshot that ends the command's tick reports it applied.
    #[must_use]
    pub fn poll_command(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// Checks and files a `Commands` packet.
    pub(super) fn on_commands(
        &mut self,
        now: Time,
        conn: ConnectionId,
        batch: &CommandBatch<'_>,
    ) -> Result<(), Violation> {
        let split = self.split_commands(conn, batch)?;
        let Some(split) = split else {
            return Ok(()); // the object just left the client's view
        };
        if !self.spend_command(now, conn) {
            // The packet's fresh commands are lost unless a later packet repeats them
            // (then they count as dropped and, rarely, applied too).
            if let Some(p) = self.peers.get_mut(&conn) {
                p.command_stats.dropped += u64::from(batch.fresh);
            }
            return Ok(());
        }
        let view_time = self.view_time(conn, now);
        let tick_us = 1_000_000 / u64::from(self.rate.hz().max(1));
        let Some(p) = self.peers.get_mut(&conn) else {
            return Ok(());
        };
        let stream = p
            .streams
            .entry(batch.object)
            .or_insert_with(|| Stream::new(batch.field));
        if stream.field != batch.field {
            return Err((
                EjectReason::BadArguments,
                format!(
                    "client {} sent commands of two fields for object {}",
                    p.id.0, batch.object.0
                ),
            ));
        }
        stream.floor = stream.floor.max(batch.first());
        let repeats = batch.count - batch.fresh;
        for (i, args) in split.iter().enumerate() {
            let seq = batch.first().wrapping_add(i as u32);
            let repeat = i < usize::from(repeats);
            // One command per tick: the k-th before the newest was made k ticks earlier
            // (matters for a command recovered from a later packet's repeats).
            let age = u64::from(batch.newest.wrapping_sub(seq)) * tick_us;
            let view = view_time.saturating_sub(age);
            stream.receive((seq, repeat), args, view, &mut p.command_stats);
        }
        Ok(())
    }

    /// The security checks of a command packet (the object is the client's and
    /// visible, the field is a command field of its class) and its commands, each
    /// checked against the field. `Ok(None)`: a harmless race, dropped.
    fn split_commands<'a>(
        &self,
        conn: ConnectionId,
        batch: &CommandBatch<'a>,
    ) -> Result<Option<Vec<&'a [u8]>>, Violation> {
        let Some(p) = self.peers.get(&conn) else {
            return Ok(None);
        };
        let who = p.id.0;
        let Some(f) = self.schema.field(batch.field) else {
            return Err((
                EjectReason::UnknownField,
                format!(
                    "client {who} sent commands of unknown field {}",
                    batch.field
                ),
            ));
        };
        if !f.is_command() {
            return Err((
                EjectReason::NotSendable,
                format!(
                    "client {who} sent {} as commands: no `command` keyword",
                    f.name
                ),
            ));
        }
        let owned = match p.views.get(&batch.object) {
            Some(view) => view.owned,
            None if p.recent_left.contains_key(&batch.object) => return Ok(None),
            None => false,
        };
        if !owned || !p.owned.contains(&batch.object) {
            return Err((
                EjectReason::NotSendable,
                format!(
                    "client {who} sent {} commands for object {} it does not own",
                    f.name, batch.object.0
                ),
            ));
        }
        // Class membership and argument checks are those of any field message.
        let mut r = crate::wire::Reader::new(batch.body);
        let mut out = Vec::with_capacity(usize::from(batch.count));
        for _ in 0..batch.count {
            let start = batch.body.len() - r.remaining();
            (f.skip)(&mut r).map_err(|e| {
                (
                    EjectReason::BadArguments,
                    format!("client {who} sent a bad {} command: {e}", f.name),
                )
            })?;
            let end = batch.body.len() - r.remaining();
            out.push(&batch.body[start..end]);
        }
        if r.remaining() != 0 {
            return Err((
                EjectReason::BadArguments,
                format!("client {who}: bytes after the last {} command", f.name),
            ));
        }
        if let Some(first) = out.first() {
            self.check_object_message(conn, batch.object, batch.field, first)?;
        }
        Ok(Some(out))
    }

    /// Releases the commands due this update: per stream, the ones that follow the
    /// last applied, at most `per_update` (a client sending faster than the tick rate
    /// queues, then loses the excess).
    pub(super) fn release_commands(&mut self, per_update: u32) {
        let tick = self.tick;
        for p in self.peers.values_mut() {
            for (&object, stream) in p.streams.iter_mut() {
                for _ in 0..per_update {
                    let Some((seq, args, view_time)) = stream.next(&mut p.command_stats) else {
                        break;
                    };
                    self.commands.push_back(Command {
                        client: p.id,
                        object,
                        field: stream.field,
                        seq,
                        tick,
                        args,
                        view_time,
                    });
                }
            }
        }
    }

    /// Sends each stream's acknowledgement (last applied, `predicted` state) to `conn`.
    pub(super) fn send_command_acks(&mut self, conn: ConnectionId) {
        let Some(p) = self.peers.get(&conn) else {
            return;
        };
        let mut acks = Vec::new();
        for (&object, stream) in &p.streams {
            let Some(obj) = self.objects.get(object) else {
                continue;
            };
            let state: Vec<(u16, &[u8])> = obj
                .slots
                .iter()
                .filter(|s| {
                    self.schema
                        .field(s.number)
                        .is_some_and(|f| f.is_predicted())
                })
                .map(|s| (s.number, s.value.as_slice()))
                .collect();
            let msg = ServerMessage::CommandAck(CommandAckMsg {
                tick: self.tick,
                object,
                last: stream.last,
                state,
            });
            acks.push(msg.to_bytes());
        }
        for payload in acks {
            self.push_raw(conn, payload, crate::protocol::Reliability::Unreliable);
        }
    }

    /// Forgets the streams of objects a client no longer owns.
    pub(super) fn prune_streams(&mut self) {
        for p in self.peers.values_mut() {
            let owned = &p.owned;
            p.streams.retain(|id, _| owned.contains(id));
        }
    }

    /// Server time (micros) of what `conn` shows when a packet it sent arrives at
    /// `now`: minus its round trip (its view trails the server by the one-way delay
    /// of snapshots, its packet took the other) and its interpolation delay, clamped
    /// to [`super::history::HistoryConfig::max_interp`].
    pub(super) fn view_time(&self, conn: ConnectionId, now: Time) -> u64 {
        let Some(p) = self.peers.get(&conn) else {
            return self.server_time(now);
        };
        let rtt = p.rtt.average().map_or(0.0, |d| d.as_secs_f64());
        let interp = f64::from(p.rates.interp).clamp(0.0, self.history.config.max_interp);
        let back = ((rtt + interp) * 1e6) as u64;
        self.server_time(now).saturating_sub(back)
    }
}

/// Per-client command streams by object.
pub(crate) type Streams = DetMap<DoId, Stream>;
