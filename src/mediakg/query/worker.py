"""The query worker: a process that opens the store once and answers queries sent over a pipe.

Started by :mod:`mediakg.query.pool` (never imported by the web process for its own use). Before it
reads anything it limits its address space and installs the network sandbox (:mod:`.sandbox`), so no
query it runs can open a socket. The protocol on the pipe, all values picklable:

* worker → parent once at start: ``("ready", {"triples": int, "graphs": [iri, ...], "sandbox": str})``
  or ``("failed", message)``;
* parent → worker: a :class:`Job`; worker → parent: ``("started",)`` at once, then ``("ok", answer)`` or
  ``("error", exception class name, message)``. The first message tells the parent that this worker took
  the job: a worker that dies before it (killed while idle) never saw the job, which can safely go to
  another worker; one that dies after it died running the job.

A job runs the gate (:func:`query_check.gate`: escapes decoded, rdflib parse, SERVICE refused; nothing
evaluated), then, unless it only asks for the check, the gated text on the store and serialisation with
the caps. The parent kills the process when it passes the time limit; the worker never needs to cooperate.
A worker without a store (``location`` None) only checks: the remote backend's gate.
"""

from __future__ import annotations

import os
import resource
from collections import OrderedDict
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mediakg.errors import MediakgError
from mediakg.query import gate as query_check
from mediakg.query import results, sandbox
from mediakg.query.errors import QueryRejected, QuerySyntaxError
from mediakg.service.conneg import GRAPH_TYPES
from mediakg.store.local import named_graphs, open_store


@dataclass(frozen=True)
class Job:
    """One query for a worker (see QueryExecutor.run for the meaning of the fields).

    ``check_only``: answer the :class:`query_check.Checked` query instead of running it."""

    query: str
    media_type: str
    max_rows: int
    max_bytes: int
    substitutions: dict[str, str] = field(default_factory=dict)
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
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
        setup = _set_up(start)
    except (MediakgError, OSError, MemoryError, sandbox.SandboxUnavailable) as exc:
        conn.send(("failed", str(exc)))
        return
    store, info = setup
    conn.send(("ready", info))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(("started",))
        try:
            reply: tuple[Any, ...] = ("ok", run_job(store, job))
        except QueryRejected as exc:
            reply = ("error", type(exc).__name__, str(exc))
        except MemoryError:
            reply = ("error", "QueryOutOfMemory", out_of_memory(start.memory_limit_mb))
        except OSError as exc:  # reading the store failed
            reply = ("error", "StoreUnavailable", f"the store could not be read: {exc}")
        except Exception as exc:  # report, keep serving: the next query may be fine
            reply = ("error", "QueryFailed", f"the query failed: {type(exc).__name__}: {exc}")
        conn.send(reply)


def out_of_memory(limit_mb: int) -> str:
    """The message for a query that ran out of memory (here, or as a crash the parent sees)."""
    return (
        f"the query needed more memory than a query worker may use ({limit_mb} MB) and was stopped; "
        "narrow it down (LIMIT, more specific patterns)"
    )


def _set_up(start: Start) -> tuple[ox.Store | None, dict[str, Any]]:
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
    return store, {"triples": len(store), "graphs": named_graphs(store), "sandbox": state}


def run_job(store: ox.Store | None, job: Job) -> Any:
    """Gate, run and serialise one job (only gate it when ``job.check_only``); raises QueryRejected /
    QuerySyntaxError."""
    checked = verify(job.query)
    if job.check_only or store is None:
        return checked
    if (checked.kind == "graph") != (job.media_type in GRAPH_TYPES):
        raise QueryRejected(f"{checked.form} results cannot be given as {job.media_type}")
    options: dict[str, Any] = {}
    if job.default_graph_uris or job.named_graph_uris:
        # the protocol's dataset replaces the query's (SPARQL 1.1 Protocol 2.1.4); a graph it names that the
        # store does not hold is empty, and with no default-graph-uri the default graph is empty
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graph_uris]
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graph_uris]
    elif not checked.dataset:
        # no dataset given: the default graph is the union of all graphs (a FROM would be ignored with it)
        options["use_default_graph_as_union"] = True
    if job.substitutions:
        options["substitutions"] = {
            ox.Variable(name.lstrip("?$")): parse_term(name, text) for name, text in job.substitutions.items()
        }
    try:
        answer = store.query(checked.text, **options)
        return results.serialise(answer, job.media_type, job.max_rows, job.max_bytes)
    except SyntaxError as exc:
        raise QuerySyntaxError(describe_syntax_error(checked.text, exc)) from exc


#: Query texts that passed the gate, most recent last. Named questions and entity pages send the same text
#: with different substitutions: the rdflib parse (~0.1-0.3 s for a large query) is paid once per worker.
_VERIFIED: OrderedDict[str, query_check.Checked] = OrderedDict()
VERIFIED_CACHE_SIZE = 512


def verify(query: str) -> query_check.Checked:
    """The gate's verdict on ``query`` (:func:`query_check.gate`), remembered when passed."""
    checked = _VERIFIED.get(query)
    if checked is not None:
        _VERIFIED.move_to_end(query)
        return checked
    checked = query_check.gate(query)
    _VERIFIED[query] = checked
    if len(_VERIFIED) > VERIFIED_CACHE_SIZE:
        _VERIFIED.popitem(last=False)
    return checked


def describe_syntax_error(query: str, exc: SyntaxError) -> str:
    """'syntax error at line L, column C: <parser message>' followed by the line and a caret."""
    text = str(exc)
    head, sep, rest = text.partition(": ")
    position = head.removeprefix("error at ").split(":") if head.startswith("error at ") else []
    if len(position) != 2 or not all(p.isdigit() for p in position) or not sep:
        return f"syntax error: {text[:300]}"
    line, column = (int(p) for p in position)
    expected = rest if len(rest) <= 200 else rest[:200] + " …"
    lines = query.splitlines() or [""]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    pointer = " " * (max(column, 1) - 1) + "^"
    return f"syntax error at line {line}, column {column}: {expected}\n{source}\n{pointer}"


def parse_term(name: str, text: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A term in N-Triples syntax (``<iri>``, ``"lex"@lang``, ``"lex"^^<dt>``) as a pyoxigraph term."""
    try:
        quads = list(ox.parse(f"<urn:s> <urn:p> {text} .".encode(), format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        raise QueryRejected(f"value of ?{name.lstrip('?$')} is not an N-Triples term: {text!r}") from exc
    if len(quads) != 1:
        raise QueryRejected(f"value of ?{name.lstrip('?$')} is not one N-Triples term: {text!r}")
    return quads[0].object
