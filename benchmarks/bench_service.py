"""Load benchmark of the mediakg SPARQL service against rdflib-endpoint and a raw Oxigraph server.

    python benchmarks/bench_service.py [--sizes 10k,100k] [--concurrency 8] [--requests 400] [--duration 15]
                                       [--timeout 60] [--questions a,b,...] [--out FILE]

For each dataset size, in the same run and on 127.0.0.1 (random free ports), three servers are started over
the same N-Quads file (see _common.bench_dataset):

- ``mediakg``: ``mediakg serve --data FILE`` (our service), measured on ``/sparql`` and on ``/api/<name>``;
- ``rdflib-endpoint``: ``rdflib-endpoint serve FILE`` (rdflib Dataset, union default graph, FastAPI);
- ``oxigraph``: ``oxigraph serve --union-default-graph`` (Rust engine + HTTP, no Python), by default on an
  in-memory store filled over HTTP, like ours with ``--data FILE``; ``--oxigraph-store disk`` uses
  ``oxigraph load`` + ``serve --location`` (RocksDB, ~5x slower on the heavy questions here).

Each named question is sent as the same SPARQL text to the three SPARQL endpoints: its default parameters
inlined as a ``VALUES`` row (mediakg.backends.bind.inject_values), because rdflib-endpoint and oxigraph serve
have no parameter binding. ``/api/<name>`` is called without parameters (the defaults apply).

Per question and target: one check request (status, rows, latency), then a closed loop of ``--concurrency``
clients until ``--requests`` requests or ``--duration`` seconds, whichever comes first (a request still
running at the end finishes or hits the client timeout, which counts as an error). After each loop the
server is drained (it must answer ``ASK {}`` again) so that work left over from timed-out requests does not
slow down the next measurement. Every server is stopped at the end, also on Ctrl-C.
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
    Server,
    bench_dataset,
    free_port,
    git_state,
    machine_context,
    markdown_table,
    parse_sizes,
    say,
    today,
    versions,
    write_json,
    write_results,
)

#: The default questions: two entity lookups, one aggregate, a year-by-year join, the heavy multi-join.
DEFAULT_QUESTIONS = [
    "ministers-met-osce-before-law",
    "kazakhstan-osce-engagements",
    "incidents-by-type",
    "incidents-affecting-person",
    "people-search",
]
SPARQL_JSON = "application/sparql-results+json"
TARGETS = ["mediakg", "mediakg-api", "rdflib-endpoint", "oxigraph"]


# --------------------------------------------------------------------------------------------- questions


def question_texts(names: list[str]) -> dict[str, str]:
    """SPARQL text of each named question with its default parameters inlined as a VALUES row."""
    from mediakg.backends.bind import inject_values
    from mediakg.queries import bind_params, load_questions, to_oxigraph

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
    """True when ``url`` answers ``ASK {}`` with 200 (SPARQL protocol, direct POST)."""
    r = httpx.post(
        url,
        content="ASK {}",
        headers={"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON},
        timeout=timeout,
    )
    return r.status_code == 200


SERVERS = ("mediakg", "rdflib-endpoint", "oxigraph")


def start_server(
    name: str, data: BenchDataset, work: Path, args: argparse.Namespace
) -> tuple[Server, str, dict]:
    """Start one server over ``data`` on a free port and wait until it answers ``ASK {}``.

    Returns the server, its SPARQL URL and what to record (arguments, cold start, load time). The caller
    owns the server from the moment this returns; a server that fails to start is stopped here.
    """
    logs = work / "logs"
    port = free_port()
    info: dict[str, Any] = {}
    if name == "mediakg":
        # Cold start = process start -> first 200 on /sparql (file load and worker pool included).
        argv = [shutil.which("mediakg") or "mediakg", "serve", "--host", "127.0.0.1", "--port", str(port)]
        argv += ["--data", str(data.path), "--timeout", str(args.timeout)]
        if args.workers:
            argv += ["--workers", str(args.workers)]
        url = f"http://127.0.0.1:{port}/sparql"
    elif name == "rdflib-endpoint":
        # Its own CLI: parses the file into rdflib Dataset(default_union=True), serves it at "/".
        exe = shutil.which("rdflib-endpoint")
        if exe is None:
            raise SystemExit("rdflib-endpoint is not installed: pip install -e '.[bench]'")
        argv = [exe, "serve", str(data.path), "--host", "127.0.0.1", "--port", str(port)]
        url = f"http://127.0.0.1:{port}/"
    else:
        # Raw oxigraph (union default graph, as ours). "memory": an in-memory server filled over HTTP (the
        # same kind of store as `mediakg serve --data FILE` uses); "disk": `oxigraph load` into RocksDB,
        # then `oxigraph serve --location` (the kind of store a build's store/ is).
        exe = shutil.which("oxigraph")
        if exe is None:
            raise SystemExit("the oxigraph server is not installed: pip install oxigraph")
        argv = [exe, "serve", "--bind", f"127.0.0.1:{port}"]
        if args.oxigraph_store == "disk":
            store = work / f"oxigraph-{data.label}"
            shutil.rmtree(store, ignore_errors=True)
            started = time.monotonic()
            subprocess.run(
                [exe, "load", "--location", str(store), "--file", str(data.path)],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=args.start_limit,
            )
            info["load_s"] = round(time.monotonic() - started, 3)
            argv += ["--location", str(store)]
        argv += ["--union-default-graph", "--timeout-s", str(int(args.timeout))]
        url = f"http://127.0.0.1:{port}/query"
    server = Server(name, argv, logs / f"{name}-{data.label}.log").start()
    try:
        cold = server.wait_ready(lambda: ask_ok(url), args.start_limit)
    except BaseException:
        server.stop()
        raise
    info = {"argv": argv[1:], "cold_start_s": round(cold, 3), **info}
    if name == "oxigraph" and args.oxigraph_store == "memory":
        started = time.monotonic()
        r = httpx.post(
            url.rsplit("/", 1)[0] + "/store",
            content=data.path.read_bytes(),
            headers={"Content-Type": "application/n-quads"},
            timeout=args.start_limit,
        )
        if r.status_code >= 300:
            server.stop()
            raise RuntimeError(f"oxigraph refused the data: HTTP {r.status_code} {r.text[:200]}")
        info["load_s"] = round(time.monotonic() - started, 3)
        info["store"] = "memory"
    loaded = f" (loaded in {info['load_s']:.2f} s before)" if "load_s" in info else ""
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


def sparql_request(url: str, query: str) -> Request:
    return Request("POST", url, {"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON}, query)


def row_count(target: str, response: httpx.Response) -> int | None:
    """Rows in a SPARQL JSON result (or the question API's JSON)."""
    try:
        doc = response.json()
    except ValueError:
        return None
    if target == "mediakg-api":
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


def run_size(
    label: str, target_quads: int, args: argparse.Namespace, texts: dict[str, str], result: dict[str, Any]
) -> None:
    """Everything for one dataset size, filled into ``result`` as it goes (so an interrupted or failed run
    keeps what was measured); the servers are stopped before it returns or raises."""
    work = Path(args.workdir)
    say(f"size {label}: preparing the dataset")
    data = bench_dataset(label, target_quads, work / "data")
    say(f"  {data.path.name}: {data.quads} quads ({data.recipe})")
    result.update({"size": label, "dataset": data.as_json(), "context_before": machine_context()})
    servers: dict[str, Server] = {}
    retired: list[Server] = []  # servers replaced after a stall (their memory figures are kept)
    try:
        urls: dict[str, str] = {}
        result["servers"] = {}
        for server_name in SERVERS:  # one after the other, so each start is timed alone
            servers[server_name], urls[server_name], result["servers"][server_name] = start_server(
                server_name, data, work, args
            )
        api_base = urls["mediakg"].rsplit("/", 1)[0]
        questions: dict[str, Any] = {}
        result["questions"] = questions
        for name, text in texts.items():
            per: dict[str, Any] = {}
            questions[name] = per
            for target in TARGETS:
                server_name = "mediakg" if target == "mediakg-api" else target
                if server_name not in servers:
                    per[target] = {"skipped": "server could not be restarted after a stall"}
                    continue
                if target == "mediakg-api":
                    req = Request("GET", f"{api_base}/api/{name}", {"Accept": "application/json"})
                else:
                    req = sparql_request(urls[target], text)
                first = asyncio.run(check(target, req, args.timeout))
                entry: dict[str, Any] = {"check": first}
                per[target] = entry
                if first["ok"]:
                    entry.update(
                        asyncio.run(load(req, args.concurrency, args.requests, args.duration, args.timeout))
                    )
                    say(
                        f"  {name} · {target}: {entry['rps']} req/s, p50 {entry['p50_ms']} ms, "
                        f"p99 {entry['p99_ms']} ms, {entry['errors']} errors of {entry['requests']} "
                        f"({first.get('rows')} rows)"
                    )
                else:
                    say(f"  {name} · {target}: check failed {first} - not loaded")
                waited = drain(urls[server_name], args.drain_limit)
                if waited is None:
                    # Still busy with abandoned requests: it would steal CPU from the next measurements.
                    say(f"  {server_name} did not answer ASK within {args.drain_limit:.0f} s: restarting it")
                    entry["stalled"] = True
                    retired.append(servers.pop(server_name))
                    retired[-1].stop()
                    try:
                        servers[server_name], urls[server_name], restart = start_server(
                            server_name, data, work, args
                        )
                        result["servers"][server_name].setdefault("restarts", []).append(restart)
                    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                        say(f"  {server_name} could not be restarted: {exc}")
                    if server_name == "mediakg":
                        api_base = urls["mediakg"].rsplit("/", 1)[0]
                elif waited > 1:
                    entry["drain_s"] = round(waited, 1)
            rows = {t: per[t].get("check", {}).get("rows") for t in TARGETS if "check" in per[t]}
            if len({r for r in rows.values() if r is not None}) > 1:
                per["rows_differ"] = rows
            for ours in ("mediakg", "mediakg-api"):
                for other in ("rdflib-endpoint", "oxigraph"):
                    a, b = per.get(ours, {}), per.get(other, {})
                    per.setdefault("ratios", {})[f"{ours}/{other}"] = {
                        "rps": ratio(a.get("rps"), b.get("rps")),
                        "p50": ratio(a.get("p50_ms"), b.get("p50_ms")),
                    }
    finally:
        for server in servers.values():
            server.stop()
        for server in [*retired, *servers.values()]:  # peak over every incarnation of each server
            if server.memory is not None:
                mem = server.memory.as_json()
                entry = result.setdefault("servers", {}).setdefault(server.name, {})
                old = entry.get("memory")
                if old is None or (mem["peak_rss_mb"] or 0) > (old["peak_rss_mb"] or 0):
                    entry["memory"] = mem
        result["context_after"] = machine_context()
        if not args.keep:
            shutil.rmtree(work / f"oxigraph-{label}", ignore_errors=True)


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
                e = per.get(t, {})
                if "skipped" in e:
                    rows.append([q, t, "–", "–", "–", "–", "–", e["skipped"]])
                    continue
                c = e.get("check", {})
                stall = "; server still busy after the drain limit: restarted" if e.get("stalled") else ""
                if not c.get("ok"):
                    failed = f"check failed: {c.get('status') or c.get('error')}{stall}"
                    rows.append([q, t, "–", c.get("ms"), "–", "–", "–", failed])
                    continue
                errs = f"{e['errors']}/{e['requests']}{stall}"
                rows.append([q, t, c.get("rows"), c.get("ms"), e["rps"], e["p50_ms"], e["p99_ms"], errs])
        out += [
            markdown_table(
                ["question", "target", "rows", "first ms", "req/s", "p50 ms", "p99 ms", "errors"], rows
            ),
            "",
        ]
        rows = []
        for q, per in size.get("questions", {}).items():
            r = per.get("ratios", {})
            row: list[object] = [q]
            for key in ("mediakg/rdflib-endpoint", "mediakg/oxigraph", "mediakg-api/rdflib-endpoint",
                        "mediakg-api/oxigraph"):  # fmt: skip
                row += [r.get(key, {}).get("rps"), r.get(key, {}).get("p50")]
            rows.append(row)
        out += [
            "Ratios (req/s ratio > 1: ours serves more; p50 ratio < 1: ours answers faster):",
            "",
            markdown_table(
                [
                    "question",
                    "sparql/rdflib req/s",
                    "sparql/rdflib p50",
                    "sparql/oxigraph req/s",
                    "sparql/oxigraph p50",
                    "api/rdflib req/s",
                    "api/rdflib p50",
                    "api/oxigraph req/s",
                    "api/oxigraph p50",
                ],
                rows,
            ),  # fmt: skip
            "",
        ]
        rows = []
        for name, srv in size.get("servers", {}).items():
            mem = srv.get("memory", {})
            rows.append([name, srv.get("cold_start_s"), srv.get("load_s"), mem.get("peak_rss_mb"),
                         mem.get("processes")])  # fmt: skip
        out += [
            markdown_table(
                ["server", "cold start s", "separate load s", "peak RSS MB (tree)", "processes"], rows
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
    p.add_argument("--duration", type=float, default=15.0, help="max seconds per question and target (15)")
    p.add_argument("--timeout", type=float, default=60.0, help="client timeout per request, s (60)")
    p.add_argument("--questions", default=",".join(DEFAULT_QUESTIONS), help="comma-separated question names")
    p.add_argument("--workers", type=int, default=None, help="mediakg serve --workers (default: its own)")
    p.add_argument("--start-limit", type=float, default=600.0, help="max seconds for a server to start")
    p.add_argument("--drain-limit", type=float, default=180.0, help="max seconds to wait for a busy server")
    p.add_argument("--workdir", default=str(ROOT / "build" / "bench"), help="datasets, stores and logs")
    p.add_argument("--keep", action="store_true", help="keep the oxigraph store directories")
    p.add_argument(
        "--oxigraph-store",
        choices=["memory", "disk"],
        default="memory",
        help="raw oxigraph on an in-memory store (default; like mediakg serve --data) or on RocksDB",
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
            "oxigraph_store": args.oxigraph_store,
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
