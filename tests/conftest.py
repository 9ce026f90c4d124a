"""Shared test fixtures.

Build-pipeline fixtures (this block): ``project_root``, ``sources_dir``, ``built_dataset`` (the real project
built once per session into a tmp dir), ``project_copy`` (a throw-away copy of the real project),
``tiny_project`` (a minimal self-contained project), and ``run_cli`` (run ``python -m mediakg.cli``);
plain helpers ``snapshot`` and ``copy_project``.
Linked-data fixtures: ``build_dir`` (the real build, or the fixture build while the data do not build; see
ld_support.py) and ``store`` (its store, read-only), module-scoped.
Other fixtures are added below their own heading.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from ld_support import linked_data_build
from mediakg.build import build
from mediakg.graph.entail import entail_store
from mediakg.graph.parse import project_inputs
from mediakg.paths import ProjectPaths

REPO = Path(__file__).resolve().parents[1]
#: What a project copy needs (build inputs and the package metadata that marks the root).
PROJECT_PARTS = ("ontology", "shapes", "data", "pyproject.toml")

# Fixtures shared by the modules that need a real Oxigraph server (e.g. `binary`) or a real browser
# (`browser`, `open_page`).
pytest_plugins = ["oxigraph_support", "browser_support"]


# --------------------------------------------------------------------------- build pipeline


@pytest.fixture(scope="session")
def project_root() -> Path:
    """Root of the real project tree (read-only in tests)."""
    return REPO


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    """The folder of source texts that evidence quotes are checked against."""
    return Path(os.environ.get("MEDIAKG_SOURCES", REPO.parent / "shared" / "sources"))


@pytest.fixture(scope="session")
def project_store() -> ox.Store:
    """The ontology and data files in one in-memory pyoxigraph store, one named graph per file, plus the
    entailed graph the build adds (which the questions read), without a build (do not write to it)."""
    st = ox.Store()
    for inp in project_inputs(ProjectPaths(REPO)):
        st.load(path=str(inp.path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(inp.graph))
    entail_store(st)
    return st


@pytest.fixture(scope="session")
def built_dataset(tmp_path_factory: pytest.TempPathFactory, sources_dir: Path) -> Path:
    """Build the real project once per session into a tmp dir; returns the build directory."""
    out = tmp_path_factory.mktemp("build") / "build"
    saved = os.environ.get("MEDIAKG_SOURCES")
    os.environ["MEDIAKG_SOURCES"] = str(sources_dir)
    try:
        build(ProjectPaths(REPO), out, quiet=True)
    finally:
        if saved is None:
            os.environ.pop("MEDIAKG_SOURCES", None)
        else:
            os.environ["MEDIAKG_SOURCES"] = saved
    return out


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Relative path -> (sha256, mtime_ns) of every file below ``folder`` (to prove it was not touched)."""
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def copy_project(src: Path, dest: Path) -> Path:
    """Copy the build inputs of project ``src`` into ``dest`` (created); returns ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        if (src / part).is_dir():
            shutil.copytree(src / part, dest / part)
        elif (src / part).is_file():
            shutil.copy2(src / part, dest / part)
    return dest


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sources_dir: Path) -> Path:
    """A copy of the real project in a tmp dir, made current via MEDIAKG_HOME (build dir inside it)."""
    root = copy_project(REPO, tmp_path / "project")
    monkeypatch.setenv("MEDIAKG_HOME", str(root))
    monkeypatch.setenv("MEDIAKG_SOURCES", str(sources_dir))
    monkeypatch.setenv("MEDIAKG_BUILD_DIR", str(root / "build"))
    return root


# A minimal project: two classes, a handful of shapes, one data file and its source text. Enough to
# exercise every step of the pipeline independently of the real (still growing) data.
TINY_ONTOLOGY = """\
@prefix mkg: <https://w3id.org/mediakg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
mkg:Person a owl:Class ; rdfs:label "person"@en .
mkg:Official a owl:Class ; rdfs:subClassOf mkg:Person ; rdfs:label "official"@en .
mkg:Place a owl:Class ; rdfs:label "place"@en .
mkg:Meeting a owl:Class ; rdfs:label "meeting"@en .
mkg:Evidence a owl:Class ; rdfs:label "evidence"@en .
mkg:SourceDocument a owl:Class ; rdfs:label "source document"@en .
"""
TINY_CONCEPTS = """\
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/mediakg/id/concept/date-basis/stated> a skos:Concept ; skos:prefLabel "stated"@en .
"""
TINY_SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mkg: <https://w3id.org/mediakg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix shp: <https://w3id.org/mediakg/shapes#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
shp:Person a sh:NodeShape ; sh:targetClass mkg:Person ;
  sh:property [ sh:path skos:prefLabel ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype rdf:langString ] ;
  sh:property [ sh:path prov:wasDerivedFrom ; sh:minCount 1 ; sh:message "no source (prov:wasDerivedFrom)" ] .
shp:Meeting a sh:NodeShape ; sh:targetClass mkg:Meeting ;
  sh:property [ sh:path mkg:date ; sh:minCount 1 ; sh:datatype xsd:date ] ;
  sh:property [ sh:path mkg:place ; sh:class mkg:Place ] ;
  sh:property [ sh:path mkg:evidence ; sh:minCount 1 ] .
shp:Evidence a sh:NodeShape ; sh:targetClass mkg:Evidence ;
  sh:property [ sh:path oa:exact ; sh:minCount 1 ; sh:datatype xsd:string ] .
"""
TINY_DATA = """\
@prefix mkg: <https://w3id.org/mediakg/ontology#> .
@prefix source: <https://w3id.org/mediakg/id/source/> .
@prefix person: <https://w3id.org/mediakg/id/person/> .
@prefix place: <https://w3id.org/mediakg/id/place/> .
@prefix meeting: <https://w3id.org/mediakg/id/meeting/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
source:src1 a mkg:SourceDocument ; dct:identifier "src1" .
person:ann-example a mkg:Official ; skos:prefLabel "Ann Example"@en ; prov:wasDerivedFrom source:src1 ;
  mkg:evidence [ a mkg:Evidence ; oa:exact "Ann  Example, the\\nminister" ; dct:source source:src1 ] .
place:townville a mkg:Place ; skos:prefLabel "Townville"@en .
meeting:m1 a mkg:Meeting ; skos:prefLabel "The meeting"@en ; mkg:date "2024-06-27"^^xsd:date ;
  mkg:place place:townville ; prov:wasDerivedFrom source:src1 ;
  mkg:evidence [ a mkg:Evidence ; oa:exact "met in Townville on 27 June 2024" ; dct:source source:src1 ] .
"""
TINY_REFERENCE = """\
@prefix mkg: <https://w3id.org/mediakg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/mediakg/id/place/elsewhere> a mkg:Place ; skos:prefLabel "Elsewhere"@en .
"""
TINY_SOURCE = "Ann Example, the minister,\nmet in   Townville on 27 June 2024 with others.\n"


@pytest.fixture
def tiny_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A minimal valid project (ontology, shapes, one data file, one reference file, one source text) made
    current via MEDIAKG_HOME / MEDIAKG_SOURCES / MEDIAKG_BUILD_DIR; returns its root."""
    root = tmp_path / "tiny"
    files = {
        "pyproject.toml": "[project]\nname = 'tiny'\n",
        "ontology/mediakg.ttl": TINY_ONTOLOGY,
        "ontology/concepts.ttl": TINY_CONCEPTS,
        "shapes/shapes.ttl": TINY_SHAPES,
        "data/src1.ttl": TINY_DATA,
        "data/reference/places.ttl": TINY_REFERENCE,
        "sources/src1.txt": TINY_SOURCE,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    monkeypatch.setenv("MEDIAKG_HOME", str(root))
    monkeypatch.setenv("MEDIAKG_SOURCES", str(root / "sources"))
    monkeypatch.setenv("MEDIAKG_BUILD_DIR", str(root / "build"))
    return root


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m mediakg.cli ARGS`` in the current environment (MEDIAKG_* set by other fixtures)."""

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mediakg.cli", *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=dict(os.environ),
            timeout=120,
        )

    return run


# --------------------------------------------------------------------------- the linked-data build


@pytest.fixture(scope="module")
def build_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build the linked-data, page and export tests run against (served as it is: nothing writes)."""
    return linked_data_build(request, tmp_path_factory)


@pytest.fixture(scope="module")
def store(build_dir: Path) -> ox.Store:
    """The store of ``build_dir``, read-only."""
    return ox.Store.read_only(str(build_dir / "store"))
