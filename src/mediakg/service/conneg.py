"""Content negotiation: which media type to answer with, from ``Accept`` (q-values, wildcards, lists) or an
explicit ``format=`` parameter.

The result media types of each query form, server preference first::

    SOLUTION_TYPES  (SELECT, ASK)       JSON, XML, CSV, TSV SPARQL results
    GRAPH_TYPES     (CONSTRUCT, DESCRIBE) Turtle, N-Triples, JSON-LD, RDF/XML, TriG, N-Quads
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
TRIG = "application/trig"
NQUADS = "application/n-quads"
HTML = "text/html"

SOLUTION_TYPES: tuple[str, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
GRAPH_TYPES: tuple[str, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS)

#: ``format=`` names; a name maps to one media type per query kind ("json" means SPARQL JSON for SELECT
#: and JSON-LD for CONSTRUCT).
FORMAT_NAMES: dict[str, dict[str, str]] = {
    "json": {"solutions": SPARQL_JSON, "graph": JSONLD},
    "xml": {"solutions": SPARQL_XML, "graph": RDFXML},
    "csv": {"solutions": CSV},
    "tsv": {"solutions": TSV},
    "turtle": {"graph": TURTLE},
    "ttl": {"graph": TURTLE},
    "nt": {"graph": NTRIPLES},
    "ntriples": {"graph": NTRIPLES},
    "jsonld": {"graph": JSONLD},
    "rdfxml": {"graph": RDFXML},
    "trig": {"graph": TRIG},
    "nquads": {"graph": NQUADS},
    "nq": {"graph": NQUADS},
    "html": {"graph": HTML, "solutions": HTML},
}

#: Generic media types clients send that stand for one of ours.
ALIASES: dict[str, tuple[str, ...]] = {
    SPARQL_JSON: ("application/json",),
    JSONLD: ("application/json",),
    SPARQL_XML: ("application/xml", "text/xml"),
    RDFXML: ("application/xml", "text/xml"),
    NTRIPLES: ("text/plain",),
    TURTLE: ("application/x-turtle",),
}


class UnknownFormat(ValueError):
    """A ``format=`` value that names no known format."""


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    q: float
    position: int

    @property
    def specificity(self) -> int:
        """2 for ``type/subtype``, 1 for ``type/*``, 0 for ``*/*``."""
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        """True when ``media_type`` falls in this range."""
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


_Q = re.compile(r"^\s*q\s*=\s*([0-9.]+)\s*$", re.IGNORECASE)


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; malformed entries are skipped, a missing header means ``*/*``."""
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for position, item in enumerate(header.split(",")):
        media, *params = item.split(";")
        main, slash, sub = media.strip().lower().partition("/")
        if not slash or not main or not sub or (main == "*" and sub != "*"):
            continue
        q = 1.0
        for param in params:
            m = _Q.match(param)
            if m:
                try:
                    q = max(0.0, min(1.0, float(m.group(1))))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main, sub, q, position))
    return ranges


def negotiate(accept: str | None, available: Sequence[str]) -> str | None:
    """The best of ``available`` (server preference order) for the ``accept`` header, or None (→ 406).

    Each available type gets the q of the most specific range that matches it (or names one of its ALIASES);
    ties go to the more specific match, then the range the client listed first, then server order.
    """
    ranges = parse_accept(accept)
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for order, media_type in enumerate(available):
        # an alias counts only when named exactly: text/* must not pick SPARQL XML through text/xml
        aliases = ALIASES.get(media_type, ())
        matching = [r for r in ranges if r.matches(media_type)]
        matching += [r for r in ranges if r.specificity == 2 and f"{r.type}/{r.subtype}" in aliases]
        if not matching:
            continue
        top = max(matching, key=lambda r: (r.specificity, -r.position))
        if top.q <= 0:
            continue
        score = (top.q, top.specificity, -top.position, -order)
        if best is None or score > best:
            best, chosen = score, media_type
    return chosen


def resolve_format(value: str, kind: str, available: Sequence[str]) -> str | None:
    """Media type for a ``format=`` value (a name such as ``json`` or a media type) and a query kind
    ('solutions' or 'graph'); None when it names a format that does not fit (→ 406).

    Raises UnknownFormat when ``value`` is neither a known name nor a media type.
    """
    value = value.strip().lower()
    if "/" in value:
        return negotiate(value, available)
    if value not in FORMAT_NAMES:
        raise UnknownFormat(f"unknown format {value!r}; known: {', '.join(FORMAT_NAMES)} or a media type")
    media_type = FORMAT_NAMES[value].get(kind)
    return media_type if media_type in available else None


def choose(accept: str | None, format_param: str | None, kind: str, available: Sequence[str]) -> str | None:
    """The media type to answer with: ``format=`` when given, else the Accept header."""
    if format_param:
        return resolve_format(format_param, kind, available)
    return negotiate(accept, available)
