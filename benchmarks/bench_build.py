"""Build-pipeline benchmark: parse, SHACL-validate and write synthetic datasets of growing size.

    python benchmarks/bench_build.py [--sizes 10k,100k,1M] [--full] [--validate-timeout 600]
                                     [--phase-timeout 1800] [--out FILE]
                                     [--whole-only] [--baseline-src DIR]

For each size, generate.py writes a synthetic N-Quads dataset of the real data's shape. Then two child
processes do the work the build does, each timed phase by phase, each with its own peak memory
(``ru_maxrss`` of that child, from ``wait4``):

- ``write`` child: parse the N-Quads into an rdflib Dataset (``parse``), serialise it as TriG and N-Quads
  (``write_trig``, ``write_nquads``) and bulk-load the N-Quads into a pyoxigraph store (``store_load``);
- ``validate`` child: parse again, add ontology/ (the shapes need the class hierarchy), and run pyshacl with
  the build's options over the union graph (``shacl``). pyshacl is slow and memory-hungry, so by default it
  runs only up to 100k triples (``--full`` runs it at every size) and is killed after ``--validate-timeout``
  seconds; the results then say "not run" or "timed out" instead of a time;
- ``oxigraph`` child (every size): bulk-load the N-Quads and ontology/ into an in-memory pyoxigraph store
  (``ox_load``), find the ill-typed literals (``ox_literals``), then run the oxigraph SHACL engine
  (mediakg.validation.shacl_oxigraph) with two worker threads (``ox_shacl``) and with one (``ox_shacl_1``).

- ``build`` child (every size): the whole ``mediakg build`` (``python -m mediakg.cli build``) on a project
  made of the synthetic data: ontology/ and shapes/ of this tree, one Turtle file per source graph in data/
  and per reference graph in data/reference/ (the entailed graph is left out: the build computes it). Phases
  are read from its progress lines; evidence quotes are not checked (the synthetic data has no source texts).
  With ``--baseline-src DIR`` (the ``src/`` of another version, e.g. ``git archive`` of an older commit) the
  same build also runs with that code, right before, so that both figures come from one run.

Everything is bounded: a child that passes its time limit is killed with its process group.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from _common import (
    RESULTS,
    ROOT,
    bench_dataset,
    fmt,
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

SHACL_DEFAULT_MAX = 100_000


# --------------------------------------------------------------------------------------------- children


def _emit(phase: str, started: float, **extra: Any) -> None:
    """One JSON line per finished phase: seconds, and the child's peak RSS so far (MB)."""
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    line = {"phase": phase, "s": round(time.perf_counter() - started, 3), "peak_rss_mb": round(peak_mb, 1)}
    print(json.dumps({**line, **extra}), flush=True)


def _parse(path: Path) -> Any:
    from rdflib import Dataset

    started = time.perf_counter()
    ds = Dataset()
    ds.parse(path, format="nquads")
    _emit("parse", started, quads=len(ds))
    return ds


def child_write(path: Path, out: Path) -> None:
    """Parse, serialise (TriG, N-Quads) and load into a pyoxigraph store, as ``mediakg build`` writes."""
    import pyoxigraph

    ds = _parse(path)
    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # rdflib's serialisers use its deprecated Dataset API
        warnings.simplefilter("ignore", DeprecationWarning)
        started = time.perf_counter()
        ds.serialize(out / "dataset.trig", format="trig")
        _emit("write_trig", started)
        started = time.perf_counter()
        ds.serialize(out / "dataset.nq", format="nquads")
        _emit("write_nquads", started)
    started = time.perf_counter()
    store = pyoxigraph.Store(str(out / "store"))
    store.bulk_load(path=str(out / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    store.flush()
    _emit("store_load", started, quads=len(store))


def child_validate(path: Path) -> None:
    """Parse, then pyshacl over data + ontology, run as the build runs it
    (mediakg.validation.shacl.run_shacl)."""
    from rdflib import Graph
    from rdflib.namespace import SH

    from mediakg.validation.shacl import run_shacl

    ds = _parse(path)
    started = time.perf_counter()
    union = Graph()
    union.addN((s, p, o, union) for s, p, o, _ in ds.quads())
    for ttl in sorted((ROOT / "ontology").glob("*.ttl")):
        union.parse(ttl, format="turtle")
    shapes = Graph()
    for ttl in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(ttl, format="turtle")
    _emit("union_and_shapes", started, triples=len(union))
    started = time.perf_counter()
    # the build's own pyshacl call, so the figures are those of `mediakg build`
    conforms, report = run_shacl(union, shapes)
    results = sum(1 for _ in report.subjects(predicate=SH.resultSeverity))
    _emit("shacl", started, conforms=bool(conforms), results=results)


def child_oxigraph(path: Path) -> None:
    """Load into an in-memory pyoxigraph store, then the oxigraph SHACL engine, as ``mediakg build
    --validator oxigraph`` validates (without rdflib: the store is loaded from the file)."""
    import pyoxigraph
    from rdflib import Graph

    from mediakg.validation.shacl_oxigraph import ill_typed_literals, validate_store

    started = time.perf_counter()
    store = pyoxigraph.Store()
    store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_QUADS)
    ontology = pyoxigraph.NamedNode("https://w3id.org/mediakg/ontology")
    for ttl in sorted((ROOT / "ontology").glob("*.ttl")):
        store.bulk_load(path=str(ttl), format=pyoxigraph.RdfFormat.TURTLE, to_graph=ontology)
    _emit("ox_load", started, quads=len(store))
    shapes = Graph()
    for ttl in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(ttl, format="turtle")
    started = time.perf_counter()
    bad = ill_typed_literals(store)
    _emit("ox_literals", started, ill_typed=len(bad))
    for phase, workers in (("ox_shacl", 2), ("ox_shacl_1", 1)):
        started = time.perf_counter()
        results = validate_store(store, shapes, workers=workers, ill_typed=bad)
        _emit(phase, started, results=len(results), conforms=not results)


# --------------------------------------------------------------------------------------------- parent


def run_child(
    argv: list[str], limit_s: float, command: list[str] | None = None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run a child of this script (or ``command``); collect its phase lines (JSON, or ``mediakg build``'s
    ``[  1.2s] step`` progress lines); kill it (and its group) after ``limit_s``.

    Returns ``{"phases": {...}, "peak_rss_mb": ..., "exit": ..., "timed_out": bool, "wall_s": ...}``; the
    peak memory comes from ``wait4`` (the child's ru_maxrss), so it is known even for a killed child.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        command or [sys.executable, str(Path(__file__).resolve()), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
        env=env,
    )
    phases: dict[str, Any] = {}
    errors: list[str] = []

    def read_out() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            progress = PROGRESS.match(line)
            if progress:
                phases.setdefault("steps", []).append([float(progress[1]), progress[2].strip()])
                say(f"    {argv[1]}: {line.strip()}")
                continue
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            phases[doc.pop("phase")] = doc
            say(f"    {argv[1]}: {line.strip()}")

    def read_err() -> None:
        assert proc.stderr is not None
        errors.extend(line.rstrip() for line in proc.stderr)

    readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
    for t in readers:
        t.start()
    fired = threading.Event()

    def on_timeout() -> None:
        fired.set()
        _kill_group(proc.pid)

    killer = threading.Timer(limit_s, on_timeout)
    killer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    except KeyboardInterrupt:
        _kill_group(proc.pid)
        os.wait4(proc.pid, 0)
        raise
    finally:
        killer.cancel()
    timed_out = fired.is_set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join(timeout=5)
    out: dict[str, Any] = {
        "phases": phases,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": proc.returncode,
        "timed_out": timed_out,
        "wall_s": round(time.perf_counter() - started, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
    }
    if proc.returncode != 0 and not timed_out:
        out["stderr_tail"] = errors[-5:]
    return out


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def bench_project(nquads: Path, root: Path) -> Path:
    """A project tree over the synthetic N-Quads ``nquads`` (see the module docstring); returns its root."""
    import pyoxigraph as ox

    from mediakg.graph.entail import ENTAILED_GRAPH
    from mediakg.graph.namespaces import ID_BASE, PREFIXES

    shutil.rmtree(root, ignore_errors=True)
    (root / "data" / "reference").mkdir(parents=True)
    for part in ("ontology", "shapes"):
        (root / part).symlink_to(ROOT / part)
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n", encoding="utf-8")
    graphs: dict[str, list[Any]] = {}
    for q in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
        graphs.setdefault(q.graph_name.value, []).append(q.triple)
    prefixes = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    for graph, triples in graphs.items():
        name = graph.rsplit("/", 1)[-1]
        if graph == ENTAILED_GRAPH:
            continue
        if graph.startswith(ID_BASE + "graph/reference-"):
            path = root / "data" / "reference" / f"{name.removeprefix('reference-')}.ttl"
        elif graph.startswith(ID_BASE + "source/"):
            path = root / "data" / f"{name}.ttl"
        else:
            raise SystemExit(f"{nquads}: graph {graph} is neither a source nor a reference graph")
        ox.serialize(triples, str(path), format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    return root


def run_build(label: str, project: Path, src: Path | None, limit_s: float) -> dict[str, Any]:
    """``mediakg build`` of ``project`` with the code in ``src`` (None: this tree), timed by its progress
    lines, in a child process whose peak memory is measured."""
    out = project.parent / f"{project.name}-out"
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, MEDIAKG_HOME=str(project), MEDIAKG_SOURCES=str(project / "no-sources"))
    if src is not None:
        env["PYTHONPATH"] = str(src)
    command = [sys.executable, "-m", "mediakg.cli", "build", "--out", str(out)]
    result = run_child(["--child", f"build-{label}"], limit_s, command=command, env=env)
    result["phases"] = build_phases(result["phases"].get("steps", []))
    result["code"] = str(src) if src is not None else "this tree"
    shutil.rmtree(out, ignore_errors=True)
    return result


#: ``mediakg build`` progress: ``[ 12.3s] message``.
PROGRESS = re.compile(r"^\[\s*([0-9.]+)s\] (.*)$")


def build_phases(steps: list[list[Any]]) -> dict[str, float]:
    """Seconds per phase from the build's progress lines: parse (to "merged"), validate (from "validating"
    to "validated"), write (from "validated" to "done": summary, TriG, N-Quads, store and, since the build
    writes them, the dumps); the steps in between are what preparing the validation took."""
    at: dict[str, float] = {}
    for seconds, message in steps:
        at.setdefault(message.split()[0], seconds)
    phases = {}
    for name, start, end in (
        ("parse", "parsing", "merged"),
        ("prepare", "merged", "validating"),
        ("validate", "validating", "validated"),
        ("write", "validated", "done"),
        ("total", "parsing", "done"),
    ):
        if start in at and end in at:
            phases[name] = round(at[end] - at[start], 2)
    return phases


def run_size(label: str, target: int, args: argparse.Namespace, result: dict[str, Any]) -> None:
    """Generate one size, then run the write and validate children and the whole build."""
    work = Path(args.workdir)
    data = bench_dataset(label, target, work / "data", with_real=False)
    say(f"size {label}: {data.path.name}, {data.quads} quads ({data.recipe}, {data.seconds:.1f} s)")
    result.update({"dataset": data.as_json(), "generate_s": round(data.seconds, 2)})
    project = bench_project(data.path, work / f"project-{label}")
    if args.baseline_src:
        result["loadavg_before_baseline"] = list(os.getloadavg())
        result["build_baseline"] = run_build(label, project, Path(args.baseline_src), args.phase_timeout)
    result["loadavg_before_build"] = list(os.getloadavg())
    result["build"] = run_build(label, project, None, args.phase_timeout)
    shutil.rmtree(project, ignore_errors=True)
    if args.whole_only:
        return
    result["write"] = run_child(
        ["--child", "write", str(data.path), str(work / f"build-{label}")], args.phase_timeout
    )
    if target > SHACL_DEFAULT_MAX and not args.full:
        result["validate"] = {"not_run": f"more than {SHACL_DEFAULT_MAX} triples (use --full)"}
        say(f"  validate: not run ({result['validate']['not_run']})")
    else:
        result["validate"] = run_child(["--child", "validate", str(data.path)], args.validate_timeout)
        if result["validate"]["timed_out"]:
            say(f"  validate: timed out after {args.validate_timeout:.0f} s")
    result["oxigraph"] = run_child(["--child", "oxigraph", str(data.path)], args.validate_timeout)
    pyshacl_s = result["validate"].get("phases", {}).get("shacl", {}).get("s")
    ox_s = result["oxigraph"].get("phases", {}).get("ox_shacl", {}).get("s")
    if pyshacl_s and ox_s:
        result["pyshacl_over_oxigraph"] = round(pyshacl_s / ox_s, 1)
    shutil.rmtree(work / f"build-{label}", ignore_errors=True)


def _cell(child: dict[str, Any], phase: str) -> object:
    if "not_run" in child:
        return "not run"
    if phase in child.get("phases", {}):
        return float(child["phases"][phase]["s"])
    if child.get("timed_out"):
        return "timed out"
    return "failed" if child.get("exit") else "–"


def whole_build_table(results: dict[str, Any]) -> str:
    """The whole ``mediakg build`` per size (and per code version, with a baseline)."""
    rows = []
    for size in results["sizes"]:
        for key, code in (("build_baseline", "baseline"), ("build", "this tree")):
            run = size.get(key)
            if not run:
                continue
            phases = run.get("phases", {})
            load = size.get("loadavg_before_baseline" if key == "build_baseline" else "loadavg_before_build")
            rows.append(
                [
                    size["size"],
                    f"{code} ({run.get('code')})" if key == "build_baseline" else code,
                    run.get("wall_s") if not run.get("exit") else f"failed ({run.get('exit')})",
                    run.get("cpu_s"),
                    phases.get("parse", "–"),
                    phases.get("prepare", "–"),
                    phases.get("validate", "–"),
                    phases.get("write", "–"),
                    run.get("peak_rss_mb"),
                    f"{load[0]:.2f}" if load else "–",
                ]
            )
    header = [
        "size",
        "code",
        "wall s",
        "CPU s",
        "parse s",
        "to validation s",
        "validate s",
        "write s",
        "peak MB",
        "load avg (1 min) before",
    ]
    return markdown_table(header, rows) if rows else ""


def markdown(results: dict[str, Any]) -> str:
    """The results as Markdown tables (seconds per phase, peak RSS per child)."""
    out = [f"# Build benchmark ({results['date']})", ""]
    whole = whole_build_table(results)
    if whole:
        out += [
            "`mediakg build` of the synthetic project (wall and CPU seconds of the process, peak RSS = its "
            'ru_maxrss; quotes not checked). "to validation": from merged to validating; "write": from '
            "validated to done (summary, TriG, N-Quads, store and, in this tree, the dumps).",
            "",
            whole,
            "",
        ]
    ctx = results["context"]
    out.append(
        f"{ctx['cpus']} CPUs, load average at start {ctx['loadavg_1_5_15'][0]:.2f}; validation time limit "
        f"{results['settings']['validate_timeout']:.0f} s. Seconds per phase; peak RSS is the child "
        "process's ru_maxrss."
    )
    out.append("")
    rows = []
    for size in results["sizes"]:
        if "write" not in size:  # --whole-only
            continue
        w, v, x = size.get("write", {}), size.get("validate", {}), size.get("oxigraph", {})
        shacl = _cell(v, "shacl")
        conforms = v.get("phases", {}).get("shacl", {}).get("conforms")
        if conforms is not None:
            shacl = f"{fmt(shacl)} ({'conforms' if conforms else 'violations'})"
        rows.append(
            [
                size["size"],
                size.get("dataset", {}).get("quads"),
                size.get("generate_s"),
                _cell(w, "parse"),
                _cell(w, "write_trig"),
                _cell(w, "write_nquads"),
                _cell(w, "store_load"),
                w.get("peak_rss_mb"),
                shacl,
                v.get("peak_rss_mb", "–"),
                _cell(x, "ox_load") if x else "–",
                _cell(x, "ox_literals") if x else "–",
                _cell(x, "ox_shacl") if x else "–",
                _cell(x, "ox_shacl_1") if x else "–",
                x.get("peak_rss_mb", "–"),
                size.get("pyshacl_over_oxigraph", "–"),
            ]
        )
    header = [
        "size",
        "quads",
        "generate s",
        "parse s",
        "write TriG s",
        "write N-Quads s",
        "store load s",
        "parse+write peak MB",
        "pyshacl s",
        "validate peak MB",
        "ox load s",
        "ox ill-typed s",
        "ox SHACL s (2 threads)",
        "ox SHACL s (1 thread)",
        "ox peak MB",
        "pyshacl / ox",
    ]
    out += [markdown_table(header, rows), ""] if rows else []
    if results.get("interrupted"):
        out += ["**Interrupted**: the figures above are partial.", ""]
    return "\n".join(out)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10k,100k,1M", help="dataset sizes in triples (default 10k,100k,1M)")
    p.add_argument("--full", action="store_true", help=f"run pyshacl beyond {SHACL_DEFAULT_MAX} triples too")
    p.add_argument("--validate-timeout", type=float, default=600.0, help="pyshacl child time limit, s (600)")
    p.add_argument("--phase-timeout", type=float, default=1800.0, help="parse+write child time limit, s")
    p.add_argument("--workdir", default=str(ROOT / "build" / "bench"), help="datasets and build outputs")
    p.add_argument("--out", help="results JSON (default benchmarks/results/build-<date>.json)")
    p.add_argument("--markdown", default=str(RESULTS / "build-latest.md"), help="Markdown table file")
    p.add_argument("--note", default="", help="free text stored with the results")
    p.add_argument(
        "--whole-only", action="store_true", help="only the whole `mediakg build`, no phase children"
    )
    p.add_argument("--baseline-src", help="also build with the mediakg package in this src/ folder (before)")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    return p


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "write":
            child_write(Path(rest[0]), Path(rest[1]))
        elif kind == "oxigraph":
            child_oxigraph(Path(rest[0]))
        else:
            child_validate(Path(rest[0]))
        return 0
    out = Path(args.out) if args.out else RESULTS / f"build-{today()}.json"
    results: dict[str, Any] = {
        "benchmark": "build",
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "settings": {"full": args.full, "validate_timeout": args.validate_timeout},
        "note": args.note,
        "context": machine_context(),
        "git": git_state(),
        "versions": versions(["mediakg", "rdflib", "pyshacl", "pyoxigraph"]),
        "sizes": [],
    }
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for label, target in parse_sizes(args.sizes):
            size: dict[str, Any] = {"size": label}
            results["sizes"].append(size)
            run_size(label, target, args, size)
            write_json(out, results)
    except KeyboardInterrupt:
        results["interrupted"] = True
        say("interrupted: children killed, writing partial results")
    results["context_after"] = machine_context()
    return write_results(out, results, args.markdown, markdown(results))


if __name__ == "__main__":
    sys.exit(main())
