"""RDF terms across rdflib and pyoxigraph: the converters that map one's terms to the other's.

Both libraries are used: pyoxigraph parses, stores and queries; rdflib where pyshacl or a format needs it.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node


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
