"""A job that runs test code inside a query worker: unpickling :class:`ConnectProbe` in the worker tries
``socket.create_connection`` there and turns the outcome into an ordinary query whose answer carries it.

Lives in its own module so that the worker process can import it by name when it unpickles the job.
"""

from __future__ import annotations

import json
import socket

from mediakg.query.base import QueryRequest
from mediakg.query.worker import Job


def connect_outcome(port: int) -> Job:
    """Try to connect to 127.0.0.1:``port`` here (in the worker); a job that answers what happened."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        outcome = "connected"
    except OSError as exc:
        outcome = f"refused: {exc}"
    query = f"SELECT ({json.dumps(outcome)} AS ?outcome) {{}}"
    return Job(QueryRequest(query, "application/sparql-results+json", (), (), (), 10.0, 1, 10_000, "public"))


class ConnectProbe:
    """Pickles as a call of :func:`connect_outcome`, so the worker runs it while it reads its job."""

    def __init__(self, port: int) -> None:
        self.port = port

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return connect_outcome, (self.port,)
