"""The query executor's pipe to its workers (jobs and replies go through the event loop, framed as
multiprocessing frames them): answers and query texts far larger than a pipe buffer, many queries at once,
and a worker that dies while its answer is awaited."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import pytest

from mediakg.errors import WorkerCrashed
from mediakg.query.base import ExecutorConfig
from mediakg.query.pool import WorkerPool
from oxigraph_support import generate_dataset

ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return generate_dataset(10_000, 3, tmp_path_factory.mktemp("executor") / "data.nq")


def run(coro):
    return asyncio.run(coro)


async def _with_executor(dataset: Path, body, **options):
    executor = WorkerPool(dataset, ExecutorConfig(workers=2, timeout=30, **options))
    await executor.start()
    try:
        return await body(executor)
    finally:
        await executor.close()


def test_large_answer_and_large_query(dataset: Path) -> None:
    """A multi-megabyte answer and a ~90 KB query text (both beyond the 64 KB a pipe holds) arrive whole."""

    async def body(executor: WorkerPool):
        big = await executor.run(ALL, max_rows=100_000, max_bytes=50_000_000)
        padded = "# " + "x" * 90_000 + "\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        count = await executor.run(padded)
        return big, count

    big, count = run(_with_executor(dataset, body))
    assert len(big.body) > 1_000_000 and not big.truncated
    rows = json.loads(big.body)["results"]["bindings"]
    assert len(rows) == big.rows >= 10_000
    n = int(json.loads(count.body)["results"]["bindings"][0]["n"]["value"])
    assert n == len(rows)


def test_many_queries_at_once_get_their_own_answers(dataset: Path) -> None:
    """Twenty concurrent queries on two workers: each answer belongs to its own query."""

    async def body(executor: WorkerPool):
        queries = [f"SELECT ?k WHERE {{ BIND({k} AS ?k) }}" for k in range(20)]
        outcomes = await asyncio.gather(*(executor.run(q) for q in queries))
        return [json.loads(o.body)["results"]["bindings"][0]["k"]["value"] for o in outcomes]

    assert run(_with_executor(dataset, body)) == [str(k) for k in range(20)]


def test_worker_killed_while_answering(dataset: Path) -> None:
    """A worker that dies mid-query gives WorkerCrashed (not a hang), is replaced, and queries go on; the
    idle workers killed with it are found dead and the next query goes to a living one."""

    async def body(executor: WorkerPool):
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        task = asyncio.create_task(executor.run(slow))
        await asyncio.sleep(1.0)
        for pid in executor.worker_pids("public"):
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(WorkerCrashed):
            await task
        after = await executor.run("ASK { ?s ?p ?o }", timeout=30)
        return json.loads(after.body)["boolean"]

    assert run(_with_executor(dataset, body)) is True
