"""The one registry of formats: RDF syntaxes and SPARQL result syntaxes, with their media types, file
extensions, short names and the parsers and serialisers that read and write them.

Built on pyoxigraph's :class:`~pyoxigraph.RdfFormat` and :class:`~pyoxigraph.QueryResultsFormat` (media
types, extensions and the formats' W3C IRIs come from there); this module adds what the project decides:
the short names of ``format=`` and of the command line, the order a server prefers them in, the generic
media types clients send for them, and rdflib's name for those rdflib must read or write. Parsing, the
exports, content negotiation, the CLI's choices and the API all read it; a new format is one entry here.

    formats.by_name("ttl").media_type          -> "text/turtle"
    formats.by_extension(Path("x.nq")).rdf     -> RdfFormat.N_QUADS
    formats.GRAPH_TYPES                        -> media types of CONSTRUCT/DESCRIBE answers, preferred first
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

Kind = Literal["graph", "solutions"]


@dataclass(frozen=True)
class Format:
    """One syntax. ``kind`` is 'graph' for RDF syntaxes, 'solutions' for SPARQL result syntaxes."""

    name: str  # the short name of format= and the CLI
    kind: Kind
    label: str
    media_type: str  # without parameters
    extensions: tuple[str, ...]  # with the dot, the usual one first
    aliases: tuple[str, ...] = ()  # other short names
    #: Generic media types that clients send for it ("application/json" for SPARQL JSON and JSON-LD).
    generic_types: tuple[str, ...] = ()
    rdflib: str | None = None  # rdflib's parser/serialiser name, where rdflib must handle it
    #: Offered as an answer to queries and dereferenced IRIs (N3 is read, never served).
    served: bool = True

    @property
    def rdf(self) -> ox.RdfFormat:
        """pyoxigraph's RDF format (graph kinds only)."""
        return ox.RdfFormat.from_media_type(self.media_type)

    @property
    def results(self) -> ox.QueryResultsFormat:
        """pyoxigraph's query results format (solution kinds only)."""
        return ox.QueryResultsFormat.from_media_type(self.media_type)

    @property
    def quads(self) -> bool:
        """Whether the syntax holds named graphs (TriG, N-Quads, JSON-LD)."""
        return self.kind == "graph" and self.rdf.supports_datasets

    @property
    def extension(self) -> str:
        return self.extensions[0]


def _rdf(
    fmt: ox.RdfFormat, name: str, *aliases: str, extra: tuple[str, ...] = (), **options: object
) -> Format:
    return Format(
        name=name,
        kind="graph",
        label=fmt.name,
        media_type=fmt.media_type,
        extensions=("." + fmt.file_extension, *extra),
        aliases=aliases,
        **options,  # type: ignore[arg-type]
    )


def _results(fmt: ox.QueryResultsFormat, name: str, **options: object) -> Format:
    return Format(
        name=name,
        kind="solutions",
        label=fmt.name,
        media_type=fmt.media_type.split(";")[0].strip(),
        extensions=("." + fmt.file_extension,),
        **options,  # type: ignore[arg-type]
    )


#: Every format, in the order a server prefers them within each kind.
ALL: tuple[Format, ...] = (
    _rdf(
        ox.RdfFormat.TURTLE,
        "turtle",
        "ttl",
        extra=(".turtle",),
        generic_types=("application/x-turtle",),
        rdflib="turtle",
    ),
    _rdf(ox.RdfFormat.N_TRIPLES, "nt", "ntriples", generic_types=("text/plain",), rdflib="nt"),
    _rdf(
        ox.RdfFormat.JSON_LD,
        "jsonld",
        "json-ld",
        "json",
        generic_types=("application/json",),
        rdflib="json-ld",
    ),
    _rdf(
        ox.RdfFormat.RDF_XML,
        "rdfxml",
        "xml",
        extra=(".owl", ".xml"),
        generic_types=("application/xml", "text/xml"),
        rdflib="xml",
    ),
    _rdf(ox.RdfFormat.TRIG, "trig", rdflib="trig"),
    _rdf(ox.RdfFormat.N_QUADS, "nquads", "nq", extra=(".nquads",), rdflib="nquads"),
    _rdf(ox.RdfFormat.N3, "n3", rdflib="n3", served=False),
    _results(ox.QueryResultsFormat.JSON, "json", generic_types=("application/json",)),
    _results(ox.QueryResultsFormat.XML, "xml", generic_types=("application/xml", "text/xml")),
    _results(ox.QueryResultsFormat.CSV, "csv"),
    _results(ox.QueryResultsFormat.TSV, "tsv"),
)

#: The dumps ``mediakg export`` writes (``--format`` names; CSV: one table per core class), in that order.
DUMPS: tuple[str, ...] = ("ttl", "nt", "jsonld", "trig", "nquads", "csv")

#: Web pages: not a data format, but a name that format= and Accept know.
HTML = "text/html"

RDF: tuple[Format, ...] = tuple(f for f in ALL if f.kind == "graph")
RESULTS: tuple[Format, ...] = tuple(f for f in ALL if f.kind == "solutions")
#: Media types of CONSTRUCT / DESCRIBE answers and of entity descriptions, preferred first.
GRAPH_TYPES: tuple[str, ...] = tuple(f.media_type for f in RDF if f.served)
#: Media types of SELECT / ASK answers, preferred first.
SOLUTION_TYPES: tuple[str, ...] = tuple(f.media_type for f in RESULTS)

SPARQL_JSON, SPARQL_XML, CSV, TSV = SOLUTION_TYPES
TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS = GRAPH_TYPES

_BY_MEDIA = {f.media_type: f for f in ALL}
_BY_EXTENSION = {ext: f for f in RDF for ext in f.extensions}


class UnknownFormat(ValueError):
    """A name, media type or extension that names no format here."""


def by_media_type(media_type: str) -> Format:
    """The format of ``media_type`` (parameters such as ``charset`` ignored)."""
    key = media_type.split(";")[0].strip().lower()
    if key not in _BY_MEDIA:
        raise UnknownFormat(f"unknown media type {media_type!r}")
    return _BY_MEDIA[key]


def by_name(name: str, kind: Kind | None = None) -> Format:
    """The format a short name (or alias) stands for, among those of ``kind`` when given ("xml" is SPARQL
    XML for solutions and RDF/XML for graphs; without a kind, RDF first)."""
    key = name.strip().lower()
    for f in ALL:
        if (kind is None or f.kind == kind) and (key == f.name or key in f.aliases):
            return f
    known = ", ".join(names(kind))
    raise UnknownFormat(f"unknown format {name!r}; known: {known}")


def by_extension(path: Path | str) -> Format:
    """The RDF format of a file, by its extension; UnknownFormat naming the known ones otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in _BY_EXTENSION:
        known = " ".join(sorted(_BY_EXTENSION))
        raise UnknownFormat(f"unknown RDF file extension {suffix or '(none)'!r} (known: {known})")
    return _BY_EXTENSION[suffix]


def names(kind: Kind | None = None, served_only: bool = True) -> tuple[str, ...]:
    """Short names (no aliases) of the formats of ``kind``, for CLI choices and API enums."""
    return tuple(
        dict.fromkeys(
            f.name for f in ALL if (kind is None or f.kind == kind) and (f.served or not served_only)
        )
    )


def generic_types(media_type: str) -> tuple[str, ...]:
    """The generic media types clients send for ``media_type`` (for content negotiation)."""
    f = _BY_MEDIA.get(media_type)
    return f.generic_types if f else ()
