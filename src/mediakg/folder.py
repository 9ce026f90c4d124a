"""The build folder: one object that owns its layout and its fingerprint.

``mediakg build`` writes a folder holding everything the service serves::

    dataset.trig, dataset.nq     the dataset (one named graph per source, plus the entailments)
    validation-report.ttl        the SHACL report of the run
    store/                       a pyoxigraph store of dataset.nq (served read-only)
    export/                      the dumps (each with a .gz twin), void.ttl and manifest.json
    shapes/, queries/            the shapes and the named questions the build was made and checked with,
                                 which the service serves (its /shapes page, /api, the analyst pages)
    summary.json                 counts, inputs and options of the build; written last

A *snapshot* (the copy of a remote store's graphs, or a dataset file handed to ``serve --data``) is a build
folder without ``store/`` and ``validation-report.ttl``. Readers never write here: the build (or the
snapshot writer in :mod:`mediakg.publish.snapshot`) does, atomically.

The fingerprint of a folder is the SHA-256 of its ``summary.json``, which every write produces afresh, so it
changes exactly when the folder holds another build; ETags and per-build caches are keyed by it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mediakg.errors import MediakgError

TRIG = "dataset.trig"
NQUADS = "dataset.nq"
REPORT = "validation-report.ttl"
SUMMARY = "summary.json"
STORE = "store"
EXPORT = "export"
MANIFEST = "manifest.json"
VOID = "void.ttl"
SHAPES = "shapes"
QUERIES = "queries"
#: What a complete build holds (a snapshot lacks STORE and REPORT, and SHAPES and QUERIES).
OUTPUTS = (TRIG, NQUADS, REPORT, SUMMARY, STORE, EXPORT, SHAPES, QUERIES)
#: Files whose hash identifies the data when a folder has no summary (a folder holding only a dataset).
_FINGERPRINT_FILES = (SUMMARY, NQUADS, TRIG)


@dataclass(frozen=True)
class Fingerprint:
    """What identifies one build: a hex digest, and when it was written (UTC, whole seconds)."""

    digest: str
    modified: datetime


# (path, mtime_ns, size) -> hex digest: a file is hashed again only when it changes.
_digests: dict[tuple[str, int, int], str] = {}


def file_fingerprint(path: Path) -> Fingerprint:
    """SHA-256 of ``path`` (remembered while its mtime and size stay the same) and its mtime."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    digest = _digests.get(key)
    if digest is None:
        digest = sha256_file(path)
        _digests[key] = digest
    return Fingerprint(digest, datetime.fromtimestamp(int(stat.st_mtime), UTC))


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(location: Path) -> Fingerprint:
    """The fingerprint of a build folder or of a dataset file (``serve --data FILE`` before it became a
    snapshot, e.g. in an app made directly); FileNotFoundError when there is nothing there."""
    if location.is_file():
        return file_fingerprint(location)
    return BuildFolder(location).fingerprint()


class BuildFolder:
    """The files of one build folder (see the module docstring); reading them, never writing, except
    through :meth:`create` and :meth:`write_json`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"BuildFolder({str(self.path)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BuildFolder) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    # ------------------------------------------------------------------ layout

    @property
    def trig(self) -> Path:
        return self.path / TRIG

    @property
    def nquads(self) -> Path:
        return self.path / NQUADS

    @property
    def report(self) -> Path:
        return self.path / REPORT

    @property
    def summary_file(self) -> Path:
        return self.path / SUMMARY

    @property
    def store(self) -> Path:
        return self.path / STORE

    @property
    def export(self) -> Path:
        return self.path / EXPORT

    @property
    def shapes(self) -> Path:
        return self.path / SHAPES

    @property
    def queries(self) -> Path:
        return self.path / QUERIES

    def served(self, name: str, fallback: Path) -> Path:
        """This folder's copy of ``name`` (:data:`SHAPES`, :data:`QUERIES`), or ``fallback`` (the checkout's)
        where it has none: a snapshot, a build made before the copies were written."""
        own = self.path / name
        return own if own.is_dir() else fallback

    def copy_in(self, source: Path, name: str, pattern: str) -> None:
        """Copy the files of folder ``source`` that match ``pattern`` into ``name/`` of this folder (while
        it is being created)."""
        target = self.path / name
        target.mkdir(exist_ok=True)
        for path in sorted(source.glob(pattern)):
            shutil.copy2(path, target / path.name)

    @property
    def manifest_file(self) -> Path:
        return self.export / MANIFEST

    @property
    def void_file(self) -> Path:
        return self.export / VOID

    def dump(self, filename: str) -> Path:
        """A file of the export folder (a dump, its ``.gz`` twin, ``void.ttl``)."""
        return self.export / filename

    # ------------------------------------------------------------------ state

    def is_complete(self) -> bool:
        """Whether every output of a build is there (a build interrupted or from an older version is not)."""
        return all((self.path / name).exists() for name in OUTPUTS)

    def has_store(self) -> bool:
        return self.store.is_dir()

    def dataset_file(self) -> Path:
        """The dataset file (N-Quads preferred: fastest to parse); MediakgError when there is none."""
        for path in (self.nquads, self.trig):
            if path.is_file():
                return path
        raise MediakgError(f"no {NQUADS} or {TRIG} in {self.path}: run `mediakg build` first")

    def summary(self) -> dict[str, Any] | None:
        """``summary.json``, or None when it is missing or unreadable."""
        return _read_json(self.summary_file)

    def manifest(self) -> dict[str, Any] | None:
        """The export manifest (dumps, statistics), or None when there is no export."""
        return _read_json(self.manifest_file)

    def base_iri(self) -> str | None:
        """The base of entity IRIs the build was made with (None: not recorded, the default)."""
        value = (self.summary() or {}).get("base_iri")
        return value if isinstance(value, str) else None

    def built_at(self) -> str:
        """When the build was made: ``built_at`` of the summary, else the time of its dataset file."""
        value = (self.summary() or {}).get("built_at")
        if isinstance(value, str):
            return value
        moment = datetime.fromtimestamp(self.dataset_file().stat().st_mtime, UTC).replace(microsecond=0)
        return moment.isoformat().replace("+00:00", "Z")

    def fingerprint(self) -> Fingerprint:
        """SHA-256 and time of ``summary.json`` (a folder without one: of its dataset file).

        Raises FileNotFoundError (an OSError) when the folder holds no build."""
        for name in _FINGERPRINT_FILES:
            path = self.path / name
            if path.is_file():
                return file_fingerprint(path)
        raise FileNotFoundError(f"no build in {self.path}: run `mediakg build` first")

    # ------------------------------------------------------------------ writing

    def write_json(self, path: Path, data: Mapping[str, Any]) -> None:
        """Write ``data`` as JSON to ``path`` (in this folder) through a temporary file and a rename, so a
        reader sees the old file or the new one, never a part."""
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(path)

    @classmethod
    @contextlib.contextmanager
    def create(cls, path: Path | str) -> Iterator[BuildFolder]:
        """Write a new build folder at ``path``: the block writes into a temporary sibling folder, which
        replaces ``path`` only when the block ends without an exception; otherwise it is removed and
        ``path`` is left exactly as it was (or absent)."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        try:
            yield cls(tmp)
            _swap_into_place(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


#: Writes a snapshot into a build folder from N-Quads lines and facts about where they come from (see
#: :func:`mediakg.publish.snapshot.write_snapshot`); handed to the remote executor, which is below publish.
SnapshotWriter = Callable[[BuildFolder, Iterable[bytes], Mapping[str, Any]], None]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp`` with two renames (the old folder is deleted only after the swap)."""
    old = None
    if out.exists() or out.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / out.name)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
