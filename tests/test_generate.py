"""benchmarks/generate.py writes a synthetic dataset that has the project's shape: it passes the SHACL shapes
together with the ontology, as the hand-mapped data must."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import RDF, Graph, Namespace

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "generate.py"
MKG = Namespace("https://w3id.org/mediakg/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")
#: Classes the generator promises instances of (so the shapes have focus nodes of every kind).
KINDS = ["State", "StateBody", "Official", "Journalist", "Membership", "Meeting", "Incident"]
KINDS += ["Participation", "Claim", "Statistic", "MonitoringReport", "LegalProvision", "Evidence"]


def _generate(tmp_path: Path, triples: int, seed: int = 1) -> Path:
    out = tmp_path / f"synthetic-{triples}-{seed}.nq"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--triples", str(triples), "--seed", str(seed), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return _generate(tmp_path_factory.mktemp("gen"), 10_000)


def test_size_graphs_and_determinism(generated, tmp_path):
    quads = list(ox.parse(path=str(generated)))
    assert 10_000 <= len(quads) < 10_100  # stops at the first complete entity past the target
    graphs = {q.graph_name.value for q in quads}
    assert "https://w3id.org/mediakg/id/graph/reference-synthetic" in graphs
    assert any("/source/synthetic-monitoring-" in g for g in graphs)
    assert _generate(tmp_path, 10_000).read_bytes() == generated.read_bytes()
    assert _generate(tmp_path, 10_000, seed=2).read_bytes() != generated.read_bytes()


@pytest.mark.skipif(not any((ROOT / "shapes").glob("*.ttl")), reason="shapes/ has no shapes yet")
def test_generated_data_passes_the_shapes(generated):
    data = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        data.parse(path)
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(generated)))
    data.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    shapes = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(path)
    # The shapes have focus nodes of every kind the generator promises.
    kinds = Counter(o for o in data.objects(None, RDF.type))
    for cls in KINDS:
        assert kinds[MKG[cls]] > 0, cls
    assert kinds[MKG.State] == 57
    conforms, report, text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False, inplace=True
    )
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    assert conforms and not results, text[:3000]
