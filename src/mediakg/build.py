"""``mediakg build`` and ``mediakg validate``: parse, merge, validate, and (build only) write the build
folder atomically.

The build folder (:class:`mediakg.folder.BuildFolder`) holds ``dataset.trig``, ``dataset.nq``,
``validation-report.ttl``, ``store/`` (a pyoxigraph store loaded from the N-Quads), ``export/`` (the dumps and
their VoID description, everything the service offers for download) and ``summary.json``, written last. It is
written into a temporary sibling folder and swapped into place only when everything succeeded, so a failing
build never leaves half output and never touches the previous build.

Everything that grows with the data is pyoxigraph's work: parsing, the N-Quads and TriG, an in-memory store
of the statements that the oxigraph SHACL engine, the summary, the statistics and the tables read, and the
persisted store; rdflib and pyshacl (the reference validator) see the data only when it is small.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import gc
import hashlib
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

from mediakg import __version__
from mediakg.errors import MediakgError
from mediakg.folder import (
    NQUADS,
    OUTPUTS,
    QUERIES,
    REPORT,
    SHAPES,
    STORE,
    SUMMARY,
    TRIG,
    BuildFolder,
    sha256_file,
)
from mediakg.graph.merge import Merged, merge
from mediakg.graph.namespaces import ID_BASE, MKG
from mediakg.graph.parse import InputFile, display_path, extra_input, project_inputs
from mediakg.graph.terms import short
from mediakg.paths import ProjectPaths, project_paths
from mediakg.progress import Progress, table
from mediakg.publish.export import ExportInput, write_exports
from mediakg.validation.shacl import Outcome, Shapes, load_shapes, validate

__all__ = ["NQUADS", "OUTPUTS", "REPORT", "STORE", "SUMMARY", "TRIG"]  # the layout, for older imports

#: Classes always shown in the summary table (others appear when they have instances).
CORE_CLASSES = (
    "Meeting",
    "Incident",
    "Person",
    "Official",
    "Journalist",
    "Organization",
    "State",
    "Law",
    "LegalProvision",
    "Membership",
    "Statistic",
    "Place",
    "Document",
    "SourceDocument",
    "Claim",
    "Evidence",
)


class BuildFailed(MediakgError):
    """Parse errors (exit 2) or violations (exit 1); the problems have already been printed."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Checked:
    """Inputs that parsed and passed validation."""

    merged: Merged
    outcome: Outcome
    sources: Path | None
    inputs: dict[str, dict[str, object]]  # hashes taken before parsing: a file edited meanwhile looks stale


# --------------------------------------------------------------------------- inputs


def input_files(paths: ProjectPaths) -> list[Path]:
    """Every file the build reads or copies (ontology, shapes, data, the questions it serves); their hashes
    decide whether a build is stale."""
    files = sorted(paths.ontology.glob("*.ttl")) + sorted(paths.shapes.glob("*.ttl"))
    files += sorted(paths.data.glob("*.ttl")) + sorted((paths.data / "reference").glob("*.ttl"))
    return files + sorted(paths.queries.glob("*.rq"))


def input_hashes(paths: ProjectPaths) -> dict[str, dict[str, object]]:
    """Project-relative path -> sha256 and size of every input file."""
    return {
        display_path(p, paths.root): {
            "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
            "size": p.stat().st_size,
        }
        for p in input_files(paths)
    }


def _shape_inputs(paths: ProjectPaths) -> list[InputFile]:
    return [InputFile(p, None, display_path(p, paths.root)) for p in sorted(paths.shapes.glob("*.ttl"))]


# --------------------------------------------------------------------------- checking


def check(
    paths: ProjectPaths,
    extra: Sequence[InputFile] = (),
    progress: Progress | None = None,
    out: Path | None = None,
    validator: str = "auto",
) -> Checked:
    """Parse, merge and validate the project (plus ``extra`` files); raise BuildFailed after printing the
    problems when anything is wrong. ``out`` is the build directory when building (named in the failure
    message), None when only validating; ``validator`` the SHACL engine (auto, pyshacl, oxigraph)."""
    progress = progress or Progress()
    hashes = input_hashes(paths)
    merged, shapes = parse_inputs(paths, extra, progress, out)
    return validate_inputs(paths, merged, shapes, hashes, progress, out, validator)


def parse_inputs(
    paths: ProjectPaths, extra: Sequence[InputFile], progress: Progress, out: Path | None
) -> tuple[Merged, Shapes]:
    """Parse and merge the project's files (plus ``extra``) and the shapes; BuildFailed after printing the
    parse problems."""
    inputs = project_inputs(paths)
    shape_inputs = _shape_inputs(paths)
    progress.step(f"parsing {len(inputs) + len(extra) + len(shape_inputs)} files")
    merged = merge(inputs, extra)
    shapes = load_shapes(shape_inputs)
    parse_problems = merged.problems + shapes.problems
    if parse_problems:
        progress.problems(parse_problems)
        raise BuildFailed(f"{_verb(out)} failed: {len(parse_problems)} parse errors{_untouched(out)}", 2)
    sizes = [n for n in merged.graph_sizes().values() if n]
    progress.step(f"merged {sum(sizes)} triples in {len(sizes)} graphs")
    return merged, shapes


def validate_inputs(
    paths: ProjectPaths,
    merged: Merged,
    shapes: Shapes,
    hashes: dict[str, dict[str, object]],
    progress: Progress,
    out: Path | None,
    validator: str,
    store: ox.Store | None = None,
) -> Checked:
    """Validate the merged data (``store``: the same data in a pyoxigraph store, when there is one);
    BuildFailed after printing the violations."""
    sources: Path | None = paths.sources
    if not sources.is_dir():
        progress.say(f"warning: sources folder {sources} not found: evidence quotes not checked")
        sources = None
    shape_files = len(_shape_inputs(paths))
    progress.step(
        f"validating against {shape_files} shapes files" + (" and the source texts" * bool(sources))
    )
    outcome = validate(merged, shapes.graph, sources, validator, store)
    progress.step(f"validated with {outcome.engine}")
    progress.problems(outcome.problems)
    if outcome.violations:
        count = len(outcome.violations)
        raise BuildFailed(f"{_verb(out)} failed: {count} violations{_untouched(out)}", 1)
    return Checked(merged, outcome, sources, hashes)


def _verb(out: Path | None) -> str:
    return "validation" if out is None else "build"


def _untouched(out: Path | None) -> str:
    if out is None:
        return ""
    return "; previous build left untouched" if out.exists() else "; nothing written"


# --------------------------------------------------------------------------- summary


_TYPES = "SELECT DISTINCT ?t WHERE { ?s a ?t FILTER(isIRI(?t)) }"
_SUPERCLASSES = (
    "SELECT DISTINCT ?c ?super WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?super "
    "FILTER(isIRI(?c) && isIRI(?super)) }"
)
_DECLARED = (
    "SELECT DISTINCT ?c WHERE { ?c a ?k FILTER(?k IN (<http://www.w3.org/2002/07/owl#Class>, "
    "<http://www.w3.org/2000/01/rdf-schema#Class>) && isIRI(?c)) }"
)
#: Members of each class (``?t``: a type stated, ``?c``: it or a superclass), each subject once per class.
_MEMBERS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { VALUES (?t ?c) { %s } ?s a ?t } GROUP BY ?c"


def entity_counts(store: ox.Store) -> dict[str, int]:
    """Instances per mkg: class (``mkg:Person`` counts its subclasses' instances too), blank nodes
    included, over the union of the graphs of ``store``."""

    def query(text: str) -> list[ox.QuerySolution]:
        return list(store.query(text, use_default_graph_as_union=True))  # type: ignore[arg-type]

    parents: dict[str, set[str]] = {}
    for row in query(_SUPERCLASSES):
        parents.setdefault(row["c"].value, set()).add(row["super"].value)

    def closure(cls: str) -> set[str]:
        found, todo = {cls}, [cls]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found

    mkg = str(MKG)
    types = [row["t"].value for row in query(_TYPES)]
    pairs = " ".join(f"(<{t}> <{c}>)" for t in types for c in sorted(closure(t)) if c.startswith(mkg))
    counts = {row["c"].value: int(row["n"].value) for row in query(_MEMBERS % pairs)} if pairs else {}
    declared = {row["c"].value for row in query(_DECLARED)}
    classes = {c for c in declared | set(counts) if c.startswith(mkg)} | {mkg + n for n in CORE_CLASSES}
    return {short(MKG[c[len(mkg) :]]): counts.get(c, 0) for c in sorted(classes)}


def make_summary(
    checked: Checked, store: ox.Store, distinct: int, seconds: float, base_iri: str = ID_BASE
) -> dict[str, object]:
    """The content of summary.json; ``store`` holds the built dataset, of ``distinct`` distinct triples."""
    files = checked.merged.graph_files()
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    sizes = {row["g"].value: int(row["n"].value) for row in rows}  # type: ignore[index]
    per_graph = {g: {"triples": n, "files": files.get(g, [])} for g, n in sorted(sizes.items()) if n}
    entities = entity_counts(store)
    return {
        "mediakg_version": __version__,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "build_seconds": round(seconds, 2),
        "triples": sum(v["triples"] for v in per_graph.values()),
        "distinct_triples": distinct,
        "graphs": per_graph,
        "entities": entities,
        "quotes": entities.get("mkg:Evidence", 0),
        "quotes_verified": checked.outcome.quotes_verified,
        "quotes_checked": dict(sorted(checked.outcome.quotes_checked.items())),
        "warnings": len(checked.outcome.problems),
        "validator": checked.outcome.engine,
        "base_iri": base_iri,
        "inputs": checked.inputs,
    }


def summary_table(summary: dict) -> str:
    """Human-readable summary of a build."""
    entities = summary["entities"]
    core = {f"mkg:{c}" for c in CORE_CLASSES}
    rows = [("triples", str(summary["triples"])), ("named graphs", str(len(summary["graphs"])))]
    rows += [(cls, str(n)) for cls, n in entities.items() if n or cls in core]
    rows += [("quotes", str(summary["quotes"]) + ("" if summary["quotes_verified"] else " (not verified)"))]
    rows += [("validator", str(summary.get("validator", "pyshacl")))]
    rows += [("time", f"{summary['build_seconds']:.1f} s")]
    return table(rows, "build summary:")


# --------------------------------------------------------------------------- writing


def _load_store(nquads: Path, directory: Path) -> int:
    """Create a persistent pyoxigraph store in ``directory`` from an N-Quads file; returns its quad count."""
    store = ox.Store(str(directory))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    count = len(store)
    del store  # release the RocksDB lock before the folder is moved
    return count


def build(
    paths: ProjectPaths | None = None,
    out: Path | None = None,
    quiet: bool = False,
    validator: str = "auto",
    base_iri: str = ID_BASE,
) -> dict:
    """Build the project into ``out`` (default ``paths.build``) validating with ``validator`` (auto,
    pyshacl, oxigraph); ``base_iri`` is the base of the entity IRIs the exports describe (VoID
    ``void:uriSpace``, entity counts) and the service maps to ``/id/``. Returns the summary.

    Raises BuildFailed (after printing the problems) when the inputs do not parse or validate; the previous
    build is then left as it was.
    """
    paths = paths or project_paths()
    out = Path(out) if out else paths.build
    with _build_lock(out):
        return _build(paths, out, quiet, validator=validator, base_iri=base_iri)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The build holds millions of objects (the statements) until it ends: Python's cyclic collector would
    walk all of them again and again while they are made (a third of the parse time at a million)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(
    paths: ProjectPaths,
    out: Path,
    quiet: bool,
    stream: TextIO | None = None,
    validator: str = "auto",
    base_iri: str = ID_BASE,
) -> dict:
    progress = Progress(quiet=quiet, stream=stream)
    hashes = input_hashes(paths)  # taken before parsing: a file edited meanwhile looks stale
    with _no_cyclic_gc():
        summary = _build_into(paths, out, progress, hashes, validator, base_iri)
    progress.step("done")
    progress.say(summary_table(summary))
    return summary


def _build_into(
    paths: ProjectPaths,
    out: Path,
    progress: Progress,
    hashes: dict[str, dict[str, object]],
    validator: str,
    base_iri: str,
) -> dict:
    merged, shapes = parse_inputs(paths, (), progress, out)
    with BuildFolder.create(out) as folder:
        # The statements, written once as N-Quads, read back by pyoxigraph into the in-memory store that
        # the checks, the summary and the exports read; the persisted store is loaded last, when the rest
        # is freed.
        ox.serialize(merged.quads(), str(folder.nquads), format=ox.RdfFormat.N_QUADS)
        memory = ox.Store()
        memory.bulk_load(path=str(folder.nquads), format=ox.RdfFormat.N_QUADS)
        checked = validate_inputs(paths, merged, shapes, hashes, progress, out, validator, memory)
        progress.step(f"writing {out}")
        quads = list(merged.quads())
        source = ExportInput(quads, memory, created="", base_iri=base_iri)
        summary = make_summary(checked, memory, len(source.union_triples()), progress.elapsed(), base_iri)
        ox.serialize(quads, str(folder.trig), format=ox.RdfFormat.TRIG, prefixes=source.prefixes)
        checked.outcome.report.serialize(folder.report, format="turtle")
        summary["dataset_sha256"] = sha256_file(folder.nquads)
        progress.step("writing the dumps")
        source.created, source.build_hash = str(summary["built_at"]), str(summary["dataset_sha256"])
        source.written = {"trig": folder.trig, "nquads": folder.nquads}
        write_exports(source, folder.export)
        folder.copy_in(paths.shapes, SHAPES, "*.ttl")  # what the service serves: as built and checked
        folder.copy_in(paths.queries, QUERIES, "*.rq")
        del checked, merged, memory, quads, source  # the persisted store's loader needs the memory
        gc.collect()  # what sits in reference cycles (the tables' lookup caches): the collector is off
        progress.step("loading the store")
        loaded = _load_store(folder.nquads, folder.store)
        if loaded != summary["triples"]:
            raise MediakgError(
                f"store has {loaded} quads, the dataset {summary['triples']}: store load incomplete"
            )
        summary["build_seconds"] = round(progress.elapsed(), 2)
        folder.write_json(folder.summary_file, summary)
    return summary


# --------------------------------------------------------------------------- staleness


def is_stale(paths: ProjectPaths, out: Path | None = None, base_iri: str | None = None) -> bool:
    """True when the build is missing or incomplete, an input file was added, removed or changed (content
    hash differs from the one recorded in summary.json), or ``base_iri`` is given and is not the build's."""
    folder = BuildFolder(Path(out) if out else paths.build)
    if not folder.is_complete():
        return True
    summary = folder.summary() or {}
    recorded = summary.get("inputs")
    if not isinstance(recorded, dict):
        return True
    if base_iri is not None and base_iri != summary.get("base_iri", ID_BASE):
        return True
    current = input_hashes(paths)
    return {k: v["sha256"] for k, v in current.items()} != {k: v.get("sha256") for k, v in recorded.items()}


@contextlib.contextmanager
def _build_lock(out: Path) -> Iterator[None]:
    """Serialise builds of one build directory between processes (e.g. several service workers); the lock
    file lives in the temp dir so that it never clutters the project."""
    key = hashlib.sha1(str(out.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"mediakg-build-{key}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_build(
    paths: ProjectPaths | None = None,
    out: Path | None = None,
    quiet: bool = True,
    base_iri: str | None = None,
) -> Path:
    """Return the build directory, building it first when it is missing or stale (for the service and
    the commands that read the build); ``base_iri``: build with that base when the build has another (None:
    any, a new build gets the default). Build output goes to stderr. Raises BuildFailed when the inputs do
    not validate.
    """
    paths = paths or project_paths()
    out = Path(out) if out else paths.build
    if not is_stale(paths, out, base_iri):
        return out
    with _build_lock(out):
        if is_stale(paths, out, base_iri):  # another process may have built it while we waited
            # keep the caller's stdout clean
            _build(paths, out, quiet, stream=sys.stderr, base_iri=base_iri or ID_BASE)
    return out


def current_build(base_iri: str | None = None) -> BuildFolder:
    """The project's build folder, built first when missing or stale (see :func:`ensure_build`)."""
    return BuildFolder(ensure_build(project_paths(), base_iri=base_iri))


# --------------------------------------------------------------------------- commands


def cmd_build(args: argparse.Namespace) -> int:
    """``mediakg build [--out DIR] [--quiet]``."""
    paths = project_paths()
    out = Path(args.out).resolve() if getattr(args, "out", None) else paths.build
    build(
        paths,
        out,
        quiet=getattr(args, "quiet", False),
        validator=getattr(args, "validator", "auto"),
        base_iri=getattr(args, "base_iri", None) or ID_BASE,
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``mediakg validate FILE...``: check files together with the project's ontology and data; writes
    nothing."""
    paths = project_paths()
    extra = [extra_input(Path(f), paths.root) for f in args.files]
    started = time.perf_counter()
    checked = check(paths, extra, Progress(), validator=getattr(args, "validator", "auto"))
    total = len(checked.merged)
    print(
        f"conforms: {len(extra)} files checked with the project data ({total} triples) in "
        f"{time.perf_counter() - started:.1f} s ({checked.outcome.engine})"
    )
    return 0
