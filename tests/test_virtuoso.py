"""The remote backend and `mediakg load` against a real Virtuoso (the second SPARQL 1.1 store).

Installs nothing: runs when `virtuoso-t` and `isql-vt` are on PATH (Debian package virtuoso-opensource; see
.ci/run) and skips otherwise. Each test module run starts its own Virtuoso on free 127.0.0.1 ports with a
fresh database in a temporary folder, configured from the package's /etc/virtuoso-opensource-7/virtuoso.ini.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mediakg.errors import MediakgError, QueryTimeout
from mediakg.store.embedded import EmbeddedBackend
from mediakg.store.load import live_manifest, load_dataset
from mediakg.store.remote import STAGING_MARKER, GraphStore, RemoteBackend
from oxigraph_support import generate_dataset
from service_fixtures import server_factory  # noqa: F401 - module-scoped fixture
from test_api_backends import QUESTIONS, answer_rows, bindings
from test_remote_backend import PREFIXES, QUERIES, TRIG, normalise
from virtuoso_support import Virtuoso, missing

pytestmark = pytest.mark.skipif(missing() is not None, reason=missing() or "")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def trig(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "test.trig"
    path.write_text(TRIG, encoding="utf-8")
    return path


def _load(server: Virtuoso, dataset: Path):
    backend = RemoteBackend(server.endpoint)
    store = GraphStore(server.graph_store, server.endpoint)
    return load_dataset(dataset, backend, store, progress=lambda _: None)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_virtuoso_answers_like_embedded(name, virtuoso, trig):
    if live_manifest(RemoteBackend(virtuoso.endpoint)).keys() != set(
        EmbeddedBackend.from_file(trig).named_graphs()
    ):
        _load(virtuoso, trig)
    query, substitutions = QUERIES[name]
    expected = EmbeddedBackend.from_file(trig).query(PREFIXES + query, substitutions=substitutions)
    got = RemoteBackend(virtuoso.endpoint).query(PREFIXES + query, substitutions=substitutions)
    assert got.kind == expected.kind
    if got.kind == "graph":
        from rdflib.compare import isomorphic

        assert isomorphic(normalise(got, "graph"), normalise(expected, "graph"))
    else:
        assert normalise(got, got.kind) == normalise(expected, expected.kind)


def test_virtuoso_timeout_parameter(virtuoso, trig):
    backend = RemoteBackend(virtuoso.endpoint)
    with pytest.raises(QueryTimeout):
        backend.query(
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }", timeout=1
        )


def test_virtuoso_killed_midway_keeps_old_data(virtuoso, tmp_path):
    small = generate_dataset(10_000, 1, tmp_path / "small.nq")
    big = generate_dataset(100_000, 2, tmp_path / "big.nq")
    _load(virtuoso, small)
    backend = RemoteBackend(virtuoso.endpoint)
    backend.health()
    store = GraphStore(virtuoso.graph_store, virtuoso.endpoint)

    def progress(line: str) -> None:
        if "[1/" in line:
            virtuoso.kill()

    with pytest.raises(MediakgError, match="The data served before is unchanged"):
        load_dataset(big, backend, store, progress=progress)
    virtuoso.start()
    assert live_manifest(backend).keys() == set(EmbeddedBackend.from_file(small).named_graphs())
    assert backend.triple_count() == EmbeddedBackend.from_file(small).triple_count()
    answer = backend.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert STAGING_MARKER.encode() not in answer.body
    report = _load(virtuoso, big)
    assert backend.triple_count() == report.triples == EmbeddedBackend.from_file(big).triple_count()


# --------------------------------------------------------------------------- the service on Virtuoso


def test_service_on_virtuoso(virtuoso, built_dataset, server_factory):  # noqa: F811
    """``mediakg load`` the real build into Virtuoso, then ``mediakg serve --endpoint`` (real uvicorn):
    health, /sparql, an entity page, and every named question (defaults and examples) answered as by the
    embedded store. The questions avoid what Virtuoso 7.2 reads differently (queries/README.md) and use the
    build's entailed graph instead of transitive paths."""
    loaded = subprocess.run(
        [sys.executable, "-m", "mediakg.cli", "load", "--endpoint", virtuoso.endpoint, "--quiet"]
        + ["--store-endpoint", virtuoso.graph_store, "--update-endpoint", virtuoso.endpoint]
        + ["--file", str(built_dataset / "dataset.nq")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr
    embedded = httpx.Client(base_url=server_factory(built_dataset, timeout=10), timeout=30)
    remote = httpx.Client(base_url=server_factory(endpoint=virtuoso.endpoint, timeout=5), timeout=30)
    try:
        health = remote.get("/health").json()
        assert health["backend"] == "remote" and health["store"]["ok"] is True
        assert health["triples"] == embedded.get("/health").json()["triples"]
        answered = 0
        for name, question in sorted(QUESTIONS.items()):
            examples = {p.name: p.example for p in question.params if p.example}
            for params in [{}] + ([examples] if examples else []):
                want = answer_rows(embedded, name, params)
                assert answer_rows(remote, name, params) == want, (name, params)
                answered += bool(want[1])
        assert answered >= len(QUESTIONS)  # the comparison is not between empty answers
        query = "SELECT ?s WHERE { ?s a <https://w3id.org/mediakg/ontology#Law> }"
        answers = [bindings(c.get("/sparql", params={"query": query})) for c in (embedded, remote)]
        assert answers[0] == answers[1] and answers[0]
        ask = remote.get("/sparql", params={"query": "ASK { ?s a <https://w3id.org/mediakg/ontology#Law> }"})
        assert ask.json()["boolean"] is True
        refused = remote.get(
            "/sparql", params={"query": "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }"}
        )
        assert refused.status_code == 400
        page = remote.get("/id/person/marat-tazhin", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "Marat Tazhin" in page.text
    finally:
        embedded.close()
        remote.close()
