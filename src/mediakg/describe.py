"""The concise bounded description (CBD) of one entity, as a single SPARQL CONSTRUCT.

What an entity's page and its RDF answers show:

* its own triples, and the triples of the blank nodes it reaches through blank nodes only (participations,
  evidence, claims, intervals and their instants; three levels are enough for the model in ontology/MODEL.md);
* the labels (``skos:prefLabel``, ``rdfs:label``, ``dct:title``, ``mkg:postTitle``) of every IRI those
  triples point to, so that a client can show names without a second request;
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
    "https://w3id.org/mediakg/ontology#postTitle",  # memberships have no prefLabel
)
# What is shown of a thing the entity links to or that links to it: enough to name, classify and order it.
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
    """SPARQL CONSTRUCT returning the concise bounded description of ``iri`` (see the module docstring).

    Kept short: the service parses every query with rdflib before running it, at ~0.1 ms per character.
    """
    e = f"<{check_iri(iri)}>"
    b1 = f"{e} ?a ?b . FILTER(isBlank(?b))"  # a blank node the entity points to
    b2 = f"{b1} ?b ?c ?d . FILTER(isBlank(?d))"  # ... and one that blank node points to
    into = f"?i ?x {e} . FILTER(isBlank(?i))"  # a blank node pointing at the entity
    # Nodes shown with all their triples: the entity, its blank-node closure, blank nodes pointing at it.
    full = (
        f"{{ BIND({e} AS ?s) }} UNION {{ {e} ?a ?s }} UNION {{ {b1} ?b ?c ?s }} UNION {{ {b2} ?d ?f ?s }}"
        f" UNION {{ ?s ?x {e} }}"
    )
    # Nodes shown by name, type and date: what it points to, what points to it, the owners of blank nodes.
    named = (
        f"{{ {e} ?a ?s }} UNION {{ {b1} ?b ?c ?s }} UNION {{ {b2} ?d ?f ?s }} UNION {{ ?s ?x {e} }}"
        f" UNION {{ {into} ?i ?y ?s }} UNION {{ {into} ?s ?y ?i }}"
        f" UNION {{ {into} ?j ?y ?i . FILTER(isBlank(?j)) ?s ?z ?j }}"
    )
    # Blank nodes whose owners' links to them are shown (one and two levels above the entity).
    owned = f"{{ {into} BIND(?i AS ?o) }} UNION {{ {into} ?o ?y ?i . FILTER(isBlank(?o)) }}"
    summary = _values("p", SUMMARY_PROPERTIES)
    # DISTINCT sub-selects first, then the join: oxigraph would otherwise scan ?s ?p ?o before filtering.
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ {{ SELECT DISTINCT ?s WHERE {{ {full} FILTER(?s = {e} || isBlank(?s)) }} }} ?s ?p ?o }}
  UNION {{ {{ SELECT DISTINCT ?s WHERE {{ {named} FILTER(isIRI(?s)) }} }} {summary} ?s ?p ?o }}
  UNION {{ ?s ?p {e} BIND({e} AS ?o) }}
  UNION {{ {{ SELECT DISTINCT ?o WHERE {{ {owned} }} }} ?s ?p ?o }}
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
