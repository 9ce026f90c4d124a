"""``mediakg serve``: run the service with uvicorn on one process.

Queries go to the worker pool over the build (or ``--data``), or with ``--endpoint URL`` to a remote
SPARQL 1.1 store that ``mediakg load --endpoint URL`` filled (:mod:`.remote_executor`). With a remote store
the dumps (/download) and the VoID description are made from a copy of the store's live graphs, taken at
start and again whenever another load goes live, so they always match what the endpoint answers.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from mediakg.errors import MediakgError, UsageError
from mediakg.folder import BuildFolder
from mediakg.graph.namespaces import ID_BASE
from mediakg.paths import project_paths
from mediakg.service.settings import Settings
from mediakg.store.local import check_readable


def resolve_data(data: str | Path | None, base_iri: str | None, scratch: contextlib.ExitStack) -> Path:
    """The build folder to serve: the given build directory; a snapshot of the given dataset file
    (:func:`mediakg.publish.snapshot.snapshot_file`) in a temporary folder that ``scratch`` removes; else the
    project build (rebuilt if stale, or made with another ``base_iri``).

    A build directory made with another base IRI than ``base_iri`` is a UsageError: its exports describe
    its own, and serving only reads them."""
    if data is None:
        from mediakg.build import ensure_build

        return ensure_build(project_paths(), base_iri=base_iri)
    path = Path(data)
    if not path.exists():
        raise UsageError(f"--data {path}: no such file or directory")
    path = path.resolve()
    check_readable(path)  # fail here with a plain message rather than in the workers
    if path.is_dir():
        built = BuildFolder(path).base_iri() or ID_BASE
        if base_iri is not None and base_iri != built:
            raise UsageError(
                f"--base-iri {base_iri}: {path} was built with base IRI {built}, which its dumps and VoID "
                f"describe; rebuild it with `mediakg build --base-iri {base_iri}`"
            )
        return path
    from mediakg.publish.snapshot import snapshot_file

    folder = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="mediakg-data-"))) / "build"
    return snapshot_file(path, folder, base_iri=base_iri or ID_BASE).path


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
    endpoint = getattr(args, "endpoint", None)
    if endpoint and args.data:
        raise UsageError("give either --data (serve a file or build) or --endpoint (serve a remote store)")
    from_env = Settings.from_env()
    base_iri = getattr(args, "base_iri", None) or from_env.base_iri
    if endpoint:
        check_endpoint_url(endpoint)
    # uvicorn stops on SIGTERM, then raises it again: as an exception it unwinds the stack below, so that the
    # temporary snapshot of a dataset file is removed
    signal.signal(signal.SIGTERM, _terminated)
    with contextlib.ExitStack() as scratch:
        data = None if endpoint else resolve_data(args.data or from_env.data, base_iri, scratch)
        return _serve(args, endpoint, data, base_iri)


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _serve(args: argparse.Namespace, endpoint: str | None, data: Path | None, base_iri: str | None) -> int:
    import uvicorn

    from mediakg.service.app import create_app

    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        timeout=args.timeout,
        workers=args.workers,
        allow_worker_network=getattr(args, "allow_worker_network", None),
        base_iri=base_iri,
        data=data,
    )
    sock = listen(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    print(
        f"mediakg serve: {endpoint or args.data or settings.data} at {base}/ "
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
