"""A VoID + DCAT description of the dataset: size, classes, named graphs, vocabularies, dumps, endpoint.

The statistics are computed once from the build (:func:`dataset_stats`, JSON-serialisable so that the export
can store them next to the dumps) and turned into RDF for a given public address (:func:`void_graph`): the
dumps' ``void.ttl`` names the published address, the service's ``/.well-known/void`` the one it is reached at.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pyoxigraph as ox
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV

from mediakg.graph.entail import ENTAILED_GRAPH, ENTAILMENT_ACTIVITY
from mediakg.graph.namespaces import ID_BASE, MKG, ONTOLOGY_IRI, PREFIXES

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
IANA = "https://www.iana.org/assignments/media-types/"


@dataclass
class GraphStats:
    """Size of one named graph."""

    name: str
    triples: int


@dataclass
class DatasetStats:
    """What a VoID description says about the data, independent of where it is published."""

    triples: int
    entities: int
    classes: dict[str, int]
    graphs: list[GraphStats]
    vocabularies: list[str]
    sources: list[str]
    example: str | None = None
    distinct_subjects: int = 0
    properties: int = 0

    def to_json(self) -> dict:
        """A JSON-ready dict (inverse of :meth:`from_json`)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> DatasetStats:
        """Read what :meth:`to_json` wrote."""
        graphs = [GraphStats(**g) for g in data.get("graphs", [])]
        return cls(**{**data, "graphs": graphs})


@dataclass
class Dump:
    """One downloadable file, as published."""

    filename: str
    media_type: str
    title: str
    size: int = 0
    gzip_size: int = 0
    extra: dict = field(default_factory=dict)


def _vocabulary(iri: str) -> str | None:
    """The namespace (as in :data:`PREFIXES`) an IRI belongs to, without a trailing ``#``; None if unknown."""
    best = None
    for prefix, ns in PREFIXES.items():
        if prefix == "id" or not iri.startswith(ns):
            continue
        if best is None or len(ns) > len(best):
            best = ns
    return best.rstrip("#") if best else None


_SUBJECTS_QUERY = "SELECT DISTINCT ?s WHERE { ?s ?p ?o }"
_TRIPLES_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
_GRAPHS_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?g)) } GROUP BY ?g"
_CLASSES_QUERY = (
    f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDF.type}> ?c FILTER(isIRI(?c)) }} GROUP BY ?c"
)
_PREDICATES_QUERY = "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"
_SOURCES_QUERY = f"SELECT DISTINCT ?s WHERE {{ ?s <{RDF.type}> <{MKG.SourceDocument}> FILTER(isIRI(?s)) }}"


def dataset_stats(store: ox.Store, base_iri: str = ID_BASE, triples: int | None = None) -> DatasetStats:
    """Count triples, entities (subject IRIs under ``base_iri``), class members, graph sizes and the
    vocabularies used in the union of the graphs of ``store`` (each triple once); ``triples``: the number of
    distinct triples when the caller has it already."""

    def rows(query: str) -> list[ox.QuerySolution]:
        return list(store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]

    subjects = [row[0] for row in rows(_SUBJECTS_QUERY)]
    entities = [s.value for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(base_iri)]
    if triples is None:
        triples = int(rows(_TRIPLES_QUERY)[0]["n"].value)
    graphs = [GraphStats(r["g"].value, int(r["n"].value)) for r in rows(_GRAPHS_QUERY)]
    classes = {r["c"].value: int(r["n"].value) for r in rows(_CLASSES_QUERY)}
    predicates = [r["p"].value for r in rows(_PREDICATES_QUERY)]
    return DatasetStats(
        triples=triples,
        entities=len(entities),
        classes=dict(sorted(classes.items())),
        graphs=sorted(graphs, key=lambda g: g.name),
        vocabularies=sorted({v for v in map(_vocabulary, predicates + list(classes)) if v}),
        sources=sorted(r["s"].value for r in rows(_SOURCES_QUERY)),
        example=min((e for e in entities if "/person/" in e), default=None),
        distinct_subjects=len(subjects),
        properties=len(predicates),
    )


def dataset_iri(base_iri: str = ID_BASE) -> str:
    """The IRI of the dataset itself (described by VoID), among the entities under ``base_iri``."""
    return base_iri + "dataset/mediakg"


#: The dataset IRI under the default base.
DATASET_IRI = dataset_iri()


def _local_name(iri: str) -> str:
    """A readable fragment for ``iri``: ``prefix-local`` for known vocabularies, else the last segment."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and prefix != "id":
            return f"{prefix}-{iri[len(ns) :]}"
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def void_graph(
    stats: DatasetStats,
    *,
    public_url: str,
    dumps: list[Dump],
    created: str,
    base_iri: str = ID_BASE,
    dump_path: str = "download/",
) -> Graph:
    """The VoID + DCAT description of the dataset published at ``public_url`` (ending in ``/``).

    ``created`` is the build date (``YYYY-MM-DD`` or an ``xsd:dateTime``); dumps are linked as
    ``public_url + dump_path + filename``; the SPARQL endpoint is ``public_url + "sparql"``.
    """
    g = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dct", DCTERMS), ("prov", PROV), ("sd", SD)):
        g.bind(prefix, ns)
    g.bind("foaf", FOAF)
    g.bind("mkg", MKG)
    dataset = dataset_iri(base_iri)
    ds = URIRef(dataset)
    date_type = XSD.dateTime if "T" in created else XSD.date
    date = Literal(created, datatype=date_type)
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    title = "mediakg: Kazakhstan–OSCE engagements and media-freedom incidents"
    g.add((ds, DCTERMS.title, Literal(title, lang="en")))
    g.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "A knowledge graph hand-mapped from five source texts: meetings between Kazakhstan and the "
                "OSCE, media-freedom incidents in Kazakhstan, the people, bodies, posts, laws and documents "
                "involved. "
                "Every fact names its source text and a verbatim quote.",
                lang="en",
            ),
        )
    )
    g.add((ds, DCTERMS.created, date))
    g.add((ds, DCTERMS.modified, date))
    g.add((ds, DCTERMS.issued, date))
    g.add((ds, DCTERMS.license, URIRef(LICENSE)))
    g.add((ds, FOAF.homepage, URIRef(public_url)))
    g.add((ds, DCAT.landingPage, URIRef(public_url)))
    g.add((ds, VOID.uriSpace, Literal(base_iri)))
    g.add((ds, VOID.triples, Literal(stats.triples)))
    g.add((ds, VOID.entities, Literal(stats.entities)))
    g.add((ds, VOID.distinctSubjects, Literal(stats.distinct_subjects)))
    g.add((ds, VOID.properties, Literal(stats.properties)))
    g.add((ds, VOID.classes, Literal(len(stats.classes))))
    g.add((ds, VOID.sparqlEndpoint, URIRef(public_url + "sparql")))
    g.add((ds, VOID.rootResource, URIRef(public_url)))
    if stats.example:
        g.add((ds, VOID.exampleResource, URIRef(stats.example)))
    g.add((ds, VOID.vocabulary, URIRef(ONTOLOGY_IRI)))
    for vocab in stats.vocabularies:
        g.add((ds, VOID.vocabulary, URIRef(vocab)))
    for source in stats.sources:
        g.add((ds, DCTERMS.source, URIRef(source)))
        g.add((ds, PROV.wasDerivedFrom, URIRef(source)))
    for cls, count in stats.classes.items():
        part = URIRef(f"{dataset}#class-{_local_name(cls)}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(count)))
    for graph in stats.graphs:
        subset = URIRef(f"{dataset}#graph-{_local_name(graph.name)}")
        g.add((ds, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, URIRef(graph.name)))
        g.add((subset, VOID.triples, Literal(graph.triples)))
        if graph.name in stats.sources:
            g.add((subset, PROV.wasDerivedFrom, URIRef(graph.name)))
            g.add((subset, DCTERMS.source, URIRef(graph.name)))
        elif graph.name == ENTAILED_GRAPH:  # computed by the build, from no source text
            g.add((subset, PROV.wasGeneratedBy, URIRef(ENTAILMENT_ACTIVITY)))
    for dump in dumps:
        url = URIRef(public_url + dump_path + dump.filename)
        dist = URIRef(f"{dataset}#dump-{dump.filename}")
        g.add((ds, VOID.dataDump, url))
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(dump.title, lang="en")))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.accessURL, URIRef(public_url + dump_path)))
        g.add((dist, DCAT.mediaType, URIRef(IANA + dump.media_type)))
        g.add((dist, DCTERMS.format, Literal(dump.media_type)))
        g.add((dist, DCTERMS.license, URIRef(LICENSE)))
        if dump.size:
            g.add((dist, DCAT.byteSize, Literal(dump.size, datatype=XSD.nonNegativeInteger)))
        if dump.gzip_size:
            gz = URIRef(str(url) + ".gz")
            gz_dist = URIRef(f"{dist}.gz")
            g.add((ds, DCAT.distribution, gz_dist))
            g.add((gz_dist, RDF.type, DCAT.Distribution))
            g.add((gz_dist, DCAT.downloadURL, gz))
            g.add((gz_dist, DCAT.mediaType, URIRef(IANA + dump.media_type)))
            g.add((gz_dist, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
            g.add((gz_dist, DCAT.byteSize, Literal(dump.gzip_size, datatype=XSD.nonNegativeInteger)))
    g.add((URIRef(public_url + "sparql"), RDF.type, SD.Service))
    g.add((URIRef(public_url + "sparql"), SD.endpoint, URIRef(public_url + "sparql")))
    return g
