"""Faults against a real ``mediakg serve``: workers killed while busy and while idle, a query that runs
out of memory, and runaway queries beside the cheap work that must not wait behind them. Every failure is
a 4xx or a 503 with ``Retry-After``, never a 500, and the pool recovers by itself."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import proc_support
from service_fixtures import PROCESSES, server_factory  # noqa: F401  (fixture)

EX = "http://example.org/"
#: 30 triples: a 6-fold cross product is 729 million rows, far beyond any time limit.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }"
#: Sorting a cross product keeps every row in memory until the sort: grows until the memory limit.
MEMORY_HOG = (
    "SELECT ?x WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o "
    'BIND(CONCAT(STR(?c), STR(?f), STR(?i), STR(?l), STR(?o), "padding padding padding padding") AS ?x) } '
    "ORDER BY ?x"
)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "data.nt"
    path.write_text("".join(f'<{EX}s{i}> <{EX}p> "value {i}" .\n' for i in range(30)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def base(server_factory, data: Path) -> str:  # noqa: F811
    # no answer cache: every request here must reach a worker
    return server_factory(data, timeout=20, memory_limit_mb=1024, answer_cache_mb=0)


def ask(base: str, query: str = "ASK {}", **headers: str) -> httpx.Response:
    return httpx.get(base + "/sparql", params={"query": query}, headers=headers, timeout=60)


def in_background(call: Callable[[], httpx.Response]) -> tuple[threading.Thread, dict[str, httpx.Response]]:
    box: dict[str, httpx.Response] = {}
    thread = threading.Thread(target=lambda: box.setdefault("response", call()))
    thread.start()
    return thread, box


def test_busy_worker_killed_mid_query_gives_503_with_retry_after(base: str) -> None:
    server = PROCESSES[base].pid
    thread, box = in_background(lambda: ask(base, RUNAWAY))
    time.sleep(1.0)
    (victim,) = proc_support.busiest(proc_support.workers(server))
    os.kill(victim, signal.SIGKILL)
    thread.join(60)
    response = box["response"]
    assert response.status_code == 503, response.text
    assert "killed by signal 9" in response.text and response.headers["retry-after"].isdigit()
    assert all(ask(base).status_code == 200 for _ in range(5))
    assert PROCESSES[base].poll() is None


def test_idle_workers_killed_are_never_given_a_query(base: str) -> None:
    """Workers killed while idle: the next queries find them dead (before or after sending) and go to a
    living worker; not one query fails."""
    server = PROCESSES[base].pid
    for _ in range(5):
        for pid in proc_support.workers(server):
            os.kill(pid, signal.SIGKILL)
        statuses = [ask(base).status_code for _ in range(10)]
        assert statuses == [200] * 10, statuses
    assert httpx.get(base + "/health", timeout=5).json()["workers"] >= 3


def test_query_out_of_memory_gives_503_and_the_pool_recovers(base: str) -> None:
    response = ask(base, MEMORY_HOG)
    assert response.status_code == 503, response.text
    assert "memory" in response.text and "1024 MB" in response.text
    assert response.headers["retry-after"].isdigit()
    assert ask(base).status_code == 200


def test_runaways_do_not_hold_up_cheap_work(base: str) -> None:
    """Four runaways in flight (one client's limit): ASK {} from another client still gets a worker at
    once (a spare was started), the client's fifth query gets 429 with Retry-After."""
    heavy_client, other = {"X-Forwarded-For": "10.0.0.1"}, {"X-Forwarded-For": "10.0.0.2"}
    runaways = [in_background(lambda: ask(base, RUNAWAY, **heavy_client)) for _ in range(4)]
    time.sleep(1.5)
    latencies = []
    for _ in range(20):
        started = time.monotonic()
        assert ask(base, **other).status_code == 200
        latencies.append(time.monotonic() - started)
    fifth = ask(base, RUNAWAY + " # fifth", **heavy_client)
    assert fifth.status_code == 429 and fifth.headers["retry-after"].isdigit(), fifth.text
    # generous bound: without the spare, ASK waited for a runaway to end (up to the 20 s time limit)
    assert max(latencies) < 3.0, latencies
    server = PROCESSES[base].pid
    for pid in proc_support.busiest(proc_support.workers(server), count=4):  # end them now, not in 20 s
        os.kill(pid, signal.SIGKILL)
    for thread, box in runaways:
        thread.join(60)
        assert box["response"].status_code == 503
