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

from mediakg import formats

QueryKind = Literal["solutions", "boolean", "graph"]

JSON, XML = formats.SPARQL_JSON, formats.SPARQL_XML
TURTLE, NTRIPLES, RDFXML = formats.TURTLE, formats.NTRIPLES, formats.RDFXML

#: Media types a backend can return, per kind of query; the first one is the default. Remote stores answer
#: graphs reliably only in these three.
FORMATS: dict[QueryKind, tuple[str, ...]] = {
    "solutions": formats.SOLUTION_TYPES,
    "boolean": (JSON, XML),
    "graph": (TURTLE, NTRIPLES, RDFXML),
}


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
        wanted = "solutions" if kind == "boolean" else kind
        try:
            chosen = (
                formats.by_media_type(requested) if "/" in requested else formats.by_name(requested, wanted)
            )
        except formats.UnknownFormat:
            return FORMATS[kind][0]
        if chosen.media_type in FORMATS[kind]:
            return chosen.media_type
    return FORMATS[kind][0]


class Backend(ABC):
    """A read interface to a triplestore holding the mediakg dataset: the store layer's one interface.

    The query layer uses it: its worker processes query an :class:`~mediakg.store.embedded.EmbeddedBackend`
    (the build's store), the remote executor a :class:`~mediakg.store.remote.RemoteBackend`; ``mediakg load``
    and the tests use them directly. Bound variables always travel as a ``VALUES`` row
    (:mod:`mediakg.store.bind`), so both plan a bound query the same way.

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
