"""Helpers shared by the benchmark scripts: sizes, benchmark datasets, server processes, memory, context.

Nothing here is timed itself; the scripts decide what to time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
GENERATOR = HERE / "generate.py"
#: generate.py refuses fewer triples than this (the 57 states and their bodies alone take ~4000).
GENERATOR_MIN = 5000

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")


def parse_size(text: str) -> int:
    """``"10k"`` -> 10000, ``"1M"`` -> 1000000, ``"2500"`` -> 2500."""
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (use e.g. 10k, 100k, 1M)")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * factor)


def parse_sizes(text: str) -> list[tuple[str, int]]:
    """``"10k,100k"`` -> ``[("10k", 10000), ("100k", 100000)]``."""
    return [(part.strip(), parse_size(part)) for part in text.split(",") if part.strip()]


def say(message: str) -> None:
    """Progress line on stderr, with the wall-clock time (results go to stdout and files)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- datasets


@dataclass
class BenchDataset:
    """One benchmark input file and how it was made."""

    label: str
    path: Path
    quads: int
    recipe: str
    seconds: float

    def as_json(self) -> dict[str, object]:
        return {"label": self.label, "file": str(self.path), "quads": self.quads, "recipe": self.recipe}


def count_lines(path: Path) -> int:
    """Number of non-empty lines of an N-Quads file (= its quads: one statement a line)."""
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip() and not line.lstrip().startswith(b"#"))


def real_nquads(out: Path) -> Path:
    """The project's real data (ontology + data/ + data/reference/) merged into one N-Quads file, one named
    graph per file as the build makes it. Not validated: the benchmark must run while the data is being
    mapped, and validity does not change the cost of answering."""
    import warnings

    from mediakg.graph.merge import merge
    from mediakg.graph.parse import project_inputs
    from mediakg.paths import ProjectPaths

    merged = merge(project_inputs(ProjectPaths(ROOT)))
    if merged.problems:
        raise SystemExit(f"cannot read the project data: {merged.problems[0]}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        merged.dataset.serialize(out, format="nquads")
    return out


_BNODE = re.compile(r"(?<![^\s])_:([A-Za-z0-9_.-]+)")


def _append_renamed(src: Path, dst, tag: str) -> int:
    """Append the quads of ``src`` to the open file ``dst`` with blank nodes renamed ``_:<tag><label>``
    (N-Quads blank node labels are file-scoped; two files must not share one by accident)."""
    n = 0
    with src.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                dst.write(_BNODE.sub(lambda m: f"_:{tag}{m.group(1)}", line))
                n += 1
    return n


def _replicated(real: Path, target: int, out: Path) -> int:
    """Fallback when generate.py is missing: copies of the real data, entity IRIs suffixed ``-rK`` in copy
    K (concepts and roles stay shared) until ``target`` quads are reached."""
    entity = re.compile(r"<(https://w3id\.org/mediakg/id/)(?!concept/|role/)([^>]*)>")
    base = count_lines(real)
    copies = max(1, -(-target // base))
    n = 0
    with out.open("w", encoding="utf-8") as dst:
        n += _append_renamed(real, dst, "c0x")
        for k in range(1, copies):
            with real.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        line = entity.sub(lambda m, k=k: f"<{m.group(1)}{m.group(2)}-r{k}>", line)
                        dst.write(_BNODE.sub(lambda m, k=k: f"_:c{k}x{m.group(1)}", line))
                        n += 1
    return n


def bench_dataset(label: str, target: int, workdir: Path, with_real: bool = True) -> BenchDataset:
    """An N-Quads file of about ``target`` quads for the benchmarks, written afresh into ``workdir`` on every
    call (cheap: seconds for 1M), so it always reflects the current data and generator.

    With generate.py (the normal case): synthetic data of the real data's shape from generate.py, plus (by
    default) the real data, so the named questions' default parameters (real laws, people, states) find
    their answers inside a graph of the wanted size. Without it: copies of the real data.
    """
    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    real = workdir / "real.nq"
    if with_real:
        real_nquads(real)
    real_quads = count_lines(real) if with_real else 0
    out = workdir / f"bench-{label}{'' if with_real else '-synthetic'}.nq"
    if GENERATOR.is_file():
        synthetic = max(GENERATOR_MIN, target - real_quads)
        syn = workdir / f"synthetic-{synthetic}.nq"
        subprocess.run(
            [sys.executable, str(GENERATOR), "--triples", str(synthetic), "--out", str(syn)],
            check=True,
            cwd=ROOT,
        )
        recipe = f"generate.py --triples {synthetic}" + (" + real project data" if with_real else "")
        if not with_real:
            return BenchDataset(label, syn, count_lines(syn), recipe, time.monotonic() - started)
        partial = out.with_name(out.name + ".partial")
        with partial.open("w", encoding="utf-8") as dst:
            _append_renamed(syn, dst, "s")
            _append_renamed(real, dst, "r")
        partial.replace(out)
    else:
        recipe = "copies of the real project data (generate.py missing)"
        _replicated(real, target, out)
    return BenchDataset(label, out, count_lines(out), recipe, time.monotonic() - started)


# --------------------------------------------------------------------------------------------- processes


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _proc_status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants (found from the parent ids in /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


class MemorySampler:
    """Samples the resident memory of a process tree in a background thread.

    ``peak_tree_mb``: the largest sum of VmRSS over the tree seen at one sample (4 samples a second);
    ``hwm_mb``: per process, the kernel's own high-water mark VmHWM (exact, also between samples).
    """

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_tree_kb = 0
        self.hwm_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def sample(self) -> None:
        total = 0
        for pid in process_tree(self.pid):
            total += _proc_status_kb(pid, "VmRSS")
            hwm = _proc_status_kb(pid, "VmHWM")
            if hwm:
                self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), hwm)
        self.peak_tree_kb = max(self.peak_tree_kb, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        self._thread.join(timeout=2)

    def as_json(self) -> dict[str, object]:
        return {
            "peak_rss_mb": round(self.peak_tree_kb / 1024, 1),
            "processes": len(self.hwm_kb),
            "main_vmhwm_mb": round(self.hwm_kb.get(self.pid, 0) / 1024, 1),
            "sum_vmhwm_mb": round(sum(self.hwm_kb.values()) / 1024, 1),
        }


@dataclass
class Server:
    """A server process started by a benchmark: its own process group, so stopping it stops its workers."""

    name: str
    argv: Sequence[str]
    log: Path
    proc: subprocess.Popen | None = None
    memory: MemorySampler | None = None
    started_at: float = 0.0
    cold_start_s: float | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def start(self, env: dict[str, str] | None = None) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        logfile = self.log.open("w", encoding="utf-8")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            list(self.argv),
            stdout=logfile,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # own process group: killpg reaches uvicorn workers and forkservers
        )
        logfile.close()
        self.memory = MemorySampler(self.proc.pid).start()
        return self

    def wait_ready(self, probe: Callable[[], bool], limit_s: float) -> float:
        """Poll ``probe`` until it returns True; returns seconds since the process started."""
        assert self.proc is not None
        deadline = self.started_at + limit_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; log: {self.log}")
            try:
                if probe():
                    self.cold_start_s = time.monotonic() - self.started_at
                    return self.cold_start_s
            except Exception:  # not listening yet
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} not ready within {limit_s:.0f} s; log: {self.log}")

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL after 5 s; idempotent."""
        if self.memory is not None:
            self.memory.stop()
        if self.proc is None or self.proc.returncode is not None:
            return
        pgid = self.proc.pid  # start_new_session: the group id is the leader's pid
        for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=grace)
                # The leader is gone; make sure no worker of its group lingers.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
                break
            except subprocess.TimeoutExpired:
                continue


# --------------------------------------------------------------------------------------------- context


def machine_context() -> dict[str, object]:
    """What else the machine was doing: cores, load average, and other test or benchmark processes."""
    busy = []
    me = os.getpid()
    mine = set(process_tree(me))
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in mine:
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if re.search(r"pytest|mediakg (build|serve)|oxigraph (serve|load)|pyshacl", cmd):
            busy.append(cmd.strip()[:120])
    return {
        "cpus": os.cpu_count(),
        "loadavg_1_5_15": list(os.getloadavg()),
        "other_busy_processes": busy[:10],
        "python": sys.version.split()[0],
    }


def versions(packages: Sequence[str]) -> dict[str, str]:
    """Installed versions of ``packages`` (``"missing"`` for those not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in packages:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "missing"
    return out


def git_state() -> dict[str, object]:
    """The commit the benchmark ran on and whether the code under test had local changes."""

    def git(*argv: str) -> str:
        try:
            done = subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "src_changed": bool(git("status", "--porcelain", "--", "src", "queries")),
    }


def today() -> str:
    return dt.date.today().isoformat()


def write_json(path: Path, data: object) -> None:
    """Write ``data`` as indented JSON (atomic rename, so a Ctrl-C never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def write_results(out: Path, results: dict, markdown_path: str | Path, table: str) -> int:
    """Write the results JSON and the Markdown table, print the table; the script's exit code."""
    write_json(out, results)
    Path(markdown_path).parent.mkdir(parents=True, exist_ok=True)
    Path(markdown_path).write_text(table + "\n", encoding="utf-8")
    print(table)
    say(f"results: {out}, table: {markdown_path}")
    return 130 if results.get("interrupted") else 0


def fmt(value: object, digits: int = 1) -> str:
    """A table cell: numbers rounded, None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, str):  # one line, no column break (error messages can hold both)
        return " ".join(value.split()).replace("|", "\\|")
    if isinstance(value, float):
        if value != 0 and abs(value) < 1:
            return f"{value:.2g}"  # small ratios keep two significant digits (0.043, not 0.0)
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
