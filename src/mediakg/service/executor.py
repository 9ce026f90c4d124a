"""A pool of worker processes that run SPARQL queries with a hard time limit.

Why processes: pyoxigraph cannot interrupt a running query and a thread cannot be cancelled, so the only
way to stop a runaway query is to kill the process running it. Each worker (see :mod:`.worker`) opens the
store itself (read-only persisted store, or the data file loaded once) under an address-space limit, and
answers one query at a time. A query goes to an idle worker; when it passes the time limit the worker is
killed (SIGKILL) and a new one started, and the caller gets :class:`QueryTimeout` - never a partial
answer. Other queries keep running on the other workers meanwhile.

Use (the app keeps one executor on ``app.state.executor``)::

    executor: QueryExecutor = request.app.state.executor
    outcome = await executor.run(
        "SELECT ?label WHERE { ?law skos:prefLabel ?label }",  # PREFIXes as usual
        result_format="application/sparql-results+json",   # None = JSON (SELECT/ASK) or Turtle (graph)
        substitutions={"law": "<https://w3id.org/mediakg/id/law/kz-constitution>"},
    )
    outcome.body, outcome.media_type, outcome.kind, outcome.rows, outcome.truncated

Every query passes :mod:`.query_check` first (here: length, nesting, updates, SERVICE, FROM; in the
worker: a full rdflib parse), so a caller cannot run anything the public endpoint would refuse.

Errors (all :class:`mediakg.errors.MediakgError`, each with an HTTP ``status``):
:class:`QuerySyntaxError` (400), :class:`QueryRejected` (400; :class:`UpdateRefused` 403),
:class:`QueryTimeout` (503), :class:`WorkerCrashed` (500), :class:`StoreUnavailable` (503).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import socket
import struct
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import worker as worker_module
from .conneg import GRAPH_TYPES, SOLUTION_TYPES, SPARQL_JSON, TURTLE
from .errors import (
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    StoreUnavailable,
    UpdateRefused,
    WorkerCrashed,
)
from .query_check import Limits, TextInfo, check_text
from .settings import Settings

if TYPE_CHECKING:  # the web process needs only the type
    from .results import Serialised

__all__ = [
    "QueryExecutor",
    "QueryOutcome",
    "StoreInfo",
    "QueryRejected",
    "QuerySyntaxError",
    "QueryTimeout",
    "StoreUnavailable",
    "UpdateRefused",
    "WorkerCrashed",
]

log = logging.getLogger("mediakg.service")

#: Seconds within which a reply that has begun to arrive must be complete (answers are capped at
#: ``max_bytes``, so reading one takes milliseconds; this only bounds the wait if the worker hangs mid-send).
READ_TIMEOUT = 30.0

_ERRORS: dict[str, type[Exception]] = {
    cls.__name__: cls for cls in (QueryRejected, QuerySyntaxError, UpdateRefused, WorkerCrashed)
}


@dataclass(frozen=True)
class QueryOutcome:
    """A query's serialised answer.

    ``kind`` is 'solutions' (SELECT), 'boolean' (ASK) or 'graph' (CONSTRUCT/DESCRIBE); ``rows`` the number
    of solutions or triples in ``body`` (None for ASK); ``truncated`` whether a cap cut the answer, and
    ``truncation`` which one (``"rows=10000"`` or ``"bytes=10000000"``, else None).
    """

    body: bytes
    media_type: str
    kind: str
    rows: int | None
    truncated: bool
    truncation: str | None = None

    @classmethod
    def of(cls, answer: Serialised, media_type: str) -> QueryOutcome:
        """The outcome of an answer serialised as ``media_type`` (by a worker, or from a remote store)."""
        return cls(
            body=answer.body,
            media_type=media_type,
            kind=answer.kind,
            rows=answer.rows,
            truncated=answer.truncated is not None,
            truncation=answer.truncated,
        )


@dataclass(frozen=True)
class StoreInfo:
    """Size of the served dataset, reported by the first worker at start (cached; no query needed)."""

    triples: int
    graphs: tuple[str, ...]


@dataclass
class _Worker:
    process: Any  # multiprocessing Process
    conn: Connection
    #: The parent's end of the pipe (a socketpair) as a non-blocking socket, so that jobs and replies go
    #: through the event loop: a thread hop per send and per receive cost ~0.5 ms of the web process per
    #: request under load (GIL hand-offs), about a third of its work on a light question.
    sock: socket.socket = field(init=False)

    def __post_init__(self) -> None:
        self.sock = socket.socket(fileno=os.dup(self.conn.fileno()))
        self.sock.setblocking(False)

    def close(self) -> None:
        for end in (self.sock, self.conn):
            with contextlib.suppress(Exception):
                end.close()


def prestart() -> None:
    """Start the forkserver now (it imports the worker's modules, ~1 s) so that it does so while the web
    process is still importing its own, instead of after: it is what the first workers are forked from."""
    ctx = _context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _context() -> Any:
    """forkserver (fast, clean children: the web process has threads, so no plain fork) with the worker's
    imports preloaded; spawn where forkserver does not exist."""
    try:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["mediakg.service.worker", "rdflib.plugins.sparql.parser"])
        return ctx
    except ValueError:
        return multiprocessing.get_context("spawn")


async def _read_exact(sock: socket.socket, size: int) -> bytes:
    """Exactly ``size`` bytes from the non-blocking ``sock``; EOFError when the other end closed first."""
    loop = asyncio.get_running_loop()
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = await loop.sock_recv_into(sock, view[got:])
        if n == 0:
            raise EOFError("the worker closed its end of the pipe")
        got += n
    return bytes(buffer)


def admit(
    query: str,
    result_format: str | None,
    info: StoreInfo | None,
    limits: Limits,
    dataset_uris: Sequence[str],
) -> tuple[TextInfo, str]:
    """The checks every executor makes before a query goes anywhere, and the media type of its answer.

    The lexical safety check (:func:`check_text`), the default format for the query form (SPARQL JSON or
    Turtle), that the asked-for format fits the form, and that each ``default-graph-uri`` /
    ``named-graph-uri`` is a graph of the store. Raises QueryRejected / QuerySyntaxError / UpdateRefused.
    """
    graphs = info.graphs if info else ()
    text = check_text(query, graphs, limits)
    if result_format is None:
        result_format = TURTLE if text.kind == "graph" else SPARQL_JSON
    allowed = GRAPH_TYPES if text.kind == "graph" else SOLUTION_TYPES
    if result_format not in allowed:
        raise QueryRejected(
            f"{text.form} results cannot be given as {result_format}; available: {', '.join(allowed)}"
        )
    for uri in dataset_uris:
        if uri not in graphs:
            raise QueryRejected(f"<{uri}> is not a graph of this dataset; GET /sparql lists the graphs")
    return text, result_format


class QueryExecutor:
    """Runs queries on a pool of worker processes over the dataset at ``location``.

    ``location`` is a build directory or an RDF file (see :func:`mediakg.store.open_store`). Call
    :meth:`start` (awaits the first ready worker) before :meth:`run`, and :meth:`close` at the end.
    """

    def __init__(
        self,
        location: Path,
        *,
        workers: int = 2,
        timeout: float = 10.0,
        memory_limit_mb: int = 2048,
        max_rows: int = 10_000,
        max_bytes: int = 10_000_000,
        limits: Limits | None = None,
        start_timeout: float = 120.0,
    ) -> None:
        self.location = Path(location)
        self.size = max(1, workers)
        self.timeout = timeout
        self.memory_limit_mb = memory_limit_mb
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.limits = limits or Limits()
        self.start_timeout = start_timeout
        self.info: StoreInfo | None = None
        self._ctx = _context()
        self._idle: asyncio.Queue[_Worker] | None = None
        self._live: set[int] = set()  # ids of started, ready, not discarded workers
        self._workers: dict[int, _Worker] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_failure = ""
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Settings, location: Path) -> QueryExecutor:
        """An executor configured by the service settings."""
        return cls(
            location,
            workers=settings.workers,
            timeout=settings.timeout,
            memory_limit_mb=settings.memory_limit_mb,
            max_rows=settings.max_rows,
            max_bytes=settings.max_bytes,
            limits=Limits(settings.max_query_length, settings.max_depth, settings.max_nodes),
        )

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> StoreInfo:
        """Start the workers; returns when all are ready. StoreUnavailable if none can open the store."""
        self._idle = asyncio.Queue()
        outcomes = await asyncio.gather(*(self._spawn() for _ in range(self.size)), return_exceptions=True)
        if not self._live:
            failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
            raise StoreUnavailable(f"no query worker could open {self.location}: {failure}")
        assert self.info is not None
        return self.info

    async def close(self) -> None:
        """Stop all workers (pending replacements are cancelled)."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for w in list(self._workers.values()):
            self._kill(w)
        await asyncio.to_thread(lambda: [w.process.join(2) for w in list(self._workers.values())])
        self._workers.clear()
        self._live.clear()

    @property
    def workers_alive(self) -> int:
        """Workers ready to take queries or busy with one (replacements being started not counted)."""
        return len(self._live)

    async def _spawn(self) -> None:
        """Start one worker and wait until it has opened the store; then it joins the idle queue."""
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=worker_module.main,
            args=(child, str(self.location), self.memory_limit_mb),
            name="mediakg-query-worker",
            daemon=True,
        )
        w = _Worker(process, parent)
        self._workers[id(w)] = w
        deadline = time.monotonic() + self.start_timeout
        try:
            await asyncio.wait_for(asyncio.to_thread(process.start), self.start_timeout)
            child.close()
            message = await self._receive(w, max(deadline - time.monotonic(), 0.001))
        except BaseException as exc:
            child.close()  # idempotent
            self._discard(w, replace=False)
            self._last_failure = f"worker did not start: {exc!r}"
            raise StoreUnavailable(self._last_failure) from exc
        if message[0] != "ready":
            self._discard(w, replace=False)
            self._last_failure = str(message[1])
            raise StoreUnavailable(self._last_failure)
        if self.info is None:
            self.info = StoreInfo(int(message[1]["triples"]), tuple(message[1]["graphs"]))
        self._live.add(id(w))
        assert self._idle is not None
        self._idle.put_nowait(w)

    def _replace_later(self) -> None:
        """Start a replacement worker in the background, retrying with back-off while it fails."""
        if self._closed:
            return

        async def replace() -> None:
            delay = 0.5
            while not self._closed:
                try:
                    await self._spawn()
                    return
                except StoreUnavailable as exc:
                    log.error("query worker replacement failed: %s (retry in %.0f s)", exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)

        task = asyncio.get_running_loop().create_task(replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _kill(self, w: _Worker) -> None:
        with contextlib.suppress(Exception):
            w.process.kill()
        w.close()

    def _discard(self, w: _Worker, replace: bool = True) -> None:
        """Kill ``w`` (it is busy with something unwanted, or dead) and start a replacement."""
        self._kill(w)
        self._live.discard(id(w))
        self._workers.pop(id(w), None)
        if w.process.pid is not None:  # started: reap the zombie off the event loop
            asyncio.get_running_loop().run_in_executor(None, w.process.join, 5)
        if replace:
            self._replace_later()

    async def _receive(self, w: _Worker, timeout: float) -> Any:
        """The next message from ``w``; TimeoutError when none begins to arrive within ``timeout`` s (or one
        that has begun is not complete within READ_TIMEOUT s), EOFError if it died. The caller kills ``w``
        on TimeoutError. Reads multiprocessing's framing (a signed 4-byte big-endian length, -1 followed by
        an 8-byte length for huge messages, then the pickle), which ``Connection.send`` in the worker
        writes."""
        header = await asyncio.wait_for(_read_exact(w.sock, 4), timeout)
        (size,) = struct.unpack("!i", header)
        if size == -1:
            (size,) = struct.unpack("!Q", await asyncio.wait_for(_read_exact(w.sock, 8), READ_TIMEOUT))
        payload = await asyncio.wait_for(_read_exact(w.sock, size), READ_TIMEOUT)
        return ForkingPickler.loads(payload)

    @staticmethod
    async def _send(w: _Worker, message: Any) -> None:
        """Send ``message`` to ``w`` as ``Connection.recv`` in the worker reads it."""
        payload = bytes(ForkingPickler.dumps(message))
        header = (
            struct.pack("!i", len(payload))
            if len(payload) < 0x7FFFFFFF
            else struct.pack("!iQ", -1, len(payload))
        )
        await asyncio.get_running_loop().sock_sendall(w.sock, header + payload)

    async def _acquire(self, timeout: float) -> _Worker:
        """An idle, living worker; waits up to ``timeout`` s for one."""
        if self._idle is None:
            raise StoreUnavailable("the query executor is not started")
        deadline = time.monotonic() + timeout
        while True:
            if not self._live and not self._tasks:
                raise StoreUnavailable(f"no query worker is running: {self._last_failure or 'stopped'}")
            remaining = deadline - time.monotonic()
            try:
                w = await asyncio.wait_for(self._idle.get(), max(remaining, 0.001))
            except TimeoutError:
                if not self._live:
                    raise StoreUnavailable(
                        f"no query worker is available: {self._last_failure or 'starting'}"
                    ) from None
                raise QueryTimeout(
                    f"all {self.size} query workers stayed busy for {timeout:g} s; try again later"
                ) from None
            if id(w) in self._live and w.process.is_alive():
                return w
            self._discard(w)  # died while idle: replace and look again

    # ------------------------------------------------------------------ queries

    def check(self, query: str) -> TextInfo:
        """The lexical safety check (no parser, no worker): form and dataset clause of ``query``.

        Raises UpdateRefused, QueryRejected (too long, too deep, SERVICE, unknown FROM graph) or
        QuerySyntaxError (no query form). Useful to pick a result format before :meth:`run`.
        """
        return check_text(query, self.info.graphs if self.info else (), self.limits)

    async def run(
        self,
        query: str,
        *,
        result_format: str | None = None,
        substitutions: Mapping[str, str] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
        max_rows: int | None = None,
        max_bytes: int | None = None,
    ) -> QueryOutcome:
        """Run a read-only SPARQL query on a worker and return its serialised answer.

        - ``result_format``: the media type of the answer; for SELECT/ASK one of
          ``application/sparql-results+json`` / ``+xml``, ``text/csv``, ``text/tab-separated-values``;
          for CONSTRUCT/DESCRIBE one of ``text/turtle``, ``application/n-triples``, ``application/ld+json``,
          ``application/rdf+xml``, ``application/trig``, ``application/n-quads``. None: SPARQL JSON or Turtle.
        - ``substitutions``: variable name (without ``?``) → a term in N-Triples syntax, e.g.
          ``{"law": "<https://w3id.org/mediakg/id/law/x>",
          "from": '"2019-01-01"^^<http://www.w3.org/2001/XMLSchema#date>'}``; the variable is bound to it
          before evaluation (pyoxigraph ``substitutions``, RDF-dev SEP-0007) - safe against injection.
        - ``default_graph_uris`` / ``named_graph_uris``: the dataset (SPARQL protocol
          ``default-graph-uri`` / ``named-graph-uri``); each must be a named graph of the store. By default
          the default graph is the union of all graphs and every named graph is available.
        - ``timeout``: seconds (default: the executor's). The time a query waits for a free worker does not
          count, but that wait is bounded by the same limit.
        - ``max_rows`` / ``max_bytes``: caps (defaults: the executor's); a cut answer has ``truncated``.

        Raises QuerySyntaxError, QueryRejected (UpdateRefused for updates), QueryTimeout, WorkerCrashed,
        StoreUnavailable.
        """
        info, result_format = admit(
            query, result_format, self.info, self.limits, (*default_graph_uris, *named_graph_uris)
        )
        limit = self.timeout if timeout is None else timeout
        job = worker_module.Job(
            query=query,
            media_type=result_format,
            max_rows=self.max_rows if max_rows is None else max_rows,
            max_bytes=self.max_bytes if max_bytes is None else max_bytes,
            substitutions=dict(substitutions or {}),
            default_graph_uris=tuple(default_graph_uris),
            named_graph_uris=tuple(named_graph_uris),
            has_dataset=bool(info.dataset),
        )
        w = await self._acquire(limit)
        started = time.monotonic()
        try:
            # an idle worker reads at once; the bound only matters if it hangs (then it is killed)
            await asyncio.wait_for(self._send(w, job), limit)
            reply = await self._receive(w, limit)
        except TimeoutError:
            self._discard(w)
            log.warning(
                "query stopped after %.1f s (limit %g s); worker replaced", time.monotonic() - started, limit
            )
            raise QueryTimeout(
                f"the query did not finish within {limit:g} s and was stopped; "
                "narrow it down (LIMIT, more specific patterns)"
            ) from None
        except (EOFError, OSError) as exc:
            code = w.process.exitcode
            self._discard(w)
            raise WorkerCrashed(
                f"the query stopped its worker process (exit code {code}: out of memory or a crash); "
                "the worker was replaced"
            ) from exc
        except BaseException:  # cancelled: the worker is still busy with a query nobody wants
            self._discard(w)
            raise
        self._idle.put_nowait(w)  # type: ignore[union-attr]
        if reply[0] == "error":
            raise _ERRORS.get(reply[1], QueryRejected)(reply[2])
        return QueryOutcome.of(reply[1], result_format)
