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
from mediakg.query.base import ExecutorConfig

ENV_PREFIX = "MEDIAKG_SERVICE_"


@dataclass(frozen=True)
class Settings(ExecutorConfig):
    """What the service serves, where, and (the fields of :class:`ExecutorConfig`) the limits it applies
    to every query."""

    #: A build directory (with ``store/`` or ``dataset.nq``) or an RDF file (TriG, N-Quads, Turtle).
    data: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    #: ``POST /validate``: the largest file accepted, in bytes (a larger one gets 413).
    validate_max_bytes: int = 2_000_000
    #: ``POST /validate``: seconds one validation may take before its process is killed (503).
    validate_timeout: float = 30.0
    #: ``POST /validate``: validations that may run at once (one process each); more get 429.
    validate_concurrency: int = 2
    #: ``POST /validate``: address-space limit of each validation process (RLIMIT_AS), in MiB; 0: none.
    validate_memory_limit_mb: int = 2048
    #: Public base of entity IRIs: ``/id/<path>`` answers ``<base_iri><path>``. None: the base the served
    #: build was made with (``mediakg build --base-iri``), which its VoID and entity counts describe; a
    #: build without one, a data file or a remote store: ID_BASE.
    base_iri: str | None = None
    #: Origins allowed by CORS.
    cors_origins: tuple[str, ...] = field(default=("*",))

    def executor_config(self) -> ExecutorConfig:
        """The query layer's part of these settings."""
        return ExecutorConfig(**{f.name: getattr(self, f.name) for f in dataclasses.fields(ExecutorConfig)})

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
