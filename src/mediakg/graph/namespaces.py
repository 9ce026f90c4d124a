"""IRIs and prefixes shared by the build, the queries and the service (see ontology/MODEL.md)."""

from rdflib import Namespace

ONTOLOGY_IRI = "https://w3id.org/mediakg/ontology"
ID_BASE = "https://w3id.org/mediakg/id/"

MKG = Namespace(ONTOLOGY_IRI + "#")
ID = Namespace(ID_BASE)
ORG = Namespace("http://www.w3.org/ns/org#")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
OA = Namespace("http://www.w3.org/ns/oa#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
QB = Namespace("http://purl.org/linked-data/cube#")
SCHEMA = Namespace("https://schema.org/")

#: Prefixes used in serialisations and prepended to named questions.
PREFIXES: dict[str, str] = {
    "mkg": str(MKG),
    "id": ID_BASE,
    "org": str(ORG),
    "prov": "http://www.w3.org/ns/prov#",
    "schema": str(SCHEMA),
    "sem": str(SEM),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "oa": str(OA),
    "time": "http://www.w3.org/2006/time#",
    "eli": str(ELI),
    "qb": str(QB),
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def source_iri(source_id: str) -> str:
    """IRI of a source text (and of its named graph), from its file id."""
    return f"{ID_BASE}source/{source_id}"


def reference_graph_iri(name: str) -> str:
    """Named-graph IRI of a reference data file ``data/reference/<name>.ttl``."""
    return f"{ID_BASE}graph/reference-{name}"
