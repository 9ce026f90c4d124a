"""``mediakg load``: push the build (or any RDF dataset file) to a remote SPARQL 1.1 store, atomically.

Readers of the store see either the data served before or the whole new build, never a mix, and a failure
midway (server killed, network error, a graph that does not arrive whole) leaves the data served before
intact. The trick is the manifest graph ``id:graph/load-manifest``: it lists the *live* graphs (with a content
hash each), and the remote backend queries exactly those graphs (``default-graph-uri``/``named-graph-uri``),
so anything else in the store is invisible to readers. A load:

1. splits the dataset into one N-Triples file per named graph (default-graph triples go to
   ``id:graph/default``; blank nodes are relabelled per graph so the content hash is reproducible);
2. sweeps leftovers of an earlier failed load (staging graphs, non-live graphs in the mediakg namespace);
3. uploads each graph with the Graph Store Protocol (HTTP PUT; big graphs in Oxigraph's bulk mode)
   and checks that the store holds exactly the expected number of triples:
   - a graph that is live and unchanged (same hash and count) is skipped;
   - a graph that is live and changed goes to a *staging* graph ``<graph>#mkg-staging-<build hash>``;
   - a graph that is not live goes straight to its own IRI (readers do not see it until step 4);
4. switches with ONE SPARQL Update request: ``MOVE`` every staging graph onto its live graph and rewrite the
   manifest (dropping retired graphs from it);
5. drops the retired graphs (no longer in the manifest, so already invisible);
6. on Oxigraph, when the store now holds nothing but the live graphs and the manifest, marks the manifest
   ``unionDefaultGraph``: readers may then query the store's union default graph instead of listing every
   graph (faster, see :mod:`mediakg.store.remote`). The next load clears that mark first and waits
   ``UNION_GRACE_SECONDS`` before it writes anything, so readers are back to listing the live graphs before
   a staging graph exists.
On failure before the switch the staging graphs are dropped (best effort; the next load sweeps leftovers).

The switch is atomic where the server runs one update request as one transaction. Oxigraph does (its SPARQL
updates are applied in a transactional manner: all or nothing, repeatable-read isolation for readers).
Virtuoso runs a request in one transaction in its default (logged, read-committed) mode, but not under
``log_enable(2)``/row-autocommit bulk modes; this has not been tested here.
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
from typing import Any, Literal

import pyoxigraph as ox

from mediakg.errors import MediakgError, StoreUnavailable, UsageError
from mediakg.folder import BuildFolder
from mediakg.graph.namespaces import ID_BASE
from mediakg.store.remote import (
    DCT,
    GRAPH_NAME,
    MANIFEST_GRAPH,
    STAGING_MARKER,
    UNION_GRACE_SECONDS,
    UNION_MODE,
    GraphStore,
    RemoteBackend,
)

#: Named graph that receives triples a dataset file puts in its default graph.
DEFAULT_GRAPH_TARGET = ID_BASE + "graph/default"
#: Graphs in this namespace that are not live are leftovers of a failed load and are swept.
OWN_NAMESPACE = "https://w3id.org/mediakg/"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: Graphs at least this big go up in the store's bulk mode (Oxigraph: ~4x faster at 100k triples, but
#: slower than a plain transaction for a few thousand triples because of its fixed cost).
BULK_THRESHOLD = 20_000

Progress = Callable[[str], None]
Action = Literal["unchanged", "staged", "direct"]


@dataclass
class GraphFile:
    """One named graph of the dataset, written out as N-Triples, and what the load does with it."""

    iri: str
    path: Path
    triples: int = 0
    content_hash: str = ""
    action: Action = "direct"
    target: str = ""  # the graph the upload goes to: the staging graph, or the graph itself


@dataclass
class LoadReport:
    """What a load did."""

    build_hash: str
    graphs: list[GraphFile] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    #: Whether the load left the store in union default graph mode (see :func:`enter_union_mode`).
    union_mode: bool = False

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)

    def count(self, action: Action) -> int:
        return sum(1 for g in self.graphs if g.action == action)


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
    ``folder``, with blank nodes relabelled per graph in order of appearance and duplicate triples dropped
    (so that counts match what a store keeps); each GraphFile gets a content hash."""
    files: dict[str, GraphFile] = {}
    handles = {}
    seen: dict[str, set[int]] = {}
    blanks: dict[str, dict[str, str]] = {}
    digests: dict[str, Any] = {}

    def term(value: Any, labels: dict[str, str]) -> str:
        if isinstance(value, ox.BlankNode):
            return labels.setdefault(value.value, f"_:b{len(labels)}")
        return str(value)

    try:
        for statement in ox.parse(path=str(dataset)):
            graph = getattr(statement, "graph_name", None)
            if isinstance(graph, ox.BlankNode):
                raise MediakgError(f"{dataset}: a blank node names a graph; graphs need IRIs to be loaded")
            iri = graph.value if isinstance(graph, ox.NamedNode) else DEFAULT_GRAPH_TARGET
            entry = files.get(iri)
            if entry is None:
                entry = files[iri] = GraphFile(iri, folder / f"graph-{len(files):05d}.nt")
                handles[iri] = open(entry.path, "w", encoding="utf-8")  # noqa: SIM115 - closed below
                seen[iri], blanks[iri], digests[iri] = set(), {}, hashlib.sha256()
            labels = blanks[iri]
            subject, obj = term(statement.subject, labels), term(statement.object, labels)
            line = f"{subject} {statement.predicate} {obj} .\n"
            key = hash(line)
            if key in seen[iri]:
                continue
            seen[iri].add(key)
            handles[iri].write(line)
            digests[iri].update(line.encode("utf-8"))
            entry.triples += 1
    except (SyntaxError, ValueError, OSError) as exc:
        raise MediakgError(f"cannot read {dataset}: {exc}") from exc
    finally:
        for handle in handles.values():
            handle.close()
    for iri, entry in files.items():
        entry.content_hash = digests[iri].hexdigest()[:16]
    return sorted(files.values(), key=lambda g: g.iri)


def _count(backend: RemoteBackend, graph: str) -> int:
    rows = backend.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"].value) if rows else 0


def live_manifest(backend: RemoteBackend) -> dict[str, str]:
    """Live graph -> content hash, as the manifest graph records them (empty before the first load)."""
    rows = backend.select(
        f"SELECT ?g ?h WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> <{DCT}hasPart> ?part . "
        f"?part <{GRAPH_NAME}> ?g OPTIONAL {{ ?part <{DCT}identifier> ?h }} }} }}"
    )
    return {r["g"].value: r["h"].value if "h" in r else "" for r in rows}


def _leftovers(backend: RemoteBackend, live: set[str]) -> list[str]:
    """Staging graphs, and graphs in the mediakg namespace that are not live: remains of a failed load."""
    rows = backend.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } FILTER(isIRI(?g)) }")
    graphs = (r["g"].value for r in rows)
    return sorted(
        g
        for g in graphs
        if STAGING_MARKER in g or (g.startswith(OWN_NAMESPACE) and g not in live and g != MANIFEST_GRAPH)
    )


def _drop_all(graphs: list[str]) -> str:
    return " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)


def switch_update(graphs: list[GraphFile], build_hash: str, label: str) -> str:
    """The one SPARQL Update request that makes the new build live (see the module docstring)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # MOVE replaces the live graph and fails (failing the whole request) when the staging graph is missing.
    parts = [f"MOVE GRAPH <{g.target}> TO GRAPH <{g.iri}>" for g in graphs if g.action == "staged"]
    parts.append(f"DROP SILENT GRAPH <{MANIFEST_GRAPH}>")
    # One node per graph in the manifest's own namespace, the graph's IRI as an xsd:anyURI literal: the
    # manifest names no entity of the data (no blank nodes: Virtuoso 7.2 refuses them in INSERT DATA).
    records = []
    for index, g in enumerate(graphs):
        part = f"<{MANIFEST_GRAPH}#graph-{index}>"
        records.append(
            f"<{MANIFEST_GRAPH}> <{DCT}hasPart> {part} . {part} <{GRAPH_NAME}> "
            f"{ox.Literal(g.iri, datatype=ox.NamedNode(XSD + 'anyURI'))} ; "
            f"<{DCT}identifier> {ox.Literal(g.content_hash)} ."
        )
    parts.append(
        f"INSERT DATA {{ GRAPH <{MANIFEST_GRAPH}> {{ {' '.join(records)} <{MANIFEST_GRAPH}> "
        f"<{DCT}identifier> {ox.Literal(build_hash)} ; <{DCT}source> {ox.Literal(label)} ; "
        f'<{DCT}modified> "{now}"^^<{XSD}dateTime> . }} }}'
    )
    return " ;\n".join(parts)


def _manifest_hash(backend: RemoteBackend) -> str | None:
    rows = backend.select(
        f"SELECT ?h WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> <{DCT}identifier> ?h }} }}"
    )
    return rows[0]["h"].value if rows else None


def _plan(report: LoadReport, live: dict[str, str], backend: RemoteBackend) -> None:
    for g in report.graphs:
        if g.iri not in live:
            g.action, g.target = "direct", g.iri
        elif live[g.iri] == g.content_hash and _count(backend, g.iri) == g.triples:
            g.action, g.target = "unchanged", g.iri
        else:
            g.action, g.target = "staged", staging_iri(g.iri, report.build_hash)


def load_dataset(
    dataset: Path, backend: RemoteBackend, store: GraphStore, *, progress: Progress = print
) -> LoadReport:
    """Load ``dataset`` into the store behind ``backend``/``store`` atomically; returns what was done.

    Raises MediakgError naming the step and graph that failed and saying that the old data is still served."""
    started = time.monotonic()
    health = backend.health()
    if not health.ok:
        raise StoreUnavailable(f"nothing loaded: {health.detail}")
    if backend.flavor == "oxigraph":
        store.bulk_params = {"no_transaction": ""}  # uploads need no transaction: the switch is the commit
    report = LoadReport(build_hash=file_hash(dataset))
    work = Path(tempfile.mkdtemp(prefix="mediakg-load-"))
    step = "reading the dataset"
    try:
        report.graphs = split_by_graph(dataset, work)
        report.seconds["split"] = time.monotonic() - started
        progress(
            f"{dataset.name}: {report.triples} triples in {len(report.graphs)} graphs "
            f"(build {report.build_hash}), read in {report.seconds['split']:.1f} s"
        )
        step = "reading the live graphs"
        live = live_manifest(backend)
        step = "leaving the union default graph mode"
        leave_union_mode(backend, store, progress)
        step = "removing what an earlier failed load left behind"
        leftovers = _leftovers(backend, set(live))
        if leftovers:
            store.update(_drop_all(leftovers), what=step)
            progress(f"removed {len(leftovers)} graphs left by an earlier failed load")
        step = "comparing with the live graphs"
        _plan(report, live, backend)
        upload_started = time.monotonic()
        for index, g in enumerate(report.graphs, 1):
            tag = f"[{index}/{len(report.graphs)}] {g.iri}"
            if g.action == "unchanged":
                progress(f"  {tag}: {g.triples} triples, unchanged")
                continue
            step = f"uploading graph {index}/{len(report.graphs)} <{g.iri}>"
            t0 = time.monotonic()
            with open(g.path, "rb") as body:
                store.put_graph(g.target, body, size=g.path.stat().st_size, bulk=g.triples >= BULK_THRESHOLD)
            stored = _count(backend, g.target)
            if stored != g.triples:
                raise MediakgError(f"the store holds {stored} of the {g.triples} triples sent")
            took = time.monotonic() - t0
            done = "staged" if g.action == "staged" else "uploaded"
            progress(f"  {tag}: {g.triples} triples {done} ({took:.1f} s)")
        report.seconds["upload"] = time.monotonic() - upload_started
        step = "switching the live graphs to the new build"
        t0 = time.monotonic()
        try:
            store.update(switch_update(report.graphs, report.build_hash, dataset.name), what=step)
        except MediakgError:
            if not _switch_happened(backend, report.build_hash):
                raise
            progress("the switch request got no answer, but the store shows the new build live")
        report.seconds["switch"] = time.monotonic() - t0
    except (MediakgError, OSError) as exc:
        if step.startswith("switching"):
            raise MediakgError(
                f"load failed while {step}: {exc}\nThe switch is one update request that the store applies "
                "as one transaction, so readers see either the data served before or the whole new build, "
                "never a mix; run `mediakg load` again to make sure the new build is live."
            ) from exc
        # Not live yet, so safe to drop: staging graphs and graphs uploaded under their own (non-live) IRI.
        written = [g.target for g in report.graphs if g.action in ("staged", "direct")]
        cleaned = _cleanup(store, written)
        after = (
            "the graphs uploaded so far were removed"
            if cleaned
            else "the graphs uploaded so far could not be removed now (queries never see them; "
            "the next load drops them)"
        )
        raise MediakgError(
            f"load failed while {step}: {exc}\n"
            f"The data served before is unchanged (the switch to the new build was not made); {after}."
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.retired = sorted(set(live) - {g.iri for g in report.graphs})
    if report.retired and not _cleanup(store, report.retired, quick=False):
        progress(
            f"could not drop {len(report.retired)} retired graphs now (not served; the next load drops them)"
        )
    _verify(backend, report)
    report.union_mode = enter_union_mode(backend, store, report)
    report.seconds["total"] = time.monotonic() - started
    return report


def leave_union_mode(backend: RemoteBackend, store: GraphStore, progress: Progress) -> None:
    """Clear the manifest's union mode (if set) and wait until no reader relies on it any more."""
    if not backend.dataset_state(fresh=True).union:
        return
    store.update(
        f"DELETE WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> <{UNION_MODE}> ?u }} }}",
        what="leaving the union default graph mode",
    )
    progress(f"readers list the live graphs again from now; waiting {UNION_GRACE_SECONDS:g} s before writing")
    time.sleep(UNION_GRACE_SECONDS)


def enter_union_mode(backend: RemoteBackend, store: GraphStore, report: LoadReport) -> bool:
    """Mark the manifest ``unionDefaultGraph`` when the store is Oxigraph and holds exactly the live graphs
    and the manifest (nothing left by others or by a failed cleanup); True when marked. Best effort: a
    failure leaves readers listing the graphs, which is always right."""
    if backend.flavor != "oxigraph":
        return False
    try:
        rows = backend.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        present = {r["g"].value for r in rows if "g" in r}
        if present != {g.iri for g in report.graphs} | {MANIFEST_GRAPH}:
            return False
        store.update(
            f"INSERT DATA {{ GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> <{UNION_MODE}> true }} }}",
            what="marking the union default graph mode",
        )
    except MediakgError:
        return False
    return True


def _verify(backend: RemoteBackend, report: LoadReport) -> None:
    """Check what readers now see: exactly the new graphs, with exactly the new number of triples."""
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


def _switch_happened(backend: RemoteBackend, build_hash: str) -> bool:
    try:
        return _manifest_hash(backend) == build_hash
    except MediakgError:
        return False


def _cleanup(store: GraphStore, graphs: list[str], *, quick: bool = True) -> bool:
    """Drop ``graphs``, best effort; ``quick``: with a short time limit (the store may have just failed)."""
    if not graphs:
        return True
    if quick:
        store = GraphStore(store.store_endpoint, store.update_endpoint, http_timeout=30.0)
    try:
        store.update(_drop_all(graphs), what="removing graphs")
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
    """``mediakg load --endpoint URL [--store-endpoint URL] [--update-endpoint URL] [--file FILE]``: the
    ``--file``, else the N-Quads of ``args.build`` (the current build, made so by the command line)."""
    store_endpoint, update_endpoint = endpoints(args.endpoint, args.store_endpoint, args.update_endpoint)
    if args.file:
        dataset = Path(args.file)
        if not dataset.is_file():
            raise UsageError(f"no such dataset file: {dataset}")
    else:
        build: BuildFolder = args.build
        dataset = build.nquads
    progress: Progress = (lambda _msg: None) if args.quiet else (lambda msg: print(msg, flush=True))
    backend = RemoteBackend(args.endpoint)
    report = load_dataset(dataset, backend, GraphStore(store_endpoint, update_endpoint), progress=progress)
    s = report.seconds
    print(
        f"loaded {report.triples} triples in {len(report.graphs)} graphs into {args.endpoint} "
        f"(build {report.build_hash}; {report.count('direct')} new, {report.count('staged')} replaced, "
        f"{report.count('unchanged')} unchanged, {len(report.retired)} retired graphs; "
        f"upload {s['upload']:.1f} s, switch {s['switch']:.1f} s, total {s['total']:.1f} s)",
        file=sys.stdout,
    )
    return 0
