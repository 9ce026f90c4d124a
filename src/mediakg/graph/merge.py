"""Merge parsed files into one rdflib Dataset (one named graph per data file, plus the entailed graph of
:mod:`.entail`) and remember which file describes which node, so problems can name the file to fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from mediakg.graph.entail import ENTAILED_GRAPH, add_entailments
from mediakg.graph.namespaces import PREFIXES
from mediakg.graph.parse import InputFile, ParsedFile, parse_file
from mediakg.progress import Problem


def new_dataset() -> Dataset:
    """An empty Dataset with the project prefixes bound (used in every serialisation)."""
    ds = Dataset()
    for prefix, iri in PREFIXES.items():
        ds.bind(prefix, iri, override=True, replace=True)
    return ds


@dataclass
class Merged:
    """The merged inputs, the files they came from and the parse problems met on the way."""

    dataset: Dataset = field(default_factory=new_dataset)
    files: list[ParsedFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def locate(self, node: Node) -> str:
        """Display names of the files that describe ``node`` (as subject; else that mention it as object)."""
        found = [f.input.display for f in self.files if node in f.subjects]
        if not found:
            found = [f.input.display for f in self.files if any(q[2] == node for q in f.quads)]
        return ", ".join(found)

    def graph_files(self) -> dict[str, list[str]]:
        """Named graph IRI -> display names of the files that fill it."""
        out: dict[str, list[str]] = {}
        for f in self.files:
            for gid in dict.fromkeys(q[3] for q in f.quads):
                out.setdefault(str(gid), []).append(f.input.display)
        return out

    def union(self) -> Graph:
        """All triples of all graphs in one plain Graph (what the shapes and quote checks look at), the
        entailed graph included (so the shapes check it too, and the summary counts what the store holds)."""
        graph = Graph()
        for prefix, iri in PREFIXES.items():
            graph.bind(prefix, iri, override=True, replace=True)
        for f in self.files:
            graph.addN((s, p, o, graph) for s, p, o, _ in f.quads)
        graph.addN((s, p, o, graph) for s, p, o in self.dataset.graph(URIRef(ENTAILED_GRAPH)))
        return graph


def merge(inputs: Iterable[InputFile], extra: Iterable[InputFile] = ()) -> Merged:
    """Parse ``inputs`` then ``extra`` into one Dataset.

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
    """Merge files already parsed (in this order) into one Dataset, plus the entailed graph; ``problems``
    are the parse problems met on the way (kept in the result)."""
    merged = Merged(problems=list(problems))
    ds = merged.dataset
    for result in files:
        merged.files.append(result)
        graphs = {gid: ds.graph(URIRef(gid)) for gid in dict.fromkeys(q[3] for q in result.quads)}
        ds.addN((s, p, o, graphs[g]) for s, p, o, g in result.quads)
    add_entailments(ds)
    return merged


def _shared_graph(inp: InputFile, inputs: list[InputFile]) -> bool:
    """True when several inputs fill ``inp``'s graph (the ontology graph): never replaced wholesale."""
    return sum(1 for i in inputs if i.graph == inp.graph) > 1
