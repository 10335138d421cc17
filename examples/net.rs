//! Small helpers the examples share: UDP endpoints with the defaults and a frame loop.

use pipes::client::Client;
use pipes::server::Server;
use pipes::transport::driver::{ClientDriver, ServerDriver};
use pipes::transport::udp::{ClientAuth, Security, UdpClient, UdpConfig, UdpServer};
use pipes::transport::TransportError;
use pipes::Config;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// A server for `schema` listening on `port` of every interface (0 picks a free one).
pub fn serve(
    schema: &'static pipes::schema::SchemaInfo,
    port: u16,
) -> Result<ServerDriver<UdpServer>, TransportError> {
    let config = Config::default();
    let max = config.max_clients as usize;
    let udp = UdpServer::bind(
        ([0, 0, 0, 0], port).into(),
        max,
        Security::Unsecure,
        UdpConfig::default(),
    )?;
    Ok(ServerDriver::new(Server::new(schema, config), udp))
}

/// The loopback address of a server's port.
pub fn local(server: &ServerDriver<UdpServer>) -> Result<SocketAddr, TransportError> {
    let port = server.transport.local_addr()?.port();
    Ok(([127, 0, 0, 1], port).into())
}

/// A client of `schema` connecting to `addr` (unsecure mode, a fresh client id).
pub fn connect(
    schema: &'static pipes::schema::SchemaInfo,
    addr: SocketAddr,
) -> Result<ClientDriver<UdpClient>, TransportError> {
    let udp = UdpClient::connect(
        addr,
        ClientAuth::Unsecure {
            client_id: fresh_id(),
        },
        UdpConfig::default(),
    )?;
    Ok(ClientDriver::new(
        Client::new(schema, Config::default()),
        udp,
    ))
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

/// Calls `frame` every 5 ms for `seconds` or until it returns `Ok(false)`.
pub fn run_for<E>(seconds: f64, mut frame: impl FnMut(f64) -> Result<bool, E>) -> Result<(), E> {
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
