"""Validate the merged data: SHACL shapes (pyshacl) plus checks the shapes cannot express (ill-typed
literals, evidence quotes against the source texts). Results are :class:`~mediakg.progress.Problem`
records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyshacl
from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from .errors import MediakgError
from .merge import Merged
from .namespaces import PREFIXES
from .parse import InputFile, parse_file
from .progress import VIOLATION, WARNING, Problem

# Longest namespace first so that e.g. id: never hides a longer, more specific prefix.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./\-]*$")


def short(node: Node | None) -> str:
    """Prefixed name of an IRI (``id:state/kazakhstan``), Turtle form of other terms."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        iri = str(node)
        for prefix, ns in _BY_LENGTH:
            rest = iri[len(ns) :]
            if iri.startswith(ns) and (rest == "" or (_LOCAL.match(rest) and not rest.endswith("."))):
                return f"{prefix}:{rest}"
        return f"<{iri}>"
    if isinstance(node, Literal):
        if node.datatype is not None:
            return f"{Literal(str(node)).n3()}^^{short(node.datatype)}"
        return node.n3()
    return "[]"


def describe(graph: Graph, node: Node | None, depth: int = 3) -> str:
    """Readable name of a node; a blank node is named by the path from the IRI that holds it
    (``id:incident/x mkg:evidence []``)."""
    if not isinstance(node, BNode) or depth == 0:
        return short(node)
    for parent, pred in graph.subject_predicates(node):
        return f"{describe(graph, parent, depth - 1)} {short(pred)} []"
    return "[]"


def anchor(graph: Graph, node: Node, depth: int = 4) -> Node:
    """The nearest IRI above a blank node (for locating the file), else the node itself."""
    while isinstance(node, BNode) and depth > 0:
        parents = list(graph.subjects(None, node))
        if not parents:
            break
        node, depth = parents[0], depth - 1
    return node


def locate(merged: Merged, graph: Graph, node: Node | None) -> str:
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
            shapes.graph.addN((s, p, o, shapes.graph) for s, p, o, _ in result.quads)
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


def shacl_problems(merged: Merged, union: Graph, shapes: Graph) -> tuple[list[Problem], Graph]:
    """Run pyshacl over the union graph (the data graph may be modified: pass a copy); returns the
    problems and the validation report graph."""
    _conforms, report = run_shacl(union, shapes)
    problems = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        severity = report.value(result, SH.resultSeverity)
        value = report.value(result, SH.value)
        component = report.value(result, SH.sourceConstraintComponent)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        message = "; ".join(messages) or f"constraint {short(component)} not satisfied"
        if value is not None and value != focus:
            shown = describe(union, value)
            if shown not in message:
                message += f" (value: {shown})"
        problems.append(
            Problem(
                VIOLATION if severity == SH.Violation else WARNING,
                " ".join(message.split()),
                file=locate(merged, union, focus),
                focus=describe(union, focus),
                path=render_path(report, report.value(result, SH.resultPath)),
                component=short(component),
            )
        )
    return problems, report


def literal_problems(merged: Merged, union: Graph) -> list[Problem]:
    """Literals whose lexical form does not fit their datatype (``"2019-13-01"^^xsd:date``): pyshacl only
    sees them where a shape sets sh:datatype, so check every literal."""
    problems = []
    for s, p, o in union:
        if isinstance(o, Literal) and o.ill_typed:
            problems.append(
                Problem(
                    VIOLATION,
                    f"malformed literal {short(o)}: not a valid {short(o.datatype)}",
                    file=locate(merged, union, s),
                    focus=describe(union, s),
                    path=short(p),
                    component="mkg:WellFormedLiteral",
                )
            )
    return problems


@dataclass
class Outcome:
    """Everything one validation run found."""

    problems: list[Problem]
    report: Graph
    quotes_checked: dict[str, int]
    quotes_verified: bool

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == VIOLATION]


def validate(merged: Merged, shapes: Graph, sources: Path | None) -> Outcome:
    """Run every check over the merged data. ``sources`` = folder of source texts (None: skip quote check)."""
    from .quotes import check_quotes  # local: quotes imports this module's helpers

    union = merged.union()
    problems = literal_problems(merged, union)
    checked: dict[str, int] = {}
    if sources is not None:
        quote_check = check_quotes(union, sources, merged.locate)
        problems += quote_check.problems
        checked = dict(quote_check.checked)
    shacl, report = shacl_problems(merged, union, shapes)
    return Outcome(shacl + problems, report, checked, sources is not None)
