"""Validate one file handed over in memory (a contributor's upload to ``POST /validate``) together with the
data a service serves, the way ``mediakg validate FILE`` validates a file together with the project's data.

The served dataset (a build's ``dataset.nq``, or the RDF file the service was given) is split into one part
per named graph: a problem then names the graph its node comes from (``served graph id:source/…``), and the
posted file replaces the served graphs it fills, as a data file given to ``mediakg validate`` replaces
the one it is a draft of (a triple file named ``<id>.ttl`` fills ``id:source/<id>``). The entailed graph is
left out and computed again over the whole. The same parser path, checks and messages as the command line:
:func:`mediakg.graph.parse.parse_file` (with its untrusted-input rules), the shapes and the quote check.
Nothing is written anywhere.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from mediakg.errors import MediakgError
from mediakg.graph.entail import ENTAILED_GRAPH
from mediakg.graph.merge import combine
from mediakg.graph.namespaces import source_iri
from mediakg.graph.parse import QUAD_FORMATS, InputFile, ParsedFile, parse_file, rdf_format
from mediakg.progress import PARSE, VIOLATION, WARNING, Problem
from mediakg.validation.quotes import check_quotes
from mediakg.validation.shacl import load_shapes, short, validate

#: Most problems a report lists (a 2 MB file can break a rule on every line); the counts are complete.
MAX_PROBLEMS = 1000
_ORDER = {PARSE: 0, VIOLATION: 1, WARNING: 2}


@dataclass
class PostedReport:
    """What validating a posted file found. ``parsed`` False: it did not parse (``problems`` says where)
    and nothing was validated. ``problems`` lists at most :data:`MAX_PROBLEMS`, violations first and the
    posted file's own before those located in the served data; the counts are over all of them."""

    file: str
    format: str
    parsed: bool = False
    triples: int = 0
    graphs: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    data_triples: int = 0
    engine: str = ""
    problems: list[Problem] = field(default_factory=list)
    violations: int = 0
    warnings: int = 0
    quotes_checked: dict[str, int] = field(default_factory=dict)
    quotes_unchecked: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def conforms(self) -> bool:
        return self.parsed and self.violations == 0

    def in_file(self, problem: Problem) -> bool:
        """Whether ``problem`` is located in the posted file (else only in the served data)."""
        return self.file in problem.file.split(", ")


def posted_input(data: bytes, name: str) -> InputFile:
    """The in-memory file ``name`` (``004_5fc3c1fc3dcca73a.ttl``: its extension says the format; a triple
    format fills the graph ``id:source/<stem>``, as the file would in ``data/``). Raises UsageError for an
    unknown extension."""
    path = Path(name)
    graph = None if rdf_format(path) in QUAD_FORMATS else source_iri(path.stem)
    return InputFile(path, graph, name, data)


def split_by_graph(parsed: ParsedFile, label: str) -> list[ParsedFile]:
    """One part per named graph of ``parsed``, each displayed as ``<label> <graph>``."""
    quads: dict[str, list[ox.Quad]] = defaultdict(list)
    for quad in parsed.quads:
        quads[quad.graph_name.value].append(quad)
    return [
        ParsedFile(
            InputFile(parsed.input.path, graph, f"{label} {short(URIRef(graph))}"),
            own,
            {q.subject for q in own},
            (graph,),
        )
        for graph, own in quads.items()
    ]


def validate_posted(
    posted: InputFile,
    served: Path,
    shape_files: list[InputFile],
    sources: Path | None,
    validator: str = "auto",
) -> PostedReport:
    """Validate ``posted`` together with the dataset file ``served`` against the shapes and, where the
    texts are in folder ``sources`` (None: no quote check), the evidence quotes against their sources
    (a source without a text there is counted, not reported). Raises MediakgError when the served data or
    the shapes cannot be read (the service's fault, not the posted file's)."""
    started = time.perf_counter()
    report = PostedReport(file=posted.display, format=posted.format)
    mine = parse_file(posted)
    if isinstance(mine, ParsedFile) and not mine.quads:
        mine = Problem(PARSE, "the file holds no triples: nothing to validate", file=posted.display)
    if isinstance(mine, Problem):
        return _finish(report, [mine], started)
    report.parsed, report.triples = True, len(mine.quads)
    report.graphs = list(dict.fromkeys(q.graph_name.value for q in mine.quads))
    parts = split_by_graph(_parse_served(served), "served graph")
    report.replaced = sorted(p.input.graph for p in parts if p.input.graph in report.graphs)
    dropped = {*report.graphs, ENTAILED_GRAPH}
    merged = combine([p for p in parts if p.input.graph not in dropped] + [mine])
    shapes = load_shapes(shape_files)
    if shapes.problems:
        raise MediakgError(f"the shapes do not parse: {shapes.problems[0].render()}")
    outcome = validate(merged, shapes.graph, None, validator)
    report.engine, report.data_triples = outcome.engine, len(merged)
    problems = outcome.problems
    if sources is not None and sources.is_dir():
        quotes = check_quotes(merged.union(), sources, merged.locate, only_known=True)
        problems += quotes.problems
        report.quotes_checked, report.quotes_unchecked = dict(quotes.checked), dict(quotes.unchecked)
    return _finish(report, problems, started)


def _parse_served(served: Path) -> ParsedFile:
    graph = None if rdf_format(served) in QUAD_FORMATS else source_iri(served.stem)
    parsed = parse_file(InputFile(served, graph, served.name))
    if isinstance(parsed, Problem):
        raise MediakgError(f"the served data cannot be read: {parsed.render()}")
    return parsed


def _finish(report: PostedReport, problems: list[Problem], started: float) -> PostedReport:
    problems = sorted(
        problems,
        key=lambda p: (_ORDER.get(p.kind, 3), not report.in_file(p), p.line or 0, p.focus, p.message),
    )
    report.problems = problems[:MAX_PROBLEMS]
    report.violations = sum(p.kind != WARNING for p in problems)
    report.warnings = len(problems) - report.violations
    report.seconds = time.perf_counter() - started
    return report
