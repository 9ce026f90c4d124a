"""The remote backend against a real `oxigraph serve` process: same answers as the embedded store, safe
bindings, StoreUnavailable when the server is down and recovery when it is back, server-side timeouts."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from mediakg.errors import QueryRejected, QueryTimeout, StoreUnavailable
from mediakg.store.embedded import EmbeddedBackend
from mediakg.store.load import load_dataset
from mediakg.store.remote import GraphStore, RemoteBackend
from oxigraph_support import OxigraphServer, free_port

# A small dataset in the project's shape: two source graphs, a reference graph, blank nodes, language tags,
# typed dates, a membership with bounds. Written for these tests (no source text is quoted).
TRIG = """
@prefix mkg: <https://w3id.org/mediakg/ontology#> .
@prefix id: <https://w3id.org/mediakg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://w3id.org/mediakg/id/graph/reference-test> {
  <https://w3id.org/mediakg/id/person/anna-test> a mkg:Official ; skos:prefLabel "Anna Test"@en ;
      skos:altLabel "A. Test"@en, "Анна Тест"@ru .
  <https://w3id.org/mediakg/id/person/bolat-test> a mkg:Journalist ; skos:prefLabel "Bolat \\"Bo\\" Test"@en .
  <https://w3id.org/mediakg/id/org/test-ministry> a mkg:StateBody ; skos:prefLabel "Test Ministry"@en .
  <https://w3id.org/mediakg/id/membership/anna-test--minister> a mkg:Membership ;
      org:member <https://w3id.org/mediakg/id/person/anna-test> ;
      org:organization <https://w3id.org/mediakg/id/org/test-ministry> ;
      org:role <https://w3id.org/mediakg/id/role/minister> ;
      org:memberDuring [ a time:Interval ;
          time:hasBeginning [ a time:Instant ; mkg:date "2015-01-10"^^xsd:date ] ] .
}

<https://w3id.org/mediakg/id/source/test-one> {
  <https://w3id.org/mediakg/id/meeting/m1> a mkg:Meeting ; skos:prefLabel "First meeting"@en ;
      mkg:date "2019-03-22"^^xsd:date ;
      mkg:participation [ a mkg:Participation ; mkg:agent <https://w3id.org/mediakg/id/person/anna-test> ;
          mkg:inCapacityOf <https://w3id.org/mediakg/id/membership/anna-test--minister> ] ;
      prov:wasDerivedFrom <https://w3id.org/mediakg/id/source/test-one> ;
      mkg:evidence [ a mkg:Evidence ; oa:exact "met on 22 March" ;
          dct:source <https://w3id.org/mediakg/id/source/test-one> ] .
}

<https://w3id.org/mediakg/id/source/test-two> {
  <https://w3id.org/mediakg/id/meeting/m2> a mkg:Meeting ; skos:prefLabel "Second meeting"@en ;
      mkg:date "2020-08"^^xsd:gYearMonth ;
      mkg:participation [ a mkg:Participation ; mkg:agent <https://w3id.org/mediakg/id/person/anna-test> ] ,
          [ a mkg:Participation ; mkg:agentDescription "a group of young people"@en ] .
  <https://w3id.org/mediakg/id/incident/i1> a mkg:Incident ; skos:prefLabel "An incident"@en ;
      mkg:date "--02-12"^^xsd:gMonthDay ; mkg:latestDate "2021-03-01"^^xsd:date ;
      mkg:participation [ a mkg:Participation ; mkg:agent <https://w3id.org/mediakg/id/person/bolat-test> ] .
}
"""

PREFIXES = """PREFIX mkg: <https://w3id.org/mediakg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
"""

# name -> (query, substitutions); each is run on both backends and the answers compared.
QUERIES: dict[str, tuple[str, dict]] = {
    "labels": ("SELECT ?s ?label WHERE { ?s skos:prefLabel ?label } ORDER BY ?s", {}),
    "alt-labels-any-language": ("SELECT ?s ?alt WHERE { ?s skos:altLabel ?alt }", {}),
    "per-graph-counts": (
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        {},
    ),
    "meetings-with-optional-capacity": (
        "SELECT ?m ?date ?agent ?post WHERE { ?m a mkg:Meeting ; mkg:date ?date ; mkg:participation ?p . "
        "OPTIONAL { ?p mkg:agent ?agent } OPTIONAL { ?p mkg:inCapacityOf ?post } }",
        {},
    ),
    "dates-filter": (
        "SELECT ?e WHERE { ?e mkg:date ?d FILTER(DATATYPE(?d) = <http://www.w3.org/2001/XMLSchema#date>) }",
        {},
    ),
    "blank-node-chain": (
        "SELECT ?who ?begin WHERE { ?m org:member ?who ; "
        "org:memberDuring/time:hasBeginning/mkg:date ?begin }",
        {},
    ),
    "ask-true": ("ASK { ?i a mkg:Incident }", {}),
    "ask-false": ("ASK { ?i a mkg:Law }", {}),
    "construct": ("CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s a mkg:Meeting ; skos:prefLabel ?l }", {}),
    "describe-like-construct": (
        "CONSTRUCT { ?m ?p ?o } WHERE { ?m a mkg:Meeting ; ?p ?o }",
        {},
    ),
    "bound-person": (
        "SELECT ?m ?label ?person WHERE { ?m mkg:participation/mkg:agent ?person ; skos:prefLabel ?label }",
        {"person": ox.NamedNode("https://w3id.org/mediakg/id/person/anna-test")},
    ),
    "bound-person-aggregate": (
        "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m mkg:participation/mkg:agent ?person }",
        {"person": ox.NamedNode("https://w3id.org/mediakg/id/person/bolat-test")},
    ),
    "bound-label-with-quotes": (
        "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label }",
        {"label": ox.Literal('Bolat "Bo" Test', language="en")},
    ),
    "bound-literal-injection": (
        "SELECT ?s WHERE { ?s skos:prefLabel ?label }",
        {"label": ox.Literal('x"@en } ?s ?p ?o . } #')},
    ),
    "bound-ntriples-string": (
        "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label }",
        {"label": '"Test Ministry"@en'},
    ),
}


def normalise(result, kind: str):
    """Compare answers independent of serialisation details (variable order, blank node labels)."""
    if kind == "graph":
        graph = Graph()
        graph.parse(data=result.body, format="turtle")
        return graph
    data = json.loads(result.body)
    if kind == "boolean":
        return data["boolean"]
    rows = []
    for binding in data["results"]["bindings"]:
        row = []
        for var in sorted(data["head"]["vars"]):
            term = binding.get(var)
            if term is None:
                row.append((var, None))
            elif term["type"] == "bnode":
                row.append((var, "bnode"))
            else:
                row.append((var, term["type"], term["value"], term.get("xml:lang"), term.get("datatype")))
        rows.append(tuple(row))
    return sorted(rows, key=repr)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "test.trig"
    path.write_text(TRIG, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(binary, tmp_path_factory, dataset):
    srv = OxigraphServer(binary, tmp_path_factory.mktemp("oxigraph") / "db").start()
    backend = RemoteBackend(srv.endpoint)
    load_dataset(
        dataset, backend, GraphStore(f"{srv.base}/store", f"{srv.base}/update"), progress=lambda _: None
    )
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def embedded(dataset) -> EmbeddedBackend:
    return EmbeddedBackend.from_file(dataset)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_remote_answers_like_embedded(name, server, embedded):
    query, substitutions = QUERIES[name]
    remote = RemoteBackend(server.endpoint)
    expected = embedded.query(PREFIXES + query, substitutions=substitutions)
    got = remote.query(PREFIXES + query, substitutions=substitutions)
    assert got.kind == expected.kind
    assert got.media_type == expected.media_type
    if got.kind == "graph":
        assert isomorphic(normalise(got, "graph"), normalise(expected, "graph"))
        assert len(normalise(got, "graph")) > 0
    else:
        assert normalise(got, got.kind) == normalise(expected, expected.kind)


def test_bindings_restrict_answers(server):
    """Guards the comparison above against two backends that both ignore bindings."""
    remote = RemoteBackend(server.endpoint)
    query = PREFIXES + "SELECT ?m WHERE { ?m mkg:participation/mkg:agent ?person }"
    everyone = normalise(remote.query(query), "solutions")
    bolat = normalise(
        remote.query(
            query, substitutions={"person": ox.NamedNode("https://w3id.org/mediakg/id/person/bolat-test")}
        ),
        "solutions",
    )
    assert len(everyone) == 3 and len(bolat) == 1
    query = PREFIXES + "SELECT ?s WHERE { ?s skos:prefLabel ?label }"
    injected = remote.query(query, substitutions={"label": ox.Literal('x" } #')})
    assert normalise(injected, "solutions") == []
    # A string is one N-Triples term; anything else is refused, never pasted.
    for text in ('x" } #', '"a" . <urn:x> <urn:y> "b"', "<urn:a> } ?s ?p ?o {"):
        with pytest.raises(QueryRejected, match="N-Triples"):
            remote.query(query, substitutions={"label": text})


def test_result_formats(server):
    remote = RemoteBackend(server.endpoint)
    csv = remote.query(
        PREFIXES + "SELECT ?l WHERE { ?s a mkg:Incident ; skos:prefLabel ?l }", result_format="text/csv"
    )
    assert csv.media_type == "text/csv" and csv.body.decode().splitlines() == ["l", "An incident"]
    nt = remote.query(PREFIXES + QUERIES["construct"][0], result_format="application/n-triples")
    assert nt.media_type == "application/n-triples" and nt.body.count(b"\n") == 2


def test_graphs_and_counts_match(server, embedded):
    remote = RemoteBackend(server.endpoint)
    assert remote.named_graphs() == embedded.named_graphs()
    assert remote.triple_count() == embedded.triple_count() > 0
    assert remote.health().ok


def test_default_graph_restriction(server, embedded):
    query = PREFIXES + "SELECT ?s WHERE { ?s a mkg:Meeting }"
    only = ["https://w3id.org/mediakg/id/source/test-two"]
    remote = RemoteBackend(server.endpoint).query(query, default_graph_uris=only)
    local = embedded.query(query, default_graph_uris=only)
    assert normalise(remote, "solutions") == normalise(local, "solutions")
    assert len(normalise(remote, "solutions")) == 1


def test_bad_query_is_rejected(server):
    with pytest.raises(QueryRejected, match="rejected the query"):
        RemoteBackend(server.endpoint).query("SELECT WHERE {")


def test_down_store_then_recovery(binary, tmp_path, dataset):
    srv = OxigraphServer(binary, tmp_path / "db").start()
    try:
        backend = RemoteBackend(srv.endpoint)
        load_dataset(
            dataset, backend, GraphStore(f"{srv.base}/store", f"{srv.base}/update"), progress=lambda _: None
        )
        before = backend.triple_count()
        srv.kill()
        with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{srv.port}/query is unavailable"):
            backend.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
        assert not backend.health().ok
        srv.start()  # same location, same port: the same backend object answers again
        assert backend.health().ok
        assert backend.triple_count() == before
    finally:
        srv.stop()


def test_nothing_listening():
    backend = RemoteBackend(f"http://127.0.0.1:{free_port()}/query")
    with pytest.raises(StoreUnavailable):
        backend.query("ASK {}")
    assert "unavailable" in backend.health().detail


def test_server_side_timeout(binary, tmp_path):
    srv = OxigraphServer(binary, tmp_path / "db", timeout_s=1).start()
    try:
        lines = "".join(
            f"<http://example.org/{i}> <http://example.org/p> <http://example.org/{i + 1}> .\n"
            for i in range(2000)
        )
        GraphStore(f"{srv.base}/store", f"{srv.base}/update").put_graph(
            "http://example.org/g", lines.encode(), size=len(lines.encode())
        )
        backend = RemoteBackend(srv.endpoint)
        with pytest.raises(QueryTimeout):
            backend.query(
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f } }", timeout=1
            )
        assert backend.health().ok  # the server itself is fine
    finally:
        srv.stop()
