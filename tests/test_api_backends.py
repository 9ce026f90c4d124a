"""The whole service from a remote store: ``mediakg serve --endpoint`` against a real ``oxigraph serve``.

The session build is pushed into Oxigraph with ``mediakg load``; then one embedded service (``--data``) and
remote-backed services (``--endpoint``, real uvicorn processes) answer the same requests and must agree:
every named question (with its defaults and with its example parameters), /sparql SELECT/ASK/CONSTRUCT,
entity pages and dumps. SERVICE is refused before anything reaches the store (a recording proxy sits between
one service and Oxigraph); another `mediakg load` goes live without a restart; a store that goes down
answers 503 and the service recovers when it is back.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from mediakg.questions.catalogue import load_questions
from oxigraph_support import OxigraphServer
from service_fixtures import server_factory  # noqa: F401 - module-scoped fixture

REPO = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/mediakg/id/"
QUESTIONS = load_questions(REPO / "queries")
CASES = [(name, "defaults") for name in sorted(QUESTIONS)] + [
    (name, "examples") for name in sorted(QUESTIONS) if any(p.example for p in QUESTIONS[name].params)
]


class RecordingProxy:
    """An HTTP proxy to one upstream base URL that records the SPARQL query of every request it forwards."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.queries: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep the test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._forward(None)

            def do_POST(self) -> None:  # noqa: N802
                self._forward(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _forward(self, body: bytes | None) -> None:
                fields = parse_qs(urlsplit(self.path).query)
                if body and "form-urlencoded" in self.headers.get("Content-Type", ""):
                    fields |= parse_qs(body.decode("utf-8"))
                proxy.queries += fields.get("query", []) + fields.get("update", [])
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "content-type")}
                request = urllib.request.Request(
                    proxy.upstream + self.path, data=body, headers=headers, method=self.command
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        status, reply, media = answer.status, answer.read(), answer.headers["Content-Type"]
                except urllib.error.HTTPError as exc:
                    status, reply, media = exc.code, exc.read(), exc.headers.get("Content-Type", "text/plain")
                self.send_response(status)
                self.send_header("Content-Type", media or "application/octet-stream")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/query"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def load(endpoint: str, dataset: Path) -> None:
    """``mediakg load`` the dataset file into the store behind ``endpoint``."""
    loaded = subprocess.run(
        [sys.executable, "-m", "mediakg.cli", "load", "--endpoint", endpoint, "--quiet"]
        + ["--file", str(dataset)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr


@pytest.fixture(scope="module")
def oxigraph(
    tmp_path_factory: pytest.TempPathFactory,
    built_dataset: Path,
    binary: str,
) -> Iterator[OxigraphServer]:
    """A real `oxigraph serve` holding the session build, pushed with `mediakg load`."""
    server = OxigraphServer(binary, tmp_path_factory.mktemp("oxigraph") / "db", timeout_s=5).start()
    load(server.endpoint, built_dataset / "dataset.nq")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def embedded(server_factory, built_dataset: Path) -> Iterator[httpx.Client]:  # noqa: F811
    with httpx.Client(base_url=server_factory(built_dataset, timeout=10, workers=2), timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def remote(server_factory, oxigraph: OxigraphServer) -> Iterator[httpx.Client]:  # noqa: F811
    with httpx.Client(base_url=server_factory(endpoint=oxigraph.endpoint, timeout=10), timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def proxied(server_factory, oxigraph: OxigraphServer) -> Iterator[tuple[httpx.Client, RecordingProxy]]:  # noqa: F811
    """A remote-backed service that reaches Oxigraph through a recording proxy (time limit 2 s)."""
    proxy = RecordingProxy(oxigraph.base)
    base_url = server_factory(endpoint=proxy.endpoint, timeout=2)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client, proxy
    proxy.close()


def cell_key(cell: dict | None) -> tuple:
    """A JSON cell without its label; blank nodes get new labels in every store, so they compare as one."""
    if cell is None:
        return ()
    if cell["type"] == "bnode":
        return ("bnode",)
    return (cell["type"], cell["value"], cell.get("datatype"), cell.get("lang"))


def answer_rows(client: httpx.Client, name: str, params: dict[str, str]) -> tuple[list[str], list[tuple]]:
    r = client.get(f"/api/{name}", params=params)
    assert r.status_code == 200, r.text
    doc = r.json()
    return doc["columns"], sorted(tuple(cell_key(row[c]) for c in doc["columns"]) for row in doc["rows"])


@pytest.mark.parametrize(("name", "variant"), CASES)
def test_every_question_answers_alike(embedded, remote, name: str, variant: str) -> None:
    question = QUESTIONS[name]
    params = {p.name: p.example for p in question.params if p.example} if variant == "examples" else {}
    columns, want = answer_rows(embedded, name, params)
    got_columns, got = answer_rows(remote, name, params)
    assert got_columns == columns
    assert got == want


def test_questions_are_not_all_empty(remote) -> None:
    """Guards the comparison above against two services that both answer nothing."""
    answered = [name for name in QUESTIONS if answer_rows(remote, name, {})[1]]
    assert len(answered) >= len(QUESTIONS) - 2, set(QUESTIONS) - set(answered)


def test_labels_and_csv_alike(embedded, remote) -> None:
    doc = remote.get("/api/ministers-met-osce-before-law").json()
    tazhin = next(row for row in doc["rows"] if row["ministerLabel"]["value"] == "Marat Tazhin")
    assert tazhin["state"]["label"] == "Kazakhstan"  # looked up in the store by a second query
    tables = [
        sorted(csv.reader(io.StringIO(c.get("/api/incidents-by-year", params={"format": "csv"}).text)))
        for c in (embedded, remote)
    ]
    assert tables[0] == tables[1] and len(tables[0]) > 1


SELECT = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?label WHERE { ?s a <https://w3id.org/mediakg/ontology#Law> ; skos:prefLabel ?label }"""
CONSTRUCT = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s a <https://w3id.org/mediakg/ontology#Law> ;
  skos:prefLabel ?l }"""


def bindings(response: httpx.Response) -> list[tuple]:
    doc = response.json()
    return sorted(tuple(sorted((k, v["value"]) for k, v in b.items())) for b in doc["results"]["bindings"])


def test_sparql_select_ask_construct(embedded, remote) -> None:
    answers = [c.post("/sparql", data={"query": SELECT}) for c in (embedded, remote)]
    assert all(a.status_code == 200 for a in answers)
    assert answers[1].headers["content-type"].startswith("application/sparql-results+json")
    assert bindings(answers[1]) == bindings(answers[0]) and len(bindings(answers[0])) > 3
    assert answers[1].headers["x-result-rows"] == answers[0].headers["x-result-rows"]
    for query, expected in (
        ("ASK { ?s a <https://w3id.org/mediakg/ontology#Law> }", True),
        ("ASK { ?s a <urn:x> }", False),
    ):
        r = remote.get("/sparql", params={"query": query})
        assert r.status_code == 200 and r.json()["boolean"] is expected
    graphs = []
    for client in (embedded, remote):
        r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/turtle"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
        graphs.append(Graph().parse(data=r.text, format="turtle"))
    assert isomorphic(graphs[0], graphs[1]) and len(graphs[1]) > 3
    # formats the store is never asked for are written by the service
    jsonld = remote.get("/sparql", params={"query": CONSTRUCT, "format": "json"})
    assert jsonld.status_code == 200 and jsonld.headers["content-type"].startswith("application/ld+json")
    assert isomorphic(Graph().parse(data=jsonld.text, format="json-ld"), graphs[0])
    xml = remote.get(
        "/sparql", params={"query": SELECT}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert xml.status_code == 200 and "kz-constitution" in xml.text


def test_row_cap_and_errors_like_embedded(embedded, remote) -> None:
    query = "SELECT * WHERE { ?s ?p ?o VALUES ?copy { 1 2 } }"  # twice the triples: over 10,000 rows
    for client in (embedded, remote):
        r = client.get("/sparql", params={"query": query})
        assert r.status_code == 200
        assert r.headers["x-result-truncated"] == "rows=10000" and r.headers["x-result-rows"] == "10000"
    for query in ("SELECT * WHERE { ?s ?p }", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"):
        statuses = [c.get("/sparql", params={"query": query}) for c in (embedded, remote)]
        assert statuses[0].status_code == statuses[1].status_code in (400, 403)
        assert statuses[0].text == statuses[1].text


def test_from_clause_is_the_dataset(embedded, remote) -> None:
    """The backend always sends default-graph-uri (which would override FROM): FROM must still hold."""
    listing = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    names = bindings(remote.get("/sparql", params={"query": listing}))
    assert len(names) > 1
    graph = names[0][0][1]
    query = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"
    counts = [bindings(c.get("/sparql", params={"query": query})) for c in (embedded, remote)]
    everything = bindings(
        remote.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    )
    assert counts[0] == counts[1] != everything


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <{target}> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o . sErViCe SILENT <{target}> { ?s ?p ?x } }",
    ],
)
def test_service_refused_before_the_store(proxied, query: str) -> None:
    client, proxy = proxied
    target = RecordingProxy("http://127.0.0.1:9")  # any request reaching it would be recorded
    try:
        text = query.replace("{target}", target.endpoint)
        sent_before = len(proxy.queries)
        r = client.post("/sparql", data={"query": text})
        assert r.status_code == 400 and "SERVICE" in r.text
        assert not any("SERVICE" in q.upper() for q in proxy.queries[sent_before:])
        assert target.queries == []
        # the same service does reach the store for an ordinary query (the proxy does record); a text of
        # its own, so that the answer cache does not answer it
        fresh = f"ASK {{ ?s ?p ?o }} # {text}"
        assert client.get("/sparql", params={"query": fresh}).json()["boolean"] is True
        assert any(q.startswith("ASK") for q in proxy.queries[sent_before:])
    finally:
        target.close()


def test_slow_parse_check_is_stopped_before_the_store(proxied) -> None:
    """3,500 triple patterns (just under the length limit) take rdflib ~30 s to parse: the check runs in a
    worker process that is killed at the 2 s limit, and the query never reaches the store."""
    client, proxy = proxied
    query = "SELECT * WHERE { " + " ".join(f"?s{i} <urn:p> ?o{i} ." for i in range(3500)) + " }"
    sent_before = len(proxy.queries)
    started = time.monotonic()
    r = client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 503 and "within 2 s" in r.text, r.text
    assert time.monotonic() - started < 6
    assert not any("?s3499" in q for q in proxy.queries[sent_before:])
    # the killed worker is replaced: the next query is answered
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def test_store_time_limit_gives_503(proxied) -> None:
    client, _ = proxied
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    r = client.get("/sparql", params={"query": heavy})
    assert r.status_code == 503 and ("within 2 s" in r.text or "time limit" in r.text), r.text
    assert time.monotonic() - started < 8


def test_entity_page_and_dumps_from_the_store(embedded, remote, built_dataset: Path) -> None:
    page = remote.get("/id/person/marat-tazhin", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Marat Tazhin" in page.text
    described = [
        Graph().parse(data=c.get("/id/person/marat-tazhin", params={"format": "nt"}).text, format="nt")
        for c in (embedded, remote)
    ]
    assert isomorphic(described[0], described[1]) and len(described[1]) > 10
    assert remote.get("/id/person/nobody-at-all").status_code == 404
    dump = remote.get("/download/mediakg.nq")
    assert dump.status_code == 200
    served = ox.Dataset(ox.parse(dump.content, format=ox.RdfFormat.N_QUADS))
    built = ox.Dataset(ox.parse(path=str(built_dataset / "dataset.nq")))
    assert len(served) == len(built)
    assert {q.graph_name for q in served} == {q.graph_name for q in built}
    assert remote.get("/.well-known/void").status_code == 200
    assert remote.get("/download").status_code == 200


def test_new_load_goes_live_without_restart(
    remote, oxigraph: OxigraphServer, built_dataset: Path, tmp_path: Path
) -> None:
    """Another `mediakg load` is picked up within seconds: graphs (FROM names one that is empty until
    then), size, ETags and dumps follow the store."""
    extra = ID + "graph/test-extra"
    query = f"SELECT ?o FROM <{extra}> WHERE {{ ?s ?p ?o }}"
    assert bindings(remote.get("/sparql", params={"query": query})) == []  # not a graph yet: empty
    etag = remote.get("/api/incidents-by-year").headers["etag"]
    before = remote.get("/health").json()
    bigger = tmp_path / "dataset.nq"
    bigger.write_bytes(
        (built_dataset / "dataset.nq").read_bytes()
        + f'<{ID}test/x> <http://www.w3.org/2000/01/rdf-schema#label> "extra" <{extra}> .\n'.encode()
    )
    load(oxigraph.endpoint, bigger)
    deadline = time.monotonic() + 20
    while remote.get("/health").json()["graphs"] == before["graphs"] and time.monotonic() < deadline:
        time.sleep(0.5)
    after = remote.get("/health").json()
    assert (after["graphs"], after["triples"]) == (before["graphs"] + 1, before["triples"] + 1)
    assert bindings(remote.get("/sparql", params={"query": query})) == [(("o", "extra"),)]
    assert remote.get("/api/incidents-by-year").headers["etag"] != etag
    assert extra.encode() in remote.get("/download/mediakg.nq").content


def test_service_started_before_the_store(server_factory, oxigraph, built_dataset, tmp_path) -> None:  # noqa: F811
    """A service started while its store is down comes up, answers 503, and serves once the store is up."""
    store = OxigraphServer(oxigraph.binary, tmp_path / "db", timeout_s=5)  # not started yet
    client = httpx.Client(base_url=server_factory(endpoint=store.endpoint, timeout=5), timeout=30)
    try:
        assert remote_health(client)["store"]["ok"] is False
        r = client.get("/api/incidents-by-year")
        assert r.status_code == 503 and "unavailable" in r.json()["detail"]
        assert client.get("/download").status_code == 503  # the dumps are copied from the store
        store.start()
        load(store.endpoint, built_dataset / "dataset.nq")
        deadline = time.monotonic() + 15
        while remote_health(client)["graphs"] is None and time.monotonic() < deadline:
            time.sleep(0.3)
        assert client.get("/api/incidents-by-year").status_code == 200
        assert client.get("/download").status_code == 200
    finally:
        client.close()
        store.stop()


def remote_health(client: httpx.Client) -> dict:
    r = client.get("/health")
    assert r.status_code == 200
    return r.json()


def test_health_reports_the_store(remote, oxigraph: OxigraphServer) -> None:
    doc = remote.get("/health").json()
    assert doc["backend"] == "remote" and doc["endpoint"] == oxigraph.endpoint
    assert doc["status"] == "ok" and doc["store"]["ok"] is True and doc["graphs"] > 1


def test_down_store_gives_503_then_recovers(embedded, remote, oxigraph: OxigraphServer) -> None:
    """Runs last (it stops the store): 503 with a clear message while down, 200 again once restarted on the
    same location, without restarting mediakg."""
    before = answer_rows(remote, "incidents-by-year", {})
    oxigraph.stop()
    try:
        r = remote.get("/api/incidents-by-year")
        assert r.status_code == 503
        assert oxigraph.endpoint in r.json()["detail"] and "unavailable" in r.json()["detail"]
        r = remote.get("/sparql", params={"query": "ASK {}"})
        assert r.status_code == 503 and "try again later" in r.text
        started = time.monotonic()
        deadline = started + 15
        while remote.get("/health").json()["store"]["ok"] and time.monotonic() < deadline:
            time.sleep(0.5)  # the health answer is cached a few seconds
        health = remote.get("/health").json()
        assert health["status"] == "degraded" and health["store"]["ok"] is False
        assert "unavailable" in health["store"]["detail"]
    finally:
        oxigraph.start()
    assert answer_rows(remote, "incidents-by-year", {}) == before
    assert remote.get("/id/person/kassym-jomart-tokayev", params={"format": "ttl"}).status_code == 200
