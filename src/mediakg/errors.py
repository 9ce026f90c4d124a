"""The one error hierarchy. Every failure a user can act on is a :class:`MediakgError`: the command line
reports it as a plain message and a non-zero exit (``exit_code``), never a traceback; the web service answers
it with its ``status`` (and ``Retry-After`` when it has ``retry_after``), never a 500."""

from __future__ import annotations


class MediakgError(Exception):
    """A failure the user can act on; ``str(error)`` is the whole message."""

    exit_code = 1
    status = 500
    #: Seconds after which trying again makes sense (``Retry-After``), or None.
    retry_after: int | None = None


class UsageError(MediakgError):
    """Bad arguments or inputs named on the command line."""

    exit_code = 2
    status = 400


# --------------------------------------------------------------------------- queries and stores


class QueryRejected(MediakgError):
    """The query is refused before it runs (unsafe, too large, unsupported format) or the store refused
    it."""

    status = 400


class QuerySyntaxError(QueryRejected):
    """The query does not parse; the message gives the parser's words and position."""


class UpdateRefused(QueryRejected):
    """The request asks for a SPARQL update; the endpoint is read-only."""

    status = 403


class QueryFailed(QueryRejected):
    """The engine could not evaluate the query (e.g. a function given values it refuses)."""


class QueryTimeout(MediakgError):
    """The query ran past its time limit and was stopped (its worker killed and replaced)."""

    status = 503
    retry_after = 5


class StoreUnavailable(MediakgError):
    """The store cannot be reached or opened, or every worker stayed busy past the time limit."""

    exit_code = 3
    status = 503
    retry_after = 5


class WorkerCrashed(StoreUnavailable):
    """The worker died while running the query (killed, out of memory, stack overflow); it was replaced."""

    retry_after = 2


class QueryOutOfMemory(WorkerCrashed):
    """The query needed more memory than a query worker may take."""


class TooManyRequests(StoreUnavailable):
    """This client already has as many queries running as it may; it should wait for one to finish."""

    status = 429
    retry_after = 2


def retry_headers(exc: BaseException) -> dict[str, str]:
    """``Retry-After`` for an error that says when to try again, else nothing."""
    seconds = getattr(exc, "retry_after", None)
    return {"Retry-After": str(seconds)} if seconds else {}
