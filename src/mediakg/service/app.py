"""The FastAPI application: ``create_app(settings)``.

Routes: ``/sparql`` (:mod:`.sparql_endpoint`), ``/docs``, ``/redoc`` and ``/static/vendor/``
(:mod:`.docs_pages`, offline), ``/health``, the named questions (:mod:`.api`), the entity pages
(:mod:`.pages`) and ``/validate`` (:mod:`.validate_page`). The query executor lives on
``app.state.executor`` and the settings on ``app.state.settings``; the executor starts with the app
(lifespan) and stops with it.

Two executors, one interface (:class:`mediakg.query.base.Executor`): a
:class:`~mediakg.query.pool.WorkerPool` (worker processes over the build or a dataset file,
``settings.data``) and, with ``endpoint``, a :class:`~mediakg.query.remote.RemoteExecutor`
(a remote SPARQL 1.1 store filled by ``mediakg load``). With a remote store, ``settings.data`` is replaced
by the executor's copy of the store's data (``data_dir``), from which ETags, dumps and VoID are made.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from mediakg.errors import MediakgError, StoreUnavailable, UsageError
from mediakg.folder import QUERIES, BuildFolder
from mediakg.graph.namespaces import ID_BASE
from mediakg.paths import project_paths
from mediakg.publish.snapshot import write_snapshot
from mediakg.query.base import Executor
from mediakg.query.pool import WorkerPool
from mediakg.query.remote import RemoteExecutor
from mediakg.questions.catalogue import load_questions
from mediakg.service import analyst, api, caching, docs_pages, pages, sparql_endpoint, validate_page
from mediakg.service.http import error_text
from mediakg.service.settings import Settings

log = logging.getLogger("mediakg.service")


def create_app(settings: Settings, *, endpoint: str | None = None) -> FastAPI:
    """Build the service for ``settings.data`` (a build directory or an RDF dataset file) or, when
    ``endpoint`` is given, for the remote SPARQL 1.1 store at that URL."""
    executor: Executor
    if endpoint:
        settings = dataclasses.replace(settings, base_iri=settings.base_iri or ID_BASE)
        # the copy of the store's graphs, with its dumps, is written by the publish layer
        snapshot = functools.partial(write_snapshot, base_iri=settings.base_iri)
        remote = RemoteExecutor(endpoint, settings.executor_config(), snapshot=snapshot)
        settings = dataclasses.replace(settings, data=remote.data_dir)
        executor, serving = remote, endpoint
    else:
        if settings.data is None:
            raise UsageError("no data to serve: settings.data must name a build directory or an RDF file")
        settings = dataclasses.replace(settings, base_iri=settings.base_iri or built_base_iri(settings.data))
        data = Path(settings.data)
        executor = WorkerPool(
            data, settings.executor_config(), fingerprint=lambda: caching.build_fingerprint(data)[0]
        )
        serving = str(settings.data)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            info = await executor.start()
        except StoreUnavailable as exc:
            log.error("cannot serve %s: %s", serving, exc)
            raise
        if info is not None:
            log.info("serving %s: %d triples, %d named graphs", serving, info.triples, len(info.graphs))
        print(sandbox_banner(executor.sandbox_state), flush=True)
        try:
            yield
        finally:
            await executor.close()

    app = FastAPI(
        title="mediakg",
        description="Kazakhstan-OSCE engagements and media-freedom incidents: SPARQL endpoint and API.",
        lifespan=lifespan,
        # /docs and /redoc come from docs_pages, with the vendored scripts instead of a CDN
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.executor = executor
    # the questions the served build was made with (its copy of queries/; the checkout's for a snapshot)
    app.state.questions = load_questions(BuildFolder(settings.data).served(QUERIES, project_paths().queries))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=["X-Result-Rows", "X-Result-Truncated", "ETag", "Last-Modified"],
    )
    app.include_router(sparql_endpoint.router)
    app.include_router(docs_pages.router)
    app.include_router(analyst.router)  # before api: /api/_entities is not a question

    async def failure(request: Request, exc: Exception) -> PlainTextResponse:
        """A failure no route handled (e.g. an entity page while the store is down): its own status and
        message instead of a 500 with a traceback in the log."""
        return error_text(exc)

    app.add_exception_handler(MediakgError, failure)
    app.add_middleware(NoDumpsBeforeTheStore, executor=executor, serving=serving)

    @app.get("/health")
    async def health(request: Request) -> dict[str, object]:
        """Liveness, the backend, whether the store answers, and the size of the data (cached values)."""
        return await health_report(request.app.state.executor)

    app.include_router(api.make_router(app.state.questions))
    app.include_router(pages.router)
    app.include_router(validate_page.router)
    return app


def built_base_iri(data: Path) -> str:
    """The base IRI the build at ``data`` was made with (ID_BASE for a build without one, or a file)."""
    return (BuildFolder(data).base_iri() if Path(data).is_dir() else None) or ID_BASE


def sandbox_banner(state: str | None) -> str:
    """The start-up line about the query workers' network sandbox."""
    if state and not state.startswith("off"):
        return f"mediakg serve: query workers sandboxed ({state})"
    return (
        f"mediakg serve: WARNING: query workers run WITHOUT the network sandbox: {state}; "
        "allowed by --allow-worker-network"
    )


class NoDumpsBeforeTheStore:
    """The dumps and VoID describe what the store holds: 503 for them until it has answered once (a remote
    store that is down at start; an embedded store answers before the service does).

    A plain ASGI middleware: Starlette's ``@app.middleware("http")`` (BaseHTTPMiddleware) would wrap every
    request, queries included, in extra tasks and streams (~0.3 ms of the web process each)."""

    def __init__(self, app: ASGIApp, executor: Executor, serving: str) -> None:
        self.app = app
        self.executor = executor
        self.serving = serving

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.executor.info is None:
            path = scope.get("path", "")
            if path.startswith("/download") or path == "/.well-known/void":
                response = PlainTextResponse(
                    f"the dumps are copied from the SPARQL store {self.serving}, which has not "
                    "answered yet; try again later\n",
                    status_code=503,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def health_report(ex: Executor) -> dict[str, Any]:
    """The /health document: liveness, the data's size (cached), the workers and their sandbox, and the
    backend's own report (embedded: a worker is alive, no query runs; remote: a cheap, cached ASK)."""
    info = ex.info
    backend = await ex.health()
    ok = backend["store"]["ok"] and ex.workers_alive > 0
    return {
        "status": "ok" if ok else "degraded",
        "triples": info.triples if info else None,
        "graphs": len(info.graphs) if info else None,
        "workers": ex.workers_alive,
        "network_sandbox": ex.sandbox_state,
        **backend,
    }
