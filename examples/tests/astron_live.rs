//! Checks `pipes_astron` against a real `astrond` (ignored by default: CI has none).
//!
//! Start Astron from the repository root with `astrond examples/astron/astrond.yml`,
//! then run `cargo test -p pipes-examples --test astron_live -- --ignored --nocapture`
//! (`PIPES_ASTRON_MD` / `PIPES_ASTRON_CA` override 127.0.0.1:7199 / 127.0.0.1:7198).
//! Every frame is printed in hex (`MD->AI`, `CA->C1`, ...): that is where the byte
//! captures pinned in `runtime/src/astron/tests/captures.rs` come from.
//!
//! Each run uses fresh doIds (from the clock) so runs against one astrond do not clash.
//! The tests share the login UberDOG 4665, so each one holds [`one_at_a_time`]: run in
//! parallel, each AI would answer the other tests' logins.
//!
//! Building `astrond` (Debian/Ubuntu; about 10 minutes with `make -j2`): README, "Running
//! on Astron" (`apt-get install cmake g++ libboost-dev libyaml-cpp-dev libuv1-dev`).

use pipes::schema::FieldMessage as _;
use pipes::{DoId, Location, Time};
use pipes_astron::ai::{AiConfig, AiEvent, AstronAi, ClientState};
use pipes_astron::client::{AstronClient, ClientConfig, ClientEvent};
use pipes_astron::EjectCode;
use pipes_astron::FieldValue;
use pipes_examples::astron_schema::{
    astron_account as account, astron_player as player, distributed_avatar as avatar,
    distributed_chat as chat, SCHEMA,
};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const STATE_SERVER: u64 = 402_000;
const DATABASE: u64 = 4003;
const LOGIN: DoId = DoId(4665);

/// Serialises the tests: they share one cluster and its login UberDOG.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static CLUSTER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    CLUSTER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn addr(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Prints each length-prefixed frame of a byte chunk.
fn dump(tag: &str, bytes: &[u8]) {
    let mut rest = bytes;
    while let [lo, hi, tail @ ..] = rest {
        let n = usize::from(u16::from_le_bytes([*lo, *hi])).min(tail.len());
        println!("{tag} {}", hex(&tail[..n]));
        rest = &tail[n..];
    }
}

fn open(address: &str) -> TcpStream {
    let s = TcpStream::connect(address).expect("astrond is listening (see the module docs)");
    s.set_nodelay(true).expect("nodelay");
    s.set_read_timeout(Some(Duration::from_millis(20)))
        .expect("timeout");
    s
}

/// Reads what arrives within `wait`; `false` when the peer closed.
fn read_for(stream: &mut TcpStream, wait: Duration, mut on: impl FnMut(&[u8])) -> bool {
    let end = Instant::now() + wait;
    let mut buf = [0u8; 16 * 1024];
    while Instant::now() < end {
        match stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => on(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return false,
        }
    }
    true
}

struct Ai {
    ai: AstronAi,
    stream: TcpStream,
}

impl Ai {
    fn flush(&mut self) {
        let out = self.ai.take_output();
        dump("AI->MD", &out);
        self.stream.write_all(&out).expect("write to MD");
    }
    fn pump(&mut self, wait: Duration) -> Vec<AiEvent> {
        self.flush();
        let ai = &mut self.ai;
        read_for(&mut self.stream, wait, |b| {
            dump("MD->AI", b);
            ai.receive(b).expect("AI decodes what Astron sent");
        });
        std::iter::from_fn(|| self.ai.next_event()).collect()
    }
}

struct Cl {
    tag: &'static str,
    c: AstronClient,
    stream: TcpStream,
    closed: bool,
    /// The client's clock starts here (its `Time::ZERO`).
    born: Instant,
}

impl Cl {
    fn connect(tag: &'static str, ca: &str, hash: u32, version: &str) -> Cl {
        let mut config = ClientConfig::new(&SCHEMA, version);
        config.dc_hash = hash;
        let mut c = AstronClient::new(&SCHEMA, config, Time::ZERO).expect("hello");
        c.add_uberdog(LOGIN, chat::ID).expect("chat class");
        Cl {
            tag,
            c,
            stream: open(ca),
            closed: false,
            born: Instant::now(),
        }
    }
    fn flush(&mut self) {
        let out = self.c.take_output();
        dump(&format!("{}->CA", self.tag), &out);
        if self.stream.write_all(&out).is_err() {
            self.closed = true;
        }
    }
    /// The client's time now.
    fn now(&self) -> Time {
        Time::ZERO + self.born.elapsed()
    }
    fn pump(&mut self, wait: Duration) -> Vec<ClientEvent> {
        // Heartbeats on the client's own clock (Astron ejects after 10 s without);
        // only while the session is open, as `pipes_astron::tcp::ClientLink` does
        // (`poll` refuses before HELLO_RESP and after an eject).
        if !self.closed && self.c.is_open() {
            self.c.poll(self.now()).expect("heartbeat encodes");
        }
        self.flush();
        let (c, tag) = (&mut self.c, self.tag);
        let open = read_for(&mut self.stream, wait, |b| {
            dump(&format!("CA->{tag}"), b);
            c.receive(b).expect("client decodes what Astron sent");
        });
        self.closed |= !open;
        let ev: Vec<_> = std::iter::from_fn(|| self.c.next_event()).collect();
        println!("{} events: {ev:?}", self.tag);
        ev
    }
}

fn wait() -> Duration {
    Duration::from_millis(300)
}

#[test]
#[ignore = "needs a running astrond (examples/astron/astrond.yml)"]
fn hello_is_checked_by_version_then_hash() {
    let _cluster = one_at_a_time();
    let ca = addr("PIPES_ASTRON_CA", "127.0.0.1:7198");
    let mut bad_version = Cl::connect("V", &ca, SCHEMA.hash, "not-the-version");
    let ev = bad_version.pump(wait());
    assert!(
        matches!(
            ev.as_slice(),
            [ClientEvent::Ejected {
                code: EjectCode::BadVersion,
                ..
            }]
        ),
        "{ev:?}"
    );
    let mut bad_hash = Cl::connect("H", &ca, SCHEMA.hash ^ 1, "pipes-example-1");
    let ev = bad_hash.pump(wait());
    let [ClientEvent::Ejected { code, reason }] = ev.as_slice() else {
        panic!("{ev:?}")
    };
    assert_eq!(*code, EjectCode::BadDcHash);
    assert!(
        reason.contains(&format!("{:#x}", SCHEMA.hash)),
        "Astron's own hash is {reason}"
    );
    let mut good = Cl::connect("G", &ca, SCHEMA.hash, "pipes-example-1");
    assert_eq!(good.pump(wait()), vec![ClientEvent::Connected]);
    good.c.poll(Time::from_secs_f64(60.0)).expect("heartbeat");
    assert!(
        good.pump(wait()).is_empty(),
        "a heartbeat is accepted silently"
    );
    assert!(!good.closed);
}

#[allow(clippy::too_many_lines)]
#[test]
#[ignore = "needs a running astrond (examples/astron/astrond.yml)"]
fn a_full_session_against_astron() {
    let _cluster = one_at_a_time();
    let md = addr("PIPES_ASTRON_MD", "127.0.0.1:7199");
    let ca = addr("PIPES_ASTRON_CA", "127.0.0.1:7198");
    let base = 200_000
        + (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            % 10_000) as u32
            * 10;
    let root = DoId(base);
    let av1 = DoId(base + 1);
    let av2 = DoId(base + 2);
    let zone5 = Location {
        parent: root,
        zone: 5,
    };
    let zone6 = Location {
        parent: root,
        zone: 6,
    };
    let ai_channel = 5000 + u64::from(base);

    // ---- AI: subscribe, create the root and take it over, create two players.
    let config = AiConfig {
        channel: ai_channel,
        state_server: STATE_SERVER,
        name: "pipes-live".into(),
    };
    let mut ai = Ai {
        ai: AstronAi::new(&SCHEMA, config).expect("ai"),
        stream: open(&md),
    };
    ai.ai.subscribe(u64::from(LOGIN.0)).expect("login channel");
    ai.ai
        .create_object(
            root,
            Location {
                parent: DoId(0),
                zone: 0,
            },
            chat::ID,
            &[],
            &[],
        )
        .expect("root");
    ai.ai.set_ai(root, ai_channel).expect("set ai");
    let ev = ai.pump(wait());
    println!("AI events: {ev:?}");
    assert!(
        ev.iter()
            .any(|e| matches!(e, AiEvent::Entered(o) if o.do_id == root)),
        "ENTER_AI for the root: {ev:?}"
    );

    let name = |n: &str| FieldValue::new(&avatar::SetName { name: n.into() }).expect("name");
    let pos = FieldValue::new(&avatar::SetPos {
        x: 1.0,
        y: 2.0,
        z: 0.5,
    })
    .expect("pos");
    let score = FieldValue::new(&player::SetScore { score: 7 }).expect("score");
    let mood = FieldValue::new(&player::SetMood {
        mood: "calm".into(),
    })
    .expect("mood");
    ai.ai
        .create_object(
            av1,
            zone5,
            player::ID,
            &[name("Alice"), pos.clone()],
            &[score, mood],
        )
        .expect("create with other");
    ai.ai
        .create_object(av2, zone5, player::ID, &[name("Bob")], &[])
        .expect("create");
    let ev = ai.pump(wait());
    println!("AI events: {ev:?}");
    let entered: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            AiEvent::Entered(o) => Some(o),
            _ => None,
        })
        .collect();
    assert_eq!(
        entered.len(),
        2,
        "children inherit the AI of their parent: {ev:?}"
    );
    let alice = entered
        .iter()
        .find(|o| o.do_id == av1)
        .expect("alice entered");
    assert_eq!(
        alice.other.as_ref().map(Vec::len),
        Some(2),
        "2053 with OTHER"
    );

    // ---- Client 1: hello, login through the anonymous UberDOG.
    let mut c1 = Cl::connect("C1", &ca, SCHEMA.hash, "pipes-example-1");
    assert_eq!(c1.pump(wait()), vec![ClientEvent::Connected]);
    c1.c.send_update(
        Time::ZERO,
        LOGIN,
        &chat::Say {
            text: "login alice".into(),
        },
    )
    .expect("say");
    c1.pump(wait());
    let ev = ai.pump(wait());
    println!("AI events: {ev:?}");
    let Some(AiEvent::Updated {
        sender: client1,
        field,
        do_id,
    }) = ev.iter().find(|e| matches!(e, AiEvent::Updated { .. }))
    else {
        panic!("login reached the AI: {ev:?}")
    };
    assert_eq!(*do_id, LOGIN);
    assert_eq!(
        field.decode::<chat::Say>().expect("say").text,
        "login alice"
    );
    let client1 = *client1;
    ai.ai
        .client_set_state(client1, ClientState::Established)
        .expect("state");
    ai.ai
        .send_update_to(
            client1,
            LOGIN,
            &chat::Said {
                sender: 0,
                text: "welcome".into(),
            },
        )
        .expect("private");
    ai.ai.set_owner(av1, client1).expect("owner");
    ai.pump(wait());
    let ev = c1.pump(wait());
    assert!(
        ev.iter()
            .any(|e| matches!(e, ClientEvent::Updated { do_id, .. } if *do_id == LOGIN)),
        "private reply via the client channel: {ev:?}"
    );
    assert!(
        ev.iter()
            .any(|e| matches!(e, ClientEvent::Entered { do_id, owner: true, .. } if *do_id == av1)),
        "owner view: {ev:?}"
    );
    let view = c1.c.object(av1).expect("owner view kept");
    assert_eq!(
        view.get::<player::SetMood>().map(|m| m.map(|m| m.mood)),
        Some(Ok("calm".into()))
    );

    // ---- Interest open: both players enter, then completion.
    let h = c1.c.add_interest(Time::ZERO, zone5).expect("interest");
    let ev = c1.pump(wait());
    let done = ev
        .iter()
        .position(|e| *e == ClientEvent::InterestDone { handle: h })
        .expect("interest completes");
    let bob_entered = ev
        .iter()
        .position(
            |e| matches!(e, ClientEvent::Entered { do_id, owner: false, .. } if *do_id == av2),
        )
        .expect("bob enters");
    assert!(bob_entered < done, "entries come before completion");
    let bob = c1.c.object(av2).expect("bob");
    assert_eq!(
        bob.get::<avatar::SetName>().map(|n| n.map(|n| n.name)),
        Some(Ok("Bob".into()))
    );
    assert!(c1
        .c
        .object(av1)
        .expect("alice")
        .get::<player::SetScore>()
        .is_some());

    // ---- Client 2 logs in too and watches zone 5 and 6.
    let mut c2 = Cl::connect("C2", &ca, SCHEMA.hash, "pipes-example-1");
    c2.pump(wait());
    c2.c.send_update(
        Time::ZERO,
        LOGIN,
        &chat::Say {
            text: "login bob".into(),
        },
    )
    .expect("say");
    c2.pump(wait());
    let ev = ai.pump(wait());
    let Some(AiEvent::Updated {
        sender: client2, ..
    }) = ev.iter().find(|e| matches!(e, AiEvent::Updated { .. }))
    else {
        panic!("second login: {ev:?}")
    };
    let client2 = *client2;
    ai.ai
        .client_set_state(client2, ClientState::Established)
        .expect("state");
    ai.ai.set_owner(av2, client2).expect("owner");
    ai.pump(wait());
    c2.pump(wait());
    c2.c.add_interest_zones(Time::ZERO, root, &[5, 6])
        .expect("multi");
    let ev = c2.pump(wait());
    assert!(
        ev.iter()
            .any(|e| matches!(e, ClientEvent::InterestDone { .. })),
        "{ev:?}"
    );
    let alice2 = c2.c.object(av1).expect("alice seen by c2");
    assert!(
        alice2.get::<player::SetMood>().is_none(),
        "ownrecv field hidden from others"
    );

    // ---- Field updates both ways.
    let walk = avatar::SetPos {
        x: 3.0,
        y: -1.5,
        z: 0.0,
    };
    c1.c.send_update(Time::ZERO, av1, &walk)
        .expect("ownsend on own avatar");
    c1.pump(wait());
    let ev = c2.pump(wait());
    assert!(
        ev.iter().any(|e| matches!(e, ClientEvent::Updated { do_id, field } if *do_id == av1 && field.number == avatar::SetPos::NUMBER)),
        "broadcast reached c2: {ev:?}"
    );
    assert_eq!(
        c2.c.object(av1).and_then(|o| o.get::<avatar::SetPos>()),
        Some(Ok(walk))
    );
    ai.ai
        .send_update(av1, &player::SetScore { score: 99 })
        .expect("score");
    ai.ai
        .send_update(
            av1,
            &player::SetMood {
                mood: "happy".into(),
            },
        )
        .expect("mood");
    ai.pump(wait());
    let ev1 = c1.pump(wait());
    let ev2 = c2.pump(wait());
    assert!(ev1.iter().any(|e| matches!(e, ClientEvent::Updated { field, .. } if field.number == player::SetMood::NUMBER)), "ownrecv to owner: {ev1:?}");
    assert!(!ev2.iter().any(|e| matches!(e, ClientEvent::Updated { field, .. } if field.number == player::SetMood::NUMBER)), "not to others: {ev2:?}");
    assert!(ev2.iter().any(|e| matches!(e, ClientEvent::Updated { field, .. } if field.number == player::SetScore::NUMBER)), "broadcast: {ev2:?}");

    // ---- AI reads: one field and everything.
    let ctx = ai.ai.get_field(av1, player::SetScore::NUMBER).expect("get");
    let ctx_all = ai.ai.get_all(av1).expect("get all");
    let ev = ai.pump(wait());
    println!("AI events: {ev:?}");
    assert!(ev.iter().any(|e| matches!(e, AiEvent::Field { context, value: Some(v) } if *context == ctx && v.decode::<player::SetScore>().map(|s| s.score) == Ok(99))), "{ev:?}");
    assert!(ev.iter().any(|e| matches!(e, AiEvent::Object { context, entry } if *context == ctx_all && entry.do_id == av1)), "{ev:?}");

    // ---- Location change: c1 only sees zone 5, c2 sees 5 and 6.
    ai.ai.set_location(av2, zone6).expect("move");
    let ev = ai.pump(wait());
    println!("AI events: {ev:?}");
    assert!(
        ev.iter().any(
            |e| matches!(e, AiEvent::Moved { do_id, new, .. } if *do_id == av2 && *new == zone6)
        ),
        "{ev:?}"
    );
    let ev1 = c1.pump(wait());
    let ev2 = c2.pump(wait());
    assert!(
        ev1.contains(&ClientEvent::Left { do_id: av2 }),
        "left c1's view: {ev1:?}"
    );
    assert!(ev2.iter().any(|e| matches!(e, ClientEvent::Moved { do_id, location } if *do_id == av2 && *location == zone6)), "moved for c2: {ev2:?}");

    // ---- Interest close: objects leave, completion follows.
    c1.c.remove_interest(Time::ZERO, h).expect("remove");
    let ev = c1.pump(wait());
    assert!(
        ev.contains(&ClientEvent::InterestDone { handle: h }),
        "{ev:?}"
    );

    // ---- Database: create, read, write, read.
    let acct = FieldValue::new(&account::SetAccountName {
        name: "alice".into(),
    })
    .expect("acct");
    let logins = FieldValue::new(&account::SetLogins { logins: 1 }).expect("logins");
    let ctx = ai
        .ai
        .db_create(DATABASE, account::ID, &[acct, logins])
        .expect("db create");
    let ev = ai.pump(wait());
    println!("AI events: {ev:?}");
    let Some(AiEvent::DbCreated {
        do_id: Some(stored),
        ..
    }) = ev
        .iter()
        .find(|e| matches!(e, AiEvent::DbCreated { context, .. } if *context == ctx))
    else {
        panic!("db create answered: {ev:?}")
    };
    let stored = *stored;
    let two = FieldValue::new(&account::SetLogins { logins: 2 }).expect("logins");
    ai.ai
        .db_set_fields(DATABASE, stored, &[two])
        .expect("db set");
    let ctx = ai.ai.db_get_all(DATABASE, stored).expect("db get");
    let ctx_one = ai
        .ai
        .db_get_field(DATABASE, stored, account::SetLogins::NUMBER)
        .expect("get field");
    let ev = ai.pump(wait());
    println!("AI events: {ev:?}");
    let Some(AiEvent::DbObject {
        object: Some((class, values)),
        ..
    }) = ev
        .iter()
        .find(|e| matches!(e, AiEvent::DbObject { context, .. } if *context == ctx))
    else {
        panic!("db get answered: {ev:?}")
    };
    assert_eq!(*class, account::ID);
    assert!(
        values
            .iter()
            .any(|v| v.decode::<account::SetLogins>().map(|l| l.logins) == Ok(2)),
        "{values:?}"
    );
    assert!(ev.iter().any(|e| matches!(e, AiEvent::Field { context, value: Some(v) } if *context == ctx_one && v.decode::<account::SetLogins>().map(|l| l.logins) == Ok(2))), "{ev:?}");

    // ---- Past Astron's 10 s heartbeat timeout (issue 16): c1 walks its avatar and
    // both chat for 12 s; their heartbeats go on their own clock, so neither is ejected.
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(12) {
        n += 1;
        let step = avatar::SetPos {
            x: f64::from(n % 10),
            y: 2.0,
            z: 0.5,
        };
        c1.c.send_update(c1.now(), av1, &step).expect("walk");
        for c in [&mut c1, &mut c2] {
            let say = chat::Say {
                text: format!("{} line {n}", c.tag),
            };
            c.c.send_update(c.now(), LOGIN, &say).expect("chat");
            let ev = c.pump(Duration::from_millis(50));
            assert!(
                !ev.iter().any(|e| matches!(e, ClientEvent::Ejected { .. })) && !c.closed,
                "{} ejected after {:.1} s: {ev:?}",
                c.tag,
                start.elapsed().as_secs_f64()
            );
        }
        ai.pump(Duration::from_millis(5));
    }

    // ---- A forbidden field: setSecret is neither clsend nor ownsend → eject 118.
    c1.c.send_update(Time::ZERO, av1, &player::SetSecret { secret: 1 })
        .expect("the client does not police itself");
    let ev = c1.pump(wait());
    let ejected = ev.iter().find_map(|e| match e {
        ClientEvent::Ejected { code, reason } => Some((*code, reason.clone())),
        _ => None,
    });
    let (code, reason) = ejected.expect("ejected");
    assert_eq!(code, EjectCode::ForbiddenField);
    assert!(reason.contains("setSecret"), "{reason}");
    c1.pump(wait());
    assert!(c1.closed, "the agent closes the connection after the eject");

    // ---- Leaving: deleting an object makes it leave the remaining client's view.
    ai.ai.delete_object(av1).expect("delete");
    ai.pump(wait());
    let ev2 = c2.pump(wait());
    assert!(ev2.contains(&ClientEvent::Left { do_id: av1 }), "{ev2:?}");
    ai.ai.delete_object(av2).expect("delete");
    ai.ai.delete_object(root).expect("delete");
    ai.pump(wait());
}

/// Issue 16: the example game against a real `astrond` for 15 s, longer than its 10 s
/// heartbeat timeout; bob cheats at 13 s. Alice must leave politely and bob be ejected
/// for the cheat (118), not for a missing heartbeat (345) before it.
#[test]
#[ignore = "needs a running astrond (examples/astron/astrond.yml)"]
fn the_example_game_outlives_the_heartbeat_timeout() {
    let _cluster = one_at_a_time();
    use pipes::client::ClientDisconnect;
    use pipes::protocol::EjectReason;
    use pipes_examples::astron_world::{run_all, Outcome};
    let resolve = |var: &str, default: &str| {
        addr(var, default)
            .parse::<std::net::SocketAddr>()
            .expect("an ip:port address")
    };
    let md = resolve("PIPES_ASTRON_MD", "127.0.0.1:7199");
    let ca = resolve("PIPES_ASTRON_CA", "127.0.0.1:7198");
    let summary = run_all(md, ca, &[("alice", None), ("bob", Some(13.0))], 15.0).expect("runs");
    let [alice, bob] = summary.clients.as_slice() else {
        panic!("two clients")
    };
    assert_eq!(alice.outcome, Outcome::Ended(ClientDisconnect::Left));
    let Outcome::Ended(ClientDisconnect::Ejected { reason, detail }) = &bob.outcome else {
        panic!("bob: {:?}", bob.outcome)
    };
    assert_eq!(*reason, EjectReason::NotSendable, "{detail}");
}
