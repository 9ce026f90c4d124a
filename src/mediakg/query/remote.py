"""Answer the service's queries from a remote SPARQL 1.1 store (``mediakg serve --endpoint URL``).

:class:`RemoteQueryExecutor` has the public interface of :class:`.executor.QueryExecutor` (``check``,
``run``, ``info``, ``start``/``close``, ``workers_alive``), so ``/sparql``, the question API and the entity
pages run unchanged. A query:

1. passes the lexical filter (:func:`.query_check.check_text`) in the web process, as on the embedded service;
2. passes the gate (:func:`.query_check.gate`: codepoint escapes decoded, rdflib parse, SERVICE refused) in
   a *checker*: a :class:`.executor.QueryExecutor` without a store whose sandboxed workers only check, and
   are killed at the time limit (an rdflib parse of a 100,000-character query can take half a minute and a
   thread cannot be stopped). Nothing is evaluated; the store receives exactly the text that was parsed;
3. goes to the store through :class:`mediakg.store.remote.RemoteBackend` (``asyncio.to_thread``), with
   the time limit as the HTTP client timeout and, for Virtuoso, as the server's own limit; substitutions are
   bound by a ``VALUES`` row (:mod:`mediakg.store.bind`), never pasted;
4. is answered in the requested format with the same row / byte caps as the embedded service: the store's
   answer (SPARQL JSON or N-Triples) is parsed and re-serialised by :func:`.results.serialise`.

Failures of the store map onto the service errors: unreachable store or no answer in time → 503
(:class:`StoreUnavailable`, :class:`QueryTimeout`), refused query → 400. The store's own error texts are
logged, never passed to the client (a message must not carry another server's body). A graph named by
the dataset that the store does not hold is sent as a graph IRI reserved to be empty, so the store is
never asked for an outside IRI. Nothing is sticky: every query
tries the store again, so the service recovers by itself when the store is back.

A background task reads the load manifest every ``refresh_seconds`` (one small query) and, when another
build went live, re-reads the graph list and size (``info``) and re-writes ``data_dir``: a build folder
(:class:`mediakg.folder.BuildFolder`: ``dataset.nq`` copied from the store, the dumps and VoID,
``summary.json``, written by the snapshot writer the app hands over) from which the linked-data routes and the
ETags of every answer take the build fingerprint, the dumps and the VoID description — so the downloads are
the data the store serves, and ETags change within ``refresh_seconds`` of a load. Without a load manifest
(a store not filled by ``mediakg load``) the graphs and size are re-read every time instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import shutil
import tempfile
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mediakg import formats
from mediakg.errors import MediakgError, QueryRejected, QueryTimeout, StoreUnavailable
from mediakg.folder import BuildFolder, SnapshotWriter
from mediakg.query import results
from mediakg.query.base import Executor, ExecutorConfig, QueryOutcome, QueryRequest, StoreInfo
from mediakg.query.gate import Checked
from mediakg.query.pool import WorkerPool
from mediakg.store.base import QueryResult
from mediakg.store.remote import DCT, MANIFEST_GRAPH, RemoteBackend, cancelled_by_server

__all__ = ["RemoteExecutor", "StoreHealth"]

log = logging.getLogger("mediakg.service")

#: Seconds added to the time limit for the HTTP round trip before the web process stops waiting.
GRACE_SECONDS = 2.0
#: Time limit of the queries that copy the whole dataset for the dumps.
SNAPSHOT_TIMEOUT = 600.0
#: Answers up to this size are re-serialised on the event loop (well under a millisecond), larger ones in a
#: thread so that other requests are not held up.
INLINE_BYTES = 64 * 1024
#: Query texts remembered as checked (named questions and entity pages send the same texts again and again).
VERIFIED_CACHE_SIZE = 1024
#: What a graph the store does not hold is sent as (SPARQL: an unknown graph is empty).
EMPTY_GRAPH = "urn:mediakg:empty-graph"


@dataclass(frozen=True)
class StoreHealth:
    """Whether the store answered a cheap ASK, when that was checked, and what it said."""

    ok: bool
    detail: str
    checked: float  # time.monotonic() of the check


class RemoteExecutor(Executor):
    """Runs the service's queries on the SPARQL endpoint ``endpoint`` (see the module docstring).

    ``data_dir`` is created at once (an empty folder in the temp dir); :meth:`start` fills it. Call
    :meth:`close` at the end: it stops the checker and removes ``data_dir``.
    """

    def __init__(
        self,
        endpoint: str,
        config: ExecutorConfig | None = None,
        *,
        concurrency: int | None = None,
        refresh_seconds: float = 5.0,
        health_seconds: float = 5.0,
        health_timeout: float = 2.0,
        snapshot: SnapshotWriter | None = None,
    ) -> None:
        # No answer cache: the store is the authority on its data, which another `mediakg load` may change
        # before the refresh notices, and which may be down (then the answer is 503, not an old answer).
        super().__init__(dataclasses.replace(config or ExecutorConfig(), answer_cache_mb=0))
        self.endpoint = endpoint
        #: Most queries in flight at the store at once (each holds a thread of the web process).
        self.concurrency = concurrency or 4 * max(1, self.config.workers)
        self.refresh_seconds = refresh_seconds
        self.health_seconds = health_seconds
        self.health_timeout = health_timeout
        self.backend = RemoteBackend(endpoint, http_timeout=self.config.timeout)
        # Refresh queries (manifest, graphs, size) may take longer than a user's query; the copy for the
        # dumps passes its own, longer limit.
        self._admin = RemoteBackend(endpoint, http_timeout=max(60.0, self.config.timeout))
        self.data_dir = Path(tempfile.mkdtemp(prefix="mediakg-remote-"))
        #: Writes ``data_dir`` from the copied graphs (None: no copy, no dumps).
        self.snapshot = snapshot
        #: The gate's verdicts on query texts, most recent last.
        self._verified: OrderedDict[str, Checked] = OrderedDict()
        # The checker gates queries only: no store, no answer cache.
        self._checker = WorkerPool(None, dataclasses.replace(self.config, answer_cache_mb=0))
        self._snapshot_key: str | None = None
        self._manifest: dict[str, str] = {}
        self._slots = asyncio.Semaphore(self.concurrency)
        self._health: StoreHealth | None = None
        self._health_lock = asyncio.Lock()
        self._refresher: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def sandbox_state(self) -> str | None:
        """The checker workers' network sandbox."""
        return self._checker.sandbox_state

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> StoreInfo | None:
        """Read the store's graphs and size, copy its data for the dumps and start the checker.

        A store that does not answer is not fatal: the service starts, queries answer 503, and the
        background refresh picks the store up when it answers. Returns ``info`` (None in that case).
        """
        await self._checker.start()
        try:
            await self.refresh()
        except StoreUnavailable as exc:
            log.warning("the store does not answer yet (%s); queries answer 503 until it does", exc)
            if not BuildFolder(self.data_dir).summary_file.is_file():
                await asyncio.to_thread(self._write_empty_snapshot)
        self._refresher = asyncio.get_running_loop().create_task(self._refresh_loop())
        return self.info

    async def close(self) -> None:
        """Stop the refresh task and the checker; remove ``data_dir``."""
        self._closed = True
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(BaseException):
                await self._refresher
        await self._checker.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    @property
    def workers_alive(self) -> int:
        """Checker worker processes ready or busy (the store itself is reported by :meth:`store_health`)."""
        return self._checker.workers_alive

    async def _refresh_loop(self) -> None:
        failing = self.info is None
        while not self._closed:
            # Poll quickly until the store has answered once, then every refresh_seconds.
            await asyncio.sleep(self.refresh_seconds if self.info is not None else 2.0)
            try:
                await self.refresh()
            except StoreUnavailable as exc:
                # say it once per outage, not every round
                log.log(logging.DEBUG if failing else logging.WARNING, "store refresh failed: %s", exc)
                failing = True
                continue
            except Exception:  # keep refreshing whatever happens; the next round may succeed
                log.exception("store refresh failed")
                continue
            if failing:
                log.warning("the store answers again: %s", self.endpoint)
                failing = False

    async def refresh(self) -> StoreInfo:
        """Re-read the load manifest and, when another build went live (or there is no manifest), the
        graphs and size, and re-copy the data when anything changed. Raises StoreUnavailable when the
        store does not answer."""
        try:
            manifest = await asyncio.to_thread(self._read_manifest)
            if manifest and self.info is not None and manifest == self._manifest:
                return self.info  # the same build is live: nothing to re-read
            graphs, triples = await asyncio.to_thread(self._read_size)
        except StoreUnavailable as exc:
            raise StoreUnavailable(str(exc)) from exc
        except MediakgError as exc:
            raise StoreUnavailable(f"cannot read the store's graphs: {exc}") from exc
        key = json.dumps([manifest, graphs, triples])
        if key != self._snapshot_key:
            try:
                await asyncio.to_thread(self._write_snapshot, graphs, manifest)
            except MediakgError as exc:
                raise StoreUnavailable(f"cannot copy the store's data for the dumps: {exc}") from exc
            self._snapshot_key = key
        self._manifest = manifest
        self.info = StoreInfo(triples, tuple(graphs))
        return self.info

    def _read_manifest(self) -> dict[str, str]:
        """Build identifier, time and source file of the live load (empty without a load manifest)."""
        rows = self._admin.select(
            f"SELECT ?p ?v WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> ?p ?v "
            f"FILTER(?p IN (<{DCT}identifier>, <{DCT}modified>, <{DCT}source>)) }} }}"
        )
        return {r["p"].value.removeprefix(DCT): r["v"].value for r in rows}

    def _read_size(self) -> tuple[list[str], int]:
        return self._admin.named_graphs(), self._admin.triple_count()

    # ------------------------------------------------------------------ the data copy for the dumps

    def _write_snapshot(self, graphs: list[str], manifest: Mapping[str, str]) -> None:
        """Make ``data_dir`` a build folder of the live graphs, with their dumps and VoID: the snapshot
        writer (:func:`mediakg.publish.snapshot.write_snapshot`, given by the app) writes what
        :meth:`_live_quads` copies, ``summary.json`` last (its hash is the fingerprint of the ETags)."""
        if self.snapshot is None:
            return
        facts = {
            "built_at": manifest.get("modified") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "source": f"SPARQL endpoint {self.endpoint}",
            "load": dict(manifest),
            "graphs": len(graphs),
        }
        self.snapshot(BuildFolder(self.data_dir), self._live_quads(graphs), facts)

    def _live_quads(self, graphs: list[str]) -> Iterator[bytes]:
        """The live graphs as N-Quads lines (one CONSTRUCT per graph)."""
        for graph in graphs:
            # N-Triples (parsed and re-written by pyoxigraph: a cut answer fails here), each line then given
            # its graph: Rust does the per-triple work, 1M triples in seconds.
            answer = self._admin.query(
                "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                result_format=formats.NTRIPLES,
                substitutions={"g": ox.NamedNode(graph)},
                timeout=SNAPSHOT_TIMEOUT,
            )
            body = answer.body
            if answer.media_type != formats.NTRIPLES:  # a store that answered in another syntax
                triples = ox.parse(body, format=ox.RdfFormat.from_media_type(answer.media_type))
                body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
            suffix = f" <{graph}> .\n".encode()
            for line in body.splitlines():
                if line.endswith(b" ."):
                    yield line[:-2] + suffix

    def _write_empty_snapshot(self) -> None:
        if self.snapshot is not None:
            facts = {"source": f"SPARQL endpoint {self.endpoint}", "status": "store unavailable"}
            self.snapshot(BuildFolder(self.data_dir), (), facts)

    # ------------------------------------------------------------------ health

    async def health(self) -> dict[str, Any]:
        """/health's backend part: a cheap ASK at the store with a short time limit, cached a few seconds,
        so /health never hangs on a dead store."""
        store = await self.store_health()
        return {
            "backend": "remote",
            "endpoint": self.endpoint,
            "store": {"ok": store.ok, "detail": store.detail},
        }

    async def store_health(self) -> StoreHealth:
        """Whether the store answers ``ASK {}`` within ``health_timeout`` s; cached ``health_seconds`` s.
        Never raises and never waits longer than about ``health_timeout``."""
        cached = self._health
        if cached is not None and time.monotonic() - cached.checked < self.health_seconds:
            return cached
        try:
            await asyncio.wait_for(self._health_lock.acquire(), self.health_timeout)
        except TimeoutError:  # another request is checking right now; report what is known
            return cached or StoreHealth(False, "checking", time.monotonic())
        try:
            cached = self._health
            if cached is not None and time.monotonic() - cached.checked < self.health_seconds:
                return cached
            try:
                health = await asyncio.wait_for(asyncio.to_thread(self.backend.health), self.health_timeout)
                self._health = StoreHealth(health.ok, health.detail, time.monotonic())
            except TimeoutError:
                self._health = StoreHealth(
                    False,
                    f"the SPARQL endpoint {self.endpoint} gave no answer within {self.health_timeout:g} s",
                    time.monotonic(),
                )
            return self._health
        finally:
            self._health_lock.release()

    # ------------------------------------------------------------------ queries

    async def _execute(self, request: QueryRequest, client: str | None) -> QueryOutcome:
        checked = await self._gated(request)
        default_graphs, named_graphs = request.default_graph_uris, request.named_graph_uris
        if not default_graphs and not named_graphs and checked.dataset:
            # The protocol's default-graph-uri (which the backend always sends) overrides FROM: send the
            # query's own dataset clause as protocol parameters instead.
            default_graphs = tuple(iri for clause, iri in checked.dataset if clause == "FROM")
            named_graphs = tuple(iri for clause, iri in checked.dataset if clause == "FROM NAMED")
        answer = await self._ask_store(
            checked.text,
            formats.NTRIPLES if checked.kind == "graph" else formats.SPARQL_JSON,
            substitutions=dict(request.bindings),
            default_graph_uris=self._held(default_graphs),
            named_graph_uris=self._held(named_graphs),
            limit=request.timeout,
        )
        caps = (request.media_type, request.max_rows, request.max_bytes)
        if len(answer.body) <= INLINE_BYTES:  # a thread hop costs more than reading a small answer here
            serialised = _reserialise(answer, *caps)
        else:
            serialised = await asyncio.to_thread(_reserialise, answer, *caps)
        return QueryOutcome.of(serialised, request.media_type)

    async def _gated(self, request: QueryRequest) -> Checked:
        """The gate's verdict from the checker, remembered per text (the same texts come again and again)."""
        checked = self._verified.get(request.query)
        if checked is not None:
            self._verified.move_to_end(request.query)
            return checked
        checked = await self._checker.verdict(request)
        self._verified[request.query] = checked
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return checked

    def _held(self, graphs: Sequence[str]) -> list[str]:
        """``graphs`` with every IRI the store does not hold replaced by the reserved empty graph."""
        live = set(self.info.graphs) if self.info else set()
        return list(dict.fromkeys(g if g in live else EMPTY_GRAPH for g in graphs))

    async def _ask_store(
        self,
        query: str,
        wire: str,
        *,
        substitutions: dict[str, str],
        default_graph_uris: list[str],
        named_graph_uris: list[str],
        limit: float,
    ) -> QueryResult:
        """One query at the store in a thread, within ``limit`` (+ grace); errors mapped to HTTP statuses."""
        started = time.monotonic()
        try:
            await asyncio.wait_for(self._slots.acquire(), limit)
        except TimeoutError:
            raise QueryTimeout(
                f"all {self.concurrency} connections to the store stayed busy for {limit:g} s; "
                "try again later"
            ) from None
        try:
            remaining = round(max(limit - (time.monotonic() - started), 0.5), 1)
            call = asyncio.to_thread(
                self.backend.query,
                query,
                result_format=wire,
                canonical=False,
                substitutions=substitutions,
                default_graph_uris=default_graph_uris,
                named_graph_uris=named_graph_uris,
                timeout=remaining,
            )
            return await asyncio.wait_for(call, remaining + GRACE_SECONDS)
        except TimeoutError:
            raise QueryTimeout(
                f"the store gave no answer within {limit:g} s; narrow the query down (LIMIT, more specific "
                "patterns)"
            ) from None
        except QueryTimeout as exc:
            raise QueryTimeout(f"{exc}; narrow the query down (LIMIT, more specific patterns)") from exc
        except StoreUnavailable as exc:
            raise StoreUnavailable(f"{exc}; try again later") from exc
        except QueryRejected as exc:
            log.warning("the store refused a query that passed the gate: %s", exc)
            raise QueryRejected(
                "the SPARQL store refused the query (its message is in the service's log)"
            ) from exc
        except MediakgError as exc:  # e.g. 401: the service is misconfigured, not the query wrong
            raise StoreUnavailable(str(exc)) from exc
        finally:
            self._slots.release()


def _reserialise(answer: QueryResult, media_type: str, max_rows: int, max_bytes: int) -> results.Serialised:
    """The store's answer (SPARQL JSON, or N-Triples for graphs) in ``media_type`` under the caps. The
    answer arrives as the store sent it (read once, here): one that cannot be read was cut by the store at
    its time limit (QueryTimeout) or is malformed (QueryRejected)."""
    try:
        if answer.kind == "graph":
            # results.serialise takes pyoxigraph's query answers: read the triples back as one
            store = ox.Store()
            store.load(answer.body, format=ox.RdfFormat.N_TRIPLES)
            parsed: Any = store.query("CONSTRUCT WHERE { ?s ?p ?o }")
        else:
            parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
        return results.serialise(parsed, media_type, max_rows, max_bytes)
    except (SyntaxError, ValueError) as exc:
        if cancelled_by_server(answer.body):
            raise QueryTimeout("the store stopped the query at its time limit") from exc
        raise QueryRejected(f"the store sent an answer that cannot be read: {exc}") from exc
