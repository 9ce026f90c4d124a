"""RDF terms across rdflib and pyoxigraph, and how they are named for people: prefixed names, Turtle forms,
and blank nodes named by the path from the IRI that holds them.

Both libraries are used: pyoxigraph stores and queries, rdflib where pyshacl or a format needs it. The
converters here are the only place that maps one's terms to the other's.
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node
from rdflib.util import from_n3

from mediakg.graph.namespaces import PREFIXES

#: Where blank nodes are named and located: the rdflib union graph or a pyoxigraph store of the data.
DataView = Graph | ox.Store

# Longest namespace first so that e.g. id: never hides a longer, more specific prefix.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./\-]*$")


def _namespace(iri: str) -> tuple[str, str] | None:
    """(prefix, namespace) of the longest known namespace ``iri`` starts with."""
    return next(((p, ns) for p, ns in _BY_LENGTH if iri.startswith(ns)), None)


def qname(iri: str) -> str:
    """``prefix:local`` for an IRI in a known namespace (longest match), else the IRI itself: for display."""
    found = _namespace(iri)
    return f"{found[0]}:{iri[len(found[1]) :]}" if found else iri


def short(node: Node | None) -> str:
    """Prefixed name of an IRI (``id:state/kazakhstan``) where it is valid Turtle, else ``<iri>``; Turtle
    form of other terms: for messages that name a node."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        iri = str(node)
        found = _namespace(iri)
        rest = iri[len(found[1]) :] if found else ""
        if found and (rest == "" or (_LOCAL.match(rest) and not rest.endswith("."))):
            return f"{found[0]}:{rest}"
        return f"<{iri}>"
    if isinstance(node, Literal):
        if node.datatype is not None:
            return f"{Literal(str(node)).n3()}^^{short(node.datatype)}"
        return node.n3()
    return "[]"


def _holders(graph: DataView, node: Node) -> list[tuple[Node, Node]]:
    """(subject, predicate) of the triples whose object is ``node``."""
    if isinstance(graph, ox.Store):
        found = graph.quads_for_pattern(None, None, rdflib_to_oxigraph(node), None)
        return list(
            dict.fromkeys((oxigraph_to_rdflib(q.subject), oxigraph_to_rdflib(q.predicate)) for q in found)
        )
    return list(graph.subject_predicates(node))


def describe(graph: DataView, node: Node | None, depth: int = 3) -> str:
    """Readable name of a node; a blank node is named by the path from the IRI that holds it
    (``id:incident/x mkg:evidence []``)."""
    if not isinstance(node, BNode) or depth == 0:
        return short(node)
    for parent, pred in _holders(graph, node):
        return f"{describe(graph, parent, depth - 1)} {short(pred)} []"
    return "[]"


def anchor(graph: DataView, node: Node, depth: int = 4) -> Node:
    """The nearest IRI above a blank node (for locating the file), else the node itself."""
    while isinstance(node, BNode) and depth > 0:
        parents = _holders(graph, node)
        if not parents:
            break
        node, depth = parents[0][0], depth - 1
    return node


def to_rdflib(nt: str) -> Node:
    """An rdflib term from its N-Triples text."""
    return from_n3(nt)


def to_oxigraph(nt: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A pyoxigraph term from its N-Triples text."""
    return rdflib_to_oxigraph(from_n3(nt))


def rdflib_to_oxigraph(
    term: Node, bnodes: dict[BNode, ox.BlankNode] | None = None
) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib IRI, blank node or literal to pyoxigraph. A blank node keeps its label; where
    pyoxigraph refuses the label and ``bnodes`` is given, it gets a fresh node, the same for each use."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        try:
            return ox.BlankNode(str(term))
        except ValueError:
            if bnodes is None:
                raise
            return bnodes.setdefault(term, ox.BlankNode())
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r} to a pyoxigraph term")


def oxigraph_to_rdflib(term: Any) -> Node | None:
    """Convert a pyoxigraph term (or None) to rdflib; xsd:string literals become plain literals."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"cannot convert {term!r} to an rdflib term")


def plain(term: Node | None) -> Node | None:
    """rdflib term with xsd:string literals made plain, so both engines' answers compare equal."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def display(term: Node | None) -> str:
    """Compact display of a term: prefixed name for IRIs, plain text for literals."""
    if term is None:
        return ""
    return qname(str(term)) if isinstance(term, URIRef) else str(term)
