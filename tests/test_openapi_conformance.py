"""schemathesis over ``/openapi.json`` of a real ``mediakg serve``: every documented operation (the question
API, ``/api``, ``/sparql`` by GET and POST, ``/health``) with all of schemathesis' checks - no 5xx, statuses,
media types and headers as documented, responses matching their schemas, schema-violating requests rejected
(4xx) and schema-valid ones accepted - over its examples, coverage and fuzzing phases (positive and negative
data). The stateful phase finds no links in the document: the API is read-only and creates no resources.

Deterministic: a fixed seed, ``--generation-deterministic`` and no example database, so each run sends the
same requests (3,451 cases); health checks (which time generation) are off. About a minute on 2 cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ld_support import linked_data_build
from service_fixtures import start_server

HERE = Path(__file__).resolve().parent
SEED = 20261203
#: Fuzzing examples per operation; the coverage phase adds ~30 boundary and negative cases per operation.
EXAMPLES = 75
MIN_CASES = 1000


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_server(linked_data_build(request, tmp_path_factory), workers=2) as base:
        yield base


def run_schemathesis(base: str, report_dir: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    """``schemathesis run`` (its own CLI, all checks and phases) against ``base``; output and JSON report."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(HERE / "schemathesis.toml"),
        "run", f"{base}/openapi.json",
        "--checks", "all", "--mode", "all", "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--generation-deterministic",
        "--suppress-health-check", "all", "--workers", "2",
        "--request-timeout", "30", "--no-color", "--report", "json", "--report-dir", str(report_dir),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=report_dir)
    reports = sorted(report_dir.glob("*.json"))
    assert reports, result.stdout[-3000:] + result.stderr[-3000:]
    return result, json.loads(reports[-1].read_text())


def test_every_operation_conforms_to_the_openapi_document(server: str, tmp_path: Path) -> None:
    result, report = run_schemathesis(server, tmp_path)
    output = result.stdout[-8000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    assert report["failures"] == [] and report["errors"] == [], output
    cases = report["test_cases"]
    assert cases["with_failures"] == 0 and cases["errored"] == 0, output
    assert cases["generated"] >= MIN_CASES, cases
    operations = report["operations"]
    assert operations["tested"] == operations["total"] >= 20, operations  # 19 questions, /api, /sparql x2
    for phase in ("examples", "coverage", "fuzzing"):
        assert report["phases"][phase]["status"] == "success", report["phases"]
    print(f"schemathesis: {cases['generated']} cases in {report['running_time']:.0f} s")
