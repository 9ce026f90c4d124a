"""The pages over HTTP, against a real ``mediakg serve`` on the real build: search ranking and suggestions in
any script, home counts equal to the class pages' counts, case and act pages in the case model, claims as
claims, dates at their precision in listings, friendly labels, and clear 4xx answers to bad parameters.

Expected answers are read from the store with plain SPARQL (rdf:type / rdfs:subClassOf as the data state
them), never from the pages' own queries.
"""

from __future__ import annotations

import html as htmlmod
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from mediakg.graph.namespaces import ID_BASE
from service_fixtures import start_server

UNION = {"use_default_graph_as_union": True}
PREFIXES = """PREFIX mkg: <https://w3id.org/mediakg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
TOKAYEV = "/id/person/kassym-jomart-tokayev"
TOYKEN = "/id/person/sania-toyken"
ADIL_SOZ = "/id/org/adil-soz"


@pytest.fixture(scope="module")
def client(build_dir: Path) -> Iterator[httpx.Client]:
    with start_server(build_dir, workers=2) as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c


def rows(store: ox.Store, query: str) -> list[dict[str, str]]:
    answer = store.query(PREFIXES + query, **UNION)
    names = [v.value for v in answer.variables]
    return [{n: r[n].value for n in names if r[n] is not None} for r in answer]


def path_of(iri: str) -> str:
    return "/id/" + iri[len(ID_BASE) :]


def text_of(page: str) -> str:
    """The visible text of a page: tags dropped, character references resolved, spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", htmlmod.unescape(re.sub(r"<[^>]+>", " ", body)))


def section(page: str, ident: str) -> str:
    return page.split(f'id="{ident}"', 1)[1].split("</section>", 1)[0]


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("query", "first"),
    [("Токаев", TOKAYEV), ("Тоқаев", TOKAYEV), ("Tokaev", TOKAYEV), ("tokayev", TOKAYEV),
     ("Toiken", TOYKEN), ("Toyken", TOYKEN), ("Тойкен", TOYKEN), ("свободы слова", ADIL_SOZ),
     ("svobody slova", ADIL_SOZ), ("Сөз бостандығы", ADIL_SOZ), ("adil soz", ADIL_SOZ)],
)  # fmt: skip
def test_suggest_puts_the_entity_first_in_any_script(client: httpx.Client, query: str, first: str) -> None:
    r = client.get("/search/suggest", params={"q": query})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    results = r.json()["results"]
    assert results and results[0]["href"] == first, results[:3]
    assert set(results[0]) == {"label", "href", "iri", "kind", "matched"}
    assert len(results) <= 8


def test_suggest_says_which_spelling_matched(client: httpx.Client) -> None:
    top = client.get("/search/suggest", params={"q": "Токаев"}).json()["results"][0]
    assert (top["label"], top["matched"], top["kind"]) == ("Kassym-Jomart Tokayev", "K.Tokaev", "Official")


def test_suggest_empty_no_match_and_too_long(client: httpx.Client) -> None:
    assert client.get("/search/suggest", params={"q": ""}).json() == {"q": "", "results": []}
    assert client.get("/search/suggest", params={"q": "zzqx-no-such-name"}).json()["results"] == []
    r = client.get("/search/suggest", params={"q": "a" * 201})
    assert r.status_code == 422 and "201 characters" in r.json()["error"]


def test_search_page_ranks_the_person_before_cases_that_name_her(
    client: httpx.Client, store: ox.Store
) -> None:
    """ "Toiken" finds the journalist (whose other spelling it is) first, then every case and act whose title
    has her name in either spelling (Toiken, Toyken): all of them, and nothing else."""
    page = client.get("/search", params={"q": "Toiken"}).text
    listed = re.findall(r'<li><a href="(/id/[^"]+)"', page)
    assert listed[0] == TOYKEN
    titled = {
        path_of(r["s"])
        for r in rows(
            store,
            """SELECT DISTINCT ?s { ?s skos:prefLabel|skos:altLabel ?l
                 FILTER(CONTAINS(?l, "Toiken") || CONTAINS(?l, "Toyken")) }""",
        )
    }
    assert set(listed) == titled | {TOYKEN}
    assert f"{len(listed)} result(s)" in page


def test_search_page_by_cyrillic_and_its_errors(client: httpx.Client) -> None:
    page = client.get("/search", params={"q": "Токаев"}).text
    assert re.findall(r'<li><a href="(/id/[^"]+)"', page)[0] == TOKAYEV
    assert "also written “K.Tokaev”" in text_of(page)
    too_long = client.get("/search", params={"q": "x" * 300})
    assert too_long.status_code == 422 and "at most 200" in too_long.text


# --------------------------------------------------------------------------- home and class pages


def class_page_count(client: httpx.Client, href: str) -> int:
    page = client.get(href).text
    heading = re.search(r"<h1>[^<]*\((\d+)\)</h1>", page)
    assert heading, f"{href}: no count in the heading"
    listed = len(re.findall(r'<li><a href="/id/', page))
    assert listed == int(heading[1]), f"{href}: heading says {heading[1]}, the list has {listed}"
    return listed


def test_home_counts_are_the_class_pages_counts(client: httpx.Client, store: ox.Store) -> None:
    """Every count on the home page (cards and table) equals what the class page lists, and what the data
    state: members of the class or of a sub-class of it (issue 12: home counted direct types only)."""
    home = client.get("/").text
    cards = re.findall(r'<a class="stat" href="([^"]+)" data-count="(\d+)"', home)
    table = re.findall(
        r'<tr><td><a href="(/class/[^"]+)">[^<]*</a></td><td class="num">(\d+)</td></tr>', home
    )
    assert len(cards) >= 10 and len(table) >= len(cards)
    for href, count in {*cards, *table}:
        assert class_page_count(client, href) == int(count), href
    for name in ("Person", "Organization", "Place", "Document", "Incident"):
        stated = rows(
            store,
            f"""SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a ?c . FILTER(isIRI(?s))
                {{ ?c rdfs:subClassOf* mkg:{name} }} }}""",
        )[0]["n"]
        assert dict(cards)[f"/class/{name}"] == stated, name


def test_incident_listing_shows_dates_at_their_precision_in_order(
    client: httpx.Client, store: ox.Store
) -> None:
    page = client.get("/class/Incident").text
    shown = text_of(page)
    assert "--" not in re.sub(r"<[^>]+>", "", shown.split("Incident (", 1)[1])  # no raw --03 / --02-12
    # the March case without a year (bounded by the appeal of 29 March 2019) is shown as March, with its bound
    kari = rows(store, 'SELECT ?s { ?s a mkg:Incident ; mkg:date ?d FILTER(STR(?d) = "--03") }')
    assert kari, "no year-less March case in the build"
    item = page.split(f'href="{path_of(kari[0]["s"])}"', 1)[1].split("</li>", 1)[0]
    assert "March (year not stated), by 29 March 2019" in text_of(item)
    # cases are in date order: every 2019 case (with or without a stated year) before every 2020 one
    order = re.findall(r'<li><a href="(/id/incident/[^"]+)"', page)
    year_of = {
        path_of(r["s"]): r["y"]
        for r in rows(
            store,
            """SELECT ?s ?y { ?s a mkg:Incident OPTIONAL { ?s mkg:date ?d } OPTIONAL { ?s mkg:latestDate ?l }
                 OPTIONAL { ?s mkg:earliestDate ?e }
                 BIND(IF(BOUND(?d) && !STRSTARTS(STR(?d), "--"), STR(?d), COALESCE(STR(?l), STR(?e))) AS ?k)
                 BIND(SUBSTR(?k, 1, 4) AS ?y) }""",
        )
    }
    years = [year_of[p] for p in order]
    assert years == sorted(years) and len(order) == len(year_of)


def test_case_listing_by_type_and_year_counts_cases(client: httpx.Client, store: ox.Store) -> None:
    """The home chart's bars link to these listings: cases (not acts) of a type in a year."""
    cases = rows(
        store,
        f"""SELECT DISTINCT ?s {{ ?s a mkg:Incident ;
              mkg:incidentType <{ID_BASE}concept/incident-type/detention> }}""",
    )
    page = client.get("/class/Incident", params={"type": "detention", "year": "2019"}).text
    listed = set(re.findall(r'<li><a href="(/id/[^"]+)"', page))
    assert listed == {path_of(r["s"]) for r in cases}  # every detention case of the data is from 2019
    assert all(p.startswith("/id/incident/") for p in listed)
    assert f"Incident ({len(listed)})" in page
    none = client.get("/class/Incident", params={"year": "1990"}).text
    assert "Incident (0)" in none and '<li><a href="/id/' not in none


@pytest.mark.parametrize(
    ("params", "says"),
    [({"year": "abc"}, "year must be a year"), ({"type": "no-such-type"}, "Types here:")],
)
def test_bad_listing_parameters_are_400_with_the_reason(
    client: httpx.Client, params: dict, says: str
) -> None:
    r = client.get("/class/Incident", params=params)
    assert r.status_code == 400 and says in r.text


def test_home_chart_data_agrees_with_the_listings(client: httpx.Client) -> None:
    home = client.get("/").text
    data = json.loads(htmlmod.unescape(home.split('id="chart-data">', 1)[1].split("</script>", 1)[0]))
    assert data["rows"]
    for row in data["rows"][:4]:
        assert class_page_count(client, row["href"]) == row["n"], row


# --------------------------------------------------------------------------- the case model on the pages


def test_case_page_lists_its_acts_with_types_dates_places_and_people(
    client: httpx.Client, store: ox.Store
) -> None:
    found = rows(
        store, "SELECT ?case (COUNT(?act) AS ?n) { ?case mkg:hasAct ?act } GROUP BY ?case ORDER BY DESC(?n)"
    )
    case = found[0]["case"]
    acts = rows(
        store,
        f"""SELECT ?act ?label (GROUP_CONCAT(DISTINCT ?tl; separator="|") AS ?types) {{
              <{case}> mkg:hasAct ?act . ?act skos:prefLabel ?label ; mkg:incidentType ?t .
              ?t skos:prefLabel ?tl }} GROUP BY ?act ?label""",
    )
    page = client.get(path_of(case)).text
    part = section(page, "acts")
    assert f'Acts <span class="count">({len(acts)})' in page
    for act in acts:
        item = part.split(f'href="{path_of(act["act"])}"', 1)[1].split("</li>", 1)[0]
        for t in act["types"].split("|"):
            assert f">{t}</a>" in item, (act["act"], t)
        assert re.search(r"\d{4}", text_of(item)), "no date"
        assert "Who:" in text_of(item)


def test_act_page_links_to_its_case_and_case_listing_counts_cases(
    client: httpx.Client, store: ox.Store
) -> None:
    link = rows(store, "SELECT ?case ?act { ?case mkg:hasAct ?act } LIMIT 1")[0]
    page = client.get(path_of(link["act"])).text
    assert f'href="{path_of(link["case"])}"' in page.split('id="case"', 1)[1].split("</dd>", 1)[0]
    cases = int(rows(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?c a mkg:Incident }")[0]["n"])
    assert class_page_count(client, "/class/Incident") == cases


def test_journalist_page_counts_her_cases_not_acts(client: httpx.Client, store: ox.Store) -> None:
    cases = rows(
        store,
        f"""SELECT DISTINCT ?c {{ ?c a mkg:Incident ;
              mkg:participation/mkg:agent <{ID_BASE}person/sania-toyken> }}""",
    )
    part = section(client.get(TOYKEN).text, "incidents")
    assert set(re.findall(r'href="(/id/[^"]+)"', part)) == {path_of(r["c"]) for r in cases}


def test_meeting_page_shows_claims_as_claims_and_the_dateline(client: httpx.Client, store: ox.Store) -> None:
    claim = rows(
        store,
        """SELECT ?m ?who ?text { ?m a mkg:Meeting ; mkg:claim ?c . ?c mkg:claimant ?p ;
             dct:description ?text . ?p skos:prefLabel ?who } LIMIT 1""",
    )[0]
    page = client.get(path_of(claim["m"])).text
    claims = text_of(section(page, "claims"))
    assert f"{claim['who']} said" in claims and claim["text"] in claims
    for plumbing in ("rdf:type", "prov:wasDerivedFrom", "dct:description", "oa:exact", "Evidence"):
        assert plumbing not in claims
    dated = rows(
        store, "SELECT ?m ?place { ?m a mkg:Meeting ; mkg:reportedFrom ?d . ?d skos:prefLabel ?place }"
    )[0]
    where = text_of(client.get(path_of(dated["m"])).text.split('id="where"', 1)[1].split("</dd>", 1)[0])
    assert f"datelined in {dated['place']}" in where


def test_no_page_mixes_prefixed_names_into_its_labels(client: httpx.Client, store: ox.Store) -> None:
    """Every event, agent and place page: property names are friendly ("description", not "dct:description"),
    and "Appears in" lists each linking thing and way once."""
    sample = rows(
        store,
        """SELECT DISTINCT ?s { VALUES ?c { mkg:Meeting mkg:Incident mkg:Act mkg:Person mkg:Law mkg:Place }
             ?s mkg:instanceOf ?c }""",
    )
    assert len(sample) > 50
    for r in sample:
        page = client.get(path_of(r["s"])).text
        labels = re.findall(r"<(?:th scope=\"row\"><a[^>]*|dt)>([^<]+)<", page)
        assert not [x for x in labels if re.match(r"^[a-z]+:[A-Za-z]", x)], (r["s"], labels)
        if 'id="appears-in"' in page:
            lines = re.findall(r"<tr><td>(.*?)</tr>", section(page, "appears-in"), flags=re.S)
            keys = [
                (re.search(r'href="([^"]+)"', line)[1], text_of(line.split("</td>", 1)[1])) for line in lines
            ]
            assert len(keys) == len(set(keys)), (r["s"], keys)


def test_place_page_lists_cases_within_it(client: httpx.Client, store: ox.Store) -> None:
    cases = rows(
        store,
        f"""SELECT DISTINCT ?c {{ ?c a mkg:Incident ; mkg:place ?p .
              ?p mkg:locatedIn* <{ID_BASE}place/astana> }}""",
    )
    assert cases
    part = section(client.get("/id/place/astana").text, "cases-here")
    assert set(re.findall(r'href="(/id/incident/[^"]+)"', part)) == {path_of(r["c"]) for r in cases}


def test_site_navigation_on_every_page(client: httpx.Client) -> None:
    for path in ("/", "/search", "/class/Meeting", TOKAYEV, "/ontology", "/download"):
        nav = client.get(path).text.split('<nav aria-label="Site">', 1)[1].split("</nav>", 1)[0]
        for href in (
            "/",
            "/search",
            "/sparql",
            "/questions",
            "/timeline",
            "/charts",
            "/download",
            "/ontology",
            "/docs",
        ):
            assert f'href="{href}"' in nav, (path, href)
        assert nav.count('aria-current="page"') <= 1
    assert client.head("/search/suggest", params={"q": "x"}).status_code == 200
