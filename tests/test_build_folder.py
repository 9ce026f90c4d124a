"""The build folder (:class:`mediakg.folder.BuildFolder`): its fingerprint follows the build and nothing
else, a failed build writes nothing, the exports agree with the build's base IRI, and serving (a build, a
dataset file) never writes into the folder it serves.

Servers are real ``mediakg serve`` processes on 127.0.0.1 (tests/service_fixtures.py)."""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from conftest import snapshot
from mediakg.build import BuildFailed, build, ensure_build
from mediakg.folder import OUTPUTS, BuildFolder
from mediakg.graph.namespaces import ID_BASE, MKG
from mediakg.paths import ProjectPaths
from mediakg.publish.export import FORMATS
from mediakg.publish.tables import TABLES
from service_fixtures import start_server

VOID = Namespace("http://rdfs.org/ns/void#")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def void_dataset(g: Graph) -> URIRef:
    (dataset,) = set(g.subjects(RDF_TYPE, VOID.Dataset)) - set(g.objects(None, VOID.subset))
    return dataset  # type: ignore[return-value]


# --------------------------------------------------------------------------- the fingerprint


def test_fingerprint_changes_exactly_when_the_build_changes(tiny_project: Path) -> None:
    paths = ProjectPaths(tiny_project)
    folder = BuildFolder(ensure_build(paths))
    assert folder.is_complete() and sorted(p.name for p in folder.path.iterdir()) == sorted(OUTPUTS)
    first = folder.fingerprint()
    # nothing changed: no new build, the same fingerprint (also after a touch: it is a content hash)
    assert BuildFolder(ensure_build(paths)).fingerprint() == first
    os.utime(folder.summary_file)
    assert folder.fingerprint().digest == first.digest
    # an input changes: a new build, another fingerprint
    data = tiny_project / "data" / "src1.ttl"
    data.write_text(data.read_text() + "\n# a comment changes the hash\n")
    second = BuildFolder(ensure_build(paths)).fingerprint()
    assert second.digest != first.digest
    assert BuildFolder(ensure_build(paths)).fingerprint() == second
    # another base IRI asked for: a new build
    third = BuildFolder(ensure_build(paths, base_iri=ID_BASE + "person/")).fingerprint()
    assert third.digest not in (first.digest, second.digest)
    assert BuildFolder(ensure_build(paths, base_iri=ID_BASE + "person/")).fingerprint() == third
    assert BuildFolder(ensure_build(paths)).fingerprint() == third  # no base asked for: any will do


def test_the_build_writes_everything_the_service_serves(tiny_project: Path) -> None:
    build(ProjectPaths(tiny_project), quiet=True)
    folder = BuildFolder(tiny_project / "build")
    manifest = folder.manifest()
    assert manifest is not None and manifest["build_hash"] == folder.summary()["dataset_sha256"]  # type: ignore[index]
    for dump in manifest["dumps"]:
        plain = folder.dump(dump["filename"]).read_bytes()
        assert len(plain) == dump["size"]
        assert gzip.decompress(folder.dump(dump["filename"] + ".gz").read_bytes()) == plain
    assert folder.dump("mediakg.nq").read_bytes() == folder.nquads.read_bytes()
    assert folder.void_file.is_file() and folder.dataset_file() == folder.nquads


# --------------------------------------------------------------------------- a failed build writes nothing


def test_create_writes_nothing_when_the_block_fails(tmp_path: Path) -> None:
    out = tmp_path / "build"
    with pytest.raises(RuntimeError), BuildFolder.create(out) as folder:
        folder.nquads.write_text("half\n")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []
    out.mkdir()
    (out / "summary.json").write_text("{}")
    before = snapshot(out)
    with pytest.raises(RuntimeError), BuildFolder.create(out) as folder:
        folder.summary_file.write_text('{"new": 1}')
        raise RuntimeError("stop")
    assert snapshot(out) == before and [p.name for p in tmp_path.iterdir()] == ["build"]


def test_a_failed_build_writes_nothing(tiny_project: Path) -> None:
    """Invalid data fails the build after the statements were written into the temporary folder: neither the
    build folder nor any temporary sibling remains."""
    data = tiny_project / "data" / "src1.ttl"
    data.write_text(data.read_text().replace("mkg:place place:townville", "mkg:place person:ann-example"))
    with pytest.raises(BuildFailed, match="nothing written"):
        build(ProjectPaths(tiny_project), quiet=True)
    assert sorted(p.name for p in tiny_project.iterdir()) == [
        "data",
        "ontology",
        "pyproject.toml",
        "shapes",
        "sources",
    ]


# --------------------------------------------------------------------------- base_iri


BASE = ID_BASE + "person/"  # a base that covers only part of the data: the counts must follow it


@pytest.fixture
def servable(tiny_project: Path, project_root: Path) -> Path:
    """The tiny project with the real questions (the service reads queries/ of the current project)."""
    shutil.copytree(project_root / "queries", tiny_project / "queries")
    return tiny_project


@pytest.fixture
def person_build(servable: Path) -> BuildFolder:
    build(ProjectPaths(servable), quiet=True, base_iri=BASE)
    return BuildFolder(servable / "build")


def _persons(folder: BuildFolder) -> set[str]:
    """Subject IRIs under BASE, counted by oxigraph from the build's store (independently of the export)."""
    store = ox.Store.read_only(str(folder.store))
    rows = store.query(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }", use_default_graph_as_union=True
    )
    return {r["s"].value for r in rows if r["s"].value.startswith(BASE)}


def test_the_exports_describe_the_builds_base_iri(person_build: BuildFolder) -> None:
    assert person_build.summary()["base_iri"] == person_build.base_iri() == BASE  # type: ignore[index]
    persons = _persons(person_build)
    assert persons == {BASE + "ann-example"}
    void = Graph().parse(person_build.void_file, format="turtle")
    dataset = void_dataset(void)
    assert str(dataset) == BASE + "dataset/mediakg"
    assert void.value(dataset, VOID.uriSpace) == Literal(BASE)
    assert int(void.value(dataset, VOID.entities)) == len(persons)
    assert str(void.value(dataset, VOID.exampleResource)) == min(persons)
    manifest = person_build.manifest()
    assert manifest["base_iri"] == BASE and manifest["stats"]["entities"] == len(persons)  # type: ignore[index]


def test_the_service_serves_the_base_iri_its_build_describes(person_build: BuildFolder) -> None:
    with (
        start_server(person_build.path, workers=1) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        void = Graph().parse(data=client.get("/.well-known/void").text, format="turtle")
        assert void.value(void_dataset(void), VOID.uriSpace) == Literal(BASE)
        dumped = Graph().parse(data=client.get("/download/void.ttl").text, format="turtle")
        assert dumped.value(void_dataset(dumped), VOID.uriSpace) == Literal(BASE)
        page = client.get("/id/ann-example", headers={"Accept": "application/n-triples"})
        assert page.status_code == 200 and f"<{BASE}ann-example>" in page.text  # /id/<path> is BASE + path
        assert (
            client.get("/id/dataset/mediakg", follow_redirects=False)
            .headers["location"]
            .endswith("/.well-known/void")
        )


def test_the_service_serves_the_questions_and_shapes_its_build_was_made_with(
    person_build: BuildFolder, servable: Path
) -> None:
    checkout_queries = sorted(p.name for p in (servable / "queries").glob("*.rq"))
    assert sorted(p.name for p in person_build.queries.glob("*.rq")) == checkout_queries
    shapes = servable / "shapes" / "shapes.ttl"
    assert (person_build.shapes / "shapes.ttl").read_bytes() == shapes.read_bytes()
    # the checkout moves on after the build: the service keeps serving what the build holds
    (servable / "queries" / "people-search.rq").unlink()
    shapes.write_text(
        shapes.read_text() + "\nshp:CheckoutOnly a sh:NodeShape ; sh:targetClass mkg:Meeting .\n"
    )
    with (
        start_server(person_build.path, workers=1) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        listed = {q["name"] for q in client.get("/api").json()["questions"]}
        assert "people-search" in listed and len(listed) == len(checkout_queries)
        assert client.get("/api/people-search", params={"name": "Ann"}).status_code == 200
        served = client.get("/shapes", headers={"Accept": "text/turtle"}).text
        assert "sh:targetClass mkg:Person" in served and "CheckoutOnly" not in served


def test_serving_a_build_with_another_base_iri_is_refused(person_build: BuildFolder, tmp_path: Path) -> None:
    env = dict(os.environ, MEDIAKG_SERVICE_BASE_IRI=ID_BASE)
    result = subprocess.run(
        [sys.executable, "-m", "mediakg.cli", "serve", "--port", "0", "--data", str(person_build.path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"was built with base IRI {BASE}" in result.stderr
    assert f"mediakg build --base-iri {ID_BASE}" in result.stderr and "Traceback" not in result.stderr


def test_build_command_takes_the_base_iri(tiny_project: Path, run_cli) -> None:
    result = run_cli("build", "--quiet", "--base-iri", BASE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert BuildFolder(tiny_project / "build").base_iri() == BASE


# --------------------------------------------------------------------------- serving only reads


@pytest.fixture
def read_only_build(servable: Path, tmp_path: Path) -> Iterator[Path]:
    """A build, then every file and folder in it made read-only (back to writable at the end, so that the
    temporary folder can be removed). As root the permissions do not stop a write: the tests compare the
    folder's content and times before and after instead, which holds for any user."""
    build(ProjectPaths(servable), quiet=True)
    folder = tmp_path / "served"
    shutil.copytree(servable / "build", folder)
    paths = [folder, *folder.rglob("*")]
    for path in paths:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    yield folder
    for path in paths:
        if path.exists():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


#: Every file a build's export offers (the CSV dump is one file per table).
DOWNLOADS = [
    *(fmt.filename for fmt in FORMATS.values() if fmt.format is not None),
    *(f"mediakg-{table.name}.csv" for table in TABLES),
    "void.ttl",
]


def _every_download(client: httpx.Client) -> list[str]:
    """GET the download page, VoID, each download (plain, .gz, gzip-encoded) and a few pages; the failures."""
    urls = ["/download", "/.well-known/void", "/", "/context.jsonld"]
    urls += [f"/download/{name}{suffix}" for name in DOWNLOADS for suffix in ("", ".gz")]
    failures = [f"{url}: {r.status_code}" for url in urls if (r := client.get(url)).status_code != 200]
    page = client.get("/download").text
    for name in DOWNLOADS:
        r = client.get(f"/download/{name}", headers={"Accept-Encoding": "gzip"})
        if r.status_code != 200 or (name != "void.ttl" and f'href="/download/{name}"' not in page):
            failures.append(f"{name}: gzip-encoded {r.status_code}, or not on the download page")
    return failures


def test_serving_never_writes_into_the_build_folder(read_only_build: Path) -> None:
    before = snapshot(read_only_build)
    listing = sorted(str(p.relative_to(read_only_build)) for p in read_only_build.rglob("*"))
    with start_server(read_only_build, workers=1) as base, httpx.Client(base_url=base, timeout=30) as client:
        assert _every_download(client) == []
        assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    assert sorted(str(p.relative_to(read_only_build)) for p in read_only_build.rglob("*")) == listing
    assert snapshot(read_only_build) == before


def test_a_served_dataset_file_gets_its_dumps_without_writing_beside_it(
    servable: Path, tmp_path: Path
) -> None:
    """``serve --data FILE``: the file becomes a snapshot in a temporary folder (dumps, VoID, with the
    entailed graph the build would add) before the service starts; nothing is written next to the file, and
    the temporary folder is gone when the service stops."""
    data = tmp_path / "data" / "people.ttl"
    data.parent.mkdir()
    data.write_text(
        f"@prefix mkg: <{MKG}> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        f'<{ID_BASE}person/a> a mkg:Official ; skos:prefLabel "A"@en .\n',
        encoding="utf-8",
    )
    before = snapshot(data.parent)
    scratch = set(Path(tempfile.gettempdir()).glob("mediakg-data-*"))
    with start_server(data, workers=1) as base, httpx.Client(base_url=base, timeout=30) as client:
        assert set(Path(tempfile.gettempdir()).glob("mediakg-data-*")) > scratch  # the snapshot
        assert _every_download(client) == []
        dump = client.get("/download/mediakg.nq").content
        served = {str(q) for q in ox.parse(dump, format=ox.RdfFormat.N_QUADS)}
        assert any(f"<{ID_BASE}person/a> <{MKG}instanceOf> <{MKG}Official>" in q for q in served)
        (row,) = ox.parse_query_results(
            client.get(
                "/sparql",
                params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ <{ID_BASE}person/a> ?p ?o }}"},
                headers={"Accept": "application/sparql-results+json"},
            ).content,
            format=ox.QueryResultsFormat.JSON,
        )
        assert int(row["n"].value) == len([q for q in served if q.startswith(f"<{ID_BASE}person/a> ")])
    assert snapshot(data.parent) == before
    assert set(Path(tempfile.gettempdir()).glob("mediakg-data-*")) <= scratch


def test_export_command_lists_the_builds_dumps_without_writing(tiny_project: Path, run_cli: Callable) -> None:
    build(ProjectPaths(tiny_project), quiet=True)
    before = snapshot(tiny_project / "build")
    result = run_cli("export", "--format", "ttl")
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(tiny_project / "build" / "export" / "mediakg.ttl") in result.stdout
    assert "mediakg.nt" not in result.stdout
    assert snapshot(tiny_project / "build") == before
