"""The query worker: a process that opens the store once and answers queries sent over a pipe.

Started by :mod:`mediakg.service.executor` (never imported by the web process for its own use). The
protocol on the pipe, all values picklable:

* worker → parent once at start: ``("ready", {"triples": int, "graphs": [iri, ...]})`` or
  ``("failed", message)``;
* parent → worker: a :class:`Job`; worker → parent: ``("ok", Serialised)`` or
  ``("error", exception class name, message)``.

A job runs: syntax check (pyoxigraph, on an empty store: nothing is evaluated), the rdflib safety check
(:func:`query_check.check_parsed`), then the query on the store, then serialisation with the caps.
The parent kills the process when it passes the time limit; the worker never needs to cooperate.
"""

from __future__ import annotations

import resource
from collections import OrderedDict
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import MediakgError
from ..store import named_graphs, open_store
from . import query_check, results
from .errors import QueryRejected, QuerySyntaxError


@dataclass(frozen=True)
class Job:
    """One query for a worker (see QueryExecutor.run for the meaning of the fields)."""

    query: str
    media_type: str
    max_rows: int
    max_bytes: int
    substitutions: dict[str, str] = field(default_factory=dict)
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    #: True when the query has its own FROM / FROM NAMED (then the union default graph must not be forced).
    has_dataset: bool = False


def main(conn: Connection, location: str, memory_limit_mb: int) -> None:
    """Worker entry point: limit memory, open the store, then answer jobs until the pipe closes."""
    if memory_limit_mb > 0:
        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        store = open_store(Path(location))
        graphs = named_graphs(store)
        info = {"triples": len(store), "graphs": graphs}
    except (MediakgError, OSError, MemoryError) as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", info))
    graph_set = frozenset(graphs)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[Any, ...] = ("ok", run_job(store, graph_set, job))
        except QueryRejected as exc:
            reply = ("error", type(exc).__name__, str(exc))
        except MemoryError:
            reply = ("error", "WorkerCrashed", "the query ran out of memory")
        except Exception as exc:  # report, keep serving: the next query may be fine
            reply = ("error", "WorkerCrashed", f"query failed: {type(exc).__name__}: {exc}")
        conn.send(reply)


def run_job(store: ox.Store, graphs: frozenset[str], job: Job) -> results.Serialised:
    """Check, run and serialise one job; raises QueryRejected / QuerySyntaxError."""
    verify(job.query, graphs)
    options: dict[str, Any] = {}
    if job.default_graph_uris:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graph_uris]
    elif not job.has_dataset:
        # no dataset given: the default graph is the union of all graphs (a FROM would be ignored with it)
        options["use_default_graph_as_union"] = True
    if job.named_graph_uris:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graph_uris]
    if job.substitutions:
        options["substitutions"] = {
            ox.Variable(name.lstrip("?$")): parse_term(name, text) for name, text in job.substitutions.items()
        }
    try:
        answer = store.query(job.query, **options)
        return results.serialise(answer, job.media_type, job.max_rows, job.max_bytes)
    except SyntaxError as exc:
        raise QuerySyntaxError(describe_syntax_error(job.query, exc)) from exc


#: Query texts that passed both checks (a worker's graphs never change), most recent last. Named questions
#: and entity pages send the same text with different substitutions: the rdflib parse (~0.1-0.3 s for a
#: large query) is paid once per worker.
_VERIFIED: OrderedDict[str, None] = OrderedDict()
VERIFIED_CACHE_SIZE = 512


def verify(query: str, graphs: frozenset[str]) -> None:
    """Syntax check (pyoxigraph) and safety check (rdflib) of ``query``, remembered when passed."""
    if query in _VERIFIED:
        _VERIFIED.move_to_end(query)
        return
    check_syntax(query)
    query_check.check_parsed(query, graphs)
    _VERIFIED[query] = None
    if len(_VERIFIED) > VERIFIED_CACHE_SIZE:
        _VERIFIED.popitem(last=False)


_EMPTY: list[ox.Store] = []  # one empty store per process, made on first use (not shared over fork)


def check_syntax(query: str) -> None:
    """Raise QuerySyntaxError (position + the offending line) when pyoxigraph cannot parse ``query``.

    Uses an empty in-memory store and does not iterate the answer, so nothing is evaluated on data.
    """
    if not _EMPTY:
        _EMPTY.append(ox.Store())
    try:
        _EMPTY[0].query(query)
    except SyntaxError as exc:
        raise QuerySyntaxError(describe_syntax_error(query, exc)) from exc


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
