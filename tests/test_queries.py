"""The named questions (queries/*.rq): headers, parameter typing and binding, and answers on the real data.

Expected answers were worked out by reading the five source texts, not by running the queries; each check
names the passage it rests on. Where MODEL.md fixes an IRI the check compares IRIs, elsewhere it compares
labels or dates. The store is built here from ontology/ + data/ (same named graphs as the build), so these
tests need no build folder; the CLI tests use the session build from conftest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import XSD

from mediakg.errors import UsageError
from mediakg.graph.entail import ENTAILED_GRAPH, add_entailments
from mediakg.graph.parse import project_inputs
from mediakg.graph.terms import oxigraph_to_rdflib, to_oxigraph, to_rdflib
from mediakg.paths import ProjectPaths
from mediakg.questions.catalogue import (
    PARAM_TYPES,
    ParamError,
    Question,
    QuestionError,
    bind_params,
    find_question,
    load_questions,
    parse_question,
)
from mediakg.store.bind import inject_values
from mediakg.store.local import open_store
from question_support import run_question

REPO = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/mediakg/id/"
MKG = "https://w3id.org/mediakg/ontology#"
SRC_000 = ID + "source/000_e1ec86c1e54fa2f1"
SRC_001 = ID + "source/001_922df78b71b0b3fd"
SRC_002 = ID + "source/002_b54709ca0751dd12"
SRC_003 = ID + "source/003_0abe2e25f9e103e9"
SRC_004 = ID + "source/004_5fc3c1fc3dcca73a"
QUESTIONS = load_questions(REPO / "queries")
# rdflib's Dataset warns about its own internals on every quad.
pytestmark = pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    """The same files and entailments in an rdflib Dataset whose default graph is the union."""
    ds = Dataset(default_union=True)
    for inp in project_inputs(ProjectPaths(REPO)):
        ds.graph(URIRef(inp.graph)).parse(inp.path, format="turtle")
    add_entailments(ds)
    return ds


def test_entailed_graph_matches_the_paths(project_store: ox.Store) -> None:
    """Each entailed property holds exactly where the property path it stands for holds."""
    pairs = {
        "mkg:instanceOf": "rdf:type/rdfs:subClassOf*",
        "mkg:withinPlace": "mkg:locatedIn*",
        "mkg:withinOrganization": "org:subOrganizationOf*",
        "mkg:subPropertyOfOrSelf": "rdfs:subPropertyOf*",
    }
    prefixes = (
        "PREFIX mkg: <https://w3id.org/mediakg/ontology#> PREFIX org: <http://www.w3.org/ns/org#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
    )
    for entailed, path in pairs.items():
        got = {
            (r["a"], r["b"])
            for r in project_store.query(
                prefixes + f"SELECT ?a ?b WHERE {{ GRAPH <{ENTAILED_GRAPH}> {{ ?a {entailed} ?b }} }}"
            )
        }
        # the path from every node the entailment starts from (the zero-step case needs a start node)
        want = {
            (r["a"], r["b"])
            for r in project_store.query(
                prefixes + f"SELECT DISTINCT ?a ?b WHERE {{ ?a {entailed} ?any . ?a {path} ?b "
                f"FILTER(isIRI(?b)) }}",
                use_default_graph_as_union=True,
            )
        }
        if entailed == "mkg:instanceOf":
            want = {(a, b) for a, b in want if b.value.startswith(MKG)}
        assert got == want and got, entailed
    # a few facts the texts give: 004 "Astana Akimat" lies in Astana; 002 the RFoM is part of the OSCE
    ask = prefixes + "ASK { <%s> %s <%s> }"
    for s, p, o in [
        (ID + "place/astana-akimat", "mkg:withinPlace", ID + "place/astana"),
        (ID + "person/marat-tazhin", "mkg:instanceOf", MKG + "Person"),
        (ID + "state/kazakhstan", "mkg:instanceOf", MKG + "Place"),
    ]:
        assert project_store.query(ask % (s, p, o), use_default_graph_as_union=True), (s, p, o)


Answer = Callable[..., list[dict[str, object]]]


@pytest.fixture(scope="module")
def ask(project_store: ox.Store) -> Answer:
    """``ask(name, **params)`` -> rows as dicts of plain Python strings (None where unbound)."""

    def run(question: str, /, **params: str) -> list[dict[str, object]]:
        columns, rows = run_question(project_store, QUESTIONS[question], params)
        return [
            {c: (None if t is None else str(t)) for c, t in zip(columns, row, strict=True)} for row in rows
        ]

    return run


def source_text(source_iri: str) -> str:
    """Whitespace-normalised text of a source file."""
    sources = REPO.parent / "shared" / "sources"
    name = source_iri.rsplit("/", 1)[1] + ".txt"
    return " ".join((sources / name).read_text(encoding="utf-8").split())


# --------------------------------------------------------------------------- headers


def test_at_least_fifteen_questions_with_complete_headers() -> None:
    assert len(QUESTIONS) >= 15
    for q in QUESTIONS.values():
        assert q.title and q.description and q.tags, q.name
        assert q.path == REPO / "queries" / f"{q.name}.rq"
        for p in q.params:
            assert p.type in PARAM_TYPES
            assert p.description, f"{q.name}: parameter {p.name} has no description"
            assert p.default is not None or p.example is not None or p.required, f"{q.name}.{p.name}"
            # pyoxigraph only substitutes projected variables (SEP-0007): every parameter must be a column.
            select = re.search(r"SELECT(.*?)WHERE", q.sparql, re.S | re.I).group(1)
            assert re.search(rf"\?{p.name}\b", select), f"{q.name}: ?{p.name} is not projected"


def test_queries_declare_their_prefixes_and_avoid_engine_extensions() -> None:
    for q in QUESTIONS.values():
        body = "\n".join(line for line in q.sparql.splitlines() if not line.lstrip().startswith("#"))
        used = set(re.findall(r"(?<![\w<?$])([a-z][a-z0-9-]*):[A-Za-z_]", body)) - {"http", "https"}
        declared = set(re.findall(r"PREFIX\s+([a-z][a-z0-9-]*):", body, re.I))
        assert used <= declared, f"{q.name}: undeclared prefixes {used - declared}"
        # Parameters are tested with COALESCE, never BOUND (pyoxigraph substitutions read as unbound there).
        for p in q.params:
            assert not re.search(rf"BOUND\(\s*\?{p.name}\b", body), f"{q.name}: BOUND(?{p.name})"
            assert not re.search(rf"BIND\(\s*\?{p.name}\s+AS", body), f"{q.name}: BIND(?{p.name} AS …)"


HEADER = "#+ title: T\n#+ description: D\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("SELECT * WHERE { ?s ?p ?o }\n", "no '#+' header"),
        (HEADER + "#+ tags: [a\nSELECT * WHERE { ?s ?p ?o }\n", "not valid YAML"),
        ("#+ title: T\nSELECT * WHERE { ?s ?p ?o }\n", "needs a non-empty 'description'"),
        (HEADER + "#+ colour: red\nSELECT * WHERE { ?s ?p ?o }\n", "unknown header key(s) colour"),
        (
            HEADER + "#+ params:\n#+   - name: x\n#+     type: float\nSELECT ?x WHERE { ?x ?p ?o }\n",
            "one of date",
        ),
        (HEADER + "#+ params:\n#+   - name: x\n#+     type: iri\nSELECT ?s WHERE { ?s ?p ?o }\n", "not used"),
        (
            HEADER + "#+ params:\n#+   - name: x\n#+     type: date\n#+     default: 2019-13-01\n"
            "SELECT ?x WHERE { ?s ?p ?x }\n",
            "default",
        ),
        (
            HEADER
            + "#+ params:\n#+   - name: x\n#+     type: iri\n#+     required: true\n#+     default: id:x\n"
            "SELECT ?x WHERE { ?x ?p ?o }\n",
            "required parameter cannot have a default",
        ),
        (
            HEADER + "#+ params:\n#+   - name: x\n#+     type: string\n#+     example: a\n"
            "SELECT ?s WHERE { ?s ?p ?x }\n",
            "cannot be evaluated",
        ),
        (HEADER + "SELECT * WHERE { ?s ?p }\n", "SPARQL syntax error"),
        (HEADER + "ASK { ?s ?p ?o }\n", "SELECT"),
    ],
)
def test_bad_question_file_names_file_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "bad-question.rq"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionError) as err:
        parse_question(path)
    assert str(path) in str(err.value)
    assert problem in str(err.value)


def test_find_question_by_name_or_file() -> None:
    assert find_question("timeline", REPO / "queries").name == "timeline"
    assert find_question(str(REPO / "queries" / "timeline.rq")).title == QUESTIONS["timeline"].title
    with pytest.raises(UsageError) as err:
        find_question("no-such-question", REPO / "queries")
    assert "no-such-question" in str(err.value) and "timeline" in str(err.value)


# --------------------------------------------------------------------------- parameters


def question_with(**types: str) -> Question:
    params = "".join(
        f"#+   - name: {n}\n#+     type: {t}\n#+     example: {EXAMPLE[t]}\n" for n, t in types.items()
    )
    cols = " ".join(f"?{n}" for n in types)
    text = f"{HEADER}#+ params:\n{params}SELECT {cols} WHERE {{ }}\n"
    return parse_question(Path("/virtual/q.rq"), text)


EXAMPLE = {"date": "2019-01-01", "iri": "id:x", "string": "x", "integer": "1"}
XSD_NS = str(XSD)


@pytest.mark.parametrize(
    ("ptype", "raw", "expected"),
    [
        ("date", "2019-03-22", f'"2019-03-22"^^<{XSD_NS}date>'),
        ("date", "2020-08", f'"2020-08"^^<{XSD_NS}gYearMonth>'),
        ("date", "2007", f'"2007"^^<{XSD_NS}gYear>'),
        ("iri", "https://w3id.org/mediakg/id/law/kz-law-on-mass-media", f"<{ID}law/kz-law-on-mass-media>"),
        ("iri", "id:law/kz-law-on-mass-media", f"<{ID}law/kz-law-on-mass-media>"),
        ("integer", "30", f'"30"^^<{XSD_NS}integer>'),
        ("integer", "-7", f'"-7"^^<{XSD_NS}integer>'),
        ("string", "Toiken", '"Toiken"'),
    ],
)
def test_values_are_bound_as_typed_terms(ptype: str, raw: str, expected: str) -> None:
    q = question_with(v=ptype)
    bound = bind_params(q, {"v": raw})
    assert bound == {"v": expected}
    # The N-Triples text converts to the same term for both engines.
    assert to_rdflib(bound["v"]) == oxigraph_to_rdflib(to_oxigraph(bound["v"])) or ptype == "string"


@pytest.mark.parametrize(
    ("ptype", "raw", "reason"),
    [
        ("date", "22/03/2019", "is not a date"),
        ("date", "2019-02-30", "not a valid date"),
        ("date", "2019-13", "not a valid date"),
        ("iri", "not an iri", "not an absolute http(s) IRI"),
        ("iri", "https://x.org/a b", "not an absolute http(s) IRI"),
        ("iri", "ftp://x.org/a", "not an absolute http(s) IRI"),
        ("integer", "3.5", "not an integer"),
        ("integer", "thirty", "not an integer"),
    ],
)
def test_wrong_types_are_refused_with_reason(ptype: str, raw: str, reason: str) -> None:
    with pytest.raises(ParamError) as err:
        bind_params(question_with(v=ptype), {"v": raw})
    assert err.value.param == "v" and reason in str(err.value) and raw in str(err.value)
    assert err.value.exit_code == 2


def test_unknown_and_missing_parameters() -> None:
    with pytest.raises(ParamError, match="has no parameter.*'lawx'"):
        bind_params(QUESTIONS["ministers-met-osce-before-law"], {"lawx": "id:x"})
    required = parse_question(
        Path("/virtual/r.rq"),
        HEADER
        + "#+ params:\n#+   - name: n\n#+     type: string\n#+     required: true\nSELECT ?n WHERE { }\n",
    )
    with pytest.raises(ParamError, match="needs parameter 'n'"):
        bind_params(required, {})
    # Optional without default: left unbound; defaults filled in.
    assert bind_params(QUESTIONS["timeline"], {}) == {}
    assert bind_params(QUESTIONS["osce-activity-around-law"], {})["days"] == f'"30"^^<{XSD_NS}integer>'


def test_string_values_cannot_change_the_query(ask: Answer) -> None:
    hostile = 'x")) } UNION { ?person ?p ?o . FILTER(true'
    assert ask("people-search", name=hostile) == []
    assert ask("people-search", name='"') == []


# --------------------------------------------------------------------------- every question runs


def runs(q: Question) -> list[dict[str, str]]:
    """Parameter sets to run a question with: its defaults, and each parameter's example."""
    out: list[dict[str, str]] = [{}]
    out += [{p.name: p.example} for p in q.params if p.example is not None]
    return out


CASES = [(name, params) for name, q in QUESTIONS.items() for params in runs(q)]


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{sorted(p)}" for n, p in CASES])
def test_question_answers_on_real_data(project_store: ox.Store, name: str, params: dict[str, str]) -> None:
    columns, rows = run_question(project_store, QUESTIONS[name], params)
    assert columns and rows, f"{name} {params}: no answer on the real data"
    # Labels next to IRIs: every xLabel column belongs to an x column.
    for col in columns:
        if col.endswith("Label"):
            assert col[: -len("Label")] in columns, f"{name}: {col} without its IRI column"


def normalise(rows: list[tuple[object, ...]]) -> list[tuple[str, ...]]:
    """Rows as sorted N-Triples text; blank node labels differ between engines, so they are blanked out."""

    def term(t: object) -> str:
        if t is None:
            return ""
        if isinstance(t, BNode):
            return "_:b"
        if isinstance(t, Literal) and t.datatype == XSD.string:
            return Literal(str(t)).n3()
        return t.n3()  # type: ignore[attr-defined]

    return sorted(tuple(term(t) for t in row) for row in rows)


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{sorted(p)}" for n, p in CASES])
def test_same_answers_on_rdflib_and_pyoxigraph(
    project_store: ox.Store, dataset: Dataset, name: str, params: dict[str, str]
) -> None:
    q = QUESTIONS[name]
    ox_cols, ox_rows = run_question(project_store, q, params)
    rdf_cols, rdf_rows = run_question(dataset, q, params)
    assert ox_cols == rdf_cols
    assert normalise(ox_rows) == normalise(rdf_rows)


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{sorted(p)}" for n, p in CASES])
def test_same_answers_with_values_binding(project_store: ox.Store, name: str, params: dict[str, str]) -> None:
    """The remote backend binds parameters with a VALUES row instead of substitutions: same answers."""
    q = QUESTIONS[name]
    bound = bind_params(q, params)
    text = inject_values(q.sparql, {k: to_oxigraph(v) for k, v in bound.items()})
    solutions = project_store.query(text, use_default_graph_as_union=True)
    cols = [v.value for v in solutions.variables]
    rows = [tuple(oxigraph_to_rdflib(s[c]) for c in cols) for s in solutions]
    assert normalise(rows) == normalise(run_question(project_store, q, params)[1])


@pytest.fixture(scope="module")
def plain_file_store(project_store: ox.Store, tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """``serve --data FILE`` on a file the build did not write: the project's triples without the entailed
    graph, as one Turtle file (everything in the default graph), opened as the service opens it."""
    path = tmp_path_factory.mktemp("plain") / "plain.ttl"
    without = ox.Store()
    without.extend(
        ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
        for q in project_store.quads_for_pattern(None, None, None, None)
        if q.graph_name != ox.NamedNode(ENTAILED_GRAPH)
    )
    without.dump(str(path), ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
    return open_store(path)


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{sorted(p)}" for n, p in CASES])
def test_a_file_without_entailments_gets_them(
    plain_file_store: ox.Store, project_store: ox.Store, name: str, params: dict[str, str]
) -> None:
    """A data file loaded without the build gets the build's entailments, so every question still answers."""
    assert plain_file_store.contains_named_graph(ox.NamedNode(ENTAILED_GRAPH))
    q = QUESTIONS[name]
    got = run_question(plain_file_store, q, params)[1]
    assert got and normalise(got) == normalise(run_question(project_store, q, params)[1])


def test_values_row_goes_last_only_where_the_variables_are_bound_first_by_a_pattern() -> None:
    """The row is joined last when each bound variable first occurs in a triple pattern of the outer group
    (the store then plans the patterns as without it), else first (nested groups, GRAPH, expressions)."""
    term = {"v": ox.NamedNode("http://example.org/v")}

    def last(text: str) -> bool:
        bound = inject_values(text, term)
        return bound.rstrip().endswith("} }") and bound.index("VALUES") > bound.index("?s ?p ?v")

    assert last("SELECT * WHERE { ?s ?p ?v OPTIONAL { ?v ?q ?w } FILTER(?v != ?s) }")
    assert not last("SELECT * WHERE { { ?s ?p ?v } UNION { ?v ?p ?s } }")
    assert not last("SELECT * WHERE { OPTIONAL { ?s ?q ?v } ?s ?p ?v }")
    assert not last("SELECT * WHERE { FILTER(?v != ?s) ?s ?p ?v }")
    assert not last("SELECT * WHERE { GRAPH ?v { ?s ?p ?v } }")
    ministers = QUESTIONS["ministers-met-osce-before-law"]
    bound = {k: to_oxigraph(v) for k, v in bind_params(ministers, {}).items()}
    assert inject_values(ministers.sparql, bound).rfind("VALUES (") > ministers.sparql.rfind("FILTER(")


# --------------------------------------------------------------------------- expected answers


def test_ministers_who_met_osce_before_the_media_law(ask: Answer) -> None:
    # 002: "VIENNA, 30 April 2007 - Kazakhstan Foreign Minister Marat Tazhin said today ... in his address to
    # the OSCE Permanent Council"; 001: "WARSAW, May 7, 2019 - ... Foreign Minister of Kazakhstan Beibut
    # Atamkulov met with ... Director of the Office for Democratic Institutions and Human Rights".
    # 000: Vasilenko and Iskakov attended an event bounded only by the dateline 27 June 2024, after the law
    # "signed by the Head of State on June 19, 2024" - so they are not before it.
    rows = ask("ministers-met-osce-before-law")
    found = {(r["ministerLabel"], r["date"] or r["latestDate"], r["osceBody"]) for r in rows}
    assert found == {
        ("Marat Tazhin", "2007-04-30", ID + "org/osce-permanent-council"),
        ("Beibut Atamkulov", "2019-05-07", ID + "org/osce-odihr"),
    }
    by_name = {r["ministerLabel"]: r for r in rows}
    assert by_name["Marat Tazhin"]["date"] == "2007-04-30"  # a stated day ("said today" + dateline)
    assert by_name["Beibut Atamkulov"]["date"] is None  # only bounded by the dateline
    assert by_name["Beibut Atamkulov"]["dateBasis"] == ID + "concept/date-basis/bounded-by-dateline"
    assert {r["signed"] for r in rows} == {"2024-06-19"}
    assert all(r["role"] == ID + "role/minister" for r in rows)


def test_kazakhstan_osce_engagements_in_order(ask: Answer) -> None:
    rows = ask("kazakhstan-osce-engagements")
    meetings = list(dict.fromkeys(r["meeting"] for r in rows))
    assert len(meetings) == 3  # 002 (2007), 001 (2019), 000 (2024)
    keys = [next(r["date"] or r["latestDate"] for r in rows if r["meeting"] == m) for m in meetings]
    assert keys == ["2007-04-30", "2019-05-07", "2024-06-27"]
    last = {r["participantLabel"] for r in rows if r["meeting"] == meetings[-1]}
    assert {"Roman Vasilenko", "Kanat Iskakov"} <= last
    assert {r["osceBody"] for r in rows if r["meeting"] == meetings[-1]} == {ID + "org/osce-rfom"}


def test_osce_activity_around_the_media_law(ask: Answer) -> None:
    # The RFoM event's latest possible day (dateline 27 June 2024) is 8 days after the signing on 19 June
    # 2024. Its earliest is the signing itself: Iskakov "presented detailed information about the innovations
    # introduced by the new Law on Mass Media", "signed by the Head of State on June 19, 2024" - so the event
    # may have happened on the signing day and lies in a window of any size around it.
    rows = ask("osce-activity-around-law")
    assert {(r["osceBody"], r["daysFromSigning"]) for r in rows} == {(ID + "org/osce-rfom", "8")}
    assert {(r["earliestDate"], r["latestDate"]) for r in rows} == {("2024-06-19", "2024-06-27")}
    assert ask("osce-activity-around-law", days="0") != []
    # a law signed after the event's latest possible day: nothing around it within 0 days
    assert (
        ask(
            "osce-activity-around-law",
            law=ID + "law/kz-rules-journalistic-activity-at-peaceful-assemblies",
            days="0",
        )
        == []
    )


def test_incidents_by_year(ask: Answer) -> None:
    rows = {r["year"]: r for r in ask("incidents-by-year")}  # reported cases, as the sources count them
    assert set(rows) == {"2019", "2020"}
    # 003 (August 2020) reports five items; 004 (29 March 2019) eight numbered cases ("1." to "8.") plus
    # Zhursin ("on January 3") and Zhoyamergen/Amirkhanov ("on January 9") after "We can go on and on".
    assert int(rows["2020"]["incidents"]) == 5
    assert int(rows["2019"]["incidents"]) == 10
    # A stated day with its year for the whole case: only items 2 ("On the same day") and 3 ("A day earlier,
    # on March 21"); the others run to a bound (item 1's charges "later", item 4 "In the morning", item 6's
    # criminal case) or give no year (February 12, "In March", February 27, January 3 and 9).
    assert (rows["2019"]["withStatedYear"], rows["2019"]["withBoundedYear"]) == ("2", "8")
    for r in rows.values():
        assert int(r["incidents"]) == int(r["withStatedYear"]) + int(r["withBoundedYear"])
    # The acts of those cases: 5 + 2 + 1 + 2 + 1 + 2 + 2 + 1 + 1 + 1 in 2019, one each in 2020.
    acts = {r["year"]: r for r in ask("incidents-by-year", level="mkg:Act")}
    assert (acts["2019"]["incidents"], acts["2020"]["incidents"]) == ("18", "5")
    assert {r["level"] for r in acts.values()} == {MKG + "Act"}


def test_incidents_by_type(ask: Answer) -> None:
    counts = {r["type"].rsplit("/", 1)[1]: int(r["incidents"]) for r in ask("incidents-by-type")}
    assert len(counts) == 13  # every type of the scheme, used or not
    # One count per reported case, a case carrying every type of its acts. Detention: 004 items 1 (Glushkova),
    # 4 (Toyken), 5 (Toiken), 6 (Toiken, Nurbek), Zhursin, Zhoyamergen.
    assert counts == {
        "detention": 6,
        "obstruction": 3,  # items 1, 2, 3 of the appeal
        "police-inaction": 2,  # items 1 ("did not take any legal actions") and 2 ("took no action")
        "criminal-prosecution": 2,  # item 1 (Article 293), item 6 (Article 174)
        "administrative-prosecution": 2,  # item 1 (changed to 73-2), item 4 (fined under 667)
        "criminal-complaint": 2,  # item 6 ("a statement of an unknown person"), 003 the businessman
        "denial-of-access": 2,  # 003: Ministry of Health media center, Almaty maslikhat session
        "harassment-and-intimidation": 1,  # item 7 (summoned to the akimat)
        "discrediting": 1,  # item 7 (accused of "unilateral coverage")
        "physical-attack": 1,  # item 8, Turmagambetova
        "restrictive-regulation": 1,  # 003: rules for journalists at peaceful assemblies
        "state-control-of-media-market": 1,  # 003: National Media Measurement Panel
        "civil-lawsuit": 0,
    }
    acts = {
        r["type"].rsplit("/", 1)[1]: int(r["incidents"]) for r in ask("incidents-by-type", level="mkg:Act")
    }
    # item 1 is one case but five acts: obstruction, police inaction, detention, charge, change of charge
    assert (acts["obstruction"], acts["detention"], acts["police-inaction"]) == (3, 6, 2)
    assert sum(acts.values()) >= 23


def test_incidents_by_place(ask: Answer) -> None:
    counts = {r["placeLabel"]: int(r["incidents"]) for r in ask("incidents-by-place") if r["place"]}
    assert (
        counts["Astana"] == 4
    )  # items 1, 3, 5 and Zhoyamergen/Amirkhanov ("outside the government building")
    assert counts["Zhanaozen"] == 2  # items 4 and 6
    # item 2 (Panfilov boulevard), item 7 (summoned to the akimat of the "Almaty Azattyk Bureau" head) and
    # 003's maslikhat session: three cases (the acts of item 2 and 7 count once each)
    assert counts["Almaty"] == 3
    # every case but item 8 (no place given: "at her entrance of the house") lies in Kazakhstan
    assert counts["Kazakhstan"] == 14
    unplaced = [r for r in ask("incidents-by-place") if not r["place"]]
    assert [r["incidents"] for r in unplaced] == ["1"]
    acts = {
        r["placeLabel"]: int(r["incidents"]) for r in ask("incidents-by-place", level="mkg:Act") if r["place"]
    }
    assert acts["Almaty"] == 5  # item 2: 2 acts, item 7: 2 acts, the maslikhat: 1


def test_incidents_by_perpetrator_type(ask: Answer) -> None:
    counts = {r["perpetratorType"]: int(r["incidents"]) for r in ask("incidents-by-perpetrator-type")}
    actor = ID + "concept/actor-type/"
    assert counts[actor + "police"] == 5  # items 1, 4, 6 (detained by police), 2 (police inaction), 5
    assert counts[actor + "unidentified-persons"] == 5  # items 1, 2, 3, 6 ("an unknown person"), 8
    # the grouping type counts the cases of every state actor: items 1, 2, 4, 5, 6, 7 and 003's ministries
    # and maslikhat
    assert counts[actor + "state-authority"] == 9
    assert counts[actor + "private-party"] == 1  # 003: "An Atyrau businessman"


def test_incidents_affecting_toiken_any_spelling(ask: Answer) -> None:
    # 004 spells her "Sania Toyken" (item 4) and "Sania Toiken" (items 5 and 6).
    spellings = ["Toiken", "Toyken", "sania toyKEN"]
    answers = [{r["incident"] for r in ask("incidents-affecting-person", name=s)} for s in spellings]
    assert answers[0] == answers[1] == answers[2]
    rows = ask("incidents-affecting-person", name="Toiken")
    assert len({r["person"] for r in rows}) == 1
    # three reported cases: items 4, 5 and 6 of the appeal
    assert {r["caseNumber"] for r in rows} == {"4", "5", "6"}
    acts = ask("incidents-affecting-person", name="Toiken", level="mkg:Act")
    dates = {r["date"] for r in acts}
    assert {"2019-03-11", "2019-02-27", "--02-12"} <= dates  # item 4, item 6, item 5 (no year)
    assert (
        len({r["incident"] for r in acts}) == 5
    )  # 4: detention, fine; 5: police station; 6: detention, case
    assert {r["case"] for r in acts} == {r["incident"] for r in rows}
    assert {r["source"] for r in rows} == {SRC_004}


def test_legal_provisions_invoked(ask: Answer) -> None:
    rows = ask("legal-provisions-invoked")  # default: brought against the victims (mkg:chargedUnder)
    # 004: Glushkova "charged for an offense under Article 293 … “Hooliganism”", "changed to article 73-2
    # of the Administrative Code "Beat""; Toyken "convicted … for violating Article 667"; Toiken and Nurbek
    # "a criminal case under Article 174". 003's businessman "asks to bring Lukpan Akhmedyarov to criminal
    # liability": a private party's demand, not a charge (mkg:demandedUnder, below).
    charged = {r["articleNumber"] or r["provision"].removeprefix(ID): r for r in rows}
    assert set(charged) == {"293", "73-2", "667", "174"}
    assert {r["property"] for r in rows} == {MKG + "chargedUnder"}
    assert {r["relation"] for r in rows} == {MKG + "chargedUnder"}
    assert charged["293"]["heading"] == "Hooliganism"
    assert charged["73-2"]["heading"] == "Beat"
    assert "Criminal Code" in charged["293"]["lawLabel"] and "Criminal Code" in charged["174"]["lawLabel"]
    assert "Administrative Code" in charged["667"]["lawLabel"]
    for r in rows:
        assert (r["incidents"], r["withJournalistVictim"], r["documents"]) == ("1", "1", "0"), r
    # Cited, not charged: Glushkova "applied to the police officers for help in accordance with Art. 158";
    # the ministry "recommended … not to violate the law "On Access to Information""; the appeal finds "the
    # above cases" a disrespect for the Constitution, "Article 20 of which proclaims freedom of speech" -
    # once, on the appeal, not on each of its incidents.
    cited = {
        r["articleNumber"] or r["provision"].removeprefix(ID): (r["incidents"], r["documents"])
        for r in ask("legal-provisions-invoked", relation="mkg:citedProvision")
    }
    assert cited == {"158": ("1", "0"), "law/kz-law-on-access-to-information": ("1", "0"), "20": ("0", "1")}
    every = ask("legal-provisions-invoked", relation=MKG + "invokedProvision")
    by_property: dict[str, set[str]] = {}
    for r in every:
        by_property.setdefault(r["property"].removeprefix(MKG), set()).add(r["provision"].removeprefix(ID))
    assert set(by_property) == {"chargedUnder", "demandedUnder", "citedProvision", "invokedProvision"}
    assert len(by_property["chargedUnder"]) == 4 and len(by_property["citedProvision"]) == 3
    assert by_property["demandedUnder"] == {"law/kz-law-on-protection-of-personal-data"}
    demanded = ask("legal-provisions-invoked", relation="mkg:demandedUnder")
    assert [(r["incidents"], r["withJournalistVictim"]) for r in demanded] == [("1", "1")]
    # counted by act, item 1's two charges are two acts of one case
    by_act = ask("legal-provisions-invoked", level="mkg:Act")
    assert sorted(int(r["incidents"]) for r in by_act) == [1, 1, 1, 1]
    # 003: the rules whose approval is the incident are neither charged nor cited
    assert by_property["invokedProvision"] == {"law/kz-rules-journalistic-activity-at-peaceful-assemblies"}
    assert {r["relation"] for r in every} == {MKG + "invokedProvision"}
    assert ask("legal-provisions-invoked", relation="mkg:agent") == []  # not a provision relation


def test_officials_and_posts(ask: Answer) -> None:
    rows = ask("officials-and-posts")
    posts = {(r["personLabel"], r["role"].rsplit("/", 1)[1]) for r in rows}
    assert {
        ("Marat Tazhin", "minister"),
        ("Beibut Atamkulov", "minister"),
        ("Roman Vasilenko", "deputy-minister"),
        ("Kanat Iskakov", "vice-minister"),
        ("Teresa Ribeiro", "representative-on-freedom-of-the-media"),
        ("Kassym-Jomart Tokayev", "president"),
    } <= posts
    attested = {(r["personLabel"], r["attestedAt"]) for r in rows}
    assert ("Marat Tazhin", "2007-04-30") in attested
    assert ("Beibut Atamkulov", "2019-05-07") in attested
    only = ask("officials-and-posts", name="TAZHIN")
    assert {r["personLabel"] for r in only} == {"Marat Tazhin"}


def test_appeal_signatories_and_addressees(ask: Answer) -> None:
    rows = ask("appeal-signatories-and-addressees")
    by_relation: dict[str, set[str]] = {}
    for r in rows:
        by_relation.setdefault(r["relation"], set()).add(r["organization"])
    # Ten organisations are listed as signing (although the text says "Nine").
    assert len(by_relation["signed"]) >= 10
    assert ID + "org/adil-soz" in by_relation["signed"]
    assert ID + "org/kz-ministry-of-information-and-social-development" in by_relation["addressed"]
    assert ID + "org/kz-ministry-of-information-and-social-development" in by_relation["calls on"]
    signed_labels = {r["organizationLabel"] for r in rows if r["relation"] == "signed"}
    assert any("MediaNet" in label for label in signed_labels)
    assert any("Charter for Human Rights" in label for label in signed_labels)
    addressed_people = {r["personLabel"] for r in rows if r["relation"] == "addressed"}
    assert "Kassym-Jomart Tokayev" in addressed_people
    assert all(r["appealDate"] == "2019-03-29" for r in rows)


def test_monitoring_statistics_match_the_report(ask: Answer) -> None:
    # 003: "8 judicial acts ... Five of them were in favor of the media"; "2 criminal charges, no one in
    # court"; "3 claims and suits ... All of them ... honor, dignity"; "1 administrative charge"; since the
    # beginning of the year "41 criminal charges (including 12 in court)", "21 administrative charges",
    # "52 claims", "45 ... honor, dignity", "78 million 100 thousand tenge", "935 thousand 993 tenge".
    expected = {
        ("2020-08", "2020-08", "judicial-acts-honour-dignity"): 8,
        ("2020-08", "2020-08", "judicial-acts-in-favour-of-media"): 5,
        ("2020-08", "2020-08", "criminal-charges"): 2,
        ("2020-08", "2020-08", "criminal-charges-in-court"): 0,
        ("2020-08", "2020-08", "civil-claims"): 3,
        ("2020-08", "2020-08", "civil-claims-honour-dignity"): 3,
        ("2020-08", "2020-08", "administrative-charges"): 1,
        ("2020-01", "2020-08", "criminal-charges"): 41,
        ("2020-01", "2020-08", "criminal-charges-in-court"): 12,
        ("2020-01", "2020-08", "administrative-charges"): 21,
        ("2020-01", "2020-08", "civil-claims"): 52,
        ("2020-01", "2020-08", "civil-claims-honour-dignity"): 45,
        ("2020-01", "2020-08", "non-pecuniary-damage-claimed"): 78_100_000,
        ("2020-01", "2020-08", "damages-awarded-collected"): 935_993,
    }
    rows = ask("monitoring-statistics")
    got = {
        (r["periodStart"], r["periodEnd"], r["indicator"].rsplit("/", 1)[1]): int(r["value"]) for r in rows
    }
    assert got == expected
    for r in rows:
        assert r["source"] == SRC_003
        assert r["quote"] and " ".join(r["quote"].split()) in source_text(SRC_003)
    one = ask("monitoring-statistics", indicator=ID + "concept/indicator/criminal-charges")
    assert sorted(int(r["value"]) for r in one) == [2, 41]


def test_sources_and_evidence_behind_an_entity(ask: Answer) -> None:
    rows = ask("entity-sources-and-evidence")  # default: President Tokayev, named in 000 and 004
    assert {r["source"] for r in rows} == {SRC_000, SRC_004}
    for r in rows:
        if r["quote"]:
            assert " ".join(r["quote"].split()) in source_text(r["source"]), r["quote"]
    law = ask("entity-sources-and-evidence", entity="id:law/kz-law-on-mass-media")
    assert {r["source"] for r in law} == {SRC_000}
    assert any("June 19, 2024" in (r["quote"] or "") for r in law)


def test_timeline_ranges(ask: Answer) -> None:
    everything = ask("timeline")
    keys = [r["sortKey"] for r in everything if r["sortKey"]]
    assert keys == sorted(keys)
    assert {r["event"] for r in everything if r["eventType"].endswith("Meeting")} >= {
        r["meeting"] for r in ask("kazakhstan-osce-engagements")
    }
    may_2019 = ask("timeline", **{"from": "2019-05-01", "to": "2019-05-31"})
    assert [(r["eventType"].rsplit("#", 1)[1], r["latestDate"]) for r in may_2019] == [
        ("Meeting", "2019-05-07")
    ]
    august_2020 = ask("timeline", **{"from": "2020-08", "to": "2020-08"})
    # 003: five reported cases, the briefing ("Bagdat Kozhakhmetov said at a briefing") and the maslikhat
    # session it kept the media out of ("did not let media be present at its meeting")
    assert len({r["event"] for r in august_2020}) == 7
    assert {r["source"] for r in august_2020} == {SRC_003}
    year_2019 = ask("timeline", **{"from": "2019", "to": "2019"})
    assert all(r["sortKey"].startswith("2019") for r in year_2019)
    assert len({r["event"] for r in year_2019}) >= 11  # 10+ incidents of the appeal and the ODIHR meeting


def test_claims_recorded_as_claims(ask: Answer) -> None:
    # 004 item 8: the editor-in-chief relates the attack to her work; the police say she fell.
    rows = ask("claims", event=ID + "incident/turmagambetova-attack")
    claimants = {r["claimantLabel"] for r in rows}
    assert "Shara Turmagambetova" in claimants
    assert any("Police" in c or "Internal Affairs" in c for c in claimants)
    for r in rows:
        assert " ".join(r["quote"].split()) in source_text(r["source"])
    everything = ask("claims")
    assert any(r["claimantLabel"] == "Roman Vasilenko" for r in everything)  # 000: "R. Vasilenko said …"


def test_claims_by_sides_the_texts_do_not_identify(ask: Answer) -> None:
    """A claim by one side is that side's claim even when the text only describes the side."""
    rows = ask("claims")
    described = {
        (r["event"].removeprefix(ID), r["claimantDescription"]) for r in rows if r["claimantDescription"]
    }
    # 004 item 1: "according to the statement of a girl from the group impending the work of journalists";
    # item 6: "because of a claim allegedly received against them", "a statement of an unknown person";
    # item 7: "representatives of the city authorities and prosecutors accused the media of …";
    # 003: "Businessman asks to bring Lukpan Akhmedyarov to criminal liability", "the journalists note …";
    # 000: "Moreover, it was emphasized that interaction with the OSCE aligns perfectly …" (no speaker named).
    events = {event for event, _ in described}
    # the event is the reported case (or the meeting); the act the claim explains is its own column
    assert events == {
        "incident/present-time-glushkova-astana",
        "incident/toiken-nurbek-zhanaozen-aktau",
        "incident/kari-summoned-and-accused-almaty",
        "incident/akhmedyarov-criminal-complaint-by-businessman",
        "incident/ministry-of-health-media-center-official-representative",
        "meeting/osce-rfom-beyond-the-headlines-2024",
    }
    acts = {
        r["act"].removeprefix(ID): r["claimantDescription"].lower()
        for r in rows
        if r["claimantDescription"] and r["act"]
    }
    assert "girl from the group" in acts["act/glushkova-detention-astana"]
    assert "unknown person" in acts["act/toiken-nurbek-criminal-case-art-174"]
    assert "claim allegedly received" in acts["act/toiken-nurbek-detention-zhanaozen"]
    assert "businessman" in acts["act/akhmedyarov-criminal-complaint-by-businessman"]
    for r in rows:
        # one side per claim: an IRI with its label, or a description - never both, never neither
        assert (r["claimant"] is None) != (r["claimantDescription"] is None), r
        assert r["claimant"] is None or r["claimantLabel"]
        assert " ".join(r["quote"].split()) in source_text(r["source"]), r["quote"]
    kinds = {
        (r["event"].removeprefix(ID), r["claimantType"].removeprefix(ID + "concept/actor-type/"))
        for r in rows
        if r["claimantType"]
    }
    assert ("incident/akhmedyarov-criminal-complaint-by-businessman", "business") in kinds
    assert {
        ("incident/kari-summoned-and-accused-almaty", k) for k in ("local-authority", "prosecutor")
    } <= kinds
    # 003: "Bagdat Kozhakhmetov said at a briefing" - his claim belongs to the briefing and the media center
    briefing = ask("claims", event=ID + "meeting/ministry-of-health-media-center-briefing-2020-08")
    assert {r["claimantLabel"] for r in briefing} == {"Bagdat Kozhakhmetov"}
    # 003: the businessman demands prosecution, the journalist gives his account (and the bribe story, his own
    # claim about the businessman): two sides, three claims.
    both = ask("claims", event=ID + "incident/akhmedyarov-criminal-complaint-by-businessman")
    assert {r["claimantLabel"] or r["claimantDescription"] for r in both} == {
        "Lukpan Akhmedyarov",
        "An Atyrau businessman",
    }
    assert len({r["claimText"] for r in both}) == 3
    assert any("500 thousand tenge" in r["quote"] for r in both if r["claimantLabel"] == "Lukpan Akhmedyarov")


def test_osce_participating_states(ask: Answer) -> None:
    rows = ask("osce-participating-states")
    assert len({r["state"] for r in rows}) == 57
    labels = {r["stateLabel"] for r in rows}
    assert {"Kazakhstan", "Türkiye", "Mongolia", "Poland"} <= labels
    chair = {r["stateLabel"]: r["chairpersonship"] for r in rows if r["chairpersonship"]}
    assert chair == {"Finland": "2025"}  # "Finland – OSCE Chairpersonship 2025"
    assert {r["source"] for r in rows} == {SRC_002}


def test_people_search_any_spelling(ask: Answer) -> None:
    tokayev = ID + "person/kassym-jomart-tokayev"
    assert {r["person"] for r in ask("people-search", name="Tokaev")} == {tokayev}  # 004: "K.Tokaev"
    assert {r["person"] for r in ask("people-search", name="tokayev")} == {tokayev}  # 000
    toiken = {r["person"] for r in ask("people-search", name="toiken")}
    assert toiken == {r["person"] for r in ask("people-search", name="Toyken")} and len(toiken) == 1
    assert {r["isJournalist"] for r in ask("people-search", name="toiken")} == {"true"}
    assert {r["isOfficial"] for r in ask("people-search", name="toiken")} == {"false"}
    assert {(r["isOfficial"], r["isJournalist"]) for r in ask("people-search", name="tokayev")} == {
        ("true", "false")
    }


def test_incidents_filtered_by_type_and_place(ask: Answer) -> None:
    rows = ask(
        "incidents", type=ID + "concept/incident-type/detention", place=ID + "place/astana"
    )  # items 1 and 5 and Zhoyamergen/Amirkhanov, all in Astana
    assert len({r["incident"] for r in rows}) >= 3
    assert {r["type"] for r in rows} == {ID + "concept/incident-type/detention"}
    almaty = ask("incidents", place=ID + "place/almaty")
    assert len({r["incident"] for r in almaty}) >= 2  # item 2 and the maslikhat session
    assert len({r["incident"] for r in ask("incidents")}) == sum(
        int(r["incidents"]) for r in ask("incidents-by-year")
    )


def test_sources_overview(ask: Answer) -> None:
    rows = {r["sourceId"]: r for r in ask("sources")}
    on_disk = {p.stem for p in (REPO.parent / "shared" / "sources").glob("*.txt")}
    assert set(rows) == on_disk
    assert rows["000_e1ec86c1e54fa2f1"]["datelineDate"] == "2024-06-27"
    assert rows["001_922df78b71b0b3fd"]["datelineDate"] == "2019-05-07"
    assert rows["002_b54709ca0751dd12"]["datelineDate"] == "2007-04-30"
    assert all(int(r["entities"]) > 0 for r in rows.values())


def test_meetings_held_in_or_datelined_in_a_place(ask: Answer) -> None:
    # 000: "Almaty, 27 June 2024 (TDI)" is only the dateline; 003: "Maslikhat (city council) of Almaty did not
    # let media be present at its meeting" - a meeting held in Almaty. Held in or datelined in Almaty: both;
    # held in Almaty: only the session; datelined in Almaty: only the RFoM event.
    either = {r["meeting"].removeprefix(ID) for r in ask("meetings", place=ID + "place/almaty")}
    assert either == {
        "meeting/osce-rfom-beyond-the-headlines-2024",
        "meeting/almaty-maslikhat-session-2020-08",
    }
    held = {
        r["meeting"].removeprefix(ID)
        for r in ask("meetings", place=ID + "place/almaty", relation="mkg:place")
    }
    assert held == {"meeting/almaty-maslikhat-session-2020-08"}
    datelined = ask("meetings", place=ID + "place/almaty", relation="mkg:reportedFrom")
    assert {r["meeting"].removeprefix(ID) for r in datelined} == {
        "meeting/osce-rfom-beyond-the-headlines-2024"
    }
    # 001: "As part of his working visit to Poland" (held in Poland), "WARSAW, May 7, 2019" (datelined in
    # Warsaw)
    poland = ask("meetings", place=ID + "state/poland")
    assert {(r["meeting"].removeprefix(ID), r["property"].removeprefix(MKG)) for r in poland} == {
        ("meeting/atamkulov-gisladottir-2019", "place")
    }
    warsaw = ask("meetings", place=ID + "place/warsaw")
    assert {r["property"].removeprefix(MKG) for r in warsaw} == {"reportedFrom"}
    # 002: "Place: - VIENNA" and "VIENNA, 30 April 2007": held and datelined there
    vienna = ask("meetings", place=ID + "place/vienna")
    assert {r["property"].removeprefix(MKG) for r in vienna} == {"place", "reportedFrom"}


def test_fines_with_amounts(ask: Answer) -> None:
    # 004 item 4: "convicted in the administrative court of Zhanaozen to pay a fine of 20 Monthly calculation
    # Index for violating Article 667".
    (row,) = ask("fines")
    assert (row["amount"], row["unit"], row["caseNumber"]) == ("20", ID + "concept/unit/mci", "4")
    assert row["victimLabel"] == "Sania Toyken"
    assert row["imposedBy"] == ID + "org/zhanaozen-administrative-court"
    assert row["provision"] == ID + "provision/kz-administrative-code-art-667"
    assert " ".join(row["quote"].split()) in source_text(row["source"])


def test_stated_quantities(ask: Answer) -> None:
    rows = ask("stated-quantities")
    by_what = {(r["property"].removeprefix(MKG), r["what"]): r for r in rows}
    # 001: "22 long-term and 300 short-term observers"
    assert by_what[("observerCount", "long-term observers")]["value"] == "22"
    assert by_what[("observerCount", "short-term observers")]["value"] == "300"
    # 004: "held for more than five hours" - a lower limit only
    held = next(r for (prop, _), r in by_what.items() if prop == "duration" and "five hours" in r["what"])
    assert (held["value"], held["minValue"], held["unit"]) == (None, "5", ID + "concept/unit/hour")
    # 003: the bribe is the journalist's claim, reported on the act whose claim it is
    bribe = next(r for (prop, _), r in by_what.items() if prop == "claimedAmount")
    assert (bribe["value"], bribe["unit"]) == ("500000", ID + "concept/unit/kzt")
    assert bribe["subject"] == ID + "act/akhmedyarov-criminal-complaint-by-businessman" and bribe["claimText"]
    # 004: "Nine Kazakhstani non-governmental organizations appealed" (ten sign)
    assert (
        by_what[("quantity", "non-governmental organizations that appealed, as the text counts them")][
            "value"
        ]
        == "9"
    )
    for r in rows:
        assert " ".join(r["quote"].split()) in source_text(r["source"]), r["quote"]
    assert {r["property"] for r in ask("stated-quantities", relation="mkg:fine")} == {MKG + "fine"}


def test_documents_presented_at_meetings(ask: Answer) -> None:
    # 000: "This included presenting the “Toolkit for Ensuring the Safety of Journalists” and the “Guidelines
    # for Monitoring Online Violence against Women Journalists” to participants" - by the RFoM's Office.
    rows = ask("documents-presented-at-meetings")
    assert {r["documentLabel"] for r in rows} == {
        "Toolkit for Ensuring the Safety of Journalists",
        "Guidelines for Monitoring Online Violence against Women Journalists",
    }
    assert {(r["meeting"], r["presenter"]) for r in rows} == {
        (ID + "meeting/osce-rfom-beyond-the-headlines-2024", ID + "org/osce-rfom")
    }


def test_cases_and_their_acts(ask: Answer) -> None:
    rows = ask("case-acts")
    acts_of: dict[str, set[str]] = {}
    for r in rows:
        acts_of.setdefault(r["case"], set()).add(r["act"])
    assert len(acts_of) == 15  # 10 cases of the appeal, 5 of the report
    assert sum(len(a) for a in acts_of.values()) == 23
    appeal = {
        r["listPosition"]: r["caseNumber"] for r in rows if r["document"].endswith("ngo-appeal-2019-03-29")
    }
    # numbered "1." to "8.", then two more unnumbered
    assert appeal == {str(n): (str(n) if n <= 8 else None) for n in range(1, 11)}
    one = ask("case-acts", case=ID + "incident/present-time-glushkova-astana")
    # item 1: impeded, police did nothing, detained, charged under 293, charge changed to 73-2
    assert len({r["act"] for r in one}) == 5
    # the charges have no day of their own: they follow the detention of 22 March (earliest bound) and the
    # appeal bounds them (29 March)
    charges = {
        r["act"].removeprefix(ID + "act/"): (r["date"], r["earliestDate"], r["latestDate"]) for r in one
    }
    assert charges["glushkova-charge-hooliganism"] == (None, "2019-03-22", "2019-03-29")
    assert charges["glushkova-detention-astana"] == ("2019-03-22", None, None)


def test_date_bounds_with_basis_and_evidence(ask: Answer) -> None:
    rows = ask("date-bounds", event=ID + "meeting/osce-rfom-beyond-the-headlines-2024")
    sides = {r["side"]: r for r in rows}
    # after the signing of the law it calls new ("signed by the Head of State on June 19, 2024"); before the
    # dateline "Almaty, 27 June 2024"
    assert sides["earliest"]["bound"] == "2024-06-19"
    assert sides["earliest"]["basis"] == ID + "concept/date-basis/bounded-by-related-event"
    assert sides["earliest"]["boundedBy"] == ID + "law/kz-law-on-mass-media"
    assert sides["latest"]["bound"] == "2024-06-27"
    assert sides["latest"]["basis"] == ID + "concept/date-basis/bounded-by-dateline"
    everything = ask("date-bounds")
    assert everything
    for r in everything:
        assert r["basis"] and r["quote"], r
        assert " ".join(r["quote"].split()) in source_text(r["source"]), r["quote"]
    # 004 item 4: "In the morning" after the evening detention of 11 March
    fine = [r for r in everything if r["event"] == ID + "act/toyken-administrative-conviction-zhanaozen"]
    assert {(r["side"], r["bound"]) for r in fine} == {("earliest", "2019-03-12"), ("latest", "2019-03-29")}


def test_election_observation(ask: Answer) -> None:
    # 001: "the upcoming presidential elections in Kazakhstan", "the head of the mission Urszula Gacek, who
    # has already arrived in Kazakhstan and would coordinate the work of 22 long-term and 300 short-term
    # observers"
    rows = ask("election-observation")
    assert {r["headLabel"] for r in rows} == {"Urszula Gacek"}
    assert {r["area"] for r in rows} == {ID + "state/kazakhstan"}
    assert {r["parent"] for r in rows} == {ID + "org/osce-odihr"}
    assert {(r["observers"], r["observerCount"]) for r in rows} == {
        ("long-term observers", "22"),
        ("short-term observers", "300"),
    }
    assert {r["electionEarliest"] for r in rows} == {"2019-05-07"}  # upcoming at the dateline


def test_projects(ask: Answer) -> None:
    # 001: "The ODIHR Director welcomed the recent support by Kazakhstan in the launch of two ODIHR projects"
    rows = ask("projects")
    assert len({r["project"] for r in rows}) == 2
    assert {(r["carriedOutBy"], r["supportedBy"]) for r in rows} == {
        (ID + "org/osce-odihr", ID + "state/kazakhstan")
    }
    assert {r["claimantLabel"] for r in rows} == {"Ingibjörg Sólrún Gísladóttir"}


# --------------------------------------------------------------------------- the command


@pytest.fixture
def use_build(built_dataset: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAKG_HOME", str(REPO))
    monkeypatch.setenv("MEDIAKG_BUILD_DIR", str(built_dataset))
    return built_dataset


def test_cli_query_formats(use_build: Path, run_cli: Callable[..., object]) -> None:
    table = run_cli("query", "ministers-met-osce-before-law")
    assert table.returncode == 0, table.stderr
    assert "Marat Tazhin" in table.stdout and "Beibut Atamkulov" in table.stdout
    assert "Roman Vasilenko" not in table.stdout and "(2 rows)" in table.stdout
    csv_out = run_cli("query", "incidents-by-year", "--format", "csv")
    assert csv_out.returncode == 0, csv_out.stderr
    # (the level parameter is projected: pyoxigraph substitutes only projected variables)
    assert csv_out.stdout.splitlines()[0] == "year,incidents,withStatedYear,withBoundedYear,level"
    doc = json.loads(run_cli("query", "people-search", "--param", "name=Toyken", "--format", "json").stdout)
    assert doc["params"] == {"name": "Toyken"}
    assert doc["rows"][0]["person"] == {
        "value": ID + "person/sania-toyken",
        "type": "iri",
        "label": "Sania Toyken",
    }
    by_file = run_cli("query", str(REPO / "queries" / "sources.rq"), "--format", "csv")
    assert by_file.returncode == 0 and "000_e1ec86c1e54fa2f1" in by_file.stdout


def test_cli_query_errors(use_build: Path, run_cli: Callable[..., object]) -> None:
    bad = run_cli("query", "timeline", "--param", "from=2019-02-30")
    assert bad.returncode == 2
    assert "parameter 'from'" in bad.stderr and "Traceback" not in bad.stderr
    unknown = run_cli("query", "timeline", "--param", "since=2019")
    assert unknown.returncode == 2 and "since" in unknown.stderr
    missing = run_cli("query", "no-such-question")
    assert missing.returncode == 2 and "unknown question" in missing.stderr
    malformed = run_cli("query", "timeline", "--param", "from")
    assert malformed.returncode == 2 and "NAME=VALUE" in malformed.stderr
