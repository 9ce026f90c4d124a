"""Linked data over HTTP: every entity IRI resolves in every format, content negotiation, 304s, the pages'
quotes and links, search, class lists, ontology/shapes docs, downloads, VoID, and one page in a real browser.

Everything runs against a real ``mediakg serve`` (uvicorn on 127.0.0.1), except the settings variant (a
different ``base_iri``), which uses FastAPI's TestClient.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from browser_support import BrowserPage, screenshot
from mediakg.graph.namespaces import ID_BASE, MKG, OA
from mediakg.service.app import create_app
from mediakg.service.pages.dates import date_sort_key, display_date
from mediakg.service.pages.render import Linker
from mediakg.service.settings import Settings
from service_fixtures import start_server

HERE = Path(__file__).resolve().parent
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
UNION = {"use_default_graph_as_union": True}


@pytest.fixture(scope="module")
def server(build_dir: Path) -> Iterator[str]:
    """``mediakg serve --data BUILD`` (real uvicorn on 127.0.0.1); yields its base URL. The shared build is
    served as it is: the service only reads it (tests/test_build_folder.py)."""
    with start_server(build_dir, workers=2) as base:
        yield base


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


def entities(store: ox.Store) -> list[str]:
    rows = store.query(
        f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID_BASE}")) }}',
        **UNION,
    )
    return sorted(r["s"].value for r in rows)


def path_of(iri: str) -> str:
    return "/id/" + iri[len(ID_BASE) :]


# --------------------------------------------------------------------------- every entity, every format


def _check_entity(client: httpx.Client, iri: str) -> list[tuple[str, str, object]]:
    """One IRI in every format: 200, the media type asked for, and the entity in the RDF; the failures."""
    failures: list[tuple[str, str, object]] = []
    for media in ("text/html", *RDF_TYPES):
        r = client.get(path_of(iri), headers={"Accept": media})
        if r.status_code != 200 or not r.headers.get("content-type", "").startswith(media):
            failures.append((iri, media, r.status_code))
        elif media == "application/n-triples" and f"<{iri}>".encode() not in r.content:
            failures.append((iri, media, "entity missing from its description"))
        elif media == "text/html" and "<h1>" not in r.text:
            failures.append((iri, media, "no heading"))
    return failures


#: Bound of the whole sweep: fail with a message instead of stalling (it takes ~10 s on 2 cores).
SWEEP_LIMIT_S = 180
SWEEP_CLIENTS = 8


def test_every_entity_resolves_in_every_format(server: str, store: ox.Store) -> None:
    """All entities x 5 formats through the real server and executor (the description query is one text for
    every entity, so the workers check it once). Several clients at a time: the server is also exercised
    under concurrent requests, and the sweep does not add up per-request network latency. Every wait is
    bounded: each request by the client timeout, the whole sweep by SWEEP_LIMIT_S."""
    iris = entities(store)
    assert len(iris) > 10
    local = threading.local()
    clients: list[httpx.Client] = []

    def check(iri: str) -> list[tuple[str, str, object]]:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=server, timeout=30)
            clients.append(local.client)
        return _check_entity(local.client, iri)

    pool = ThreadPoolExecutor(SWEEP_CLIENTS)
    try:
        futures = [pool.submit(check, iri) for iri in iris]
        done, pending = wait(futures, timeout=SWEEP_LIMIT_S)
        assert not pending, f"sweep too slow: {len(done)} of {len(iris)} entities done in {SWEEP_LIMIT_S} s"
        failures = [f for future in futures for f in future.result()]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # running checks end within the client timeout
        for c in clients:
            c.close()
    assert not failures, failures[:10]


@pytest.mark.parametrize("media", list(RDF_TYPES))
def test_rdf_answers_parse_and_hold_the_description(
    media: str, client: httpx.Client, store: ox.Store
) -> None:
    iri = _law_on_mass_media(store) or entities(store)[0]
    r = client.get(path_of(iri), headers={"Accept": media})
    assert r.status_code == 200
    g = Graph().parse(data=r.content, format=RDF_TYPES[media], publicID=iri)
    own = {(t.predicate.value, str(t.object)) for t in store.quads_for_pattern(ox.NamedNode(iri), None, None)}
    assert len(list(g.triples((URIRef(iri), None, None)))) >= len({p for p, _ in own})
    assert (URIRef(iri), SKOS.prefLabel, None) in g


# --------------------------------------------------------------------------- content negotiation


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
        ("application/rdf+xml;q=0.9, text/html;q=0.1", "application/rdf+xml"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/n-triples, */*;q=0.1", "application/n-triples"),
        ("text/*;q=0.3, text/turtle", "text/turtle"),
        ("*/*", "text/html"),
        ("application/json", "application/ld+json"),
    ],
)
def test_accept_lists_with_q_values(
    accept: str, expected: str, client: httpx.Client, store: ox.Store
) -> None:
    r = client.get(path_of(entities(store)[0]), headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(expected)
    assert "Accept" in [v.strip() for v in r.headers["vary"].split(",")]


def test_link_headers_and_format_parameter(client: httpx.Client, store: ox.Store) -> None:
    path = path_of(entities(store)[0])
    r = client.get(path, params={"format": "ttl"}, headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("text/turtle")
    links = r.headers["link"]
    for media in ("text/html", *RDF_TYPES):
        assert f'rel="alternate"; type="{media}"' in links
    for part in links.split(","):
        if 'rel="alternate"' in part:
            href = part.split(";")[0].strip()[1:-1]
            assert client.get(href).status_code == 200


def test_not_acceptable_and_unknown_format(client: httpx.Client, store: ox.Store) -> None:
    path = path_of(entities(store)[0])
    assert client.get(path, headers={"Accept": "image/png"}).status_code == 406
    assert client.get(path, headers={"Accept": "text/turtle;q=0"}).status_code == 406
    assert client.get(path, params={"format": "docx"}).status_code == 406


def test_unknown_iri_is_404_in_html_and_rdf(client: httpx.Client) -> None:
    r = client.get("/id/person/nobody-of-that-name", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "nobody-of-that-name" in r.text and "<html" in r.text
    r = client.get("/id/person/nobody-of-that-name", headers={"Accept": "text/turtle"})
    assert r.status_code == 404


# --------------------------------------------------------------------------- validators


@pytest.mark.parametrize(
    "path",
    [
        "/id/{entity}",
        "/",
        "/ontology",
        "/.well-known/void",
        "/download",
        "/download/mediakg.nt",
        "/search?q=a",
        "/context.jsonld",
    ],
)
def test_etag_and_last_modified_give_304(path: str, client: httpx.Client, store: ox.Store) -> None:
    path = path.format(entity=entities(store)[0][len(ID_BASE) :])
    r = client.get(path)
    assert r.status_code == 200
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag and not again.content
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    long_ago = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert client.get(path, headers={"If-Modified-Since": long_ago}).status_code == 200


def test_each_representation_has_its_own_etag(client: httpx.Client, store: ox.Store) -> None:
    path = path_of(entities(store)[0])
    tags = {client.get(path, headers={"Accept": m}).headers["etag"] for m in ("text/html", *RDF_TYPES)}
    assert len(tags) == 5


# --------------------------------------------------------------------------- what the pages show


def _law_on_mass_media(store: ox.Store) -> str | None:
    rows = list(
        store.query(
            """SELECT ?s WHERE { ?s a <https://w3id.org/mediakg/ontology#Law> ;
             <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(CONTAINS(?l, "On Mass Media")) }""",
            **UNION,
        )
    )
    return rows[0]["s"].value if rows else None


def test_law_page_shows_its_quotes_and_links_to_the_source(client: httpx.Client, store: ox.Store) -> None:
    law = _law_on_mass_media(store)
    assert law, "no Law 'On Mass Media' in the build"
    quotes = [
        (r["q"].value, r["src"].value)
        for r in store.query(
            f"""SELECT ?q ?src WHERE {{ <{law}> <{MKG.evidence}> ?e . ?e <{OA.exact}> ?q ;
                <http://purl.org/dc/terms/source> ?src }}""",
            **UNION,
        )
    ]
    assert quotes
    html = client.get(path_of(law), headers={"Accept": "text/html"}).text
    assert "On Mass Media" in html
    for quote, source in quotes:
        assert quote in _text_of(html)
        assert f'href="{path_of(source)}"' in html
        assert source.rsplit("/", 1)[-1] in html


def _text_of(page: str) -> str:
    """The page with character references resolved (Jinja and Python escape quotes differently)."""
    import html

    return html.unescape(page)


def _event_key(date: str | None, earliest: str | None, latest: str | None) -> str:
    """When an event happened at the latest, as an ISO string (prefixes compare correctly)."""
    if date and not date.startswith("--"):
        return date
    if date and latest:  # "--MM-DD": the latest year the bound allows
        year = int(latest[:4]) if date[2:] <= latest[5:10] or len(latest) < 10 else int(latest[:4]) - 1
        return f"{year}{date[1:]}"
    return earliest or latest or "9999"


def test_agent_page_lists_events_in_date_order(client: httpx.Client, store: ox.Store) -> None:
    """The agent (person preferred) with the most meetings or incidents: its page lists them by date."""
    rows = list(
        store.query(
            f"""SELECT ?agent ?kind ?event ?date ?early ?late ?person WHERE {{
              VALUES ?kind {{ <{MKG.Meeting}> <{MKG.Incident}> }}
              ?event a ?kind ; <{MKG.participation}>/<{MKG.agent}> ?agent .
              BIND(EXISTS {{ ?agent a/<{RDFS.subClassOf}>* <{MKG.Person}> }} AS ?person)
              OPTIONAL {{ ?event <{MKG.date}> ?date }} OPTIONAL {{ ?event <{MKG.earliestDate}> ?early }}
              OPTIONAL {{ ?event <{MKG.latestDate}> ?late }} }}""",
            **UNION,
        )
    )
    events: dict[tuple[str, str, bool], dict[str, str]] = {}
    for r in rows:
        values = [r[v].value if r[v] else None for v in ("date", "early", "late")]
        person = r["person"].value == "true"
        events.setdefault((r["agent"].value, r["kind"].value, person), {})[r["event"].value] = _event_key(
            *values
        )
    (agent, kind, _), found = max(events.items(), key=lambda kv: (kv[0][2] and len(kv[1]) > 1, len(kv[1])))
    assert len(found) >= 2, "no agent with two meetings or incidents in the build"
    html = client.get(path_of(agent), headers={"Accept": "text/html"}).text
    section_id = "meetings" if kind == str(MKG.Meeting) else "incidents"
    section = html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
    shown = sorted(found, key=lambda event: section.index(f'href="{path_of(event)}"'))
    keys = [found[event] for event in shown]
    assert keys == sorted(keys), (
        f"{section_id} out of date order on {agent}: {list(zip(shown, keys, strict=True))}"
    )


def test_entity_page_shows_labels_types_properties_and_incoming(
    client: httpx.Client, store: ox.Store
) -> None:
    iri = next(
        r["s"].value
        for r in store.query(
            f"SELECT ?s {{ ?s a <{MKG.Official}> ; <{SKOS.altLabel}> ?a . ?m <{ORG_MEMBER}> ?s }} LIMIT 1",
            **UNION,
        )
    )
    html = client.get(path_of(iri), headers={"Accept": "text/html"}).text
    for r in store.query(f"SELECT ?l WHERE {{ <{iri}> <{SKOS.prefLabel}>|<{SKOS.altLabel}> ?l }}", **UNION):
        assert r["l"].value in _text_of(html)
    assert 'href="/ontology#Official"' in html and ">Official<" in html
    membership = next(iter(store.query(f"SELECT ?m WHERE {{ ?m <{ORG_MEMBER}> <{iri}> }}", **UNION)))[
        "m"
    ].value
    assert f'href="{path_of(membership)}"' in html.split('id="appears-in"', 1)[1]


ORG_MEMBER = "http://www.w3.org/ns/org#member"


def test_dates_keep_their_precision() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert display_date("2020-08", xsd + "gYearMonth") == "August 2020"
    assert display_date("--02-12", xsd + "gMonthDay") == "12 February (year not stated)"
    assert display_date("2019-03-22", xsd + "date") == "22 March 2019"
    assert display_date("2007", xsd + "gYear") == "2007"
    assert display_date("--03", xsd + "gMonth") == "March (year not stated)"
    assert date_sort_key("2020-08") < date_sort_key("2020-08-14") < date_sort_key("2021")


def test_search_finds_any_spelling_case_insensitively(client: httpx.Client, store: ox.Store) -> None:
    row = next(iter(store.query(f"SELECT ?s ?a WHERE {{ ?s <{SKOS.altLabel}> ?a }} LIMIT 1", **UNION)))
    iri, alt = row["s"].value, row["a"].value
    fragment = alt[1 : max(4, len(alt) - 1)].swapcase()
    html = client.get("/search", params={"q": fragment}).text
    assert f'href="{path_of(iri)}"' in html
    assert "0 result" in client.get("/search", params={"q": "zzqx-no-such-name"}).text
    # quotes and backslashes are data, not query syntax
    assert client.get("/search", params={"q": '"\\ }'}).status_code == 200


def test_class_page_lists_all_members(client: httpx.Client, store: ox.Store) -> None:
    members = {
        r["s"].value for r in store.query(f"SELECT DISTINCT ?s WHERE {{ ?s a <{MKG.Meeting}> }}", **UNION)
    }
    html = client.get("/class/Meeting").text
    assert all(f'href="{path_of(m)}"' in html for m in members)
    assert html.count('<li><a href="/id/') == len(members)
    assert client.get("/class/NoSuchClass").status_code == 404


def test_home_page_links_everywhere(client: httpx.Client) -> None:
    html = client.get("/").text
    for href in (
        'href="/class/Meeting"',
        'href="/search"',
        'href="/sparql"',
        'href="/api"',
        'href="/download"',
        'href="/ontology"',
        'href="/.well-known/void"',
    ):
        assert href in html
    assert "/static/mediakg.css" in html
    assert client.get("/static/mediakg.css").status_code == 200


def test_ontology_docs_in_html_and_turtle(client: httpx.Client, store: ox.Store) -> None:
    onto = Graph().parse(HERE.parent / "ontology" / "mediakg.ttl")
    html = client.get("/ontology").text
    for cls in onto.subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")):
        if str(cls).startswith(str(MKG)):
            assert f'id="{str(cls)[len(str(MKG)) :]}"' in html
            assert str(onto.value(cls, RDFS.label)) in _text_of(html)
    assert "domain" in html and "sub-class of" in html
    r = client.get("/ontology", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.text, format="turtle")
    assert (MKG.Meeting, RDFS.label, None) in g


def test_shapes_docs_show_targets_and_messages(client: httpx.Client) -> None:
    shapes = Graph()
    for f in sorted((HERE.parent / "shapes").glob("*.ttl")):
        shapes.parse(f)
    sh = "http://www.w3.org/ns/shacl#"
    html = client.get("/shapes").text
    messages = {str(m) for m in shapes.objects(None, URIRef(sh + "message"))}
    assert messages and all(m in _text_of(html) for m in messages)
    assert "Target: class" in html
    assert (
        client.get("/shapes", headers={"Accept": "text/turtle"})
        .headers["content-type"]
        .startswith("text/turtle")
    )


def test_downloads_plain_and_gzip(client: httpx.Client) -> None:
    html = client.get("/download").text
    for name in (
        "mediakg.ttl",
        "mediakg.nt",
        "mediakg.jsonld",
        "mediakg.trig",
        "mediakg.nq",
        "mediakg-meetings.csv",
    ):
        assert f'href="/download/{name}"' in html and f'href="/download/{name}.gz"' in html
    plain = client.get("/download/mediakg.nq", headers={"Accept-Encoding": "identity"})
    assert plain.headers["content-type"].startswith("application/n-quads")
    raw = client.get("/download/mediakg.nq.gz")
    assert raw.headers["content-type"] == "application/gzip" and gzip.decompress(raw.content) == plain.content
    with client.stream("GET", "/download/mediakg.nq", headers={"Accept-Encoding": "gzip"}) as r:
        assert r.headers["content-encoding"] == "gzip"
        assert gzip.decompress(b"".join(r.iter_raw())) == plain.content
    assert client.get("/download/nothing.txt").status_code == 404


def test_void_description(client: httpx.Client, server: str) -> None:
    r = client.get("/.well-known/void")
    assert r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    void = "http://rdfs.org/ns/void#"
    ds = next(g.subjects(RDF.type, URIRef(void + "Dataset")))
    assert str(g.value(ds, URIRef(void + "sparqlEndpoint"))) == server + "/sparql"
    dumps = {str(d) for d in g.objects(ds, URIRef(void + "dataDump"))}
    assert server + "/download/mediakg.trig" in dumps
    assert client.get(list(dumps)[0]).status_code == 200
    jr = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert jr.headers["content-type"].startswith("application/ld+json")
    assert len(Graph().parse(data=jr.text, format="json-ld")) == len(g)


def test_jsonld_context_is_published(client: httpx.Client, store: ox.Store) -> None:
    ctx = client.get("/context.jsonld").json()["@context"]
    assert ctx["skos"] == str(SKOS) and ctx["mkg"] == str(MKG)
    r = client.get(path_of(entities(store)[0]), headers={"Accept": "application/ld+json"})
    assert "/context.jsonld>" in r.headers["link"]
    assert json.loads(r.text)["@context"]["mkg"] == str(MKG)


# --------------------------------------------------------------------------- the base IRI setting


def test_base_iri_setting_maps_paths_to_iris(build_dir: Path, store: ox.Store) -> None:
    from fastapi.testclient import TestClient

    person = next(
        r["s"].value for r in store.query(f"SELECT ?s WHERE {{ ?s a <{MKG.Person}> }} LIMIT 1", **UNION)
    )
    app = create_app(Settings(data=build_dir, base_iri=ID_BASE + "person/", workers=1))
    with TestClient(app) as c:
        r = c.get("/id/" + person.rsplit("/", 1)[-1], headers={"Accept": "text/html"})
        assert r.status_code == 200
        assert person in r.text
    lk = Linker("https://data.example.org/kg/")
    assert lk.href("https://data.example.org/kg/person/x") == "/id/person/x"
    assert (
        lk.iri_for_path("concept/incident-type/detention")
        == "https://data.example.org/kg/concept/incident-type/detention"
    )
    assert lk.href(str(MKG.Meeting)) == "/ontology#Meeting"


# --------------------------------------------------------------------------- a real browser


def test_page_renders_in_a_real_browser(
    server: str, store: ox.Store, open_page: Callable[..., BrowserPage]
) -> None:
    """An entity page in Chromium (Playwright, browser_support), asking nothing of another host."""
    law = _law_on_mass_media(store) or entities(store)[0]
    page = open_page(server).page
    page.goto(server + path_of(law))
    dom = page.content()
    assert "<h1>" in dom and "Sources and evidence" in dom
    label = next(iter(store.query(f"SELECT ?l WHERE {{ <{law}> <{SKOS.prefLabel}> ?l }}", **UNION)))[
        "l"
    ].value
    assert label in _text_of(dom)
    screenshot(page, "entity-page")
