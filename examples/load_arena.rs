//! `load --scenario arena`: the wire cost of naia's `halo_btb_16v16` scenario.
//!
//! One client sees 90 entities in one zone: 32 players and 8 vehicles (position,
//! velocity, rotation: `ArenaMover` of `examples/load.dc`) and 50 projectiles (position
//! and velocity: `ArenaProjectile`), quantized (`int16 / 10` m, `int16 / 100` m/s and
//! degrees). Every field of every entity changes every tick and the client asks for a
//! snapshot every tick (update rate = tick rate = 66). Server and client are driven
//! directly (sans-IO, simulated time, no loss), so the figure is the protocol's alone:
//! `bytes_per_tick` is the median, over the measured ticks, of the payload bytes the
//! server hands its transport for that client in one tick (framing included, acks and
//! pongs too); `floor_bytes_per_tick` is the changed values alone (their packed size).

use crate::load_schema::{arena_mover, arena_projectile, ArenaMover, ArenaProjectile, SCHEMA};
use crate::load_world::{parse_flag_pairs, value};
use pipes::client::{Client, ClientEvent};
use pipes::schema::{DClass, FieldMessage as _};
use pipes::server::Server;
use pipes::{Config, ConnectionId, DoId, Location, Time};
use std::error::Error;

/// Players in the arena.
pub const PLAYERS: usize = 32;
/// Projectiles in flight.
pub const PROJECTILES: usize = 50;
/// Vehicles.
pub const VEHICLES: usize = 8;
/// The zone everything lives in.
const ZONE: u32 = 1;
/// Simulated ticks allowed for the handshake and the entries.
const SETTLE_TICKS: usize = 200;

/// The arena scenario's flags.
#[derive(Clone, Debug, PartialEq)]
pub struct ArenaOptions {
    /// `--ticks N`: ticks measured (100).
    pub ticks: usize,
    /// `--warmup N`: ticks run after the entries settled, before measuring (20).
    pub warmup: usize,
}

impl Default for ArenaOptions {
    fn default() -> Self {
        ArenaOptions {
            ticks: 100,
            warmup: 20,
        }
    }
}

/// Usage text.
pub const USAGE: &str = "usage: load --scenario arena [--ticks N] [--warmup N]";

impl ArenaOptions {
    /// Parses the flags after `--scenario arena`.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<ArenaOptions, String> {
        let mut o = ArenaOptions::default();
        parse_flag_pairs(args, USAGE, |flag, v| {
            match flag {
                "--ticks" => o.ticks = value(v)?,
                "--warmup" => o.warmup = value(v)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if o.ticks == 0 || o.ticks > 100_000 {
            return Err(format!(
                "--ticks must be within 1..=100000, got {}",
                o.ticks
            ));
        }
        if o.warmup > 100_000 {
            return Err(format!("--warmup must be at most 100000, got {}", o.warmup));
        }
        Ok(o)
    }
}

/// What the arena scenario measured.
#[derive(Clone, Debug, PartialEq)]
pub struct ArenaSummary {
    /// Entities the client sees.
    pub entities: usize,
    /// Ticks measured.
    pub ticks: usize,
    /// Median server → client payload bytes per tick.
    pub bytes_per_tick: u64,
    /// Mean of the same.
    pub mean_bytes_per_tick: u64,
    /// The changed values alone, bytes per tick.
    pub floor_bytes_per_tick: u64,
    /// Client → server payload bytes per tick (acks, pings), median.
    pub up_bytes_per_tick: u64,
    /// Entity updates the client applied per tick, mean (90 when nothing is held back).
    pub updates_per_tick: f64,
}

impl ArenaSummary {
    /// The summary line: `load: scenario=arena ...`.
    pub fn line(&self) -> String {
        format!(
            "load: scenario=arena entities={} ticks={} bytes_per_tick={} \
floor_bytes_per_tick={} mean_bytes_per_tick={} up_bytes_per_tick={} updates_per_tick={:.1}",
            self.entities,
            self.ticks,
            self.bytes_per_tick,
            self.floor_bytes_per_tick,
            self.mean_bytes_per_tick,
            self.up_bytes_per_tick,
            self.updates_per_tick
        )
    }
}

/// A triangle wave over `-amp..=amp` quanta: changes by `step` (≥ 1) every tick.
fn wave(tick: u64, step: u64, phase: u64, amp: i64) -> i16 {
    let period = 4 * amp as u64;
    let x = (tick * step + phase) % period;
    let v = if x < 2 * amp as u64 {
        x as i64 - amp
    } else {
        3 * amp - x as i64
    };
    v as i16
}

/// Packs `n` int16 quanta of entity `k`'s field `f` at `tick` (every one changes).
fn quanta(out: &mut Vec<u8>, k: usize, f: usize, n: usize, tick: u64) {
    out.clear();
    for i in 0..n {
        let step = 1 + ((k + f + i) % 5) as u64;
        let phase = (k * 131 + f * 17 + i * 7) as u64;
        out.extend_from_slice(&wave(tick, step, phase, 2000).to_le_bytes());
    }
}

/// One entity: its id and its fields (number, int16 count).
struct Entity {
    id: DoId,
    fields: &'static [(u16, usize)],
}

const MOVER_FIELDS: &[(u16, usize)] = &[
    (arena_mover::SetPos::NUMBER, 3),
    (arena_mover::SetVel::NUMBER, 3),
    (arena_mover::SetRot::NUMBER, 2),
];
const PROJECTILE_FIELDS: &[(u16, usize)] = &[
    (arena_projectile::SetPos::NUMBER, 3),
    (arena_projectile::SetVel::NUMBER, 3),
];

/// The link between the sans-IO server and client, counting bytes each way.
struct Link {
    server: Server,
    client: Client,
    conn: ConnectionId,
    down: u64,
    up: u64,
    updates: u64,
}

impl Link {
    /// Carries what each side queued to the other until both are quiet.
    fn exchange(&mut self, now: Time) {
        for _ in 0..8 {
            let mut moved = false;
            while let Some(t) = self.server.poll_transmit() {
                if t.connection == self.conn {
                    self.down += t.payload.len() as u64;
                    self.client.handle_datagram(now, &t.payload);
                    moved = true;
                }
            }
            self.client.update(now);
            while let Some(p) = self.client.poll_transmit() {
                self.up += p.payload.len() as u64;
                self.server.handle_datagram(now, self.conn, &p.payload);
                moved = true;
            }
            while let Some(e) = self.client.poll_event() {
                if matches!(e, ClientEvent::StateChanged { .. }) {
                    self.updates += 1;
                }
            }
            if !moved {
                break;
            }
        }
    }

    /// Runs the server to its next tick.
    fn tick(&mut self) -> Result<Time, Box<dyn Error>> {
        let now = self
            .server
            .poll_timeout()
            .ok_or("the server has no next tick")?;
        self.server.update(now);
        self.exchange(now);
        Ok(now)
    }
}

/// Runs the arena scenario.
pub fn run(o: &ArenaOptions) -> Result<ArenaSummary, Box<dyn Error>> {
    let config = Config {
        update_rate: 66,
        ..Config::default()
    };
    let mut link = Link {
        server: Server::new(&SCHEMA, config.clone()),
        client: Client::new(&SCHEMA, config),
        conn: ConnectionId(1),
        down: 0,
        up: 0,
        updates: 0,
    };
    let now = Time::from_secs_f64(1.0);
    link.server.update(now);
    link.server.handle_connect(now, link.conn);
    link.client.connect(now);
    link.exchange(now);
    for _ in 0..SETTLE_TICKS {
        if link.client.is_connected() {
            break;
        }
        link.tick()?;
    }
    if !link.client.is_connected() {
        return Err("the arena client did not connect".into());
    }
    link.client.set_interest(&[Location::zone(ZONE)])?;

    let mut entities = Vec::new();
    for k in 0..PLAYERS + VEHICLES + PROJECTILES {
        let (class, fields) = if k < PLAYERS + VEHICLES {
            (ArenaMover::INFO.number, MOVER_FIELDS)
        } else {
            (ArenaProjectile::INFO.number, PROJECTILE_FIELDS)
        };
        let id = link
            .server
            .generate(class, Location::zone(ZONE), None, &[])?;
        entities.push(Entity { id, fields });
    }
    for _ in 0..SETTLE_TICKS {
        link.tick()?;
        if link.client.objects().count() == entities.len() {
            break;
        }
    }
    if link.client.objects().count() != entities.len() {
        return Err(format!(
            "the arena client sees {} of {} entities",
            link.client.objects().count(),
            entities.len()
        )
        .into());
    }

    let floor: usize = entities
        .iter()
        .flat_map(|e| e.fields.iter())
        .map(|&(_, n)| 2 * n)
        .sum();
    let mut down = Vec::with_capacity(o.ticks);
    let mut up = Vec::with_capacity(o.ticks);
    let mut updates = 0u64;
    let mut buf = Vec::new();
    for t in 0..o.warmup + o.ticks {
        let tick = u64::from(link.server.current_tick().0) + 1;
        for (k, e) in entities.iter().enumerate() {
            for (f, &(number, n)) in e.fields.iter().enumerate() {
                quanta(&mut buf, k, f, n, tick);
                link.server.set_field(e.id, number, &buf)?;
            }
        }
        let (d0, u0, n0) = (link.down, link.up, link.updates);
        link.tick()?;
        if t >= o.warmup {
            down.push(link.down - d0);
            up.push(link.up - u0);
            updates += link.updates - n0;
        }
    }
    let median = |v: &mut Vec<u64>| {
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    let mean = down.iter().sum::<u64>() / down.len().max(1) as u64;
    Ok(ArenaSummary {
        entities: entities.len(),
        ticks: o.ticks,
        bytes_per_tick: median(&mut down),
        mean_bytes_per_tick: mean,
        floor_bytes_per_tick: floor as u64,
        up_bytes_per_tick: median(&mut up),
        updates_per_tick: updates as f64 / o.ticks as f64,
    })
}
