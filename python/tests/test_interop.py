"""One protocol: the Python quick start against the Rust examples, over UDP on loopback.

Needs the Rust example binaries (`cargo build -p pipes-examples --example server
--example client`); skipped with a message when they are not built.
"""

import os
import socket
import subprocess
import sys
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "target", "debug", "examples")
EXAMPLES = os.path.join(ROOT, "examples", "python")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def need(name: str) -> str:
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        pytest.skip(f"{path} not built (cargo build -p pipes-examples --example {name})")
    return path


def test_python_client_against_rust_server() -> None:
    port = free_port()
    server = subprocess.Popen([need("server"), "--port", str(port), "--seconds", "6"], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        out = subprocess.run(
            [sys.executable, os.path.join(EXAMPLES, "client.py"), "--port", str(port), "--seconds", "2.5"],
            capture_output=True, text=True, timeout=30,
        )
        last = out.stdout.strip().splitlines()[-1]
        assert last.startswith("client: objects=2 chat_heard="), out.stdout + out.stderr
        assert int(last.split("chat_heard=")[1].split()[0]) >= 1
        time.sleep(0.5)  # the server logs the goodbye
    finally:
        server.kill()
        log, _ = server.communicate()
    # The Python client's leave reason crossed to the Rust server.
    assert "left (time is up)" in log, log


def test_rust_client_against_python_server() -> None:
    client_bin = need("client")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-u", os.path.join(EXAMPLES, "server.py"), "--port", str(port), "--seconds", "6"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(1.0)
        out = subprocess.run([client_bin, "--port", str(port), "--seconds", "2.5"], capture_output=True, text=True, timeout=30)
        assert "connected as" in out.stdout, out.stdout + out.stderr
        assert "said" in out.stdout, out.stdout + out.stderr
        time.sleep(0.5)  # the server logs the goodbye
    finally:
        server.kill()
        log, _ = server.communicate()
    # The Rust client's leave reason crossed to the Python server.
    assert "left: time is up" in log, log


def test_prediction_example_corrects_at_the_wall_and_ends_on_the_server_state() -> None:
    port = free_port()
    out = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, "predict.py"), "--port", str(port), "--seconds", "2"],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip().splitlines()[-1]
    figures = dict(pair.split("=") for pair in line.removeprefix("predict: ").split())
    assert int(figures["commands"]) > 60, line
    assert int(figures["reconciliations"]) > 10, line
    assert int(figures["mispredictions"]) > 0, "the server's wall must show as a misprediction: " + line
    assert float(figures["final_error_mm"]) < 1.0, "after the last ack the prediction is the server's state: " + line
