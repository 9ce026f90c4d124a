"""The small interface every triplestore backend offers: run a query, list the graphs, count, check health.

Two implementations: :mod:`mediakg.store.embedded` (the persisted pyoxigraph store of the build) and
:mod:`mediakg.store.remote` (any SPARQL 1.1 server). The service and the CLI talk to this interface
only, so the same questions run unchanged against either.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mediakg.errors import MediakgError

QueryKind = Literal["solutions", "boolean", "graph"]

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
RDFXML = "application/rdf+xml"

#: Media types a backend can return, per kind of query; the first one is the default.
FORMATS: dict[QueryKind, tuple[str, ...]] = {
    "solutions": (JSON, XML, CSV, TSV),
    "boolean": (JSON, XML),
    "graph": (TURTLE, NTRIPLES, RDFXML),
}

#: Short names accepted in place of media types.
FORMAT_ALIASES = {
    "json": JSON,
    "xml": XML,
    "csv": CSV,
    "tsv": TSV,
    "ttl": TURTLE,
    "turtle": TURTLE,
    "nt": NTRIPLES,
    "ntriples": NTRIPLES,
    "rdfxml": RDFXML,
}


class StoreUnavailable(MediakgError):
    """The triplestore cannot be reached (down, refusing connections, not answering). Retry later."""

    exit_code = 3


class QueryTimeout(MediakgError):
    """The query ran past its time limit and was stopped."""


class QueryRejected(MediakgError):
    """The store refused the query (syntax error, unsupported feature, malformed answer)."""


@dataclass(frozen=True)
class QueryResult:
    """A serialised query answer: the bytes, their media type and what kind of answer it is."""

    body: bytes
    media_type: str
    kind: QueryKind


@dataclass(frozen=True)
class Health:
    """Whether a backend answers, and a one-line description of what it is."""

    ok: bool
    backend: str
    detail: str


def choose_format(kind: QueryKind, requested: str | None) -> str:
    """The media type to answer with: ``requested`` (media type or short name) when it suits ``kind``,
    otherwise the default for ``kind`` (JSON results, Turtle graphs)."""
    if requested:
        media = FORMAT_ALIASES.get(requested.lower(), requested.split(";")[0].strip().lower())
        if media in FORMATS[kind]:
            return media
    return FORMATS[kind][0]


class Backend(ABC):
    """A read interface to a triplestore holding the mediakg dataset.

    The default graph of a query is the union of the dataset's graphs unless ``default_graph_uris`` names
    graphs; ``GRAPH ?g`` ranges over the dataset's named graphs unless ``named_graph_uris`` restricts it.
    """

    name: str = "backend"

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        result_format: str | None = None,
        substitutions: Mapping[str, Any] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
    ) -> QueryResult:
        """Run a SPARQL query and return its serialised answer.

        ``substitutions`` binds variables (name without ``?`` -> pyoxigraph/rdflib term, or a ``str`` holding
        one term in N-Triples syntax such as ``"<https://…>"`` or ``'"text"@en'``).
        Raises :class:`StoreUnavailable`, :class:`QueryTimeout`, :class:`QueryRejected`.
        """

    @abstractmethod
    def named_graphs(self) -> list[str]:
        """IRIs of the dataset's named graphs, sorted."""

    @abstractmethod
    def triple_count(self) -> int:
        """Number of quads in the dataset (all its graphs)."""

    @abstractmethod
    def health(self) -> Health:
        """Check that the store answers; never raises for an unavailable store."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing to release
        """Release what the backend holds (connections, file locks)."""
