"""The pure parts of the pages (mediakg.service.pages): dates at their precision, search keys and ranking,
friendly names, the grouping of "Appears in", the chart's counting, and the pages' packaged queries (they
parse and use no transitive property path, as queries/README.md requires). No server needed."""

from __future__ import annotations

from importlib import resources

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS
from rdflib.paths import Path as RdfPath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from mediakg.graph.namespaces import MKG
from mediakg.service.pages.dates import UNDATED, when
from mediakg.service.pages.home import Event, chart_data
from mediakg.service.pages.labels import FRIENDLY
from mediakg.service.pages.names import Entry, Name, NameIndex, Query, fold, score, skeleton
from mediakg.service.pages.render import Linker, Value
from mediakg.service.pages.view import entity_view

ID = "https://w3id.org/mediakg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def lit(text: str, datatype: str) -> Literal:
    return Literal(text, datatype=URIRef(XSD + datatype))


# --------------------------------------------------------------------------- dates


def day(text: str) -> Literal:
    return lit(text, "date")


BY_29_MARCH = ", by 29 March 2019"


@pytest.mark.parametrize(
    ("date", "earliest", "latest", "text", "key", "year"),
    [
        (day("2019-03-22"), None, None, "22 March 2019", (2019, 3, 22), 2019),
        (lit("2020-08", "gYearMonth"), None, None, "August 2020", (2020, 8, 0), 2020),
        # a month without a year: "March", placed in the latest year its bound allows
        (lit("--03", "gMonth"), None, day("2019-03-29"), "March (year not stated)" + BY_29_MARCH,
         (2019, 3, 0), 2019),
        (lit("--03-03", "gMonthDay"), None, day("2019-03-29"), "3 March (year not stated)" + BY_29_MARCH,
         (2019, 3, 3), 2019),
        # a day after its bound's day is in the year before
        (lit("--12-30", "gMonthDay"), None, day("2019-03-29"), "30 December (year not stated)" + BY_29_MARCH,
         (2018, 12, 30), 2018),
        (None, day("2019-03-22"), day("2019-03-29"), "between 22 and 29 March 2019", (2019, 3, 22), 2019),
        (None, day("2019-02-27"), day("2019-03-29"), "between 27 February and 29 March 2019",
         (2019, 2, 27), 2019),
        (None, None, day("2019-05-07"), "by 7 May 2019", (2019, 5, 7), 2019),
        (None, day("2024-06-19"), None, "on or after 19 June 2024", (2024, 6, 19), 2024),
        (lit("--02-12", "gMonthDay"), None, None, "12 February (year not stated)", (UNDATED[0], 2, 12), None),
        (None, None, None, "date not stated", UNDATED, None),
    ],
)  # fmt: skip
def test_when_keeps_precision_and_orders(date, earliest, latest, text, key, year) -> None:
    w = when(date, earliest, latest)
    assert (w.text, w.key, w.year) == (text, key, year)


def test_year_less_cases_sort_within_their_year_not_after_it() -> None:
    """The defect of issue 12: "--03" sorted after August 2020. Placed by its bound it comes in March 2019."""
    march = when(lit("--03", "gMonth"), None, day("2019-03-29"))
    august_2020 = when(lit("2020-08", "gYearMonth"))
    assert when(day("2019-02-28")).key < march.key < when(day("2019-04-01")).key < august_2020.key


# --------------------------------------------------------------------------- search


def test_fold_and_skeleton_merge_scripts_and_spellings() -> None:
    assert fold("K.Tokaev") == "k tokaev"
    assert {skeleton(fold(w)) for w in ("Токаев", "Тоқаев", "Tokayev", "Tokaev")} == {"tokaev"}
    assert skeleton(fold("Toyken")) == skeleton(fold("Toiken")) == skeleton(fold("Тойкен"))
    assert fold("Gísladóttir") == "gisladottir"


def _index() -> NameIndex:
    def entry(iri: str, label: str, *others: str, kind: str = "Person") -> Entry:
        return Entry(iri, label, kind, [Name.of(label, True), *(Name.of(o) for o in others)])

    return NameIndex(
        [
            entry("tokayev", "Kassym-Jomart Tokayev", "K.Tokaev"),
            entry("toyken", "Sania Toyken", "Sania Toiken", kind="Journalist"),
            entry(
                "case",
                "Sania Toiken taken to a police station in Astana without any reasons",
                kind="Incident",
            ),
            entry("astana", "Astana", kind="Place"),
            entry("akimat", "Astana Akimat", kind="Place"),
            entry(
                "adil",
                "Adil Soz",
                "Сөз бостандығын қорғау халықаралық қоры",
                "Международный фонд защиты свободы слова",
            ),
        ]
    )


@pytest.mark.parametrize(
    ("query", "first"),
    [("Токаев", "tokayev"), ("Тоқаев", "tokayev"), ("tokaiev", "tokayev"), ("Toiken", "toyken"),
     ("toyken", "toyken"), ("Тойкен", "toyken"), ("astana", "astana"), ("свободы слова", "adil"),
     ("svobody slova", "adil"), ("сөз бостандығы", "adil")],
)  # fmt: skip
def test_ranking_puts_the_entity_first(query: str, first: str) -> None:
    hits = _index().search(query)
    assert hits and hits[0].entry.iri == first, [(h.entry.iri, h.score) for h in hits]


def test_ranking_orders_exact_before_prefix_before_inside() -> None:
    assert [h.entry.iri for h in _index().search("Astana")] == ["astana", "akimat", "case"]
    assert [h.entry.iri for h in _index().search("Toiken")] == ["toyken", "case"]


def test_no_match_and_empty_queries_find_nothing() -> None:
    index = _index()
    assert index.search("zzqx-no-such-name") == []
    assert index.search("") == [] and index.search(" ,;") == []
    assert index.search("xyz") == []  # short words never match by closeness


def test_a_hit_names_the_other_spelling_that_matched() -> None:
    hit = _index().search("Токаев")[0]
    assert hit.matched == "K.Tokaev"
    assert _index().search("Kassym")[0].matched == "Kassym-Jomart Tokayev"


def test_the_index_scores_every_entity_that_can_match() -> None:
    """The index scores only the entities its prefilter finds (a substring, a skeleton prefix, a close
    word): for many queries, the same entities as scoring every entity with :func:`score`."""
    index = _index()
    words = [w for e in index.entries for n in e.names for w in n.text.split()]
    queries = [
        *words,
        *(w[1:-1] for w in words),
        *(w[:4] for w in words),
        "Tokaiev",
        "Toikin",
        "tojken",
        "a",
        "sa to",
    ]
    for text in queries:
        q = Query.of(text)
        every = {e.iri for e in index.entries if any(score(q, n) > 0 for n in e.names)}
        assert {h.entry.iri for h in index.search(text)} == every, text


# --------------------------------------------------------------------------- entity view


def test_appears_in_groups_the_claims_of_one_meeting_and_names_them() -> None:
    """Two claims of one meeting that mention an entity make one row, "mentioned in 2 claims" (issue 12)."""
    g = Graph()
    me, meeting = URIRef(ID + "state/kazakhstan"), URIRef(ID + "meeting/m")
    g.add((me, SKOS.prefLabel, Literal("Kazakhstan", lang="en")))
    g.add((meeting, RDF.type, MKG.Meeting))
    g.add((meeting, SKOS.prefLabel, Literal("A meeting", lang="en")))
    g.add((meeting, MKG.date, lit("2019-05-07", "date")))
    for _ in range(2):
        claim = BNode()
        g.add((meeting, MKG.claim, claim))
        g.add((claim, DCTERMS.references, me))
    view = entity_view(g, str(me), Linker(ID), dict(FRIENDLY))
    assert [(a.subject.text, a.how, a.date) for a in view.appears_in] == [
        ("A meeting", "mentioned in 2 claims", "7 May 2019")
    ]


def test_claims_are_claims_and_labels_are_friendly() -> None:
    g = Graph()
    meeting, person = URIRef(ID + "meeting/m"), URIRef(ID + "person/p")
    claim, evidence = BNode(), BNode()
    g.add((meeting, RDF.type, MKG.Meeting))
    g.add((meeting, DCTERMS.description, Literal("What happened.", lang="en")))
    g.add((meeting, MKG.claim, claim))
    g.add((person, SKOS.prefLabel, Literal("Ann Example", lang="en")))
    g.add((claim, RDF.type, MKG.Claim))
    g.add((claim, MKG.claimant, person))
    g.add((claim, DCTERMS.description, Literal("Ann said it was fine.", lang="en")))
    g.add((claim, MKG.evidence, evidence))
    g.add((evidence, URIRef("http://www.w3.org/ns/oa#exact"), Literal("it was fine")))
    view = entity_view(g, str(meeting), Linker(ID), dict(FRIENDLY))
    (c,) = view.claims
    assert (c.speaker, c.summary, [q.text for q in c.quotes], c.rows) == (
        "Ann Example",
        "Ann said it was fine.",
        ["it was fine"],
        [],
    )
    assert [r.label for r in view.rows] == ["description"]


# --------------------------------------------------------------------------- home chart


def test_chart_counts_each_case_once_per_type_and_links_to_its_listing() -> None:
    detention, attack = ID + "concept/incident-type/detention", ID + "concept/incident-type/physical-attack"

    def case(date: Literal | None, *types: str) -> tuple[Event, set[str]]:
        return Event(Value("x"), when(date)), set(types)

    cases = {
        "a": case(lit("2019-03-22", "date"), detention, attack),
        "b": case(lit("2019-01", "gYearMonth"), detention),
        "c": case(lit("2020", "gYear"), detention),
        "d": case(None, attack),
    }
    data = chart_data(cases, {detention: "detention", attack: "physical attack"}, "")
    assert [(r["type"], r["year"], r["n"]) for r in data["rows"]] == [
        ("detention", "2019", 2),
        ("detention", "2020", 1),
        ("physical attack", "2019", 1),
    ]
    assert data["rows"][0]["href"] == "/class/Incident?type=detention&year=2019"
    assert [(y["year"], y["cases"]) for y in data["years"]] == [("2019", 2), ("2020", 1)]
    assert data["undated"] == 1


# --------------------------------------------------------------------------- the pages' queries


def _queries() -> list[tuple[str, str]]:
    folder = resources.files("mediakg.service.pages").joinpath("queries")
    return sorted((f.name, f.read_text(encoding="utf-8")) for f in folder.iterdir() if f.name.endswith(".rq"))


def _paths(node: object) -> list[object]:
    """Every property path of a parsed query that repeats (``*``, ``+``, ``?``)."""
    if isinstance(node, RdfPath):
        found = [node] if type(node).__name__ == "MulPath" else []
        return found + [
            p for part in getattr(node, "args", []) or [getattr(node, "path", None)] for p in _paths(part)
        ]
    if isinstance(node, CompValue | dict):
        return [p for value in node.values() for p in _paths(value)]
    if isinstance(node, list | tuple | set):
        return [p for value in node for p in _paths(value)]
    return []


def test_the_pages_queries_parse_and_use_no_transitive_path() -> None:
    queries = _queries()
    assert len(queries) >= 8
    for name, text in queries:
        parsed = prepareQuery(text)  # raises on a syntax error, naming the position
        assert not _paths(parsed.algebra), f"{name}: a transitive path (queries/README.md forbids them)"
        assert "subClassOf*" not in text.replace(" ", ""), name


def test_the_path_check_finds_a_transitive_path() -> None:
    """The check above can fail: it finds ``*``, ``+`` and ``?`` paths, also inside a sequence."""
    for path in ("<urn:p>*", "<urn:p>+", "<urn:q>/<urn:p>?"):
        assert _paths(prepareQuery(f"SELECT * {{ ?s {path} ?o }}").algebra), path
    assert not _paths(prepareQuery("SELECT * { ?s <urn:p>|<urn:q> ?o }").algebra)
