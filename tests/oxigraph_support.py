"""A real Oxigraph SPARQL server for tests, found or pip-installed by .ci/oxigraph-server.sh."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "oxigraph-server.sh"


@cache
def oxigraph_binary() -> str | None:
    """Path of the `oxigraph` server binary (installing the PyPI package if needed), or None."""
    try:
        out = subprocess.run(
            ["bash", str(SCRIPT), "--which"],
            env={**os.environ, "PYTHON": sys.executable},
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    path = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    return path if path and os.access(path, os.X_OK) else None


@pytest.fixture(scope="module")
def binary() -> str:
    """The oxigraph server binary; the test is skipped (with the reason) where it cannot be had."""
    path = oxigraph_binary()
    if path is None:
        pytest.skip("the oxigraph server binary is not on PATH and `pip install oxigraph` failed")
    return path


def generate_dataset(triples: int, seed: int, out: Path) -> Path:
    """A synthetic dataset of the graph's shape, written by benchmarks/generate.py to ``out``."""
    script = ROOT / "benchmarks" / "generate.py"
    subprocess.run(
        [sys.executable, str(script), "--triples", str(triples), "--seed", str(seed), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    """One `oxigraph serve` process on a fixed location and port; can be killed and started again."""

    def __init__(self, binary: str, location: Path, *, timeout_s: int = 30) -> None:
        self.binary = binary
        self.location = location
        self.port = free_port()
        self.timeout_s = timeout_s
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.base}/query"

    def start(self) -> OxigraphServer:
        self.process = subprocess.Popen(
            [
                self.binary,
                "serve",
                "--location",
                str(self.location),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout-s",
                str(self.timeout_s),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited with {self.process.returncode}")
            try:
                query = urllib.parse.urlencode({"query": "ASK {}"})
                urllib.request.urlopen(f"{self.endpoint}?{query}", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("oxigraph serve did not answer within 20 s")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
