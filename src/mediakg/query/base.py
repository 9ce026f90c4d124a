"""The one way a query runs: the :class:`Executor` interface, its configuration and its answer cache.

Two executors implement it: :class:`~mediakg.query.pool.WorkerPool` (sandboxed worker processes over the
build's store or a data file) and :class:`~mediakg.query.remote.RemoteExecutor` (a remote SPARQL store, its
queries gated by the same worker processes). The web service and ``mediakg query`` go through it, with the
same limits, sandbox and binding. A query's path is the same everywhere:

1. :meth:`Executor.run` in the calling process: the lexical filter (:func:`mediakg.query.gate.check_text`),
   the answer format, the per-client limit, the answer cache;
2. the gate in a worker (codepoint escapes decoded, rdflib's algebra, SERVICE refused; nothing evaluated);
3. the bindings joined as a ``VALUES`` row (:mod:`mediakg.store.bind`) to the gated text;
4. the store (:class:`mediakg.store.base.Backend`) evaluates it, the answer is serialised under the caps.

Errors are those of :mod:`mediakg.errors`; each carries its HTTP status.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mediakg import formats
from mediakg.errors import QueryRejected, TooManyRequests
from mediakg.query.gate import Limits, TextInfo, check_text

if TYPE_CHECKING:
    from mediakg.query.results import Serialised

LANES = ("public", "internal")


@dataclass(frozen=True)
class ExecutorConfig:
    """Limits and sizes of an executor (the service's settings extend it; the CLI uses its defaults)."""

    #: Seconds a query may run (gate + evaluation + serialisation) before its worker is killed.
    timeout: float = 10.0
    #: Standing query worker processes for client queries (/sparql).
    workers: int = 2
    #: Standing workers for the service's own queries (named questions, entity pages), apart from the
    #: client queries so that runaways cannot starve them; they grow as far as max_workers.
    internal_workers: int = 2
    #: Most workers per lane: a lane grows when all are busy (a spare is kept warm), up to this many.
    max_workers: int = 6
    #: Most /sparql queries one client (address) may have in flight; more get 429 with Retry-After.
    client_concurrency: int = 4
    #: Let query workers start without the kernel's network sandbox (seccomp) where it cannot be
    #: installed. Off: the service refuses to start without it. Reported by /health and at start.
    allow_worker_network: bool = False
    #: Address-space limit of each worker (RLIMIT_AS), in MiB; 0 disables it.
    memory_limit_mb: int = 2048
    #: Longest accepted query text, in characters.
    max_query_length: int = 100_000
    #: Deepest accepted nesting of ``{`` ``(`` ``[`` (pyoxigraph overflows its stack on ~2,500).
    max_depth: int = 64
    #: Most syntax nodes (brackets, operators, UNION/MINUS/BIND… keywords): long chains overflow too.
    max_nodes: int = 1000
    #: Most result rows (solutions or triples) returned; more are cut and reported.
    max_rows: int = 10_000
    #: Most bytes of a serialised result; larger results are cut (at a row boundary) and reported.
    max_bytes: int = 10_000_000
    #: Memory for answers kept per build, in MiB (0: no answer cache).
    answer_cache_mb: int = 64

    @property
    def limits(self) -> Limits:
        """The size limits of a query text."""
        return Limits(self.max_query_length, self.max_depth, self.max_nodes)


@dataclass(frozen=True)
class StoreInfo:
    """Size of the served dataset (cached; no query needed)."""

    triples: int
    graphs: tuple[str, ...]


@dataclass(frozen=True)
class QueryOutcome:
    """A query's serialised answer.

    ``kind`` is 'solutions' (SELECT), 'boolean' (ASK) or 'graph' (CONSTRUCT/DESCRIBE); ``rows`` the number
    of solutions or triples in ``body`` (None for ASK); ``truncated`` whether a cap cut the answer, and
    ``truncation`` which one (``"rows=10000"`` or ``"bytes=10000000"``, else None); ``cached`` whether it
    came from the answer cache.
    """

    body: bytes
    media_type: str
    kind: str
    rows: int | None
    truncated: bool
    truncation: str | None = None
    cached: bool = False

    @classmethod
    def of(cls, answer: Serialised, media_type: str) -> QueryOutcome:
        """The outcome of an answer serialised as ``media_type``."""
        return cls(
            answer.body, media_type, answer.kind, answer.rows, answer.truncated is not None, answer.truncated
        )


@dataclass(frozen=True)
class QueryRequest:
    """One query as an executor runs it (see :meth:`Executor.run` for the fields)."""

    query: str
    media_type: str
    bindings: tuple[tuple[str, str], ...]
    default_graph_uris: tuple[str, ...]
    named_graph_uris: tuple[str, ...]
    timeout: float
    max_rows: int
    max_bytes: int
    lane: str


def admit(query: str, result_format: str | None, limits: Limits) -> tuple[TextInfo, str]:
    """The lexical filter (:func:`check_text`), the default format for the query form (SPARQL JSON or
    Turtle), and that the asked-for format fits the form. Raises QueryRejected / QuerySyntaxError /
    UpdateRefused."""
    text = check_text(query, limits)
    if result_format is None:
        result_format = formats.TURTLE if text.kind == "graph" else formats.SPARQL_JSON
    allowed = formats.GRAPH_TYPES if text.kind == "graph" else formats.SOLUTION_TYPES
    if result_format not in allowed:
        raise QueryRejected(
            f"{text.form} results cannot be given as {result_format}; available: {', '.join(allowed)}"
        )
    return text, result_format


class AnswerCache:
    """Answers kept per build: the data change only when the build does, so an answer is keyed by the build
    fingerprint and the request, and the least recently used go when ``max_bytes`` is passed."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, QueryOutcome] = OrderedDict()
        self._bytes = 0

    @staticmethod
    def key(fingerprint: str, request: QueryRequest) -> str:
        return hashlib.sha256(repr((fingerprint, request)).encode()).hexdigest()

    def get(self, key: str) -> QueryOutcome | None:
        outcome = self._entries.get(key)
        if outcome is None:
            return None
        self._entries.move_to_end(key)
        return outcome

    def put(self, key: str, outcome: QueryOutcome) -> None:
        size = len(outcome.body)
        if size > self.max_bytes // 8:  # one answer may not push out most of the others
            return
        self._entries[key] = outcome
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, old = self._entries.popitem(last=False)
            self._bytes -= len(old.body)


class Executor(ABC):
    """Runs read-only SPARQL queries within limits; see the module docstring for the path of a query."""

    def __init__(self, config: ExecutorConfig, fingerprint: Callable[[], str | None] | None = None) -> None:
        """``fingerprint``: returns what identifies the data answered from (it changes when the data do);
        answers are cached only with it."""
        self.config = config
        self._fingerprint_of = fingerprint
        self.info: StoreInfo | None = None
        self._sandbox_state: str | None = None
        self._clients: dict[str, int] = {}
        self._cache = (
            AnswerCache(config.answer_cache_mb * 1024 * 1024) if config.answer_cache_mb > 0 else None
        )

    # ------------------------------------------------------------------ to implement

    @abstractmethod
    async def start(self) -> StoreInfo | None:
        """Start; returns the size of the data (None when the store does not answer yet)."""

    @abstractmethod
    async def close(self) -> None:
        """Stop and release everything."""

    @property
    @abstractmethod
    def workers_alive(self) -> int:
        """Worker processes ready or busy."""

    @property
    def fingerprint(self) -> str | None:
        """Identifies the data answered from (changes when it does); None: answers are not cached."""
        return self._fingerprint_of() if self._fingerprint_of is not None else None

    @abstractmethod
    async def _execute(self, request: QueryRequest, client: str | None) -> QueryOutcome:
        """Gate, bind, evaluate and serialise one admitted request."""

    @property
    def sandbox_state(self) -> str | None:
        """What the workers reported of their network sandbox ("off (reason)" when allowed without)."""
        return self._sandbox_state

    async def health(self) -> dict[str, Any]:
        """The backend's part of /health: ``backend``, ``store`` ({ok, detail}); never raises."""
        ok = self.workers_alive > 0
        return {"backend": "embedded", "store": {"ok": ok, "detail": "embedded pyoxigraph store"}}

    # ------------------------------------------------------------------ the shared path

    def check(self, query: str) -> TextInfo:
        """The lexical filter (no parser, no worker): the form of ``query``. Raises UpdateRefused,
        QueryRejected (too long, too deep, SERVICE) or QuerySyntaxError (no query form)."""
        return check_text(query, self.config.limits)

    async def run(
        self,
        query: str,
        *,
        result_format: str | None = None,
        bindings: Mapping[str, str] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
        max_rows: int | None = None,
        max_bytes: int | None = None,
        lane: str = "public",
        client: str | None = None,
    ) -> QueryOutcome:
        """Run a read-only SPARQL query and return its serialised answer.

        - ``result_format``: the answer's media type (one of :data:`mediakg.formats.SOLUTION_TYPES` for
          SELECT/ASK, :data:`~mediakg.formats.GRAPH_TYPES` for CONSTRUCT/DESCRIBE); None: SPARQL JSON or
          Turtle.
        - ``bindings``: variable name (without ``?``) → a term in N-Triples syntax, e.g.
          ``{"law": "<https://w3id.org/mediakg/id/law/x>"}``; joined as a ``VALUES`` row, never pasted.
        - ``default_graph_uris`` / ``named_graph_uris``: the protocol's dataset (they replace the query's
          FROM / FROM NAMED; a graph the store does not hold is empty). By default the default graph is the
          union of all graphs.
        - ``timeout``, ``max_rows``, ``max_bytes``: the limits (default: the configuration's).
        - ``lane``: "public" (client queries) or "internal" (the service's own); ``client``: who asks, for
          the per-client limit of the public lane (None: not limited).

        Raises QuerySyntaxError, QueryRejected (UpdateRefused), TooManyRequests, QueryTimeout,
        WorkerCrashed, StoreUnavailable.
        """
        if lane not in LANES:
            raise ValueError(f"unknown lane {lane!r}; lanes: {', '.join(LANES)}")
        _, media_type = admit(query, result_format, self.config.limits)
        request = QueryRequest(
            query=query,
            media_type=media_type,
            bindings=tuple(sorted((bindings or {}).items())),
            default_graph_uris=tuple(default_graph_uris),
            named_graph_uris=tuple(named_graph_uris),
            timeout=self.config.timeout if timeout is None else timeout,
            max_rows=self.config.max_rows if max_rows is None else max_rows,
            max_bytes=self.config.max_bytes if max_bytes is None else max_bytes,
            lane=lane,
        )
        fingerprint = self.fingerprint
        key = AnswerCache.key(fingerprint, request) if self._cache is not None and fingerprint else None
        if key is not None:
            hit = self._cache.get(key)  # type: ignore[union-attr]
            if hit is not None:
                return hit
        with self._client_slot(lane, client):
            outcome = await self._execute(request, client)
        if key is not None and fingerprint == self.fingerprint:
            self._cache.put(key, dataclasses.replace(outcome, cached=True))  # type: ignore[union-attr]
        return outcome

    @contextlib.contextmanager
    def _client_slot(self, lane: str, client: str | None) -> Iterator[None]:
        """Count a public query of ``client`` in flight; TooManyRequests beyond ``client_concurrency``.

        The internal lane is not limited per client: its queries are the service's own, bounded ones, and
        a crawler that reads many pages at once should wait (queue) rather than be refused."""
        if client is None or lane != "public":
            yield
            return
        running = self._clients.get(client, 0)
        limit = self.config.client_concurrency
        if running >= limit:
            raise TooManyRequests(
                f"this client already has {running} queries running (the limit is {limit}); "
                "wait for one to finish"
            )
        self._clients[client] = running + 1
        try:
            yield
        finally:
            left = self._clients[client] - 1
            if left:
                self._clients[client] = left
            else:
                del self._clients[client]
