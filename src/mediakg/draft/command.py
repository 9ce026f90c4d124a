"""``mediakg draft TEXT [--id ID] [--out FILE] [--graph PATH]``: write the Turtle skeleton of data/<id>.ttl,
validate it together with the graph, and print what a reviewer must still decide.

Exit codes: 0 the draft was written (its open points are printed); 2 the text or the graph cannot be used
(missing, empty, binary, not UTF-8, too large; the output exists); 1 the draft itself does not parse or a
quote of it is not found in the text (a bug of draft: please report it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from mediakg.draft.core import Draft, Drafter
from mediakg.draft.graph import graph_files, load_graph, project_files
from mediakg.draft.render import render
from mediakg.errors import UsageError
from mediakg.paths import ProjectPaths, project_paths
from mediakg.progress import PARSE, VIOLATION, Problem

COMPONENT_QUOTE = "mkg:QuoteInSourceText"
#: What a draft leaves open on purpose, because the text does not settle it without a reader: (kind of the
#: node, property) -> what the reviewer decides. Any other violation is worth a look at the draft's code.
REVIEWER_DECIDES = {
    ("meeting", "mkg:participation"): "who took part, and in which post (mkg:inCapacityOf a membership)",
    ("incident", "mkg:incidentType"): "no incident-type label in its sentences: choose its type",
    ("act", "mkg:incidentType"): "no incident-type label in its sentences: choose its type",
}


@dataclass
class Review:
    """What the validator says of the draft with the graph."""

    problems: list[Problem] = field(default_factory=list)
    engine: str = ""
    seconds: float = 0.0

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == VIOLATION]


def cmd_draft(args: argparse.Namespace) -> int:
    """Run ``mediakg draft``."""
    paths = project_paths()
    text = Path(args.text)
    source_id = args.id or text.stem
    if not source_id.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise UsageError(f"--id {source_id!r}: use letters, digits, '_', '-' or '.' only")
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not args.force:
        raise UsageError(f"{out}: exists; pass --force to overwrite it (a hand mapping would be lost)")
    files = (
        [f for g in args.graph for f in graph_files(Path(g))]
        if args.graph
        else project_files(paths.root, [source_id])
    )
    graph = load_graph(files)
    draft = Drafter(graph).draft_file(text, source_id)
    turtle = render(draft)
    report = sys.stdout if out is None else sys.stdout
    if out is None:
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.write(turtle)
            sys.stdout.flush()
        report = sys.stderr
    else:
        _write_atomically(out, turtle)
    review = None if args.no_validate else validate_draft(turtle, draft, paths, files if args.graph else None)
    try:
        _summary(draft, review, out, report)
    except BrokenPipeError:  # the reader stopped early (| head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), report.fileno())
    if review and any(p.kind == PARSE or p.component == COMPONENT_QUOTE for p in review.problems):
        return 1
    return 0


def _write_atomically(out: Path, text: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=out.parent, delete=False, suffix=".tmp"
    ) as tmp:
        tmp.write(text)
    os.replace(tmp.name, out)


@contextlib.contextmanager
def _workspace(turtle: str, draft: Draft, paths: ProjectPaths) -> Iterator[tuple[Path, Path]]:
    """A temporary data/<id>.ttl holding the draft, and a sources folder with the project's texts and this
    one as <id>.txt (so that the quote check finds them all)."""
    with tempfile.TemporaryDirectory(prefix="mediakg-draft-") as tmp:
        folder = Path(tmp)
        draft_file = folder / "data" / f"{draft.source.id}.ttl"
        draft_file.parent.mkdir()
        draft_file.write_text(turtle, encoding="utf-8")
        sources = folder / "sources"
        sources.mkdir()
        if paths.sources.is_dir():
            for text in paths.sources.glob("*.txt"):
                (sources / text.name).symlink_to(text.resolve())
        target = sources / f"{draft.source.id}.txt"
        target.unlink(missing_ok=True)
        target.symlink_to(draft.source.path.resolve())
        yield draft_file, sources


def validate_draft(turtle: str, draft: Draft, paths: ProjectPaths, graph: list[Path] | None) -> Review:
    """The shapes and the quote check over the draft together with the graph; the problems that concern
    the draft (those located in it)."""
    from mediakg.graph.merge import merge
    from mediakg.graph.namespaces import source_iri
    from mediakg.graph.parse import QUAD_FORMATS, InputFile, project_inputs, rdf_format
    from mediakg.validation.shacl import load_shapes, validate

    started = time.perf_counter()
    with _workspace(turtle, draft, paths) as (draft_file, sources):
        display = f"draft of data/{draft.source.id}.ttl"
        extra = [InputFile(draft_file, source_iri(draft.source.id), display)]
        if graph is None:
            inputs = project_inputs(paths)
        else:
            inputs = [
                InputFile(p, None if rdf_format(p) in QUAD_FORMATS else source_iri(p.stem), str(p))
                for p in graph
            ]
            inputs += [i for i in project_inputs(paths) if i.path.parent == paths.ontology]
        merged = merge(inputs, extra)
        shapes = load_shapes([InputFile(p, None, p.name) for p in sorted(paths.shapes.glob("*.ttl"))])
        if merged.problems or shapes.problems:
            return Review(
                [p for p in merged.problems + shapes.problems], "parse", time.perf_counter() - started
            )
        outcome = validate(merged, shapes.graph, sources)
    mine = [p for p in outcome.problems if display in p.file or f"source/{draft.source.id}" in p.focus]
    return Review(mine, outcome.engine, time.perf_counter() - started)


def _summary(draft: Draft, review: Review | None, out: Path | None, stream: TextIO) -> None:
    def say(line: str = "") -> None:
        print(line, file=stream, flush=True)

    where = str(out) if out else "standard output"
    say(
        f"mediakg draft: wrote {where} in {draft.seconds:.2f} s: {len(draft.linked())} known entities, "
        f"{len(draft.new)} new names, {len(draft.dates)} date expressions, {draft.counts()}, "
        f"{len(draft.questions)} questions"
    )
    say("A reviewer must still decide:")
    say(
        "  - every block under a '# REVIEW:' comment: keep, correct or delete it (labels of meetings, cases "
        "and acts are placeholders; split or merge acts as the text tells them)"
    )
    for q in draft.questions:
        names = [
            draft.graph.entities[c].label if c in draft.graph.entities else c.removeprefix("new:")
            for c in q.candidates
        ]
        say(
            f'  - QUESTION line {draft.line_of(q.start)}: "{q.surface}" same as '
            f"{' or '.join(map(repr, names))}? ({q.why})"
        )
    if review is None:
        say("  (validation skipped: run mediakg validate on the draft)")
        return
    violations = review.violations
    left = sum(reviewer_decides(p) is not None for p in violations)
    say(
        f"  - what the shapes ask for ({review.engine}, {review.seconds:.1f} s): "
        f"{len(violations)} violations ({left} left to the reviewer on purpose), "
        f"{len(review.problems) - len(violations)} warnings in the draft"
    )
    for problem in sorted(review.problems, key=lambda p: (p.kind != PARSE, p.kind != VIOLATION, p.focus)):
        line = problem.render().replace(f"  [draft of data/{draft.source.id}.ttl]", "")
        yours = reviewer_decides(problem)
        say("      " + line + (f" -> yours to decide: {yours}" if yours else ""))


def reviewer_decides(problem: Problem) -> str | None:
    """What the reviewer must decide for a violation the draft leaves open on purpose; None for another."""
    kind = problem.focus.removeprefix("id:").split("/", 1)[0]
    if problem.message.startswith("Missing date:"):
        return "the text gives it no date and no bound: find one, or leave the event out"
    return REVIEWER_DECIDES.get((kind, problem.path))
