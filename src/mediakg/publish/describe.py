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

import pyoxigraph as ox

from mediakg.errors import MediakgError
from mediakg.graph.entail import ENTAILED_PROPERTIES

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


#: The variable that names the entity in :data:`DESCRIBE_QUERY`.
ENTITY_VARIABLE = "e"


def _describe_query(e: str) -> str:
    """The description query with the entity written as ``e`` (the variable ``?e`` or an ``<iri>``).

    One flat chain of triple patterns per way of reaching a node, ending in the node's triples: with the
    entity as a variable, oxigraph plans the query without knowing it is bound, and only flat chains are
    still evaluated by index lookups from it (a sub-select or a UNION joined to ``?s ?p ?o`` becomes a hash
    join that scans every triple: ~150 ms per entity on 200,000 triples instead of ~1 ms). Every branch binds
    the entity in a triple pattern, so a store that binds ``?e`` with a ``VALUES`` join gets the same answer,
    and ``BIND(?e AS ...)`` only comes after such a pattern (the optimiser folds a variable that no pattern
    binds to "unbound").
    """
    summary = f"?p IN ({', '.join(f'<{p}>' for p in SUMMARY_PROPERTIES)})"
    # The build's entailments (mediakg.graph.entail) stand in for property paths in the questions; a
    # description
    # shows what the sources say, so they are left out wherever they would link the entity to something.
    asserted = "FILTER({} NOT IN (" + ", ".join(f"<{p}>" for p in ENTAILED_PROPERTIES) + "))"
    b1 = f"{e} ?a ?b . FILTER(isBlank(?b))"  # a blank node the entity points to
    b2 = f"{b1} ?b ?c ?d . FILTER(isBlank(?d))"  # ... and one that blank node points to
    into = f"?i ?x {e} . FILTER(isBlank(?i))"  # a blank node pointing at the entity
    # Blank nodes are shown with all their triples, IRIs by name, type and date: what the entity and its
    # blank-node closure point to, and what points to the entity.
    reached = (
        f"{e} ?a ?s {asserted.format('?a')}",
        f"{b1} ?b ?c ?s",
        f"{b2} ?d ?f ?s",
        f"?s ?x {e} {asserted.format('?x')}",
    )
    # The owners of the blank nodes that point at the entity (a meeting of a participation, an incident of
    # a claim), by name, type and date.
    owners = (f"{into} ?i ?y ?s", f"{into} ?s ?y ?i", f"{into} ?j ?y ?i . FILTER(isBlank(?j)) ?s ?z ?j")
    # The links to those blank nodes (one and two levels above the entity).
    owned = (f"{into} BIND(?i AS ?o)", f"{into} ?o ?y ?i . FILTER(isBlank(?o))")
    branches = [f"{e} ?p ?o BIND({e} AS ?s)", f"?s ?p {e} BIND({e} AS ?o)"]
    branches = [f"{b} {asserted.format('?p')}" for b in branches]
    branches += [f"{path} . ?s ?p ?o FILTER(isBlank(?s) || {summary})" for path in reached]
    branches += [f"{path} FILTER(isIRI(?s)) . ?s ?p ?o FILTER({summary})" for path in owners]
    branches += [f"{path} . ?s ?p ?o" for path in owned]
    union = "\n  UNION ".join(f"{{ {b} }}" for b in branches)
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{\n  {union}\n}}"


#: SPARQL CONSTRUCT of the concise bounded description (module docstring) of the entity bound to ``?e``.
#: The text is the same for every entity, so the service checks it once (a full rdflib parse, ~0.3 s) and
#: then only binds ``?e``: run it with ``bindings=describe_bindings(iri)``.
DESCRIBE_QUERY = _describe_query("?" + ENTITY_VARIABLE)


def describe_bindings(iri: str) -> dict[str, str]:
    """The bindings (variable -> N-Triples term) that make :data:`DESCRIBE_QUERY` describe ``iri``.

    Raises :class:`InvalidIri` when ``iri`` cannot be an IRI term.
    """
    return {ENTITY_VARIABLE: f"<{check_iri(iri)}>"}


def describe_query(iri: str) -> str:
    """The description query of ``iri`` as a self-contained text (the IRI written in), for stores and tools
    that cannot bind variables; the service uses :data:`DESCRIBE_QUERY` instead."""
    return _describe_query(f"<{check_iri(iri)}>")


def describe_in_store(store: ox.Store, iri: str) -> list[ox.Triple]:
    """Run :data:`DESCRIBE_QUERY` for ``iri`` in-process on a pyoxigraph ``Store`` (default graph = union).

    Returns the list of ``pyoxigraph.Triple`` of the description.
    """
    entity = ox.NamedNode(check_iri(iri))
    answer = store.query(
        DESCRIBE_QUERY, use_default_graph_as_union=True, substitutions={ox.Variable(ENTITY_VARIABLE): entity}
    )
    return list(answer)
