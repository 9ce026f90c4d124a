"""``mediakg build`` and ``mediakg validate``: parse, merge, validate, and (build only) write the build
directory atomically.

The build directory holds ``dataset.trig``, ``dataset.nq``, ``validation-report.ttl``, ``summary.json`` and
``store/`` (a pyoxigraph store bulk-loaded from the N-Quads). It is written into a temporary sibling folder
and swapped into place only when everything succeeded, so a failing build never leaves half output and
never touches the previous build.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pyoxigraph
from rdflib import OWL, RDF, RDFS, Dataset, Graph, URIRef

from mediakg import __version__
from mediakg.errors import MediakgError
from mediakg.graph.merge import Merged, merge
from mediakg.graph.namespaces import ID_BASE, MKG, PREFIXES
from mediakg.graph.parse import InputFile, display_path, extra_input, project_inputs
from mediakg.graph.terms import short
from mediakg.paths import ProjectPaths, project_paths
from mediakg.progress import Progress, table
from mediakg.validation.shacl import Outcome, load_shapes, validate

TRIG = "dataset.trig"
NQUADS = "dataset.nq"
REPORT = "validation-report.ttl"
SUMMARY = "summary.json"
STORE = "store"
OUTPUTS = (TRIG, NQUADS, REPORT, SUMMARY, STORE)

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
    """Every file the build reads (ontology, shapes, data); their hashes decide whether a build is stale."""
    files = sorted(paths.ontology.glob("*.ttl")) + sorted(paths.shapes.glob("*.ttl"))
    return files + sorted(paths.data.glob("*.ttl")) + sorted((paths.data / "reference").glob("*.ttl"))


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
    inputs = project_inputs(paths)
    shape_inputs = _shape_inputs(paths)
    progress.step(f"parsing {len(inputs) + len(extra) + len(shape_inputs)} files")
    merged = merge(inputs, extra)
    shapes = load_shapes(shape_inputs)
    parse_problems = merged.problems + shapes.problems
    if parse_problems:
        progress.problems(parse_problems)
        raise BuildFailed(f"{_verb(out)} failed: {len(parse_problems)} parse errors{_untouched(out)}", 2)
    ds = merged.dataset
    sizes = [len(g) for g in ds.graphs() if len(g)]
    progress.step(f"merged {sum(sizes)} triples in {len(sizes)} graphs")

    sources: Path | None = paths.sources
    if not sources.is_dir():
        progress.say(f"warning: sources folder {sources} not found: evidence quotes not checked")
        sources = None
    progress.step(
        f"validating against {len(shape_inputs)} shapes files" + (" and the source texts" * bool(sources))
    )
    outcome = validate(merged, shapes.graph, sources, validator)
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


def entity_counts(union: Graph) -> dict[str, int]:
    """Instances per mkg: class (``mkg:Person`` counts its subclasses' instances too), blank nodes
    included."""
    supers: dict[URIRef, set[URIRef]] = {}

    def closure(cls: URIRef) -> set[URIRef]:
        if cls not in supers:
            supers[cls] = {cls}
            for parent in union.objects(cls, RDFS.subClassOf):
                if isinstance(parent, URIRef):
                    supers[cls] |= closure(parent)
        return supers[cls]

    members: dict[URIRef, set] = {}
    for s, cls in union.subject_objects(RDF.type):
        if isinstance(cls, URIRef):
            for c in closure(cls):
                members.setdefault(c, set()).add(s)
    declared = set(union.subjects(RDF.type, OWL.Class)) | set(union.subjects(RDF.type, RDFS.Class))
    classes = {c for c in declared | set(members) if str(c).startswith(str(MKG))}
    classes |= {MKG[name] for name in CORE_CLASSES}
    return {short(c): len(members.get(c, ())) for c in sorted(classes)}


def make_summary(checked: Checked, seconds: float) -> dict[str, object]:
    """The content of summary.json."""
    merged = checked.merged
    union = merged.union()
    files = merged.graph_files()
    per_graph = {
        str(g.identifier): {"triples": len(g), "files": files.get(str(g.identifier), [])}
        for g in sorted(merged.dataset.graphs(), key=lambda g: str(g.identifier))
        if len(g)
    }
    entities = entity_counts(union)
    return {
        "mediakg_version": __version__,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "build_seconds": round(seconds, 2),
        "triples": sum(v["triples"] for v in per_graph.values()),
        "distinct_triples": len(union),
        "graphs": per_graph,
        "entities": entities,
        "quotes": entities.get("mkg:Evidence", 0),
        "quotes_verified": checked.outcome.quotes_verified,
        "quotes_checked": dict(sorted(checked.outcome.quotes_checked.items())),
        "warnings": len(checked.outcome.problems),
        "validator": checked.outcome.engine,
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
    store = pyoxigraph.Store(str(directory))
    store.bulk_load(path=str(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
    store.flush()
    count = len(store)
    del store  # release the RocksDB lock before the folder is moved
    return count


def bind_id_prefixes(ds: Dataset) -> None:
    """Bind one prefix per entity kind (``person:``, ``date-basis:``, ``idorg:``) so that the TriG reads
    like the data files instead of using generated ``ns1:`` prefixes."""
    taken = set(PREFIXES)
    nodes = {n for s, p, o, _ in ds.quads() for n in (s, p, o)}
    for node in sorted(n for n in nodes if isinstance(n, URIRef)):
        iri = str(node)
        if not iri.startswith(ID_BASE) or "/" not in iri[len(ID_BASE) :]:
            continue
        namespace = iri.rsplit("/", 1)[0] + "/"
        name = namespace[:-1].rsplit("/", 1)[-1]
        prefix = name if name not in taken else "id" + name
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", prefix) and prefix not in taken:
            ds.bind(prefix, namespace, override=False)
            taken.add(prefix)


def _write(checked: Checked, summary: dict, folder: Path) -> None:
    """Write the dataset files, the validation report and the store into ``folder``."""
    ds = checked.merged.dataset
    bind_id_prefixes(ds)
    with warnings.catch_warnings():  # rdflib's own serialisers use its deprecated Dataset API
        warnings.simplefilter("ignore", DeprecationWarning)
        ds.serialize(folder / TRIG, format="trig")
        ds.serialize(folder / NQUADS, format="nquads")
    checked.outcome.report.serialize(folder / REPORT, format="turtle")
    loaded = _load_store(folder / NQUADS, folder / STORE)
    if loaded != summary["triples"]:
        raise MediakgError(
            f"store has {loaded} quads, the dataset {summary['triples']}: store load incomplete"
        )


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp`` with two renames (the old build is deleted only after the swap)."""
    old = None
    if out.exists() or out.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / out.name)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build(
    paths: ProjectPaths | None = None, out: Path | None = None, quiet: bool = False, validator: str = "auto"
) -> dict:
    """Build the project into ``out`` (default ``paths.build``) validating with ``validator`` (auto,
    pyshacl, oxigraph); returns the summary.

    Raises BuildFailed (after printing the problems) when the inputs do not parse or validate; the previous
    build is then left as it was.
    """
    paths = paths or project_paths()
    out = Path(out) if out else paths.build
    with _build_lock(out):
        return _build(paths, out, quiet, validator=validator)


def _build(
    paths: ProjectPaths, out: Path, quiet: bool, stream: TextIO | None = None, validator: str = "auto"
) -> dict:
    progress = Progress(quiet=quiet, stream=stream)
    checked = check(paths, progress=progress, out=out, validator=validator)
    progress.step(f"writing {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        summary = make_summary(checked, progress.elapsed())
        _write(checked, summary, tmp)
        summary["build_seconds"] = round(progress.elapsed(), 2)
        (tmp / SUMMARY).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    progress.step("done")
    progress.say(summary_table(summary))
    return summary


# --------------------------------------------------------------------------- staleness


def is_stale(paths: ProjectPaths, out: Path | None = None) -> bool:
    """True when the build is missing or incomplete, or an input file was added, removed or changed
    (content hash differs from the one recorded in summary.json)."""
    out = Path(out) if out else paths.build
    if not all((out / name).exists() for name in OUTPUTS):
        return True
    try:
        recorded = json.loads((out / SUMMARY).read_text(encoding="utf-8"))["inputs"]
    except (OSError, ValueError, KeyError):
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


def ensure_build(paths: ProjectPaths | None = None, out: Path | None = None, quiet: bool = True) -> Path:
    """Return the build directory, building it first when it is missing or stale (for the service and
    the query commands). Build output goes to stderr. Raises BuildFailed when the inputs do not validate.
    """
    paths = paths or project_paths()
    out = Path(out) if out else paths.build
    if not is_stale(paths, out):
        return out
    with _build_lock(out):
        if is_stale(paths, out):  # another process may have built it while we waited
            _build(paths, out, quiet, stream=sys.stderr)  # keep the caller's stdout clean
    return out


# --------------------------------------------------------------------------- commands


def cmd_build(args: argparse.Namespace) -> int:
    """``mediakg build [--out DIR] [--quiet]``."""
    paths = project_paths()
    out = Path(args.out).resolve() if getattr(args, "out", None) else paths.build
    build(paths, out, quiet=getattr(args, "quiet", False), validator=getattr(args, "validator", "auto"))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``mediakg validate FILE...``: check files together with the project's ontology and data; writes
    nothing."""
    paths = project_paths()
    extra = [extra_input(Path(f), paths.root) for f in args.files]
    started = time.perf_counter()
    checked = check(paths, extra, Progress(), validator=getattr(args, "validator", "auto"))
    total = len(checked.merged.dataset)
    print(
        f"conforms: {len(extra)} files checked with the project data ({total} triples) in "
        f"{time.perf_counter() - started:.1f} s ({checked.outcome.engine})"
    )
    return 0
