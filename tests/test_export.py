"""``mediakg export``: every dump parses back to the build, one CSV row per entity, VoID counts, CBD."""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT

from mediakg.errors import MediakgError
from mediakg.graph.entail import ENTAILED_GRAPH, ENTAILED_PROPERTIES, ENTAILMENT_ACTIVITY
from mediakg.graph.namespaces import MKG
from mediakg.graph.parse import read_quads
from mediakg.publish.describe import DESCRIBE_QUERY, describe_bindings, describe_in_store, describe_query
from mediakg.publish.export import FORMATS, export_build
from mediakg.publish.tables import TABLES

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.fixture(scope="module")
def exported(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    export_build(build_dir, out)
    return out


@pytest.fixture(scope="module")
def build(build_dir: Path) -> Dataset:
    """The build as written by ``mediakg build`` (TriG), independent of the export's N-Quads reader."""
    ds = Dataset()
    ds.parse(build_dir / "dataset.trig", format="trig")
    return ds


def _graphs(ds: Dataset) -> dict[str, Graph]:
    return {str(g.identifier): g for g in ds.graphs() if len(g)}


@pytest.fixture(scope="module")
def union(build: Dataset) -> Graph:
    """The union of the build's graphs (what the triple dumps and the default graph hold)."""
    g = Graph()
    for graph in build.graphs():
        for t in graph:
            g.add(t)
    return g


def _canonical(path: Path, union: bool) -> set[str]:
    """The quads of an RDF file read by pyoxigraph (the dumps are written by rdflib: an independent reader),
    with canonical blank-node labels; ``union`` merges the graphs into the default graph.

    Equal canonical sets mean isomorphic datasets (rdflib's ``isomorphic`` takes ~40 s on the build).
    """
    ds = ox.Dataset()
    for q in ox.parse(path=str(path)):
        ds.add(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) if union else q)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in ds}


@pytest.mark.parametrize("name", ["trig", "nquads"])
def test_quad_dumps_keep_one_graph_per_source(name: str, exported: Path, build_dir: Path) -> None:
    fmt = FORMATS[name]
    want = _canonical(build_dir / "dataset.trig", union=False)
    got = _canonical(exported / fmt.filename, union=False)
    graphs = {q.graph_name.value for q in ox.parse(path=str(exported / fmt.filename))}
    assert any("/id/source/" in g for g in graphs), "no per-source graph in the dump"
    assert len(got) == len(want)
    assert got == want, f"the {name} dump differs from the build: {sorted(got ^ want)[:5]}"
    back = Dataset()  # rdflib reads it too
    back.parse(exported / fmt.filename, format=fmt.rdflib_format)
    assert sorted(_graphs(back)) == sorted(graphs)


@pytest.mark.parametrize("name", ["ttl", "nt", "jsonld"])
def test_triple_dumps_hold_the_union(name: str, exported: Path, build_dir: Path, union: Graph) -> None:
    fmt = FORMATS[name]
    got = _canonical(exported / fmt.filename, union=True)
    want = _canonical(build_dir / "dataset.trig", union=True)
    assert len(got) == len(want) == len(union)
    assert got == want, f"the {name} dump differs from the union of the build: {sorted(got ^ want)[:5]}"
    back = Graph().parse(exported / fmt.filename, format=fmt.rdflib_format)  # rdflib reads it too
    assert len(back) == len(union)


def test_every_dump_has_an_identical_gzip_twin(exported: Path) -> None:
    files = [p for p in exported.iterdir() if p.is_file() and p.suffix not in (".gz", ".json")]
    assert len(files) >= 6
    for path in files:
        assert gzip.decompress((exported / (path.name + ".gz")).read_bytes()) == path.read_bytes()


def _class_members(build_dir: Path, cls: URIRef) -> set[str]:
    """Members of ``cls`` or its sub-classes, counted by oxigraph (independently of the CSV code)."""
    store = ox.Store.read_only(str(build_dir / "store"))
    q = f"""SELECT DISTINCT ?s WHERE {{ ?s a ?t . ?t <{RDFS.subClassOf}>* <{cls}>
             FILTER(isIRI(?s)) }}"""
    return {row["s"].value for row in store.query(q, use_default_graph_as_union=True)}


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_csv_has_one_row_per_entity_of_its_class(
    table, exported: Path, build_dir: Path, union: Graph
) -> None:
    with (exported / f"mediakg-{table.name}.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    members = _class_members(build_dir, table.cls)
    assert [r["iri"] for r in rows] == sorted(members)
    for r in rows:
        iri = URIRef(r["iri"])
        assert r["label"] == str(
            union.value(iri, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")) or ""
        )
        sources = {
            str(s).rsplit("/", 1)[-1]
            for s in union.objects(iri, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
        }
        assert set(filter(None, r["source_ids"].split(" | "))) == sources


def test_csv_lists_participants_and_dates(exported: Path, union: Graph) -> None:
    with (exported / "mediakg-meetings.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["iri"]: r for r in csv.DictReader(fh)}
    assert rows, "no meetings in the build"
    for iri, r in rows.items():
        n = len(list(union.objects(URIRef(iri), MKG.participation)))
        assert len(r["participants"].split(" | ")) == n if n else r["participants"] == ""
        date = union.value(URIRef(iri), MKG.date)
        assert r["date"] == (str(date) if date is not None else "")


PROV_GENERATED = URIRef("http://www.w3.org/ns/prov#wasGeneratedBy")


def test_void_describes_the_dump(exported: Path, build: Dataset, union: Graph) -> None:
    void = Graph().parse(exported / "void.ttl", format="turtle")
    ds = next(void.subjects(RDF.type, VOID.Dataset))
    assert int(void.value(ds, VOID.triples)) == len(union)
    partitions = {
        void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
        for p in void.objects(ds, VOID.classPartition)
    }
    assert partitions[MKG.Meeting] == len(set(union.subjects(RDF.type, MKG.Meeting)))
    subsets = {
        str(void.value(s, SD.name)): int(void.value(s, VOID.triples)) for s in void.objects(ds, VOID.subset)
    }
    assert subsets == {name: len(g) for name, g in _graphs(build).items()}
    # the entailed graph says it was computed by the build, and claims no source
    entailed = next(s for s in void.objects(ds, VOID.subset) if str(void.value(s, SD.name)) == ENTAILED_GRAPH)
    assert void.value(entailed, PROV_GENERATED) == URIRef(ENTAILMENT_ACTIVITY)
    assert void.value(entailed, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")) is None
    dumps = {str(u).rsplit("/", 1)[-1] for u in void.objects(ds, VOID.dataDump)}
    assert {"mediakg.ttl", "mediakg.nt", "mediakg.jsonld", "mediakg.trig", "mediakg.nq"} <= dumps
    media = {
        str(void.value(d, DCAT.mediaType)).split("media-types/")[1]
        for d in void.objects(ds, DCAT.distribution)
    }
    assert {"text/turtle", "application/n-quads", "text/csv"} <= media
    assert void.value(ds, VOID.sparqlEndpoint) is not None
    sources = set(union.subjects(RDF.type, MKG.SourceDocument))
    assert set(void.objects(ds, URIRef("http://purl.org/dc/terms/source"))) == sources
    vocabularies = {str(v) for v in void.objects(ds, VOID.vocabulary)}
    assert {"http://www.w3.org/2004/02/skos/core", "http://www.w3.org/ns/org"} <= vocabularies
    created = void.value(ds, URIRef("http://purl.org/dc/terms/created"))
    assert isinstance(created, Literal) and str(created)[:4].isdigit()


def test_export_of_a_missing_build_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(MediakgError, match=str(tmp_path)):
        export_build(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_load_dataset_reports_the_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.trig"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(MediakgError, match="bad.trig"):
        read_quads(bad)


def test_cli_writes_only_the_requested_formats(build_dir: Path, tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("MEDIAKG_BUILD_DIR", str(build_dir))
    if not (build_dir / "summary.json").read_text().count("inputs"):
        pytest.skip("the real data does not build yet: `mediakg export` would try to rebuild it")
    out = tmp_path / "dumps"
    result = run_cli("export", "--format", "ttl", "--format", "csv", "--out", str(out))
    assert result.returncode == 0, result.stderr
    names = {p.name for p in out.iterdir()}
    assert {"mediakg.ttl", "mediakg.ttl.gz", "mediakg-meetings.csv", "void.ttl", "manifest.json"} <= names
    assert not names & {"mediakg.nt", "mediakg.trig", "mediakg.nq", "mediakg.jsonld"}
    assert str(out / "mediakg.ttl") in result.stdout
    assert os.environ.get("MEDIAKG_BUILD_DIR") == str(build_dir)


# --------------------------------------------------------------------------- the concise bounded description


def _description(store: ox.Store, iri: str) -> Graph:
    g = Graph()
    for t in describe_in_store(store, iri):
        g.add(tuple(_to_rdflib(x) for x in (t.subject, t.predicate, t.object)))
    return g


OA_EXACT = URIRef("http://www.w3.org/ns/oa#exact")


def test_describe_has_closures_labels_and_incoming_links(store: ox.Store, union: Graph) -> None:
    # An agent with evidence that takes part in a meeting (chosen from whatever the data holds, in IRI order):
    # its description must reach the meeting through the participation blank node.
    candidates = sorted(
        (agent, meeting, participation)
        for meeting, participation in union.subject_objects(MKG.participation)
        if (meeting, RDF.type, MKG.Meeting) in union
        for agent in union.objects(participation, MKG.agent)
        if isinstance(agent, URIRef) and any(union.objects(agent, MKG.evidence))
    )
    assert candidates, "no agent with evidence takes part in a meeting in the build"
    agent, meeting, participation = candidates[0]
    g = _description(store, str(agent))
    # own triples as the sources state them (blank nodes compared as such: their labels differ between the
    # two readers), without the build's entailments, which the store holds for the agent too
    entailed = {URIRef(p) for p in ENTAILED_PROPERTIES}
    assert any(p in entailed for p in union.predicates(agent, None))
    own = {
        (p, "_:b" if isinstance(o, BNode) else o)
        for _, p, o in union.triples((agent, None, None))
        if p not in entailed
    }
    assert {(p, "_:b" if isinstance(o, BNode) else o) for _, p, o in g.triples((agent, None, None))} == own
    assert not any(p in entailed for p in g.predicates())
    # incoming link through the participation blank node, and the meeting's label and type
    assert (meeting, MKG.participation, None) in g
    assert (meeting, RDF.type, MKG.Meeting) in g
    assert set(g.objects(meeting, SKOS_PREF)) == set(union.objects(meeting, SKOS_PREF))
    # evidence closure: every quote of the agent is there
    quotes = {str(q) for ev in union.objects(agent, MKG.evidence) for q in union.objects(ev, OA_EXACT)}
    got = {str(q) for ev in g.objects(agent, MKG.evidence) for q in g.objects(ev, OA_EXACT)}
    assert got == quotes and quotes


SKOS_PREF = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")


def test_describe_binds_the_entity_by_substitution() -> None:
    """pyoxigraph binds ``?e`` of the constant CONSTRUCT text before evaluation: only that entity's
    description comes back, and the same as with the IRI written into the query."""
    ex = "http://example.org/"
    store = ox.Store()
    store.load(
        f"""<{ex}a> <{ex}p> "A" ; <{ex}q> [ <{ex}r> <{ex}b> ] . <{ex}b> <{ex}p> "B" .
        <{ex}c> <{ex}p> "C" ; <{ex}link> <{ex}a> .""".encode(),
        format=ox.RdfFormat.TURTLE,
    )
    for name in ("a", "b", "c"):
        triples = {str(t) for t in describe_in_store(store, ex + name)}
        pasted = {str(t) for t in store.query(describe_query(ex + name))}
        assert triples == pasted
        assert f'<{ex}{name}> <{ex}p> "{name.upper()}"' in triples
        others = {n for n in "abc" if f'<{ex}{n}> <{ex}p> "{n.upper()}"' in triples} - {name}
        # b is described from a's blank node by label only (p is not a label property): no other entity
        assert not others, f"the description of {name} holds the triples of {others}"
    assert describe_bindings(ex + "a") == {"e": f"<{ex}a>"}
    assert f"<{ex}" not in DESCRIBE_QUERY


def test_describe_query_is_the_same_with_the_iri_bound_or_written_in(store: ox.Store) -> None:
    """For every IRI of the build: the constant query with ``?e`` substituted equals the query with the IRI
    written in (two evaluation paths of oxigraph: bound at the start vs. constant in the plan)."""
    iris = sorted(
        r["s"].value
        for r in store.query(
            "SELECT DISTINCT ?s WHERE { { ?s ?p ?o } UNION { ?x ?y ?s } FILTER(isIRI(?s)) }",
            use_default_graph_as_union=True,
        )
    )
    assert len(iris) > 10
    differ = [
        iri
        for iri in iris
        if {str(t) for t in describe_in_store(store, iri)}
        != {str(t) for t in store.query(describe_query(iri), use_default_graph_as_union=True)}
    ]
    assert not differ, differ[:5]


def _to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    dt = URIRef(term.datatype.value) if term.datatype and not term.language else None
    return Literal(term.value, lang=term.language, datatype=dt)
