"""View models of the documentation pages: the ontology (classes, properties, schemes) and the shapes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, Namespace, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SKOS

from mediakg.graph.namespaces import ONTOLOGY_IRI
from mediakg.graph.terms import qname
from mediakg.service.ld_render import Linker, PropertyRow, Renderer, Value, best_label, local_name

SH = Namespace("http://www.w3.org/ns/shacl#")
CLASS_TYPES = (OWL.Class, RDFS.Class)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
# What a term's entry lists, in this order, with the heading shown.
TERM_FIELDS = (
    (RDFS.subClassOf, "sub-class of"),
    (OWL.equivalentClass, "equivalent class"),
    (RDFS.subPropertyOf, "sub-property of"),
    (OWL.equivalentProperty, "equivalent property"),
    (OWL.inverseOf, "inverse of"),
    (RDFS.domain, "domain"),
    (RDFS.range, "range"),
    (RDF.type, "type"),
    (RDFS.seeAlso, "see also"),
    (SKOS.closeMatch, "close match"),
    (SKOS.exactMatch, "exact match"),
)


def _text(g: Graph, node: Node, prop: URIRef) -> str:
    values = [v for v in g.objects(node, prop) if isinstance(v, Literal)]
    english = [v for v in values if v.language in ("en", None)]
    return str(sorted(english or values)[0]) if values else ""


def _anchor(iri: str) -> str:
    if iri.startswith(ONTOLOGY_IRI + "#"):
        return iri[len(ONTOLOGY_IRI) + 1 :]
    return qname(iri).replace(":", "-").replace("/", "-")


def property_labels(g: Graph) -> dict[str, str]:
    """IRI -> English label of every term (property, class, concept) the ontology graph ``g`` labels."""
    out = {}
    for prop in (SKOS.prefLabel, RDFS.label):  # rdfs:label wins where both exist
        for term in set(g.subjects(prop, None)):
            if isinstance(term, URIRef):
                label = _text(g, term, prop)
                if label:
                    out[str(term)] = label
    return out


@dataclass
class Term:
    """One class or property of the ontology documentation."""

    iri: str
    qname: str
    anchor: str
    label: str
    comment: str
    is_class: bool
    members_href: str
    rows: list[PropertyRow] = field(default_factory=list)


@dataclass
class Scheme:
    """A SKOS concept scheme and its concepts."""

    iri: str
    href: str
    anchor: str
    label: str
    comment: str
    concepts: list[Value]


@dataclass
class OntologyDoc:
    """The /ontology page."""

    iri: str
    title: str
    description: str
    version: str
    classes: list[Term]
    properties: list[Term]
    schemes: list[Scheme]


def _term(r: Renderer, node: URIRef, is_class: bool, linker: Linker) -> Term:
    g = r.g
    rows = []
    for prop, heading in TERM_FIELDS:
        objects = [
            o for o in g.objects(node, prop) if prop != RDF.type or o not in (*CLASS_TYPES, *PROPERTY_TYPES)
        ]
        if objects:
            values = sorted((r.value(o) for o in objects), key=lambda v: v.text)
            rows.append(PropertyRow(heading, str(prop), linker.href(str(prop)), values))
    if is_class:
        subs = sorted((r.value(s) for s in g.subjects(RDFS.subClassOf, node)), key=lambda v: v.text)
        if subs:
            rows.append(PropertyRow("super-class of", str(RDFS.subClassOf), "", subs))
    return Term(
        iri=str(node),
        qname=qname(str(node)),
        anchor=_anchor(str(node)),
        label=_text(g, node, RDFS.label) or local_name(str(node)),
        comment=_text(g, node, RDFS.comment),
        is_class=is_class,
        members_href=linker.class_href(str(node)),
        rows=rows,
    )


def ontology_doc(g: Graph, linker: Linker) -> OntologyDoc:
    """Documentation of the ontology graph ``g``: its own classes and properties, then its concept schemes."""
    r = Renderer(g, linker, property_labels(g))
    own = ONTOLOGY_IRI + "#"

    def terms(types, is_class: bool) -> list[Term]:
        found = {s for t in types for s in g.subjects(RDF.type, t) if isinstance(s, URIRef)}
        found = {s for s in found if str(s).startswith(own)}
        return sorted((_term(r, s, is_class, linker) for s in found), key=lambda t: t.label.lower())

    schemes = []
    for s in g.subjects(RDF.type, SKOS.ConceptScheme):
        concepts = set(g.subjects(SKOS.inScheme, s)) | set(g.objects(s, SKOS.hasTopConcept))
        schemes.append(
            Scheme(
                iri=str(s),
                href=linker.href(str(s)),
                anchor=_anchor(str(s)),
                label=best_label(g, s),
                comment=_text(g, s, RDFS.comment) or _text(g, s, SKOS.definition),
                concepts=sorted((r.value(c) for c in concepts), key=lambda v: v.text.lower()),
            )
        )
    onto = URIRef(ONTOLOGY_IRI)
    return OntologyDoc(
        iri=ONTOLOGY_IRI,
        title=_text(g, onto, DCTERMS.title) or "mediakg ontology",
        description=_text(g, onto, DCTERMS.description),
        version=_text(g, onto, OWL.versionInfo),
        classes=terms(CLASS_TYPES, True),
        properties=terms(PROPERTY_TYPES, False),
        schemes=sorted(schemes, key=lambda s: s.label.lower()),
    )


# --------------------------------------------------------------------------- shapes


@dataclass
class Target:
    kind: str
    value: Value


@dataclass
class PropertyShape:
    path: str
    constraints: list[PropertyRow]
    message: str


@dataclass
class Shape:
    """One node shape: its targets, its own constraints, its property shapes and messages."""

    iri: str
    qname: str
    anchor: str
    label: str
    comment: str
    message: str
    targets: list[Target]
    constraints: list[PropertyRow]
    properties: list[PropertyShape]


_TARGETS = (
    (SH.targetClass, "class"),
    (SH.targetNode, "node"),
    (SH.targetSubjectsOf, "subjects of"),
    (SH.targetObjectsOf, "objects of"),
    (SH.target, "selected by"),
)
_SKIP = {
    RDF.type,
    SH.property,
    SH.path,
    SH.message,
    SH.name,
    SH.description,
    RDFS.label,
    RDFS.comment,
    *(t for t, _ in _TARGETS),
}


def path_text(g: Graph, path: Node) -> str:
    """A SHACL property path in SPARQL notation (``skos:prefLabel``, ``^org:member``, ``a/b``, ``a|b``)."""
    if isinstance(path, URIRef):
        return qname(str(path))
    if isinstance(path, BNode):
        if (path, RDF.first, None) in g:
            return "/".join(path_text(g, p) for p in Collection(g, path))
        if (inv := g.value(path, SH.inversePath)) is not None:
            return "^" + path_text(g, inv)
        if (alt := g.value(path, SH.alternativePath)) is not None:
            return "(" + "|".join(path_text(g, p) for p in Collection(g, alt)) + ")"
        for prop, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
            if (inner := g.value(path, prop)) is not None:
                return path_text(g, inner) + suffix
    return str(path)


def _constraints(r: Renderer, node: Node, linker: Linker) -> list[PropertyRow]:
    rows: dict[URIRef, PropertyRow] = {}
    for p, o in r.g.predicate_objects(node):
        if p in _SKIP:
            continue
        if p == SH.sparql:  # a SPARQL constraint (often a named node): show its message and query
            values = [Value(text="", nested=r.rows(o, exclude={RDF.type, SH.prefixes}))]
        elif isinstance(o, BNode) and (o, RDF.first, None) in r.g:
            values = [r.value(x) for x in Collection(r.g, o)]
        else:
            values = [r.value(o)]
        row = rows.setdefault(p, PropertyRow(qname(str(p)), str(p), linker.href(str(p)), []))
        row.values.extend(values)
    return sorted(rows.values(), key=lambda row: row.label)


def shapes_doc(g: Graph, linker: Linker, labels: Mapping[str, str] | None = None) -> list[Shape]:
    """Documentation of the shapes graph ``g``: every node shape with targets, constraints and messages."""
    r = Renderer(g, linker, labels or {})
    nodes = set(g.subjects(RDF.type, SH.NodeShape)) | {s for t, _ in _TARGETS for s in g.subjects(t, None)}
    nodes |= set(g.subjects(SH.sparql, None))
    nodes -= set(g.objects(None, SH.property))  # property shapes are shown inside their node shape
    shapes = []
    for s in nodes:
        props = []
        for ps in g.objects(s, SH.property):
            path = g.value(ps, SH.path)
            props.append(
                PropertyShape(
                    path=path_text(g, path) if path is not None else "?",
                    constraints=_constraints(r, ps, linker),
                    message=_text(g, ps, SH.message),
                )
            )
        props.sort(key=lambda p: p.path)
        targets = [Target(kind, r.value(o)) for prop, kind in _TARGETS for o in g.objects(s, prop)]
        iri = str(s) if isinstance(s, URIRef) else ""
        shapes.append(
            Shape(
                iri=iri,
                qname=qname(iri) if iri else "",
                anchor=_anchor(iri) if iri else f"shape-{len(shapes)}",
                label=_text(g, s, RDFS.label)
                or _text(g, s, SH.name)
                or (local_name(iri) if iri else "shape"),
                comment=_text(g, s, RDFS.comment) or _text(g, s, SH.description),
                message=_text(g, s, SH.message),
                targets=targets,
                constraints=_constraints(r, s, linker),
                properties=props,
            )
        )
    return sorted(shapes, key=lambda sh: sh.label.lower())
