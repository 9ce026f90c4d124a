"""The question API (/api) against a real ``mediakg serve`` process (uvicorn, worker pool) over HTTP.

The server serves the session build of the real project; its answers are compared with the same questions
run directly on a store loaded from ontology/ + data/.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import BNode

from mediakg.questions.catalogue import load_questions
from question_support import run_question
from service_fixtures import server_factory  # noqa: F401 - module-scoped fixture

REPO = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/mediakg/id/"
QUESTIONS = load_questions(REPO / "queries")


@pytest.fixture(scope="module")
def base_url(server_factory, built_dataset: Path) -> str:  # noqa: F811 - pytest fixture injection
    return server_factory(built_dataset, timeout=10, workers=2)


@pytest.fixture(scope="module")
def client(base_url: str):
    with httpx.Client(base_url=base_url, timeout=30) as c:
        yield c


def test_listing(client: httpx.Client, base_url: str) -> None:
    r = client.get("/api")
    assert r.status_code == 200
    listed = {q["name"]: q for q in r.json()["questions"]}
    assert set(listed) == set(QUESTIONS)
    law = listed["ministers-met-osce-before-law"]
    assert law["url"] == f"{base_url}/api/ministers-met-osce-before-law"
    assert law["title"] == QUESTIONS["ministers-met-osce-before-law"].title
    assert law["params"][0] == {
        "name": "law",
        "type": "iri",
        "default": ID + "law/kz-law-on-mass-media",
        "example": ID + "law/kz-law-on-mass-media",
        "description": "The law whose signing (document) date is the cut-off.",
        "required": False,
    }
    assert {p["type"] for q in listed.values() for p in q["params"]} == {"iri", "string", "date", "integer"}


def cell_value(cell: dict | None) -> str:
    """A JSON cell's value; blank nodes get new labels in every store, so they compare as one value."""
    if cell is None:
        return ""
    return "_:b" if cell["type"] == "bnode" else cell["value"]


def term_value(term: object) -> str:
    if term is None:
        return ""
    return "_:b" if isinstance(term, BNode) else str(term)


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_each_question_answers_like_the_store(
    client: httpx.Client, project_store: ox.Store, name: str
) -> None:
    r = client.get(f"/api/{name}")
    assert r.status_code == 200, r.text
    doc = r.json()
    columns, rows = run_question(project_store, QUESTIONS[name], {})
    assert doc["question"] == name and doc["columns"] == columns
    got = sorted(tuple(cell_value(row[c]) for c in columns) for row in doc["rows"])
    want = sorted(tuple(term_value(t) for t in row) for row in rows)
    assert got == want and got


def test_json_cells_carry_types_and_labels(client: httpx.Client) -> None:
    doc = client.get("/api/ministers-met-osce-before-law").json()
    assert doc["params"] == {"law": ID + "law/kz-law-on-mass-media", "state": ID + "state/kazakhstan"}
    tazhin = next(row for row in doc["rows"] if row["ministerLabel"]["value"] == "Marat Tazhin")
    # Label from the question's own ministerLabel column.
    assert tazhin["minister"] == {"value": ID + "person/marat-tazhin", "type": "iri", "label": "Marat Tazhin"}
    # No stateLabel column: the label is looked up in the store.
    assert tazhin["state"]["label"] == "Kazakhstan"
    assert tazhin["date"] == {
        "value": "2007-04-30",
        "type": "literal",
        "datatype": "http://www.w3.org/2001/XMLSchema#date",
    }
    assert tazhin["latestDate"] is None
    assert tazhin["ministerLabel"]["lang"] == "en"


def test_parameters_by_query_string(client: httpx.Client) -> None:
    doc = client.get("/api/incidents-affecting-person", params={"name": "Toyken"}).json()
    other = client.get("/api/incidents-affecting-person", params={"name": "toiken"}).json()
    assert {r["incident"]["value"] for r in doc["rows"]} == {r["incident"]["value"] for r in other["rows"]}
    # the defaults are bound too: reported cases, not acts
    assert doc["params"] == {"name": "Toyken", "level": "https://w3id.org/mediakg/ontology#Incident"}
    may = client.get("/api/timeline", params={"from": "2019-05", "to": "2019-05"}).json()
    assert [r["event"]["value"] for r in may["rows"]] == [ID + "meeting/atamkulov-gisladottir-2019"]
    # (the RFoM event may have happened on the media law's signing day, so a window around a law signed
    # when no OSCE body met is empty)
    short = client.get(
        "/api/osce-activity-around-law",
        params={"days": "7", "law": ID + "law/kz-rules-journalistic-activity-at-peaceful-assemblies"},
    ).json()
    assert short["rows"] == []
    prefixed = client.get(
        "/api/entity-sources-and-evidence", params={"entity": "id:law/kz-law-on-mass-media"}
    )
    assert {r["source"]["value"] for r in prefixed.json()["rows"]} == {ID + "source/000_e1ec86c1e54fa2f1"}


def test_hostile_string_is_only_a_value(client: httpx.Client) -> None:
    r = client.get("/api/people-search", params={"name": 'x")) } UNION { ?person ?p ?o . FILTER(true'})
    assert r.status_code == 200 and r.json()["rows"] == []


@pytest.mark.parametrize(
    ("path", "params", "param", "words"),
    [
        ("/api/osce-activity-around-law", {"days": "thirty"}, "days", "integer"),
        ("/api/timeline", {"from": "2019-02-30"}, "from", "not a valid date"),
        ("/api/timeline", {"to": "March 2019"}, "to", "not a date"),
        ("/api/ministers-met-osce-before-law", {"law": "kz-law-on-mass-media"}, "law", "not an absolute"),
        ("/api/timeline", {"since": "2019"}, "since", "unknown parameter"),
        ("/api/incidents-by-year", {"format": "pdf"}, "format", "'sparql-json'"),
        ("/api/incidents-by-year", {"format": "CSV"}, "format", "'csv'"),
        # only ASCII digits, nothing around them
        ("/api/timeline", {"to": "２０１９"}, "to", "not a date"),
        ("/api/timeline", {"from": " 2019"}, "from", "not a date"),
        ("/api/timeline", {"from": "2019-02-29"}, "from", "not a valid date"),
        ("/api/osce-activity-around-law", {"days": "３０"}, "days", "not an integer"),
        ("/api/osce-activity-around-law", {"days": "1_000"}, "days", "not an integer"),
        ("/api/osce-activity-around-law", {"days": "30.0"}, "days", "not an integer"),
        # an IRI the store would not read (U+FFFD from %FF, a bad escape), an empty one, a bare name
        ("/api/claims", {"event": "http://example.org/\ufffd"}, "event", "not an absolute"),
        ("/api/claims", {"event": "http://example.org/%zz"}, "event", "not an absolute"),
        ("/api/claims", {"event": ""}, "event", "not an absolute"),
        ("/api/incidents", {"place": "astana"}, "place", "not an absolute"),
        ("/api/timeline", [("from", "2019"), ("from", "2020")], "from", "given 2 times"),
    ],
)
def test_wrong_values_answer_422_with_reason(
    client: httpx.Client, path: str, params: dict[str, str] | list[tuple[str, str]], param: str, words: str
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["query", param]
    assert words in detail["msg"]


def test_undecodable_and_odd_values_are_422_or_plain_values(client: httpx.Client) -> None:
    """%FF (not UTF-8) in an IRI is 422 naming it; a newline in a string is just part of the value."""
    r = client.get("/api/claims?event=http://example.org/%FF")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "event"]
    r = client.get("/api/people-search", params={"name": "Toi\nken"})
    assert r.status_code == 200 and r.json()["params"] == {"name": "Toi\nken"} and r.json()["rows"] == []
    r = client.get("/api/people-search", params={"name": ""})  # empty: a value (contains "" = everyone)
    assert r.status_code == 200 and r.json()["params"] == {"name": ""} and len(r.json()["rows"]) > 5


def test_unknown_question_404(client: httpx.Client) -> None:
    r = client.get("/api/who-is-the-president")
    assert r.status_code == 404
    assert "who-is-the-president" in r.json()["detail"]


def test_csv_by_accept_and_by_format(client: httpx.Client, project_store: ox.Store) -> None:
    columns, rows = run_question(project_store, QUESTIONS["incidents-by-year"], {})
    for r in (
        client.get("/api/incidents-by-year", headers={"Accept": "text/csv"}),
        client.get("/api/incidents-by-year", params={"format": "csv"}),
    ):
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(r.text)))
        assert table[0] == columns
        assert sorted(table[1:]) == sorted([str(t) for t in row] for row in rows)


def test_sparql_results_formats_by_accept(client: httpx.Client) -> None:
    r = client.get("/api/people-search", headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+json")
    doc = json.loads(r.text)
    assert doc["head"]["vars"][:2] == ["person", "personLabel"]
    assert {b["person"]["value"] for b in doc["results"]["bindings"]} == {ID + "person/kassym-jomart-tokayev"}
    xml = client.get("/api/people-search", headers={"Accept": "application/sparql-results+xml"})
    assert xml.status_code == 200 and "sparql-results+xml" in xml.headers["content-type"]
    assert "kassym-jomart-tokayev" in xml.text
    tsv = client.get("/api/people-search", headers={"Accept": "text/tab-separated-values"})
    assert tsv.status_code == 200 and tsv.text.startswith("?person\t")
    assert client.get("/api/people-search", headers={"Accept": "image/png"}).status_code == 406


def test_openapi_documents_every_question(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    for name, q in QUESTIONS.items():
        op = spec["paths"][f"/api/{name}"]["get"]
        assert op["summary"] == q.title
        params = {p["name"]: p for p in op["parameters"]}
        assert set(params) == set(q.param_names) | {"format"}
        for p in q.params:
            doc = params[p.name]
            assert doc["description"].startswith(p.description)
            schema = doc["schema"]
            assert schema["x-mediakg-type"] == p.type
            types = {s.get("type") for s in schema.get("anyOf", [schema])}
            assert ("integer" if p.type == "integer" else "string") in types
            if p.default is not None:
                assert str(schema["default"]) == p.default
            if p.example is not None:
                assert [str(e) for e in schema["examples"]] == [p.example]
    assert "/api" in spec["paths"]
    days = next(
        p for p in spec["paths"]["/api/osce-activity-around-law"]["get"]["parameters"] if p["name"] == "days"
    )
    assert days["schema"]["default"] == 30
    dates = next(p for p in spec["paths"]["/api/timeline"]["get"]["parameters"] if p["name"] == "from")
    assert "pattern" in json.dumps(dates["schema"])
    assert client.get("/docs").status_code == 200


def test_answers_carry_validators_that_depend_on_the_request(client: httpx.Client) -> None:
    path = "/api/incidents-affecting-person"
    first, again = client.get(path, params={"name": "Toyken"}), client.get(path, params={"name": "Toyken"})
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and again.headers["etag"] == etag
    assert first.headers["last-modified"] == again.headers["last-modified"]
    assert "Accept" in first.headers["vary"]
    others = {
        client.get(path, params={"name": "toiken"}).headers["etag"],  # another value
        client.get(path, params={"name": "Toyken", "format": "csv"}).headers["etag"],  # another format
        client.get(path, params={"name": "Toyken"}, headers={"Accept": "text/csv"}).headers["etag"],
        client.get("/api/incidents-by-year").headers["etag"],  # another question
    }
    assert etag not in others and len(others) == 3  # format=csv and Accept: text/csv: one representation
    assert "etag" in client.get("/api").headers
    assert "etag" not in client.get(path, params={"nom": "x"}).headers  # not on a 422


@pytest.mark.parametrize("fmt", [None, "csv"])
def test_conditional_get_is_304(client: httpx.Client, fmt: str | None) -> None:
    path, params = "/api/timeline", {"from": "2019", **({"format": fmt} if fmt else {})}
    r = client.get(path, params=params)
    assert r.status_code == 200
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    again = client.get(path, params=params, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content and again.headers["etag"] == etag
    assert client.get(path, params=params, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, params=params, headers={"If-None-Match": '"x"'}).status_code == 200
    long_ago = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert client.get(path, params=params, headers={"If-Modified-Since": long_ago}).status_code == 200
    other = client.get(path, params={"from": "2020"}, headers={"If-None-Match": etag})
    assert other.status_code == 200
