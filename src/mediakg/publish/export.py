"""The linked-data dumps of a build, each also gzip-compressed, with a VoID description: written by
``mediakg build`` into the build's ``export/`` (and by ``mediakg export --out DIR`` anywhere else).

Formats (:data:`mediakg.formats.DUMPS`; file names in the output folder):

* ``mediakg.trig``, ``mediakg.nq`` — the dataset with one named graph per source (and the ontology graph);
* ``mediakg.ttl``, ``mediakg.nt``, ``mediakg.jsonld`` — the union of all graphs as one graph, each triple once
  (JSON-LD keeps no named graphs: use TriG or N-Quads for provenance by graph), with the ``@context`` of
  :func:`jsonld_context`;
* ``mediakg-<table>.csv`` — one flat table per core class for spreadsheet users
  (:mod:`mediakg.publish.tables`);
* ``void.ttl`` (VoID + DCAT) and ``manifest.json`` (what was written, from which build, with the statistics).

The RDF dumps are serialised by pyoxigraph from the parsed statements (literals keep the lexical form of the
data files; a store would canonicalise ``"1.50"`` to ``"1.5"``); the statistics and the tables are read from a
store of the same statements. Files are written to a temporary folder first and moved into place only when
all of them are complete, the manifest last.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from mediakg import formats
from mediakg.errors import MediakgError, UsageError
from mediakg.folder import MANIFEST, VOID, BuildFolder
from mediakg.graph.namespaces import ID_BASE, PREFIXES
from mediakg.graph.parse import quiet_rdflib, read_quads
from mediakg.graph.view import StoreGraph
from mediakg.publish.tables import TABLES, write_table
from mediakg.publish.void import Dump, dataset_stats, void_graph

PUBLIC_URL = "https://w3id.org/mediakg/"
#: gzip level of the ``.gz`` twins: zlib's default, a few per cent larger than 9 at a fraction of its time.
GZIP_LEVEL = 6


@dataclass(frozen=True)
class DumpFormat:
    """One dump: its name on the command line, file name and title; ``format`` is the registry's entry
    (None: the CSV tables, one file per table)."""

    name: str
    filename: str
    title: str
    format: formats.Format | None
    quads: bool = False  # one named graph per source; else the union of the graphs

    @property
    def media_type(self) -> str:
        return self.format.media_type if self.format else formats.CSV

    @property
    def rdflib_format(self) -> str | None:
        """rdflib's name for the syntax (None: CSV), for readers that want rdflib."""
        return self.format.rdflib if self.format else None


def _dump_format(name: str) -> DumpFormat:
    fmt = formats.by_name(name)
    if fmt.kind == "solutions":  # CSV: the tables
        return DumpFormat(name, "mediakg-{table}.csv", "CSV table of {table}", None)
    quads = fmt.rdf in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)
    what = "one named graph per source" if quads else "union of all graphs"
    return DumpFormat(name, "mediakg" + fmt.extension, f"{fmt.label} ({what})", fmt, quads)


#: The dumps by their command-line name, in the order they are written.
FORMATS: dict[str, DumpFormat] = {name: _dump_format(name) for name in formats.DUMPS}


def jsonld_context() -> dict:
    """The published JSON-LD ``@context``: the prefixes of :data:`mediakg.graph.namespaces.PREFIXES`."""
    return {"@context": dict(PREFIXES)}


def serialisation_prefixes(quads: Iterable[ox.Quad]) -> dict[str, str]:
    """The project's prefixes plus one per entity kind among the subjects (``person:``, ``date-basis:``,
    ``idorg:``), so that Turtle and TriG read like the data files instead of repeating full IRIs."""
    prefixes = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    taken = set(prefixes)
    namespaces = set()
    for subject in dict.fromkeys(q.subject for q in quads):
        iri = subject.value if isinstance(subject, ox.NamedNode) else ""
        if iri.startswith(ID_BASE) and "/" in iri[len(ID_BASE) :]:
            namespaces.add(iri[: iri.rfind("/") + 1])
    for namespace in sorted(namespaces):
        name = namespace[:-1].rsplit("/", 1)[-1]
        prefix = name if name not in taken else "id" + name
        if prefix not in taken and prefix[:1].isascii() and prefix[:1].isalpha() and _pn_prefix(prefix):
            prefixes[prefix] = namespace
            taken.add(prefix)
    return prefixes


def _pn_prefix(name: str) -> bool:
    return all(c.isascii() and (c.isalnum() or c in "_-") for c in name)


def union_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The triples of all graphs, each once, in the order first met."""
    seen: set[ox.Triple] = set()
    out = []
    for q in quads:
        triple = q.triple
        if triple not in seen:
            seen.add(triple)
            out.append(triple)
    return out


class _Compactor:
    """Compact IRIs (``mkg:date``) of the namespaces of a JSON-LD ``@context`` (longest first; each IRI
    looked up once)."""

    def __init__(self, context: Mapping[str, str]) -> None:
        self.namespaces = sorted(((ns, p) for p, ns in context.items()), key=lambda item: -len(item[0]))
        self.known: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        found = self.known.get(iri)
        if found is None:
            found = iri
            for ns, prefix in self.namespaces:
                rest = iri[len(ns) :]
                if iri.startswith(ns) and rest and not rest.startswith("//"):
                    found = f"{prefix}:{rest}"
                    break
            self.known[iri] = found
        return found


def _jsonld_value(term: ox.NamedNode | ox.BlankNode | ox.Literal, compact: _Compactor) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"@id": compact(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD_STRING:
        return {"@value": term.value}
    return {"@value": term.value, "@type": compact(term.datatype.value)}


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def write_jsonld(triples: Iterable[ox.Triple], path: Path) -> None:
    """``triples`` as one JSON-LD document compacted with the published context (:func:`jsonld_context`):
    one node object per run of triples with the same subject (a subject met again gets another node
    object, which JSON-LD merges), written as it goes. pyoxigraph writes only expanded JSON-LD."""
    context = jsonld_context()["@context"]
    compact = _Compactor(context)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"@context": ' + json.dumps(context) + ',\n"@graph": [')
        first = True
        node: dict[str, list[dict[str, str]]] = {}
        subject = None

        def flush() -> None:
            nonlocal first
            if subject is not None:
                out.write(("\n" if first else ",\n") + json.dumps(node, ensure_ascii=False))
                first = False

        for triple in triples:
            if triple.subject != subject:
                flush()
                subject = triple.subject
                node = {"@id": _jsonld_value(subject, compact)["@id"]}  # type: ignore[dict-item]
            node.setdefault(compact(triple.predicate.value), []).append(_jsonld_value(triple.object, compact))
        flush()
        out.write("\n]}\n")


def _gzip(path: Path) -> Path:
    """Write ``path.gz`` next to ``path`` (mtime 0: the same content gives the same bytes)."""
    gz = path.with_name(path.name + ".gz")
    with (
        path.open("rb") as src,
        gz.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=GZIP_LEVEL) as out,
    ):
        shutil.copyfileobj(src, out, 1 << 20)
    return gz


def _link_or_copy(src: Path, dst: Path) -> None:
    """``dst`` with the bytes of ``src``: a hard link where the file system allows (the build's dataset
    files are never written in place), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


@dataclass
class ExportInput:
    """What the dumps are made from: the statements (as parsed: lexical forms kept), a store holding the
    same statements (for the statistics and tables), and where they come from."""

    quads: Sequence[ox.Quad]
    store: ox.Store
    created: str  # the build date, ``xsd:date`` or ``xsd:dateTime``
    build_hash: str = ""
    base_iri: str = ID_BASE
    #: Files that already hold a quad dump's bytes (the build's dataset.trig / dataset.nq), by dump name.
    written: Mapping[str, Path] | None = None
    #: The distinct triples of all graphs (:func:`union_triples`), made on first use.
    union: list[ox.Triple] | None = None

    def union_triples(self) -> list[ox.Triple]:
        if self.union is None:
            self.union = union_triples(self.quads)
        return self.union

    @functools.cached_property
    def prefixes(self) -> dict[str, str]:
        """The prefixes of the Turtle and TriG dumps (:func:`serialisation_prefixes`)."""
        return serialisation_prefixes(self.quads)


def write_exports(
    source: ExportInput,
    out_dir: Path,
    names: Iterable[str] | None = None,
    *,
    public_url: str = PUBLIC_URL,
) -> list[Dump]:
    """Write the dumps ``names`` (default: all) of ``source`` plus ``void.ttl`` and ``manifest.json`` into
    ``out_dir``; returns the dumps written. Nothing in ``out_dir`` changes unless every file was written."""
    chosen = _known(names)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=out_dir, prefix=".export-") as tmp_name,
        ThreadPoolExecutor(max_workers=2) as zipper,  # zlib lets go of the GIL: gzip while writing the next
    ):
        tmp = Path(tmp_name)
        pending: list[tuple[Path, str, DumpFormat, Future[Path]]] = []
        for fmt in chosen:
            for path, title in _write_dump(fmt, source, tmp):
                pending.append((path, title, fmt, zipper.submit(_gzip, path)))
        dumps = [
            Dump(path.name, fmt.media_type, title, path.stat().st_size, gz.result().stat().st_size)
            for path, title, fmt, gz in pending
        ]
        triples = len(source.union) if source.union is not None else None
        stats = dataset_stats(source.store, source.base_iri, triples)
        void = void_graph(
            stats, public_url=public_url, dumps=dumps, created=source.created, base_iri=source.base_iri
        )
        void.serialize(destination=tmp / VOID, format="turtle", encoding="utf-8")
        _gzip(tmp / VOID)
        manifest = {
            "build_hash": source.build_hash,
            "created": source.created,
            "base_iri": source.base_iri,
            "formats": [fmt.name for fmt in chosen],
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


def _known(names: Iterable[str] | None) -> list[DumpFormat]:
    wanted = list(dict.fromkeys(names or FORMATS))
    unknown = [n for n in wanted if n not in FORMATS]
    if unknown:
        raise UsageError(f"unknown export format(s): {', '.join(unknown)} (known: {', '.join(FORMATS)})")
    return [FORMATS[n] for n in wanted]


def _write_dump(fmt: DumpFormat, source: ExportInput, tmp: Path) -> list[tuple[Path, str]]:
    """Write one dump (the CSV dump: one file per table) into ``tmp``; the files and their titles."""
    if fmt.format is None:
        graph = StoreGraph(source.store)
        out = []
        with quiet_rdflib():  # ill-typed literals: the validators report them
            for table in TABLES:
                path = tmp / fmt.filename.format(table=table.name)
                write_table(table, graph, path)
                out.append((path, fmt.title.format(table=table.name)))
        return out
    path = tmp / fmt.filename
    written = (source.written or {}).get(fmt.name)
    if written is not None:
        _link_or_copy(written, path)
    elif fmt.quads:
        ox.serialize(source.quads, str(path), format=fmt.format.rdf, prefixes=source.prefixes)
    elif fmt.format.rdf == ox.RdfFormat.JSON_LD:
        write_jsonld(source.union_triples(), path)
    else:
        ox.serialize(source.union_triples(), str(path), format=fmt.format.rdf, prefixes=source.prefixes)
    return [(path, fmt.title)]


# --------------------------------------------------------------------------- exporting a build elsewhere


def export_build(
    build: BuildFolder | Path,
    out_dir: Path,
    names: Iterable[str] | None = None,
    *,
    public_url: str = PUBLIC_URL,
    base_iri: str | None = None,
) -> list[Dump]:
    """Export the build in ``build`` into ``out_dir`` (see :func:`write_exports`); ``base_iri`` defaults to
    the one the build was made with. MediakgError naming the folder when it holds no build."""
    folder = build if isinstance(build, BuildFolder) else BuildFolder(build)
    _known(names)  # a wrong name fails before anything is read
    summary = folder.summary()
    if summary is None:
        raise MediakgError(f"no build in {folder.path}: run `mediakg build` first")
    quads = read_quads(folder.dataset_file())
    if folder.has_store():
        store = ox.Store.read_only(str(folder.store))
    else:
        store = ox.Store()
        store.bulk_extend(quads)
    source = ExportInput(
        quads,
        store,
        created=folder.built_at(),
        build_hash=str(summary.get("dataset_sha256", "")),
        base_iri=base_iri or folder.base_iri() or ID_BASE,
    )
    return write_exports(source, out_dir, names, public_url=public_url)


def cmd_export(args: argparse.Namespace) -> int:
    """``mediakg export [--format F]... [--out DIR]``: the dumps of the current build (``args.build``, made
    current by the command line); written again into ``--out`` when given, else those the build wrote."""
    build: BuildFolder = args.build
    if args.out:
        out_dir = Path(args.out)
        dumps = export_build(build, out_dir, args.format)
    else:
        out_dir = build.export
        wanted = {fmt.media_type for fmt in _known(args.format)}
        dumps = [Dump(**d) for d in (build.manifest() or {}).get("dumps", []) if d["media_type"] in wanted]
    for dump in dumps:
        print(f"{out_dir / dump.filename}  ({dump.size} bytes, {dump.gzip_size} gzipped)")
    print(f"{out_dir / VOID}")
    return 0
