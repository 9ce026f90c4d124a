"""The broken-data corpus (tests/bad/*.ttl): every file must be rejected, by ``mediakg validate`` and by a
build that has the file among its data, with the message fragment named in the file's ``# expect:`` line,
and the failing build must leave the previous build directory exactly as it was.

All CLI runs happen once per module, two at a time (each is a full parse + SHACL run of the real data).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import copy_project, snapshot

BAD = Path(__file__).resolve().parent / "bad"
CASES = sorted(p.name for p in BAD.glob("*.ttl"))


def expectation(path: Path) -> str:
    """The fragment after ``# expect:`` in the file's header."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            return line.removeprefix("# expect:").strip()
    raise AssertionError(f"{path.name} has no '# expect: <fragment>' line")


@dataclass
class Case:
    validate: subprocess.CompletedProcess[str]
    build: subprocess.CompletedProcess[str]
    before: dict
    after: dict


def _cli(args: list[str], home: Path, build_dir: Path, sources: Path) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ, MEDIAKG_HOME=str(home), MEDIAKG_BUILD_DIR=str(build_dir), MEDIAKG_SOURCES=str(sources)
    )
    return subprocess.run(
        [sys.executable, "-m", "mediakg.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def _fake_previous_build(folder: Path) -> None:
    """A previous build: the failing build must not touch a byte of it (its content does not matter)."""
    (folder / "store").mkdir(parents=True)
    for name in ("dataset.trig", "dataset.nq", "validation-report.ttl", "summary.json", "store/OPTIONS"):
        (folder / name).write_text(f"previous build: {name}\n")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, project_root: Path, sources_dir: Path) -> dict[str, Case]:
    base = copy_project(project_root, tmp_path_factory.mktemp("bad") / "project")
    jobs = {}
    for name in CASES:
        case_root = tmp_path_factory.mktemp(name.removesuffix(".ttl")) / "project"
        shutil.copytree(base, case_root)
        shutil.copy2(BAD / name, case_root / "data" / name)
        _fake_previous_build(case_root / "build")
        jobs[name] = case_root

    def run(name: str) -> Case:
        case_root = jobs[name]
        validated = _cli(["validate", str(BAD / name)], base, base / "build", sources_dir)
        before = snapshot(case_root / "build")
        built = _cli(["build"], case_root, case_root / "build", sources_dir)
        return Case(validated, built, before, snapshot(case_root / "build"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(CASES, pool.map(run, CASES), strict=True))
    assert not (base / "build").exists(), "validate must not write a build"
    return results


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 15
    fragments = [expectation(BAD / name) for name in CASES]
    assert len(set(fragments)) == len(fragments), "each case expects its own message"


@pytest.mark.parametrize("name", CASES)
def test_validate_rejects(runs: dict[str, Case], name: str) -> None:
    fragment = expectation(BAD / name)
    result = runs[name].validate
    output = result.stdout + result.stderr
    assert result.returncode == (2 if "syntax error" in fragment else 1), output
    assert fragment in output
    assert "Traceback" not in output
    assert "validation failed" in result.stderr


@pytest.mark.parametrize("name", CASES)
def test_build_rejects_and_keeps_previous_build(runs: dict[str, Case], name: str) -> None:
    fragment = expectation(BAD / name)
    case = runs[name]
    output = case.build.stdout + case.build.stderr
    assert case.build.returncode == (2 if "syntax error" in fragment else 1), output
    assert fragment in output
    assert "Traceback" not in output
    assert "previous build left untouched" in case.build.stderr
    assert case.after == case.before
    if "syntax error" not in fragment:
        assert f"[data/{name}]" in case.build.stdout  # the problem names the data file to fix
