//! Small helpers the examples share: UDP endpoints with the defaults and a frame loop.

use pipes::client::Client;
use pipes::server::Server;
use pipes::transport::driver::{ClientDriver, ServerDriver};
use pipes::transport::udp::{ClientAuth, Security, UdpClient, UdpConfig, UdpServer};
use pipes::transport::TransportError;
use pipes::Config;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// What the examples' helpers return: any error, with a message for the operator.
pub type Error = Box<dyn std::error::Error>;

/// Transport slots beyond `max_clients`: a connection to a full server then reaches
/// the server, which answers `Rejected(Full)`, instead of being dropped by the
/// transport (which a client would take for a dead server).
pub const SPARE_SLOTS: usize = 4;

/// The configuration, loaded the way a game would: the defaults, then the file given
/// with `--config FILE`, then the `PIPES_*` environment variables (an unknown or
/// malformed one is an error naming it).
pub fn config() -> Result<Config, pipes::config::ConfigError> {
    let file = arg::<String>("--config", String::new());
    Config::load((!file.is_empty()).then(|| std::path::Path::new(&file)))
}

/// A server for `schema` on `port` (0 picks a free one) of the address given with
/// `--bind` (loopback unless asked: in unsecure mode anyone who reaches the port can
/// take every slot), with [`config`].
pub fn serve(
    schema: &'static pipes::schema::SchemaInfo,
    port: u16,
) -> Result<ServerDriver<UdpServer>, Error> {
    let ip = arg("--bind", std::net::IpAddr::from([127, 0, 0, 1]));
    Ok(serve_with(schema, config()?, (ip, port).into())?)
}

/// A server for `schema` with `config` on `addr` (unsecure mode), with
/// [`SPARE_SLOTS`] transport slots beyond `max_clients`.
pub fn serve_with(
    schema: &'static pipes::schema::SchemaInfo,
    config: Config,
    addr: SocketAddr,
) -> Result<ServerDriver<UdpServer>, TransportError> {
    let slots = config.max_clients as usize + SPARE_SLOTS;
    let udp = UdpServer::bind(addr, slots, Security::Unsecure, UdpConfig::default())?;
    Ok(ServerDriver::new(Server::new(schema, config), udp))
}

/// The loopback address of a server's port.
pub fn local(server: &ServerDriver<UdpServer>) -> Result<SocketAddr, TransportError> {
    let port = server.transport.local_addr()?.port();
    Ok(([127, 0, 0, 1], port).into())
}

/// A client of `schema` connecting to `addr` (unsecure mode, a fresh client id), with
/// [`config`].
pub fn connect(
    schema: &'static pipes::schema::SchemaInfo,
    addr: SocketAddr,
) -> Result<ClientDriver<UdpClient>, Error> {
    Ok(connect_with(schema, config()?, addr)?)
}

/// A client of `schema` with `config` connecting to `addr` (unsecure mode).
pub fn connect_with(
    schema: &'static pipes::schema::SchemaInfo,
    config: Config,
    addr: SocketAddr,
) -> Result<ClientDriver<UdpClient>, TransportError> {
    let auth = ClientAuth::Unsecure {
        client_id: fresh_id(),
    };
    let udp = UdpClient::connect(addr, auth, UdpConfig::default())?;
    Ok(ClientDriver::new(Client::new(schema, config), udp))
}

/// Installs a log subscriber writing to stderr, filtered by `RUST_LOG` (by default,
/// `default_level` and above): an operator then sees why a client was ejected or a
/// connection refused. Without a subscriber the runtime's logging shows nothing and
/// costs one atomic load per call site. A second call changes nothing.
pub fn log_to_stderr(default_level: tracing::Level) {
    use tracing_subscriber::filter::{EnvFilter, LevelFilter};
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::from_level(default_level).into())
        .from_env_lossy();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A timer that fires at most once per period of a frame loop's time (`t`, seconds).
#[derive(Clone, Copy, Debug)]
pub struct Every {
    period: f64,
    next: f64,
}

impl Every {
    /// Fires first at `period`, then every `period` seconds.
    pub fn new(period: f64) -> Every {
        Every {
            period,
            next: period,
        }
    }

    /// Whether the timer fired by time `t` (once, however late the frame).
    pub fn due(&mut self, t: f64) -> bool {
        if t < self.next {
            return false;
        }
        self.next += self.period;
        if self.next <= t {
            self.next = t + self.period;
        }
        true
    }
}

/// A client id unlikely to collide: time, process id and a counter mixed.
pub fn fresh_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = pipes::sim::Rng::new(
        nanos ^ (u64::from(std::process::id()) << 32) ^ COUNTER.fetch_add(1, Ordering::Relaxed),
    );
    rng.next_u64() | 1
}

/// Calls `frame` with the time since the start (seconds) every 5 ms, for `seconds` or
/// until it returns `Ok(false)`; its first error ends the loop.
pub fn run_for(
    seconds: f64,
    mut frame: impl FnMut(f64) -> Result<bool, Error>,
) -> Result<(), Error> {
    let start = Instant::now();
    loop {
        let t = start.elapsed().as_secs_f64();
        if t >= seconds || !frame(t)? {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The value of `--name VALUE` in the command line, parsed, or `default`.
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
