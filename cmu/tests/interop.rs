//! Stock Panda3D `ClientRepository` clients (from the panda3d wheel) against the
//! `pipes-cmu` binary: connect, generate, relay, zone change, delete, leave, and a
//! hostile raw client ejected while the others keep working. Skips with a message
//! when python3 or panda3d is missing.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

fn panda_available() -> bool {
    Command::new("python3")
        .args(["-c", "import panda3d.direct"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn stock_client_repository_works_unchanged() {
    if !panda_available() {
        eprintln!(
            "SKIP stock_client_repository_works_unchanged: python3 with panda3d is not importable"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dc = root.join("../schemas/test/cmu.dc");
    let mut server = Command::new(env!("CARGO_BIN_EXE_pipes-cmu"))
        .args(["--port", "0", "--host", "127.0.0.1"])
        .arg(&dc)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pipes-cmu");
    let mut line = String::new();
    let stdout = server.stdout.take().expect("stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read listening line");
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    let out = Command::new("timeout")
        .args(["120", "python3"])
        .arg(root.join("tests/stock_clients.py"))
        .arg(port.to_string())
        .arg(&dc)
        .output()
        .expect("run python3");
    let _ = server.kill();
    let log = server.wait_with_output().expect("server output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let server_log = String::from_utf8_lossy(&log.stderr);
    assert!(
        out.status.success() && stdout.contains("OK"),
        "python: {stdout}\n{}\nserver log:\n{server_log}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        server_log.contains("disconnected: truncated CLIENT_OBJECT_GENERATE_CMU"),
        "the hostile client's ejection is logged with its reason:\n{server_log}"
    );
}
