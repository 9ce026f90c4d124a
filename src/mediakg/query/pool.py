"""Pools of worker processes that run SPARQL queries with a hard time limit, in a network sandbox.

Why processes: pyoxigraph cannot interrupt a running query and a thread cannot be cancelled, so the only
way to stop a runaway query is to kill the process running it; and a process is what the kernel's network
sandbox (:mod:`.sandbox`) applies to. Each worker (see :mod:`.worker`) installs the sandbox, opens the
store itself (read-only persisted store, or the data file loaded once) under an address-space limit, and
answers one query at a time. A query that passes the time limit gets its worker killed (SIGKILL) and
replaced, and the caller gets :class:`QueryTimeout` - never a partial answer.

Fair scheduling: cheap work never waits behind runaways.

- Two lanes of workers. ``public`` runs what clients send to ``/sparql`` (at a lower CPU priority);
  ``internal`` runs the service's own bounded queries (named questions, entity pages), so a flood of
  heavy SPARQL cannot starve them.
- Each lane has standing workers and grows, up to a bound, when all are busy: one warm spare is started as
  soon as the last idle worker is taken, so a cheap query beside runaways finds an idle worker instead of
  a queue. Extra workers retire after a while idle.
- A client (its address) may have ``client_concurrency`` public queries in flight; more get
  :class:`TooManyRequests` (429, ``Retry-After``), as WDQS does.
- A query waits for a worker at most its time limit, then gets 503 with ``Retry-After``.

Use (the app keeps one executor on ``app.state.executor``)::

    outcome = await executor.run(
        "SELECT ?label WHERE { ?law skos:prefLabel ?label }",
        result_format="application/sparql-results+json",   # None = JSON (SELECT/ASK) or Turtle (graph)
        bindings={"law": "<https://w3id.org/mediakg/id/law/kz-constitution>"},
        lane="internal",
    )
    outcome.body, outcome.media_type, outcome.kind, outcome.rows, outcome.truncated

Errors (:mod:`mediakg.errors`, each with an HTTP ``status``; ``retry_headers`` gives their ``Retry-After``):
:class:`QuerySyntaxError` (400), :class:`QueryRejected` (400; :class:`UpdateRefused` 403),
:class:`TooManyRequests` (429), :class:`QueryTimeout`, :class:`WorkerCrashed` (killed or out of memory),
:class:`StoreUnavailable` (503).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any

from mediakg import errors
from mediakg.errors import QueryFailed, QueryOutOfMemory, QueryTimeout, StoreUnavailable, WorkerCrashed
from mediakg.query import worker as worker_module
from mediakg.query.base import Executor, ExecutorConfig, QueryOutcome, QueryRequest, StoreInfo
from mediakg.query.gate import Checked

__all__ = ["WorkerPool", "prestart"]

log = logging.getLogger("mediakg.service")

#: Seconds within which a reply that has begun to arrive must be complete (answers are capped at
#: ``max_bytes``, so reading one takes milliseconds; this only bounds the wait if the worker hangs mid-send).
READ_TIMEOUT = 30.0
#: How often a query is offered to another worker when the one it was given died before taking it.
DISPATCH_ATTEMPTS = 3
#: Seconds an extra worker (beyond a lane's standing ones) may stay idle before it retires.
IDLE_RETIRE_SECONDS = 30.0


def _error(name: str, message: str) -> Exception:
    """The error a worker reported by class name (a class of :mod:`mediakg.errors`)."""
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.MediakgError)):
        cls = QueryFailed
    return cls(message)


@dataclass(eq=False)
class _Worker:
    process: Any  # multiprocessing Process
    conn: Connection
    lane: _Lane
    idle_since: float = 0.0
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


@dataclass(eq=False)
class _Lane:
    """Workers of one kind of work: ``standing`` always, up to ``most`` when all are busy."""

    name: str
    standing: int
    most: int
    nice: int
    idle: asyncio.Queue[_Worker] = field(default_factory=asyncio.Queue)
    live: set[_Worker] = field(default_factory=set)  # started, ready, not discarded
    starting: int = 0

    @property
    def needs_spare(self) -> bool:
        """No idle worker, and room for one more."""
        return self.idle.empty() and len(self.live) + self.starting < self.most


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
        ctx.set_forkserver_preload(["mediakg.query.worker", "rdflib.plugins.sparql.parser"])
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


class WorkerPool(Executor):
    """Runs queries on pools of sandboxed worker processes over the dataset at ``location``.

    ``location`` is a build directory or an RDF file (see :func:`mediakg.store.local.open_store`), or None
    for workers that only gate queries (:meth:`verdict`; the remote executor's). Call :meth:`start` (awaits
    the standing workers) before :meth:`~mediakg.query.base.Executor.run`, and :meth:`close` at the end.
    """

    def __init__(
        self,
        location: Path | None,
        config: ExecutorConfig | None = None,
        *,
        fingerprint: Callable[[], str | None] | None = None,
        start_timeout: float = 120.0,
    ) -> None:
        super().__init__(config or ExecutorConfig(), fingerprint)
        self.location = Path(location) if location is not None else None
        self.start_timeout = start_timeout
        c = self.config
        most = max(c.workers, c.internal_workers, c.max_workers)
        self._lane_sizes = {
            "public": (max(1, c.workers), most, 5),
            "internal": (max(1, c.internal_workers), most, 0),
        }
        self._lanes: dict[str, _Lane] = {}
        self._ctx = _context()
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_failure = ""
        self._closed = False

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> StoreInfo:
        """Start the standing workers; returns when they are ready. StoreUnavailable if none can start (the
        store cannot be opened, or the sandbox cannot be installed)."""
        self._lanes = {
            name: _Lane(name, standing, most, nice)
            for name, (standing, most, nice) in self._lane_sizes.items()
        }
        spawns = [self._spawn(lane) for lane in self._lanes.values() for _ in range(lane.standing)]
        outcomes = await asyncio.gather(*spawns, return_exceptions=True)
        failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
        if failure is not None and not all(lane.live for lane in self._lanes.values()):
            await self.close()
            raise StoreUnavailable(f"no query worker could start: {failure}")
        self._spawn_later(self._retire_idle_extras())
        assert self.info is not None
        return self.info

    async def close(self) -> None:
        """Stop all workers; starts under way are cancelled and what they started is stopped too."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        workers = [w for lane in self._lanes.values() for w in lane.live]
        for w in workers:
            self._kill(w)
        await asyncio.to_thread(lambda: [w.process.join(2) for w in workers])
        for lane in self._lanes.values():
            lane.live.clear()

    def worker_pids(self, lane: str | None = None) -> list[int]:
        """Process ids of the living workers (of ``lane``, or all), for health reports and fault tests."""
        lanes = [self._lanes[lane]] if lane else list(self._lanes.values())
        return [w.process.pid for ln in lanes for w in ln.live]

    @property
    def workers_alive(self) -> int:
        """Workers ready to take queries or busy with one (replacements being started not counted)."""
        return sum(len(lane.live) for lane in self._lanes.values())

    def _worker_start(self, lane: _Lane) -> worker_module.Start:
        location = str(self.location) if self.location is not None else None
        return worker_module.Start(
            location, self.config.memory_limit_mb, not self.config.allow_worker_network, lane.nice
        )

    async def _spawn(self, lane: _Lane) -> None:
        """Start one worker for ``lane`` and wait until it is ready; then it joins the lane's idle queue."""
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=worker_module.main,
            args=(child, self._worker_start(lane)),
            name=f"mediakg-query-worker-{lane.name}",
            daemon=True,
        )
        w = _Worker(process, parent, lane)
        lane.starting += 1
        try:
            deadline = time.monotonic() + self.start_timeout
            try:
                await _start_process(process)
            finally:
                child.close()  # the worker holds its own copy now (or never will)
            message = await self._receive(w, max(deadline - time.monotonic(), 0.001))
        except BaseException as exc:
            self._stop(w)
            if not isinstance(exc, asyncio.CancelledError):
                self._last_failure = f"worker did not start: {exc!r}"
                raise StoreUnavailable(self._last_failure) from exc
            raise
        finally:
            lane.starting -= 1
        if message[0] != "ready" or self._closed:
            self._stop(w)
            self._last_failure = str(message[1]) if message[0] != "ready" else "closed"
            raise StoreUnavailable(self._last_failure)
        if self.info is None:
            self.info = StoreInfo(int(message[1]["triples"]), tuple(message[1]["graphs"]))
        self._sandbox_state = message[1]["sandbox"]
        lane.live.add(w)
        self._release(w)

    def _spawn_later(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _replace_later(self, lane: _Lane) -> None:
        """Start a worker for ``lane`` in the background, retrying with back-off while it fails."""
        if self._closed:
            return

        async def replace() -> None:
            delay = 0.5
            while not self._closed:
                try:
                    await self._spawn(lane)
                    return
                except StoreUnavailable as exc:
                    log.error("query worker start failed: %s (retry in %.0f s)", exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)

        self._spawn_later(replace())

    async def _retire_idle_extras(self) -> None:
        """Now and then, stop workers beyond a lane's standing ones that have been idle a while."""
        while not self._closed:
            await asyncio.sleep(IDLE_RETIRE_SECONDS / 3)
            now = time.monotonic()
            for lane in self._lanes.values():
                keep: list[_Worker] = []
                while not lane.idle.empty():
                    w = lane.idle.get_nowait()
                    extra = len(lane.live) > lane.standing
                    if extra and now - w.idle_since > IDLE_RETIRE_SECONDS:
                        self._discard(w, replace=False)
                    else:
                        keep.append(w)
                for w in keep:
                    lane.idle.put_nowait(w)

    @staticmethod
    def _kill(w: _Worker) -> None:
        with contextlib.suppress(Exception):
            w.process.kill()
        w.close()

    def _stop(self, w: _Worker) -> None:
        """Kill ``w`` and reap it off the event loop (a process never started needs neither)."""
        self._kill(w)
        if w.process.pid is not None:
            asyncio.get_running_loop().run_in_executor(None, w.process.join, 5)

    def _discard(self, w: _Worker, replace: bool = True) -> None:
        """Stop ``w`` (busy with something unwanted, or dead); start a replacement when the lane needs it."""
        self._stop(w)
        w.lane.live.discard(w)
        if replace and len(w.lane.live) + w.lane.starting < w.lane.standing:
            self._replace_later(w.lane)

    def _release(self, w: _Worker) -> None:
        w.idle_since = time.monotonic()
        w.lane.idle.put_nowait(w)

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

    async def _acquire(self, lane: _Lane, timeout: float) -> _Worker:
        """An idle, living worker of ``lane``; waits up to ``timeout`` s for one. Taking the last idle worker
        starts a spare, so that the next query need not wait behind this one."""
        if not self._lanes:
            raise StoreUnavailable("the query executor is not started")
        deadline = time.monotonic() + timeout
        while True:
            if not lane.live and not lane.starting:
                if self._closed:
                    raise StoreUnavailable("the query executor is stopped")
                self._replace_later(lane)
            if lane.needs_spare:
                lane.starting += 1  # counted now: the spawn task starts on the next loop turn
                self._spawn_later(self._spare(lane))
            try:
                w = await asyncio.wait_for(lane.idle.get(), max(deadline - time.monotonic(), 0.001))
            except TimeoutError:
                if not lane.live:
                    raise StoreUnavailable(
                        f"no query worker is available: {self._last_failure or 'starting'}"
                    ) from None
                raise StoreUnavailable(
                    f"all {len(lane.live)} query workers stayed busy for {timeout:g} s; try again later"
                ) from None
            if w in lane.live and w.process.is_alive():
                if lane.needs_spare:
                    lane.starting += 1
                    self._spawn_later(self._spare(lane))
                return w
            self._discard(w)  # died while idle: replace and look again

    async def _spare(self, lane: _Lane) -> None:
        lane.starting -= 1  # _spawn counts it again
        with contextlib.suppress(StoreUnavailable):
            await self._spawn(lane)

    # ------------------------------------------------------------------ queries

    async def _execute(self, request: QueryRequest, client: str | None) -> QueryOutcome:
        answer = await self._dispatch(worker_module.Job(request), self._lane(request.lane), request.timeout)
        return QueryOutcome.of(answer, request.media_type)

    async def verdict(self, request: QueryRequest) -> Checked:
        """The gate's verdict on ``request.query`` from a worker (nothing evaluated): the text to run, its
        form and dataset. Raises as :meth:`~mediakg.query.base.Executor.run`."""
        job = worker_module.Job(request, check_only=True)
        return await self._dispatch(job, self._lane(request.lane), request.timeout)

    def _lane(self, name: str) -> _Lane:
        if not self._lanes:
            raise StoreUnavailable("the query executor is not started")
        return self._lanes[name]

    async def _dispatch(self, job: worker_module.Job, lane: _Lane, limit: float) -> Any:
        """Give ``job`` to a worker of ``lane`` and return its answer, within ``limit`` s of work.

        A worker that dies before it took the job (its "started" message) never ran it: the job goes to
        another worker. One that dies after it died running the job: WorkerCrashed."""
        waited = time.monotonic()
        for _ in range(DISPATCH_ATTEMPTS):
            w = await self._acquire(lane, max(limit - (time.monotonic() - waited), 0.001))
            started = time.monotonic()
            try:
                # an idle worker reads at once; the bound only matters if it hangs (then it is killed)
                await asyncio.wait_for(self._send(w, job), limit)
                await self._receive(w, limit)  # ("started",)
            except (EOFError, OSError):
                self._discard(w)
                continue
            except BaseException:  # timed out or cancelled: the worker is in an unknown state
                self._discard(w)
                raise
            reply = await self._await_reply(w, limit - (time.monotonic() - started), limit)
            self._release(w)
            if reply[0] == "error":
                raise _error(reply[1], reply[2])
            return reply[1]
        raise StoreUnavailable("query workers died before they could take the query; try again later")

    async def _await_reply(self, w: _Worker, remaining: float, limit: float) -> Any:
        """The reply of ``w`` to the job it took; kills it when it passes the limit or is cancelled."""
        started = time.monotonic()
        try:
            return await self._receive(w, max(remaining, 0.001))
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
            code = await asyncio.to_thread(_exit_code, w.process)
            self._discard(w)
            raise _crash(code, self.config.memory_limit_mb) from exc
        except BaseException:  # cancelled: the worker is still busy with a query nobody wants
            self._discard(w)
            raise


async def _start_process(process: Any) -> None:
    """``process.start()`` in a thread, never abandoned midway: a caller cancelled meanwhile still waits
    for it (a fraction of a second), so that the process it started is known and can be stopped."""
    starting = asyncio.ensure_future(asyncio.to_thread(process.start))
    cancelled = False
    while not starting.done():
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            cancelled = True
    starting.result()  # raises what start() raised
    if cancelled:
        raise asyncio.CancelledError


def _exit_code(process: Any) -> int | None:
    """The exit code of a worker whose pipe closed (it is exiting: wait a moment for it)."""
    process.join(1)
    return process.exitcode


def _crash(code: int | None, memory_limit_mb: int) -> WorkerCrashed:
    """The error for a worker that died running a query, by how it ended."""
    if code == -signal.SIGABRT:  # Rust aborts when an allocation fails under the address-space limit
        return QueryOutOfMemory(worker_module.out_of_memory(memory_limit_mb))
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return WorkerCrashed(f"the query's worker process stopped ({how}); it was replaced, try again")
