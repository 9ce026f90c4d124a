"""Start the real service (``python -m mediakg.cli serve``, uvicorn) on a free 127.0.0.1 port for tests.

Use the context manager directly::

    from service_fixtures import start_server

    with start_server(tmp_path / "data.trig", timeout=2, max_rows=50) as base_url:
        httpx.get(f"{base_url}/sparql", params={"query": "ASK {}"})

or the module-scoped fixture ``server_factory`` (import it into the test module:
``from service_fixtures import server_factory  # noqa: F401``), which stops its servers when the module
ends: ``base_url = server_factory(data_file, timeout=2)``.

To serve a remote SPARQL store instead (``mediakg serve --endpoint URL``), pass ``endpoint=`` and no data:
``start_server(endpoint="http://127.0.0.1:7878/query")`` / ``server_factory(endpoint=..., timeout=2)``.

Keyword settings are any field of :class:`mediakg.service.settings.Settings` (``timeout``, ``workers``,
``max_rows``, ``max_bytes``, ``max_depth``, ``memory_limit_mb``, ``base_iri``…), passed to the server
process as ``MEDIAKG_SERVICE_<NAME>`` environment variables.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mediakg.service.settings import ENV_PREFIX

_URL = re.compile(r"SPARQL endpoint (http://\S+)/sparql")
#: The server process behind each base URL started here (for tests that check it survives, or signal it).
PROCESSES: dict[str, subprocess.Popen[bytes]] = {}


@contextmanager
def start_server(
    data_file: Path | str | None = None,
    startup_timeout: float = 60.0,
    *,
    endpoint: str | None = None,
    **settings: Any,
) -> Iterator[str]:
    """Run ``mediakg serve --data DATA_FILE --port 0`` (or ``--endpoint ENDPOINT``) until the block ends;
    yields the base URL (``http://127.0.0.1:PORT``) once ``/health`` answers. The server's output goes to a
    temp file whose tail is shown if it fails to start."""
    if (data_file is None) == (endpoint is None):
        raise ValueError("give either data_file or endpoint")
    env = dict(os.environ)
    for name, value in settings.items():
        env[ENV_PREFIX + name.upper()] = str(value)
    command = [sys.executable, "-m", "mediakg.cli", "serve", "--host", "127.0.0.1", "--port", "0"]
    command += ["--endpoint", endpoint] if endpoint else ["--data", str(data_file)]
    with tempfile.NamedTemporaryFile("w+", prefix="mediakg-serve-", suffix=".log") as log:
        # output to a file: an unread pipe would fill up with access logs and block the server
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            base_url = _wait_until_up(process, Path(log.name), startup_timeout)
            PROCESSES[base_url] = process
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _wait_until_up(process: subprocess.Popen[bytes], log: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    base_url = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mediakg serve exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        if base_url is None:
            match = _URL.search(log.read_text())
            base_url = match.group(1) if match else None
        if base_url is not None:
            try:
                if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                    return base_url
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"mediakg serve did not come up in {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server_factory() -> Iterator[Callable[..., str]]:
    """``server_factory(data_file, **settings) -> base_url`` (or ``server_factory(endpoint=URL, ...)``);
    servers stop at the end of the module."""
    with ExitStack() as stack:

        def start(data_file: Path | str | None = None, **settings: Any) -> str:
            return stack.enter_context(start_server(data_file, **settings))

        yield start
