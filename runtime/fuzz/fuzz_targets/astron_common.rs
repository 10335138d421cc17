//! Shared set-up of the Astron targets: the fake cluster with an AI that created
//! avatars, and a client session driven to a chosen state through real traffic.

#![allow(dead_code)]

use pipes::astron::ai::{AiConfig, AiEvent, AstronAi, ClientState};
use pipes::astron::client::{AstronClient, ClientConfig};
use pipes::astron::fake::{FakeCluster, FakeConfig};
use pipes::astron::FieldValue;
use pipes::testing::{self, Say, SetName, SetPos, SCHEMA};
use pipes::{DoId, Location, Time};

/// The state server's channel.
pub const SS: u64 = 402_000;
/// The AI's channel.
pub const AI: u64 = 5000;
/// The anonymous login UberDOG (a `DistributedChat`).
pub const LOGIN: DoId = DoId(4665);
/// The avatars the AI creates in [`ZONE`] (the first is given to the client).
pub const AVATARS: [DoId; 2] = [DoId(10_001), DoId(10_002)];
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
}

/// A connected AI that manages the two avatars (no client yet).
pub fn ai_world() -> (FakeCluster, AstronAi) {
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
    settle_ai(&mut fake, &mut ai);
    (fake, ai)
}

fn settle_ai(fake: &mut FakeCluster, ai: &mut AstronAi) {
    for _ in 0..16 {
        let out = ai.take_output();
        fake.recv_ai(&out).expect("the AI sends valid messages");
        let back = fake.take_ai_output();
        if out.is_empty() && back.is_empty() {
            return;
        }
        ai.receive(&back).expect("the fake sends valid messages");
    }
}

impl World {
    /// Moves bytes between the three until nothing is in flight (bounded).
    pub fn settle(&mut self) {
        for _ in 0..16 {
            let out = self.ai.take_output();
            let mut moved = !out.is_empty();
            self.fake.recv_ai(&out).expect("the AI sends valid messages");
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
            if !moved {
                return;
            }
        }
    }

    /// A world whose client reached `stage` through real traffic.
    pub fn at(stage: Stage) -> World {
        let (mut fake, ai) = ai_world();
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
            w.ai
                .client_set_state(client, ClientState::Established)
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
