"""Issue 10's defects on the question path: ``mediakg query`` and ``/api`` give the same JSON answer (one
encoding: a language-tagged label is an ``rdf:langString`` in both), CLI tables fit the terminal, and the
``MEDIAKG_SERVICE_HOST`` / ``_PORT`` environment is honoured when no option is given."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from service_fixtures import server_factory  # noqa: F401  (fixture)

REPO = Path(__file__).resolve().parents[1]
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@pytest.fixture
def use_build(built_dataset: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAKG_HOME", str(REPO))
    monkeypatch.setenv("MEDIAKG_BUILD_DIR", str(built_dataset))
    return built_dataset


def _lang_cells(doc: dict) -> list[dict]:
    return [c for row in doc["rows"] for c in row.values() if c and c.get("lang")]


def test_cli_json_is_the_api_json(
    use_build: Path,
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
    server_factory,  # noqa: F811
) -> None:
    base = server_factory(use_build)
    for name, params in (("people-search", {"name": "Toyken"}), ("ministers-met-osce-before-law", {})):
        args = [a for k, v in params.items() for a in ("--param", f"{k}={v}")]
        cli = run_cli("query", name, *args, "--format", "json")
        assert cli.returncode == 0, cli.stderr
        from_cli = json.loads(cli.stdout)
        from_api = httpx.get(f"{base}/api/{name}", params=params, timeout=60).json()
        assert from_cli == from_api
    langs = _lang_cells(from_cli)
    assert langs and all(c["datatype"] == RDF_LANG_STRING for c in langs)


def test_cli_table_fits_the_terminal(use_build: Path) -> None:
    for columns in (80, 200):
        env = {**os.environ, "COLUMNS": str(columns)}
        out = subprocess.run(
            [sys.executable, "-m", "mediakg.cli", "query", "ministers-met-osce-before-law"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        assert max(len(line) for line in out.stdout.splitlines()) <= columns
        assert "Marat Tazhin" in out.stdout and "https://w3id.org" not in out.stdout  # labels, not IRIs
    iris = subprocess.run(
        [sys.executable, "-m", "mediakg.cli", "query", "ministers-met-osce-before-law", "--iris"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
        timeout=120,
    )
    assert "id:person/" in iris.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_takes_host_and_port_from_the_environment(built_dataset: Path, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "MEDIAKG_SERVICE_HOST": "127.0.0.1", "MEDIAKG_SERVICE_PORT": str(port)}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mediakg.cli", "serve", "--data", str(built_dataset)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not re.search(r"at http://\S+/ ", log.read_text()):
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
        assert f"http://127.0.0.1:{port}/" in log.read_text()
        while time.monotonic() < deadline:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError(log.read_text())
    finally:
        process.terminate()
        process.wait(15)
