"""Load and starvation benchmark of ``mediakg serve`` (issue 9): does cheap work stay fast beside runaways,
and is anything lost or answered wrongly under load?

    python benchmarks/bench_load.py [--requests 20000] [--concurrency 16] [--runaways 4]

Serves the project's build (``mediakg build`` first if needed) with default settings, from this process's
child, and drives it from this process (a second process, as a client would):

1. **Starvation**: ``--runaways`` runaway queries (a cartesian COUNT) are put in flight from one client;
   meanwhile ASK {} on /sparql, an entity page and a named question are each requested 200 times, one at
   a time, from another client. Reported: p50 / p99 / max of each. Target: p99 < 200 ms.
2. **Load**: ``--requests`` requests at ``--concurrency`` over a mix of named questions (/api, JSON, their
   default parameters), entity pages (HTML) and ASK {}, with a runaway from an abusive client every
   ``--runaway-every`` requests. Every answer is compared with the one fetched before the load (same
   status and bytes; the JSON of a question without its timing fields): nothing may be lost or differ.
   Runaways must end as 503 at the time limit (or 429 beyond the client's limit), never hang. Each of the
   ``--concurrency`` loops is a client of its own (X-Forwarded-For, which uvicorn trusts from loopback); the
   answer cache is off unless ``--answer-cache-mb`` says otherwise, so every request is evaluated.

Results: ``benchmarks/results/load-<date>.json`` and ``.md``; ``--out`` to choose.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    ROOT,
    Server,
    free_port,
    git_state,
    machine_context,
    markdown_table,
    say,
    today,
    versions,
    write_results,
)

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"
HEAVY = {"X-Forwarded-For": "10.9.9.9"}  # the abusive client (uvicorn trusts X-Forwarded-For from loopback)
QUIET = {"X-Forwarded-For": "10.1.1.1"}


def percentile(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return ordered[max(0, int(q * len(ordered) + 0.999999) - 1)] if ordered else None


def ms(value: float | None) -> float | None:
    return round(value * 1e3, 1) if value is not None else None


def start_server(args: argparse.Namespace, work: Path) -> tuple[Server, str]:
    exe = shutil.which("mediakg") or str(Path(sys.executable).with_name("mediakg"))
    port = free_port()
    argv = [exe, "serve", "--host", "127.0.0.1", "--port", str(port), "--timeout", str(args.timeout)]
    env = {"MEDIAKG_SERVICE_ANSWER_CACHE_MB": str(args.answer_cache_mb)}
    server = Server("mediakg", argv, work / "serve.log").start(env=env)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        return httpx.get(base + "/health", timeout=2).status_code == 200

    server.wait_ready(up, 300)
    return server, base


def cheap_targets(base: str) -> dict[str, str]:
    """One URL per kind of cheap work: ASK {}, an entity page, a named question."""
    people = httpx.get(base + "/api/people-search", params={"format": "json"}, timeout=30).json()
    entity = next(
        cell["value"] for row in people["rows"] for cell in row.values() if cell and "/id/" in cell["value"]
    )
    return {
        "ASK {} (/sparql)": base + "/sparql?query=ASK%20%7B%7D",
        "entity page": base + "/id/" + entity.split("/id/", 1)[1],
        "named question": base + "/api/incidents-by-type?format=json",
    }


def load_targets(base: str) -> list[str]:
    """The mix of the load phase: every named question, a dozen entity pages, ASK {}."""
    questions = httpx.get(base + "/api", timeout=30).json()
    names = (
        [q["name"] for q in questions.get("questions", questions)]
        if isinstance(questions, dict)
        else [q["name"] for q in questions]
    )
    urls = [f"{base}/api/{name}?format=json" for name in names]
    listing = httpx.get(base + "/api/people-search", params={"format": "json"}, timeout=30).json()
    iris = sorted({c["value"] for r in listing["rows"] for c in r.values() if c and "/id/" in c["value"]})
    urls += [base + "/id/" + iri.split("/id/", 1)[1] for iri in iris[:12]]
    urls.append(base + "/sparql?query=ASK%20%7B%7D")
    return urls


def fingerprint(response: httpx.Response) -> tuple[int, str]:
    """Status and body, with the per-answer fields that may legitimately differ removed."""
    body = response.text
    if response.headers.get("content-type", "").startswith("application/json"):
        doc = response.json()
        if isinstance(doc, dict):
            doc.pop("elapsed_ms", None)
        body = json.dumps(doc, sort_keys=True)
    return response.status_code, body


async def starvation(base: str, args: argparse.Namespace) -> dict[str, Any]:
    targets = cheap_targets(base)
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(limits=limits, timeout=args.timeout * 3) as client:
        for url in targets.values():  # warm: a running service has parsed these texts before
            await client.get(url, headers=QUIET)
        runaway_tasks = [
            asyncio.create_task(client.get(base + "/sparql", params={"query": RUNAWAY}, headers=HEAVY))
            for _ in range(args.runaways)
        ]
        await asyncio.sleep(1.0)  # they are running now
        out: dict[str, Any] = {}
        for name, url in targets.items():
            times, statuses = [], Counter()
            for _ in range(args.samples):
                t0 = time.perf_counter()
                r = await client.get(url, headers=QUIET)
                times.append(time.perf_counter() - t0)
                statuses[r.status_code] += 1
            out[name] = {
                "p50_ms": ms(percentile(times, 0.5)),
                "p99_ms": ms(percentile(times, 0.99)),
                "max_ms": ms(max(times)),
                "statuses": dict(statuses),
                "runaways_running": sum(not t.done() for t in runaway_tasks),
            }
        ended = await asyncio.gather(*runaway_tasks, return_exceptions=True)
    out["runaways"] = dict(Counter(getattr(r, "status_code", type(r).__name__) for r in ended))
    return out


async def load(base: str, args: argparse.Namespace) -> dict[str, Any]:
    urls = load_targets(base)
    async with httpx.AsyncClient(timeout=60) as client:
        expected = {url: fingerprint(await client.get(url, headers=QUIET)) for url in urls}
    rng = random.Random(9)
    plan = [rng.choice(urls) for _ in range(args.requests)]
    latencies: list[float] = []
    wrong: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    runaway_outcomes: Counter[str] = Counter()
    runaway_seconds: list[float] = []
    next_index = 0
    limits = httpx.Limits(max_connections=args.concurrency + 8, max_keepalive_connections=args.concurrency)

    async def runaway(client: httpx.AsyncClient) -> None:
        t0 = time.perf_counter()
        try:
            r = await client.get(base + "/sparql", params={"query": RUNAWAY}, headers=HEAVY)
            runaway_outcomes[str(r.status_code)] += 1
            if r.status_code == 503:
                runaway_seconds.append(time.perf_counter() - t0)
        except httpx.HTTPError as exc:
            runaway_outcomes[type(exc).__name__] += 1

    async with httpx.AsyncClient(limits=limits, timeout=args.timeout * 6) as client:
        background: list[asyncio.Task[None]] = []

        async def worker(number: int) -> None:
            nonlocal next_index
            me = {"X-Forwarded-For": f"10.1.2.{number}"}  # each loop is a client of its own
            while next_index < len(plan):
                index, next_index = next_index, next_index + 1
                if index % args.runaway_every == 0:
                    background.append(asyncio.create_task(runaway(client)))
                url = plan[index]
                t0 = time.perf_counter()
                try:
                    r = await client.get(url, headers=me)
                except httpx.HTTPError as exc:
                    wrong[f"{type(exc).__name__}"] += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                statuses[r.status_code] += 1
                if fingerprint(r) != expected[url]:
                    wrong[f"HTTP {r.status_code} differs: {url.split('?')[0].rsplit('/', 1)[-1]}"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(args.concurrency)))
        elapsed = time.perf_counter() - started
        await asyncio.gather(*background)
    return {
        "requests": len(plan),
        "seconds": round(elapsed, 1),
        "rps": round(len(plan) / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "wrong_or_lost": dict(wrong),
        "p50_ms": ms(percentile(latencies, 0.5)),
        "p99_ms": ms(percentile(latencies, 0.99)),
        "max_ms": ms(max(latencies) if latencies else None),
        "runaways": dict(runaway_outcomes),
        "runaway_cut_s": {
            "min": round(min(runaway_seconds), 2) if runaway_seconds else None,
            "max": round(max(runaway_seconds), 2) if runaway_seconds else None,
        },
        "distinct_urls": len(urls),
    }


def markdown(results: dict[str, Any]) -> str:
    s = results["starvation"]
    rows = [
        [name, v["p50_ms"], v["p99_ms"], v["max_ms"], v["statuses"]]
        for name, v in s.items()
        if name != "runaways"
    ]
    part1 = markdown_table(
        ["cheap request, with runaways in flight", "p50 ms", "p99 ms", "max ms", "statuses"], rows
    )
    ld = results["load"]
    part2 = markdown_table(
        [
            "requests",
            "concurrency",
            "req/s",
            "p50 ms",
            "p99 ms",
            "statuses",
            "wrong or lost",
            "runaways",
            "cut at (s)",
        ],
        [
            [
                ld["requests"],
                results["args"]["concurrency"],
                ld["rps"],
                ld["p50_ms"],
                ld["p99_ms"],
                ld["statuses"],
                ld["wrong_or_lost"] or 0,
                ld["runaways"],
                f"{ld['runaway_cut_s']['min']}–{ld['runaway_cut_s']['max']}",
            ]
        ],
    )
    return (
        f"# Load and starvation, {results['date']} (commit {results['git']['commit']})\n\n"
        f"{results['args']['runaways']} runaways in flight (outcomes {s['runaways']}); "
        f"{results['args']['samples']} sequential requests each:\n\n{part1}\n\nLoad:\n\n{part2}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runaways", type=int, default=4)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--runaway-every", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=10.0, help="the service's query time limit")
    parser.add_argument(
        "--answer-cache-mb",
        type=int,
        default=0,
        help="the service's answer cache (default 0: off, so that every request is evaluated)",
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    work = ROOT / "benchmarks" / "work" / "load"
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "date": today(),
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "machine": machine_context(),
        "git": git_state(),
        "versions": versions(["pyoxigraph", "fastapi", "uvicorn", "httpx"]),
    }
    say("starting mediakg serve over the project build")
    server, base = start_server(args, work)
    try:
        say(f"starvation: {args.runaways} runaways in flight, {args.samples} cheap requests of each kind")
        results["starvation"] = asyncio.run(starvation(base, args))
        say(f"load: {args.requests} requests at concurrency {args.concurrency}")
        results["load"] = asyncio.run(load(base, args))
        results["server_alive"] = server.proc is not None and server.proc.poll() is None
        results["memory"] = server.memory.as_json() if server.memory else None
    finally:
        server.stop()
    out = args.out or ROOT / "benchmarks" / "results" / f"load-{results['date']}.json"
    return write_results(out, results, out.with_suffix(".md"), markdown(results))


if __name__ == "__main__":
    raise SystemExit(main())
