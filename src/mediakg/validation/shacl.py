"""Validate the merged data: SHACL shapes plus checks the shapes cannot express (ill-typed literals,
evidence quotes against the source texts). Results are :class:`~mediakg.progress.Problem` records.

Two SHACL engines: pyshacl (the reference) and :mod:`mediakg.validation.shacl_oxigraph` (the same shapes as
SPARQL
over a pyoxigraph store, for large data); ``validator="auto"`` picks pyshacl up to
:data:`AUTO_THRESHOLD` triples and the oxigraph engine above."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import RDF, SH, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from mediakg.errors import MediakgError
from mediakg.graph.merge import Merged
from mediakg.graph.namespaces import PREFIXES
from mediakg.graph.parse import InputFile, parse_file, quiet_rdflib
from mediakg.graph.terms import DataView, anchor, describe, oxigraph_to_rdflib, short
from mediakg.graph.view import StoreGraph
from mediakg.progress import VIOLATION, WARNING, Problem
from mediakg.validation.quotes import check_quotes
from mediakg.validation.shacl_oxigraph import (
    ShaclResult,
    ill_typed_literals,
    report_graph,
    validate_store,
)

#: SHACL engines: ``auto`` = pyshacl up to AUTO_THRESHOLD triples, the oxigraph engine above.
VALIDATORS = ("auto", "pyshacl", "oxigraph")
AUTO_THRESHOLD = 50_000


def locate(merged: Merged, graph: DataView, node: Node | None) -> str:
    """The file(s) describing ``node``; a blank node is described in exactly one file (its own), which is
    more precise than the files of the IRI above it, so ask for the node itself first."""
    if node is None:
        return ""
    return merged.locate(node) or merged.locate(anchor(graph, node))


def render_path(shapes: Graph, path: Node | None) -> str:
    """SHACL property path in SPARQL-like syntax (``mkg:a/mkg:b``, ``^p``, ``p*``)."""
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return short(path)
    if (path, RDF.first, None) in shapes:
        return "/".join(render_path(shapes, p) for p in Collection(shapes, path))
    for pred, fmt in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = shapes.value(path, pred)
        if inner is not None:
            return fmt.format(render_path(shapes, inner))
    alt = shapes.value(path, SH.alternativePath)
    if alt is not None:
        return "(" + "|".join(render_path(shapes, p) for p in Collection(shapes, alt)) + ")"
    return "[]"


@dataclass
class Shapes:
    """The parsed shapes graph and its parse problems."""

    graph: Graph = field(default_factory=Graph)
    problems: list[Problem] = field(default_factory=list)


def load_shapes(shape_files: list[InputFile]) -> Shapes:
    """Parse the shapes files into one graph (no shapes at all is an error: nothing would be checked)."""
    if not shape_files:
        raise MediakgError("no shapes found (shapes/*.ttl): refusing to build unvalidated data")
    shapes = Shapes()
    for prefix, iri in PREFIXES.items():
        shapes.graph.bind(prefix, iri, override=True, replace=True)
    for inp in shape_files:
        result = parse_file(inp)
        if isinstance(result, Problem):
            shapes.problems.append(result)
        else:
            shapes.graph.addN((s, p, o, shapes.graph) for s, p, o in result.rdflib_triples())
    return shapes


def run_shacl(union: Graph, shapes: Graph) -> tuple[bool, Graph]:
    """pyshacl with the project's settings (no inference, SHACL-AF on) over the union graph, which may be
    modified (pass a copy); returns whether it conforms and the validation report graph."""
    # The union is a throw-away copy: validate in place unless SHACL rules would add triples to it.
    conforms, report, _text = pyshacl.validate(
        union,
        inplace=(None, SH.rule, None) not in shapes,
        shacl_graph=shapes,
        ont_graph=None,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
    )
    return bool(conforms), report


def report_results(report: Graph) -> list[ShaclResult]:
    """The results of a pyshacl validation report graph."""
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        out.append(
            ShaclResult(
                focus=report.value(result, SH.focusNode),
                path=report.value(result, SH.resultPath),
                value=report.value(result, SH.value),
                component=report.value(result, SH.sourceConstraintComponent),
                severity=report.value(result, SH.resultSeverity),
                shape=report.value(result, SH.sourceShape),
                messages=tuple(str(m) for m in report.objects(result, SH.resultMessage)),
            )
        )
    return out


def result_problems(
    results: list[ShaclResult], paths: Graph, data: DataView, where: Callable[[Node], str]
) -> list[Problem]:
    """Problems of SHACL results (either engine); ``paths`` holds the result paths' structure (the report
    or the shapes graph), ``data`` names blank nodes, ``where`` gives the file of a focus node."""
    problems = []
    for res in results:
        message = "; ".join(sorted(set(res.messages))) or f"constraint {short(res.component)} not satisfied"
        if res.value is not None and res.value != res.focus:
            shown = describe(data, res.value)
            if shown not in message:
                message += f" (value: {shown})"
        problems.append(
            Problem(
                VIOLATION if res.severity == SH.Violation else WARNING,
                " ".join(message.split()),
                file=where(res.focus),
                focus=describe(data, res.focus),
                path=render_path(paths, res.path),
                component=short(res.component),
            )
        )
    return problems


def shacl_problems(merged: Merged, union: Graph, shapes: Graph) -> tuple[list[Problem], Graph]:
    """Run pyshacl over the union graph (the data graph may be modified: pass a copy); returns the
    problems and the validation report graph."""
    _conforms, report = run_shacl(union, shapes)
    problems = result_problems(report_results(report), report, union, lambda n: locate(merged, union, n))
    return problems, report


def dataset_store(merged: Merged) -> ox.Store:
    """The merged data in an in-memory pyoxigraph store, one named graph per source graph (the blank nodes
    are those of the merged quads, so results name the same nodes)."""
    store = ox.Store()
    store.bulk_extend(merged.quads())
    return store


def store_problems(
    store: ox.Store, shapes: Graph, where: Callable[[Node], str] = lambda _n: ""
) -> tuple[list[Problem], Graph]:
    """The oxigraph engine over ``store`` (default graph = union of its graphs): ill-typed literals and
    SHACL; returns the problems and a validation report graph like pyshacl's."""
    bad = ill_typed_literals(store)
    problems = []
    for lit in sorted(bad, key=str):
        # one triple may sit in several graphs; the union has it once
        for s, p in dict.fromkeys((q.subject, q.predicate) for q in store.quads_for_pattern(None, None, lit)):
            subject = oxigraph_to_rdflib(s)
            problems.append(
                _malformed(
                    oxigraph_to_rdflib(lit), oxigraph_to_rdflib(p), describe(store, subject), where(subject)
                )
            )
    results = validate_store(store, shapes, show=short, ill_typed=bad)
    return result_problems(results, shapes, store, where) + problems, report_graph(results, shapes)


def _malformed(o: Literal, p: Node, focus: str, file: str) -> Problem:
    return Problem(
        VIOLATION,
        f"malformed literal {short(o)}: not a valid {short(o.datatype)}",
        file=file,
        focus=focus,
        path=short(p),
        component="mkg:WellFormedLiteral",
    )


def literal_problems(merged: Merged, union: Graph) -> list[Problem]:
    """Literals whose lexical form does not fit their datatype (``"2019-13-01"^^xsd:date``): pyshacl only
    sees them where a shape sets sh:datatype, so check every literal."""
    problems = []
    for s, p, o in union:
        if isinstance(o, Literal) and o.ill_typed:
            problems.append(_malformed(o, p, describe(union, s), locate(merged, union, s)))
    return problems


@dataclass
class Outcome:
    """Everything one validation run found."""

    problems: list[Problem]
    report: Graph
    quotes_checked: dict[str, int]
    quotes_verified: bool
    engine: str = "pyshacl"

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == VIOLATION]


def choose_engine(validator: str, triples: int) -> str:
    """The SHACL engine for ``validator`` (auto: pyshacl up to AUTO_THRESHOLD triples)."""
    if validator not in VALIDATORS:
        raise MediakgError(f"unknown validator {validator!r}: use one of {', '.join(VALIDATORS)}")
    if validator == "auto":
        return "pyshacl" if triples <= AUTO_THRESHOLD else "oxigraph"
    return validator


def validate(
    merged: Merged,
    shapes: Graph,
    sources: Path | None,
    validator: str = "auto",
    store: ox.Store | None = None,
) -> Outcome:
    """Run every check over the merged data. ``sources`` = folder of source texts (None: skip quote check);
    ``validator`` = SHACL engine (see :data:`VALIDATORS`); ``store`` = the merged data already in a
    pyoxigraph store (the build's), else one is made when the oxigraph engine runs."""

    engine = choose_engine(validator, len(merged))
    union: Graph | None = merged.union() if engine == "pyshacl" else None
    if union is None:
        store = store if store is not None else dataset_store(merged)
    checked: dict[str, int] = {}
    problems: list[Problem] = []
    if sources is not None:
        # the rdflib union where there is one; else the store, read through rdflib's graph API
        with quiet_rdflib():  # ill-typed literals: reported below
            quote_check = check_quotes(
                union if union is not None else StoreGraph(store), sources, merged.locate
            )
        problems += quote_check.problems
        checked = dict(quote_check.checked)
    if union is not None:
        problems = literal_problems(merged, union) + problems
        shacl, report = shacl_problems(merged, union, shapes)
    else:
        shacl, report = store_problems(store, shapes, lambda n: locate(merged, store, n))
    return Outcome(shacl + problems, report, checked, sources is not None, engine)
