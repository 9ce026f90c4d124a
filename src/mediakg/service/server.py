"""``mediakg serve``: run the service with uvicorn on one process (queries go to the worker pool)."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

from ..errors import MediakgError, UsageError
from ..paths import project_paths
from ..store import check_readable
from .settings import Settings


def resolve_data(data: str | Path | None) -> Path:
    """The data to serve: the given file/build directory, else the project build (rebuilt if stale)."""
    if data is not None:
        path = Path(data)
        if not path.exists():
            raise UsageError(f"--data {path}: no such file or directory")
        return path.resolve()
    from ..build import ensure_build

    return ensure_build(project_paths())


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise MediakgError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(128)
    return sock


def cmd_serve(args: argparse.Namespace) -> int:
    """``mediakg serve [--host H] [--port P] [--data FILE] [--timeout S] [--workers N] [--base-iri IRI]``."""
    import uvicorn

    from .app import create_app

    if getattr(args, "endpoint", None):
        raise UsageError(
            "serve --endpoint (a remote SPARQL store) is not supported yet; use --data or the build"
        )
    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        timeout=args.timeout,
        workers=args.workers,
        base_iri=getattr(args, "base_iri", None),
        data=resolve_data(args.data or Settings.from_env().data),
    )
    check_readable(settings.data)  # fail here with a plain message rather than in the workers
    sock = listen(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"mediakg serve: {settings.data} on http://{shown}:{port}/sparql", flush=True)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="info", lifespan="on"))
    server.run(sockets=[sock])
    if not server.started:
        raise MediakgError("the service did not start (see the messages above)")
    return 0
