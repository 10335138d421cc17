//! Input commands, prediction with reconciliation, and lag compensation (issue 14),
//! over a SimNet link of 100 ms round trip ± 20 ms jitter and 5 % loss.

use super::util::secs;
use crate::client::{Client, IntoInterpolated, PredictConfig, Predictor};
use crate::config::Config;
use crate::ids::{ClientId, DoId, Location};
use crate::protocol::{ClientMessage, CommandBatch, EjectReason};
use crate::server::{DisconnectReason, HistoryConfig, Server, ServerEvent};
use crate::sim::{LinkConfig, SimNet};
use crate::time::Time;
use glam::DVec2;

/// The schema of these tests (`schemas/test/predict.dc`).
#[allow(missing_docs, unreachable_pub, clippy::all, dead_code)]
mod game {
    crate::dc_schema!(
        "../schemas/test/predict.dc",
        derive(Clone, Debug, PartialEq),
        field_enums
    );
}
use game::distributed_mover::{self as mover, Input, SetState, Wave};

impl IntoInterpolated<DVec2> for SetState {
    fn into_interpolated(self) -> DVec2 {
        DVec2::new(self.x, self.y)
    }
}

/// The step function shared by server and client: velocity in dm/s.
fn step(s: DVec2, c: &Input, dt: f64) -> DVec2 {
    s + DVec2::new(f64::from(c.vx), f64::from(c.vy)) * 0.1 * dt
}

/// A hit counts within this distance of where the shooter aimed (metres).
const HIT_RADIUS: f64 = 0.3;

/// The server's game: applies commands, judges shots with and without lag compensation.
#[derive(Default)]
struct World {
    applied: Vec<(DoId, u32)>,
    shots: u32,
    hits_lagcomp: u32,
    hits_live: u32,
    target: Option<DoId>,
}

impl World {
    fn apply(&mut self, server: &mut Server) {
        while let Some(cmd) = server.poll_command() {
            self.applied.push((cmd.object, cmd.seq));
            let Some(Ok(input)) = cmd.decode::<Input>() else {
                continue;
            };
            let Some(Ok(state)) = server.get::<SetState>(cmd.object) else {
                continue;
            };
            let next = step(
                state.into_interpolated(),
                &input,
                server.tick_rate().interval_secs(),
            );
            server
                .set(
                    cmd.object,
                    &SetState {
                        x: next.x,
                        y: next.y,
                    },
                )
                .expect("set");
            if input.fire == 1 {
                self.judge(server, &input, cmd.view_time);
            }
        }
    }

    fn judge(&mut self, server: &Server, input: &Input, view_time: u64) {
        let Some(target) = self.target else { return };
        let aim = DVec2::new(input.aim_x, input.aim_y);
        self.shots += 1;
        if let Some(p) = server.rewind::<SetState, DVec2>(target, view_time) {
            self.hits_lagcomp += u32::from(p.distance(aim) < HIT_RADIUS);
        }
        if let Some(Ok(live)) = server.get::<SetState>(target) {
            self.hits_live += u32::from(live.into_interpolated().distance(aim) < HIT_RADIUS);
        }
    }
}

/// Runs the simulation to `until`, the server's game applying commands after every
/// server update (as a game loop does: update, then commands, then the next update).
fn run(sim: &mut SimNet, world: &mut World, until: Time) {
    for _ in 0..1_000_000 {
        let more = sim.step(until);
        world.apply(&mut sim.server);
        if !more {
            return;
        }
    }
    panic!("simulation ran away");
}

fn link() -> LinkConfig {
    LinkConfig::new(50, 20, 0.05, 0.0)
}

/// A server with one connected client owning a mover in zone 1, watching zone 1.
fn setup(seed: u64, link: LinkConfig) -> (SimNet, World, DoId) {
    let mut server = Server::new(&game::SCHEMA, Config::default());
    server
        .record_history(SetState::NUMBER, HistoryConfig::default())
        .expect("history");
    let mut sim = SimNet::new(server, seed);
    sim.add_client(Client::new(&game::SCHEMA, Config::default()), link);
    let mut world = World::default();
    let t = sim.now() + secs(2.0);
    run(&mut sim, &mut world, t);
    let me = sim.clients[0].client.id().expect("connected");
    let avatar = generate(&mut sim, Some(me));
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(1)])
        .expect("interest");
    let t = sim.now() + secs(1.0);
    run(&mut sim, &mut world, t);
    assert!(sim.clients[0].client.object(avatar).is_some());
    (sim, world, avatar)
}

fn generate(sim: &mut SimNet, owner: Option<ClientId>) -> DoId {
    sim.server
        .generate(mover::ID, Location::zone(1), owner, &[])
        .expect("generate")
}

use crate::schema::FieldMessage;

/// The input of tick `k`: a wandering velocity.
fn input(k: u32) -> Input {
    let vx = ((k / 20) % 7) as i8 * 10 - 30;
    let vy = ((k / 33) % 5) as i8 * 10 - 20;
    Input {
        vx,
        vy,
        fire: 0,
        aim_x: 0.0,
        aim_y: 0.0,
    }
}

/// Plays `ticks` ticks of input with prediction; returns the predictor and the
/// largest frame-to-frame change of the visible state minus the motion of the
/// prediction itself (the visible correction per frame).
fn play(
    sim: &mut SimNet,
    world: &mut World,
    avatar: DoId,
    ticks: u32,
) -> (Predictor<DVec2, Input>, f64) {
    let dt = sim.server.tick_rate().interval_secs();
    let mut pred = Predictor::new(DVec2::ZERO, dt, step, PredictConfig::default());
    let mut prev: Option<(DVec2, DVec2)> = None;
    let mut worst: f64 = 0.0;
    for k in 0..ticks {
        let now = sim.now();
        let c = &mut sim.clients[0].client;
        if let Some(ack) = c.command_ack(avatar).cloned() {
            pred.reconcile::<SetState>(now, &ack);
        }
        let cmd = input(k);
        let seq = c.send_command_message(now, avatar, &cmd).expect("command");
        pred.apply(seq, cmd);
        let (shown, predicted) = (pred.visible(now), pred.predicted());
        if let Some((s0, p0)) = prev {
            worst = worst.max((shown - s0 - (predicted - p0)).length());
        }
        prev = Some((shown, predicted));
        let t = now + secs(dt);
        run(sim, world, t);
    }
    (pred, worst)
}

#[test]
fn commands_are_applied_once_in_order_and_loss_is_recovered() {
    let (mut sim, mut world, avatar) = setup(1401, link());
    let (_, _) = play(&mut sim, &mut world, avatar, 600);
    let t = sim.now() + secs(1.0);
    run(&mut sim, &mut world, t);
    let seqs: Vec<u32> = world.applied.iter().map(|a| a.1).collect();
    assert_eq!(
        seqs,
        (1..=600).collect::<Vec<u32>>(),
        "every command once, in order"
    );
    let me = sim.clients[0].client.id().expect("id");
    let stats = sim.server.client_info(me).expect("info").command_stats;
    assert_eq!(stats.applied, 600);
    assert_eq!(stats.dropped, 0, "{stats:?}");
    assert!(
        stats.recovered > 5,
        "5 % loss: repeats recovered some: {stats:?}"
    );
}

#[test]
fn prediction_equals_the_server_after_reconciliation_and_corrections_glide() {
    let (mut sim, mut world, avatar) = setup(1402, link());
    let (mut pred, worst) = play(&mut sim, &mut world, avatar, 600);
    // No more input: the last acknowledgement covers every command.
    let t = sim.now() + secs(1.0);
    run(&mut sim, &mut world, t);
    let ack = sim.clients[0]
        .client
        .command_ack(avatar)
        .cloned()
        .expect("ack");
    pred.reconcile::<SetState>(sim.now(), &ack);
    assert_eq!(ack.last, 600);
    assert_eq!(pred.unacknowledged(), 0);
    let server: DVec2 = sim
        .server
        .get::<SetState>(avatar)
        .expect("state")
        .expect("decodes")
        .into_interpolated();
    assert_eq!(
        pred.predicted(),
        server,
        "bit-identical: same steps from the same values"
    );
    assert_eq!(pred.stats().mispredictions, 0, "{:?}", pred.stats());
    assert!(worst <= PredictConfig::default().snap_distance, "{worst}");
}

#[test]
fn a_misprediction_is_corrected_smoothly_below_the_snap_distance() {
    let (mut sim, mut world, avatar) = setup(1403, LinkConfig::new(50, 0, 0.0, 0.0));
    let dt = sim.server.tick_rate().interval_secs();
    let mut pred = Predictor::new(DVec2::ZERO, dt, step, PredictConfig::default());
    // The server moves the avatar behind the client's back (a push of 0.5 m).
    let mut pushed = false;
    let mut jumps: Vec<f64> = Vec::new();
    let mut prev: Option<DVec2> = None;
    for k in 0..200 {
        let now = sim.now();
        if k == 60 && !pushed {
            let s = sim.server.get::<SetState>(avatar).unwrap().unwrap();
            sim.server
                .set(
                    avatar,
                    &SetState {
                        x: s.x + 0.5,
                        y: s.y,
                    },
                )
                .unwrap();
            pushed = true;
        }
        let c = &mut sim.clients[0].client;
        if let Some(ack) = c.command_ack(avatar).cloned() {
            pred.reconcile::<SetState>(now, &ack);
        }
        let cmd = Input {
            vx: 0,
            vy: 0,
            fire: 0,
            aim_x: 0.0,
            aim_y: 0.0,
        };
        let seq = c.send_command_message(now, avatar, &cmd).unwrap();
        pred.apply(seq, cmd);
        let shown = pred.visible(now);
        if let Some(p) = prev {
            jumps.push((shown - p).length());
        }
        prev = Some(shown);
        let t = now + secs(dt);
        run(&mut sim, &mut world, t);
    }
    let stats = pred.stats();
    assert_eq!(stats.mispredictions, 1, "{stats:?}");
    assert!((stats.max_correction - 0.5).abs() < 1e-9, "{stats:?}");
    let biggest = jumps.iter().copied().fold(0.0, f64::max);
    // 0.5 m blended over 0.1 s at 66 frames/s: about 0.5 / 6.6 per frame, never 0.5.
    assert!(biggest < 0.15, "largest visible step {biggest}");
    assert!((pred.visible(sim.now()).x - 0.5).abs() < 1e-9);
}

#[test]
fn lag_compensation_registers_exact_aim_shots() {
    let (mut sim, mut world, avatar) = setup(1404, link());
    let target = generate(&mut sim, None);
    world.target = Some(target);
    let c = &mut sim.clients[0].client;
    c.interpolate::<SetState, DVec2>().expect("bind");
    let dt = sim.server.tick_rate().interval_secs();
    for k in 0..1300u32 {
        // The server moves the target: 4 m/s along x, turning every 1.5 s.
        let t = sim.now().as_secs_f64();
        let x = 3.0 * (t * 1.3).sin();
        let y = 2.0 * (t * 0.7).cos();
        sim.server.set(target, &SetState { x, y }).unwrap();
        let now = sim.now();
        let c = &mut sim.clients[0].client;
        c.update_interpolation(now);
        let seen = c.interpolated_of::<SetState, DVec2>(target);
        let mut cmd = input(k);
        // Shoot every 10th tick, once the target has a second of history on screen.
        if let (Some(aim), true) = (seen, k >= 100 && k.is_multiple_of(10)) {
            cmd.fire = 1;
            cmd.aim_x = aim.x;
            cmd.aim_y = aim.y;
        }
        c.send_command_message(now, avatar, &cmd).unwrap();
        let t = now + secs(dt);
        run(&mut sim, &mut world, t);
    }
    let (shots, on, off) = (world.shots, world.hits_lagcomp, world.hits_live);
    assert!(shots >= 100, "{shots}");
    assert!(
        f64::from(on) >= 0.99 * f64::from(shots),
        "{on}/{shots} with lag compensation"
    );
    assert!(
        f64::from(off) <= 0.5 * f64::from(shots),
        "{off}/{shots} without"
    );
}

fn ejected_with(sim: &SimNet) -> Option<EjectReason> {
    sim.server_events.iter().find_map(|e| match e {
        ServerEvent::ClientDisconnected {
            reason: DisconnectReason::Ejected(r),
            ..
        } => Some(*r),
        _ => None,
    })
}

fn raw_commands(sim: &mut SimNet, object: DoId, field: u16, body: &[u8]) {
    let msg = ClientMessage::Commands(CommandBatch {
        object,
        field,
        newest: 1,
        count: 1,
        fresh: 1,
        body,
    });
    let (now, conn) = (sim.now(), sim.clients[0].connection);
    sim.server.handle_datagram(now, conn, &msg.to_bytes());
    sim.pump();
}

#[test]
fn commands_for_an_object_the_client_does_not_own_eject_it() {
    let (mut sim, _, _) = setup(1405, LinkConfig::perfect());
    let other = generate(&mut sim, None);
    sim.run_for(secs(0.5)).unwrap();
    let now = sim.now();
    let err = sim.clients[0]
        .client
        .send_command_message(now, other, &input(0));
    assert!(err.is_err(), "the client refuses locally: {err:?}");
    let body = input(0).to_bytes().unwrap();
    raw_commands(&mut sim, other, Input::NUMBER, &body);
    assert_eq!(ejected_with(&sim), Some(EjectReason::NotSendable));
}

#[test]
fn a_field_without_the_command_keyword_is_not_a_command() {
    let (mut sim, _, avatar) = setup(1406, LinkConfig::perfect());
    let body = Wave { n: 1 }.to_bytes().unwrap();
    raw_commands(&mut sim, avatar, Wave::NUMBER, &body);
    assert_eq!(ejected_with(&sim), Some(EjectReason::NotSendable));
}

#[test]
fn a_command_flood_is_dropped_and_counted_not_applied() {
    let (mut sim, mut world, avatar) = setup(1407, LinkConfig::perfect());
    let me = sim.clients[0].client.id().unwrap();
    // 1000 packets of fresh commands in one instant: over the command budget (one
    // second of burst) and far over what a stream may queue.
    let (now, conn) = (sim.now(), sim.clients[0].connection);
    let one = input(0).to_bytes().unwrap();
    for seq in 1..=1000u32 {
        let msg = ClientMessage::Commands(CommandBatch {
            object: avatar,
            field: Input::NUMBER,
            newest: seq,
            count: 1,
            fresh: 1,
            body: &one,
        });
        sim.server.handle_datagram(now, conn, &msg.to_bytes());
    }
    let t = sim.now() + secs(1.0);
    run(&mut sim, &mut world, t);
    let info = sim.server.client_info(me).expect("still connected");
    let s = info.command_stats;
    assert!(s.applied <= 64, "{s:?}");
    assert!(s.dropped >= 900, "{s:?}");
    assert!(info.commands_dropped > 0, "over the rate: {info:?}");
    let seqs: Vec<u32> = world.applied.iter().map(|a| a.1).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}

#[test]
fn command_messages_decode_or_fail_cleanly_when_cut_or_mutated() {
    use crate::protocol::{CommandAckMsg, ServerMessage};
    use crate::sim::Rng;
    let body = [1u8, 2, 3, 4, 5, 6];
    let up = ClientMessage::Commands(CommandBatch {
        object: DoId(9),
        field: Input::NUMBER,
        newest: 7,
        count: 2,
        fresh: 1,
        body: &body,
    })
    .to_bytes();
    let down = ServerMessage::CommandAck(CommandAckMsg {
        tick: crate::time::Tick(5),
        object: DoId(9),
        last: 7,
        state: vec![(SetState::NUMBER, &body[..])],
    })
    .to_bytes();
    assert!(matches!(ClientMessage::decode(&up), Ok(ClientMessage::Commands(b)) if b.first() == 6));
    assert!(
        matches!(ServerMessage::decode(&down), Ok(ServerMessage::CommandAck(a)) if a.last == 7)
    );
    let mut rng = Rng::new(1408);
    // A cut in the header is an error; a cut body decodes (the server splits it with
    // the field's schema and ejects a partial command).
    for cut in 0..13 {
        assert!(ClientMessage::decode(&up[..cut]).is_err(), "{cut}");
    }
    for cut in 0..down.len() {
        assert!(ServerMessage::decode(&down[..cut]).is_err(), "{cut}");
    }
    for m in [&up, &down] {
        for _ in 0..200 {
            let mut x = m.clone();
            let i = rng.below(x.len() as u64) as usize;
            x[i] ^= 1 << rng.below(8);
            let _ = (ClientMessage::decode(&x), ServerMessage::decode(&x));
        }
    }
    // Counts the protocol refuses: none, more than 32, more fresh than sent, and
    // numbers that would start before 1.
    for (newest, count, fresh) in [(5, 0, 0), (50, 33, 1), (5, 2, 3), (1, 2, 1)] {
        let mut m = up.clone();
        m[7..11].copy_from_slice(&u32::to_le_bytes(newest));
        m[11] = count;
        m[12] = fresh;
        assert!(
            ClientMessage::decode(&m).is_err(),
            "{newest} {count} {fresh}"
        );
    }
}

#[test]
fn a_cut_command_ejects_with_bad_arguments() {
    let (mut sim, _, avatar) = setup(1409, LinkConfig::perfect());
    let body = input(0).to_bytes().unwrap();
    raw_commands(&mut sim, avatar, Input::NUMBER, &body[..body.len() - 1]);
    assert_eq!(ejected_with(&sim), Some(EjectReason::BadArguments));
}

#[test]
fn rewind_interpolates_between_ticks_and_keeps_about_one_second() {
    let mut server = Server::new(&game::SCHEMA, Config::default());
    assert_eq!(
        server.record_history(Wave::NUMBER, HistoryConfig::default()),
        Err(crate::server::ServerError::NotStateField("wave"))
    );
    server
        .record_history(SetState::NUMBER, HistoryConfig::default())
        .unwrap();
    let mut now = Time::from_secs_f64(1.0);
    server.update(now);
    let id = server
        .generate(mover::ID, Location::zone(1), None, &[])
        .unwrap();
    let mut x_at = Vec::new();
    for k in 0..200u32 {
        let x = f64::from(k) * 0.5;
        server.set(id, &SetState { x, y: 1.0 }).unwrap();
        x_at.push((server.current_tick(), x));
        now = now + server.tick_rate().interval();
        server.update(now);
    }
    let micros = |t: f64| (t * 1e6 / 66.0).round() as u64;
    let x = |at: u64| server.rewind::<SetState, DVec2>(id, at).unwrap().x;
    let (t, v) = x_at[180];
    assert!((x(micros(f64::from(t.0))) - v).abs() < 1e-3);
    // Half-way to the next tick: half-way to the next value (linear, as the client).
    assert!((x(micros(f64::from(t.0) + 0.5)) - (v + 0.25)).abs() < 1e-3);
    // Older than the history (1 s = 66 ticks): the oldest sample kept.
    let (old, _) = x_at[50];
    let oldest = x(micros(f64::from(old.0)));
    assert!(
        oldest >= x_at[199].1 - 34.0,
        "about 67 samples kept: {oldest}"
    );
    assert_eq!(server.history_bytes(), 67 * (16 + 4));
    assert!(server.rewind::<SetState, DVec2>(DoId(999), 0).is_none());
}

/// Only generated or changed objects are visited each tick, yet an object that never
/// changes still rewinds to its value, one recorded after it existed still gets its
/// first sample, and a deleted object's samples are freed.
#[test]
fn history_records_changes_only_and_frees_deleted_objects() {
    let mut server = Server::new(&game::SCHEMA, Config::default());
    let mut now = Time::from_secs_f64(1.0);
    server.update(now);
    let before = server
        .generate(mover::ID, Location::zone(1), None, &[])
        .unwrap();
    server.set(before, &SetState { x: 7.0, y: 0.0 }).unwrap();
    server
        .record_history(SetState::NUMBER, HistoryConfig::default())
        .unwrap();
    let still = server
        .generate(mover::ID, Location::zone(1), None, &[])
        .unwrap();
    let moving = server
        .generate(mover::ID, Location::zone(1), None, &[])
        .unwrap();
    for k in 0..300u32 {
        server
            .set(
                moving,
                &SetState {
                    x: f64::from(k),
                    y: 0.0,
                },
            )
            .unwrap();
        now = now + server.tick_rate().interval();
        server.update(now);
    }
    let at = (f64::from(server.current_tick().0) * 1e6 / 66.0).round() as u64;
    let x = |id| server.rewind::<SetState, DVec2>(id, at).map(|v| v.x);
    assert_eq!(x(before), Some(7.0), "recorded after it existed");
    assert_eq!(x(still), Some(0.0), "never changed");
    assert_eq!(x(moving), Some(299.0));
    // Far in the past: the value at the window's start, not a dropped older one.
    let old = server.rewind::<SetState, DVec2>(moving, 0).unwrap().x;
    assert!(old >= 299.0 - 67.0, "window start: {old}");
    let bytes = server.history_bytes();
    assert_eq!(bytes, (67 + 1 + 1) * (16 + 4), "67 samples + one each");
    server.delete(moving).unwrap();
    assert_eq!(
        server.history_bytes(),
        2 * (16 + 4),
        "the deleted track is freed"
    );
    assert_eq!(server.rewind::<SetState, DVec2>(moving, at), None);
}

/// Input commands every tick and field messages at once share the server's command
/// budget through the client's pacer: every message arrives, nothing is dropped.
#[test]
fn commands_and_field_messages_share_the_budget_without_drops() {
    let (mut sim, mut world, avatar) = setup(1402, LinkConfig::new(50, 10, 0.0, 0.0));
    sim.server_events.clear();
    let dt = sim.server.tick_rate().interval_secs();
    // 66 commands a second for 9 s, and 200 waves in the first 1.5 s: more than the
    // budget (100/s, one second of burst) until the waves are through.
    for k in 0..600u32 {
        let now = sim.now();
        let c = &mut sim.clients[0].client;
        c.send_command_message(now, avatar, &input(k))
            .expect("command");
        if k < 100 {
            for n in [2 * k, 2 * k + 1] {
                c.send_message(avatar, &Wave { n: n as u8 }).expect("wave");
            }
        }
        let t = now + secs(dt);
        run(&mut sim, &mut world, t);
    }
    let t = sim.now() + secs(2.0);
    run(&mut sim, &mut world, t);
    let waves: Vec<u8> = sim
        .server_events
        .iter()
        .filter_map(|e| e.decode::<Wave>())
        .map(|w| w.expect("wave").n)
        .collect();
    assert_eq!(waves, (0..200).collect::<Vec<u8>>(), "every wave, in order");
    let me = sim.clients[0].client.id().expect("id");
    let info = sim.server.client_info(me).expect("info");
    assert_eq!(info.commands_dropped, 0);
    assert_eq!(info.command_stats.dropped, 0, "{:?}", info.command_stats);
    assert_eq!(world.applied.last().map(|a| a.1), Some(600));
}
