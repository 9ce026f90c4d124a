"""Generated SPARQL and near-SPARQL against a real ``/sparql``: the server answers only with the statuses
the protocol allows (never a 500), its process survives, and a local listener named in the queries sees no
connection.

The strategy builds texts from SPARQL's own pieces (query forms, patterns, SERVICE / FROM / GRAPH aimed at
the listener, strings and IRIs) and mixes in what parsers disagree on: ``\\u`` / ``\\U`` escapes anywhere
(also of quotes, '#', '<', surrogates and beyond U+10FFFF), deep nesting, huge literals, odd Unicode,
and bodies that are not UTF-8. Derandomized, so every run tries the same cases.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service_fixtures import PROCESSES, server_factory  # noqa: F401  (fixture)

ALLOWED = {200, 400, 403, 406, 415, 429, 503}
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
EX = "http://example.org/"


class Counter:
    """A TCP listener on 127.0.0.1 counting connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            conn.close()


@pytest.fixture(scope="module")
def counter() -> Iterator[Counter]:
    c = Counter()
    yield c
    c.sock.close()


@pytest.fixture(scope="module")
def base(server_factory, tmp_path_factory) -> str:  # noqa: F811
    data = tmp_path_factory.mktemp("fuzz") / "data.nt"
    data.write_text("".join(f'<{EX}s{i}> <{EX}p> "v{i}" .\n' for i in range(10)), encoding="utf-8")
    return server_factory(data, timeout=3, client_concurrency=64)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def pieces(port: int) -> st.SearchStrategy[str]:
    target = f"<http://127.0.0.1:{port}/sparql>"
    words = st.sampled_from(
        [
            "SELECT * WHERE",
            "SELECT ?s WHERE",
            "ASK",
            "CONSTRUCT WHERE",
            "DESCRIBE ?s WHERE",
            "{",
            "}",
            "(",
            ")",
            "?s ?p ?o .",
            "OPTIONAL",
            "UNION",
            "MINUS",
            "FILTER",
            "BIND(1 AS ?x)",
            "VALUES ?v {",
            "GRAPH ?g",
            f"SERVICE {target}",
            f"SERVICE SILENT {target}",
            f"FROM {target}",
            f"FROM NAMED {target}",
            f"BASE <http://127.0.0.1:{port}/>",
            f"PREFIX r: <http://127.0.0.1:{port}/>",
            "r:x",
            "<x>",
            "#",
            "\n",
            '"',
            "'",
            '"""',
            "'''",
            "\\",
            "\\u0022",
            "\\u0023",
            "\\u003C",
            "\\u007B",
            "\\u005Cu0041",
            "\\uD800",
            "\\U00110000",
            "\\U0001F600",
            "INSERT DATA",
            "LOAD",
            "LIMIT 1",
            "ORDER BY ?s",
            "COUNT(*)",
        ]
    )
    literal = st.text(max_size=40).map(lambda t: '"' + t.replace('"', '\\"').replace("\n", " ") + '"')
    escaped = st.text(min_size=1, max_size=8).map(lambda t: "".join(_escape(c) for c in t))
    odd = st.sampled_from(
        ["\u202e", "\u0000", "\ufeff", "\u0301", "ӘәҒғҚқҢңӨөҰұҮүҺһІі", "\U0001f4a5", "\x7f"]
    )
    return st.one_of(words, literal, escaped, odd)


def texts(port: int) -> st.SearchStrategy[str]:
    parts = st.lists(pieces(port), max_size=30).map(" ".join)
    nested = st.integers(1, 400).map(lambda n: "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n)
    huge = st.integers(10_000, 120_000).map(lambda n: 'SELECT * WHERE { BIND("' + "x" * n + '" AS ?x) }')
    return st.one_of(parts, parts, parts, nested, huge)


def _check(base: str, response: httpx.Response) -> None:
    assert response.status_code in ALLOWED, (response.status_code, response.text[:500])
    assert PROCESSES[base].poll() is None


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_generated_queries_get_only_protocol_statuses(
    base: str, counter: Counter, data: st.DataObject
) -> None:
    query = data.draw(texts(counter.port))
    url = base + "/sparql"
    _check(base, httpx.post(url, data={"query": query}, timeout=30))
    body = query.encode("utf-8", "surrogatepass")
    _check(
        base, httpx.post(url, content=body, headers={"Content-Type": "application/sparql-query"}, timeout=30)
    )
    if len(query) < 4000:
        _check(base, httpx.get(url, params={"query": query}, timeout=30))


@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(raw=st.binary(max_size=300))
def test_bytes_that_are_not_utf8_get_400(base: str, raw: bytes) -> None:
    url = base + "/sparql"
    response = httpx.post(
        url, content=b"ASK { " + raw + b" }", headers={"Content-Type": "application/sparql-query"}
    )
    _check(base, response)
    try:
        (b"ASK { " + raw + b" }").decode("utf-8")
    except UnicodeDecodeError:
        assert response.status_code == 400


def test_server_survived_and_nothing_connected(base: str, counter: Counter) -> None:
    """Runs after the generated cases (file order): same process, no connection to the listener."""
    time.sleep(0.5)
    assert PROCESSES[base].poll() is None
    assert counter.count == 0
    health = httpx.get(base + "/health", timeout=5).json()
    assert health["status"] == "ok"
