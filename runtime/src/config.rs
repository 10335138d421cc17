//! Typed configuration with the pipes defaults, loadable from a file or the environment.
//!
//! Every setting has the pipes name it is known by (`pipes-tickrate`, `pipes-interp`,
//! ...). A config file holds one `name value` pair per line (PRC style: `#` starts a
//! comment, blank lines are ignored); the environment uses the same names upper-cased
//! with `-` replaced by `_` (`PIPES_TICKRATE=30`). Unknown names in a file are an error,
//! so a typo does not silently keep a default (pipes' own README names were ignored).

use std::fmt;
use std::time::Duration;

/// Settings of a server and of a client (pipes keeps both in one config too).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// `pipes-tickrate`: server ticks per second (66).
    pub tick_rate: u16,
    /// `pipes-max-clients`: verified clients the server admits (24).
    pub max_clients: u32,
    /// `pipes-password`: password a client must present; empty means none ("").
    pub password: String,
    /// `pipes-minupdaterate`: lowest snapshot rate a client may ask for (1).
    pub min_update_rate: u8,
    /// `pipes-maxupdaterate`: highest snapshot rate a client may ask for (255).
    pub max_update_rate: u8,
    /// `pipes-min-cmdrate`: lowest command rate accepted (1; 0 would divide by zero in pipes).
    pub min_cmd_rate: u8,
    /// `pipes-max-cmdrate`: highest command rate accepted (255).
    pub max_cmd_rate: u8,
    /// `pipes-snapshot-history`: snapshots per client kept for acks (50).
    pub snapshot_history: u32,
    /// `pipes-updaterate`: snapshots per second the client asks for (20).
    pub update_rate: u8,
    /// `pipes-cmdrate`: messages per second the client may send (100).
    pub cmd_rate: u8,
    /// `pipes-interp`: client interpolation delay in seconds (0.1).
    pub interp: f64,
    /// `pipes-interp-ratio`: interpolation delay in snapshot intervals (2).
    pub interp_ratio: f64,
    /// `pipes-ping-interval`: seconds between client pings (0.5).
    pub ping_interval: f64,
    /// `pipes-ack-interval`: client side, the longest the client holds a snapshot
    /// ack, seconds (0.1; at most 0.25). One ack covers the newest packet and the 32
    /// before it, so at 20 snapshots/s one ack per interval acknowledges two
    /// snapshots in one datagram; a missing or reordered packet is acked at once, and
    /// the ack says how long it was held so the server's RTT stays the network's.
    /// 0 acks every packet.
    pub ack_interval: f64,
    /// `pipes-ack-every`: client side, the ack leaves at the latest with this many
    /// snapshots unacknowledged (2; 1 acks every snapshot), counted by their final
    /// parts: a snapshot split into several packets counts once. While the budget has
    /// room the server repeats each change until it is acked, so at high snapshot
    /// rates (66/s) a long hold would cost bytes: this bounds it to a snapshot or two.
    pub ack_every: u32,
    /// `pipes-clock-drift-max-ms`: clock error beyond which the client snaps (150).
    pub clock_drift_max_ms: f64,
    /// `pipes-clock-correction-adjustment-max-amount`: fastest smooth correction, ms per s (200).
    pub clock_correction_max_amount: f64,
    /// `pipes-clock-correction-adjustment-min-offset`: error below which no correction runs, ms (10; 0 corrects everything).
    pub clock_correction_min_offset: f64,
    /// `pipes-clock-correction-adjustment-max-offset`: error at which correction is fastest, ms (90).
    pub clock_correction_max_offset: f64,
    /// `pipes-max-packet-size`: bytes per snapshot packet before starting a new one (1200).
    pub max_packet_size: usize,
    /// `pipes-max-snapshot-bytes`: bytes of snapshot per client per update; the rest waits (262144).
    pub max_snapshot_bytes: usize,
    /// `pipes-rate`: client side, snapshot bytes per second the client can take
    /// (196608, Source's default `rate`: 192 KiB/s carries ~1000 changing small
    /// objects at 20 snapshots/s and stays below what home links deliver). The server
    /// never sends more and lowers it further when acks report congestion.
    pub rate: u32,
    /// `pipes-max-rate`: server side, the highest `pipes-rate` a client may ask for
    /// (1048576: 1 MiB/s).
    pub max_rate: u32,
    /// `pipes-max-message-size`: largest message accepted from a peer (65536).
    pub max_message_size: usize,
    /// `pipes-max-pending-events`: per-client events waiting for their object to arrive (1024).
    pub max_pending_events: usize,
    /// `pipes-max-interest-zones`: zones one client may watch (4096).
    pub max_interest_zones: usize,
    /// `pipes-max-unconfirmed-events`: reliable object messages the server sends one
    /// client ahead of what the client's acks say it has read (4096). A client that
    /// stops reading, or cannot drain a flood of broadcasts, is ejected beyond this, so
    /// the transport's send buffer for it stays bounded.
    pub max_unconfirmed_events: usize,
    /// `pipes-max-unconfirmed-bytes`: bytes of those unread reliable messages (1 MiB).
    pub max_unconfirmed_bytes: usize,
    /// `pipes-max-pending-interests`: interest requests of one client still waiting for
    /// their objects to arrive (64); more ejects the client.
    pub max_pending_interests: usize,
    /// `pipes-max-outbound-packets`: client side, field messages waiting for the command
    /// rate (beyond it [`crate::client::Client::send`] refuses with `QueueFull`) and,
    /// separately, packets waiting for the driver to send them (4096).
    pub max_outbound_packets: usize,
    /// `pipes-max-client-events`: client side, events waiting for the game to poll them
    /// (262144); beyond it the client leaves the session (`QueueOverflow`).
    pub max_client_events: usize,
    /// `pipes-handshake-timeout`: seconds a connection may take to finish the handshake (10).
    pub handshake_timeout: f64,
    /// `pipes-server-timeout`: client side, seconds without a message from the server
    /// before the client ends the session with `ServerSilent` (2; the server answers
    /// the client's pings every `pipes-ping-interval`, so a live server is never this quiet).
    pub server_timeout: f64,
    /// `pipes-delete-owned-on-disconnect`: delete a client's objects when it leaves (true).
    pub delete_owned_on_disconnect: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tick_rate: 66,
            max_clients: 24,
            password: String::new(),
            min_update_rate: 1,
            max_update_rate: 255,
            min_cmd_rate: 1,
            max_cmd_rate: 255,
            snapshot_history: 50,
            update_rate: 20,
            cmd_rate: 100,
            interp: 0.1,
            interp_ratio: 2.0,
            ping_interval: 0.5,
            ack_interval: 0.1,
            ack_every: 2,
            clock_drift_max_ms: 150.0,
            clock_correction_max_amount: 200.0,
            clock_correction_min_offset: 10.0,
            clock_correction_max_offset: 90.0,
            max_packet_size: 1200,
            max_snapshot_bytes: 256 * 1024,
            rate: 196_608,
            max_rate: 1 << 20,
            max_message_size: 64 * 1024,
            max_pending_events: 1024,
            max_interest_zones: 4096,
            max_unconfirmed_events: 4096,
            max_unconfirmed_bytes: 1 << 20,
            max_pending_interests: 64,
            max_outbound_packets: 4096,
            max_client_events: 1 << 18,
            handshake_timeout: 10.0,
            server_timeout: 2.0,
            delete_owned_on_disconnect: true,
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Where: `file:line`, or the environment variable.
    pub at: String,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every setting name, in the order of [`Config`]'s fields.
pub const NAMES: &[&str] = &[
    "pipes-tickrate",
    "pipes-max-clients",
    "pipes-password",
    "pipes-minupdaterate",
    "pipes-maxupdaterate",
    "pipes-min-cmdrate",
    "pipes-max-cmdrate",
    "pipes-snapshot-history",
    "pipes-updaterate",
    "pipes-cmdrate",
    "pipes-interp",
    "pipes-interp-ratio",
    "pipes-ping-interval",
    "pipes-ack-interval",
    "pipes-ack-every",
    "pipes-clock-drift-max-ms",
    "pipes-clock-correction-adjustment-max-amount",
    "pipes-clock-correction-adjustment-min-offset",
    "pipes-clock-correction-adjustment-max-offset",
    "pipes-max-packet-size",
    "pipes-max-snapshot-bytes",
    "pipes-max-message-size",
    "pipes-max-pending-events",
    "pipes-max-interest-zones",
    "pipes-max-unconfirmed-events",
    "pipes-max-unconfirmed-bytes",
    "pipes-max-pending-interests",
    "pipes-max-outbound-packets",
    "pipes-max-client-events",
    "pipes-handshake-timeout",
    "pipes-server-timeout",
    "pipes-delete-owned-on-disconnect",
];

impl Config {
    /// The effective interpolation delay: `max(interp, interp_ratio / update_rate)` seconds.
    pub fn interp_delay(&self) -> f64 {
        effective_interp(self.interp, self.interp_ratio, self.update_rate)
    }

    /// The interval between client pings.
    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs_f64(self.ping_interval.clamp(0.01, 3600.0))
    }

    /// The longest the client holds a snapshot ack (`pipes-ack-interval`, at most
    /// 0.25 s so it fits the ack's millisecond byte).
    pub fn ack_interval(&self) -> Duration {
        Duration::from_secs_f64(self.ack_interval.clamp(0.0, 0.25))
    }

    /// Sets one setting by its pipes name from text.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let v = value.trim();
        match name {
            "pipes-tickrate" => self.tick_rate = parse_num(v, 1, 1000)?,
            "pipes-max-clients" => self.max_clients = parse_num(v, 0, 1 << 20)?,
            "pipes-password" => self.password = v.to_owned(),
            "pipes-minupdaterate" => self.min_update_rate = parse_num(v, 1, 255)?,
            "pipes-maxupdaterate" => self.max_update_rate = parse_num(v, 1, 255)?,
            "pipes-min-cmdrate" => self.min_cmd_rate = parse_num(v, 1, 255)?,
            "pipes-max-cmdrate" => self.max_cmd_rate = parse_num(v, 1, 255)?,
            "pipes-snapshot-history" => self.snapshot_history = parse_num(v, 1, 10_000)?,
            "pipes-updaterate" => self.update_rate = parse_num(v, 1, 255)?,
            "pipes-cmdrate" => self.cmd_rate = parse_num(v, 1, 255)?,
            "pipes-interp" => self.interp = parse_float(v, 0.0, 10.0)?,
            "pipes-interp-ratio" => self.interp_ratio = parse_float(v, 0.0, 100.0)?,
            "pipes-ping-interval" => self.ping_interval = parse_float(v, 0.01, 3600.0)?,
            "pipes-ack-interval" => self.ack_interval = parse_float(v, 0.0, 0.25)?,
            "pipes-ack-every" => self.ack_every = parse_num(v, 1, 32)?,
            "pipes-clock-drift-max-ms" => self.clock_drift_max_ms = parse_float(v, 0.0, 1e6)?,
            "pipes-clock-correction-adjustment-max-amount" => {
                self.clock_correction_max_amount = parse_float(v, 0.0, 1000.0)?
            }
            "pipes-clock-correction-adjustment-min-offset" => {
                self.clock_correction_min_offset = parse_float(v, 0.0, 1e6)?
            }
            "pipes-clock-correction-adjustment-max-offset" => {
                self.clock_correction_max_offset = parse_float(v, 0.0, 1e6)?
            }
            "pipes-max-packet-size" => self.max_packet_size = parse_num(v, 64, 1 << 20)?,
            "pipes-max-snapshot-bytes" => self.max_snapshot_bytes = parse_num(v, 64, 1 << 30)?,
            "pipes-rate" => self.rate = parse_num(v, 1024, 1 << 30)?,
            "pipes-max-rate" => self.max_rate = parse_num(v, 1024, 1 << 30)?,
            "pipes-max-message-size" => self.max_message_size = parse_num(v, 64, 1 << 30)?,
            "pipes-max-pending-events" => self.max_pending_events = parse_num(v, 0, 1 << 24)?,
            "pipes-max-interest-zones" => self.max_interest_zones = parse_num(v, 1, 1 << 24)?,
            "pipes-max-unconfirmed-events" => {
                self.max_unconfirmed_events = parse_num(v, 1, 1 << 24)?
            }
            "pipes-max-unconfirmed-bytes" => {
                self.max_unconfirmed_bytes = parse_num(v, 64, 1 << 32)?
            }
            "pipes-max-pending-interests" => self.max_pending_interests = parse_num(v, 1, 1 << 16)?,
            "pipes-max-outbound-packets" => self.max_outbound_packets = parse_num(v, 1, 1 << 24)?,
            "pipes-max-client-events" => self.max_client_events = parse_num(v, 16, 1 << 28)?,
            "pipes-handshake-timeout" => self.handshake_timeout = parse_float(v, 0.0, 3600.0)?,
            "pipes-server-timeout" => self.server_timeout = parse_float(v, 0.1, 3600.0)?,
            "pipes-delete-owned-on-disconnect" => self.delete_owned_on_disconnect = parse_bool(v)?,
            _ => return Err(format!("unknown setting `{name}`")),
        }
        Ok(())
    }

    /// Applies a config file's text (`name value` per line); `origin` names it in errors.
    pub fn apply_text(&mut self, text: &str, origin: &str) -> Result<(), ConfigError> {
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (name, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            self.set(name, value).map_err(|message| ConfigError {
                at: format!("{origin}:{}", i + 1),
                message,
            })?;
        }
        Ok(())
    }

    /// Applies a config file from disk.
    pub fn apply_file(&mut self, path: &std::path::Path) -> Result<(), ConfigError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            at: origin.clone(),
            message: e.to_string(),
        })?;
        self.apply_text(&text, &origin)
    }

    /// Applies settings from variables such as `PIPES_TICKRATE`, read through `get`
    /// (pass `|k| std::env::var(k).ok()` for the process environment). Only known
    /// names are looked up: use [`Config::apply_vars`] to also refuse misspelled ones.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        for name in NAMES {
            let var = env_name(name);
            if let Some(value) = get(&var) {
                self.set(name, &value)
                    .map_err(|message| ConfigError { at: var, message })?;
            }
        }
        Ok(())
    }

    /// Applies every `PIPES_*` variable of `vars` (name, value); other variables are
    /// ignored. An unknown `PIPES_*` name is an error naming the nearest known one, so
    /// `PIPES_UPDATERATE` misspelled does not silently keep the default.
    pub fn apply_vars<I, K, V>(&mut self, vars: I) -> Result<(), ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut vars: Vec<(K, V)> = vars
            .into_iter()
            .filter(|(k, _)| k.as_ref().starts_with(ENV_PREFIX))
            .collect();
        // The environment has no order; sorting makes the first error reported stable.
        vars.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
        for (var, value) in &vars {
            let var = var.as_ref();
            let Some(name) = NAMES.iter().find(|n| env_name(n) == var) else {
                return Err(ConfigError {
                    at: var.to_owned(),
                    message: unknown_variable(var),
                });
            };
            self.set(name, value.as_ref())
                .map_err(|message| ConfigError {
                    at: var.to_owned(),
                    message,
                })?;
        }
        Ok(())
    }

    /// The defaults, then `PIPES_*` variables of the process environment (unknown
    /// `PIPES_*` names and variables that are not Unicode are errors).
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::load(None)
    }

    /// The configuration a game starts with: the defaults, then the config file `file`
    /// if given, then the `PIPES_*` variables of the process environment (which win).
    pub fn load(file: Option<&std::path::Path>) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        if let Some(path) = file {
            c.apply_file(path)?;
        }
        let mut vars = Vec::new();
        for (k, v) in std::env::vars_os() {
            let key = k.to_string_lossy();
            if !key.starts_with(ENV_PREFIX) {
                continue;
            }
            let value = v.into_string().map_err(|_| ConfigError {
                at: key.clone().into_owned(),
                message: "the value is not valid Unicode".to_owned(),
            })?;
            vars.push((key.into_owned(), value));
        }
        c.apply_vars(vars)?;
        Ok(c)
    }
}

/// Environment variables starting with this are settings.
const ENV_PREFIX: &str = "PIPES_";

/// "unknown setting", with the nearest known variable when one is close.
fn unknown_variable(var: &str) -> String {
    let nearest = NAMES
        .iter()
        .map(|n| env_name(n))
        .map(|n| (edit_distance(var, &n), n))
        .min_by_key(|(d, _)| *d);
    match nearest {
        Some((d, n)) if d <= 3.max(var.len() / 4) => {
            format!("unknown setting `{var}`; did you mean `{n}`?")
        }
        _ => format!("unknown setting `{var}` (the settings are listed in docs/GUIDE.md)"),
    }
}

/// Levenshtein distance between two names (bytes; setting names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// `max(interp, ratio / update_rate)`, the interpolation delay pipes uses.
pub fn effective_interp(interp: f64, ratio: f64, update_rate: u8) -> f64 {
    interp.max(ratio / f64::from(update_rate.max(1)))
}

/// The environment variable for a setting: `pipes-tickrate` → `PIPES_TICKRATE`.
pub fn env_name(name: &str) -> String {
    name.to_ascii_uppercase().replace('-', "_")
}

fn parse_num<T>(v: &str, lo: u64, hi: u64) -> Result<T, String>
where
    T: TryFrom<u64>,
{
    let n: u64 = v
        .parse()
        .map_err(|_| format!("`{v}` is not a whole number"))?;
    if n < lo || n > hi {
        return Err(format!("{n} is outside {lo}..={hi}"));
    }
    T::try_from(n).map_err(|_| format!("{n} is too large"))
}

fn parse_float(v: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let x: f64 = v.parse().map_err(|_| format!("`{v}` is not a number"))?;
    if !(lo..=hi).contains(&x) {
        return Err(format!("{x} is outside {lo}..={hi}"));
    }
    Ok(x)
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v {
        "1" | "true" | "#t" | "yes" => Ok(true),
        "0" | "false" | "#f" | "no" => Ok(false),
        _ => Err(format!("`{v}` is not a boolean")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_pipes_ones() {
        let c = Config::default();
        assert_eq!((c.tick_rate, c.update_rate, c.cmd_rate), (66, 20, 100));
        assert_eq!((c.max_clients, c.snapshot_history), (24, 50));
        assert_eq!((c.min_update_rate, c.max_update_rate), (1, 255));
        assert_eq!((c.interp, c.interp_ratio, c.ping_interval), (0.1, 2.0, 0.5));
        assert_eq!(c.password, "");
        assert!((c.interp_delay() - 0.1).abs() < 1e-12);
    }

    #[test]
    fn interp_delay_takes_the_larger() {
        let c = Config {
            update_rate: 10,
            ..Config::default()
        };
        assert!((c.interp_delay() - 0.2).abs() < 1e-12);
    }

    #[test]
    fn file_text_sets_values_and_names_bad_lines() {
        let mut c = Config::default();
        c.apply_text(
            "# server\npipes-tickrate 30\npipes-password  hunter2 \n\npipes-interp 0.05 # low\n",
            "a.prc",
        )
        .unwrap();
        assert_eq!(
            (c.tick_rate, c.password.as_str(), c.interp),
            (30, "hunter2", 0.05)
        );
        let e = c
            .apply_text("pipes-tickrate 30\npipes-tick-rate 5", "a.prc")
            .unwrap_err();
        assert_eq!(e.at, "a.prc:2");
        assert!(e.message.contains("pipes-tick-rate"));
        let e = c.apply_text("pipes-cmdrate 0", "b").unwrap_err();
        assert!(e.message.contains("outside"), "{e}");
    }

    #[test]
    fn environment_uses_upper_snake_names() {
        let mut c = Config::default();
        let env = |k: &str| match k {
            "PIPES_UPDATERATE" => Some("33".to_owned()),
            "PIPES_DELETE_OWNED_ON_DISCONNECT" => Some("false".to_owned()),
            _ => None,
        };
        c.apply_env(env).unwrap();
        assert_eq!(c.update_rate, 33);
        assert!(!c.delete_owned_on_disconnect);
        let e = c.apply_env(|_| Some("x".to_owned())).unwrap_err();
        assert_eq!(e.at, "PIPES_TICKRATE");
    }

    #[test]
    fn unknown_and_bad_environment_variables_are_errors() {
        let mut c = Config::default();
        let e = c
            .apply_vars([("PIPES_UPDATE_RATE", "10"), ("HOME", "/root")])
            .unwrap_err();
        assert_eq!(e.at, "PIPES_UPDATE_RATE");
        assert!(e.message.contains("did you mean `PIPES_UPDATERATE`"), "{e}");
        let e = c.apply_vars([("PIPES_UPDATERATE", "abc")]).unwrap_err();
        assert_eq!(e.at, "PIPES_UPDATERATE");
        assert!(e.message.contains("not a whole number"), "{e}");
        let e = c
            .apply_vars([("PIPES_ZZZZZZZZZZZZZZZZZZ", "1")])
            .unwrap_err();
        assert!(!e.message.contains("did you mean"), "{e}");
        c.apply_vars([("PIPES_UPDATERATE", "10"), ("OTHER", "x")])
            .unwrap();
        assert_eq!(c.update_rate, 10);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn file_on_disk_is_read_and_a_missing_one_is_named() {
        let dir = std::env::temp_dir().join(format!("pipes-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("server.prc");
        std::fs::write(&path, "pipes-max-clients 8\npipes-snapshot-history 64\n").unwrap();
        let mut c = Config::default();
        c.apply_file(&path).unwrap();
        assert_eq!((c.max_clients, c.snapshot_history), (8, 64));
        let e = c.apply_file(&dir.join("missing.prc")).unwrap_err();
        assert!(e.at.ends_with("missing.prc"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_name_is_settable() {
        let mut c = Config::default();
        for name in NAMES {
            let r = c.set(name, "1");
            assert!(
                r.is_ok() || r.as_ref().unwrap_err().contains("outside"),
                "{name}: {r:?}"
            );
        }
    }
}
