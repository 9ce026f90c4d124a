"""The analyst's pages over HTTP against a real ``mediakg serve`` of the project's build: ``/api/<name>``
answers HTML to browsers and JSON (or CSV...) to clients, entity parameters given by short name or label
(one entity bound, several → 422 with the candidates), ``/api/_entities``, ``/sparql`` still a protocol
endpoint for clients, ``/timeline.json`` with dates at their precision; and the date spans themselves."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from mediakg.service.analyst.timeline import span
from service_fixtures import server_factory  # noqa: F401 - module-scoped fixture

ID = "https://w3id.org/mediakg/id/"
MKG = "https://w3id.org/mediakg/ontology#"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(server_factory, built_dataset: Path):  # noqa: F811 - pytest fixture injection
    base_url = server_factory(built_dataset, timeout=10, workers=1)
    with httpx.Client(base_url=base_url, timeout=30) as c:
        yield c


def values(doc: dict, column: str) -> set[str]:
    return {r[column]["value"] for r in doc["rows"] if r.get(column)}


# --------------------------------------------------------------------------- HTML or JSON


@pytest.mark.parametrize("accept", [BROWSER, FIREFOX, "text/html"])
def test_a_browser_gets_the_question_page(client: httpx.Client, accept: str) -> None:
    r = client.get("/api/incidents-by-type", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "Accept" in r.headers["vary"]
    json_rows = client.get("/api/incidents-by-type", headers={"Accept": "application/json"}).json()["rows"]
    # the page's table holds the API's rows, and the form its parameter
    assert r.text.count("<tr>") == len(json_rows) + 1
    assert 'name="level"' in r.text and "Download CSV" in r.text and "format=csv" in r.text


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("application/json, text/html", "application/json"),  # a tie: the one listed first
        ("text/html;q=0.5, application/json", "application/json"),
        ("text/csv", "text/csv"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/html, application/json", "text/html"),
    ],
)
def test_clients_get_what_they_ask_for(client: httpx.Client, accept: str | None, media: str) -> None:
    headers = {"Accept": accept} if accept else {}
    r = client.get("/api/incidents-by-year", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)


def test_format_parameter_wins_over_a_browser_accept(client: httpx.Client) -> None:
    r = client.get("/api/incidents-by-year", params={"format": "csv"}, headers={"Accept": BROWSER})
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0].startswith("year,")
    r = client.get("/api/incidents-by-year", params={"format": "json"}, headers={"Accept": BROWSER})
    assert r.json()["question"] == "incidents-by-year"


def test_question_page_with_a_bad_value_says_which(client: httpx.Client) -> None:
    r = client.get("/api/timeline", params={"from": "2019-13"}, headers={"Accept": BROWSER})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert re.search(r'class="error" id="e-from"[^>]*>[^<]*not a valid date', r.text)


def test_question_gallery_lists_every_question(client: httpx.Client) -> None:
    names = {q["name"] for q in client.get("/api").json()["questions"]}
    page = client.get("/questions").text
    linked = set(re.findall(r'href="/api/([a-z0-9-]+)"', page))
    assert linked == names and len(names) >= 20
    tagged = {q["name"] for q in client.get("/api").json()["questions"] if "timeline" in q["tags"]}
    topic = client.get("/questions", params={"tag": "timeline"}).text
    assert set(re.findall(r'href="/api/([a-z0-9-]+)"', topic)) == tagged and 0 < len(tagged) < len(names)
    assert client.get("/questions", params={"tag": "nothing-such"}).status_code == 404


# --------------------------------------------------------------------------- entities by name


def test_incidents_by_type_and_place_names(client: httpx.Client) -> None:
    by_name = client.get("/api/incidents", params={"type": "detention", "place": "astana"})
    assert by_name.status_code == 200, by_name.text
    by_iri = client.get(
        "/api/incidents",
        params={"type": "id:concept/incident-type/detention", "place": "id:place/astana"},
    )
    assert by_name.json()["rows"] == by_iri.json()["rows"] and by_name.json()["rows"]
    assert by_name.json()["params"]["type"] == ID + "concept/incident-type/detention"
    assert by_name.json()["params"]["place"] == ID + "place/astana"
    # every case listed is a detention at Astana or inside it
    assert values(by_name.json(), "type") == {ID + "concept/incident-type/detention"}
    everything = client.get("/api/incidents").json()
    assert len(values(by_name.json(), "incident")) < len(values(everything, "incident"))


@pytest.mark.parametrize(
    "place", ["astana", "Astana", "ASTANA", "place/astana", "id:place/astana", "Астана", ID + "place/astana"]
)
def test_a_place_by_any_of_its_names(client: httpx.Client, place: str) -> None:
    r = client.get("/api/incidents", params={"place": place})
    assert r.status_code == 200, r.text
    assert r.json()["params"]["place"] in (ID + "place/astana", place)


def test_a_person_by_an_alternative_spelling(client: httpx.Client) -> None:
    # "Sania Toiken" is an altLabel of the reporter whose prefLabel is "Sania Toyken"
    r = client.get("/api/entity-sources-and-evidence", params={"entity": "Sania Toiken"})
    assert r.status_code == 200, r.text
    assert r.json()["params"]["entity"] == ID + "person/sania-toyken"


def test_an_ambiguous_name_is_422_with_the_candidates(client: httpx.Client) -> None:
    # a case and its act share the slug; the parameter takes any entity, so neither is preferred
    r = client.get("/api/entity-sources-and-evidence", params={"entity": "toiken-taken-to-police-astana"})
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["loc"] == ["query", "entity"] and "ambiguous" in error["msg"]
    assert {c["iri"] for c in error["ctx"]["candidates"]} == {
        ID + "incident/toiken-taken-to-police-astana",
        ID + "act/toiken-taken-to-police-astana",
    }
    assert {c["kind"] for c in error["ctx"]["candidates"]} == {"Incident", "Act"}


def test_the_parameters_kind_decides_between_candidates(client: httpx.Client) -> None:
    # case-acts takes a case (its example is an incident): the same slug means the case
    r = client.get("/api/case-acts", params={"case": "toiken-taken-to-police-astana"})
    assert r.status_code == 200, r.text
    assert r.json()["params"]["case"] == ID + "incident/toiken-taken-to-police-astana"


def test_a_name_nothing_has_is_422(client: httpx.Client) -> None:
    r = client.get("/api/incidents", params={"place": "Atlantis"})
    assert r.status_code == 422
    assert "nothing is called 'Atlantis'" in r.json()["detail"][0]["msg"]


def test_the_ambiguous_name_page_offers_the_candidates(client: httpx.Client) -> None:
    r = client.get(
        "/api/entity-sources-and-evidence",
        params={"entity": "toiken-taken-to-police-astana"},
        headers={"Accept": BROWSER},
    )
    assert r.status_code == 422 and "ambiguous" in r.text
    uses = re.findall(r'<a href="(/api/entity-sources-and-evidence\?[^"]+)">Use ', r.text)
    assert len(uses) == 2
    for url in uses:
        chosen = client.get(url.replace("&amp;", "&"), headers={"Accept": BROWSER})
        assert chosen.status_code == 200 and "Answer" in chosen.text


def test_entities_by_name_for_the_forms(client: httpx.Client) -> None:
    found = client.get("/api/_entities", params={"q": "toike"}).json()["entities"]
    assert found[0]["iri"] == ID + "person/sania-toyken"  # an exact word start, the shortest label
    assert found[0]["matched"] == "Sania Toiken" and found[0]["href"] == "/id/person/sania-toyken"
    places = client.get("/api/_entities", params={"q": "astana", "class": "mkg:Place"}).json()["entities"]
    assert places and all(p["iri"].startswith(ID + "place/") for p in places)
    assert places[0]["iri"] == ID + "place/astana"
    ranked = client.get("/api/_entities", params={"q": "astana", "like": "id:place/aktau"}).json()["entities"]
    assert [e["kind"] for e in ranked[: len(places)]] == ["Place"] * len(places)
    types = client.get("/api/_entities", params={"q": "det", "scheme": "id:concept/incident-type"}).json()[
        "entities"
    ]
    assert [t["iri"] for t in types] == [ID + "concept/incident-type/detention"]


@pytest.mark.parametrize(
    ("params", "param"),
    [({}, "q"), ({"q": " "}, "q"), ({"q": "a", "limit": "0"}, "limit"), ({"q": "a", "class": "x"}, "class"),
     ({"q": "a", "colour": "red"}, "colour")],
)  # fmt: skip
def test_entities_by_name_refuses_bad_requests(client: httpx.Client, params: dict, param: str) -> None:
    r = client.get("/api/_entities", params=params)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", param]


# --------------------------------------------------------------------------- /sparql: still the protocol


def test_sparql_protocol_clients_get_protocol_answers(client: httpx.Client) -> None:
    description = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert description.headers["content-type"].startswith("text/turtle") and "sd:Service" in description.text
    query = "SELECT ?s WHERE { ?s a <https://w3id.org/mediakg/ontology#Law> }"
    answer = client.get("/sparql", params={"query": query}, headers={"Accept": BROWSER})
    assert not answer.headers["content-type"].startswith("text/html")  # a query gets results, never the page
    editor = client.get("/sparql", headers={"Accept": BROWSER})
    assert editor.headers["content-type"].startswith("text/html")
    assert "yasgui/yasgui.js?v=" in editor.text and 'id="editor-config"' in editor.text
    # every named question is an example
    names = {q["name"] for q in client.get("/api").json()["questions"]}
    assert set(re.findall(r'<option value="([a-z0-9-]+)"', editor.text)) == names


def test_page_scripts_are_served_with_their_hash(client: httpx.Client) -> None:
    page = client.get("/timeline").text
    (url,) = re.findall(r'src="(/static/js/timeline\.js\?v=[0-9a-f]{12})"', page)
    r = client.get(url)
    assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
    assert "no-cache" in client.get("/static/js/timeline.js").headers["cache-control"]
    assert client.get("/static/js/nothing.js").status_code == 404


# --------------------------------------------------------------------------- the timeline's data


def test_timeline_data(client: httpx.Client) -> None:
    doc = client.get("/timeline.json").json()
    kinds = [i["kind"] for i in doc["items"]]
    assert (kinds.count("meeting"), kinds.count("incident"), kinds.count("act")) == (5, 15, 23)
    by_id = {i["id"].removeprefix(ID): i for i in doc["items"]}
    # 004 item 5: "On February 12" (no year), before the detention of 11 March it precedes in the text
    toiken = by_id["incident/toiken-taken-to-police-astana"]
    assert (toiken["shape"], toiken["start"], toiken["end"]) == ("by", None, "2019-03-12")
    assert "12 February, without a year" in toiken["when"] and toiken["quote"]
    month = by_id["incident/almaty-maslikhat-closed-session"]
    assert (month["shape"], month["start"], month["end"]) == ("month", "2020-08-01", "2020-09-01")
    bounded = by_id["incident/present-time-glushkova-astana"]
    assert (bounded["shape"], bounded["start"], bounded["end"]) == ("between", "2019-03-22", "2019-03-30")
    act = by_id["act/glushkova-detention-astana"]
    assert (act["shape"], act["start"], act["case"]) == (
        "day",
        "2019-03-22",
        ID + "incident/present-time-glushkova-astana",
    )
    meeting = by_id["meeting/tazhin-address-osce-permanent-council-2007"]
    assert meeting["osce"] and meeting["href"] == "/id/meeting/tazhin-address-osce-permanent-council-2007"
    assert ID + "person/sania-toyken" in toiken["facets"]["person"]
    assert ID + "state/kazakhstan" in toiken["facets"]["country"]
    signed = {law["id"].removeprefix(ID): law["start"] for law in doc["laws"] if law["start"]}
    assert signed == {
        "law/kz-law-on-mass-media": "2024-06-19",
        "law/kz-rules-journalistic-activity-at-peaceful-assemblies": "2020-08-14",
    }
    persons = {p["iri"] for p in doc["facets"]["person"]}
    assert ID + "person/sania-toyken" in persons and ID + "person/marat-tazhin" in persons


@pytest.mark.parametrize(
    ("value", "earliest", "latest", "expected"),
    [
        ("2019-03-22", None, None, ("day", "2019-03-22", None, "22 March 2019")),
        ("2020-08", None, None, ("month", "2020-08-01", "2020-09-01", "August 2020")),
        ("2020-12", None, None, ("month", "2020-12-01", "2021-01-01", "December 2020")),
        ("2007", None, None, ("year", "2007-01-01", "2008-01-01", "2007")),
        (None, "2019-03-22", "2019-03-29",
         ("between", "2019-03-22", "2019-03-30", "between 22 March 2019 and 29 March 2019")),
        ("--03", None, "2019-03-29",
         ("by", None, "2019-03-30", "by 29 March 2019 (the text gives March, without a year)")),
        (None, "2024-06-19", None, ("from", "2024-06-19", None, "on or after 19 June 2024")),
        ("--02-12", None, None, ("undated", None, None, "12 February, year not stated")),
        (None, None, None, ("undated", None, None, "date not stated")),
        ("2019-03-22", "2019-03-01", "2019-03-29", ("day", "2019-03-22", None, "22 March 2019")),
        (None, "2019", "2020-02", ("between", "2019-01-01", "2020-03-01", "between 2019 and February 2020")),
    ],
)  # fmt: skip
def test_spans_keep_the_precision_of_the_text(
    value: str | None, earliest: str | None, latest: str | None, expected: tuple
) -> None:
    s = span(value, earliest, latest)
    assert (s.shape, s.start, s.end, s.when) == expected
