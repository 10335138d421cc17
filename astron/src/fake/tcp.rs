//! The fake cluster served on loopback TCP: a "message director" port for one AI link
//! and a "client agent" port for any number of clients, like `astrond` with the
//! example config. For tests of code that uses the real TCP drivers.

use super::{FakeCluster, FakeConfig};
use pipes::schema::SchemaInfo;
use pipes::time::Time;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A [`FakeCluster`] running on a thread, listening on two loopback ports.
#[derive(Debug)]
pub struct FakeServer {
    /// Where AI / UberDOG processes connect (the message director).
    pub md_addr: SocketAddr,
    /// Where clients connect (the client agent).
    pub ca_addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<u16>>>,
}

impl FakeServer {
    /// Starts serving on 127.0.0.1 (free ports); the thread ends after `lifetime` at
    /// the latest, or when [`FakeServer::stop`] is called or the server is dropped.
    pub fn start(
        schema: &'static SchemaInfo,
        config: FakeConfig,
        lifetime: Duration,
    ) -> io::Result<FakeServer> {
        let md = TcpListener::bind(("127.0.0.1", 0))?;
        let ca = TcpListener::bind(("127.0.0.1", 0))?;
        md.set_nonblocking(true)?;
        ca.set_nonblocking(true)?;
        let (md_addr, ca_addr) = (md.local_addr()?, ca.local_addr()?);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let cluster = FakeCluster::new(schema, config);
        let thread = std::thread::spawn(move || serve(cluster, md, ca, &flag, lifetime));
        Ok(FakeServer {
            md_addr,
            ca_addr,
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the thread; returns the message types the fake ignored.
    pub fn stop(mut self) -> Vec<u16> {
        self.halt()
    }

    fn halt(&mut self) -> Vec<u16> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Reads what is there without blocking; `None` when the peer is gone.
fn read_ready(stream: &mut TcpStream, buf: &mut [u8]) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    // Bounded: at most 64 reads per turn so one busy peer cannot starve the others.
    for _ in 0..64 {
        match stream.read(buf) {
            Ok(0) => return None,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(got)
}

fn write_all(stream: &mut TcpStream, bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return true;
    }
    // The socket is non-blocking: switch to blocking with a timeout for the write.
    let ok = stream.set_nonblocking(false).is_ok()
        && stream
            .set_write_timeout(Some(Duration::from_secs(2)))
            .is_ok()
        && stream.write_all(bytes).is_ok();
    ok && stream.set_nonblocking(true).is_ok()
}

fn serve(
    mut cluster: FakeCluster,
    md: TcpListener,
    ca: TcpListener,
    stop: &AtomicBool,
    lifetime: Duration,
) -> Vec<u16> {
    let end = Instant::now() + lifetime;
    let mut ai: Option<TcpStream> = None;
    let mut clients: Vec<Option<TcpStream>> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let start = Instant::now();
    while !stop.load(Ordering::Relaxed) && Instant::now() < end {
        cluster.advance(Time::ZERO + start.elapsed());
        if let Ok((s, _)) = md.accept() {
            if s.set_nonblocking(true).is_ok() && s.set_nodelay(true).is_ok() {
                ai = Some(s);
            }
        }
        if let Ok((s, _)) = ca.accept() {
            let (index, _) = cluster.accept();
            let ok = s.set_nonblocking(true).is_ok() && s.set_nodelay(true).is_ok();
            clients.resize_with(index + 1, || None);
            clients[index] = ok.then_some(s);
        }
        if let Some(s) = ai.as_mut() {
            match read_ready(s, &mut buf) {
                Some(bytes) if cluster.recv_ai(&bytes).is_ok() => {}
                // A closed or misbehaving AI link is dropped, as the MD would.
                _ => ai = None,
            }
        }
        for (i, slot) in clients.iter_mut().enumerate() {
            let Some(s) = slot.as_mut() else { continue };
            match read_ready(s, &mut buf) {
                Some(bytes) => cluster.recv_client(i, &bytes),
                None => {
                    cluster.drop_client(i);
                    *slot = None;
                }
            }
        }
        if let Some(s) = ai.as_mut() {
            let out = cluster.take_ai_output();
            if !write_all(s, &out) {
                ai = None;
            }
        }
        for (i, slot) in clients.iter_mut().enumerate() {
            let out = cluster.take_client_output(i);
            let Some(s) = slot.as_mut() else { continue };
            if !write_all(s, &out) {
                cluster.drop_client(i);
                *slot = None;
            } else if cluster.is_closed(i) {
                // Ejected or disconnected: the agent closes the connection after its eject.
                let _ = s.shutdown(Shutdown::Both);
                *slot = None;
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    cluster.ignored
}
