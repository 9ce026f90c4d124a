"""The oxigraph SHACL engine (mediakg.validation.shacl_oxigraph) against the reference, pyshacl: the same
(focus, path,
component) results and messages on the real data, on the bad-data corpus and on synthetic data with
injected faults of every constraint kind the shapes use; plus what the engine refuses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from mediakg.build import _shape_inputs, build
from mediakg.errors import MediakgError
from mediakg.graph.merge import merge
from mediakg.graph.parse import extra_input, project_inputs
from mediakg.paths import ProjectPaths
from mediakg.validation.shacl import (
    AUTO_THRESHOLD,
    choose_engine,
    dataset_store,
    literal_problems,
    load_shapes,
    locate,
    shacl_problems,
    short,
    store_problems,
)
from mediakg.validation.shacl_oxigraph import check_prebinding_safe, compile_shapes, validate_store

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "bad"
#: Bad cases that are SHACL or literal problems (syntax errors never reach validation; the quote case is
#: the quote check's, not the shapes').
SHAPE_CASES = sorted(
    p
    for p in BAD.glob("*.ttl")
    if "syntax error" not in p.read_text(encoding="utf-8") and p.name != "quote_not_in_source.ttl"
)


def keyed(problems) -> set[tuple[str, str, str, str]]:
    return {(p.focus, p.path, p.component, p.message) for p in problems}


def both_engines(paths: ProjectPaths, extra: list[Path]) -> tuple[set, set]:
    """(pyshacl problems, oxigraph problems) of the project data plus ``extra`` files, keyed."""
    merged = merge(project_inputs(paths), [extra_input(f, paths.root) for f in extra])
    assert not merged.problems
    shapes = load_shapes(_shape_inputs(paths)).graph
    union = merged.union()
    reference = literal_problems(merged, union) + shacl_problems(merged, union, shapes)[0]
    store = dataset_store(merged)
    ours, _report = store_problems(store, shapes, lambda n: locate(merged, store, n))
    return keyed(reference), keyed(ours)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(_shape_inputs(ProjectPaths(ROOT))).graph


def test_real_data_agrees_and_conforms() -> None:
    reference, ours = both_engines(ProjectPaths(ROOT), [])
    assert ours == reference == set()


def test_bad_corpus_agrees() -> None:
    """All shape-level bad cases at once (each uses its own IRIs): one pyshacl run instead of one per case."""
    reference, ours = both_engines(ProjectPaths(ROOT), SHAPE_CASES)
    assert ours == reference
    assert len(ours) >= len(SHAPE_CASES)  # every case adds at least one problem


def test_bad_corpus_expected_messages(shapes: Graph) -> None:
    """Each case's own expected fragment shows up in the oxigraph engine's problems."""
    paths = ProjectPaths(ROOT)
    merged = merge(project_inputs(paths), [extra_input(f, paths.root) for f in SHAPE_CASES])
    store = dataset_store(merged)
    problems, report = store_problems(store, shapes, lambda n: locate(merged, store, n))
    text = "\n".join(p.render() for p in problems)
    for case in SHAPE_CASES:
        fragment = next(
            line.removeprefix("# expect:").strip()
            for line in case.read_text(encoding="utf-8").splitlines()
            if line.startswith("# expect:")
        )
        assert fragment in text, case.name
        assert f"[tests/bad/{case.name}]" in text, case.name
    # the report is a SHACL report that does not conform, one result per SHACL problem
    assert "sh:conforms false" in report.serialize(format="turtle")


# ------------------------------------------------------------------------------------------- synthetic

FAULTS = """\
@prefix mkg: <https://w3id.org/mediakg/ontology#> .
@prefix concept: <https://w3id.org/mediakg/id/concept/> .
@prefix incident: <https://w3id.org/mediakg/id/incident/> .
@prefix meeting: <https://w3id.org/mediakg/id/meeting/> .
@prefix membership: <https://w3id.org/mediakg/id/membership/> .
@prefix idorg: <https://w3id.org/mediakg/id/org/> .
@prefix person: <https://w3id.org/mediakg/id/person/> .
@prefix place: <https://w3id.org/mediakg/id/place/> .
@prefix role: <https://w3id.org/mediakg/id/role/> .
@prefix source: <https://w3id.org/mediakg/id/source/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

source:fault-src a mkg:SourceDocument ; dct:identifier "fault-src" ; dct:title "F" .

# pattern, uniqueLang + qualifiedMaxCount (two @en labels), datatype (plain altLabel), class (derived from
# a non-source), minCount (no evidence), unknown term (SPARQL)
person:Bad_Person a mkg:Person ;
    skos:prefLabel "Bad Person"@en , "Other Name"@en ;
    skos:altLabel "plain alt" ;
    prov:wasDerivedFrom place:not-a-source ;
    mkg:misspeltProperty "x" .

# qualifiedMinCount / languageIn (no English label), nodeKind (a blank-node person)
[] a mkg:Person ; skos:prefLabel "Nur Deutsch"@de ;
    prov:wasDerivedFrom source:fault-src ;
    mkg:evidence [ a mkg:Evidence ; oa:exact "Nur" ; dct:source source:fault-src ] .

# or (member is a place), minCount (no role), maxCount (two organisations), ill-typed date (datatype in or),
# membership ending before it begins (SPARQL), class on the period
membership:fault--head a mkg:Membership ;
    org:member place:not-a-person ;
    org:organization idorg:fault-a , idorg:fault-b ;
    mkg:attestedAt "2019-13-01"^^xsd:date ;
    org:memberDuring [ a time:Interval ;
        time:hasBeginning [ a time:Instant ; mkg:date "2020-05-01"^^xsd:date ] ;
        time:hasEnd [ a time:Instant ; mkg:date "2019-01-01"^^xsd:date ] ] ;
    prov:wasDerivedFrom source:fault-src ;
    mkg:evidence [ a mkg:Evidence ; dct:source source:fault-src ;
        oa:exact "" , "LONG_QUOTE" ] .

# hasValue (role in the wrong scheme), pattern on a role IRI
role:Bad_Role a mkg:Role ; skos:prefLabel "bad role"@en ;
    skos:inScheme concept:incident-type .

# xone (agent and description), no date (SPARQL), unknown concept (SPARQL), alternative path + or
# (citedProvision to a place), date bounds out of order (SPARQL)
incident:fault-incident a mkg:Incident ;
    skos:prefLabel "Fault incident"@en ;
    mkg:incidentType <https://w3id.org/mediakg/id/concept/incident-type/nonsense> ;
    mkg:citedProvision place:not-a-law ;
    mkg:earliestDate "2021-01-01"^^xsd:date ; mkg:latestDate "2020-01-01"^^xsd:date ;
    mkg:dateBasis <https://w3id.org/mediakg/id/concept/date-basis/stated> ;
    mkg:participation [ a mkg:Participation ; mkg:agent idorg:fault-a ;
        mkg:agentDescription "someone"@en ;
        mkg:participantRole <https://w3id.org/mediakg/id/concept/participant-role/victim> ] ;
    prov:wasDerivedFrom source:fault-src ;
    mkg:evidence [ a mkg:Evidence ; oa:exact "F" ; dct:source source:fault-src ] .

# a meeting with no date (SPARQL) and no participation (minCount)
meeting:fault-meeting a mkg:Meeting ; skos:prefLabel "Fault meeting"@en ;
    prov:wasDerivedFrom source:fault-src ;
    mkg:evidence [ a mkg:Evidence ; oa:exact "F" ; dct:source source:fault-src ] .
""".replace("LONG_QUOTE", "an over-long quote " + "and on " * 30)

#: Components the faults above must trigger (so the agreement test cannot pass on empty results).
EXPECTED_COMPONENTS = {
    "sh:PatternConstraintComponent",
    "sh:UniqueLangConstraintComponent",
    "sh:QualifiedMaxCountConstraintComponent",
    "sh:QualifiedMinCountConstraintComponent",
    "sh:DatatypeConstraintComponent",
    "sh:ClassConstraintComponent",
    "sh:MinCountConstraintComponent",
    "sh:MaxCountConstraintComponent",
    "sh:NodeKindConstraintComponent",
    "sh:OrConstraintComponent",
    "sh:XoneConstraintComponent",
    "sh:HasValueConstraintComponent",
    "sh:MinLengthConstraintComponent",
    "sh:MaxLengthConstraintComponent",
    "sh:SPARQLConstraintComponent",
    "mkg:WellFormedLiteral",
}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10k-triple synthetic dataset with the faults above added as one more named graph."""
    folder = tmp_path_factory.mktemp("synthetic")
    out = folder / "synthetic-10k.nq"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--triples", "10000", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    (folder / "faults.ttl").write_text(FAULTS, encoding="utf-8")
    return folder


def test_synthetic_with_faults_agrees(synthetic: Path, tmp_path: Path) -> None:
    """Generated data + faults as a project (data/ holds the faults, the generated quads an N-Quads file)."""
    root = tmp_path / "project"
    for part in ("ontology", "shapes"):
        (root / part).mkdir(parents=True)
        for f in (ROOT / part).glob("*.ttl"):
            (root / part / f.name).write_bytes(f.read_bytes())
    (root / "data").mkdir()
    (root / "pyproject.toml").write_text("")
    reference, ours = both_engines(
        ProjectPaths(root), [synthetic / "synthetic-10k.nq", synthetic / "faults.ttl"]
    )
    components = {component for _focus, _path, component, _msg in ours}
    assert components >= EXPECTED_COMPONENTS, EXPECTED_COMPONENTS - components
    assert {k[:3] for k in ours} == {k[:3] for k in reference}
    assert ours == reference  # messages too


def test_generated_data_conforms_with_oxigraph(synthetic: Path, shapes: Graph) -> None:
    store = ox.Store()
    store.bulk_load(path=str(synthetic / "synthetic-10k.nq"), format=ox.RdfFormat.N_QUADS)
    for f in sorted((ROOT / "ontology").glob("*.ttl")):
        store.load(path=str(f), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:ontology"))
    assert validate_store(store, shapes, workers=1) == []


# ------------------------------------------------------------------------------------------- refusals

SHAPE_PREFIXES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
"""


def _shapes(text: str) -> Graph:
    return Graph().parse(data=SHAPE_PREFIXES + text, format="turtle")


@pytest.mark.parametrize(
    ("ttl", "construct"),
    [
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .", "sh:closed"),
        (
            "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:equals ex:q ] .",
            "sh:equals",
        ),
        ("ex:S a sh:NodeShape ; sh:target [ a ex:CustomTarget ] .", "only sh:SPARQLTarget"),
        ('ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:ask "ASK {}" ] .', "sh:ask"),
    ],
)
def test_unsupported_constructs_are_refused(ttl: str, construct: str) -> None:
    with pytest.raises(MediakgError) as err:
        compile_shapes(_shapes(ttl), show=short)
    assert "http://example.org/S" in str(err.value) and construct in str(err.value)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT $this WHERE { ?x ex:p ?y MINUS { $this ex:q ?y } $this ex:r ?x }",
        "SELECT $this WHERE { { ?x ex:p ?y FILTER(?x != $this) } $this ex:q ?x }",
        "SELECT $this WHERE { OPTIONAL { $this ex:p ?y } }",
        "SELECT $this WHERE { { SELECT ?y WHERE { $this ex:p ?y } } $this ex:q ?y }",
        "SELECT ?x WHERE { ?x ex:p ?y }",
    ],
)
def test_prebinding_unsafe_queries_are_refused(query: str) -> None:
    with pytest.raises(MediakgError, match="not supported"):
        check_prebinding_safe(query, {"ex": "http://example.org/"}, "test")


def test_project_constraint_queries_are_safe(shapes: Graph) -> None:
    """Every SHACL-SPARQL constraint of the project compiles (the safety check passes on all of them)."""
    checks = compile_shapes(shapes)
    assert sum(1 for c in checks if c.kind == "sparql") >= 12
    assert len(checks) > 100


def test_choose_engine() -> None:
    assert choose_engine("auto", AUTO_THRESHOLD) == "pyshacl"
    assert choose_engine("auto", AUTO_THRESHOLD + 1) == "oxigraph"
    assert choose_engine("pyshacl", 10**7) == "pyshacl"
    with pytest.raises(MediakgError):
        choose_engine("fast", 1)


def test_build_with_oxigraph_names_the_engine(tiny_project: Path, run_cli) -> None:
    result = run_cli("build", "--validator", "oxigraph")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validated with oxigraph" in result.stdout
    summary = build(ProjectPaths(tiny_project), quiet=True)  # auto: tiny data -> pyshacl
    assert summary["validator"] == "pyshacl"
