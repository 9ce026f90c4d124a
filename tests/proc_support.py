"""The query workers of a running ``mediakg serve``, found through /proc (Linux), for fault tests.

Workers are forked from multiprocessing's forkserver, a child of the server process; the public lane's
workers run at nice 5, the internal lane's at nice 0.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (2nd field) may hold spaces: split after its closing parenthesis
    return [str(pid), "comm"] + text[text.rindex(")") + 2 :].split()


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (living, not zombies)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat and int(stat[3]) == pid and stat[2] != "Z":
                found.append(int(entry))
    return found


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of ``pid`` in clock ticks (0 when it is gone)."""
    stat = _stat(pid)
    return int(stat[13]) + int(stat[14]) if stat else 0


def nice(pid: int) -> int | None:
    stat = _stat(pid)
    return int(stat[18]) if stat else None


def workers(server_pid: int, lane: str = "public") -> list[int]:
    """The living query workers of ``lane`` under the server process ``server_pid``."""
    wanted = 5 if lane == "public" else 0
    found = []
    for child in children(server_pid):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes() if Path(f"/proc/{child}").exists() else b""
        if b"forkserver" in cmdline:
            found += [w for w in children(child) if nice(w) == wanted]
    return found


def busiest(pids: list[int], count: int = 1, seconds: float = 0.5) -> list[int]:
    """The ``count`` processes of ``pids`` that used the most CPU over ``seconds``."""
    before = {p: cpu_ticks(p) for p in pids}
    time.sleep(seconds)
    return sorted(pids, key=lambda p: cpu_ticks(p) - before[p])[-count:]
