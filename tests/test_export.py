"""``mediakg export``: every dump parses back to the build, one CSV row per entity, VoID counts, CBD."""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT

from ld_support import linked_data_build
from mediakg.describe import describe_in_store
from mediakg.errors import MediakgError
from mediakg.export import FORMATS, export_build, load_dataset
from mediakg.export_csv import TABLES
from mediakg.namespaces import MKG

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.fixture(scope="module")
def build_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return linked_data_build(request, tmp_path_factory)


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


def _union(ds: Dataset) -> Graph:
    g = Graph()
    for graph in ds.graphs():
        for t in graph:
            g.add(t)
    return g


@pytest.mark.parametrize("name", ["trig", "nquads"])
def test_quad_dumps_keep_one_graph_per_source(name: str, exported: Path, build: Dataset) -> None:
    fmt = FORMATS[name]
    back = Dataset()
    back.parse(exported / fmt.filename, format=fmt.rdflib_format)
    want, got = _graphs(build), _graphs(back)
    assert sorted(got) == sorted(want)
    assert any("/id/source/" in g for g in got), "no per-source graph in the dump"
    for name_, graph in want.items():
        assert isomorphic(graph, got[name_]), f"graph {name_} differs after the {name} round trip"


@pytest.mark.parametrize("name", ["ttl", "nt", "jsonld"])
def test_triple_dumps_hold_the_union(name: str, exported: Path, build: Dataset) -> None:
    fmt = FORMATS[name]
    back = Graph().parse(exported / fmt.filename, format=fmt.rdflib_format)
    union = _union(build)
    assert len(back) == len(union)
    assert isomorphic(back, union)


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
    table, exported: Path, build_dir: Path, build: Dataset
) -> None:
    with (exported / f"mediakg-{table.name}.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    members = _class_members(build_dir, table.cls)
    assert [r["iri"] for r in rows] == sorted(members)
    union = _union(build)
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


def test_csv_lists_participants_and_dates(exported: Path, build: Dataset) -> None:
    union = _union(build)
    with (exported / "mediakg-meetings.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["iri"]: r for r in csv.DictReader(fh)}
    assert rows, "no meetings in the build"
    for iri, r in rows.items():
        n = len(list(union.objects(URIRef(iri), MKG.participation)))
        assert len(r["participants"].split(" | ")) == n if n else r["participants"] == ""
        date = union.value(URIRef(iri), MKG.date)
        assert r["date"] == (str(date) if date is not None else "")


def test_void_describes_the_dump(exported: Path, build: Dataset) -> None:
    void = Graph().parse(exported / "void.ttl", format="turtle")
    ds = next(void.subjects(RDF.type, VOID.Dataset))
    union = _union(build)
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
        load_dataset(bad)


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


def test_describe_has_closures_labels_and_incoming_links(build_dir: Path, build: Dataset) -> None:
    union = _union(build)
    # An agent that takes part in a meeting: its description must reach the meeting through the participation.
    meeting, participation = next(
        (m, p) for m, p in union.subject_objects(MKG.participation) if union.value(p, MKG.agent) is not None
    )
    agent = union.value(participation, MKG.agent)
    store = ox.Store.read_only(str(build_dir / "store"))
    triples = describe_in_store(store, str(agent))
    g = Graph()
    for t in triples:
        g.add(tuple(_to_rdflib(x) for x in (t.subject, t.predicate, t.object)))
    # own triples
    assert len(list(g.triples((URIRef(str(agent)), None, None)))) == len(
        list(union.triples((agent, None, None)))
    )
    # incoming link through the participation blank node, and the meeting's label and type
    assert (meeting, MKG.participation, None) in g
    assert (meeting, RDF.type, MKG.Meeting) in g
    # evidence closure: every quote of the agent is there
    quotes = {
        str(q)
        for ev in union.objects(agent, MKG.evidence)
        for q in union.objects(ev, URIRef("http://www.w3.org/ns/oa#exact"))
    }
    got = {
        str(q)
        for ev in g.objects(agent, MKG.evidence)
        for q in g.objects(ev, URIRef("http://www.w3.org/ns/oa#exact"))
    }
    assert got == quotes and quotes


def _to_rdflib(term):
    from rdflib import BNode

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    dt = URIRef(term.datatype.value) if term.datatype and not term.language else None
    return Literal(term.value, lang=term.language, datatype=dt)
