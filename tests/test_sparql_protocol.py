"""The SPARQL 1.1 Protocol at /sparql, over HTTP against a real ``mediakg serve`` process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
import rdflib

from service_fixtures import server_factory  # noqa: F401  (fixture)

EX = "http://example.org/"
G1, G2 = EX + "g1", EX + "g2"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"

TRIG = f"""\
@prefix ex: <{EX}> .
<{G1}> {{
  ex:alice ex:name "Alice" ; ex:knows ex:bob .
  ex:bob ex:name "Bob"@en .
}}
<{G2}> {{
  ex:carol ex:name "Carol" ; ex:age 42 .
}}
"""
G1_TRIPLES, G2_TRIPLES = 3, 2
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
SPARQL_QUERY = "application/sparql-query"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def url(server_factory, tmp_path_factory) -> str:  # noqa: F811
    data = tmp_path_factory.mktemp("protocol") / "data.trig"
    data.write_text(TRIG, encoding="utf-8")
    return server_factory(data) + "/sparql"


def get(url: str, query: str | None = None, accept: str | None = None, **params: str) -> httpx.Response:
    if query is not None:
        params["query"] = query
    headers = {"Accept": accept} if accept else {}
    return httpx.get(url, params=params, headers=headers, timeout=30)


def json_rows(response: httpx.Response) -> list[dict]:
    return response.json()["results"]["bindings"]


def expected_graph() -> rdflib.Graph:
    """The union of the two graphs, parsed independently of the service."""
    ds = rdflib.Dataset()
    ds.parse(data=TRIG, format="trig")
    union = rdflib.Graph()
    for s, p, o, _ in ds.quads():
        union.add((s, p, o))
    return union


# ------------------------------------------------------------------ the three ways to send a query


def test_get_query_answers_sparql_json_by_default(url: str) -> None:
    r = get(url, ALL)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/sparql-results+json"
    assert r.json()["head"]["vars"] == ["s", "p", "o"]
    assert len(json_rows(r)) == G1_TRIPLES + G2_TRIPLES  # default graph = union of the named graphs
    assert "Accept" in r.headers["vary"]


def test_post_form_and_post_sparql_query_give_the_get_answer(url: str) -> None:
    form = httpx.post(url, data={"query": ALL}, timeout=30)
    direct = httpx.post(
        url, content=ALL.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=30
    )
    expected = sorted(map(json.dumps, json_rows(get(url, ALL))))
    for r in (form, direct):
        assert r.status_code == 200, r.text
        assert sorted(map(json.dumps, json_rows(r))) == expected


def test_sparql_query_body_with_charset_and_utf8_text(url: str) -> None:
    query = 'SELECT ?s WHERE { ?s ?p ?o FILTER(?o != "Zoë") }'
    r = httpx.post(
        url,
        content=query.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query; charset=utf-8"},
        timeout=30,
    )
    assert r.status_code == 200
    assert len(json_rows(r)) == G1_TRIPLES + G2_TRIPLES


# ------------------------------------------------------------------ result formats


def test_select_as_xml_csv_tsv(url: str) -> None:
    xml = get(url, ALL, "application/sparql-results+xml")
    assert xml.headers["content-type"] == "application/sparql-results+xml"
    root = ET.fromstring(xml.content)
    assert len(root.findall(f"{RESULTS_NS}results/{RESULTS_NS}result")) == 5

    table = get(url, ALL, "text/csv")
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.text)))
    assert rows[0] == ["s", "p", "o"] and len(rows) == 6
    assert [EX + "carol", EX + "age", "42"] in rows

    tsv = get(url, ALL, "text/tab-separated-values")
    assert tsv.headers["content-type"].startswith("text/tab-separated-values")
    lines = tsv.text.strip("\n").split("\n")
    assert lines[0] == "?s\t?p\t?o" and len(lines) == 6
    assert f'<{EX}bob>\t<{EX}name>\t"Bob"@en' in lines


def test_ask_as_json_and_xml(url: str) -> None:
    r = get(url, f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}")
    assert r.json() == {"head": {}, "boolean": True}
    r = get(url, f"ASK {{ <{EX}bob> <{EX}knows> <{EX}alice> }}", "application/sparql-results+xml")
    assert ET.fromstring(r.content).find(f"{RESULTS_NS}boolean").text == "false"


@pytest.mark.parametrize(
    ("media_type", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
    ],
)
def test_construct_in_each_rdf_format_parses_to_the_data(
    url: str, media_type: str, rdflib_format: str
) -> None:
    r = get(url, CONSTRUCT, media_type)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media_type
    if rdflib_format in ("trig", "nquads"):
        ds = rdflib.Dataset()
        ds.parse(data=r.text, format=rdflib_format)
        graph = rdflib.Graph()
        for s, p, o, _ in ds.quads():
            graph.add((s, p, o))
    else:
        graph = rdflib.Graph().parse(data=r.text, format=rdflib_format)
    assert set(graph) == set(expected_graph())


def test_construct_defaults_to_turtle_and_describe_works(url: str) -> None:
    r = get(url, CONSTRUCT)
    assert r.headers["content-type"].startswith("text/turtle")
    r = get(url, f"DESCRIBE <{EX}carol>")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=r.text, format="turtle")
    assert (rdflib.URIRef(EX + "carol"), rdflib.URIRef(EX + "age"), rdflib.Literal(42)) in graph


# ------------------------------------------------------------------ content negotiation


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        (ALL, "text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        (
            ALL,
            "application/sparql-results+json;q=0.1, text/tab-separated-values;q=0.9",
            "text/tab-separated-values",
        ),
        (ALL, "text/*", "text/csv"),
        (ALL, "*/*", "application/sparql-results+json"),
        (ALL, "application/json", "application/sparql-results+json"),
        (ALL, "application/sparql-results+xml, application/rdf+xml", "application/sparql-results+xml"),
        (CONSTRUCT, "application/sparql-results+xml, application/rdf+xml", "application/rdf+xml"),
        (CONSTRUCT, "text/turtle;q=0.2, application/n-triples;q=0.8", "application/n-triples"),
        (CONSTRUCT, "application/*", "application/n-triples"),
        (CONSTRUCT, "text/csv;q=1, application/trig;q=0.3", "application/trig"),
        (ALL, "text/csv;q=0, */*;q=0.5", "application/sparql-results+json"),
    ],
)
def test_accept_with_q_values_wildcards_and_lists(url: str, query: str, accept: str, expected: str) -> None:
    r = get(url, query, accept)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize(
    ("query", "fmt", "expected"),
    [
        (ALL, "csv", "text/csv"),
        (ALL, "tsv", "text/tab-separated-values"),
        (ALL, "xml", "application/sparql-results+xml"),
        (ALL, "json", "application/sparql-results+json"),
        (CONSTRUCT, "json", "application/ld+json"),
        (CONSTRUCT, "jsonld", "application/ld+json"),
        (CONSTRUCT, "ttl", "text/turtle"),
        (CONSTRUCT, "nt", "application/n-triples"),
        (CONSTRUCT, "rdfxml", "application/rdf+xml"),
        (CONSTRUCT, "trig", "application/trig"),
        (CONSTRUCT, "nquads", "application/n-quads"),
        (CONSTRUCT, "application/n-quads", "application/n-quads"),
    ],
)
def test_format_parameter_overrides_accept(url: str, query: str, fmt: str, expected: str) -> None:
    r = get(url, query, "application/sparql-results+json, text/turtle", format=fmt)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == expected


def test_406_lists_what_is_available(url: str) -> None:
    r = get(url, ALL, "image/png")
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text and "text/csv" in r.text
    r = get(url, CONSTRUCT, "text/csv")
    assert r.status_code == 406 and "text/turtle" in r.text
    r = get(url, ALL, format="turtle")
    assert r.status_code == 406


def test_unknown_format_name_is_400(url: str) -> None:
    r = get(url, ALL, format="bogus")
    assert r.status_code == 400 and "bogus" in r.text


# ------------------------------------------------------------------ protocol errors


def test_syntax_error_is_400_with_position(url: str) -> None:
    r = get(url, "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert "line 3, column" in r.text
    assert "FILTER(?o = ) }" in r.text  # the offending line is quoted


def test_two_query_parameters_are_400(url: str) -> None:
    r = httpx.get(url, params=[("query", ALL), ("query", "ASK {}")], timeout=30)
    assert r.status_code == 400 and "2 queries" in r.text
    r = httpx.post(
        url + "?query=ASK%7B%7D",
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert r.status_code == 400


def test_body_that_is_not_utf8_is_400(url: str) -> None:
    r = httpx.post(
        url,
        content='SELECT * { ?s ?p "caf\xe9" }'.encode("latin-1"),
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert r.status_code == 400 and "UTF-8" in r.text
    r = httpx.post(
        url,
        content=b"query=SELECT%20*%20%7B%3Fs%20%3Fp%20%22%FF%22%7D",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert r.status_code == 400 and "UTF-8" in r.text


def test_missing_query_on_post_is_400(url: str) -> None:
    r = httpx.post(url, data={"format": "json"}, timeout=30)
    assert r.status_code == 400 and "missing query" in r.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_wrong_or_missing_content_type_is_415(url: str, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    r = httpx.post(url, content=b"ASK {}", headers=headers, timeout=30)
    assert r.status_code == 415
    assert "application/sparql-query" in r.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(url: str, method: str) -> None:
    r = httpx.request(method, url, content=b"ASK {}", timeout=30)
    assert r.status_code == 405
    assert set(r.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert r.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "update",
    [
        f"INSERT DATA {{ <{EX}x> <{EX}y> <{EX}z> }}",
        "DELETE WHERE { ?s ?p ?o }",
        "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/x.ttl>",
        "CLEAR ALL",
        f"CREATE GRAPH <{EX}new>",
        f"DROP GRAPH <{G1}>",
        f"COPY <{G1}> TO <{G2}>",
        f"MOVE <{G1}> TO <{G2}>",
        f"ADD <{G1}> TO <{G2}>",
        f"WITH <{G1}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    ],
)
def test_update_in_a_query_is_403(url: str, update: str) -> None:
    for r in (get(url, update), httpx.post(url, data={"query": update}, timeout=30)):
        assert r.status_code == 403, r.text
        assert "read-only" in r.text
    assert len(json_rows(get(url, ALL))) == G1_TRIPLES + G2_TRIPLES  # nothing changed


def test_update_operation_forms_are_403(url: str) -> None:
    update = "CLEAR ALL"
    responses = [
        httpx.get(url, params={"update": update}, timeout=30),
        httpx.post(url, data={"update": update}, timeout=30),
        httpx.post(
            url, content=update.encode(), headers={"Content-Type": "application/sparql-update"}, timeout=30
        ),
    ]
    for r in responses:
        assert r.status_code == 403, r.text
    assert len(json_rows(get(url, ALL))) == G1_TRIPLES + G2_TRIPLES


def test_query_and_update_together_are_400(url: str) -> None:
    r = httpx.post(url, data={"query": ALL, "update": "CLEAR ALL"}, timeout=30)
    assert r.status_code == 400


# ------------------------------------------------------------------ service description


def test_service_description_lists_the_named_graphs(url: str) -> None:
    r = get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=r.text, format="turtle")
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert service is not None
    assert graph.value(service, SD.endpoint) == rdflib.URIRef(url)
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (
        service,
        SD.resultFormat,
        rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON"),
    ) in graph
    dataset = graph.value(service, SD.defaultDataset)
    names = {graph.value(node, SD.name) for node in graph.objects(dataset, SD.namedGraph)}
    assert names == {rdflib.URIRef(G1), rdflib.URIRef(G2)}


def test_service_description_by_accept_and_html_form_for_browsers(url: str) -> None:
    r = get(url, accept="application/ld+json")
    assert r.headers["content-type"].startswith("application/ld+json")
    graph = rdflib.Graph().parse(data=r.text, format="json-ld")
    assert any(graph.triples((None, rdflib.RDF.type, SD.Service)))
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = get(url, accept=browser)
    assert r.headers["content-type"].startswith("text/html")
    assert "<textarea" in r.text and 'name="query"' in r.text and G1 in r.text


# ------------------------------------------------------------------ dataset selection


def count(url: str, query: str, **params: str | list[str]) -> int:
    r = httpx.get(url, params={"query": query, **params}, timeout=30)
    assert r.status_code == 200, r.text
    return len(json_rows(r))


def test_default_graph_uri_and_named_graph_uri_select_the_dataset(url: str) -> None:
    assert count(url, ALL) == G1_TRIPLES + G2_TRIPLES
    assert count(url, ALL, **{"default-graph-uri": G1}) == G1_TRIPLES
    assert count(url, ALL, **{"default-graph-uri": G2}) == G2_TRIPLES
    assert count(url, ALL, **{"default-graph-uri": [G1, G2]}) == G1_TRIPLES + G2_TRIPLES
    in_graphs = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(url, in_graphs) == G1_TRIPLES + G2_TRIPLES
    r = httpx.get(url, params={"query": in_graphs, "named-graph-uri": G2}, timeout=30)
    assert {row["g"]["value"] for row in json_rows(r)} == {G2}


def test_unknown_graph_is_an_empty_graph(url: str) -> None:
    """SPARQL 1.1 §13.2: a dataset may name graphs the store does not hold; they are empty."""
    for name in ("default-graph-uri", "named-graph-uri"):
        r = httpx.get(url, params={"query": ALL, name: EX + "nope"}, timeout=30)
        assert r.status_code == 200 and r.json()["results"]["bindings"] == []
        r = httpx.get(url, params={"query": "ASK {}", name: EX + "nope"}, timeout=30)
        assert r.status_code == 200 and r.json()["boolean"] is True


# ------------------------------------------------------------------ CORS and health


def test_cors_headers_on_get_and_preflight(url: str) -> None:
    r = httpx.get(url, params={"query": "ASK {}"}, headers={"Origin": "https://example.net"}, timeout=30)
    assert r.headers["access-control-allow-origin"] == "*"
    assert "X-Result-Truncated" in r.headers.get("access-control-expose-headers", "")
    r = httpx.options(
        url,
        headers={
            "Origin": "https://example.net",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
        timeout=30,
    )
    assert r.status_code == 200
    assert "POST" in r.headers["access-control-allow-methods"]


def test_health_reports_cached_sizes(url: str) -> None:
    r = httpx.get(url.removesuffix("/sparql") + "/health", timeout=5)
    assert r.status_code == 200
    health = r.json()
    assert {k: health[k] for k in ("status", "triples", "graphs")} == {
        "status": "ok",
        "triples": G1_TRIPLES + G2_TRIPLES,
        "graphs": 2,
    }
    # two standing workers for client queries (more while they are busy), one for the service's own
    assert health["workers"] >= 3
    assert health["network_sandbox"].startswith("seccomp")
    assert health["backend"] == "embedded" and health["store"]["ok"] is True


def test_prints_url_and_serves_turtle_file_as_default_graph(server_factory, tmp_path: Path) -> None:  # noqa: F811
    data = tmp_path / "plain.ttl"
    data.write_text(f'<{EX}x> <{EX}y> "z" .\n', encoding="utf-8")
    base = server_factory(data, workers=1)
    r = httpx.get(base + "/sparql", params={"query": ALL}, timeout=30)
    assert [row["o"]["value"] for row in json_rows(r)] == ["z"]
    assert httpx.get(base + "/health", timeout=5).json()["graphs"] == 0


def test_serve_reports_unreadable_data_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(f"<{EX}x> <{EX}y> .\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mediakg.cli", "serve", "--port", "0", "--data", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "cannot load" in done.stderr and "line 1" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


# ------------------------------------------------------------------ validators (ETag, Last-Modified, 304)


def test_answers_carry_validators_that_depend_on_the_request(url: str) -> None:
    first, again = get(url, ALL), get(url, ALL)
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and again.headers["etag"] == etag
    assert first.headers["last-modified"] == again.headers["last-modified"]
    assert parsedate_to_datetime(first.headers["last-modified"]).year >= 2000
    others = {
        get(url, ALL + " LIMIT 5").headers["etag"],  # another query text
        get(url, ALL, "text/csv").headers["etag"],  # another media type
        get(url, ALL, format="xml").headers["etag"],
        get(url, ALL, **{"default-graph-uri": G1}).headers["etag"],  # another dataset
        get(url, ALL, **{"named-graph-uri": G1}).headers["etag"],
    }
    assert etag not in others and len(others) == 5
    # the same request by POST (form or query body) has the same answer, hence the same validators
    form = httpx.post(url, data={"query": ALL}, timeout=30)
    direct = httpx.post(url, content=ALL.encode(), headers={"Content-Type": SPARQL_QUERY}, timeout=30)
    assert form.headers["etag"] == direct.headers["etag"] == etag
    assert form.headers["last-modified"] == first.headers["last-modified"]
    assert "etag" in get(url).headers  # the service description too
    assert "etag" not in get(url, "SELECT * WHERE { ?s ?p }").headers  # not on errors


def test_conditional_get_is_304(url: str) -> None:
    r = get(url, CONSTRUCT, "application/n-triples")
    etag, modified = r.headers["etag"], r.headers["last-modified"]

    def conditional(**headers: str) -> httpx.Response:
        return httpx.get(
            url,
            params={"query": CONSTRUCT},
            headers={"Accept": "application/n-triples", **headers},
            timeout=30,
        )

    not_modified = conditional(**{"If-None-Match": etag})
    assert not_modified.status_code == 304 and not not_modified.content
    assert not_modified.headers["etag"] == etag and "Accept" in not_modified.headers["vary"]
    assert conditional(**{"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert conditional(**{"If-Modified-Since": modified}).status_code == 304
    assert conditional(**{"If-None-Match": '"other"'}).status_code == 200
    long_ago = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert conditional(**{"If-Modified-Since": long_ago}).status_code == 200
    # another representation of the same query: its own ETag, so no 304
    other = httpx.get(
        url, params={"query": CONSTRUCT}, headers={"Accept": "text/turtle", "If-None-Match": etag}, timeout=30
    )
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_if_modified_since_never_hides_an_error(url: str) -> None:
    """A precondition applies only to a request that succeeds: a broken query stays 400 with a recent date."""
    recent = format_datetime(datetime.now(UTC), usegmt=True)
    r = httpx.get(
        url, params={"query": "SELECT * WHERE { ?s ?p }"}, headers={"If-Modified-Since": recent}, timeout=30
    )
    assert r.status_code == 400
    fresh = f"SELECT ?s WHERE {{ ?s <{EX}name> ?n }} # never asked before"
    r = httpx.get(url, params={"query": fresh}, headers={"If-Modified-Since": recent}, timeout=30)
    assert r.status_code == 304 and r.headers["etag"] == get(url, fresh).headers["etag"]


def test_304_does_not_run_the_query(tmp_path: Path) -> None:
    """In process (TestClient) with the real executor, counting the queries it runs."""
    from fastapi.testclient import TestClient

    from mediakg.service.app import create_app
    from mediakg.service.settings import Settings

    data = tmp_path / "data.trig"
    data.write_text(TRIG, encoding="utf-8")
    app = create_app(Settings(data=data, workers=1))
    runs: list[str] = []
    real_run = app.state.executor.run

    async def counting_run(query: str, **kwargs):
        runs.append(query)
        return await real_run(query, **kwargs)

    app.state.executor.run = counting_run
    with TestClient(app) as client:
        etag = client.get("/sparql", params={"query": ALL}).headers["etag"]
        assert len(runs) == 1
        r = client.get("/sparql", params={"query": ALL}, headers={"If-None-Match": etag})
        assert r.status_code == 304 and len(runs) == 1
        modified = r.headers["last-modified"]
        assert (
            client.get("/sparql", params={"query": ALL}, headers={"If-Modified-Since": modified}).status_code
            == 304
        )
        assert len(runs) == 1
