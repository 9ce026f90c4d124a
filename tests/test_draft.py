"""``mediakg draft``: the leave-one-out figures stay at or above the committed ones; the invented example is
drafted as the README walk-through says; unusable inputs get a clear error and exit code, never a
traceback. The command runs as a real process; the figures come from the same code as
benchmarks/bench_draft.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from mediakg.draft.command import reviewer_decides, validate_draft
from mediakg.draft.core import Drafter
from mediakg.draft.evaluate import load_gold, score
from mediakg.draft.graph import load_graph, project_files
from mediakg.draft.render import render
from mediakg.paths import ProjectPaths
from mediakg.validation.quotes import normalise

ROOT = Path(__file__).resolve().parents[1]
SOURCES = Path(os.environ.get("MEDIAKG_SOURCES", ROOT.parent / "shared" / "sources"))
EXAMPLE = ROOT / "examples" / "invented-report.txt"
SOURCE_IDS = sorted(p.stem for p in (ROOT / "data").glob("*.ttl"))
OA = Namespace("http://www.w3.org/ns/oa#")
ID = "https://w3id.org/mediakg/id/"
#: Figures held to the committed results (and the issue's targets: known entities 0.95, dates 0.9).
FIGURES = [
    "known_recall",
    "linked_precision",
    "dates_recall",
    "dates_precision",
    "meetings_recall",
    "meetings_precision",
    "cases_recall",
    "cases_precision",
    "cases_type_agreement",
    "cases_position_agreement",
    "acts_recall",
    "acts_precision",
    "acts_type_agreement",
]
TARGETS = {"known_recall": 0.95, "dates_recall": 0.9}
MKG = Namespace("https://w3id.org/mediakg/ontology#")

needs_sources = pytest.mark.skipif(not SOURCES.is_dir(), reason=f"source texts not found in {SOURCES}")


def committed() -> dict[str, dict]:
    """Per source, the figures of the newest benchmarks/results/draft-*.json."""
    files = sorted((ROOT / "benchmarks" / "results").glob("draft-*.json"))
    assert files, "no committed draft benchmark results (run python benchmarks/bench_draft.py)"
    return {row["source"]: row for row in json.loads(files[-1].read_text())["sources"]}


def run_draft(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mediakg.cli", "draft", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "MEDIAKG_SOURCES": str(SOURCES)},
    )


def quotes_of(turtle: str) -> list[str]:
    graph = Graph()
    graph.parse(data=turtle, format="turtle")
    return [str(q) for q in graph.objects(None, OA.exact)]


def assert_reviewable(turtle: str, text: str) -> None:
    """Every quote occurs in the text as verify-quotes reads it; every block starts under a REVIEW comment."""
    normalised = normalise(text)
    quotes = quotes_of(turtle)
    assert quotes
    missing = [q for q in quotes if normalise(q) not in normalised]
    assert not missing, missing
    lines = turtle.splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^<[^>]+> (a |prov:)", line):
            above = lines[number - 1]
            assert above.startswith("# REVIEW:"), f"block without a REVIEW comment: {line}"


@needs_sources
@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_leave_one_out_figures_hold(source_id: str) -> None:
    reduced = load_graph(project_files(ROOT, [source_id]))
    draft = Drafter(reduced).draft_file(SOURCES / f"{source_id}.txt", source_id)
    turtle = render(draft)
    gold = load_gold(project_files(ROOT), ROOT / "data" / f"{source_id}.ttl", draft.source.text)
    figures = score(draft, gold, reduced)
    before = committed()[source_id]
    for name in FIGURES:
        if before.get(name) is not None:
            assert figures[name] >= before[name] - 1e-9, (name, figures[name], before[name])
    for name, target in TARGETS.items():
        assert figures[name] >= target, (
            name,
            figures[name],
            figures.get("known_missed"),
            figures.get("dates_missed"),
        )
    assert_reviewable(turtle, (SOURCES / f"{source_id}.txt").read_text(encoding="utf-8"))
    assert_case_model(turtle)
    # with the graph, the draft breaks no rule but those a reviewer must decide (who took part in a
    # meeting, a type no label gave); no quote is missing from the text
    review = validate_draft(turtle, draft, ProjectPaths(ROOT), None)
    assert review.engine and not [p.render() for p in review.problems if reviewer_decides(p) is None]


def assert_case_model(turtle: str) -> None:
    """Cases numbered 1..n in text order, each with an act of its own; every act in exactly one case and
    every type of an act on its case; every earliest/latest date with its bound node."""
    graph = Graph()
    graph.parse(data=turtle, format="turtle")
    cases = list(graph.subjects(RDF.type, MKG.Incident))
    positions = sorted(int(graph.value(c, MKG.listPosition)) for c in cases)
    assert positions == list(range(1, len(cases) + 1))
    acts = set(graph.subjects(RDF.type, MKG.Act))
    owners = [(c, a) for c in cases for a in graph.objects(c, MKG.hasAct)]
    assert sorted(str(a) for _, a in owners) == sorted(str(a) for a in acts)
    assert all(any(graph.objects(c, MKG.hasAct)) for c in cases)
    for case, act in owners:
        assert set(graph.objects(act, MKG.incidentType)) <= set(graph.objects(case, MKG.incidentType))
    for side in ("earliest", "latest"):
        for event, value in graph.subject_objects(MKG[f"{side}Date"]):
            bound = graph.value(event, MKG[f"{side}Bound"])
            assert bound is not None and graph.value(bound, MKG.date) == value, (event, side)
            # taken from something the draft describes (its document, its source, an act), not the event
            by = graph.value(bound, MKG.boundedBy)
            assert by is None or (by, RDF.type, None) in graph and by != event, (event, side, by)


@needs_sources
def test_invented_example_as_the_walkthrough_says(tmp_path: Path) -> None:
    out = tmp_path / "invented-report.ttl"
    result = run_draft(str(EXAMPLE), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    turtle = out.read_text(encoding="utf-8")
    assert_reviewable(turtle, EXAMPLE.read_text(encoding="utf-8"))
    graph = Graph()
    graph.parse(data=turtle, format="turtle")
    source = URIRef(ID + "source/invented-report")
    tokayev = URIRef(ID + "person/kassym-jomart-tokayev")
    # the President's name in Kazakh Cyrillic links to the graph's Latin spelling
    assert (tokayev, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), source) in graph
    assert "President Қасым-Жомарт Тоқаев" in turtle
    # a surname alone close to a known journalist is a question, not a link
    assert re.search(r'QUESTION "Toiken" .*id:person/sania-toyken', turtle)
    assert 'QUESTION line 13: "Toiken"' in result.stdout
    # a new journalist; a day resolved by "A day earlier", one by the month the report covers, one bounded by
    # "Earlier"; a month without a year bounded by the document's date; four cases and a meeting
    assert "<person/marat-bekov> a mkg:Journalist" in turtle
    assert re.search(r'"A day earlier" \(line 11\): relative -> 2025-10-08', turtle)
    assert re.search(
        r'"October 2" \(line 13\): --10-02 xsd:gMonthDay .* -> 2025-10-02 xsd:date, basis report-period; '
        r"latest date 2025-10-08",
        turtle,
    )
    assert 'mkg:date "--09"^^xsd:gMonth ;\n    mkg:latestDate "2025-10-15"^^xsd:date' in turtle
    assert turtle.count("a mkg:Incident ;") == 4 and turtle.count("a mkg:Meeting ;") == 1
    # four numbered cases (1. to 4.), five acts: item 2 states an obstruction and police inaction
    assert_case_model(turtle)
    numbers = {
        str(graph.value(c, MKG.caseNumber)): int(graph.value(c, MKG.listPosition))
        for c in graph.subjects(RDF.type, MKG.Incident)
    }
    assert numbers == {"1": 1, "2": 2, "3": 3, "4": 4}
    assert turtle.count("a mkg:Act ;") == 5
    second = next(c for c in graph.subjects(MKG.caseNumber, Literal("2")))
    assert {
        str(t).rsplit("/", 1)[1]
        for a in graph.objects(second, MKG.hasAct)
        for t in graph.objects(a, MKG.incidentType)
    } == {"obstruction", "police-inaction"}
    # the month without a year is bounded by the note's date, with the quote that gives it
    assert "_:bound-1 a mkg:DateBound ;" in turtle and 'oa:exact "15 october 2025"' in turtle
    # the validator ran on the draft with the graph: the one violation left is the reviewer's
    assert "A meeting needs at least one mkg:participation" in result.stdout
    assert "1 violations (1 left to the reviewer on purpose)" in result.stdout
    assert "yours to decide: who took part" in result.stdout


@needs_sources
def test_draft_to_stdout_and_refuses_to_overwrite(tmp_path: Path) -> None:
    result = run_draft(str(EXAMPLE), "--no-validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# DRAFT of data/invented-report.ttl")
    assert "mediakg draft: wrote standard output" in result.stderr
    existing = tmp_path / "mapped.ttl"
    existing.write_text("# a hand mapping\n", encoding="utf-8")
    result = run_draft(str(EXAMPLE), "--out", str(existing), "--no-validate")
    assert result.returncode == 2
    assert "exists; pass --force" in result.stderr
    assert existing.read_text(encoding="utf-8") == "# a hand mapping\n"


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n", encoding="utf-8")
    result = run_draft(str(empty))
    assert result.returncode == 2
    assert f"{empty}: the file is empty" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_binary_file(tmp_path: Path) -> None:
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"%PDF-1.7\n\x00\x01\x02\xff" * 100)
    result = run_draft(str(binary))
    assert result.returncode == 2
    assert "binary file (NUL byte at offset 9), not a text" in result.stderr
    assert "Traceback" not in result.stderr


def test_not_utf8_and_missing(tmp_path: Path) -> None:
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Almaty, 27 June 2024: the café reopened after the événement".encode("latin-1"))
    result = run_draft(str(latin))
    assert result.returncode == 2 and "not UTF-8 text" in result.stderr
    result = run_draft(str(tmp_path / "nowhere.txt"))
    assert result.returncode == 2 and "no such file" in result.stderr


def test_five_megabytes_is_refused_at_once(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    paragraph = (EXAMPLE.read_text(encoding="utf-8") + "\n") if EXAMPLE.is_file() else "Almaty news.\n"
    with big.open("w", encoding="utf-8") as handle:
        while handle.tell() < 5_000_000:
            handle.write(paragraph)
    started = time.perf_counter()
    result = run_draft(str(big), timeout=30)
    assert time.perf_counter() - started < 15
    assert result.returncode == 2
    assert "MB is more than a source text to draft (2 MB at most)" in result.stderr
    assert "Traceback" not in result.stderr


@needs_sources
def test_a_long_text_within_the_stated_time(tmp_path: Path) -> None:
    """A 300 kB text (20 times the invented example, each with other names) drafts in under 30 s."""
    text = tmp_path / "long.txt"
    base = EXAMPLE.read_text(encoding="utf-8")
    text.write_text(
        "\n\n".join(base.replace("Marat Bekov", f"Marat Bekov{chr(65 + n % 26)}") for n in range(250)),
        encoding="utf-8",
    )
    assert text.stat().st_size > 300_000
    started = time.perf_counter()
    result = run_draft(str(text), "--no-validate", "--out", str(tmp_path / "long.ttl"), timeout=60)
    assert result.returncode == 0, result.stderr
    assert time.perf_counter() - started < 30
    assert_reviewable((tmp_path / "long.ttl").read_text(encoding="utf-8"), text.read_text(encoding="utf-8"))
