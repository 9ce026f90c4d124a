"""The embedded backend: the pyoxigraph store persisted by ``mediakg build`` (build/store), opened read-only.

Opening a persisted store is instant (RocksDB files, no re-parsing), so a restarted service answers at once.
Time limits are not enforced here: pyoxigraph cannot interrupt a running query, so the service runs this
backend inside worker processes that it kills when the limit passes (see mediakg.query.pool).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mediakg.errors import MediakgError, QuerySyntaxError, StoreUnavailable
from mediakg.graph.sparql_text import describe_syntax_error
from mediakg.store.base import Backend, Health, QueryKind, QueryResult, choose_format
from mediakg.store.bind import inject_values


class EmbeddedBackend(Backend):
    """Queries an in-process pyoxigraph store; the default graph is the union of the graphs."""

    name = "embedded"

    def __init__(self, store: ox.Store, description: str = "in-memory store") -> None:
        self.store = store
        self.description = description

    @classmethod
    def open(cls, location: Path) -> EmbeddedBackend:
        """Open the persisted store at ``location`` (e.g. build/store) read-only."""
        try:
            store = ox.Store.read_only(str(location))
        except OSError as exc:
            raise MediakgError(
                f"cannot open the store at {location}: {exc} (run `mediakg build` first)"
            ) from exc
        return cls(store, f"pyoxigraph store at {location}")

    @classmethod
    def from_file(cls, path: Path) -> EmbeddedBackend:
        """Load an RDF dataset file (TriG, N-Quads, Turtle, ...) into a fresh in-memory store."""
        store = ox.Store()
        try:
            store.bulk_load(path=str(path))
        except (SyntaxError, ValueError, OSError) as exc:
            raise MediakgError(f"cannot load {path}: {exc}") from exc
        return cls(store, f"in-memory store loaded from {path}")

    def evaluate(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Any] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        query_dataset: bool = False,
    ) -> ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean:
        """pyoxigraph's answer to ``sparql`` (unserialised), variables of ``bindings`` bound by a ``VALUES``
        row. The dataset: the protocol's graphs when any is given (SPARQL 1.1 Protocol 2.1.4: they replace
        the query's own, and an unknown graph is empty), else the query's FROM / FROM NAMED when it has them
        (``query_dataset``), else the union of all graphs. Raises QueryRejected (syntax), StoreUnavailable
        (the store cannot be read)."""
        options: dict[str, Any] = {}
        if default_graph_uris or named_graph_uris:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graph_uris]
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graph_uris]
        elif not query_dataset:
            options["use_default_graph_as_union"] = True
        text = inject_values(sparql, bindings) if bindings else sparql
        try:
            return self.store.query(text, **options)
        except SyntaxError as exc:
            raise QuerySyntaxError(describe_syntax_error(text, exc)) from exc
        except OSError as exc:
            raise StoreUnavailable(f"reading {self.description} failed: {exc}") from exc

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
        """Run ``sparql`` on the store and serialise the whole answer (``timeout`` is the caller's job, see
        the module docstring)."""
        answer = self.evaluate(
            sparql,
            bindings=substitutions,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
        )
        kind: QueryKind
        if isinstance(answer, ox.QueryBoolean):
            kind = "boolean"
        elif isinstance(answer, ox.QueryTriples):
            kind = "graph"
        else:
            kind = "solutions"
        media = choose_format(kind, result_format)
        try:
            if kind == "graph":
                body = answer.serialize(format=ox.RdfFormat.from_media_type(media))
            else:
                body = answer.serialize(format=ox.QueryResultsFormat.from_media_type(media))
        except OSError as exc:
            raise StoreUnavailable(f"reading {self.description} failed: {exc}") from exc
        return QueryResult(body=body or b"", media_type=media, kind=kind)

    def named_graphs(self) -> list[str]:
        """IRIs of the store's named graphs, sorted."""
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def triple_count(self) -> int:
        """Number of quads in the store."""
        return len(self.store)

    def health(self) -> Health:
        """The store is in-process: healthy when a trivial query runs."""
        try:
            self.store.query("ASK {}")
        except OSError as exc:
            return Health(False, self.name, f"{self.description}: {exc}")
        return Health(True, self.name, self.description)
