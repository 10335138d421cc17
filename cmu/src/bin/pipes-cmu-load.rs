//! `pipes-cmu-load`: a CMU-protocol load client for benchmarking pipes-cmu against the
//! stock ServerRepository. C clients each own O objects in zone 1 and update each of
//! them R times per second (the `stamp` field of schemas/test/cmu.dc); every client
//! watches zone 1. Reports relayed updates per second, delivered ratio, latency p50/p99
//! and (with `--pid`) the server's CPU time.

use clap::Parser;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// Load client for CMU servers.
#[derive(Parser)]
struct Args {
    /// Server address.
    #[arg(long, default_value = "127.0.0.1:6666")]
    addr: String,
    /// Clients.
    #[arg(short = 'c', long, default_value_t = 8)]
    clients: u32,
    /// Objects per client.
    #[arg(short = 'o', long, default_value_t = 20)]
    objects: u32,
    /// Updates per object per second.
    #[arg(short = 'r', long, default_value_t = 20)]
    rate: u32,
    /// Seconds of load.
    #[arg(short = 'd', long, default_value_t = 10)]
    seconds: u64,
    /// Server process id, to report its CPU use from /proc.
    #[arg(long)]
    pid: Option<u32>,
    /// Label printed with the result line.
    #[arg(long, default_value = "server")]
    label: String,
}

/// Class and field numbers in schemas/test/cmu.dc.
const CLASS: u16 = 0;
const STAMP_FIELD: u16 = 5;

fn frame(out: &mut Vec<u8>, parts: &[&[u8]]) {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    out.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_le_bytes());
    for p in parts {
        out.extend_from_slice(p);
    }
}

fn cpu_ticks(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

struct Totals {
    received: AtomicU64,
    sent: AtomicU64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = Args::parse();
    let start = Instant::now();
    let totals = Arc::new(Totals {
        received: AtomicU64::new(0),
        sent: AtomicU64::new(0),
    });
    let ready = Arc::new(Barrier::new(a.clients as usize + 1));
    let load_end = Arc::new(AtomicU64::new(u64::MAX));
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    for _ in 0..a.clients {
        let mut s = TcpStream::connect(&a.addr)?;
        s.set_nodelay(true)?;
        let mut h = [0u8; 12];
        s.read_exact(&mut h)?;
        if u16::from_le_bytes([h[2], h[3]]) != 9001 {
            return Err("first datagram is not SET_DOID_RANGE_CMU".into());
        }
        let base = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
        let mut setup = Vec::new();
        frame(&mut setup, &[&9009u16.to_le_bytes(), &1u32.to_le_bytes()]);
        for i in 0..a.objects {
            // setName("o"), setXY(0, 0), no optional fields.
            frame(
                &mut setup,
                &[
                    &9002u16.to_le_bytes(),
                    &1u32.to_le_bytes(),
                    &CLASS.to_le_bytes(),
                    &(base + 1 + i).to_le_bytes(),
                    &[1, 0, b'o', 0, 0, 0, 0, 0, 0],
                ],
            );
        }
        s.write_all(&setup)?;
        let mut rs = s.try_clone()?;
        rs.set_read_timeout(Some(Duration::from_millis(200)))?;
        let t = totals.clone();
        let end = load_end.clone();
        readers.push(std::thread::spawn(move || {
            let mut lat = Vec::new();
            let mut buf = vec![0u8; 1 << 20];
            let mut have = 0usize;
            let mut n_seen = 0u64;
            loop {
                match rs.read(&mut buf[have..]) {
                    Ok(0) => break,
                    Ok(n) => have += n,
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                    {
                        let e = end.load(Ordering::Relaxed);
                        if e != u64::MAX && start.elapsed().as_millis() as u64 > e + 1000 {
                            break;
                        }
                        continue;
                    }
                    Err(_) => break,
                }
                let now = start.elapsed().as_micros() as u64;
                let mut at = 0;
                let mut got = 0;
                while have - at >= 2 {
                    let len = usize::from(u16::from_le_bytes([buf[at], buf[at + 1]]));
                    if have - at < 2 + len {
                        break;
                    }
                    let dg = &buf[at + 2..at + 2 + len];
                    if len == 20
                        && dg[..2] == 9004u16.to_le_bytes()
                        && dg[10..12] == STAMP_FIELD.to_le_bytes()
                    {
                        got += 1;
                        n_seen += 1;
                        if n_seen.is_multiple_of(8) {
                            let mut b = [0u8; 8];
                            b.copy_from_slice(&dg[12..20]);
                            lat.push(now.saturating_sub(u64::from_le_bytes(b)));
                        }
                    }
                    at += 2 + len;
                }
                buf.copy_within(at..have, 0);
                have -= at;
                t.received.fetch_add(got, Ordering::Relaxed);
            }
            lat
        }));
        let t = totals.clone();
        let ready = ready.clone();
        let (objects, rate, seconds) = (a.objects, a.rate, a.seconds);
        writers.push(std::thread::spawn(move || -> std::io::Result<()> {
            ready.wait();
            let t0 = Instant::now();
            let per_sec = u64::from(objects) * u64::from(rate);
            let mut sent = 0u64;
            let mut out = Vec::new();
            while t0.elapsed() < Duration::from_secs(seconds) {
                let due = (t0.elapsed().as_micros() as u64 * per_sec / 1_000_000).max(sent);
                out.clear();
                let now = start.elapsed().as_micros() as u64;
                while sent < due {
                    let obj = base + 1 + (sent % u64::from(objects)) as u32;
                    frame(
                        &mut out,
                        &[
                            &120u16.to_le_bytes(),
                            &obj.to_le_bytes(),
                            &STAMP_FIELD.to_le_bytes(),
                            &now.to_le_bytes(),
                        ],
                    );
                    sent += 1;
                }
                s.write_all(&out)?;
                std::thread::sleep(Duration::from_millis(5));
            }
            t.sent.fetch_add(sent, Ordering::Relaxed);
            Ok(())
        }));
    }
    // Let the generates settle before the load starts.
    std::thread::sleep(Duration::from_millis(500));
    let cpu0 = a.pid.and_then(cpu_ticks);
    let t_load = Instant::now();
    ready.wait();
    for w in writers {
        if let Ok(Err(e)) = w.join() {
            eprintln!("writer: {e}");
        }
    }
    let secs = t_load.elapsed().as_secs_f64();
    let cpu1 = a.pid.and_then(cpu_ticks);
    load_end.store(start.elapsed().as_millis() as u64, Ordering::Relaxed);
    let mut lat: Vec<u64> = Vec::new();
    for r in readers {
        lat.extend(r.join().unwrap_or_default());
    }
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return f64::NAN;
        }
        lat[((lat.len() - 1) as f64 * p) as usize] as f64 / 1000.0
    };
    let sent = totals.sent.load(Ordering::Relaxed);
    let received = totals.received.load(Ordering::Relaxed);
    let expected = sent * u64::from(a.clients.saturating_sub(1));
    let cpu = match (cpu0, cpu1) {
        (Some(x), Some(y)) => format!("{:.0}%", (y - x) as f64 / secs),
        _ => "n/a".into(),
    };
    println!(
        "{}: C={} O={} R={} sent={} relayed={} relayed/s={:.0} delivered={:.2}% p50={:.2}ms p99={:.2}ms server_cpu={}",
        a.label,
        a.clients,
        a.objects,
        a.rate,
        sent,
        received,
        received as f64 / secs,
        if expected == 0 { 100.0 } else { received as f64 * 100.0 / expected as f64 },
        pct(0.5),
        pct(0.99),
        cpu
    );
    Ok(())
}
