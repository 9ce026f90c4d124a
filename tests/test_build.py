"""The build pipeline: ``mediakg build`` / ``mediakg validate`` on a tiny project and on the real one."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.compare import isomorphic

from conftest import snapshot
from mediakg.build import NQUADS, OUTPUTS, STORE, SUMMARY, TRIG, BuildFailed, build, ensure_build, is_stale
from mediakg.graph.entail import ENTAILED_GRAPH
from mediakg.graph.namespaces import ONTOLOGY_IRI, reference_graph_iri, source_iri
from mediakg.paths import ProjectPaths

CORE_CLASSES = (
    "Meeting",
    "Incident",
    "Person",
    "Official",
    "Organization",
    "Law",
    "LegalProvision",
    "Membership",
    "Statistic",
    "Place",
    "SourceDocument",
    "Evidence",
)


def load_dataset(path: Path, fmt: str) -> Dataset:
    ds = Dataset()
    ds.parse(path, format=fmt)
    return ds


def named_graphs(ds: Dataset) -> dict[str, object]:
    return {str(g.identifier): g for g in ds.graphs() if len(g)}


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


# --------------------------------------------------------------------------- tiny project


def test_tiny_build_writes_every_output(tiny_project: Path) -> None:
    summary = build(ProjectPaths(tiny_project), quiet=True)
    out = tiny_project / "build"
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    assert summary == json.loads((out / SUMMARY).read_text())
    assert summary["entities"]["mkg:Person"] == 1  # the Official counts as a Person
    assert summary["entities"]["mkg:Place"] == 2
    assert summary["quotes"] == 2 and summary["quotes_checked"] == {"src1": 2}
    # the build adds the entailed graph (class and containment closures, mediakg.graph.entail) to the file
    # graphs
    files = {ONTOLOGY_IRI, source_iri("src1"), reference_graph_iri("places")}
    assert set(summary["graphs"]) == files | {ENTAILED_GRAPH}
    assert summary["graphs"][ONTOLOGY_IRI]["files"] == ["ontology/concepts.ttl", "ontology/mediakg.ttl"]
    assert summary["triples"] == sum(g["triples"] for g in summary["graphs"].values())
    assert set(summary["inputs"]) == {
        "ontology/concepts.ttl",
        "ontology/mediakg.ttl",
        "shapes/shapes.ttl",
        "data/src1.ttl",
        "data/reference/places.ttl",
    }
    # no temporary folders left beside the build
    assert sorted(p.name for p in tiny_project.iterdir() if p.name.startswith(".")) == []


def test_tiny_outputs_round_trip(tiny_project: Path) -> None:
    summary = build(ProjectPaths(tiny_project), quiet=True)
    out = tiny_project / "build"
    trig, nq = load_dataset(out / TRIG, "trig"), load_dataset(out / NQUADS, "nquads")
    trig_graphs, nq_graphs = named_graphs(trig), named_graphs(nq)
    assert set(trig_graphs) == set(nq_graphs) == set(summary["graphs"])
    for name, graph in trig_graphs.items():
        assert isomorphic(graph, nq_graphs[name]), name
    date = Literal("2024-06-27", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))
    assert (None, None, date) in trig_graphs[source_iri("src1")]


def test_tiny_store_matches_dataset(tiny_project: Path) -> None:
    summary = build(ProjectPaths(tiny_project), quiet=True)
    store = pyoxigraph.Store.read_only(str(tiny_project / "build" / STORE))
    (row,) = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(row["n"].value) == summary["triples"]
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == set(summary["graphs"])


def test_parse_error_is_file_and_line_and_keeps_previous_build(tiny_project: Path, run_cli) -> None:
    ok = run_cli("build")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "build summary:" in ok.stdout and "mkg:Meeting" in ok.stdout
    before = snapshot(tiny_project / "build")
    data = tiny_project / "data" / "src1.ttl"
    lines = data.read_text().splitlines()
    lines.insert(13, "person:broken skos:prefLabel")  # becomes line 14; the statement never ends
    data.write_text("\n".join(lines) + "\n")
    result = run_cli("build")
    assert_clean_failure(result, 2)
    assert "data/src1.ttl:15: syntax error" in result.stdout  # the parser notices at the next statement
    assert "build failed: 1 parse errors; previous build left untouched" in result.stderr
    assert snapshot(tiny_project / "build") == before


def test_violation_exits_1_with_located_report(tiny_project: Path, run_cli) -> None:
    build(ProjectPaths(tiny_project), quiet=True)
    before = snapshot(tiny_project / "build")
    data = tiny_project / "data" / "src1.ttl"
    data.write_text(data.read_text().replace('"2024-06-27"^^xsd:date', '"27 June 2024"'))
    result = run_cli("build")
    assert_clean_failure(result, 1)
    assert "id:meeting/m1 | mkg:date | sh:DatatypeConstraintComponent |" in result.stdout
    assert "[data/src1.ttl]" in result.stdout
    assert "build failed: 1 violations; previous build left untouched" in result.stderr
    assert snapshot(tiny_project / "build") == before


def test_blank_node_focus_named_by_its_holder(tiny_project: Path, run_cli) -> None:
    data = tiny_project / "data" / "src1.ttl"
    data.write_text(data.read_text().replace('oa:exact "met in Townville on 27 June 2024" ;', ""))
    result = run_cli("build")
    assert_clean_failure(result, 1)
    assert "id:meeting/m1 mkg:evidence [] | oa:exact | sh:MinCountConstraintComponent" in result.stdout
    assert not (tiny_project / "build").exists()
    assert "nothing written" in result.stderr


def test_malformed_literal_is_a_violation(tiny_project: Path, run_cli) -> None:
    data = tiny_project / "data" / "src1.ttl"
    data.write_text(data.read_text().replace('"2024-06-27"^^xsd:date', '"2024-13-45"^^xsd:date'))
    result = run_cli("build")
    assert_clean_failure(result, 1)
    assert 'id:meeting/m1 | mkg:date | mkg:WellFormedLiteral | malformed literal "2024-13-45"^^xsd:date' in (
        result.stdout
    )


def test_build_out_option(tiny_project: Path, run_cli, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "b"
    result = run_cli("build", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "[" not in result.stdout.splitlines()[0]  # quiet: no progress lines, only the summary
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    assert not (tiny_project / "build").exists()


def test_validate_command_writes_nothing(tiny_project: Path, run_cli, tmp_path: Path) -> None:
    good = tmp_path / "extra.ttl"
    good.write_text(
        "@prefix mkg: <https://w3id.org/mediakg/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        '<https://w3id.org/mediakg/id/place/x> a mkg:Place ; skos:prefLabel "X"@en .\n'
    )
    result = run_cli("validate", str(good))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stdout
    bad = tmp_path / "bad.nt"
    bad.write_text(
        "<https://w3id.org/mediakg/id/person/p> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/mediakg/ontology#Person> .\n"
    )
    result = run_cli("validate", str(good), str(bad))
    assert_clean_failure(result, 1)
    assert "id:person/p | prov:wasDerivedFrom | sh:MinCountConstraintComponent | no source" in result.stdout
    assert f"[{bad}]" in result.stdout
    assert "validation failed: 2 violations" in result.stderr  # no label, no source
    assert not (tiny_project / "build").exists()


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("broken.nt", "<http://a> <http://b> <http://c> .\n<http://a> <http://b> .\n", "broken.nt:2:"),
        ("broken.trig", "@prefix ex: <http://ex/> .\nex:g {\n ex:a ex:b .\n}\n", "broken.trig:3:"),
        ("broken.jsonld", '{\n  "@id": "http://a",\n  "http://b": \n}\n', "broken.jsonld:4:"),
        (
            "broken.rdf",
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<a>\n</rdf:RDF>\n',
            "broken.rdf:3:",
        ),
    ],
)
def test_validate_reports_parse_errors_of_every_format(
    tiny_project: Path, run_cli, tmp_path: Path, name: str, text: str, where: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = run_cli("validate", str(path))
    assert_clean_failure(result, 2)
    assert where in result.stdout


def test_validate_rejects_unknown_extension(tiny_project: Path, run_cli, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    result = run_cli("validate", str(path))
    assert_clean_failure(result, 2)
    assert "unknown RDF file extension '.txt'" in result.stderr


def test_validate_draft_replaces_data_file_of_same_name(tiny_project: Path, run_cli, tmp_path: Path) -> None:
    draft = tmp_path / "src1.ttl"
    text = (tiny_project / "data" / "src1.ttl").read_text()
    draft.write_text(text.replace('skos:prefLabel "Ann Example"@en ;', ""))
    result = run_cli("validate", str(draft))
    assert_clean_failure(result, 1)
    assert "id:person/ann-example | skos:prefLabel | sh:MinCountConstraintComponent" in result.stdout
    # validating the project's own file does not load it twice (two labels would be a violation)
    assert run_cli("validate", str(tiny_project / "data" / "src1.ttl")).returncode == 0


def test_staleness_and_ensure_build(tiny_project: Path) -> None:
    paths = ProjectPaths(tiny_project)
    assert is_stale(paths)
    out = ensure_build(paths)
    assert out == tiny_project / "build" and not is_stale(paths)
    built_at = json.loads((out / SUMMARY).read_text())["built_at"]
    assert ensure_build(paths) == out
    assert json.loads((out / SUMMARY).read_text())["built_at"] == built_at  # not rebuilt
    data = tiny_project / "data" / "src1.ttl"
    data.write_text(data.read_text() + "\n# a comment changes the hash\n")
    assert is_stale(paths)
    ensure_build(paths)
    assert not is_stale(paths)
    (tiny_project / "data" / "reference" / "more.ttl").write_text("")
    assert is_stale(paths)  # a new input file
    (tiny_project / "data" / "reference" / "more.ttl").unlink()
    assert not is_stale(paths)
    os.utime(data)  # touching without changing content does not make the build stale
    assert not is_stale(paths)
    (out / NQUADS).unlink()
    assert is_stale(paths)


def test_ensure_build_raises_on_invalid_data(tiny_project: Path) -> None:
    data = tiny_project / "data" / "src1.ttl"
    data.write_text(data.read_text().replace("mkg:place place:townville", "mkg:place person:ann-example"))
    with pytest.raises(BuildFailed, match="1 violations"):
        ensure_build(ProjectPaths(tiny_project))
    assert not (tiny_project / "build").exists()


def test_sources_folder_missing_only_warns(
    tiny_project: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:
    monkeypatch.setenv("MEDIAKG_SOURCES", str(tiny_project / "nowhere"))
    result = run_cli("build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "evidence quotes not checked" in result.stdout
    assert json.loads((tiny_project / "build" / SUMMARY).read_text())["quotes_verified"] is False


# --------------------------------------------------------------------------- the real project


def test_real_project_builds_without_violations(built_dataset: Path) -> None:
    summary = json.loads((built_dataset / SUMMARY).read_text())
    for name in CORE_CLASSES:
        assert summary["entities"][f"mkg:{name}"] > 0, name
    assert summary["quotes_verified"] and summary["quotes"] > 0


def test_real_trig_and_nquads_agree(built_dataset: Path, project_root: Path) -> None:
    trig, nq = load_dataset(built_dataset / TRIG, "trig"), load_dataset(built_dataset / NQUADS, "nquads")
    trig_graphs, nq_graphs = named_graphs(trig), named_graphs(nq)
    expected = {ONTOLOGY_IRI, ENTAILED_GRAPH}
    expected |= {source_iri(p.stem) for p in (project_root / "data").glob("*.ttl")}
    expected |= {reference_graph_iri(p.stem) for p in (project_root / "data" / "reference").glob("*.ttl")}
    assert set(trig_graphs) == set(nq_graphs) == expected
    for name, graph in trig_graphs.items():
        assert isomorphic(graph, nq_graphs[name]), name


def test_real_store_count_equals_triples(built_dataset: Path) -> None:
    summary = json.loads((built_dataset / SUMMARY).read_text())
    store = pyoxigraph.Store.read_only(str(built_dataset / STORE))
    (row,) = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(row["n"].value) == summary["triples"]
    (row,) = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
        use_default_graph_as_union=True,
    )
    assert int(row["n"].value) == summary["distinct_triples"]


def test_failed_rebuild_leaves_real_build_intact(project_copy: Path, run_cli) -> None:
    first = run_cli("build", "--quiet")
    assert first.returncode == 0, first.stdout + first.stderr
    before = snapshot(project_copy / "build")
    bad = project_copy / "data" / "zz_broken.ttl"
    bad.write_text("@prefix mkg: <https://w3id.org/mediakg/ontology#> .\nmkg:x mkg:y .\n")
    result = run_cli("build")
    assert_clean_failure(result, 2)
    assert "data/zz_broken.ttl:2:" in result.stdout
    assert snapshot(project_copy / "build") == before
    bad.unlink()
    again = run_cli("build", "--quiet")
    assert again.returncode == 0, again.stdout + again.stderr
    assert snapshot(project_copy / "build") != before  # really rebuilt


# --------------------------------------------------------------------------- rdflib and oxigraph agree

PREFIXES = """\
PREFIX mkg: <https://w3id.org/mediakg/ontology#>
PREFIX id: <https://w3id.org/mediakg/id/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
"""
# Queries over the union default graph use DISTINCT (or COUNT(DISTINCT)): oxigraph's union default graph is
# a bag (a triple stated in two files counts twice), rdflib's is a set -- see test_union_semantics_differ.
CROSS_ENGINE_QUERIES = {
    "join": """SELECT DISTINCT ?meeting ?agent ?role WHERE {
        ?meeting a mkg:Meeting ; mkg:participation ?p .
        ?p mkg:agent ?agent ; mkg:participantRole ?role .
        ?agent skos:prefLabel ?label . }""",
    "optional": """SELECT DISTINCT ?event ?label ?place WHERE {
        ?event a ?cls ; skos:prefLabel ?label . VALUES ?cls { mkg:Meeting mkg:Incident }
        OPTIONAL { ?event mkg:place ?place } }""",
    "path": """SELECT DISTINCT ?unit WHERE { ?unit org:subOrganizationOf+ ?top .
        ?top skos:prefLabel ?l . FILTER(CONTAINS(LCASE(STR(?l)), "osce")) }""",
    "subclass_path": """SELECT DISTINCT ?person WHERE { ?person a/rdfs:subClassOf* mkg:Person }""",
    # (events only: the blank date-bound nodes that justify a bound carry mkg:date too)
    "date_filter": """SELECT DISTINCT ?event ?date WHERE { ?event mkg:date ?date .
        FILTER(isIRI(?event) && DATATYPE(?date) = xsd:date && ?date >= "2019-01-01"^^xsd:date) }""",
    "date_bounds": """SELECT DISTINCT ?event ?bound WHERE {
        { ?event mkg:latestDate ?bound } UNION { ?event mkg:earliestDate ?bound }
        FILTER(YEAR(?bound) >= 2007) }""",
    "group_by": """SELECT ?cls (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?cls .
        FILTER(STRSTARTS(STR(?cls), STR(mkg:))) } GROUP BY ?cls HAVING (COUNT(DISTINCT ?s) > 0)""",
    "graphs": """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g""",
    "quotes_per_source": """SELECT ?src (COUNT(DISTINCT ?ev) AS ?n) (MIN(STRLEN(?q)) AS ?shortest) WHERE {
        ?ev a mkg:Evidence ; dct:source ?src ; oa:exact ?q } GROUP BY ?src ORDER BY ?src""",
    "not_exists": """SELECT DISTINCT ?provision ?law WHERE { ?provision eli:is_part_of ?law .
        FILTER NOT EXISTS { ?law mkg:jurisdiction <https://w3id.org/mediakg/id/state/turkiye> } }""",
}


def _term_key(term: object) -> tuple[str, ...]:
    """Engine-neutral form of an RDF term (rdflib or pyoxigraph)."""
    if term is None:
        return ("unbound",)
    if isinstance(term, pyoxigraph.NamedNode | URIRef):
        return ("iri", str(term.value if isinstance(term, pyoxigraph.NamedNode) else term))
    if isinstance(term, pyoxigraph.Literal):
        return ("literal", term.value, term.datatype.value, term.language or "")
    if isinstance(term, Literal):
        return (
            "literal",
            str(term),
            str(term.datatype or XSD_STRING if not term.language else RDF_LANG),
            term.language or "",
        )
    raise AssertionError(f"unexpected term in results: {term!r}")


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@pytest.fixture(scope="module")
def engines(built_dataset: Path) -> tuple[Dataset, pyoxigraph.Store]:
    ds = Dataset(default_union=True)
    ds.parse(built_dataset / NQUADS, format="nquads")
    return ds, pyoxigraph.Store.read_only(str(built_dataset / STORE))


@pytest.mark.parametrize("name", sorted(CROSS_ENGINE_QUERIES))
def test_rdflib_and_oxigraph_give_identical_answers(engines, name: str) -> None:
    ds, store = engines
    query = PREFIXES + CROSS_ENGINE_QUERIES[name]
    rdflib_result = ds.query(query)
    variables = [str(v) for v in rdflib_result.vars]
    from_rdflib = sorted(tuple(_term_key(row[v]) for v in variables) for row in rdflib_result)
    from_oxigraph = sorted(
        tuple(_term_key(solution[v]) for v in variables)
        for solution in store.query(query, use_default_graph_as_union=True)
    )
    assert from_rdflib, f"query {name} has no answers: not a useful comparison"
    assert from_rdflib == from_oxigraph


def test_union_semantics_differ(engines) -> None:
    """Documents an engine difference callers must know: without DISTINCT, oxigraph's union default graph
    repeats a triple once per graph that states it; rdflib's union does not."""
    ds, store = engines
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    (rdflib_row,) = ds.query(query)
    (ox_row,) = store.query(query, use_default_graph_as_union=True)
    quads = sum(1 for _ in ds.quads((None, None, None, None)))
    assert int(ox_row["n"].value) == quads
    assert int(rdflib_row[0]) == len(set(ds.triples((None, None, None))))
