//! Hostile clients (truncated datagrams, unknown class, bad field index, bad payloads)
//! are ejected one by one while a well-behaved pair keeps relaying; a bare 9011
//! heartbeat, which ends the stock ServerRepository, is accepted.

use pipes_cmu::relay::{Config, Relay};
use pipes_cmu::schema::Schema;
use pipes_cmu::server::Server;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::time::Duration;

struct Raw {
    s: TcpStream,
    base: u32,
}

impl Raw {
    fn connect(addr: SocketAddr) -> Raw {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut r = Raw { s, base: 0 };
        let dg = r.recv().expect("SET_DOID_RANGE");
        assert_eq!(u16::from_le_bytes([dg[0], dg[1]]), 9001);
        r.base = u32::from_le_bytes([dg[2], dg[3], dg[4], dg[5]]);
        r
    }
    fn send(&mut self, parts: &[&[u8]]) {
        let body = parts.concat();
        let len = u16::try_from(body.len()).expect("small");
        self.s.write_all(&len.to_le_bytes()).expect("write");
        self.s.write_all(&body).expect("write");
    }
    /// The next datagram, or `None` when the server closed the connection.
    fn recv(&mut self) -> Option<Vec<u8>> {
        let mut h = [0u8; 2];
        self.s.read_exact(&mut h).ok()?;
        let mut b = vec![0u8; usize::from(u16::from_le_bytes(h))];
        self.s.read_exact(&mut b).ok()?;
        Some(b)
    }
    fn recv_type(&mut self, ty: u16) -> Vec<u8> {
        for _ in 0..100 {
            let dg = self.recv().expect("a datagram");
            if u16::from_le_bytes([dg[0], dg[1]]) == ty {
                return dg;
            }
        }
        panic!("no datagram of type {ty}");
    }
    /// True when the server closed the connection (EOF or reset), false on a time-out.
    fn closed(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        for _ in 0..100 {
            match self.s.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) => {
                    return matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                    )
                }
            }
        }
        false
    }
}

fn le16(v: u16) -> [u8; 2] {
    v.to_le_bytes()
}
fn le32(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

#[test]
fn hostile_clients_are_ejected_and_others_keep_working() {
    let dc = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/test/cmu.dc");
    let schema = Schema::load(&[dc.into()]).expect("schema");
    let relay = Relay::new(schema, Config::default());
    let mut server = Server::bind("127.0.0.1:0".parse().expect("addr"), relay).expect("bind");
    let addr = server.local_addr().expect("addr");
    let stop = server.stop_flag();
    let th = std::thread::spawn(move || server.run());

    let mut a = Raw::connect(addr);
    let mut b = Raw::connect(addr);
    b.send(&[&le16(9009), &le32(1)]);
    // A creates a DistributedThing (class 0): setName("x"), setXY(1,2), no optional fields.
    let thing = a.base + 1;
    let body = [&le16(1)[..], b"x", &le16(1), &le16(2), &le16(0)].concat();
    a.send(&[&le16(9002), &le32(1), &le16(0), &le32(thing), &body]);
    let g = b.recv_type(9003);
    assert_eq!(&g[2..6], &le32(a.base));
    assert_eq!(&g[16..], &body[..]);

    let hostile: Vec<(&str, Vec<u8>)> = vec![
        ("truncated generate", [&le16(9002)[..], &le32(1)].concat()),
        ("truncated update", [&le16(120)[..], &[1, 0]].concat()),
        ("empty datagram", Vec::new()),
        ("unknown message type", le16(4242).to_vec()),
        (
            "unknown class",
            [&le16(9002)[..], &le32(1), &le16(999), &[0xEE; 4]].concat(),
        ),
        (
            "bad field index",
            [&le16(120)[..], &le32(thing), &le16(999), &le32(0)].concat(),
        ),
        (
            "bad update payload",
            [&le16(120)[..], &le32(thing), &le16(1), &[1]].concat(),
        ),
        (
            "trailing bytes after an update",
            [&le16(120)[..], &le32(thing), &le16(1), &[1, 0, 2, 0, 9]].concat(),
        ),
    ];
    for (what, dg) in &hostile {
        let mut h = Raw::connect(addr);
        let dg = dg
            .windows(4)
            .position(|w| w == [0xEE; 4])
            .map_or(dg.clone(), |i| {
                let mut d = dg.clone();
                d[i..i + 4].copy_from_slice(&le32(h.base + 1));
                d
            });
        // A bare heartbeat is fine.
        h.send(&[&le16(9011)]);
        h.send(&[&dg]);
        assert!(h.closed(), "{what}: hostile client not disconnected");
        // The others still relay: A's setXY reaches B.
        a.send(&[&le16(120), &le32(thing), &le16(1), &le16(3), &le16(4)]);
        let u = b.recv_type(9004);
        assert_eq!(&u[2..6], &le32(a.base), "{what}");
        assert_eq!(&u[10..], &[1, 0, 3, 0, 4, 0], "{what}");
    }
    // Bad generate body from a client in range: ejected, nothing relayed to B.
    let mut h = Raw::connect(addr);
    h.send(&[
        &le16(9002),
        &le32(1),
        &le16(0),
        &le32(h.base + 1),
        &[5, 0, b'x'],
    ]);
    assert!(h.closed(), "bad generate body not refused");

    // A heartbeats and is still served.
    a.send(&[&le16(9011)]);
    a.send(&[&le16(120), &le32(thing), &le16(1), &le16(5), &le16(6)]);
    assert_eq!(&b.recv_type(9004)[10..], &[1, 0, 5, 0, 6, 0]);
    // A leaves: B gets the delete.
    drop(a);
    let d = b.recv_type(9006);
    assert_eq!(&d[2..6], &le32(thing));

    stop.store(true, Ordering::Relaxed);
    th.join().expect("join").expect("server ran");
}

#[test]
fn silent_client_is_dropped_after_the_idle_timeout_heartbeats_keep_one_alive() {
    let dc = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/test/cmu.dc");
    let schema = Schema::load(&[dc.into()]).expect("schema");
    let relay = Relay::new(schema, Config::default());
    let mut server = Server::bind("127.0.0.1:0".parse().expect("addr"), relay).expect("bind");
    server.set_idle_timeout(Some(Duration::from_millis(1000)));
    let addr = server.local_addr().expect("addr");
    let stop = server.stop_flag();
    let th = std::thread::spawn(move || server.run());
    let mut silent = Raw::connect(addr);
    let mut alive = Raw::connect(addr);
    alive
        .s
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    // Bounded: 30 heartbeats about 100 ms apart (3 s); the silent one goes after 1 s.
    for _ in 0..30 {
        alive.send(&[&le16(9011)]);
        let mut b = [0u8; 16];
        if let Ok(0) = alive.s.read(&mut b) {
            panic!("heartbeating client was dropped");
        }
    }
    assert!(silent.closed(), "silent client still connected");
    stop.store(true, Ordering::Relaxed);
    th.join().expect("join").expect("server ran");
}
