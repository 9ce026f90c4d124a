"""Turn RDF into what the pages show: links to this service's pages, friendly names, and values that know
their kind (a link, a literal, a date at its precision, a quote, a quantity, a nested node).

Pure functions of rdflib graphs (no I/O), so the pages can be tested without a server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from rdflib import RDF, RDFS, Graph, Literal, Node, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from mediakg.graph.namespaces import MKG, OA, ONTOLOGY_IRI
from mediakg.graph.terms import qname
from mediakg.service.pages.dates import DATE_TYPES, display_date

SCHEMA = "https://schema.org/"
TIME = "http://www.w3.org/2006/time#"
#: Triples of a nested node that say how it is modelled rather than what it says.
PLUMBING = frozenset({RDF.type, PROV.wasDerivedFrom})
#: What a quantity's or an interval's headline (:meth:`Renderer.headline`) already says.
HEADLINE_PROPERTIES = frozenset(
    {MKG.unit, *(URIRef(SCHEMA + p) for p in ("value", "minValue", "maxValue"))}
    | {URIRef(TIME + p) for p in ("hasBeginning", "hasEnd")}
)


def local_name(iri: str) -> str:
    """The part after the last ``#`` or ``/``."""
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


@dataclass(frozen=True)
class Linker:
    """Maps IRIs to this service's pages: ``base_iri + path`` ↔ ``/id/path``, ontology terms to /ontology."""

    base_iri: str
    root: str = ""  # the app's root path (behind a proxy)

    def href(self, iri: str) -> str:
        """Where a link to ``iri`` points: a page of this service if it has one, else the IRI itself."""
        if iri.startswith(self.base_iri):
            return f"{self.root}/id/{quote(iri[len(self.base_iri) :], safe='/-_.~')}"
        if iri.startswith(ONTOLOGY_IRI + "#"):
            return f"{self.root}/ontology#{quote(iri[len(ONTOLOGY_IRI) + 1 :], safe='-_.~')}"
        if iri == ONTOLOGY_IRI:
            return f"{self.root}/ontology"
        return iri

    def iri_for_path(self, path: str) -> str:
        """The entity IRI answered at ``/id/<path>``."""
        return self.base_iri + path

    def class_href(self, iri: str) -> str:
        """The member list of class ``iri``."""
        if iri.startswith(ONTOLOGY_IRI + "#"):
            return f"{self.root}/class/{quote(iri[len(ONTOLOGY_IRI) + 1 :], safe='-_.~')}"
        return f"{self.root}/class/{quote(qname(iri), safe=':-_.~')}"


@dataclass
class Value:
    """One displayed value: a link (IRI), a literal (text, its language or datatype), a quote (``source``:
    where it is from) or a node shown by its properties (``nested``, after ``text`` if any)."""

    text: str
    href: str | None = None
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    nested: list[PropertyRow] | None = None
    is_quote: bool = False
    source: Value | None = None


@dataclass
class PropertyRow:
    """A property with its label, its IRI's link and its values."""

    label: str
    iri: str
    href: str
    values: list[Value] = field(default_factory=list)


def best_label(g: Graph, node: Node, fallback: str | None = None) -> str:
    """English prefLabel, else any prefLabel, rdfs:label or dct:title, else ``fallback`` or the local name."""
    for prop in (SKOS.prefLabel, RDFS.label, DCTERMS.title, MKG.postTitle):
        values = [v for v in g.objects(node, prop) if isinstance(v, Literal)]
        if values:
            english = [v for v in values if v.language == "en"]
            return str(sorted(english or values)[0])
    if fallback:
        return fallback
    return local_name(str(node)) if isinstance(node, URIRef) else "(unnamed)"


#: Units as an amount reads with them: "5 hours", "300 people", "9" (a count), "20 MCI".
UNIT_WORDS = {
    "count": ("", ""),
    "hour": ("hour", "hours"),
    "minute": ("minute", "minutes"),
    "person": ("person", "people"),
    "mci": ("MCI", "MCI"),
    "kzt": ("tenge", "tenge"),
}


class Renderer:
    """Renders the terms of one description graph ``g``; ``labels`` (IRI -> label: the ontology's labels
    and :data:`.labels.FRIENDLY`) names properties, classes and any term ``g`` itself does not label."""

    def __init__(self, g: Graph, linker: Linker, labels: Mapping[str, str]) -> None:
        self.g = g
        self.linker = linker
        self.labels = labels

    def prop_label(self, p: URIRef | str) -> str:
        """The friendly name of a property (or class), else its prefixed name."""
        return self.labels.get(str(p)) or qname(str(p))

    def link(self, node: URIRef) -> Value:
        """An IRI as a link to its page, named by its label in ``g`` (else the ontology's, else its qname)."""
        iri = str(node)
        text = best_label(self.g, node, self.labels.get(iri) or qname(iri))
        return Value(text=text, href=self.linker.href(iri), iri=iri)

    def value(self, node: Node, depth: int = 0) -> Value:
        """One RDF term as a :class:`Value` (blank nodes by their properties, 3 levels deep)."""
        if isinstance(node, URIRef):
            return self.link(node)
        if isinstance(node, Literal):
            datatype = str(node.datatype) if node.datatype else None
            if datatype in DATE_TYPES:
                return Value(text=display_date(str(node), datatype))
            return Value(text=str(node), lang=node.language, datatype=qname(datatype) if datatype else None)
        types = set(self.g.objects(node, RDF.type))
        if MKG.Evidence in types or (node, OA.exact, None) in self.g:
            return self.quote(node)
        headline = self.headline(node, types)
        if headline and URIRef(TIME + "Interval") in types:
            return Value(text=headline)  # its instants say nothing more
        skip = PLUMBING | HEADLINE_PROPERTIES if headline else PLUMBING
        rows = self.rows(node, exclude=skip, depth=depth + 1) if depth < 3 else []
        return Value(text=headline, nested=rows)

    def quote(self, evidence: Node) -> Value:
        """An evidence node as its verbatim quote, with the source it is from."""
        source = self.g.value(evidence, DCTERMS.source)
        return Value(
            text=str(self.g.value(evidence, OA.exact) or ""),
            is_quote=True,
            source=self.link(source) if isinstance(source, URIRef) else None,
        )

    def headline(self, node: Node, types: set[Node]) -> str:
        """What a nested node amounts to, said in a few words: ``20 MCI`` for a quantity, ``from 2019`` for
        an interval; empty where its properties say it best."""
        g = self.g
        if URIRef(SCHEMA + "QuantitativeValue") in types:
            unit = g.value(node, MKG.unit)
            for prop, word in (("value", ""), ("minValue", "at least "), ("maxValue", "at most ")):
                amount = g.value(node, URIRef(SCHEMA + prop))
                if amount is not None:
                    return f"{word}{amount}{self._unit(unit, str(amount))}"
        if URIRef(TIME + "Interval") in types:
            parts = []
            for prop, word in (("hasBeginning", "from"), ("hasEnd", "until")):
                instant = g.value(node, URIRef(TIME + prop))
                date = g.value(instant, MKG.date) if instant is not None else None
                if isinstance(date, Literal):
                    parts.append(f"{word} {display_date(str(date), str(date.datatype))}")
            return " ".join(parts)
        return ""

    def _unit(self, unit: Node | None, amount: str) -> str:
        """`` 5 hours``: the unit after an amount, in the plural where it is not one."""
        if not isinstance(unit, URIRef):
            return ""
        one, many = UNIT_WORDS.get(local_name(str(unit)), (self.link(unit).text,) * 2)
        word = one if amount in ("1", "1.0") else many
        return f" {word}" if word else ""

    def rows(self, subject: Node, exclude: set | frozenset, depth: int = 0) -> list[PropertyRow]:
        """The properties of ``subject`` (minus ``exclude``) with their values, sorted by label."""
        by_prop: dict[URIRef, list[Node]] = {}
        for p, o in self.g.predicate_objects(subject):
            if p not in exclude:
                by_prop.setdefault(p, []).append(o)
        out = []
        for p, objects in by_prop.items():
            values = [self.value(o, depth) for o in objects]
            values.sort(key=lambda v: (v.text.lower(), v.iri or ""))
            out.append(PropertyRow(self.prop_label(p), str(p), self.linker.href(str(p)), values))
        out.sort(key=lambda r: (r.label.lower(), r.iri))
        return out
