"""The entailments the build adds: closures that questions would otherwise compute with property paths.

Transitive paths (``a/rdfs:subClassOf*``, ``mkg:locatedIn+``, ``org:subOrganizationOf*``) with both ends
bound, inside ``EXISTS`` or in joins, are where SPARQL engines disagree (Virtuoso 7.2 drops or invents rows,
or fails to compile them). The build therefore writes what those paths compute, once, into the named graph
:data:`ENTAILED_GRAPH`, with four properties declared in the ontology (see ontology/MODEL.md):

* ``mkg:instanceOf`` - ``?x rdf:type/rdfs:subClassOf* ?class`` for every typed IRI and every class of the
  ``mkg:`` namespace (the questions ask about the project's own classes; the external superclasses such as
  ``prov:Agent`` would double the graph for nothing);
* ``mkg:subPropertyOfOrSelf`` - ``?p rdfs:subPropertyOf* ?q`` for every declared property;
* ``mkg:withinPlace`` - ``?place mkg:locatedIn* ?larger`` for every place;
* ``mkg:withinOrganization`` - ``?unit org:subOrganizationOf* ?parent`` for every organisation.

All four are reflexive (the zero-step case is included), so a question asks ``?x mkg:instanceOf mkg:Person``
instead of a path. The direct relations are left as they are. Only IRIs take part: a blank node would not keep
its identity across graphs when a remote store is loaded one graph at a time.

The core (:func:`closure`) works on plain IRI strings so that the build (rdflib, :func:`add_entailments`), a
pyoxigraph store (:func:`entail_store`) and the streaming generator of benchmarks/generate.py share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef

from mediakg.graph.namespaces import ID_BASE, MKG, ORG

#: The named graph holding the entailments (derived by the build, not from a source text).
ENTAILED_GRAPH = ID_BASE + "graph/entailed"
#: The activity that produced it (described inside the graph).
ENTAILMENT_ACTIVITY = ENTAILED_GRAPH + "#entailment"

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_PROPERTY = "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"

MKG_NS = str(MKG)
INSTANCE_OF = str(MKG.instanceOf)
SUB_PROPERTY_OF_OR_SELF = str(MKG.subPropertyOfOrSelf)
WITHIN_PLACE = str(MKG.withinPlace)
WITHIN_ORGANIZATION = str(MKG.withinOrganization)
ENTAILED_PROPERTIES = (INSTANCE_OF, SUB_PROPERTY_OF_OR_SELF, WITHIN_PLACE, WITHIN_ORGANIZATION)

SUB_CLASS_OF = RDFS + "subClassOf"
SUB_PROPERTY_OF = RDFS + "subPropertyOf"
LOCATED_IN = str(MKG.locatedIn)
SUB_ORGANIZATION_OF = str(ORG.subOrganizationOf)
PLACE = str(MKG.Place)
ORGANIZATION = str(ORG.Organization)
#: Classes whose instances are properties (the ontology declares its properties with the OWL ones).
PROPERTY_CLASSES = frozenset(
    {RDF_PROPERTY, OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"}
)
#: The predicates :func:`closure` reads; every other triple may be left out of its input.
INPUT_PREDICATES = frozenset({RDF_TYPE, SUB_CLASS_OF, SUB_PROPERTY_OF, LOCATED_IN, SUB_ORGANIZATION_OF})


@dataclass
class _Edges:
    """A relation as adjacency sets, with a memo of reflexive-transitive closures."""

    up: dict[str, set[str]] = field(default_factory=dict)
    _memo: dict[str, frozenset[str]] = field(default_factory=dict)

    def add(self, a: str, b: str) -> None:
        self.up.setdefault(a, set()).add(b)

    def star(self, node: str) -> frozenset[str]:
        """``node`` and everything reachable from it (iterative, so cycles and deep chains are safe)."""
        if node not in self._memo:
            seen, todo = {node}, [node]
            while todo:
                for nxt in self.up.get(todo.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            self._memo[node] = frozenset(seen)
        return self._memo[node]


def closure(triples: Iterable[tuple[str, str, str]]) -> Iterator[tuple[str, str, str]]:
    """The entailed triples for ``triples`` (IRI strings only: subject, predicate, object).

    Only the predicates in :data:`INPUT_PREDICATES` are read. Each entailed triple is yielded once.
    """
    types: dict[str, set[str]] = {}
    sub_class, sub_property, located_in, sub_organization = _Edges(), _Edges(), _Edges(), _Edges()
    relations = {
        SUB_CLASS_OF: sub_class,
        SUB_PROPERTY_OF: sub_property,
        LOCATED_IN: located_in,
        SUB_ORGANIZATION_OF: sub_organization,
    }
    for s, p, o in triples:
        if p == RDF_TYPE:
            types.setdefault(s, set()).add(o)
        elif p in relations:
            relations[p].add(s, o)

    classes_of: dict[str, set[str]] = {}
    for node, direct in types.items():
        classes = set().union(*(sub_class.star(c) for c in direct))
        classes_of[node] = classes
        for cls in sorted(c for c in classes if c.startswith(MKG_NS)):
            yield node, INSTANCE_OF, cls

    properties = set(sub_property.up) | {n for n, cs in classes_of.items() if cs & PROPERTY_CLASSES}
    places = set(located_in.up) | {n for n, cs in classes_of.items() if PLACE in cs}
    organizations = set(sub_organization.up) | {n for n, cs in classes_of.items() if ORGANIZATION in cs}
    for members, edges, predicate in (
        (properties, sub_property, SUB_PROPERTY_OF_OR_SELF),
        (places, located_in, WITHIN_PLACE),
        (organizations, sub_organization, WITHIN_ORGANIZATION),
    ):
        for node in sorted(members):
            for larger in sorted(edges.star(node)):
                yield node, predicate, larger


def description(graphs: Iterable[str]) -> Iterator[tuple[str, str, str | Literal]]:
    """VoID/PROV triples that say the entailed graph is derived by the build from ``graphs``, not from a
    source (objects are IRI strings or rdflib Literals)."""
    yield ENTAILED_GRAPH, RDF_TYPE, VOID + "Dataset"
    yield ENTAILED_GRAPH, DCT + "title", Literal("Entailments derived by the mediakg build", lang="en")
    yield (
        ENTAILED_GRAPH,
        DCT + "description",
        Literal(
            "Computed by the build from the other named graphs, not taken from a source text: the class "
            "closure of typed IRIs (mkg:instanceOf), the sub-property closure (mkg:subPropertyOfOrSelf), "
            "and the containment closures of places (mkg:withinPlace) and organisations "
            "(mkg:withinOrganization).",
            lang="en",
        ),
    )
    yield ENTAILED_GRAPH, PROV + "wasGeneratedBy", ENTAILMENT_ACTIVITY
    yield ENTAILMENT_ACTIVITY, RDF_TYPE, PROV + "Activity"
    yield (
        ENTAILMENT_ACTIVITY,
        RDFS + "label",
        Literal("RDFS class and property closure and containment closures (mediakg.graph.entail)", lang="en"),
    )
    for graph in sorted(set(graphs) - {ENTAILED_GRAPH}):
        yield ENTAILMENT_ACTIVITY, PROV + "used", graph


def entailments(
    rows: Iterable[tuple[str, str, str]], graphs: Iterable[str]
) -> list[tuple[str, str, str | Literal]]:
    """The entailed graph's triples: the :func:`closure` of ``rows`` and the graph's :func:`description`
    (derived from ``graphs``); none at all when nothing is entailed (data outside the model gets no graph
    that would only describe itself)."""
    entailed: list[tuple[str, str, str | Literal]] = list(closure(rows))
    return entailed + list(description(graphs)) if entailed else []


def add_entailments(dataset: Dataset) -> int:
    """Replace the entailed graph of an rdflib ``dataset`` by the one computed from its other graphs;
    returns the number of triples written (none, and no graph, when nothing is entailed)."""
    target = URIRef(ENTAILED_GRAPH)
    dataset.remove_graph(dataset.graph(target))
    sources = [str(g.identifier) for g in dataset.graphs() if len(g) and str(g.identifier) != ENTAILED_GRAPH]
    rows = {
        (str(s), predicate, str(o))
        for predicate in INPUT_PREDICATES
        for s, _, o, _ in dataset.quads((None, URIRef(predicate), None, None))
        if isinstance(s, URIRef) and isinstance(o, URIRef)
    }
    triples = entailments(rows, sources)
    if triples:
        graph = dataset.graph(target)
        graph.addN(
            (URIRef(s), URIRef(p), o if isinstance(o, Literal) else URIRef(o), graph) for s, p, o in triples
        )
    return len(triples)


def entail_store(store: ox.Store) -> int:
    """Replace the entailed graph of a pyoxigraph ``store`` by the one computed from its other graphs (for
    data loaded without the build, e.g. the ontology and data files in a test); returns the triple count
    (none, and no graph, when nothing is entailed)."""
    target = ox.NamedNode(ENTAILED_GRAPH)
    if store.contains_named_graph(target):
        store.remove_graph(target)
    sources = [g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
    # (the old entailed graph is gone, so nothing below reads it)
    rows = [
        (q.subject.value, q.predicate.value, q.object.value)
        for predicate in INPUT_PREDICATES
        for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None)
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)
    ]

    def term(o: str | Literal) -> ox.NamedNode | ox.Literal:
        if isinstance(o, Literal):
            return ox.Literal(str(o), language=o.language)
        return ox.NamedNode(o)

    triples = entailments(rows, sources)
    store.extend(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), term(o), target) for s, p, o in triples)
    return len(triples)
