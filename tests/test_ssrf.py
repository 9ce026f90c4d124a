"""Server-side request forgery: no query makes the service open a connection, whatever its spelling.

A real ``mediakg serve`` process, and a local "internal service" on 127.0.0.1 that counts every
connection and answers with a secret. The corpus holds the payloads of issue 9 (codepoint escapes that
made the old lexical check, rdflib and pyoxigraph read one text three ways) and variants with SERVICE in
every position. Two layers are tested apart: the parse gate refuses them (400), and the kernel's sandbox
refuses a socket to code that runs inside a worker no matter what the gate let through.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import sandbox_probe
from mediakg.query import sandbox
from mediakg.query.base import ExecutorConfig
from mediakg.query.pool import WorkerPool
from service_fixtures import PROCESSES, server_factory  # noqa: F401  (fixture)

EX = "http://example.org/"
SECRET = "internal-secret-7f3a"


class Listener:
    """A TCP listener on 127.0.0.1 that counts connections and answers each with an HTTP 200 + SECRET."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    body = f'{{"head":{{"vars":["x"]}},"results":{{"bindings":[]}},"s":"{SECRET}"}}'
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n{body}".encode()
                    )
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module")
def base(server_factory, tmp_path_factory) -> str:  # noqa: F811
    data = tmp_path_factory.mktemp("ssrf") / "data.ttl"
    data.write_text("".join(f'<{EX}s{i}> <{EX}p> "v{i}" .\n' for i in range(5)), encoding="utf-8")
    return server_factory(data, timeout=5)


def corpus(port: int) -> list[str]:
    """SSRF payloads aimed at 127.0.0.1:``port``; each must be refused or answered without a connection."""
    target = f"http://127.0.0.1:{port}"
    u = "\\u"
    return [
        # issue 9, as found: the escaped IRI hid '#', the escaped quote re-paired the strings
        f'SELECT * WHERE {{ VALUES ?v {{ <http://x/{u}0041#> """a{u}0022""" }} SERVICE <{target}/data> '
        '{ ?a ?b ?c } BIND("#" AS ?h) OPTIONAL {\n} }',
        # issue 9, the blind variant
        f"SELECT * WHERE {{ VALUES ?z {{ <http://x/{u}0041#> }} SERVICE <{target}/data> {{ ?a ?b ?c }} }}",
        # the keyword itself spelled with escapes
        f"SELECT * WHERE {{ {u}0053ERVICE <{target}/> {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ SERV\\U00000049CE <{target}/> {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{u}003{str(port)[0]}{str(port)[1:]}/> "
        "{ ?a ?b ?c } }",
        # an escape that decodes to a backslash, making a second escape
        f"SELECT * WHERE {{ {u}005Cu0053ERVICE <{target}/> {{ ?a ?b ?c }} }}",
        # every position
        f"ASK {{ SERVICE <{target}/> {{ ?a ?b ?c }} }}",
        f"CONSTRUCT {{ ?a ?b ?c }} WHERE {{ SERVICE SILENT <{target}/> {{ ?a ?b ?c }} }}",
        f"DESCRIBE ?a WHERE {{ SERVICE <{target}/> {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{target}/> {{ ?s ?b ?c }} }} }}",
        f"SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{target}/> {{ ?s ?b ?c }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{target}/> {{ ?s ?b ?c }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{target}/> {{ ?s ?b ?c }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{target}/> {{ ?s ?b ?c }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{target}/> {{ ?s ?b ?c }} }} }} }}",
        f"SELECT * WHERE {{ GRAPH ?g {{ SERVICE <{target}/> {{ ?s ?b ?c }} }} }}",
        f"SELECT * WHERE {{ BIND(<{target}/> AS ?e) SERVICE ?e {{ ?s ?b ?c }} }}",
        f"PREFIX r: <{target}/> SELECT * WHERE {{ service r:x {{ ?s ?b ?c }} }}",
        f"BASE <{target}/> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?b ?c }} }}",
        f"SELECT * WHERE {{ SERVICE <{target}/> {{ SERVICE <{target}/2> {{ ?s ?b ?c }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o }} VALUES ?x {{ 1 }} # \nSERVICE <{target}/> {{ }}",
        # comment and string games around the keyword
        f"SELECT * WHERE {{ ?s ?p ?o # {u}000A SERVICE <{target}/> {{ ?a ?b ?c }}\n }}",
        f"SELECT * WHERE {{ BIND('''x{u}0027''' AS ?q) SERVICE <{target}/> {{ ?a ?b ?c }} "
        'BIND("\'" AS ?r) }',
        # FROM and the protocol's dataset of an outside IRI: empty graphs, never fetched
        f"SELECT * FROM <{target}/graph> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{target}/graph> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    ]


def _requests(url: str, query: str) -> list[httpx.Response]:
    return [
        httpx.get(url, params={"query": query}, timeout=30),
        httpx.post(url, data={"query": query}, timeout=30),
        httpx.post(
            url, content=query.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=30
        ),
    ]


def test_ssrf_corpus_makes_no_connection(base: str, listener: Listener) -> None:
    url = base + "/sparql"
    pid = PROCESSES[base].pid
    statuses: dict[int, int] = {}
    for query in corpus(listener.port):
        for response in _requests(url, query):
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code in (200, 400), (query, response.status_code, response.text)
            assert SECRET not in response.text, query
            if "SERVICE" in query.upper() and response.status_code == 200:
                assert "SERVICE" not in query.split("#")[0].upper() or '"""' in query or "'''" in query, query
    for params in (
        {"default-graph-uri": f"http://127.0.0.1:{listener.port}/g"},
        {"named-graph-uri": "file:///"},
    ):
        response = httpx.get(url, params={"query": "ASK {}", **params}, timeout=30)
        assert response.status_code == 200 and response.json()["boolean"] is True
    time.sleep(0.5)  # a late connection would still be counted
    assert listener.connections == 0
    assert PROCESSES[base].poll() is None and PROCESSES[base].pid == pid
    assert statuses.get(400, 0) > 0
    # control: the listener counts a connection when one is made
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    deadline = time.monotonic() + 2
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert listener.connections == 1
    listener.connections = 0


def test_issue_payloads_are_read_one_way(base: str, listener: Listener) -> None:
    """The payload that made the server POST to an internal address: read as the SPARQL grammar reads it
    (escapes first), "SERVICE ..." is the text of a string literal, and the engine answers just that; the
    blind variant, where SERVICE is a real pattern, is refused by the gate. No connection either way."""
    payload, blind = corpus(listener.port)[:2]
    for response in _requests(base + "/sparql", payload):
        assert response.status_code == 200, response.text
        values = [b["v"]["value"] for b in response.json()["results"]["bindings"]]
        assert values[:2] == ["http://x/A#", "a"] and values[2].startswith(" } SERVICE <http://127.0.0.1:")
    for response in _requests(base + "/sparql", blind):
        assert response.status_code == 400 and "SERVICE" in response.text, response.text
    assert listener.connections == 0


def test_a_worker_cannot_open_a_socket(tmp_path: Path, listener: Listener) -> None:
    """Code that runs inside a query worker (here: while it unpickles its job) is refused a socket by the
    kernel, and the worker reports the errno; the listener sees nothing."""
    data = tmp_path / "data.nt"
    data.write_text(f'<{EX}s> <{EX}p> "v" .\n', encoding="utf-8")

    async def probe() -> str:
        executor = WorkerPool(data, ExecutorConfig(workers=1, internal_workers=1, timeout=10))
        await executor.start()
        try:
            job = sandbox_probe.ConnectProbe(listener.port)
            pickle.dumps(job)  # the probe is what travels over the pipe
            answer = await executor._dispatch(job, executor._lane("public"), 10)  # type: ignore[arg-type]
            return json.loads(answer.body)["results"]["bindings"][0]["outcome"]["value"]
        finally:
            await executor.close()

    outcome = asyncio.run(probe())
    assert outcome.startswith("refused: [Errno 13]"), outcome
    assert listener.connections == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp is Linux only")
def test_sandbox_installs_for_an_ordinary_user(listener: Listener) -> None:
    """The same filter installs without privileges: run as user 'nobody' when the tests run as root (with
    the system Python, which that user can read), else as the current, ordinary user."""
    folder = Path(tempfile.mkdtemp(prefix="mediakg-sandbox-"))  # under /tmp: readable by 'nobody'
    shutil.copy(sandbox.__file__, folder / "sandbox_module.py")
    folder.chmod(0o755)
    (folder / "sandbox_module.py").chmod(0o644)
    script = (
        f"import os, socket, sys; sys.path.insert(0, {str(folder)!r}); import sandbox_module\n"
        "sandbox_module.install()\n"
        f"try:\n    socket.create_connection(('127.0.0.1', {listener.port}), timeout=2)\n"
        "    print('connected')\n"
        "except PermissionError as exc:\n    print('refused', os.getuid(), exc.errno)\n"
    )
    options: dict[str, object] = {}
    python = sys.executable
    if os.geteuid() == 0:
        python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
        options = {"user": 65534, "group": 65534, "extra_groups": []}
    try:
        result = subprocess.run(
            [python, "-c", script], capture_output=True, text=True, timeout=60, cwd="/", **options
        )
    finally:
        shutil.rmtree(folder)
    assert result.returncode == 0, result.stderr
    word, uid, errno = result.stdout.split()
    assert word == "refused" and errno == "13" and int(uid) != 0
    assert listener.connections == 0


def test_health_and_banner_report_the_sandbox(base: str) -> None:
    health = httpx.get(base + "/health", timeout=5).json()
    assert health["network_sandbox"] == sandbox.NAME
