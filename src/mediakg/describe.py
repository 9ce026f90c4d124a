"""The concise bounded description (CBD) of one entity, as a single SPARQL CONSTRUCT.

What an entity's page and its RDF answers show:

* its own triples, and the triples of the blank nodes it reaches through blank nodes only (participations,
  evidence, claims, intervals and their instants; three levels are enough for the model in ontology/MODEL.md);
* the labels (``skos:prefLabel``, ``rdfs:label``, ``dct:title``) of every IRI those triples point to, so
  that a client can show names without a second request;
* the incoming links (triples with the entity as object); where the subject of such a triple is a blank node
  (e.g. a participation of a meeting), that blank node's own triples and its parents up to two levels (the
  meeting, or the incident owning a claim), with their labels, types and dates, so that "appears in" lists
  can be shown and ordered.

The query reads the default graph, which the store serves as the union of the named graphs.
"""

from __future__ import annotations

import re

from .errors import MediakgError

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL_PROPERTIES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
)
# What is shown of a thing that links to the entity: enough to name, classify and order it.
SUMMARY_PROPERTIES = (
    *LABEL_PROPERTIES,
    RDF_TYPE,
    "https://w3id.org/mediakg/ontology#date",
    "https://w3id.org/mediakg/ontology#earliestDate",
    "https://w3id.org/mediakg/ontology#latestDate",
)

# Characters that may not occur in a SPARQL IRIREF (SPARQL 1.1, production [139]).
_BAD_IRI = re.compile(r'[<>"{}|^`\\\x00-\x20]')


class InvalidIri(MediakgError):
    """The text cannot be used as an IRI in a query."""


def check_iri(iri: str) -> str:
    """Return ``iri`` if it can be written as ``<iri>`` in SPARQL, else raise :class:`InvalidIri`."""
    if not iri or _BAD_IRI.search(iri) or ":" not in iri:
        raise InvalidIri(f"not a usable IRI: {iri!r}")
    return iri


def _values(var: str, iris: tuple[str, ...]) -> str:
    return f"VALUES ?{var} {{ {' '.join(f'<{i}>' for i in iris)} }}"


def describe_query(iri: str) -> str:
    """SPARQL CONSTRUCT returning the concise bounded description of ``iri`` (see the module docstring)."""
    e = f"<{check_iri(iri)}>"
    labels = _values("p", LABEL_PROPERTIES)
    summary = _values("p", SUMMARY_PROPERTIES)
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ BIND({e} AS ?s) ?s ?p ?o }}
  UNION {{ {e} ?p1 ?s . FILTER(isBlank(?s)) ?s ?p ?o }}
  UNION {{ {e} ?p1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?p2 ?s . FILTER(isBlank(?s)) ?s ?p ?o }}
  UNION {{ {e} ?p1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?p2 ?b2 . FILTER(isBlank(?b2))
           ?b2 ?p3 ?s . FILTER(isBlank(?s)) ?s ?p ?o }}
  UNION {{ {{ {e} ?p1 ?s }}
           UNION {{ {e} ?p1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?p2 ?s }}
           UNION {{ {e} ?p1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?p2 ?b2 . FILTER(isBlank(?b2)) ?b2 ?p3 ?s }}
           FILTER(isIRI(?s)) {labels} ?s ?p ?o }}
  UNION {{ BIND({e} AS ?o) ?s ?p ?o }}
  UNION {{ ?s ?x {e} . FILTER(isIRI(?s)) {summary} ?s ?p ?o }}
  UNION {{ ?s ?x {e} . FILTER(isBlank(?s)) ?s ?p ?o }}
  UNION {{ ?b ?x {e} . FILTER(isBlank(?b)) ?b ?y ?s . FILTER(isIRI(?s)) {labels} ?s ?p ?o }}
  UNION {{ ?o ?x {e} . FILTER(isBlank(?o)) ?s ?p ?o }}
  UNION {{ ?b ?x {e} . FILTER(isBlank(?b)) ?o ?y ?b . FILTER(isBlank(?o)) ?s ?p ?o }}
  UNION {{ ?b ?x {e} . FILTER(isBlank(?b)) ?s ?y ?b . {summary} ?s ?p ?o }}
  UNION {{ ?b ?x {e} . FILTER(isBlank(?b)) ?b1 ?y ?b . FILTER(isBlank(?b1)) ?s ?z ?b1 . {summary} ?s ?p ?o }}
}}"""


def exists_query(iri: str) -> str:
    """SPARQL ASK: does ``iri`` occur as a subject or object anywhere in the data?"""
    e = f"<{check_iri(iri)}>"
    return f"ASK {{ {{ {e} ?p ?o }} UNION {{ ?s ?p {e} }} }}"


def describe_in_store(store, iri: str) -> list:
    """Run :func:`describe_query` in-process against a pyoxigraph ``Store`` (default graph = union).

    Returns the list of ``pyoxigraph.Triple`` of the description.
    """
    return list(store.query(describe_query(iri), use_default_graph_as_union=True))
