"""Open the dataset the service and the queries run on, as a pyoxigraph store.

A build directory is served from its persisted store (``build/store``, opened read-only: instant, shared
by several processes); any other RDF file is loaded into memory. The default graph of queries is the union
of all graphs (``use_default_graph_as_union``), so a Turtle file (loaded into the default graph) is queryable
the same way as a TriG build.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from mediakg.errors import MediakgError
from mediakg.graph import untrusted
from mediakg.graph.entail import ENTAILED_GRAPH, entail_store

STORE_DIR = "store"
NQUADS = "dataset.nq"

#: File extensions the loader understands (pyoxigraph guesses the format from them).
_FORMATS = {
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".nquads": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".n3": ox.RdfFormat.N3,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}


def open_store(location: Path | str) -> ox.Store:
    """Open ``location``: a build directory or an RDF dataset file.

    A directory with ``store/`` is opened read-only (never modified); a directory with only
    ``dataset.nq``, or a file (TriG, N-Quads, Turtle, N-Triples, RDF/XML, JSON-LD by extension), is loaded
    into a new in-memory store. Raises MediakgError naming the location when it cannot be read or parsed.
    """
    path = Path(location)
    if path.is_dir():
        if (path / STORE_DIR).is_dir():
            try:
                return ox.Store.read_only(str(path / STORE_DIR))
            except OSError as exc:
                raise MediakgError(f"cannot open the store {path / STORE_DIR}: {exc}") from exc
        if (path / NQUADS).is_file():
            return load_file(path / NQUADS)
        raise MediakgError(f"{path} holds neither {STORE_DIR}/ nor {NQUADS}: not a build directory")
    return load_file(path)


def load_file(path: Path) -> ox.Store:
    """Load one RDF file into a new in-memory store (triples of a graph format go to the default graph).

    A file the build did not write (no entailed graph) gets the entailments the build would add, since the
    named questions read them instead of property paths."""
    if not path.is_file():
        raise MediakgError(f"{path}: no such file")
    rdf_format = _FORMATS.get(path.suffix.lower())
    if rdf_format is None:
        known = ", ".join(sorted(_FORMATS))
        raise MediakgError(f"{path}: unknown RDF file extension (known: {known})")
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
    rdf_format = _FORMATS.get(path.suffix.lower())
    if rdf_format is None:
        raise MediakgError(f"{path}: unknown RDF file extension (known: {', '.join(sorted(_FORMATS))})")
    untrusted.check_file(path)
    try:
        for _ in ox.parse(path=str(path), format=rdf_format):
            pass
    except (SyntaxError, ValueError, OSError) as exc:
        raise MediakgError(f"cannot load {path}: {exc}") from exc


def named_graphs(store: ox.Store) -> list[str]:
    """IRIs of the store's named graphs, sorted (blank-node graph names are left out)."""
    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
