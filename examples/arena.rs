//! Arena: bots move predicted avatars and one shoots at the others where it sees them;
//! the server judges each shot with lag compensation (rewinding the targets to the
//! shooter's view) and without (their live positions). A hit knocks the target back,
//! which its own client cannot predict: that is where mispredictions come from.
//!
//! ```sh
//! cargo run -p pipes-examples --example arena                  # SimNet: 100 ms RTT ± 20 ms, 5 % loss
//! cargo run -p pipes-examples --example arena -- --loss 0.1 --seconds 20 --bots 4
//! cargo run -p pipes-examples --example arena -- --transport udp --seconds 5
//! ```
//!
//! The last line: `arena: shots=N hits_lagcomp=N hits_no_lagcomp=N
//! mispredictions_per_s=F mean_correction_mm=F commands_lost=N commands_recovered=N`
//! (commands lost: first sent in a packet that was lost; recovered: of those, applied
//! anyway thanks to the repeats in later packets).

use pipes::client::{Client, IntoInterpolated, PredictConfig, Predictor};
use pipes::glam::DVec2;
use pipes::schema::FieldMessage as _;
use pipes::server::{HistoryConfig, Server, ServerEvent};
use pipes::sim::{LinkConfig, Rng, SimNet};
use pipes::{Config, DoId, Location, Time};
use pipes_examples::net::{self, Error, Every};

#[allow(clippy::all, dead_code)]
mod arena {
    pipes::include_schema!("arena");
}
use arena::distributed_mover::{self as mover, Input, SetState};

impl IntoInterpolated<DVec2> for SetState {
    fn into_interpolated(self) -> DVec2 {
        DVec2::new(self.x, self.y)
    }
}

/// Server ticks per second (pipes' default); one command per tick.
const DT: f64 = 1.0 / 66.0;
/// A shot hits a target whose centre is this close to the aim point (metres).
const HIT_RADIUS: f64 = 0.5;

/// The step function the server and the clients share: move by the input's velocity
/// (decimetres per second), staying inside the 20 m arena.
fn step(pos: DVec2, input: &Input, dt: f64) -> DVec2 {
    let v = DVec2::new(input.vx.into(), input.vy.into()) * 0.1;
    (pos + v * dt).clamp(DVec2::splat(-10.0), DVec2::splat(10.0))
}

/// The server's game: one avatar per client, commands applied, shots judged.
#[derive(Default)]
struct Referee {
    avatars: Vec<DoId>,
    shots: u32,
    hits_lagcomp: u32,
    hits_no_lagcomp: u32,
}

impl Referee {
    fn on_event(&mut self, server: &mut Server, event: ServerEvent) -> Result<(), Error> {
        if let ServerEvent::ClientConnected { client, .. } = event {
            let id = server.generate(mover::ID, Location::zone(1), Some(client), &[])?;
            self.avatars.push(id);
        }
        Ok(())
    }

    /// Applies the commands released by the last `update` (before the next one).
    fn apply_commands(&mut self, server: &mut Server) -> Result<(), Error> {
        while let Some(cmd) = server.poll_command() {
            let (Some(Ok(input)), Some(Ok(state))) =
                (cmd.decode::<Input>(), server.get::<SetState>(cmd.object))
            else {
                continue;
            };
            let pos = step(state.into_interpolated(), &input, DT);
            server.set(cmd.object, &SetState { x: pos.x, y: pos.y })?;
            if input.fire == 1 {
                self.judge(server, cmd.object, &input, cmd.view_time)?;
            }
        }
        Ok(())
    }

    /// Judges a shot against every other avatar, as the shooter saw them (rewound to
    /// `view_time`) and as they are now; a lag-compensated hit knocks the target back.
    fn judge(
        &mut self,
        server: &mut Server,
        shooter: DoId,
        input: &Input,
        view_time: u64,
    ) -> Result<(), Error> {
        let aim = DVec2::new(input.aim_x, input.aim_y);
        self.shots += 1;
        let (mut hit, mut hit_live) = (None, false);
        for &target in self.avatars.iter().filter(|&&t| t != shooter) {
            let seen = server.rewind::<SetState, DVec2>(target, view_time);
            if seen.is_some_and(|p| p.distance(aim) < HIT_RADIUS) {
                hit = Some(target);
            }
            let live = server.get::<SetState>(target).and_then(Result::ok);
            hit_live |= live.is_some_and(|s| s.into_interpolated().distance(aim) < HIT_RADIUS);
        }
        self.hits_no_lagcomp += u32::from(hit_live);
        if let Some(target) = hit {
            self.hits_lagcomp += 1;
            if let Some(Ok(s)) = server.get::<SetState>(target) {
                let pos = (s.into_interpolated() + DVec2::new(0.3, 0.0)).min(DVec2::splat(10.0));
                server.set(target, &SetState { x: pos.x, y: pos.y })?;
            }
        }
        Ok(())
    }
}

/// A client's player: wanders with a predicted avatar; the shooter fires every tenth
/// tick at the nearest other avatar, exactly where it sees it (interpolated).
struct Bot {
    shooter: bool,
    rng: Rng,
    input: Input,
    tick: u32,
    avatar: Option<(DoId, Predictor<DVec2, Input>)>,
    /// Where a renderer would draw the avatar: the prediction, corrections smoothed.
    shown: DVec2,
}

impl Bot {
    fn new(shooter: bool, seed: u64) -> Bot {
        let input = Input {
            vx: 0,
            vy: 0,
            fire: 0,
            aim_x: 0.0,
            aim_y: 0.0,
        };
        Bot {
            shooter,
            rng: Rng::new(seed),
            input,
            tick: 0,
            avatar: None,
            shown: DVec2::ZERO,
        }
    }

    /// One tick of play at `now`.
    fn frame(&mut self, client: &mut Client, now: Time) -> Result<(), Error> {
        if !client.is_connected() {
            return Ok(());
        }
        let Some((avatar, pred)) = &mut self.avatar else {
            return self.find_avatar(client);
        };
        if let Some(ack) = client.command_ack(*avatar) {
            pred.reconcile::<SetState>(now, ack);
        }
        self.tick += 1;
        if self.tick.is_multiple_of(30) {
            self.input.vx = (self.rng.below(81) as i8) - 40;
            self.input.vy = (self.rng.below(81) as i8) - 40;
        }
        let mut input = self.input.clone();
        client.update_interpolation(now);
        if self.shooter && self.tick.is_multiple_of(10) {
            let me = pred.predicted();
            let nearest = client
                .objects()
                .filter(|o| !o.owned())
                .filter_map(|o| client.interpolated_of::<SetState, DVec2>(o.id()))
                .min_by(|a, b| a.distance(me).total_cmp(&b.distance(me)));
            if let Some(aim) = nearest {
                (input.fire, input.aim_x, input.aim_y) = (1, aim.x, aim.y);
            }
        }
        let seq = client.send_command_message(now, *avatar, &input)?;
        pred.apply(seq, input);
        self.shown = pred.visible(now);
        Ok(())
    }

    /// Watches the arena and waits for the avatar the server gives this client.
    fn find_avatar(&mut self, client: &mut Client) -> Result<(), Error> {
        if self.tick == 0 {
            client.set_interest(&[Location::zone(1)])?;
            client.interpolate::<SetState, DVec2>()?;
            self.tick = 1;
        }
        let mine = client.objects().find(|o| o.owned());
        if let Some(Ok(state)) = mine.and_then(|o| o.get::<SetState>()) {
            let pred = Predictor::new(
                state.into_interpolated(),
                DT,
                step,
                PredictConfig::default(),
            );
            self.avatar = mine.map(|o| (o.id(), pred));
        }
        Ok(())
    }
}

fn main() -> Result<(), Error> {
    let seconds: f64 = net::arg("--seconds", 10.0);
    let bots: usize = net::arg("--bots", 3).max(2);
    let mut server = Server::new(&arena::SCHEMA, net::config()?);
    server.record_history(SetState::NUMBER, HistoryConfig::default())?;
    let mut referee = Referee::default();
    let mut players: Vec<Bot> = (0..bots).map(|i| Bot::new(i == 0, 7 + i as u64)).collect();
    let commands = if net::arg("--transport", "sim".to_string()) == "udp" {
        run_udp(server, &mut referee, &mut players, seconds)?
    } else {
        run_sim(server, &mut referee, &mut players, seconds)?
    };
    report(&referee, &players, commands);
    Ok(())
}

/// Over SimNet: 100 ms round trip ± 20 ms, 5 % loss (`--loss`), seeded (`--seed`).
fn run_sim(
    server: Server,
    referee: &mut Referee,
    players: &mut [Bot],
    seconds: f64,
) -> Result<(u64, u64), Error> {
    let mut sim = SimNet::new(server, net::arg("--seed", 14));
    let link = LinkConfig::new(50, 20, net::arg("--loss", 0.05), 0.0);
    for _ in 0..players.len() {
        sim.add_client(Client::new(&arena::SCHEMA, Config::default()), link);
    }
    while sim.now().as_secs_f64() < seconds {
        let now = sim.now();
        for (bot, c) in players.iter_mut().zip(&mut sim.clients) {
            bot.frame(&mut c.client, now)?;
        }
        let until = sim.now() + std::time::Duration::from_secs_f64(DT);
        // The game loop of the server: update, then events and commands, then update.
        while sim.step(until) {
            for e in std::mem::take(&mut sim.server_events) {
                referee.on_event(&mut sim.server, e)?;
            }
            referee.apply_commands(&mut sim.server)?;
        }
        referee.apply_commands(&mut sim.server)?;
    }
    Ok(command_stats(&sim.server))
}

/// Over UDP on the loopback interface, in real time.
fn run_udp(
    server: Server,
    referee: &mut Referee,
    players: &mut [Bot],
    seconds: f64,
) -> Result<(u64, u64), Error> {
    let mut server = net::serve_with(
        &arena::SCHEMA,
        server.config().clone(),
        ([127, 0, 0, 1], 0).into(),
    )
    .map(|mut d| {
        d.server = server;
        d
    })?;
    let addr = net::local(&server)?;
    let mut clients = Vec::new();
    for _ in 0..players.len() {
        clients.push(net::connect_with(&arena::SCHEMA, Config::default(), addr)?);
    }
    let mut tick = Every::new(DT);
    net::run_for(seconds, |t| -> Result<bool, Error> {
        server.pump()?;
        while let Some(e) = server.poll_event() {
            referee.on_event(&mut server.server, e)?;
        }
        referee.apply_commands(&mut server.server)?;
        for c in &mut clients {
            c.pump()?;
            while c.poll_event().is_some() {}
        }
        if tick.due(t) {
            for (bot, c) in players.iter_mut().zip(&mut clients) {
                let now = c.clock().now();
                bot.frame(&mut c.client, now)?;
            }
        }
        Ok(true)
    })?;
    Ok(command_stats(&server.server))
}

/// Commands whose first packet was lost, and of those the ones repeats recovered,
/// summed over the clients.
fn command_stats(server: &Server) -> (u64, u64) {
    server
        .clients()
        .filter_map(|c| server.client_info(c))
        .map(|i| {
            (
                i.command_stats.recovered + i.command_stats.dropped,
                i.command_stats.recovered,
            )
        })
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

fn report(referee: &Referee, players: &[Bot], (lost, recovered): (u64, u64)) {
    let stats: Vec<_> = players
        .iter()
        .filter_map(|b| b.avatar.as_ref())
        .map(|(_, p)| p.stats())
        .collect();
    let seconds: f64 = stats.iter().map(|s| s.seconds).sum();
    let mispredictions: u64 = stats.iter().map(|s| s.mispredictions).sum();
    let correction: f64 = stats.iter().map(|s| s.correction_sum).sum();
    println!(
        "arena: shots={} hits_lagcomp={} hits_no_lagcomp={} mispredictions_per_s={:.2} mean_correction_mm={:.1} commands_lost={lost} commands_recovered={recovered}",
        referee.shots,
        referee.hits_lagcomp,
        referee.hits_no_lagcomp,
        mispredictions as f64 / seconds.max(1e-9),
        correction / (mispredictions.max(1) as f64) * 1000.0,
    );
}
