"""`mediakg load` against a real `oxigraph serve` process: all graphs become visible, and a server killed in
the middle of a load leaves the data served before intact (no staging graph in any answer)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mediakg.store.embedded import EmbeddedBackend
from mediakg.store.load import file_hash, live_manifest
from mediakg.store.remote import STAGING_MARKER, RemoteBackend
from oxigraph_support import ROOT, OxigraphServer, free_port, generate_dataset

# Questions asked of the old data after the crash; answers must equal those of an embedded store.
CHECKS = {
    "per-graph": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "labels": "SELECT ?s ?l WHERE { ?s a <https://w3id.org/mediakg/ontology#Incident> ; "
    "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }",
    "graphs": "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }",
}


def _rows(result) -> list:
    data = json.loads(result.body)
    return sorted(tuple(sorted((k, v["value"]) for k, v in b.items())) for b in data["results"]["bindings"])


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mediakg.cli", "load", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return generate_dataset(10_000, 1, tmp_path_factory.mktemp("gen") / "small.nq")


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    return generate_dataset(100_000, 2, tmp_path_factory.mktemp("gen") / "big.nq")


def test_load_then_queries_see_all_graphs(binary, tmp_path, small):
    server = OxigraphServer(binary, tmp_path / "db").start()
    try:
        done = _cli("--endpoint", server.endpoint, "--file", str(small))
        out, err = done.communicate(timeout=300)
        assert done.returncode == 0, err
        embedded = EmbeddedBackend.from_file(small)
        graphs, triples = len(embedded.named_graphs()), embedded.triple_count()
        assert graphs >= 2 and triples >= 10_000
        assert all(f"[{k}/{graphs}]" in out for k in range(1, graphs + 1))  # progress per graph
        assert f"loaded {triples} triples in {graphs} graphs" in out
        remote = RemoteBackend(server.endpoint)
        assert remote.named_graphs() == embedded.named_graphs()
        assert remote.triple_count() == triples
        for query in CHECKS.values():
            assert _rows(remote.query(query)) == _rows(embedded.query(query))
        # Loading the same build again changes nothing and uploads nothing.
        again = _cli("--endpoint", server.endpoint, "--file", str(small))
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err
        assert f"0 new, 0 replaced, {graphs} unchanged" in out
    finally:
        server.stop()


def test_killed_server_midway_keeps_the_old_data(binary, tmp_path, small, big):
    server = OxigraphServer(binary, tmp_path / "db").start()
    try:
        first = _cli("--endpoint", server.endpoint, "--file", str(small), "--quiet")
        assert first.wait(300) == 0, first.stderr.read()
        embedded = EmbeddedBackend.from_file(small)
        expected = {name: _rows(embedded.query(q)) for name, q in CHECKS.items()}

        # Start loading the bigger build and kill the server (SIGKILL) while the staging uploads run.
        load = _cli("--endpoint", server.endpoint, "--file", str(big))
        seen = []
        for line in load.stdout:
            seen.append(line)
            if "[1/" in line:  # the first graph is staged; the kill lands in the next upload
                server.kill()
                break
        assert server.process.returncode is not None, "the load finished before the kill: " + "".join(seen)
        assert any("staged" in line for line in seen)  # the kill happened among the staging uploads
        out, err = load.communicate(timeout=120)
        assert load.returncode != 0
        assert "Traceback" not in err
        assert "load failed while uploading graph" in err and "unavailable" in err
        assert "The data served before is unchanged" in err

        server.start()  # same --location: what survived the crash
        remote = RemoteBackend(server.endpoint)
        raw = remote.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")  # no dataset restriction
        assert [r for r in raw if STAGING_MARKER in r["g"].value], "staging graphs survived the crash"
        assert live_manifest(remote).keys() == set(embedded.named_graphs())
        assert remote.triple_count() == embedded.triple_count()
        for name, query in CHECKS.items():
            answer = _rows(remote.query(query))
            assert answer == expected[name], name
            assert STAGING_MARKER not in repr(answer)

        # The next load succeeds, sweeps the leftovers and serves the new build.
        again = _cli("--endpoint", server.endpoint, "--file", str(big), "--quiet")
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err
        raw = remote.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")  # no dataset restriction
        assert not [r for r in raw if STAGING_MARKER in r["g"].value]
        assert remote.triple_count() == EmbeddedBackend.from_file(big).triple_count()
        assert remote.named_graphs() == EmbeddedBackend.from_file(big).named_graphs()
    finally:
        server.stop()


def test_manifest_records_the_build(binary, tmp_path, small):
    server = OxigraphServer(binary, tmp_path / "db").start()
    try:
        assert _cli("--endpoint", server.endpoint, "--file", str(small), "--quiet").wait(300) == 0
        rows = RemoteBackend(server.endpoint).select(
            "SELECT ?h WHERE { GRAPH <https://w3id.org/mediakg/id/graph/load-manifest> "
            "{ <https://w3id.org/mediakg/id/graph/load-manifest> <http://purl.org/dc/terms/identifier> ?h } }"
        )
        assert [r["h"].value for r in rows] == [file_hash(small)]
    finally:
        server.stop()


def test_store_down_is_reported_without_traceback(tmp_path, small):
    load = _cli("--endpoint", f"http://127.0.0.1:{free_port()}/query", "--file", str(small))
    out, err = load.communicate(timeout=120)
    assert load.returncode == 3
    assert err.startswith("mediakg load: nothing loaded:") and "unavailable" in err
    assert "Traceback" not in err


def test_endpoint_without_graph_store_needs_the_option(small):
    load = _cli("--endpoint", "http://127.0.0.1:1/sparql", "--file", str(small))
    _out, err = load.communicate(timeout=60)
    assert load.returncode == 2 and "--store-endpoint" in err


def _sent_params(backend: RemoteBackend, query: str) -> dict[str, list[str]]:
    """The dataset parameters ``backend`` would send with ``query`` right now."""
    from mediakg.store.remote import uses_named_graphs

    return backend._dataset_params((), (), uses_named_graphs(query))


def test_union_mode_only_while_the_store_holds_just_the_live_graphs(binary, tmp_path, small, big):
    """A load that leaves Oxigraph holding only the live graphs lets readers use its union default graph
    (one graph instead of a list, faster); the next load takes that back before it writes anything, and a
    graph that is not ours keeps readers listing the live graphs."""
    from mediakg.store.load import load_dataset
    from mediakg.store.remote import GraphStore

    server = OxigraphServer(binary, tmp_path / "db").start()
    try:
        store = GraphStore(f"{server.base}/store", f"{server.base}/update")
        reader = RemoteBackend(server.endpoint)
        report = load_dataset(small, RemoteBackend(server.endpoint), store, progress=lambda _: None)
        assert report.union_mode
        assert reader.health().ok and reader.union_mode()
        default_only = CHECKS["labels"]
        assert _sent_params(reader, default_only) == {"union-default-graph": [""]}
        # GRAPH patterns keep the listed graphs (the manifest graph must not show up in GRAPH ?g).
        assert "named-graph-uri" in _sent_params(reader, CHECKS["graphs"])
        embedded = EmbeddedBackend.from_file(small)
        for query in CHECKS.values():
            assert _rows(reader.query(query)) == _rows(embedded.query(query))

        seen_at_first_upload: list[bool] = []

        def progress(line: str) -> None:
            if "[1/" in line:  # the first graph is being written: no reader may be in union mode
                seen_at_first_upload.append(RemoteBackend(server.endpoint).dataset_state().union)

        report = load_dataset(big, RemoteBackend(server.endpoint), store, progress=progress)
        assert seen_at_first_upload == [False]
        assert report.union_mode

        store.update("INSERT DATA { GRAPH <urn:not-ours> { <urn:a> <urn:b> <urn:c> } }")
        report = load_dataset(small, RemoteBackend(server.endpoint), store, progress=lambda _: None)
        assert not report.union_mode
        fresh = RemoteBackend(server.endpoint)
        assert fresh.health().ok and not fresh.union_mode()
        assert _sent_params(fresh, default_only)["default-graph-uri"] == embedded.named_graphs()
        assert _rows(fresh.query(CHECKS["graphs"])) == _rows(embedded.query(CHECKS["graphs"]))
    finally:
        server.stop()
