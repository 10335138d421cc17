//! The avatar/chat game of the `server`/`client` examples, on an Astron cluster: the
//! logic of `examples/astron_game.rs`, here so a test can run it against the in-repo
//! fake cluster.
//!
//! * The AI ([`GameAi`]) creates a world object (its AI channel set, so children
//!   report to it) and a chat room in zone (world, 1), then listens on the login
//!   UberDOG (4665, anonymous in `astrond.yml`). A login (`say("login NAME")` to the
//!   UberDOG) establishes the session, creates the player's avatar in the zone, makes
//!   the client its owner and ties it to the session (Astron deletes it when the
//!   client goes), stores an account in the database and reads it back, and answers
//!   "welcome NAME" privately. Chat said to the room is relayed to everyone (`said` is
//!   `broadcast`).
//! * A client ([`GameClient`]) is written against the pipes client's events
//!   ([`pipes::client::ClientEvent`], through [`PipesEvents`]): it logs in, opens
//!   interest in the zone, says hello, walks its avatar in a circle (`setPos` is
//!   `ownsend`), prints what others say, and, when told to cheat, sends `setSecret`
//!   (neither `clsend` nor `ownsend`) and gets ejected by the client agent (118).

use crate::astron_schema::{
    astron_account as account, astron_player as player, distributed_avatar as avatar,
    distributed_chat as chat, SCHEMA,
};
use pipes::client::{ClientDisconnect, ClientEvent};
use pipes::schema::FieldMessage as _;
use pipes::{DoId, Location, Time};
use pipes_astron::ai::{AiConfig, AiEvent, AstronAi, ClientState, Context};
use pipes_astron::channel::Channel;
use pipes_astron::client::{AstronClient, ClientConfig};
use pipes_astron::events::PipesEvents;
use pipes_astron::tcp::{AiLink, ClientLink};
use pipes_astron::{AstronError, FieldValue};
use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// The client agent's `version` in `examples/astron/astrond.yml`.
pub const VERSION: &str = "pipes-example-1";
/// The login UberDOG (a `DistributedChat`, anonymous).
pub const LOGIN: DoId = DoId(4665);
/// The world object; its zones hold the game.
pub const WORLD: DoId = DoId(10_000);
/// The chat room, in [`ZONE`].
pub const ROOM: DoId = DoId(10_001);
/// Where avatars and the room live.
pub const ZONE: Location = Location {
    parent: WORLD,
    zone: 1,
};
/// The AI's channel.
pub const AI_CHANNEL: Channel = 5000;
/// The state server's control channel in `astrond.yml`.
pub const STATE_SERVER: Channel = 402_000;
/// The database server's control channel in `astrond.yml`.
pub const DATABASE: Channel = 4003;
const FIRST_AVATAR: u32 = 10_100;
const READ_TIMEOUT: Duration = Duration::from_millis(5);

fn bad_data(e: AstronError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// Turns a refused connection into an error that says what to start: a bare
/// `ConnectionRefused` does not tell a newcomer that `astrond` must run first.
pub fn explain_refused(e: io::Error, what: &str, addr: SocketAddr) -> io::Error {
    if e.kind() != io::ErrorKind::ConnectionRefused {
        return e;
    }
    io::Error::new(
        io::ErrorKind::ConnectionRefused,
        format!(
            "no Astron {what} at {addr} (connection refused): start one first, e.g. \
             `astrond --loglevel info examples/astron/astrond.yml` (README, \"Running on Astron\")"
        ),
    )
}

struct Player {
    name: String,
    avatar: DoId,
}

/// The game's AI process.
pub struct GameAi {
    link: AiLink,
    players: BTreeMap<Channel, Player>,
    db_reads: BTreeMap<Context, String>,
    next_avatar: u32,
    /// What happened, one line each (also printed).
    pub log: Vec<String>,
}

impl GameAi {
    /// Connects to the message director, creates the world and the room.
    pub fn connect(md: SocketAddr) -> io::Result<GameAi> {
        let config = AiConfig {
            channel: AI_CHANNEL,
            state_server: STATE_SERVER,
            name: "pipes astron_game AI".into(),
        };
        let ai = AstronAi::new(&SCHEMA, config).map_err(bad_data)?;
        let mut link = AiLink::connect(md, ai, READ_TIMEOUT)
            .map_err(|e| explain_refused(e, "message director", md))?;
        let ai = &mut link.ai;
        let top = Location {
            parent: DoId(0),
            zone: 0,
        };
        ai.subscribe(Channel::from(LOGIN.0)).map_err(bad_data)?;
        ai.create_object(WORLD, top, chat::ID, &[], &[])
            .and_then(|()| ai.set_ai(WORLD, AI_CHANNEL))
            .and_then(|()| ai.create_object(ROOM, ZONE, chat::ID, &[], &[]))
            .map_err(bad_data)?;
        Ok(GameAi {
            link,
            players: BTreeMap::new(),
            db_reads: BTreeMap::new(),
            next_avatar: FIRST_AVATAR,
            log: Vec::new(),
        })
    }

    fn note(&mut self, line: String) {
        println!("{line}");
        self.log.push(line);
    }

    /// Sends, receives and handles what arrived.
    pub fn step(&mut self) -> io::Result<()> {
        self.link.pump()?;
        // Bounded by what one pump received.
        while let Some(event) = self.link.ai.next_event() {
            self.handle(event).map_err(bad_data)?;
        }
        // Replies stay queued in the AI and go out on the next pump.
        Ok(())
    }

    fn handle(&mut self, event: AiEvent) -> Result<(), AstronError> {
        match event {
            AiEvent::Entered(o) if o.class == player::ID => {
                let name = o
                    .required
                    .iter()
                    .find_map(|v| v.decode::<avatar::SetName>().ok())
                    .map_or_else(String::new, |n| n.name);
                self.note(format!(
                    "ai: avatar {} ({name}) entered, zone {}",
                    o.do_id.0, o.location.zone
                ));
            }
            AiEvent::Entered(o) => self.note(format!("ai: object {} entered", o.do_id.0)),
            AiEvent::Updated {
                do_id,
                sender,
                field,
            } => {
                let Ok(say) = field.decode::<chat::Say>() else {
                    return Ok(());
                };
                if do_id == LOGIN {
                    self.login(sender, &say.text)?;
                } else if do_id == ROOM {
                    let Some(p) = self.players.get(&sender) else {
                        return Ok(());
                    };
                    let said = chat::Said {
                        sender: p.avatar.0,
                        text: say.text,
                    };
                    let line = format!("ai: {} says {:?}", p.name, said.text);
                    self.link.ai.send_update(ROOM, &said)?;
                    self.note(line);
                }
            }
            AiEvent::Left { do_id } => {
                let who = self.players.iter().find(|(_, p)| p.avatar == do_id);
                if let Some((&channel, p)) = who {
                    let line = format!("ai: {} left (avatar {} deleted)", p.name, do_id.0);
                    self.players.remove(&channel);
                    self.note(line);
                }
            }
            AiEvent::DbCreated {
                do_id: Some(id),
                context,
            } => {
                let name = self.db_reads.remove(&context).unwrap_or_default();
                let logins = FieldValue::new(&account::SetLogins { logins: 2 })?;
                self.link.ai.db_set_fields(DATABASE, id, &[logins])?;
                let read = self.link.ai.db_get_all(DATABASE, id)?;
                self.db_reads.insert(read, name);
            }
            AiEvent::DbObject {
                context,
                object: Some((_, values)),
            } => {
                let name = self.db_reads.remove(&context).unwrap_or_default();
                let logins = values
                    .iter()
                    .find_map(|v| v.decode::<account::SetLogins>().ok())
                    .map_or(0, |l| l.logins);
                self.note(format!("ai: account of {name} stored, logins = {logins}"));
            }
            _ => {}
        }
        Ok(())
    }

    fn login(&mut self, client: Channel, text: &str) -> Result<(), AstronError> {
        let Some(name) = text.strip_prefix("login ") else {
            return Ok(());
        };
        if self.players.contains_key(&client) {
            return Ok(());
        }
        let name: String = name.chars().take(32).collect();
        let avatar = DoId(self.next_avatar);
        self.next_avatar += 1;
        let ai = &mut self.link.ai;
        ai.client_set_state(client, ClientState::Established)?;
        let required = [
            FieldValue::new(&avatar::SetName { name: name.clone() })?,
            FieldValue::new(&avatar::SetPos {
                x: 0.0,
                y: 0.0,
                z: 0.0,
            })?,
        ];
        let other = [FieldValue::new(&player::SetScore { score: 0 })?];
        ai.create_object(avatar, ZONE, player::ID, &required, &other)?;
        ai.set_owner(avatar, client)?;
        ai.client_add_session_object(client, avatar)?;
        let welcome = chat::Said {
            sender: avatar.0,
            text: format!("welcome {name}"),
        };
        ai.send_update_to(client, LOGIN, &welcome)?;
        let stored = [
            FieldValue::new(&account::SetAccountName { name: name.clone() })?,
            FieldValue::new(&account::SetLogins { logins: 1 })?,
        ];
        let ctx = ai.db_create(DATABASE, account::ID, &stored)?;
        self.db_reads.insert(ctx, name.clone());
        self.note(format!(
            "ai: {name} logged in on channel {client}, avatar {}",
            avatar.0
        ));
        self.players.insert(client, Player { name, avatar });
        Ok(())
    }
}

/// How a client's session ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still playing.
    Playing,
    /// The session ended with this pipes reason.
    Ended(ClientDisconnect),
}

/// One game client.
pub struct GameClient {
    link: ClientLink,
    events: PipesEvents,
    name: String,
    me: Option<DoId>,
    room_ready: bool,
    cheat_at: Option<f64>,
    next_walk: f64,
    next_chat: f64,
    /// Other avatars whose moves arrived, and how many.
    pub moves_seen: BTreeMap<DoId, u32>,
    /// Chat lines heard: (avatar, text).
    pub heard: Vec<(u32, String)>,
    /// What happened, one line each (also printed).
    pub log: Vec<String>,
    /// How the session ended.
    pub outcome: Outcome,
}

impl GameClient {
    /// Connects to the client agent and says hello; `cheat_at` (seconds) sends a
    /// forbidden field then.
    pub fn connect(ca: SocketAddr, name: &str, cheat_at: Option<f64>) -> io::Result<GameClient> {
        let config = ClientConfig::new(&SCHEMA, VERSION);
        let mut client = AstronClient::new(&SCHEMA, config, Time::ZERO).map_err(bad_data)?;
        client.add_uberdog(LOGIN, chat::ID).map_err(bad_data)?;
        Ok(GameClient {
            link: ClientLink::connect(ca, client, READ_TIMEOUT)
                .map_err(|e| explain_refused(e, "client agent", ca))?,
            events: PipesEvents::new(),
            name: name.into(),
            me: None,
            room_ready: false,
            cheat_at,
            next_walk: 0.0,
            next_chat: 1.0,
            moves_seen: BTreeMap::new(),
            heard: Vec::new(),
            log: Vec::new(),
            outcome: Outcome::Playing,
        })
    }

    fn note(&mut self, line: String) {
        println!("{line}");
        self.log.push(line);
    }

    /// One frame at `t` seconds since start; `false` once the session is over.
    pub fn step(&mut self, t: f64) -> io::Result<bool> {
        if self.outcome != Outcome::Playing {
            return Ok(false);
        }
        let pumped = self.link.pump(Time::from_secs_f64(t));
        // Bounded by what the pump received.
        while let Some(event) = self.events.next(&mut self.link.client) {
            self.handle(t, event).map_err(bad_data)?;
        }
        if let Err(e) = pumped {
            if self.outcome == Outcome::Playing {
                self.note(format!("client {}: connection lost: {e}", self.name));
                self.outcome = Outcome::Ended(ClientDisconnect::TransportLost);
            }
            return Ok(false);
        }
        if self.outcome != Outcome::Playing {
            return Ok(false);
        }
        self.play(t).map_err(bad_data)?;
        Ok(true)
    }

    fn play(&mut self, t: f64) -> Result<(), AstronError> {
        let now = Time::from_secs_f64(t);
        let Some(me) = self.me else { return Ok(()) };
        if t >= self.next_walk {
            self.next_walk = t + 0.1;
            let phase = t + self.name.len() as f64;
            let pos = avatar::SetPos {
                x: (3.0 * phase.cos() * 100.0).round() / 100.0,
                y: (3.0 * phase.sin() * 100.0).round() / 100.0,
                z: 0.0,
            };
            self.link.client.send_update(now, me, &pos)?;
        }
        if self.room_ready && t >= self.next_chat {
            self.next_chat = t + 1.0;
            let line = chat::Say {
                text: format!("{} at {t:.0} s", self.name),
            };
            self.link.client.send_update(now, ROOM, &line)?;
        }
        if self.cheat_at.is_some_and(|c| t >= c) {
            self.cheat_at = None;
            self.note(format!(
                "client {}: sending setSecret (forbidden)",
                self.name
            ));
            self.link
                .client
                .send_update(now, me, &player::SetSecret { secret: 1 })?;
        }
        Ok(())
    }

    fn handle(&mut self, t: f64, event: ClientEvent) -> Result<(), AstronError> {
        let now = Time::from_secs_f64(t);
        match &event {
            ClientEvent::Connected { .. } => {
                let login = chat::Say {
                    text: format!("login {}", self.name),
                };
                self.link.client.send_update(now, LOGIN, &login)?;
            }
            ClientEvent::ObjectGenerated {
                object,
                class,
                owned,
            } => {
                if *owned && *class == player::ID {
                    self.me = Some(*object);
                    self.note(format!("client {}: my avatar is {}", self.name, object.0));
                } else if *object == ROOM {
                    self.room_ready = true;
                } else if *class == player::ID {
                    let name = self
                        .link
                        .client
                        .object(*object)
                        .and_then(|o| o.get::<avatar::SetName>())
                        .and_then(Result::ok)
                        .map_or_else(String::new, |n| n.name);
                    self.note(format!(
                        "client {}: sees avatar {} ({name})",
                        self.name, object.0
                    ));
                }
            }
            ClientEvent::InterestComplete(_) => {
                self.note(format!("client {}: zone loaded", self.name));
                let hello = chat::Say {
                    text: format!("hello from {}", self.name),
                };
                self.link.client.send_update(now, ROOM, &hello)?;
            }
            ClientEvent::StateChanged { object, fields, .. }
                if Some(*object) != self.me && fields.contains(&avatar::SetPos::NUMBER) =>
            {
                *self.moves_seen.entry(*object).or_default() += 1;
            }
            ClientEvent::Message { object, .. } => {
                if let Some(Ok(said)) = event.decode::<chat::Said>() {
                    if *object == LOGIN {
                        self.note(format!("client {}: server says {:?}", self.name, said.text));
                        self.link.client.add_interest(now, ZONE)?;
                    } else {
                        self.note(format!(
                            "client {}: avatar {} said {:?}",
                            self.name, said.sender, said.text
                        ));
                        self.heard.push((said.sender, said.text));
                    }
                }
            }
            ClientEvent::ObjectDeleted { object } => {
                self.note(format!("client {}: object {} left", self.name, object.0));
            }
            ClientEvent::Disconnected(why) => {
                self.note(format!("client {}: disconnected: {why:?}", self.name));
                self.outcome = Outcome::Ended(why.clone());
            }
            _ => {}
        }
        Ok(())
    }

    /// Closes the session politely.
    pub fn leave(&mut self, t: f64) -> io::Result<()> {
        if self.outcome == Outcome::Playing {
            self.link
                .client
                .disconnect(Time::from_secs_f64(t))
                .map_err(bad_data)?;
            // The disconnect is queued; one last pump sends it (the agent then closes).
            let _ = self.link.pump(Time::from_secs_f64(t));
            self.outcome = Outcome::Ended(ClientDisconnect::Left);
        }
        Ok(())
    }
}

/// What a whole run produced.
pub struct Summary {
    /// The AI.
    pub ai: GameAi,
    /// The clients, in the order given.
    pub clients: Vec<GameClient>,
}

/// Runs the AI and clients (name, cheat time) round-robin on one thread for `seconds`;
/// clients still playing at the end leave politely.
pub fn run_all(
    md: SocketAddr,
    ca: SocketAddr,
    players: &[(&str, Option<f64>)],
    seconds: f64,
) -> io::Result<Summary> {
    let mut ai = GameAi::connect(md)?;
    // Let the world exist before anyone logs in.
    for _ in 0..20 {
        ai.step()?;
    }
    let mut clients = players
        .iter()
        .map(|(name, cheat)| GameClient::connect(ca, name, *cheat))
        .collect::<io::Result<Vec<_>>>()?;
    let start = std::time::Instant::now();
    // Bounded by the clock.
    while start.elapsed().as_secs_f64() < seconds {
        let t = start.elapsed().as_secs_f64();
        ai.step()?;
        for c in &mut clients {
            c.step(t)?;
        }
    }
    let t = start.elapsed().as_secs_f64();
    for c in &mut clients {
        c.leave(t)?;
    }
    for _ in 0..40 {
        ai.step()?;
    }
    Ok(Summary { ai, clients })
}
