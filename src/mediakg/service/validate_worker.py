"""Run the validation of a posted file in a process of its own that is killed at the time limit.

A hostile file must not hold the web process: parsing and SHACL run in pure Python and cannot be
interrupted, so each validation gets a fresh child process (from the forkserver the query workers come
from: the web process has threads, so no plain fork), which before it reads anything limits its address
space (``RLIMIT_AS``, ``validate_memory_limit_mb``) and installs the query workers' network
sandbox (:mod:`mediakg.query.sandbox`: no sockets, so no parser can fetch anything even if a check
were fooled). The parent waits at most the time limit, then kills it; either way the child is reaped
before :func:`run` returns. :class:`Slots` bounds how many run at once.

The protocol on the one-way pipe, child → parent, once: ``("ok", PostedReport)`` or
``(kind, message)`` with kind ``memory`` (out of memory), ``unavailable`` (the served data, shapes or
sandbox could not be set up: the service's fault) or ``failed`` (the validator broke on this file).
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any

from mediakg.errors import MediakgError
from mediakg.graph.parse import InputFile
from mediakg.query import sandbox
from mediakg.validation.posted import PostedReport, posted_input, validate_posted


@dataclass(frozen=True)
class Job:
    """One validation: the posted file (``data`` named ``name``) and what it is validated with."""

    data: bytes
    name: str
    served: Path
    shapes: tuple[Path, ...]
    sources: Path | None
    memory_limit_mb: int
    #: False only when the operator lets query workers run without the sandbox (--allow-worker-network).
    sandbox_required: bool


#: Address space a validation process keeps in reserve to report that it ran out of memory.
RESERVE_BYTES = 8 * 1024 * 1024


class ValidationStopped(Exception):
    """The validation did not finish; ``kind`` says why (timeout, memory, unavailable, failed)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Slots:
    """At most ``size`` validations at once. Thread-safe: a slot is given back by the thread that ran the
    validation, when its process is gone, even if the request that asked for it was cancelled."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.used = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Take a slot; False when all are in use."""
        with self._lock:
            if self.used >= self.size:
                return False
            self.used += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.used -= 1


def _context() -> Any:
    try:
        return multiprocessing.get_context("forkserver")
    except ValueError:  # no forkserver on this platform
        return multiprocessing.get_context("spawn")


def run(job: Job, timeout: float) -> PostedReport:
    """Validate ``job`` in a child process (blocking: call it from a thread). Raises ValidationStopped."""
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=child_main, args=(sender, job), name="mediakg-validate", daemon=True)
    try:
        process.start()
    except (OSError, RuntimeError) as exc:
        receiver.close()
        sender.close()
        raise ValidationStopped("unavailable", f"the validation process could not start: {exc}") from exc
    grace = 0.0  # seconds the child has to exit by itself: none once it is late
    try:
        sender.close()  # the child holds its own end now; EOF on ours means it died
        if not receiver.poll(timeout):
            raise ValidationStopped(
                "timeout",
                f"the validation did not finish within {timeout:g} s and was stopped; a smaller file "
                "validates faster",
            )
        grace = 2.0
        try:
            reply = receiver.recv()
        except (EOFError, OSError):
            process.join(grace)
            raise _died(process.exitcode, job.memory_limit_mb) from None
    finally:
        # killed only while it runs: a pid that has exited may already belong to another process
        process.join(grace)
        if process.exitcode is None:
            process.kill()
            process.join(5)
        receiver.close()
    if reply[0] != "ok":
        raise ValidationStopped(reply[0], reply[1])
    return reply[1]


def _died(code: int | None, memory_limit_mb: int) -> ValidationStopped:
    if code == -signal.SIGABRT:  # Rust aborts when an allocation fails under the address-space limit
        return ValidationStopped("memory", _out_of_memory(memory_limit_mb))
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return ValidationStopped("unavailable", f"the validation process stopped ({how}); try again")


def _out_of_memory(limit_mb: int) -> str:
    return (
        f"the validation needed more memory than it may use ({limit_mb} MB) and was stopped; "
        "a smaller file needs less"
    )


def child_main(conn: Connection, job: Job) -> None:
    """The child process: limits and sandbox first, then the validation; one reply on ``conn``.

    At the memory limit even a small reply can fail to pickle, so the out-of-memory reply is pickled
    beforehand and a reserve of address space is given back before it is sent."""
    memory_reply = bytes(ForkingPickler.dumps(("memory", _out_of_memory(job.memory_limit_mb))))
    reserve = bytearray(RESERVE_BYTES)
    try:
        conn.send(_validate(job))
    except MemoryError:  # in the validation, or pickling a large report
        del reserve
        conn.send_bytes(memory_reply)
    conn.close()


def _validate(job: Job) -> tuple[str, Any]:
    try:
        _limit(job)
        shapes = [InputFile(p, None, p.name) for p in job.shapes]
        return ("ok", validate_posted(posted_input(job.data, job.name), job.served, shapes, job.sources))
    except (MediakgError, sandbox.SandboxUnavailable, OSError) as exc:
        return ("unavailable", str(exc))
    except MemoryError:  # an Exception too, but answered by child_main
        raise
    except Exception as exc:  # the validator broke on this input: say how, in the answer
        return ("failed", f"the file could not be validated: {type(exc).__name__}: {exc}")


def _limit(job: Job) -> None:
    if job.memory_limit_mb > 0:
        limit = job.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        sandbox.install()
    except sandbox.SandboxUnavailable:
        if job.sandbox_required:
            raise
