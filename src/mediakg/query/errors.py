"""Typed failures of a SPARQL query in the service; each knows the HTTP status it maps to.

They extend the backend exceptions of :mod:`mediakg.store.base`, so code that catches those (the CLI,
the question API) also catches these.
"""

from __future__ import annotations

from mediakg.store import base


class QueryRejected(base.QueryRejected):
    """The query is refused before it runs (unsafe, too large, unknown graph, unsupported format)."""

    status = 400


class UpdateRefused(QueryRejected):
    """The request asks for a SPARQL update; the endpoint is read-only."""

    status = 403


class QuerySyntaxError(QueryRejected):
    """The query does not parse; the message gives the parser's words and position."""

    status = 400


class QueryFailed(QueryRejected):
    """The engine could not evaluate the query (e.g. a function given values it refuses)."""

    status = 400


class QueryTimeout(base.QueryTimeout):
    """The query passed its time limit; its worker process was killed and replaced."""

    status = 503
    retry_after = 5


class WorkerCrashed(base.StoreUnavailable):
    """The worker died while running the query (killed, out of memory, stack overflow); it was replaced."""

    status = 503
    retry_after = 2


class QueryOutOfMemory(WorkerCrashed):
    """The query needed more memory than a query worker may take."""


class StoreUnavailable(base.StoreUnavailable):
    """No worker can open the store, or all stayed busy past the time limit. Retry later."""

    status = 503
    retry_after = 5


class TooManyRequests(base.StoreUnavailable):
    """This client already has as many queries running as it may; it should wait for one to finish."""

    status = 429
    retry_after = 2


def retry_headers(exc: BaseException) -> dict[str, str]:
    """``Retry-After`` for an error that says when to try again, else nothing."""
    seconds = getattr(exc, "retry_after", None)
    return {"Retry-After": str(seconds)} if seconds else {}
