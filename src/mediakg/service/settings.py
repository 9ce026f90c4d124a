"""Settings of the SPARQL service: limits, pool size and the data it serves.

Every field can be set from the environment as ``MEDIAKG_SERVICE_<FIELD>`` (e.g.
``MEDIAKG_SERVICE_MAX_ROWS=500``); command-line options override the environment.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediakg.errors import UsageError

ENV_PREFIX = "MEDIAKG_SERVICE_"


@dataclass(frozen=True)
class Settings:
    """What the service serves and the limits it applies to every query."""

    #: A build directory (with ``store/`` or ``dataset.nq``) or an RDF file (TriG, N-Quads, Turtle).
    data: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    #: Seconds a query may run (parse check + evaluation + serialisation) before its worker is killed.
    timeout: float = 10.0
    #: Standing query worker processes for client queries (/sparql).
    workers: int = 2
    #: Most workers per lane: a lane grows when all are busy (a spare is kept warm), up to this many.
    max_workers: int = 6
    #: Standing workers for the service's own queries (named questions, entity pages), apart from the
    #: client queries so that runaways cannot starve them; they grow as far as max_workers.
    internal_workers: int = 2
    #: Most /sparql queries one client (address) may have in flight; more get 429 with Retry-After.
    client_concurrency: int = 4
    #: Let query workers start without the kernel's network sandbox (seccomp) where it cannot be
    #: installed. Off: the service refuses to start without it. Reported by /health and at start.
    allow_worker_network: bool = False
    #: Address-space limit of each worker (RLIMIT_AS), in MiB; 0 disables it.
    memory_limit_mb: int = 2048
    #: Longest accepted query text, in characters.
    max_query_length: int = 100_000
    #: Deepest accepted nesting of ``{`` ``(`` ``[`` (pyoxigraph overflows its stack on ~2,500).
    max_depth: int = 64
    #: Most syntax nodes (brackets, operators, UNION/MINUS/BIND… keywords): long chains overflow too.
    max_nodes: int = 1000
    #: Most result rows (solutions or triples) returned; more are cut and reported.
    max_rows: int = 10_000
    #: Most bytes of a serialised result; larger results are cut (at a row boundary) and reported.
    max_bytes: int = 10_000_000
    #: Public base of entity IRIs: ``/id/<path>`` answers ``<base_iri><path>``. None: the base the served
    #: build was made with (``mediakg build --base-iri``), which its VoID and entity counts describe; a
    #: build without one, a data file or a remote store: ID_BASE.
    base_iri: str | None = None
    #: Origins allowed by CORS.
    cors_origins: tuple[str, ...] = field(default=("*",))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``MEDIAKG_SERVICE_*`` variables, then ``overrides`` (``None`` values are ignored).

        Raises UsageError for a value that does not convert to the field's type.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(f.name, raw)
        for name, value in overrides.items():
            if value is not None:
                values[name] = _convert(name, value) if isinstance(value, str) else value
        return cls(**values)


def _convert(name: str, raw: str) -> Any:
    """Convert the text ``raw`` to the type of field ``name``."""
    default = {f.name: f for f in dataclasses.fields(Settings)}.get(name)
    if default is None:
        raise UsageError(f"unknown service setting {name!r}")
    kind = type(default.default) if default.default is not dataclasses.MISSING else tuple
    try:
        if name == "data":
            return Path(raw)
        if default.default is None:  # optional text (base_iri)
            return raw
        if name == "cors_origins":
            return tuple(o.strip() for o in raw.split(",") if o.strip())
        if kind is bool:
            return raw.lower() in {"1", "true", "yes"}
        return kind(raw)
    except ValueError as exc:
        raise UsageError(f"service setting {name}: cannot read {raw!r} as {kind.__name__}") from exc
