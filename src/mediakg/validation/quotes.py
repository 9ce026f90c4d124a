"""Check that every evidence quote (``mkg:Evidence`` ``oa:exact``) occurs in the text of its source.

A quote matches when it is a substring of the source text after both have their whitespace runs (spaces,
newlines, tabs) collapsed to one space; everything else (case, curly quotes) must be verbatim.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import DCTERMS, RDF, Graph, Literal
from rdflib.term import Node

from mediakg.errors import MediakgError
from mediakg.graph.merge import merge
from mediakg.graph.namespaces import MKG, OA
from mediakg.graph.parse import project_inputs
from mediakg.graph.terms import anchor, describe
from mediakg.paths import project_paths
from mediakg.progress import VIOLATION, Problem, Progress

COMPONENT = "mkg:QuoteInSourceText"


def normalise(text: str) -> str:
    """Collapse whitespace runs to one space and trim the ends."""
    return " ".join(text.split())


@dataclass
class QuoteCheck:
    """Problems (missing quotes, missing texts) and quotes checked / missing per source id."""

    problems: list[Problem] = field(default_factory=list)
    checked: Counter[str] = field(default_factory=Counter)
    missing: Counter[str] = field(default_factory=Counter)


def source_id(graph: Graph, source: Node) -> str:
    """File id of a source document: its dct:identifier, else the last segment of its IRI."""
    identifier = graph.value(source, DCTERMS.identifier)
    return str(identifier) if identifier is not None else str(source).rstrip("/").rsplit("/", 1)[-1]


class _Texts:
    """Normalised source texts, read once each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cache: dict[str, str | None] = {}

    def get(self, sid: str) -> str | None:
        if sid not in self.cache:
            path = self.folder / f"{sid}.txt"
            self.cache[sid] = normalise(path.read_text(encoding="utf-8")) if path.is_file() else None
        return self.cache[sid]


def check_quotes(graph: Graph, sources: Path, locate: Callable[[Node], str]) -> QuoteCheck:
    """Check every evidence node of ``graph`` against the texts in folder ``sources``.

    ``locate`` names the data file that describes a node (for the problem report).
    """
    if not sources.is_dir():
        raise MediakgError(
            f"sources folder {sources} does not exist (pass --sources DIR or set MEDIAKG_SOURCES)"
        )
    texts = _Texts(sources)
    result = QuoteCheck()
    evidence = set(graph.subjects(RDF.type, MKG.Evidence)) | set(graph.subjects(OA.exact, None))
    for ev in sorted(evidence, key=lambda n: (describe(graph, n), str(n))):
        holder = next(graph.subjects(MKG.evidence, ev), ev)
        where = locate(ev) or locate(anchor(graph, ev))  # a blank node lives in exactly one file
        for source in sorted(graph.objects(ev, DCTERMS.source)):
            sid = source_id(graph, source)
            text = texts.get(sid)
            if text is None:
                result.problems.append(
                    Problem(
                        VIOLATION,
                        f"source text {sid}.txt not found in {sources}",
                        file=where,
                        focus=describe(graph, holder),
                        path="mkg:evidence/dct:source",
                        component=COMPONENT,
                    )
                )
                continue
            for quote in sorted(o for o in graph.objects(ev, OA.exact) if isinstance(o, Literal)):
                result.checked[sid] += 1
                if normalise(str(quote)) not in text:
                    result.missing[sid] += 1
                    result.problems.append(
                        Problem(
                            VIOLATION,
                            f'quote not found in source {sid}: "{quote}"',
                            file=where,
                            focus=describe(graph, holder),
                            path="mkg:evidence/oa:exact",
                            component=COMPONENT,
                        )
                    )
    return result


def cmd_verify_quotes(args: argparse.Namespace) -> int:
    """``mediakg verify-quotes``: report quotes missing from their source texts; exit 1 if any."""
    paths = project_paths()
    sources = Path(args.sources) if args.sources else paths.sources
    if not sources.is_dir():
        raise MediakgError(
            f"sources folder {sources} does not exist (pass --sources DIR or set MEDIAKG_SOURCES)"
        )
    out = Progress()
    merged = merge(project_inputs(paths))
    if merged.problems:
        out.problems(merged.problems)
        raise _parse_failure(len(merged.problems))
    check = check_quotes(merged.union(), sources, merged.locate)
    out.problems(check.problems)
    for sid, count in sorted(check.checked.items()):
        out.say(f"{sid}: {count} quotes checked, {check.missing[sid]} not found")
    total = sum(check.checked.values())
    if check.problems:
        out.say(f"{len(check.problems)} of {total} quotes not found in their sources ({sources})")
        return 1
    out.say(f"all {total} quotes found in their sources ({sources})")
    return 0


def _parse_failure(count: int) -> MediakgError:
    error = MediakgError(f"{count} files could not be parsed")
    error.exit_code = 2
    return error
