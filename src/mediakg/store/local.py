"""Open the dataset the service and the queries run on, as a pyoxigraph store.

A build directory is served from its persisted store (``build/store``, opened read-only: instant, shared
by several processes); any other RDF file is loaded into memory. The default graph of queries is the union
of all graphs (``use_default_graph_as_union``), so a Turtle file (loaded into the default graph) is queryable
the same way as a TriG build.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from mediakg import formats
from mediakg.errors import MediakgError
from mediakg.folder import NQUADS, STORE, BuildFolder
from mediakg.graph import untrusted
from mediakg.graph.entail import ENTAILED_GRAPH, entail_store


def open_store(location: Path | str) -> ox.Store:
    """Open ``location``: a build directory or an RDF dataset file.

    A directory with ``store/`` is opened read-only (never modified); a directory with only
    ``dataset.nq``, or a file (TriG, N-Quads, Turtle, N-Triples, RDF/XML, JSON-LD by extension), is loaded
    into a new in-memory store. Raises MediakgError naming the location when it cannot be read or parsed.
    """
    path = Path(location)
    if path.is_dir():
        folder = BuildFolder(path)
        if folder.has_store():
            try:
                return ox.Store.read_only(str(folder.store))
            except OSError as exc:
                raise MediakgError(f"cannot open the store {folder.store}: {exc}") from exc
        if folder.nquads.is_file():
            return load_file(folder.nquads)
        raise MediakgError(f"{path} holds neither {STORE}/ nor {NQUADS}: not a build directory")
    return load_file(path)


def load_file(path: Path) -> ox.Store:
    """Load one RDF file into a new in-memory store (triples of a graph format go to the default graph).

    A file the build did not write (no entailed graph) gets the entailments the build would add, since the
    named questions read them instead of property paths."""
    if not path.is_file():
        raise MediakgError(f"{path}: no such file")
    rdf_format = file_format(path)
    untrusted.check_file(path)  # RDF/XML entity bombs (pyoxigraph expands them), JSON-LD remote contexts
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=rdf_format)
    except (SyntaxError, ValueError, OSError) as exc:
        raise MediakgError(f"cannot load {path}: {exc}") from exc
    if not store.contains_named_graph(ox.NamedNode(ENTAILED_GRAPH)):
        entail_store(store)
    return store


def check_readable(location: Path | str) -> None:
    """Raise MediakgError (with the parser's line and column) unless :func:`open_store` would succeed.

    Cheap: a persisted store is opened and closed; a file is parsed as a stream, without building a store.
    """
    path = Path(location)
    if path.is_dir():
        open_store(location)
        return
    if not path.is_file():
        raise MediakgError(f"{path}: no such file")
    rdf_format = file_format(path)
    untrusted.check_file(path)
    try:
        for _ in ox.parse(path=str(path), format=rdf_format):
            pass
    except (SyntaxError, ValueError, OSError) as exc:
        raise MediakgError(f"cannot load {path}: {exc}") from exc


def file_format(path: Path) -> ox.RdfFormat:
    """pyoxigraph's format for ``path`` by its extension (:mod:`mediakg.formats`); MediakgError naming the
    known extensions otherwise."""
    try:
        return formats.by_extension(path).rdf
    except formats.UnknownFormat as exc:
        raise MediakgError(f"{path}: {exc}") from None


def named_graphs(store: ox.Store) -> list[str]:
    """IRIs of the store's named graphs, sorted (blank-node graph names are left out)."""
    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
