"""The query worker: a process that opens the store once and answers queries sent over a pipe.

Started by :mod:`mediakg.query.pool` (never imported by the web process for its own use). Before it reads
anything it limits its address space and installs the network sandbox (:mod:`.sandbox`), so no query it
runs can open a socket. The protocol on the pipe, all values picklable:

* worker → parent once at start: ``("ready", {"triples": int, "graphs": [iri, ...], "sandbox": str})``
  or ``("failed", message)``;
* parent → worker: a :class:`Job`; worker → parent: ``("started",)`` at once, then ``("ok", answer)`` or
  ``("error", exception class name, message)``. The first message tells the parent that this worker took
  the job: a worker that dies before it (killed while idle) never saw the job, which can safely go to
  another worker; one that dies after it died running the job.

A job runs the gate (:func:`.gate.gate`: escapes decoded, rdflib parse, SERVICE refused; nothing
evaluated); unless it only asks for that verdict, the gated text, its bindings joined as a ``VALUES`` row,
is evaluated by the store (:class:`~mediakg.store.embedded.EmbeddedBackend`) and serialised under the caps.
The parent kills the process when it passes the time limit; the worker never needs to cooperate. A worker
without a store (``location`` None) only gates: the remote executor's.
"""

from __future__ import annotations

import os
import resource
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from mediakg import formats
from mediakg.errors import MediakgError, QueryRejected
from mediakg.query import gate, results, sandbox
from mediakg.query.base import QueryRequest
from mediakg.store.embedded import EmbeddedBackend
from mediakg.store.local import named_graphs, open_store


@dataclass(frozen=True)
class Job:
    """One request for a worker; ``check_only``: answer the gate's :class:`.gate.Checked` verdict only."""

    request: QueryRequest
    check_only: bool = False


@dataclass(frozen=True)
class Start:
    """How a worker process is set up (the arguments of :func:`main`)."""

    location: str | None  # None: a checking worker without a store
    memory_limit_mb: int
    #: False only when the operator allows workers without the sandbox where it cannot be installed.
    sandbox_required: bool
    nice: int = 0


def main(conn: Connection, start: Start) -> None:
    """Worker entry point: limits, sandbox, open the store, then answer jobs until the pipe closes."""
    try:
        backend, info = _set_up(start)
    except (MediakgError, OSError, MemoryError, sandbox.SandboxUnavailable) as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", info))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(("started",))
        try:
            reply: tuple[Any, ...] = ("ok", run_job(backend, job))
        except MediakgError as exc:
            reply = ("error", type(exc).__name__, str(exc))
        except MemoryError:
            reply = ("error", "QueryOutOfMemory", out_of_memory(start.memory_limit_mb))
        except Exception as exc:  # report, keep serving: the next query may be fine
            reply = ("error", "QueryFailed", f"the query failed: {type(exc).__name__}: {exc}")
        conn.send(reply)


def out_of_memory(limit_mb: int) -> str:
    """The message for a query that ran out of memory (here, or as a crash the parent sees)."""
    return (
        f"the query needed more memory than a query worker may use ({limit_mb} MB) and was stopped; "
        "narrow it down (LIMIT, more specific patterns)"
    )


def _set_up(start: Start) -> tuple[EmbeddedBackend | None, dict[str, Any]]:
    """Memory limit, sandbox, priority and store of a new worker; the ``ready`` message's content."""
    if start.memory_limit_mb > 0:
        limit = start.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        sandbox.install()
        state = sandbox.NAME
    except sandbox.SandboxUnavailable as exc:
        if start.sandbox_required:
            raise sandbox.SandboxUnavailable(
                f"the query workers' network sandbox cannot be installed: {exc}. The service will not run "
                "queries that could reach the network; to run without the sandbox anyway, pass "
                "--allow-worker-network (MEDIAKG_SERVICE_ALLOW_WORKER_NETWORK=1)"
            ) from exc
        state = f"off ({exc})"
    if start.nice:
        os.nice(start.nice)
    if start.location is None:
        return None, {"triples": 0, "graphs": [], "sandbox": state}
    store = open_store(Path(start.location))
    info = {"triples": len(store), "graphs": named_graphs(store), "sandbox": state}
    return EmbeddedBackend(store, f"the store at {start.location}"), info


def run_job(backend: EmbeddedBackend | None, job: Job) -> Any:
    """Gate, bind, evaluate and serialise one job (only gate it when ``job.check_only``)."""
    request = job.request
    checked = verify(request.query)
    if job.check_only or backend is None:
        return checked
    if (checked.kind == "graph") != (request.media_type in formats.GRAPH_TYPES):
        raise QueryRejected(f"{checked.form} results cannot be given as {request.media_type}")
    answer = backend.evaluate(
        checked.text,
        bindings=dict(request.bindings),
        default_graph_uris=request.default_graph_uris,
        named_graph_uris=request.named_graph_uris,
        query_dataset=bool(checked.dataset),
    )
    return results.serialise(answer, request.media_type, request.max_rows, request.max_bytes)


#: Query texts that passed the gate, most recent last. Named questions and entity pages send the same text
#: with other bindings: the rdflib parse (~0.1-0.3 s for a large query) is paid once per worker.
_VERIFIED: OrderedDict[str, gate.Checked] = OrderedDict()
VERIFIED_CACHE_SIZE = 512


def verify(query: str) -> gate.Checked:
    """The gate's verdict on ``query`` (:func:`.gate.gate`), remembered when passed."""
    checked = _VERIFIED.get(query)
    if checked is not None:
        _VERIFIED.move_to_end(query)
        return checked
    checked = gate.gate(query)
    _VERIFIED[query] = checked
    if len(_VERIFIED) > VERIFIED_CACHE_SIZE:
        _VERIFIED.popitem(last=False)
    return checked
