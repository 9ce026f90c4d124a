"""A real Virtuoso 7 server for tests and benchmarks: one ``virtuoso-t`` on free 127.0.0.1 ports.

Shared by tests/test_virtuoso.py and benchmarks/bench_service.py. Installs nothing: it needs ``virtuoso-t``
and ``isql-vt`` on PATH and the package's ini file (Debian package virtuoso-opensource); :func:`missing`
says what is absent. Each :class:`Virtuoso` gets a fresh database in its own folder, configured from
/etc/virtuoso-opensource-7/virtuoso.ini with the ports, the database paths and the settings given.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from oxigraph_support import free_port

TEMPLATE = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
#: Settings every instance gets: answers as long as the embedded store's (the package caps them at 10,000).
BASE_SETTINGS = {"ResultSetMaxRows": "1000000"}


def missing() -> str | None:
    """Why Virtuoso cannot be started here (None when it can)."""
    if not (shutil.which("virtuoso-t") and ISQL and TEMPLATE.is_file()):
        return "Virtuoso is not installed (Debian package virtuoso-opensource: virtuoso-t, isql-vt)"
    return None


def _set(ini: str, key: str, value: str) -> str:
    """``ini`` with ``key = value`` on the line that sets ``key`` (else the first commented-out one)."""
    for pattern in (rf"(?m)^{re.escape(key)}\s*=.*$", rf"(?m)^;\s*{re.escape(key)}\s*=.*$"):
        if re.search(pattern, ini):
            return re.sub(pattern, f"{key} = {value}", ini, count=1)
    raise ValueError(f"{TEMPLATE} has no setting {key}")


class Virtuoso:
    """One virtuoso-t process on its own database folder; can be killed (SIGKILL) and started again.

    ``settings``: extra ini values (e.g. ``{"NumberOfBuffers": "170000"}`` for a bigger page cache);
    ``log``: file for the server's output (default: discarded).
    """

    def __init__(
        self, folder: Path, settings: Mapping[str, str] | None = None, log: Path | None = None
    ) -> None:
        self.folder = folder
        self.log = log
        self.sql_port, self.http_port = free_port(), free_port()
        ini = TEMPLATE.read_text(encoding="utf-8").replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
        ini = re.sub(r"(?m)^ServerPort\s*=\s*1111\s*$", f"ServerPort = 127.0.0.1:{self.sql_port}", ini)
        ini = re.sub(r"(?m)^ServerPort\s*=\s*8890\s*$", f"ServerPort = 127.0.0.1:{self.http_port}", ini)
        for key, value in {**BASE_SETTINGS, **(settings or {})}.items():
            ini = _set(ini, key, value)
        self.ini = folder / "virtuoso.ini"
        self.ini.write_text(ini, encoding="utf-8")
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_store(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud"

    def start(self, limit_s: float = 120.0) -> Virtuoso:
        """Start the server, wait until its SPARQL endpoint answers and let the anonymous SPARQL user
        write (SPARQL Update and the Graph Store endpoint). RuntimeError if it does not come up."""
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                ["virtuoso-t", "+foreground", "+configfile", str(self.ini)],
                stdout=out,
                stderr=subprocess.STDOUT if self.log else subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                cwd=self.folder,
            )
        finally:
            if self.log:
                out.close()  # type: ignore[union-attr]
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}; see {self.folder}")
            try:
                query = urllib.parse.urlencode({"query": "ASK {}"})
                urllib.request.urlopen(f"{self.endpoint}?{query}", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            self.kill()
            raise RuntimeError(f"Virtuoso did not answer within {limit_s:.0f} s")
        assert ISQL is not None
        subprocess.run(
            [ISQL, f"127.0.0.1:{self.sql_port}", "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return self

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 30 s; idempotent."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
