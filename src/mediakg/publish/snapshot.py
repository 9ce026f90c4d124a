"""Snapshots: build folders made from data that did not come through ``mediakg build``, so that the service
serves every kind of data the same way, from a :class:`~mediakg.folder.BuildFolder` it only reads.

* :func:`write_snapshot` — the live graphs of a remote store (``serve --endpoint``), as N-Quads lines: the
  remote executor copies them at start and after each load and hands them here;
* :func:`snapshot_file` — a dataset file handed to ``serve --data FILE``.

The statements are parsed and the dumps made in a child process, so that the service's own process does not
keep the gigabyte that a million statements, their store and their tables take while the dumps are written.

A snapshot holds ``dataset.nq``, ``export/`` (the dumps, VoID, manifest) and ``summary.json``, written last
(its hash is the fingerprint, so ETags change once everything else is in place); no ``store/``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import subprocess
import sys
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

#: Longest a snapshot's exports may take (a million triples take well under a minute).
PUBLISH_TIMEOUT = 1800.0


def write_snapshot(
    folder: BuildFolder, nquads: Iterable[bytes], facts: Mapping[str, Any], *, base_iri: str = ID_BASE
) -> BuildFolder:
    """Write ``folder`` (which a service may be reading meanwhile: every file is replaced whole) from
    ``nquads``, N-Quads lines, streamed to disk; the dumps are made in a child process (below). ``facts``
    (where the data come from, ``built_at``...) go into the summary. Raises MediakgError when the lines do not
    parse."""
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
        facts = {**facts, "dataset_sha256": digest.hexdigest()}
        summary = _in_child("publish", str(folder.path), str(part), base_iri, json.dumps(dict(facts)))
        part.replace(folder.nquads)
    finally:
        part.unlink(missing_ok=True)
    folder.write_json(folder.summary_file, summary)
    return folder


def snapshot_file(path: Path, out: Path, *, base_iri: str = ID_BASE) -> BuildFolder:
    """A snapshot at ``out`` of the dataset file ``path`` (any RDF format by its extension), with the
    entailed graph the build would add when the file has none (the questions read it), made in a child
    process (below). MediakgError naming the file (and line) when it cannot be read."""
    _in_child("file", str(path), str(out), base_iri)
    return BuildFolder(out)


def _in_child(*argv: str) -> dict[str, Any]:
    """Run this module's :func:`main` in a child process: the statements, a store and the tables of a
    million triples take a gigabyte, which the service process (the caller) would otherwise keep."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mediakg.publish.snapshot", *argv],
            capture_output=True,
            text=True,
            timeout=PUBLISH_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise MediakgError(f"making the dumps took longer than {PUBLISH_TIMEOUT:g} s") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise MediakgError(lines[-1] if lines else f"making the dumps failed (exit {done.returncode})")
    return json.loads(done.stdout)


def _file(path: Path, out: Path, base_iri: str) -> dict[str, Any]:
    quads = read_quads(path)
    if not any(
        isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == ENTAILED_GRAPH for q in quads
    ):
        quads += entailed_quads(quads)
    modified = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(path.stat().st_mtime))
    with BuildFolder.create(out) as folder:
        ox.serialize(quads, str(folder.nquads), format=ox.RdfFormat.N_QUADS)
        facts = {"built_at": modified, "source": f"dataset file {path}", "dataset_sha256": sha256_file(path)}
        summary = _publish(folder, folder.nquads, quads, facts, base_iri)
        folder.write_json(folder.summary_file, summary)
    return summary


def read_quads_file(path: Path) -> list[ox.Quad]:
    """The quads of an N-Quads file (MediakgError with the parser's message when it does not parse)."""
    try:
        return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    except (SyntaxError, ValueError) as exc:
        raise MediakgError(f"the copied data do not parse: {exc}") from exc


def _publish(
    folder: BuildFolder, nquads: Path, quads: list[ox.Quad], facts: Mapping[str, Any], base_iri: str
) -> dict[str, Any]:
    """The exports of ``quads`` (also in the N-Quads file ``nquads``) into ``folder``; its summary."""
    store = ox.Store()
    store.bulk_extend(quads)
    built_at = str(facts.get("built_at") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    source = ExportInput(
        quads,
        store,
        created=built_at,
        build_hash=str(facts.get("dataset_sha256", "")),
        base_iri=base_iri,
        written={"nquads": nquads},
    )
    write_exports(source, folder.export)
    return {**facts, "built_at": built_at, "base_iri": base_iri, "triples": len(store)}


def main(argv: list[str]) -> int:
    """``python -m mediakg.publish.snapshot publish FOLDER NQUADS BASE FACTS`` (the exports of a copied
    dataset; the summary to write on stdout) or ``... file PATH OUT BASE`` (a snapshot of a dataset file)."""
    gc.disable()  # millions of objects that live until the end: see mediakg.build
    try:
        if argv[0] == "publish":
            folder, nquads, base_iri, facts = (
                BuildFolder(argv[1]),
                Path(argv[2]),
                argv[3],
                json.loads(argv[4]),
            )
            summary = _publish(folder, nquads, read_quads_file(nquads), facts, base_iri)
        else:
            summary = _file(Path(argv[1]), Path(argv[2]), argv[3])
    except MediakgError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
