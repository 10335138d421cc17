//! Shared set-up of the Astron targets: the fake cluster with an AI that created
//! avatars, and a client session driven to a chosen state through real traffic.

#![allow(dead_code)]

use pipes::testing::{self, Say, SetName, SetPos, SCHEMA};
use pipes::{DoId, Location, Time};
use pipes_astron::ai::{AiConfig, AiEvent, AstronAi, ClientState};
use pipes_astron::client::{AstronClient, ClientConfig};
use pipes_astron::fake::{FakeCluster, FakeConfig};
use pipes_astron::FieldValue;
use std::sync::OnceLock;

/// The state server's channel.
pub const SS: u64 = 402_000;
/// The AI's channel.
pub const AI: u64 = 5000;
/// The anonymous login UberDOG (a `DistributedChat`).
pub const LOGIN: DoId = DoId(4665);
/// The avatars the AI creates in [`ZONE`] (the first is given to the client).
pub const AVATARS: [DoId; 2] = [DoId(10_001), DoId(10_002)];

/// An object id from one fuzz byte: mostly ids the session knows, sometimes any.
pub fn pick_do_id(b: u8) -> DoId {
    match b % 4 {
        0 => AVATARS[0],
        1 => AVATARS[1],
        2 => LOGIN,
        _ => DoId(u32::from(b)),
    }
}
/// Where the avatars are.
pub const ZONE: Location = Location {
    parent: DoId(10_000),
    zone: 5,
};

/// How far the client session got before the fuzzed bytes arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Hello sent, no answer yet.
    Hello,
    /// Hello accepted, logged in.
    Open,
    /// An interest request sent, its entries not delivered.
    InterestPending,
    /// Interest done: both avatars visible, the first also as an owner view.
    Objects,
}

impl Stage {
    /// A stage from a fuzz byte.
    pub fn from_byte(b: u8) -> Stage {
        match b % 4 {
            0 => Stage::Hello,
            1 => Stage::Open,
            2 => Stage::InterestPending,
            _ => Stage::Objects,
        }
    }
}

/// The fake cluster, an AI and one client.
pub struct World {
    pub fake: FakeCluster,
    pub ai: AstronAi,
    pub client: AstronClient,
    pub client_index: usize,
    /// Every byte the client received from the fake, in order.
    pub client_received: Vec<u8>,
}

/// A connected AI that manages the two avatars (no client yet), and the bytes the
/// fake sent it.
pub fn ai_world() -> (FakeCluster, AstronAi, Vec<u8>) {
    let mut config = FakeConfig::new("v1");
    config.state_server = SS;
    config.uberdogs.push((LOGIN, testing::CHAT, true));
    let mut fake = FakeCluster::new(&SCHEMA, config);
    let mut ai = AstronAi::new(
        &SCHEMA,
        AiConfig {
            channel: AI,
            state_server: SS,
            name: "fuzz AI".into(),
        },
    )
    .expect("connect messages encode");
    ai.subscribe(LOGIN.0.into()).expect("encodes");
    for (i, &avatar) in AVATARS.iter().enumerate() {
        let values = [
            FieldValue::new(&SetName {
                name: format!("avatar {i}"),
            })
            .expect("packs"),
            FieldValue::new(&SetPos {
                x: 1.0,
                y: 2.0,
                z: 0.0,
            })
            .expect("packs"),
        ];
        ai.create_object(avatar, ZONE, testing::AVATAR, &values, &[])
            .expect("valid create");
        ai.set_ai(avatar, AI).expect("encodes");
    }
    let mut received = Vec::new();
    for _ in 0..16 {
        let out = ai.take_output();
        fake.recv_ai(&out).expect("the AI sends valid messages");
        let back = fake.take_ai_output();
        if out.is_empty() && back.is_empty() {
            break;
        }
        ai.receive(&back).expect("the fake sends valid messages");
        received.extend_from_slice(&back);
    }
    (fake, ai, received)
}

/// The AI of [`ai_world`], rebuilt cheaply: a new `AstronAi` fed the recorded bytes
/// (its state depends only on them; recorded once per process).
pub fn ai_with_objects() -> AstronAi {
    static RECEIVED: OnceLock<Vec<u8>> = OnceLock::new();
    let received = RECEIVED.get_or_init(|| ai_world().2);
    let mut ai = new_ai();
    ai.receive(received).expect("the recorded bytes are valid");
    while ai.next_event().is_some() {}
    let _ = ai.take_output();
    ai
}

/// A freshly connected AI (its connect messages taken).
pub fn new_ai() -> AstronAi {
    let mut ai = AstronAi::new(
        &SCHEMA,
        AiConfig {
            channel: AI,
            state_server: SS,
            name: "fuzz AI".into(),
        },
    )
    .expect("connect messages encode");
    let _ = ai.take_output();
    ai
}

impl World {
    /// Moves bytes between the three until nothing is in flight (bounded).
    pub fn settle(&mut self) {
        for _ in 0..16 {
            let out = self.ai.take_output();
            let mut moved = !out.is_empty();
            self.fake
                .recv_ai(&out)
                .expect("the AI sends valid messages");
            let back = self.fake.take_ai_output();
            moved |= !back.is_empty();
            self.ai
                .receive(&back)
                .expect("the fake sends valid messages");
            let out = self.client.take_output();
            moved |= !out.is_empty();
            self.fake.recv_client(self.client_index, &out);
            let back = self.fake.take_client_output(self.client_index);
            moved |= !back.is_empty();
            self.client
                .receive(&back)
                .expect("the fake sends valid messages");
            self.client_received.extend_from_slice(&back);
            if !moved {
                return;
            }
        }
    }

    /// A world whose client reached `stage` through real traffic.
    pub fn at(stage: Stage) -> World {
        let (mut fake, ai, _) = ai_world();
        let (client_index, _) = fake.accept();
        let mut client = AstronClient::new(&SCHEMA, ClientConfig::new(&SCHEMA, "v1"), Time::ZERO)
            .expect("hello encodes");
        client
            .add_uberdog(LOGIN, testing::CHAT)
            .expect("chat is a dclass");
        let mut w = World {
            fake,
            ai,
            client,
            client_index,
            client_received: Vec::new(),
        };
        if stage == Stage::Hello {
            return w;
        }
        w.settle();
        // Login through the anonymous UberDOG; the AI establishes the session and
        // hands over the first avatar.
        w.client
            .send_update(
                Time::ZERO,
                LOGIN,
                &Say {
                    text: "login".into(),
                },
            )
            .expect("open");
        w.settle();
        let sender = std::iter::from_fn(|| w.ai.next_event()).find_map(|e| match e {
            AiEvent::Updated { sender, .. } => Some(sender),
            _ => None,
        });
        if let Some(client) = sender {
            w.ai.client_set_state(client, ClientState::Established)
                .expect("encodes");
            w.ai.set_owner(AVATARS[0], client).expect("encodes");
        }
        w.settle();
        if stage == Stage::Open {
            return w;
        }
        w.client.add_interest(Time::ZERO, ZONE).expect("open");
        if stage == Stage::InterestPending {
            return w;
        }
        w.settle();
        w
    }
}

/// What the client received on the way to [`Stage::Objects`]: before and after
/// its interest request.
struct Transcript {
    before_interest: Vec<u8>,
    after_interest: Vec<u8>,
}

fn transcript() -> &'static Transcript {
    static T: OnceLock<Transcript> = OnceLock::new();
    T.get_or_init(|| {
        let open = World::at(Stage::Open).client_received;
        let all = World::at(Stage::Objects).client_received;
        assert!(
            all.starts_with(&open),
            "the session prefix is deterministic"
        );
        Transcript {
            after_interest: all[open.len()..].to_vec(),
            before_interest: open,
        }
    })
}

/// A client session at `stage`, rebuilt cheaply: a new `AstronClient` making the same
/// calls as [`World::at`] and fed the bytes the fake sent it there (recorded once per
/// process; the session's state depends only on its calls and those bytes).
pub fn client_at(stage: Stage) -> AstronClient {
    let t = transcript();
    let mut client = AstronClient::new(&SCHEMA, ClientConfig::new(&SCHEMA, "v1"), Time::ZERO)
        .expect("hello encodes");
    client
        .add_uberdog(LOGIN, testing::CHAT)
        .expect("chat is a dclass");
    if stage != Stage::Hello {
        client
            .receive(&t.before_interest)
            .expect("recorded bytes are valid");
        client
            .send_update(
                Time::ZERO,
                LOGIN,
                &Say {
                    text: "login".into(),
                },
            )
            .expect("open");
    }
    if matches!(stage, Stage::InterestPending | Stage::Objects) {
        client.add_interest(Time::ZERO, ZONE).expect("open");
    }
    if stage == Stage::Objects {
        client
            .receive(&t.after_interest)
            .expect("recorded bytes are valid");
        let owned = client
            .object(AVATARS[0])
            .is_some_and(|o| o.owner && o.visible);
        assert!(
            owned && client.objects().len() == 2,
            "replay reached the objects"
        );
    }
    while client.next_event().is_some() {}
    let _ = client.take_output();
    client
}

/// Splits fuzz input into messages: each is a `u16` little-endian length (capped
/// at 4096) then that many bytes (the rest when shorter). At most 64 messages.
pub fn messages(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let [lo, hi, rest @ ..] = data {
        if out.len() == 64 {
            break;
        }
        let n = usize::from(u16::from_le_bytes([*lo, *hi]) & 0x0fff).min(rest.len());
        out.push(&rest[..n]);
        data = &rest[n..];
    }
    out
}
