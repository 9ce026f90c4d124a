"""Load benchmark of the mediakg SPARQL service against the raw stores it runs on and rdflib-endpoint.

    python benchmarks/bench_service.py [--sizes 10k,100k,1M] [--concurrency 8] [--requests 400]
        [--duration 10] [--timeout 60] [--questions a,b,...] [--targets a,b,...] [--store disk|memory]
        [--out FILE]

For each dataset size (see _common.bench_dataset), on 127.0.0.1 and random free ports:

- two raw stores are started and filled with ``mediakg load`` (the data our remote targets serve):
  ``oxigraph`` (``oxigraph serve --union-default-graph``, on RocksDB by default, in memory with
  ``--store memory``) and ``virtuoso`` (Virtuoso 7.2 via tests/virtuoso_support.py, when installed);
- then each server is measured in turn on every question, services started before and stopped after
  their turn (so that each cold start and memory peak is its own):
  ``oxigraph`` (the SPARQL text sent straight to it), ``mediakg`` (``mediakg serve --data <folder with a
  persisted store/>``, the way a build is served; ``--store memory``: ``--data FILE``) on ``/sparql`` and,
  as ``mediakg-api``, on ``/api/<name>``, with the answer cache off (cold: every request evaluated), and the
  same as ``mediakg-warm`` / ``mediakg-api-warm`` with the cache on; ``remote-oxigraph`` (``mediakg serve
  --endpoint <oxigraph>``);
  ``virtuoso`` (straight to its /sparql); ``remote-virtuoso`` (``mediakg serve --endpoint <virtuoso>``);
  ``rdflib-endpoint`` (its own CLI over the file; up to ``--rdflib-max``, 100k by default).

Each named question is sent as the same SPARQL text to every SPARQL endpoint: its default parameters
inlined as a ``VALUES`` row (mediakg.store.bind.inject_values), because the raw servers have no parameter
binding. ``/api/<name>`` is called without parameters (the defaults apply). Ratios compare each of our
targets with the raw store it sits on (mediakg and remote-oxigraph: oxigraph; remote-virtuoso: virtuoso).

Per question and target: one check request (status, rows, latency), then a closed loop of ``--concurrency``
clients until ``--requests`` requests or ``--duration`` seconds, whichever comes first (a request still
running at the end finishes or hits the client timeout, which counts as an error). After each loop the
server is drained (it must answer ``ASK {}`` again) so that work left over from timed-out requests does not
slow down the next measurement. Every server is stopped at the end, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from _common import (
    RESULTS,
    ROOT,
    BenchDataset,
    MemorySampler,
    Server,
    bench_dataset,
    free_port,
    git_state,
    machine_context,
    markdown_table,
    parse_size,
    parse_sizes,
    say,
    today,
    versions,
    write_json,
    write_results,
)

sys.path.insert(0, str(ROOT / "tests"))  # the Virtuoso helper the tests use
from virtuoso_support import missing as virtuoso_missing  # noqa: E402

VIRTUOSO_MISSING = virtuoso_missing()

#: The default questions: two entity lookups, one aggregate, a year-by-year join, the heavy multi-join.
DEFAULT_QUESTIONS = [
    "ministers-met-osce-before-law",
    "kazakhstan-osce-engagements",
    "incidents-by-type",
    "incidents-affecting-person",
    "people-search",
]
SPARQL_JSON = "application/sparql-results+json"


# --------------------------------------------------------------------------------------------- questions


def question_texts(names: list[str]) -> dict[str, str]:
    """SPARQL text of each named question with its default parameters inlined as a VALUES row."""
    from mediakg.graph.terms import to_oxigraph
    from mediakg.questions.catalogue import bind_params, load_questions
    from mediakg.store.bind import inject_values

    questions = load_questions(ROOT / "queries")
    missing = [n for n in names if n not in questions]
    if missing:
        raise SystemExit(f"unknown question(s): {', '.join(missing)} (see queries/*.rq)")
    texts = {}
    for name in names:
        bound = bind_params(questions[name])
        texts[name] = inject_values(questions[name].sparql, {k: to_oxigraph(v) for k, v in bound.items()})
    return texts


# --------------------------------------------------------------------------------------------- servers


def ask_ok(url: str, timeout: float = 2.0) -> bool:
    """True when ``url`` answers ``ASK {}`` with 200 (SPARQL protocol GET: every server here takes it)."""
    r = httpx.get(url, params={"query": "ASK {}"}, headers={"Accept": SPARQL_JSON}, timeout=timeout)
    return r.status_code == 200


# What each SPARQL target is, which server process answers it and, for ours, the raw store it sits on: the
# ratios compare each of our targets with that store answering the same SPARQL text straight.
#: target -> (server, raw store it is compared with, or None for the peers themselves)
TARGET_SERVER: dict[str, tuple[str, str | None]] = {
    "mediakg": ("mediakg", "oxigraph"),
    "mediakg-api": ("mediakg", "oxigraph"),
    "mediakg-warm": ("mediakg-warm", "oxigraph"),
    "mediakg-api-warm": ("mediakg-warm", "oxigraph"),
    "remote-oxigraph": ("remote-oxigraph", "oxigraph"),
    "remote-virtuoso": ("remote-virtuoso", "virtuoso"),
    "oxigraph": ("oxigraph", None),
    "virtuoso": ("virtuoso", None),
    "rdflib-endpoint": ("rdflib-endpoint", None),
}
TARGETS = list(TARGET_SERVER)
#: Targets that go on with a query their client gave up on: no loop when one answer outlasts --duration.
CANNOT_CANCEL = ("rdflib-endpoint",)
OURS = ["mediakg", "mediakg-api", "mediakg-warm", "mediakg-api-warm", "remote-oxigraph", "remote-virtuoso"]
#: Servers that hold data for others (started first, live for the whole size) and the services measured in
#: turn (each started, measured on every question and stopped before the next, so each cold start and
#: memory peak is its own and idle servers do not crowd the 2 cores).
STORES = ("oxigraph", "virtuoso")
# "mediakg" runs with the answer cache off (cold: every request is evaluated), "mediakg-warm" with it on.
PHASES = (
    "oxigraph",
    "mediakg",
    "mediakg-warm",
    "remote-oxigraph",
    "virtuoso",
    "remote-virtuoso",
    "rdflib-endpoint",
)
#: Virtuoso's page cache for the benchmark (8 KB pages; the package default, 10,000, is 80 MB).
VIRTUOSO_SETTINGS = {"NumberOfBuffers": "170000", "MaxDirtyBuffers": "130000"}


def mediakg_exe() -> str:
    return shutil.which("mediakg") or "mediakg"


def embedded_build(data: BenchDataset, work: Path) -> tuple[Path, float]:
    """A build-like folder for ``mediakg serve --data``: ``store/`` (persisted pyoxigraph store, as
    ``mediakg build`` writes it) and a small ``summary.json`` (the ETags' fingerprint). Returns the
    folder and the seconds the store load took."""
    from mediakg.build import _load_store

    folder = work / f"embedded-{data.label}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.monotonic()
    _load_store(data.path, folder / "store")
    took = time.monotonic() - started
    summary = {"source": data.path.name, "quads": data.quads, "recipe": data.recipe}
    write_json(folder / "summary.json", summary)
    return folder, took


def mediakg_load(endpoint: str, data: BenchDataset, args: argparse.Namespace, *extra: str) -> float:
    """``mediakg load`` the dataset into a remote store; seconds taken. RuntimeError with its output."""
    started = time.monotonic()
    done = subprocess.run(
        [mediakg_exe(), "load", "--endpoint", endpoint, "--file", str(data.path), "--quiet", *extra],
        capture_output=True,
        text=True,
        timeout=args.start_limit,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"mediakg load into {endpoint} failed: {(done.stderr or done.stdout)[-500:]}")
    return time.monotonic() - started


class VirtuosoProcess(Server):
    """tests/virtuoso_support.Virtuoso behind the benchmark's Server interface (stop, memory)."""

    def __init__(self, folder: Path, log: Path) -> None:
        super().__init__("virtuoso", ["virtuoso-t"], log)
        from virtuoso_support import Virtuoso

        folder.mkdir(parents=True, exist_ok=True)
        self.virtuoso = Virtuoso(folder, VIRTUOSO_SETTINGS, log=log)

    def start(self, env: dict[str, str] | None = None) -> VirtuosoProcess:
        self.started_at = time.monotonic()
        try:
            self.virtuoso.start()
        except BaseException:
            self.virtuoso.stop()
            raise
        self.cold_start_s = time.monotonic() - self.started_at
        self.proc = self.virtuoso.process
        assert self.proc is not None
        self.memory = MemorySampler(self.proc.pid).start()
        return self

    def stop(self) -> None:
        if self.memory is not None:
            self.memory.stop()
        self.virtuoso.stop()


def start_store(
    name: str, data: BenchDataset, work: Path, args: argparse.Namespace
) -> tuple[Server, str, dict]:
    """Start a raw store (``oxigraph`` or ``virtuoso``) and fill it with ``mediakg load`` (so that it is also
    the store our remote targets serve). Returns the server, its SPARQL URL and what to record."""
    logs = work / "logs"
    if name == "virtuoso":
        folder = work / f"virtuoso-{data.label}"
        shutil.rmtree(folder, ignore_errors=True)
        server: Server = VirtuosoProcess(folder, logs / f"virtuoso-{data.label}.log").start()
        v = server.virtuoso  # type: ignore[attr-defined]
        url = v.endpoint
        extra = ("--store-endpoint", v.graph_store, "--update-endpoint", v.endpoint)
        info: dict[str, Any] = {"settings": VIRTUOSO_SETTINGS}
    else:
        exe = shutil.which("oxigraph")
        if exe is None:
            raise SystemExit("the oxigraph server is not installed: pip install oxigraph")
        port = free_port()
        argv = [exe, "serve", "--bind", f"127.0.0.1:{port}"]
        if args.store == "disk":
            location = work / f"oxigraph-{data.label}"
            shutil.rmtree(location, ignore_errors=True)
            argv += ["--location", str(location)]
        argv += ["--union-default-graph", "--timeout-s", str(int(args.timeout))]
        url = f"http://127.0.0.1:{port}/query"
        server = Server(name, argv, logs / f"oxigraph-{data.label}.log").start()
        try:
            server.wait_ready(lambda: ask_ok(url), args.start_limit)
        except BaseException:
            server.stop()
            raise
        extra = ()
        info = {"argv": argv[1:], "store": args.store}
    try:
        info["load_s"] = round(mediakg_load(url, data, args, *extra), 2)
    except BaseException:
        server.stop()
        raise
    info["cold_start_s"] = round(server.cold_start_s or 0, 3)
    say(f"  {name} ready in {info['cold_start_s']:.2f} s, filled by mediakg load in {info['load_s']:.1f} s")
    return server, url, info


def start_service(
    name: str, data: BenchDataset, work: Path, args: argparse.Namespace, stores: dict[str, str]
) -> tuple[Server, str, dict]:
    """Start one measured service over ``data`` on a free port and wait until it answers ``ASK {}``.

    ``mediakg``: ``mediakg serve --data <build folder>`` (the persisted store; ``--store memory``: the
    N-Quads file, loaded into memory by each worker); ``remote-oxigraph`` / ``remote-virtuoso``:
    ``mediakg serve --endpoint <store>``; ``rdflib-endpoint``: its own CLI over the file. Returns the
    server, its SPARQL URL and what to record (arguments, cold start). A server that fails to start is
    stopped here.
    """
    logs = work / "logs"
    port = free_port()
    info: dict[str, Any] = {}
    if name == "rdflib-endpoint":
        # Its own CLI: parses the file into rdflib Dataset(default_union=True), serves it at "/".
        exe = shutil.which("rdflib-endpoint")
        if exe is None:
            raise SystemExit("rdflib-endpoint is not installed: pip install -e '.[bench]'")
        argv = [exe, "serve", str(data.path), "--host", "127.0.0.1", "--port", str(port)]
        url = f"http://127.0.0.1:{port}/"
    else:
        # Cold start = process start -> first 200 on /sparql (opening the store, the worker pool and, for
        # a remote store, the copy of its data for the dumps included).
        argv = [
            mediakg_exe(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--timeout",
            str(args.timeout),
        ]
        if name in ("mediakg", "mediakg-warm"):
            if args.store == "disk":
                folder, took = embedded_build(data, work)
                info["load_s"] = round(took, 2)
                argv += ["--data", str(folder)]
            else:
                argv += ["--data", str(data.path)]
        else:
            argv += ["--endpoint", stores[name.removeprefix("remote-")]]
        if args.workers:
            argv += ["--workers", str(args.workers)]
        url = f"http://127.0.0.1:{port}/sparql"
    # cold: answers are not cached, every request is evaluated; warm: the answer cache per build is on.
    # The load comes from one client: lift the per-client limit (a fairness rule, not what is measured).
    env = {
        "MEDIAKG_SERVICE_ANSWER_CACHE_MB": "0" if name == "mediakg" else "64",
        "MEDIAKG_SERVICE_CLIENT_CONCURRENCY": "1000",
    }
    server = Server(name, argv, logs / f"{name}-{data.label}.log").start(env=env)
    try:
        cold = server.wait_ready(lambda: ask_ok(url), args.start_limit)
    except BaseException:
        server.stop()
        raise
    info = {"argv": argv[1:], "cold_start_s": round(cold, 3), **info}
    loaded = f" (store written in {info['load_s']:.1f} s before)" if "load_s" in info else ""
    say(f"  {name} ready in {cold:.2f} s{loaded}")
    return server, url, info


# --------------------------------------------------------------------------------------------- load


@dataclass
class Request:
    """One request as httpx arguments."""

    method: str
    url: str
    headers: dict[str, str]
    content: str | None = None

    async def send(self, client: httpx.AsyncClient, timeout: float) -> httpx.Response:
        return await client.request(
            self.method, self.url, headers=self.headers, content=self.content, timeout=timeout
        )


def sparql_request(url: str, query: str, form: bool = False) -> Request:
    """A SPARQL protocol POST of ``query``: as the body (``application/sparql-query``) or, with ``form``,
    as ``query=`` in a form (Virtuoso 7.2 does not read the former)."""
    if form:
        body = str(httpx.QueryParams({"query": query}))
        return Request(
            "POST", url, {"Content-Type": "application/x-www-form-urlencoded", "Accept": SPARQL_JSON}, body
        )
    return Request("POST", url, {"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON}, query)


def row_count(target: str, response: httpx.Response) -> int | None:
    """Rows in a SPARQL JSON result (or the question API's JSON)."""
    try:
        doc = response.json()
    except ValueError:
        return None
    if target.startswith("mediakg-api"):
        return len(doc.get("rows", []))
    return len(doc.get("results", {}).get("bindings", []))


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


async def check(target: str, req: Request, timeout: float) -> dict[str, Any]:
    """One request: status, rows, latency (also warms caches and the connection)."""
    async with httpx.AsyncClient() as client:
        started = time.perf_counter()
        try:
            r = await req.send(client, timeout)
        except httpx.HTTPError as exc:
            return {
                "ok": False,
                "error": type(exc).__name__,
                "ms": round((time.perf_counter() - started) * 1e3, 1),
            }
        ms = (time.perf_counter() - started) * 1e3
        out: dict[str, Any] = {"ok": r.status_code == 200, "status": r.status_code, "ms": round(ms, 1)}
        if r.status_code == 200:
            out["rows"] = row_count(target, r)
            if r.headers.get("x-result-truncated"):
                out["truncated"] = r.headers["x-result-truncated"]
        else:
            out["body"] = r.text[:300]
        return out


async def load(req: Request, concurrency: int, max_requests: int, duration: float, timeout: float) -> dict:
    """Closed loop of ``concurrency`` clients until ``max_requests`` were sent or ``duration`` passed."""
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    sent = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:
        started = time.perf_counter()
        deadline = started + duration

        async def worker() -> None:
            nonlocal sent
            while sent < max_requests and time.perf_counter() < deadline:
                sent += 1
                t0 = time.perf_counter()
                try:
                    r = await req.send(client, timeout)
                    if r.status_code == 200:
                        latencies.append(time.perf_counter() - t0)
                    else:
                        failures[f"HTTP {r.status_code}"] += 1
                except httpx.HTTPError as exc:
                    failures[type(exc).__name__] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    return {
        "requests": sent,
        "ok": len(latencies),
        "errors": sum(failures.values()),
        "error_kinds": dict(failures),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 2) if elapsed > 0 else None,
        "p50_ms": round(p50 * 1e3, 1) if p50 is not None else None,
        "p99_ms": round(p99 * 1e3, 1) if p99 is not None else None,
        "mean_ms": round(sum(latencies) / len(latencies) * 1e3, 1) if latencies else None,
    }


def drain(url: str, limit_s: float) -> float | None:
    """Wait until the server answers ``ASK {}`` again; seconds waited, or None if it did not within
    ``limit_s``."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        with contextlib.suppress(httpx.HTTPError):
            if ask_ok(url, timeout=max(1.0, limit_s - (time.monotonic() - started))):
                return time.monotonic() - started
        time.sleep(0.2)
    return None


# --------------------------------------------------------------------------------------------- one size


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def request_for(target: str, url: str, name: str, text: str) -> Request:
    """The request a target gets for question ``name``: our question API by name, else the SPARQL text."""
    if target.startswith("mediakg-api"):
        return Request("GET", f"{url.rsplit('/', 1)[0]}/api/{name}", {"Accept": "application/json"})
    return sparql_request(url, text, form=target == "virtuoso")


def measure(target: str, req: Request, args: argparse.Namespace) -> dict[str, Any]:
    """One check request, then (when it answered) the closed loop; the entry for the results."""
    first = asyncio.run(check(target, req, args.timeout))
    entry: dict[str, Any] = {"check": first}
    if not first["ok"]:
        return entry
    if target in CANNOT_CANCEL and first["ms"] > args.duration * 1000:
        # 8 such queries at once would only pile up timeouts and keep it busy for minutes afterwards
        entry["loop_skipped"] = f"one answer took {first['ms'] / 1000:.0f} s, longer than --duration"
        return entry
    entry.update(asyncio.run(load(req, args.concurrency, args.requests, args.duration, args.timeout)))
    return entry


def run_size(
    label: str, target_quads: int, args: argparse.Namespace, texts: dict[str, str], result: dict[str, Any]
) -> None:
    """Everything for one dataset size, filled into ``result`` as it goes (so an interrupted or failed run
    keeps what was measured); every server is stopped before it returns or raises.

    The raw stores start first and are filled by ``mediakg load``; then each server is measured in turn
    on every question (PHASES), services being started before and stopped after their turn."""
    work = Path(args.workdir)
    say(f"size {label}: preparing the dataset")
    data = bench_dataset(label, target_quads, work / "data")
    say(f"  {data.path.name}: {data.quads} quads ({data.recipe})")
    result.update({"size": label, "dataset": data.as_json(), "context_before": machine_context()})
    servers: dict[str, Any] = {}
    result["servers"] = servers
    questions: dict[str, dict[str, Any]] = {name: {} for name in texts}
    result["questions"] = questions
    enabled = [t for t in args.targets if not (t == "rdflib-endpoint" and target_quads > args.rdflib_max)]
    phases = [p for p in PHASES if any(TARGET_SERVER[t][0] == p for t in enabled)]
    running: dict[str, Server] = {}
    retired: list[Server] = []  # servers stopped after their turn or replaced after a stall
    stores: dict[str, str] = {}
    try:
        for name in STORES:
            if name not in phases and f"remote-{name}" not in phases:
                continue
            if name == "virtuoso" and VIRTUOSO_MISSING:
                servers[name] = {"skipped": VIRTUOSO_MISSING}
                continue
            try:
                running[name], stores[name], servers[name] = start_store(name, data, work, args)
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                servers[name] = {"failed": f"{type(exc).__name__}: {exc}"}
                say(f"  {name} could not be started and filled: {exc}")
        for phase in phases:
            targets = [t for t in enabled if TARGET_SERVER[t][0] == phase]
            store = phase.removeprefix("remote-")
            if store in STORES and store not in stores:
                for t in targets:
                    for per in questions.values():
                        why = servers.get(store, {})
                        per[t] = {"skipped": f"no {store} store: {why.get('skipped') or why.get('failed')}"}
                continue
            if phase in STORES:
                url = stores[phase]
            else:
                try:
                    running[phase], url, servers[phase] = start_service(phase, data, work, args, stores)
                except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                    servers[phase] = {"failed": f"{type(exc).__name__}: {exc}"}
                    say(f"  {phase} could not be started: {exc}")
                    continue
            for name, text in texts.items():
                for target in targets:
                    per = questions[name]
                    if phase not in running:
                        per[target] = {"skipped": "server could not be restarted after a stall"}
                        continue
                    per[target] = entry = measure(target, request_for(target, url, name, text), args)
                    first = entry["check"]
                    if "loop_skipped" in entry:
                        say(
                            f"  {name} · {target}: no loop, {entry['loop_skipped']} "
                            f"({first.get('rows')} rows)"
                        )
                    elif first["ok"]:
                        say(
                            f"  {name} · {target}: {entry['rps']} req/s, p50 {entry['p50_ms']} ms, "
                            f"p99 {entry['p99_ms']} ms, {entry['errors']} errors of {entry['requests']} "
                            f"({first.get('rows')} rows)"
                        )
                    else:
                        say(f"  {name} · {target}: check failed {first} - not loaded")
                    waited = drain(url, args.drain_limit)
                    if waited is None:
                        # Still busy with abandoned requests: it would steal CPU from the next measurements.
                        entry["stalled"] = True
                        retired.append(running.pop(phase))
                        retired[-1].stop()
                        if phase in STORES:
                            say(f"  {phase} did not answer ASK within {args.drain_limit:.0f} s: stopped")
                            stores.pop(phase)
                            break
                        say(f"  {phase} did not answer ASK within {args.drain_limit:.0f} s: restarting it")
                        try:
                            running[phase], url, restart = start_service(phase, data, work, args, stores)
                            servers[phase].setdefault("restarts", []).append(restart)
                        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                            say(f"  {phase} could not be restarted: {exc}")
                    elif waited > 1:
                        entry["drain_s"] = round(waited, 1)
            if phase not in STORES and phase in running:
                retired.append(running.pop(phase))
                retired[-1].stop()
    finally:
        for server in running.values():
            server.stop()
        for server in [*retired, *running.values()]:  # peak over every incarnation of each server
            if server.memory is not None:
                mem = server.memory.as_json()
                entry = servers.setdefault(server.name, {})
                old = entry.get("memory")
                if old is None or (mem["peak_rss_mb"] or 0) > (old["peak_rss_mb"] or 0):
                    entry["memory"] = mem
        result["context_after"] = machine_context()
        if not args.keep:
            for kind in ("oxigraph", "virtuoso", "embedded"):
                shutil.rmtree(work / f"{kind}-{label}", ignore_errors=True)
        compare(questions)


def compare(questions: dict[str, dict[str, Any]]) -> None:
    """Per question: note when targets' row counts differ, and the ratios of each of our targets to the
    raw store it sits on (and of our embedded targets to rdflib-endpoint)."""
    for per in questions.values():
        rows = {t: e["check"].get("rows") for t, e in per.items() if isinstance(e, dict) and "check" in e}
        if len({r for r in rows.values() if r is not None}) > 1:
            per["rows_differ"] = rows
        ratios: dict[str, Any] = {}
        for ours in OURS:
            peers = [TARGET_SERVER[ours][1]] + (["rdflib-endpoint"] if ours.startswith("mediakg") else [])
            for other in peers:
                a, b = per.get(ours, {}), per.get(other, {})
                ratios[f"{ours}/{other}"] = {
                    "rps": ratio(a.get("rps"), b.get("rps")),
                    "p50": ratio(a.get("p50_ms"), b.get("p50_ms")),
                }
        per["ratios"] = ratios


# --------------------------------------------------------------------------------------------- report


def markdown(results: dict[str, Any]) -> str:
    """The results as Markdown: per size, a latency table, a ratio table and a server table."""
    git = results.get("git", {})
    dirty = " + uncommitted changes" if git.get("src_changed") else ""
    at = f", commit {git['commit']}{dirty}" if git else ""
    out = [f"# Service benchmark ({results['date']}{at})", ""]
    s = results["settings"]
    out.append(
        f"Concurrency {s['concurrency']}, at most {s['requests']} requests or {s['duration']} s per "
        f"question and target, client timeout {s['timeout']} s; {results['context']['cpus']} CPUs, "
        f"load average at start {results['context']['loadavg_1_5_15'][0]:.2f}. Load client, servers "
        "and anything else running share the same cores."
    )
    busy = results["context"].get("other_busy_processes")
    if busy:
        out.append(f"Other processes seen at start: {len(busy)} (tests or servers of other work).")
    out.append("")
    for size in results["sizes"]:
        d = size.get("dataset")
        if d is None:
            out += [f"## {size['size']}: no dataset ({size.get('failed', 'interrupted')})", ""]
            continue
        out += [f"## {size['size']}: {d['quads']} quads ({d['recipe']})", ""]
        if "failed" in size:
            out += [f"Failed: {size['failed']}", ""]
        rows = []
        for q, per in size.get("questions", {}).items():
            for t in TARGETS:
                e = per.get(t)
                if e is None:
                    continue
                if "skipped" in e:
                    rows.append([q, t, "–", "–", "–", "–", "–", e["skipped"]])
                    continue
                c = e.get("check", {})
                stall = "; server still busy after the drain limit" if e.get("stalled") else ""
                if not c.get("ok"):
                    failed = f"check failed: {c.get('status') or c.get('error')}{stall}"
                    rows.append([q, t, "–", c.get("ms"), "–", "–", "–", failed])
                    continue
                if "loop_skipped" in e:
                    rows.append(
                        [q, t, c.get("rows"), c.get("ms"), "–", "–", "–", f"no loop: {e['loop_skipped']}"]
                    )
                    continue
                errs = f"{e['errors']}/{e['requests']}{stall}"
                rows.append([q, t, c.get("rows"), c.get("ms"), e["rps"], e["p50_ms"], e["p99_ms"], errs])
        out += [
            markdown_table(
                ["question", "target", "rows", "first ms", "req/s", "p50 ms", "p99 ms", "errors"], rows
            ),
            "",
        ]
        pairs = [
            (ours, other)
            for ours in OURS
            for other in [TARGET_SERVER[ours][1], "rdflib-endpoint"]
            if any(f"{ours}/{other}" in per.get("ratios", {}) and ours in per and other in per
                   for per in size.get("questions", {}).values())
        ]  # fmt: skip
        rows = []
        for q, per in size.get("questions", {}).items():
            r = per.get("ratios", {})
            row: list[object] = [q]
            for ours, other in pairs:
                row += [r.get(f"{ours}/{other}", {}).get("rps"), r.get(f"{ours}/{other}", {}).get("p50")]
            rows.append(row)
        header = ["question"]
        for ours, other in pairs:
            header += [f"{ours} / {other} req/s", "p50"]
        out += [
            "Ratios, ours ÷ the raw store it sits on (and ÷ rdflib-endpoint): req/s > 1 means ours serves "
            "more, p50 < 1 means ours answers faster. Targets: req/s ≥ 0.7, p50 ≤ 1.5.",
            "",
            markdown_table(header, rows),
            "",
        ]
        rows = []
        for name, srv in size.get("servers", {}).items():
            mem = srv.get("memory", {})
            note = srv.get("skipped") or srv.get("failed") or ""
            rows.append([name, srv.get("cold_start_s"), srv.get("load_s"), mem.get("peak_rss_mb"),
                         mem.get("processes"), note])  # fmt: skip
        out += [
            markdown_table(
                ["server", "cold start s", "separate load s", "peak RSS MB (tree)", "processes", "note"], rows
            ),
            "",
        ]
        differ = {
            q: per["rows_differ"] for q, per in size.get("questions", {}).items() if "rows_differ" in per
        }
        if differ:
            out += [
                "Row counts differ between targets: " + "; ".join(f"{q}: {r}" for q, r in differ.items()),
                "",
            ]
    if results.get("interrupted"):
        out += ["**Interrupted**: the figures above are partial.", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------- main


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10k,100k", help="dataset sizes in quads (default 10k,100k)")
    p.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    p.add_argument("--requests", type=int, default=400, help="max requests per question and target (400)")
    p.add_argument("--duration", type=float, default=10.0, help="max seconds per question and target (10)")
    p.add_argument("--timeout", type=float, default=60.0, help="client timeout per request, s (60)")
    p.add_argument("--questions", default=",".join(DEFAULT_QUESTIONS), help="comma-separated question names")
    p.add_argument("--workers", type=int, default=None, help="mediakg serve --workers (default: its own)")
    p.add_argument("--start-limit", type=float, default=600.0, help="max seconds for a server to start")
    p.add_argument("--drain-limit", type=float, default=180.0, help="max seconds to wait for a busy server")
    p.add_argument("--workdir", default=str(ROOT / "build" / "bench"), help="datasets, stores and logs")
    p.add_argument("--keep", action="store_true", help="keep the oxigraph store directories")
    p.add_argument(
        "--store",
        choices=["disk", "memory"],
        default="disk",
        help="disk (default): mediakg serves a persisted store folder, oxigraph serve --location; memory: "
        "mediakg serve --data FILE, oxigraph serve in memory",
    )
    p.add_argument("--targets", default=",".join(TARGETS), help="comma-separated targets (default: all)")
    p.add_argument(
        "--rdflib-max", default="100k", help="largest size rdflib-endpoint is run at (default 100k)"
    )
    p.add_argument("--out", help="results JSON (default benchmarks/results/service-<date>.json)")
    p.add_argument("--markdown", default=str(RESULTS / "service-latest.md"), help="Markdown table file")
    p.add_argument("--note", default="", help="free text stored with the results (e.g. what else ran)")
    return p


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (e.g. a CI time limit) stops the servers and keeps the results, as Ctrl-C does."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        raise SystemExit(f"unknown target(s): {', '.join(unknown)} (known: {', '.join(TARGETS)})")
    args.rdflib_max = parse_size(args.rdflib_max)
    sizes = parse_sizes(args.sizes)
    names = [n.strip() for n in args.questions.split(",") if n.strip()]
    texts = question_texts(names)
    out = Path(args.out) if args.out else RESULTS / f"service-{today()}.json"
    results: dict[str, Any] = {
        "benchmark": "service",
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "settings": {
            "concurrency": args.concurrency,
            "requests": args.requests,
            "duration": args.duration,
            "timeout": args.timeout,
            "workers": args.workers,
            "store": args.store,
            "targets": args.targets,
            "questions": names,
        },
        "note": args.note,
        "context": machine_context(),
        "git": git_state(),
        "versions": versions(
            ["mediakg", "rdflib", "pyoxigraph", "oxigraph", "rdflib-endpoint", "fastapi", "uvicorn", "httpx"]
        ),  # fmt: skip
        "sparql": texts,
        "sizes": [],
    }
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for label, quads in sizes:
            size: dict[str, Any] = {"size": label}
            results["sizes"].append(size)
            try:
                run_size(label, quads, args, texts, size)
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                size["failed"] = f"{type(exc).__name__}: {exc}"
                say(f"size {label} failed: {size['failed']}")
            write_json(out, results)  # keep what is done if a later size fails
    except KeyboardInterrupt:
        results["interrupted"] = True
        say("interrupted: servers stopped, writing partial results")
    return write_results(out, results, args.markdown, markdown(results))


if __name__ == "__main__":
    sys.exit(main())
