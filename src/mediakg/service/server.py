"""``mediakg serve``: run the service with uvicorn on one process.

Queries go to the worker pool over the build (or ``--data``), or with ``--endpoint URL`` to a remote
SPARQL 1.1 store that ``mediakg load --endpoint URL`` filled (:mod:`.remote_executor`). With a remote store
the dumps (/download) and the VoID description are made from a copy of the store's live graphs, taken at
start and again whenever another load goes live, so they always match what the endpoint answers.
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path
from urllib.parse import urlsplit

from mediakg.errors import MediakgError, UsageError
from mediakg.paths import project_paths
from mediakg.service.settings import Settings
from mediakg.store.local import check_readable


def resolve_data(data: str | Path | None) -> Path:
    """The data to serve: the given file/build directory, else the project build (rebuilt if stale)."""
    if data is not None:
        path = Path(data)
        if not path.exists():
            raise UsageError(f"--data {path}: no such file or directory")
        return path.resolve()
    from mediakg.build import ensure_build

    return ensure_build(project_paths())


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets created with it, and without it
    # Nagle's algorithm adds ~40 ms to each answer uvicorn writes as headers + body on a kept-alive link.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise MediakgError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(128)
    return sock


def cmd_serve(args: argparse.Namespace) -> int:
    """``mediakg serve [--host H] [--port P] [--data FILE | --endpoint URL] [--timeout S] [--workers N]
    [--base-iri IRI]``."""
    from mediakg.query.pool import prestart

    prestart()  # the worker's imports in the forkserver, alongside the web process's below
    import uvicorn

    from mediakg.service.app import create_app

    endpoint = getattr(args, "endpoint", None)
    if endpoint and args.data:
        raise UsageError("give either --data (serve a file or build) or --endpoint (serve a remote store)")
    if endpoint:
        check_endpoint_url(endpoint)
        data = None
    else:
        data = resolve_data(args.data or Settings.from_env().data)
        check_readable(data)  # fail here with a plain message rather than in the workers
    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        timeout=args.timeout,
        workers=args.workers,
        allow_worker_network=getattr(args, "allow_worker_network", None),
        base_iri=getattr(args, "base_iri", None),
        data=data,
    )
    sock = listen(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    print(
        f"mediakg serve: {endpoint or settings.data} at {base}/ "
        f"(SPARQL endpoint {base}/sparql, questions {base}/api)",
        flush=True,
    )
    app = create_app(settings, endpoint=endpoint)
    server = uvicorn.Server(uvicorn.Config(app, log_level="info", lifespan="on"))
    server.run(sockets=[sock])
    if not server.started:
        raise MediakgError("the service did not start (see the messages above)")
    return 0


def check_endpoint_url(endpoint: str) -> None:
    """UsageError unless ``endpoint`` is an absolute http(s) URL (the store itself is checked at start)."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--endpoint {endpoint!r}: give the http(s) URL of a SPARQL query endpoint")
