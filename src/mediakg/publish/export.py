"""``mediakg export``: the linked-data dumps of the build, each also gzip-compressed, with a VoID description.

Formats (file names in the output folder):

* ``mediakg.trig``, ``mediakg.nq`` — the dataset with one named graph per source (and the ontology graph);
* ``mediakg.ttl``, ``mediakg.nt``, ``mediakg.jsonld`` — the union of all graphs as one graph (JSON-LD keeps no
  named graphs: use TriG or N-Quads for provenance by graph), with the ``@context`` of :func:`jsonld_context`;
* ``mediakg-<table>.csv`` — one flat table per core class for spreadsheet users
(:mod:`mediakg.publish.tables`);
* ``void.ttl`` (VoID + DCAT) and ``manifest.json`` (what was written, from which build, with the statistics).

Files are written to a temporary folder first and moved into place only when all of them are complete.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Dataset, Graph

from mediakg.errors import MediakgError, UsageError
from mediakg.graph.namespaces import ID_BASE, PREFIXES
from mediakg.paths import ProjectPaths, project_paths
from mediakg.publish.tables import TABLES, write_table
from mediakg.publish.void import Dump, dataset_stats, void_graph

PUBLIC_URL = "https://w3id.org/mediakg/"


@dataclass(frozen=True)
class Format:
    """One dump format: its name on the command line, file name, media type and rdflib serializer."""

    name: str
    filename: str
    media_type: str
    title: str
    rdflib_format: str | None  # None: not an RDF serialisation (CSV)
    quads: bool = False


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("ttl", "mediakg.ttl", "text/turtle", "Turtle (union of all graphs)", "turtle"),
        Format("nt", "mediakg.nt", "application/n-triples", "N-Triples (union of all graphs)", "nt"),
        Format("jsonld", "mediakg.jsonld", "application/ld+json", "JSON-LD (union of all graphs)", "json-ld"),
        Format("trig", "mediakg.trig", "application/trig", "TriG (one named graph per source)", "trig", True),
        Format(
            "nquads",
            "mediakg.nq",
            "application/n-quads",
            "N-Quads (one named graph per source)",
            "nquads",
            True,
        ),
        Format("csv", "mediakg-{table}.csv", "text/csv", "CSV table of {table}", None),
    )
}
MANIFEST = "manifest.json"
VOID_FILE = "void.ttl"


def jsonld_context() -> dict:
    """The published JSON-LD ``@context``: the prefixes of :data:`mediakg.graph.namespaces.PREFIXES`."""
    return {"@context": dict(PREFIXES)}


def build_fingerprint(build_dir: Path) -> tuple[str, float]:
    """A hash identifying the build in ``build_dir`` and its modification time (from ``summary.json``).

    Falls back to the dataset file when there is no summary (e.g. a dataset handed to ``serve --data``).
    """
    for name in ("summary.json", "dataset.nq", "dataset.trig"):
        path = build_dir / name
        if path.is_file():
            return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime
    raise MediakgError(f"no build in {build_dir}: run `mediakg build` first")


def dataset_file(build_dir: Path) -> Path:
    """The dataset file of a build folder (N-Quads preferred: fastest to parse)."""
    for name in ("dataset.nq", "dataset.trig"):
        if (build_dir / name).is_file():
            return build_dir / name
    raise MediakgError(f"no dataset.nq or dataset.trig in {build_dir}: run `mediakg build` first")


def load_dataset(path: Path) -> Dataset:
    """Parse a TriG / N-Quads / Turtle file into an rdflib Dataset (default graph = union of the graphs)."""
    fmt = {".nq": "nquads", ".trig": "trig", ".ttl": "turtle", ".nt": "nt"}.get(path.suffix)
    if fmt is None:
        raise UsageError(f"{path}: unknown RDF file type (expected .nq, .trig, .ttl or .nt)")
    ds = Dataset(default_union=True)
    try:
        if fmt in ("turtle", "nt"):
            ds.graph(ds.default_context.identifier).parse(path, format=fmt)
        else:
            ds.parse(path, format=fmt)
    except Exception as exc:  # rdflib raises many kinds; report the file
        raise MediakgError(f"{path}: cannot parse as {fmt}: {exc}") from exc
    return ds


def union_graph(dataset: Dataset) -> Graph:
    """All triples of all graphs of ``dataset`` as one graph, with the project's prefixes bound."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    for graph in dataset.graphs():
        for triple in graph:
            g.add(triple)
    return g


def _bind_prefixes(dataset: Dataset) -> None:
    for prefix, ns in PREFIXES.items():
        dataset.bind(prefix, ns, override=True)


def _gzip(path: Path) -> Path:
    """Write ``path.gz`` next to ``path`` (mtime 0: the same content gives the same bytes)."""
    gz = path.with_name(path.name + ".gz")
    with path.open("rb") as src, gz.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        shutil.copyfileobj(src, out)
    return gz


def _write_rdf(fmt: Format, dataset: Dataset, union: Graph, path: Path) -> None:
    if fmt.quads:
        _bind_prefixes(dataset)
        dataset.serialize(destination=path, format=fmt.rdflib_format, encoding="utf-8")
    elif fmt.name == "jsonld":
        data = union.serialize(format="json-ld", context=jsonld_context()["@context"], auto_compact=True)
        path.write_text(data, encoding="utf-8")
    else:
        union.serialize(destination=path, format=fmt.rdflib_format, encoding="utf-8")


def export_dataset(
    dataset: Dataset,
    out_dir: Path,
    formats: Iterable[str] | None = None,
    *,
    build_hash: str = "",
    created: str | None = None,
    public_url: str = PUBLIC_URL,
    base_iri: str = ID_BASE,
) -> list[Dump]:
    """Write the dumps of ``dataset`` in ``formats`` (default: all) plus ``void.ttl`` and ``manifest.json``.

    Returns the dumps written. Nothing is changed in ``out_dir`` unless every file could be written.
    """
    names = list(dict.fromkeys(formats or FORMATS))
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise UsageError(f"unknown export format(s): {', '.join(unknown)} (known: {', '.join(FORMATS)})")
    created = created or datetime.now(UTC).date().isoformat()
    out_dir.mkdir(parents=True, exist_ok=True)
    union = union_graph(dataset)
    dumps: list[Dump] = []
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".export-") as tmp_name:
        tmp = Path(tmp_name)
        for name in names:
            fmt = FORMATS[name]
            targets: list[tuple[Path, str]] = []
            if fmt.rdflib_format is None:
                for table in TABLES:
                    path = tmp / fmt.filename.format(table=table.name)
                    write_table(table, union, path)
                    targets.append((path, fmt.title.format(table=table.name)))
            else:
                path = tmp / fmt.filename
                _write_rdf(fmt, dataset, union, path)
                targets.append((path, fmt.title))
            for path, title in targets:
                gz = _gzip(path)
                dumps.append(Dump(path.name, fmt.media_type, title, path.stat().st_size, gz.stat().st_size))
        stats = dataset_stats(dataset, base_iri)
        void = void_graph(stats, public_url=public_url, dumps=dumps, created=created, base_iri=base_iri)
        void.serialize(destination=tmp / VOID_FILE, format="turtle", encoding="utf-8")
        _gzip(tmp / VOID_FILE)
        manifest = {
            "build_hash": build_hash,
            "created": created,
            "formats": names,
            "dumps": [asdict(d) for d in dumps],
            "stats": stats.to_json(),
        }
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        # Everything is written: move into place (the manifest last, so it never describes missing files).
        for path in sorted(tmp.iterdir(), key=lambda p: p.name == MANIFEST):
            os.replace(path, out_dir / path.name)
    return dumps


def read_manifest(out_dir: Path) -> dict | None:
    """The manifest of an export folder, or None if there is none (or it is unreadable)."""
    try:
        return json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def build_created(build_dir: Path, mtime: float) -> str:
    """The build date: ``summary.json``'s ``built_at``/``created`` field if present, else the file time."""
    try:
        summary = json.loads((build_dir / "summary.json").read_text(encoding="utf-8"))
        for key in ("built_at", "created", "build_date", "date"):
            if isinstance(summary.get(key), str):
                return summary[key]
    except (OSError, ValueError, AttributeError):
        pass
    return datetime.fromtimestamp(mtime, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def export_build(
    build_dir: Path,
    out_dir: Path,
    formats: Iterable[str] | None = None,
    *,
    public_url: str = PUBLIC_URL,
    base_iri: str = ID_BASE,
) -> list[Dump]:
    """Export the build in ``build_dir`` into ``out_dir`` (see :func:`export_dataset`)."""
    build_hash, mtime = build_fingerprint(build_dir)
    dataset = load_dataset(dataset_file(build_dir))
    return export_dataset(
        dataset,
        out_dir,
        formats,
        build_hash=build_hash,
        created=build_created(build_dir, mtime),
        public_url=public_url,
        base_iri=base_iri,
    )


def ensure_current_build(paths: ProjectPaths) -> Path:
    """The build folder, built first if the build module says it is missing or stale."""
    try:
        from mediakg.build import ensure_build
    except ImportError:  # the build module is optional for exporting an existing build
        ensure_build = None
    if ensure_build is not None:
        ensure_build(paths)
    return paths.build


def cmd_export(args) -> int:
    """``mediakg export [--format F]... [--out DIR]``."""
    paths = project_paths()
    build_dir = ensure_current_build(paths)
    out_dir = Path(args.out) if args.out else build_dir / "export"
    dumps = export_build(build_dir, out_dir, args.format)
    for dump in dumps:
        print(f"{out_dir / dump.filename}  ({dump.size} bytes, {dump.gzip_size} gzipped)")
    print(f"{out_dir / VOID_FILE}")
    return 0
