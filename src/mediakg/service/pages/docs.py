"""The ontology (``/ontology``) and the SHACL shapes (``/shapes``) as HTML documentation or RDF by ``Accept``,
and the JSON-LD ``@context`` (``/context.jsonld``) of the JSON-LD answers and dumps."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Request
from rdflib import Graph
from starlette.responses import Response

from mediakg.folder import SHAPES, BuildFolder
from mediakg.paths import project_paths
from mediakg.publish.export import jsonld_context
from mediakg.service import caching
from mediakg.service.pages import caches
from mediakg.service.pages.common import (
    CONTEXT_PATH,
    DATA_OFFERS,
    HTML,
    PAGE_OFFERS,
    NotAcceptable,
    alternates,
    data_location,
    finish,
    labels,
    link_header,
    linker,
    negotiate,
    not_acceptable,
    ontology,
    page,
    rdf_response,
    validators,
)
from mediakg.service.pages.docs_view import ontology_doc, shapes_doc

router = APIRouter()
PATHS = {"void": "/.well-known/void", "ontology": "/ontology", "shapes": "/shapes"}


def doc_response(request: Request, g: Graph, variant: str, render: Callable[[list], Response]) -> Response:
    """``g`` as RDF, or as the HTML that ``render(alternates)`` makes, by negotiation (``variant``: void,
    ontology or shapes; VoID prefers Turtle, the others HTML)."""
    offers = DATA_OFFERS if variant == "void" else PAGE_OFFERS
    try:
        media = negotiate(request, offers)
    except NotAcceptable as exc:
        return not_acceptable(request, PAGE_OFFERS, str(exc))
    alts = alternates(request, PATHS[variant], offers)
    etag, modified = validators(request, f"{variant}|{media}")
    cached = caching.conditional_response(
        request, etag, modified, {"Vary": "Accept", "Link": link_header(alts)}
    )
    if cached is not None:
        return cached
    if media != HTML:
        return rdf_response(request, g, media, etag, modified, link_header(alts))
    response = render(alts)
    response.headers["Link"] = link_header(alts)
    return finish(request, response, etag, modified)


@router.api_route("/ontology", methods=["GET", "HEAD"], include_in_schema=False)
async def ontology_page(request: Request) -> Response:
    """The ontology: HTML documentation from its labels and comments, or RDF by Accept."""
    g, _ = await ontology(request)
    lk = linker(request)
    return doc_response(
        request,
        g,
        "ontology",
        lambda alts: page(
            request,
            "ontology.html",
            {"doc": ontology_doc(g, lk), "title": "Ontology", "alternates": alts, "section": "ontology"},
        ),
    )


def shapes_graph(folder: Path) -> Graph:
    """The SHACL shapes in ``folder`` (the served build's copy of ``shapes/``), re-read when a file
    changes."""
    files = sorted(folder.glob("*.ttl"))
    key = tuple((str(f), f.stat().st_mtime_ns) for f in files)
    cached = caches.SHAPES.get(key)
    if cached is not None:
        return cached
    g = Graph()
    for f in files:
        g.parse(f, format="turtle")
    return caches.SHAPES.put(key, g)


@router.api_route("/shapes", methods=["GET", "HEAD"], include_in_schema=False)
async def shapes(request: Request) -> Response:
    """The SHACL shapes: HTML (each shape with target, constraints, messages), or RDF by Accept."""
    served = BuildFolder(data_location(request)).served(SHAPES, project_paths().shapes)
    g = await asyncio.to_thread(shapes_graph, served)
    lk = linker(request)
    names = await labels(request)
    return doc_response(
        request,
        g,
        "shapes",
        lambda alts: page(
            request,
            "shapes.html",
            {
                "shapes": shapes_doc(g, lk, names),
                "title": "Shapes",
                "alternates": alts,
                "section": "ontology",
            },
        ),
    )


@router.api_route(CONTEXT_PATH, methods=["GET", "HEAD"], include_in_schema=False)
async def context(request: Request) -> Response:
    """The JSON-LD ``@context`` of the JSON-LD answers and dumps (the project's prefixes)."""
    etag, modified = validators(request, "context")
    cached = caching.conditional_response(request, etag, modified)
    if cached is not None:
        return cached
    body = json.dumps(jsonld_context(), indent=2)
    return finish(request, Response(body, media_type="application/ld+json"), etag, modified, vary="")
