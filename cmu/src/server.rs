//! The TCP event loop: one thread, `mio` readiness, batched reads and writes,
//! TCP_NODELAY, and ejection of a misbehaving or slow client without stopping others.

use crate::codec;
use crate::relay::Relay;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LISTENER: Token = Token(usize::MAX);
/// Bytes of unparsed input a client may leave buffered (one max datagram and a bit).
const MAX_INBUF: usize = 2 * (codec::MAX_DATAGRAM + 2);

struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    inbuf: Vec<u8>,
    closed: Option<String>,
    last_heard: Instant,
}

/// A bound server, ready to run.
pub struct Server {
    poll: Poll,
    listener: TcpListener,
    relay: Relay,
    conns: Vec<Option<Conn>>,
    stop: Arc<AtomicBool>,
    idle_timeout: Option<Duration>,
}

impl Server {
    /// Binds the listening socket.
    pub fn bind(addr: SocketAddr, relay: Relay) -> io::Result<Server> {
        let poll = Poll::new()?;
        let mut listener = TcpListener::bind(addr)?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        Ok(Server {
            poll,
            listener,
            relay,
            conns: Vec::new(),
            stop: Arc::new(AtomicBool::new(false)),
            idle_timeout: None,
        })
    }

    /// Disconnects clients that send nothing (not even a heartbeat) for this long.
    /// Off by default, as in ServerRepository; `ClientRepository` heartbeats every
    /// `heartbeat-interval` (10 s) once the game calls `startHeartbeat()`.
    pub fn set_idle_timeout(&mut self, timeout: Option<Duration>) {
        self.idle_timeout = timeout;
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A flag that stops [`Server::run`] when set (within 100 ms).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// Serves until the stop flag is set.
    pub fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut buf = vec![0u8; 256 * 1024];
        while !self.stop.load(Ordering::Relaxed) {
            match self
                .poll
                .poll(&mut events, Some(Duration::from_millis(100)))
            {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            for ev in events.iter() {
                if ev.token() == LISTENER {
                    self.accept();
                    continue;
                }
                let slot = ev.token().0;
                if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                    self.read(slot, &mut buf);
                }
            }
            self.flush_and_reap();
        }
        let slots: Vec<usize> = self.relay.slots().collect();
        for s in slots {
            self.close(s, "server shutting down".into());
        }
        Ok(())
    }

    fn accept(&mut self) {
        loop {
            let (mut stream, peer) = match self.listener.accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    eprintln!("pipes-cmu: accept failed: {e}");
                    return;
                }
            };
            let _ = stream.set_nodelay(true);
            let Some(slot) = self.relay.connect() else {
                eprintln!("pipes-cmu: refusing {peer}: every doId range is taken");
                continue;
            };
            if let Err(e) = self.poll.registry().register(
                &mut stream,
                Token(slot),
                Interest::READABLE | Interest::WRITABLE,
            ) {
                eprintln!("pipes-cmu: cannot register {peer}: {e}");
                self.relay.disconnect(slot);
                continue;
            }
            if self.conns.len() <= slot {
                self.conns.resize_with(slot + 1, || None);
            }
            let base = self.relay.client(slot).map_or(0, |c| c.base);
            eprintln!("pipes-cmu: client {base} connected from {peer}");
            self.conns[slot] = Some(Conn {
                stream,
                peer,
                inbuf: Vec::new(),
                closed: None,
                last_heard: Instant::now(),
            });
        }
    }

    fn read(&mut self, slot: usize, buf: &mut [u8]) {
        let Some(Some(conn)) = self.conns.get_mut(slot) else {
            return;
        };
        loop {
            match conn.stream.read(buf) {
                Ok(0) => {
                    conn.closed = Some("connection closed by the client".into());
                    break;
                }
                Ok(n) => {
                    conn.last_heard = Instant::now();
                    conn.inbuf.extend_from_slice(&buf[..n]);
                    let mut used = 0;
                    while let Some((dg, n)) = codec::next_frame(&conn.inbuf[used..]) {
                        if let Some(warn) = self.relay.handle(slot, dg) {
                            let base = self.relay.client(slot).map_or(0, |c| c.base);
                            eprintln!("pipes-cmu: client {base}: {warn}");
                        }
                        used += n;
                        if self.relay.client(slot).is_none_or(|c| c.eject.is_some()) {
                            break;
                        }
                    }
                    conn.inbuf.drain(..used);
                    if conn.inbuf.len() > MAX_INBUF {
                        conn.closed = Some("input buffer overflow".into());
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    conn.closed = Some(format!("read error: {e}"));
                    break;
                }
            }
        }
    }

    fn flush_and_reap(&mut self) {
        let slots: Vec<usize> = self.relay.slots().collect();
        for slot in slots {
            let Some(Some(conn)) = self.conns.get_mut(slot) else {
                continue;
            };
            let Some(client) = self.relay.client_mut(slot) else {
                continue;
            };
            let mut written = 0;
            while written < client.out.len() {
                match conn.stream.write(&client.out[written..]) {
                    Ok(0) => {
                        conn.closed = Some("write returned 0".into());
                        break;
                    }
                    Ok(n) => written += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        conn.closed = Some(format!("write error: {e}"));
                        break;
                    }
                }
            }
            client.out.drain(..written);
            if let Some(t) = self.idle_timeout {
                if conn.closed.is_none() && conn.last_heard.elapsed() > t {
                    conn.closed = Some(format!(
                        "silent for over {} s (idle timeout)",
                        t.as_secs_f64()
                    ));
                }
            }
            let reason = client.eject.clone().or_else(|| conn.closed.clone());
            if let Some(r) = reason {
                self.close(slot, r);
            }
        }
    }

    fn close(&mut self, slot: usize, reason: String) {
        let base = self.relay.client(slot).map_or(0, |c| c.base);
        if let Some(mut conn) = self.conns.get_mut(slot).and_then(Option::take) {
            // Best effort: what is already queued for it (a goodbye gets its deletes).
            if let Some(c) = self.relay.client(slot) {
                let _ = conn.stream.write(&c.out);
            }
            let _ = self.poll.registry().deregister(&mut conn.stream);
            eprintln!(
                "pipes-cmu: client {base} ({}) disconnected: {reason}",
                conn.peer
            );
        }
        self.relay.disconnect(slot);
    }
}
