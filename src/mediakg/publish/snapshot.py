"""Snapshots: build folders made from data that did not come through ``mediakg build``, so that the service
serves every kind of data the same way, from a :class:`~mediakg.folder.BuildFolder` it only reads.

* :func:`write_snapshot` — the live graphs of a remote store (``serve --endpoint``), as N-Quads lines: the
  remote executor copies them at start and after each load and hands them here;
* :func:`snapshot_file` — a dataset file handed to ``serve --data FILE``.

A snapshot holds ``dataset.nq``, ``export/`` (the dumps, VoID, manifest) and ``summary.json``, written last
(its hash is the fingerprint, so ETags change once everything else is in place); no ``store/``.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mediakg.errors import MediakgError
from mediakg.folder import BuildFolder, sha256_file
from mediakg.graph.entail import ENTAILED_GRAPH
from mediakg.graph.merge import entailed_quads
from mediakg.graph.namespaces import ID_BASE
from mediakg.graph.parse import read_quads
from mediakg.publish.export import ExportInput, write_exports


def write_snapshot(
    folder: BuildFolder, nquads: Iterable[bytes], facts: Mapping[str, Any], *, base_iri: str = ID_BASE
) -> BuildFolder:
    """Write ``folder`` (which a service may be reading meanwhile: every file is replaced whole) from
    ``nquads``, N-Quads lines; ``facts`` (where the data come from, ``built_at``...) go into the summary.
    Raises MediakgError when the lines do not parse."""
    folder.path.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    # a name of its own: a snapshot abandoned half-way (a refresh given up) may still be writing its copy
    handle, name = tempfile.mkstemp(dir=folder.path, suffix=".part")
    part = Path(name)
    try:
        with open(handle, "wb") as out:
            for line in nquads:
                digest.update(line)
                out.write(line)
        quads = read_quads_file(part)
        part.replace(folder.nquads)
    finally:
        part.unlink(missing_ok=True)
    _publish(folder, quads, {**facts, "dataset_sha256": digest.hexdigest()}, base_iri)
    return folder


def snapshot_file(path: Path, out: Path, *, base_iri: str = ID_BASE) -> BuildFolder:
    """A snapshot at ``out`` of the dataset file ``path`` (any RDF format by its extension), with the
    entailed graph the build would add when the file has none (the questions read it). MediakgError naming
    the file (and line) when it cannot be read."""
    quads = read_quads(path)
    if not any(
        isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == ENTAILED_GRAPH for q in quads
    ):
        quads += entailed_quads(quads)
    modified = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(path.stat().st_mtime))
    with BuildFolder.create(out) as folder:
        ox.serialize(quads, str(folder.nquads), format=ox.RdfFormat.N_QUADS)
        facts = {"built_at": modified, "source": f"dataset file {path}", "dataset_sha256": sha256_file(path)}
        _publish(folder, quads, facts, base_iri)
    return BuildFolder(out)


def read_quads_file(path: Path) -> list[ox.Quad]:
    """The quads of an N-Quads file (MediakgError with the parser's message when it does not parse)."""
    try:
        return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    except (SyntaxError, ValueError) as exc:
        raise MediakgError(f"the copied data do not parse: {exc}") from exc


def _publish(folder: BuildFolder, quads: list[ox.Quad], facts: Mapping[str, Any], base_iri: str) -> None:
    """The exports of ``quads`` into ``folder``, then its summary."""
    store = ox.Store()
    store.bulk_extend(quads)
    built_at = str(facts.get("built_at") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    source = ExportInput(
        quads,
        store,
        created=built_at,
        build_hash=str(facts.get("dataset_sha256", "")),
        base_iri=base_iri,
        written={"nquads": folder.nquads},
    )
    write_exports(source, folder.export)
    summary = {**facts, "built_at": built_at, "base_iri": base_iri, "triples": len(store)}
    folder.write_json(folder.summary_file, summary)
