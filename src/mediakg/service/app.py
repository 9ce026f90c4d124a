"""The FastAPI application: ``create_app(settings)``.

Routes: ``/sparql`` (:mod:`.sparql_endpoint`), ``/health``, then the routers of the optional modules
:mod:`mediakg.service.api` (named questions) and :mod:`mediakg.service.linked_data` (entity pages), each
included when the module exists. The query executor (worker pool) lives on ``app.state.executor`` and the
settings on ``app.state.settings``; the pool starts with the app (lifespan) and stops with it.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware

from ..errors import UsageError
from . import sparql_endpoint
from .executor import QueryExecutor, StoreUnavailable
from .settings import Settings

log = logging.getLogger("mediakg.service")

#: Modules whose ``router`` is included after the core routes when they exist.
OPTIONAL_ROUTERS = ("mediakg.service.api", "mediakg.service.linked_data")


def create_app(settings: Settings) -> FastAPI:
    """Build the service for ``settings.data`` (a build directory or an RDF dataset file)."""
    if settings.data is None:
        raise UsageError("no data to serve: settings.data must name a build directory or an RDF file")
    executor = QueryExecutor.from_settings(settings, Path(settings.data))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            info = await executor.start()
        except StoreUnavailable as exc:
            log.error("cannot serve %s: %s", settings.data, exc)
            raise
        log.info("serving %s: %d triples, %d named graphs", settings.data, info.triples, len(info.graphs))
        try:
            yield
        finally:
            await executor.close()

    app = FastAPI(
        title="mediakg",
        description="Kazakhstan-OSCE engagements and media-freedom incidents: SPARQL endpoint and API.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.executor = executor
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=["X-Result-Rows", "X-Result-Truncated"],
    )
    app.include_router(sparql_endpoint.router)

    @app.get("/health")
    async def health(request: Request) -> dict[str, object]:
        """Liveness and size of the data, from values cached at start (no query runs)."""
        ex: QueryExecutor = request.app.state.executor
        info = ex.info
        return {
            "status": "ok" if ex.workers_alive else "degraded",
            "triples": info.triples if info else None,
            "graphs": len(info.graphs) if info else None,
            "workers": ex.workers_alive,
        }

    for name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise  # the module exists but something it imports is missing: a real error
            continue
        app.include_router(module.router)
    return app
