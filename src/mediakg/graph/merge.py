"""Merge parsed files into one dataset (one named graph per data file, plus the entailed graph of
:mod:`.entail`) and remember which file describes which node, so problems can name the file to fix.

The merged quads are pyoxigraph terms in the order of the files (so each graph's statements stay together,
as the TriG output wants them); rdflib views of them (:meth:`Merged.union`, :attr:`Merged.dataset`) are made
only when asked for, which the build does only for small data (pyshacl, the reference validator)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from mediakg.graph.entail import ENTAILED_GRAPH, INPUT_PREDICATES, entailments
from mediakg.graph.namespaces import PREFIXES
from mediakg.graph.parse import InputFile, ParsedFile, parse_file, quiet_rdflib
from mediakg.graph.terms import oxigraph_to_rdflib, rdflib_to_oxigraph
from mediakg.progress import Problem

_INPUT_PREDICATES = frozenset(ox.NamedNode(p) for p in INPUT_PREDICATES)
_ENTAILED = ox.NamedNode(ENTAILED_GRAPH)


def new_dataset() -> Dataset:
    """An empty Dataset with the project prefixes bound (used in every serialisation)."""
    ds = Dataset()
    for prefix, iri in PREFIXES.items():
        ds.bind(prefix, iri, override=True, replace=True)
    return ds


@dataclass
class Merged:
    """The merged inputs, the files they came from and the parse problems met on the way.

    Each file's ``quads`` hold only what no earlier file stated in the same graph, so the files' quads and
    :attr:`entailed` together are the dataset, every quad once."""

    files: list[ParsedFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    entailed: list[ox.Quad] = field(default_factory=list)

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad of the dataset, file by file, the entailed graph last."""
        for f in self.files:
            yield from f.quads
        yield from self.entailed

    def __len__(self) -> int:
        return sum(len(f.quads) for f in self.files) + len(self.entailed)

    def locate(self, node: Node) -> str:
        """Display names of the files that describe ``node`` (as subject; else that mention it as object)."""
        term = rdflib_to_oxigraph(node)
        found = [f.input.display for f in self.files if term in f.subjects]
        if not found:
            found = [f.input.display for f in self.files if any(q.object == term for q in f.quads)]
        return ", ".join(found)

    def graph_files(self) -> dict[str, list[str]]:
        """Named graph IRI -> display names of the files that fill it."""
        out: dict[str, list[str]] = {}
        for f in self.files:
            for gid in f.graphs:
                out.setdefault(gid, []).append(f.input.display)
        return out

    def graph_sizes(self) -> dict[str, int]:
        """Named graph IRI -> number of triples (graphs with none left out)."""
        sizes: dict[str, int] = {}
        for q in self.quads():
            sizes[q.graph_name.value] = sizes.get(q.graph_name.value, 0) + 1
        return sizes

    def union(self) -> Graph:
        """All triples of all graphs in one rdflib Graph (what pyshacl and the quote checks look at), the
        entailed graph included (so the shapes check it too, and the summary counts what the store holds)."""
        graph = Graph()
        for prefix, iri in PREFIXES.items():
            graph.bind(prefix, iri, override=True, replace=True)
        with quiet_rdflib():  # ill-typed literals: the validators report them
            graph.addN((*_rdflib_triple(q), graph) for q in self.quads())
        return graph

    @functools.cached_property
    def dataset(self) -> Dataset:
        """The merged quads as an rdflib Dataset (made on first use: for small data only)."""
        ds = new_dataset()
        graphs: dict[str, Graph] = {}
        with quiet_rdflib():
            for q in self.quads():
                gid = q.graph_name.value
                if gid not in graphs:
                    graphs[gid] = ds.graph(URIRef(gid))
                graphs[gid].add(_rdflib_triple(q))
        return ds


def _rdflib_triple(q: ox.Quad) -> tuple[Node, Node, Node]:
    return oxigraph_to_rdflib(q.subject), oxigraph_to_rdflib(q.predicate), oxigraph_to_rdflib(q.object)


def merge(inputs: Iterable[InputFile], extra: Iterable[InputFile] = ()) -> Merged:
    """Parse ``inputs`` then ``extra`` into one dataset.

    An extra file that is one of the inputs is not loaded twice; an extra triple-format file whose named
    graph is already filled by an input replaces that input (validating a draft of a data file).
    The closures questions rely on are added as the graph ``id:graph/entailed`` (see :mod:`.entail`); it
    belongs to no file.
    """
    inputs, extra = list(inputs), list(extra)
    extra_paths = {e.path.resolve() for e in extra}
    extra_graphs = {e.graph for e in extra if e.graph is not None}
    kept = [i for i in inputs if i.path.resolve() not in extra_paths]
    kept = [i for i in kept if i.graph not in extra_graphs or i.graph is None or _shared_graph(i, kept)]
    parsed = [parse_file(inp) for inp in kept + extra]
    return combine(
        [r for r in parsed if not isinstance(r, Problem)], [r for r in parsed if isinstance(r, Problem)]
    )


def combine(files: Iterable[ParsedFile], problems: Iterable[Problem] = ()) -> Merged:
    """Merge files already parsed (in this order) into one dataset, plus the entailed graph; ``problems``
    are the parse problems met on the way (kept in the result). A quad an earlier file stated in the same
    graph is dropped from the later file's ``quads``."""
    merged = Merged(problems=list(problems))
    seen: set[ox.Quad] = set()
    rows: set[tuple[str, str, str]] = set()  # what the entailments are computed from
    for result in files:
        new = []
        for q in result.quads:
            if q in seen or q.graph_name == _ENTAILED:  # an entailed graph read in is computed afresh
                continue
            seen.add(q)
            new.append(q)
            if _is_input(q):
                rows.add((q.subject.value, q.predicate.value, q.object.value))
        result.quads = new
        merged.files.append(result)
    del seen
    merged.entailed = _entailed(rows, dict.fromkeys(g for f in merged.files for g in f.graphs))
    return merged


def _is_input(q: ox.Quad) -> bool:
    """Whether the entailments are computed from ``q`` (see :data:`.entail.INPUT_PREDICATES`)."""
    return (
        q.predicate in _INPUT_PREDICATES
        and isinstance(q.subject, ox.NamedNode)
        and isinstance(q.object, ox.NamedNode)
    )


def _entailed(rows: Iterable[tuple[str, str, str]], graphs: Iterable[str]) -> list[ox.Quad]:
    return [
        ox.Quad(
            ox.NamedNode(s),
            ox.NamedNode(p),
            rdflib_to_oxigraph(o) if isinstance(o, Literal) else ox.NamedNode(o),  # Literal is a str too
            _ENTAILED,
        )
        for s, p, o in entailments(rows, graphs)
    ]


def entailed_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The entailed graph of ``quads`` (which must not hold one), for data that did not come from a build."""
    graphs: dict[str, None] = {}
    rows = set()
    for q in quads:
        if isinstance(q.graph_name, ox.NamedNode):
            graphs[q.graph_name.value] = None
        if _is_input(q):
            rows.add((q.subject.value, q.predicate.value, q.object.value))
    return _entailed(rows, graphs)


def _shared_graph(inp: InputFile, inputs: list[InputFile]) -> bool:
    """True when several inputs fill ``inp``'s graph (the ontology graph): never replaced wholesale."""
    return sum(1 for i in inputs if i.graph == inp.graph) > 1
