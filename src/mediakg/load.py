"""``mediakg load``: push the build (or any RDF dataset file) to a remote SPARQL 1.1 store, atomically.

Readers of the store see either the data served before or the whole new build, never a mix, and a failure
midway (server killed, network error, a graph that does not arrive whole) leaves the data served before
intact:

1. split the dataset into one N-Triples file per named graph (default-graph triples go to
   ``id:graph/default``);
2. upload each graph with the Graph Store Protocol (HTTP PUT) into a *staging* graph,
   ``<graph>#mkg-staging-<build hash>``, and check that the store holds exactly the expected number of
   triples in it;
3. switch with ONE SPARQL Update request: ``MOVE`` every staging graph onto its live graph, ``DROP`` live
   graphs the new build no longer has, and rewrite the manifest graph ``id:graph/load-manifest`` (which lists
   the live graphs; the remote backend queries exactly those, so staging graphs are invisible to queries);
4. on failure, drop the staging graphs (best effort; the next load also sweeps leftovers).

The switch is atomic where the server runs one update request as one transaction: Oxigraph does (its updates
are applied in a transactional manner: all or nothing). Virtuoso runs a request in one transaction in its
default (logged, read-committed) mode, but not under ``log_enable(2)``/row-autocommit bulk modes.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from .backends.base import StoreUnavailable
from .backends.remote import DCT, MANIFEST_GRAPH, STAGING_MARKER, GraphStore, RemoteBackend
from .errors import MediakgError, UsageError
from .namespaces import ID_BASE

#: Named graph that receives triples a dataset file puts in its default graph.
DEFAULT_GRAPH_TARGET = ID_BASE + "graph/default"
XSD = "http://www.w3.org/2001/XMLSchema#"

Progress = Callable[[str], None]


@dataclass
class GraphFile:
    """One named graph of the dataset, written out as N-Triples."""

    iri: str
    path: Path
    triples: int = 0
    staging: str = ""


@dataclass
class LoadReport:
    """What a load did."""

    build_hash: str
    graphs: list[GraphFile] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)


def staging_iri(graph: str, build_hash: str) -> str:
    """The staging graph of ``graph`` for one build (a fragment, or a suffix when the IRI has a fragment)."""
    return f"{graph}{'-' if '#' in graph else '#'}{STAGING_MARKER}{build_hash}"


def file_hash(path: Path) -> str:
    """Short sha256 of a file's bytes: identifies the build in staging graph IRIs and the manifest."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def split_by_graph(dataset: Path, folder: Path) -> list[GraphFile]:
    """Write each named graph of ``dataset`` (any RDF format pyoxigraph reads) to an N-Triples file in
    ``folder``; duplicate triples are dropped so that the counts match what a store keeps."""
    files: dict[str, GraphFile] = {}
    handles = {}
    seen: dict[str, set[int]] = {}
    try:
        for statement in ox.parse(path=str(dataset)):
            graph = getattr(statement, "graph_name", None)
            iri = graph.value if isinstance(graph, ox.NamedNode) else DEFAULT_GRAPH_TARGET
            if isinstance(graph, ox.BlankNode):
                raise MediakgError(f"{dataset}: a blank node names a graph; graphs need IRIs to be loaded")
            entry = files.get(iri)
            if entry is None:
                entry = files[iri] = GraphFile(iri, folder / f"graph-{len(files):05d}.nt")
                handles[iri] = open(entry.path, "w", encoding="utf-8")  # noqa: SIM115 - closed below
                seen[iri] = set()
            line = f"{statement.subject} {statement.predicate} {statement.object} .\n"
            key = hash(line)
            if key in seen[iri]:
                continue
            seen[iri].add(key)
            handles[iri].write(line)
            entry.triples += 1
    except (SyntaxError, ValueError) as exc:
        raise MediakgError(f"cannot read {dataset}: {exc}") from exc
    except OSError as exc:
        raise MediakgError(f"cannot read {dataset}: {exc}") from exc
    finally:
        for handle in handles.values():
            handle.close()
    return sorted(files.values(), key=lambda g: g.iri)


def _count(backend: RemoteBackend, graph: str) -> int:
    rows = backend.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"].value) if rows else 0


def _stale_staging_graphs(backend: RemoteBackend) -> list[str]:
    rows = backend.select(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { } "
        f'FILTER(isIRI(?g) && CONTAINS(STR(?g), "{STAGING_MARKER}")) }}'
    )
    return sorted(r["g"].value for r in rows)


def _drop_all(graphs: list[str]) -> str:
    return " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)


def switch_update(graphs: list[GraphFile], previous: list[str], build_hash: str, label: str) -> str:
    """The one SPARQL Update request that makes the staged build live (see the module docstring)."""
    new = {g.iri for g in graphs}
    dropped = sorted(set(previous) - new)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = [f"DROP SILENT GRAPH <{g}>" for g in dropped]
    # MOVE replaces the target graph and fails (failing the whole request) when the staging graph is missing.
    parts += [f"MOVE GRAPH <{g.staging}> TO GRAPH <{g.iri}>" for g in graphs]
    parts.append(f"DROP SILENT GRAPH <{MANIFEST_GRAPH}>")
    members = ", ".join(f"<{g.iri}>" for g in graphs)
    parts.append(
        f"INSERT DATA {{ GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> <{DCT}hasPart> {members} ; "
        f"<{DCT}identifier> {ox.Literal(build_hash)} ; <{DCT}source> {ox.Literal(label)} ; "
        f'<{DCT}modified> "{now}"^^<{XSD}dateTime> }} }}'
    )
    return " ;\n".join(parts)


def _manifest_hash(backend: RemoteBackend) -> str | None:
    rows = backend.select(
        f"SELECT ?h WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> <{DCT}identifier> ?h }} }}"
    )
    return rows[0]["h"].value if rows else None


def load_dataset(
    dataset: Path, backend: RemoteBackend, store: GraphStore, *, progress: Progress = print
) -> LoadReport:
    """Load ``dataset`` into the store behind ``backend``/``store`` atomically; returns what was done.

    Raises MediakgError naming the step and graph that failed and whether the old data is still served."""
    started = time.monotonic()
    health = backend.health()
    if not health.ok:
        raise StoreUnavailable(f"nothing loaded: {health.detail}")
    report = LoadReport(build_hash=file_hash(dataset))
    work = Path(tempfile.mkdtemp(prefix="mediakg-load-"))
    step = "reading the dataset"
    try:
        report.graphs = split_by_graph(dataset, work)
        for g in report.graphs:
            g.staging = staging_iri(g.iri, report.build_hash)
        report.seconds["split"] = time.monotonic() - started
        progress(
            f"{dataset.name}: {report.triples} triples in {len(report.graphs)} graphs "
            f"(build {report.build_hash}), read in {report.seconds['split']:.1f} s"
        )
        step = "removing staging graphs left by an earlier failed load"
        stale = _stale_staging_graphs(backend)
        if stale:
            store.update(_drop_all(stale), what=step)
            progress(f"removed {len(stale)} staging graphs left by an earlier load")
        previous = backend.live_graphs(fresh=True) or []
        upload_started = time.monotonic()
        for index, g in enumerate(report.graphs, 1):
            step = f"uploading graph {index}/{len(report.graphs)} <{g.iri}>"
            t0 = time.monotonic()
            with open(g.path, "rb") as body:
                store.put_graph(g.staging, body, size=g.path.stat().st_size)
            stored = _count(backend, g.staging)
            if stored != g.triples:
                raise MediakgError(f"the store holds {stored} of the {g.triples} triples sent")
            took = time.monotonic() - t0
            progress(f"  [{index}/{len(report.graphs)}] {g.iri}: {g.triples} triples staged ({took:.1f} s)")
        report.seconds["upload"] = time.monotonic() - upload_started
        step = "switching the live graphs to the new build"
        t0 = time.monotonic()
        report.dropped = sorted(set(previous) - {g.iri for g in report.graphs})
        try:
            store.update(switch_update(report.graphs, previous, report.build_hash, dataset.name), what=step)
        except MediakgError:
            if _switch_happened(backend, report.build_hash):
                progress("the switch request failed to answer but the store shows the new build live")
            else:
                raise
        report.seconds["switch"] = time.monotonic() - t0
    except (MediakgError, OSError) as exc:
        cleaned = _cleanup(store, report.graphs)
        after = (
            "staging graphs removed"
            if cleaned
            else "staging graphs could not be removed now (queries never see them; the next load drops them)"
        )
        raise MediakgError(
            f"load failed while {step}: {exc}\n"
            f"The data served before is unchanged (the switch to the new build was not made); {after}."
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # Check what readers now see.
    live = backend.live_graphs(fresh=True) or []
    if live != sorted(g.iri for g in report.graphs):
        raise MediakgError(
            f"after the switch the manifest lists {len(live)} graphs, expected {len(report.graphs)}"
        )
    total = backend.triple_count()
    if total != report.triples:
        raise MediakgError(
            f"after the switch the live graphs hold {total} triples, expected {report.triples}"
        )
    report.seconds["total"] = time.monotonic() - started
    return report


def _switch_happened(backend: RemoteBackend, build_hash: str) -> bool:
    try:
        return _manifest_hash(backend) == build_hash
    except MediakgError:
        return False


def _cleanup(store: GraphStore, graphs: list[GraphFile]) -> bool:
    staged = [g.staging for g in graphs if g.staging]
    if not staged:
        return True
    try:
        store.update(_drop_all(staged), what="removing staging graphs")
    except MediakgError:
        return False
    return True


def endpoints(endpoint: str, store_endpoint: str | None, update_endpoint: str | None) -> tuple[str, str]:
    """The Graph Store and Update endpoints: given, or derived from an Oxigraph-style ``.../query`` URL."""
    base = endpoint[: -len("/query")] if endpoint.rstrip("/").endswith("/query") else None
    store_endpoint = store_endpoint or (f"{base}/store" if base is not None else None)
    update_endpoint = update_endpoint or (f"{base}/update" if base is not None else endpoint)
    if store_endpoint is None:
        raise UsageError(
            f"cannot guess the Graph Store endpoint from {endpoint}: give --store-endpoint "
            "(Oxigraph: .../store, Fuseki: /DATASET/data, Virtuoso: /sparql-graph-crud-auth)"
        )
    return store_endpoint, update_endpoint


def cmd_load(args: argparse.Namespace) -> int:
    """``mediakg load --endpoint URL [--store-endpoint URL] [--update-endpoint URL] [--file FILE]``."""
    from .build import NQUADS, ensure_build
    from .paths import project_paths

    store_endpoint, update_endpoint = endpoints(args.endpoint, args.store_endpoint, args.update_endpoint)
    if args.file:
        dataset = Path(args.file)
        if not dataset.is_file():
            raise UsageError(f"no such dataset file: {dataset}")
    else:
        dataset = ensure_build(project_paths()) / NQUADS
    progress: Progress = (lambda _msg: None) if args.quiet else (lambda msg: print(msg, flush=True))
    backend = RemoteBackend(args.endpoint)
    report = load_dataset(dataset, backend, GraphStore(store_endpoint, update_endpoint), progress=progress)
    s = report.seconds
    print(
        f"loaded {report.triples} triples in {len(report.graphs)} graphs into {args.endpoint} "
        f"(build {report.build_hash}; upload {s['upload']:.1f} s, switch {s['switch']:.1f} s, "
        f"total {s['total']:.1f} s)"
        + (f"; dropped {len(report.dropped)} graphs no longer in the build" if report.dropped else ""),
        file=sys.stdout,
    )
    return 0
