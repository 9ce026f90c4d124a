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

from mediakg import formats

# The media types, and which a server prefers, are the format registry's.
GRAPH_TYPES, SOLUTION_TYPES = formats.GRAPH_TYPES, formats.SOLUTION_TYPES
SPARQL_JSON, SPARQL_XML, CSV, TSV = formats.SPARQL_JSON, formats.SPARQL_XML, formats.CSV, formats.TSV
TURTLE, NTRIPLES, JSONLD = formats.TURTLE, formats.NTRIPLES, formats.JSONLD
RDFXML, TRIG, NQUADS = formats.RDFXML, formats.TRIG, formats.NQUADS
HTML = formats.HTML
UnknownFormat = formats.UnknownFormat


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

    Each available type gets the q of the most specific range that matches it (or names one of its generic
    types);
    ties go to the more specific match, then the range the client listed first, then server order.
    """
    ranges = parse_accept(accept)
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for order, media_type in enumerate(available):
        # an alias counts only when named exactly: text/* must not pick SPARQL XML through text/xml
        aliases = formats.generic_types(media_type)
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
    if value == "html":
        return HTML if HTML in available else None
    try:
        media_type = formats.by_name(value, kind).media_type  # type: ignore[arg-type]
    except formats.UnknownFormat:
        formats.by_name(value)  # known for the other kind: does not fit (None, 406); else unknown (400)
        return None
    return media_type if media_type in available else None


def choose(accept: str | None, format_param: str | None, kind: str, available: Sequence[str]) -> str | None:
    """The media type to answer with: ``format=`` when given, else the Accept header."""
    if format_param:
        return resolve_format(format_param, kind, available)
    return negotiate(accept, available)
