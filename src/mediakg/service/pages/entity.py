"""Entity IRIs: every ``<base_iri><path>`` (``settings.base_iri``, default
``https://w3id.org/mediakg/id/``) is answered at ``/id/<path>``: an HTML page, or its concise bounded
description (:mod:`mediakg.publish.describe`) as Turtle, JSON-LD, N-Triples or RDF/XML, chosen by ``Accept``
or ``?format=``.

A reported case's page also shows its acts (their own descriptions, from the same cache); a place's page the
cases and meetings at it or within it (``place-events.rq``).
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Request
from rdflib import RDF, Graph, URIRef
from starlette.responses import RedirectResponse, Response

from mediakg.graph.namespaces import MKG
from mediakg.publish import describe
from mediakg.publish.void import dataset_iri
from mediakg.service import caching
from mediakg.service.pages import caches
from mediakg.service.pages.common import (
    HTML,
    PAGE_OFFERS,
    NotAcceptable,
    alternates,
    construct,
    fingerprint,
    finish,
    labels,
    link_header,
    linker,
    negotiate,
    not_acceptable,
    not_found,
    page,
    rdf_response,
    select,
    validators,
)
from mediakg.service.pages.places import place_events
from mediakg.service.pages.view import entity_view

router = APIRouter()


@router.api_route("/id/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def entity(request: Request, path: str) -> Response:
    """The entity ``<base_iri><path>``: HTML page or RDF description by content negotiation."""
    lk = linker(request)
    iri = lk.iri_for_path(path)
    alts = alternates(request, f"/id/{quote(path, safe='/-_.~')}", PAGE_OFFERS)
    links = link_header(alts)
    try:
        media = negotiate(request, PAGE_OFFERS)
    except NotAcceptable as exc:
        return not_acceptable(request, PAGE_OFFERS, str(exc))
    etag, modified = validators(request, f"id/{path}|{media}")
    cached = caching.conditional_response(request, etag, modified, {"Vary": "Accept", "Link": links})
    if cached is not None:
        return cached
    g = await description(request, iri)
    if len(g) == 0:
        if iri == dataset_iri(lk.base_iri):
            return RedirectResponse(f"{lk.root}/.well-known/void", status_code=303)
        return not_found(request, media, f"No entity has the IRI {iri}.")
    if media != HTML:
        return rdf_response(request, g, media, etag, modified, links)
    view = entity_view(g, iri, lk, await labels(request), acts=await acts_of(request, g, iri))
    context = {"e": view, "title": view.label, "alternates": alts, "section": ""}
    if (URIRef(iri), RDF.type, MKG.Place) in g or (URIRef(iri), RDF.type, MKG.State) in g:
        context["here"] = place_events(
            await select(request, "place-events", bindings={"place": f"<{iri}>"}), lk
        )
    response = page(request, "entity.html", context)
    response.headers["Link"] = links
    return finish(request, response, etag, modified)


async def description(request: Request, iri: str) -> Graph:
    """The concise bounded description of ``iri`` (empty if unknown or not an IRI), cached per build so that
    the HTML page and the four RDF formats of an entity cost one query."""
    key = (fingerprint(request), iri)
    cached = caches.DESCRIPTIONS.get(key)
    if cached is not None:
        return cached
    try:
        bound = describe.describe_bindings(iri)
    except describe.InvalidIri:
        return Graph()
    # One query text for every entity (the entity is bound, not pasted): the worker checks it only once.
    g = await construct(request, describe.DESCRIBE_QUERY, bindings=bound)
    return caches.DESCRIPTIONS.put(key, g)


async def acts_of(request: Request, g: Graph, iri: str) -> dict[str, Graph]:
    """The descriptions of the acts of reported case ``iri`` (none for anything else), by act IRI."""
    acts = sorted(str(a) for a in g.objects(URIRef(iri), MKG.hasAct) if isinstance(a, URIRef))
    graphs = await asyncio.gather(*(description(request, a) for a in acts))
    return dict(zip(acts, graphs, strict=True))
