"""Safety of the public endpoint: no outside fetches, bounded parsing, killable runaway queries, result caps.

Runs a real ``mediakg serve`` process (2 workers, 2 s time limit, small caps) over HTTP.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from mediakg.errors import QueryRejected, UpdateRefused
from mediakg.query.gate import Limits, check_text
from service_fixtures import server_factory  # noqa: F401  (fixture)

EX = "http://example.org/"
G1, G2 = EX + "g1", EX + "g2"
TIMEOUT = 2.0
MAX_ROWS, MAX_BYTES = 50, 20_000
# 20 + 10 triples: a 6-fold cross product has 30**6 = 729 million rows - far beyond the time limit.
TRIG = (
    f"<{G1}> {{\n"
    + "".join(f'  <{EX}s{i}> <{EX}p> "value {i}" .\n' for i in range(20))
    + f"}}\n<{G2}> {{\n"
    + "".join(f"  <{EX}t{i}> <{EX}q> {i} .\n" for i in range(10))
    + "}\n"
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }"


@pytest.fixture(scope="module")
def base(server_factory, tmp_path_factory) -> str:  # noqa: F811
    data = tmp_path_factory.mktemp("safety") / "data.trig"
    data.write_text(TRIG, encoding="utf-8")
    return server_factory(
        data, timeout=TIMEOUT, workers=2, max_rows=MAX_ROWS, max_bytes=MAX_BYTES, answer_cache_mb=0
    )


@pytest.fixture(scope="module")
def url(base: str) -> str:
    return base + "/sparql"


def ask(url: str, query: str, **params: str) -> httpx.Response:
    return httpx.get(url, params={"query": query, **params}, timeout=30)


def assert_alive(url: str) -> None:
    r = ask(url, "ASK {}")
    assert r.status_code == 200 and r.json()["boolean"] is True


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, int]]:
    """A TCP listener on 127.0.0.1 that records whether anybody connected."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    yield sock, sock.getsockname()[1]
    sock.close()


def connections(sock: socket.socket, wait: float = 0.5) -> int:
    """How many connections arrived (waiting ``wait`` s for late ones)."""
    time.sleep(wait)
    n = 0
    while True:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return n
        conn.close()
        n += 1


# ------------------------------------------------------------------ no outside fetches


def test_service_and_from_probes_never_reach_the_network(url: str, listener) -> None:
    """SERVICE anywhere is refused; FROM / FROM NAMED of a graph the store does not hold is an empty graph
    (SPARQL 1.1 §13.2), answered without fetching it."""
    sock, port = listener
    target = f"http://127.0.0.1:{port}"
    refused = [
        f"SELECT * WHERE {{ SERVICE <{target}/> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { ?x ?y ?z OPTIONAL { { SELECT * WHERE { service silent <"
        + target
        + "/> { ?s ?p ?o } } } } }",
        f"PREFIX remote: <{target}/> SELECT * WHERE {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { BIND(<" + target + "/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    ]
    empty = {
        f"SELECT * FROM <{target}/x> WHERE {{ ?s ?p ?o }}": lambda r: r.json()["results"]["bindings"] == [],
        f"SELECT * FROM NAMED <{target}/x> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}": lambda r: (
            r.json()["results"]["bindings"] == []
        ),
        f"ASK FROM <{target}/x> {{ ?s ?p ?o }}": lambda r: r.json()["boolean"] is False,
        f"CONSTRUCT {{ ?s ?p ?o }} FROM <{target}/x> WHERE {{ ?s ?p ?o }}": lambda r: r.text.strip() == "",
        f"DESCRIBE <{EX}s1> FROM <{target}/x>": lambda r: r.text.strip() == "",
    }
    for probe in refused:
        for response in (ask(url, probe), httpx.post(url, data={"query": probe}, timeout=30)):
            assert response.status_code == 400 and "SERVICE" in response.text, (probe, response.text)
    for probe, is_empty in empty.items():
        for response in (
            ask(url, probe, format="nt" if "CONSTRUCT" in probe or "DESCRIBE" in probe else "json"),
        ):
            assert response.status_code == 200 and is_empty(response), (probe, response.text)
    for params in ({"default-graph-uri": f"{target}/d"}, {"named-graph-uri": f"{target}/n"}):
        response = ask(url, "ASK {}", **params)
        assert response.status_code == 200 and response.json()["boolean"] is True
    assert connections(sock) == 0
    # control: the listener does see a connection when one is made
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert connections(sock, wait=0.2) == 1


def test_from_a_local_file_is_an_empty_graph(url: str) -> None:
    for query in (
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "BASE <file:///etc/> SELECT * FROM <passwd> WHERE { ?s ?p ?o }",
    ):
        r = ask(url, query)
        assert r.status_code == 200 and r.json()["results"]["bindings"] == [], query
        assert "root:" not in r.text


def test_from_and_from_named_of_a_store_graph_are_allowed(url: str) -> None:
    r = ask(url, f"SELECT ?s FROM <{G2}> WHERE {{ ?s ?p ?o }}")
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 10
    r = ask(url, f"PREFIX ex: <{EX}> SELECT DISTINCT ?g FROM NAMED ex:g1 WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert r.status_code == 200
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [G1]


def test_keywords_inside_strings_iris_and_comments_are_not_refused(url: str) -> None:
    query = (
        "# SERVICE <http://127.0.0.1:9/> and FROM <http://127.0.0.1:9/> in a comment\n"
        f'SELECT ?s WHERE {{ ?s ?p ?o FILTER(?o != "SERVICE <x> {{}} INSERT DATA" && ?s != <{EX}SERVICE>) }}'
    )
    r = ask(url, query)
    assert r.status_code == 200, r.text


# ------------------------------------------------------------------ bounded parsing


def test_deep_nesting_is_refused_before_parsing_and_the_server_survives(url: str) -> None:
    for query in (
        "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000,
        "SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }",
        "SELECT * WHERE { ?s ?p " + "[ ?p " * 3000 + "1" + " ]" * 3000 + " }",
    ):
        r = ask(url, query)
        assert r.status_code == 400 and "levels deep" in r.text
    r = httpx.post(url, data={"query": "SELECT * WHERE " + "{" * 3000 + "}" * 3000}, timeout=30)
    assert r.status_code == 400
    assert_alive(url)


def test_long_chains_and_long_queries_are_refused(url: str) -> None:
    # 3,000 chained BINDs overflow pyoxigraph's stack
    binds = "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(3000)) + " }"
    r = httpx.post(url, data={"query": binds}, timeout=30)
    assert r.status_code == 400 and "operators" in r.text
    huge = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 200_000
    r = httpx.post(url, data={"query": huge}, timeout=30)
    assert r.status_code == 400 and "characters long" in r.text
    assert_alive(url)


def test_lexical_filter_finds_forms_updates_and_depth() -> None:
    assert check_text(f"PREFIX ex: <{EX}> SELECT * FROM ex:g1 {{}}").form == "SELECT"
    assert check_text("CONSTRUCT WHERE { ?s ?p ?o }").kind == "graph"
    assert check_text("\\u0041SK {}").form == "ASK"  # read as the parser reads it: escapes decoded
    with pytest.raises(UpdateRefused):
        check_text("PREFIX ex: <http://x/>\n# comment\ninsert data { ex:a ex:b ex:c }")
    with pytest.raises(QueryRejected, match="levels deep"):
        check_text("ASK " + "{" * 11 + "}" * 11, Limits(max_depth=10))


# ------------------------------------------------------------------ time limit


def test_runaway_query_is_killed_while_other_queries_keep_answering(base: str, url: str) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        response = httpx.post(url, data={"query": RUNAWAY}, timeout=60)
        outcome["seconds"] = time.monotonic() - started
        outcome["response"] = response

    standing = httpx.get(base + "/health", timeout=5).json()["workers"]
    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)  # the runaway query is now running on one worker
    latencies = []
    while thread.is_alive() and len(latencies) < 20:
        started = time.monotonic()
        r = ask(url, "ASK {}")
        latencies.append(time.monotonic() - started)
        assert r.status_code == 200
        time.sleep(0.05)
    thread.join()
    response = outcome["response"]
    assert isinstance(response, httpx.Response)
    assert response.status_code == 503, response.text
    assert "did not finish within 2 s" in response.text
    assert TIMEOUT <= outcome["seconds"] < TIMEOUT + 1.5  # type: ignore[operator]
    assert latencies and max(latencies) < 1.0, latencies
    print(f"runaway cut after {outcome['seconds']:.2f} s; ASK during it: max {max(latencies) * 1000:.0f} ms")
    # the pool still answers, and the killed worker is replaced
    assert_alive(url)
    deadline = time.monotonic() + 15
    while httpx.get(base + "/health", timeout=5).json()["workers"] < standing and time.monotonic() < deadline:
        time.sleep(0.1)
    assert httpx.get(base + "/health", timeout=5).json()["workers"] >= standing
    assert_alive(url)


# ------------------------------------------------------------------ result caps


def test_row_cap_is_applied_and_reported(url: str) -> None:
    cross = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f }"  # 900 rows
    r = ask(url, cross)
    assert r.status_code == 200
    assert r.headers["x-result-truncated"] == f"rows={MAX_ROWS}"
    assert len(r.json()["results"]["bindings"]) == MAX_ROWS  # still valid JSON
    r = ask(url, cross, format="csv")
    assert r.headers["x-result-truncated"] == f"rows={MAX_ROWS}"
    assert len(r.text.strip().splitlines()) == MAX_ROWS + 1
    r = ask(url, "CONSTRUCT { ?a <urn:x> ?d } WHERE { ?a ?b ?c . ?d ?e ?f }", format="nt")
    assert r.headers["x-result-truncated"] == f"rows={MAX_ROWS}"
    assert len(r.text.strip().splitlines()) == MAX_ROWS
    r = ask(url, f"SELECT ?s WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}")
    assert "x-result-truncated" not in r.headers and r.headers["x-result-rows"] == "10"


def test_byte_cap_keeps_json_valid(url: str) -> None:
    padding = "x" * 2000
    r = ask(url, f'SELECT ?s ?big WHERE {{ ?s ?p ?o BIND("{padding}" AS ?big) }}')  # 30 rows x 2 kB
    assert r.status_code == 200
    assert r.headers["x-result-truncated"] == f"bytes={MAX_BYTES}"
    assert len(r.content) <= MAX_BYTES
    rows = json.loads(r.content)["results"]["bindings"]
    assert 0 < len(rows) < 30 and r.headers["x-result-rows"] == str(len(rows))
