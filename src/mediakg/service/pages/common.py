"""What every page route shares: the request's context (settings, base IRI, links), running the pages'
packaged queries through the executor, content negotiation, validators (ETag / Last-Modified), and
rendering a template or an RDF graph.

The pages' SPARQL lives in ``pages/queries/<name>.rq`` (:func:`query_text`), run like the named questions:
through ``app.state.executor`` on the internal lane, parameters bound as N-Triples terms, never pasted.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from rdflib import BNode, Graph, Literal, Node, URIRef
from starlette.responses import Response

from mediakg import formats
from mediakg.graph.namespaces import ID_BASE, ONTOLOGY_IRI, PREFIXES
from mediakg.paths import project_paths
from mediakg.publish.export import jsonld_context
from mediakg.service import caching, conneg
from mediakg.service.docs_pages import vendor_url
from mediakg.service.http import client_address
from mediakg.service.pages import caches
from mediakg.service.pages.labels import term_labels
from mediakg.service.pages.render import Linker

PACKAGE = Path(__file__).resolve().parents[2]
templates = Jinja2Templates(directory=str(PACKAGE / "templates"))
templates.env.globals["vendor_url"] = vendor_url

HTML = formats.HTML
#: The RDF formats an entity, the ontology, the shapes and VoID are offered in, server preference first.
RDF_OFFERS = tuple(formats.by_name(name, "graph") for name in ("turtle", "jsonld", "nt", "rdfxml"))
BY_MEDIA = {f.media_type: f for f in RDF_OFFERS}
PAGE_OFFERS = (HTML, *BY_MEDIA)  # HTML first: browsers sending */* get the page
DATA_OFFERS = (*BY_MEDIA, HTML)  # Turtle first: the document is RDF (void)
CONTEXT_PATH = "/context.jsonld"
#: Rows an internal query may return where the pages need them all (the search index, class listings).
ALL_ROWS = 1_000_000


class NotAcceptable(Exception):
    """None of the offered representations fits the request's Accept header."""


# --------------------------------------------------------------------------- context of a request


def _settings(request: Request) -> Any:
    return getattr(request.app.state, "settings", None)


def base_iri(request: Request) -> str:
    """The public base of entity IRIs for this app (settings ``base_iri``)."""
    return getattr(_settings(request), "base_iri", None) or ID_BASE


def data_location(request: Request) -> Path:
    """The build folder (or dataset file) the app serves."""
    data = getattr(_settings(request), "data", None)
    return Path(data) if data else project_paths().build


def root(request: Request) -> str:
    """The app's root path behind a proxy ("" when served at /)."""
    return request.scope.get("root_path", "").rstrip("/")


def linker(request: Request) -> Linker:
    return Linker(base_iri(request), root(request))


def public_url(request: Request) -> str:
    """The address this app is reached at, ending in ``/`` (behind a proxy: honours ``root_path``)."""
    return str(request.base_url)


# --------------------------------------------------------------------------- queries


@functools.cache
def query_text(name: str) -> str:
    """The SPARQL of ``pages/queries/<name>.rq`` (package data)."""
    return resources.files(__package__).joinpath("queries", f"{name}.rq").read_text(encoding="utf-8")


async def run_query(request: Request, sparql: str, result_format: str, **kwargs: Any) -> bytes:
    """Run ``sparql`` through the app's executor (worker processes, time limit) and return the body."""
    result = await request.app.state.executor.run(
        sparql, result_format=result_format, lane="internal", client=client_address(request), **kwargs
    )
    return result.body


async def construct(request: Request, sparql: str, **kwargs: Any) -> Graph:
    """Run a CONSTRUCT through the executor (``kwargs``: e.g. ``bindings``) and parse it into an rdflib
    Graph."""
    body = await run_query(request, sparql, formats.NTRIPLES, **kwargs)
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    g.parse(data=body.decode("utf-8"), format="nt")
    return g


def _term(binding: dict[str, str]) -> Node:
    """An rdflib term from one SPARQL JSON results binding."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    return Literal(value, datatype=URIRef(datatype) if datatype else None)


async def select(request: Request, name: str, **kwargs: Any) -> list[dict[str, Node]]:
    """Run the SELECT ``pages/queries/<name>.rq``; rows as ``{variable: rdflib term}`` (unbound ones left
    out). ``kwargs`` go to the executor, e.g. ``bindings={"class": "<iri>"}``."""
    body = await run_query(request, query_text(name), formats.SPARQL_JSON, **kwargs)
    data = json.loads(body)
    return [{k: _term(v) for k, v in row.items()} for row in data["results"]["bindings"]]


async def ontology(request: Request) -> tuple[Graph, dict[str, str]]:
    """The ontology named graph of the build and the friendly names of all terms (fetched once per build)."""
    key = fingerprint(request)
    cached = caches.ONTOLOGY.get(key)
    if cached is not None:
        return cached
    g = await construct(request, query_text("ontology-graph"), bindings={"graph": f"<{ONTOLOGY_IRI}>"})
    return caches.ONTOLOGY.put(key, (g, term_labels(g)))


async def labels(request: Request) -> dict[str, str]:
    """Term IRI -> friendly name (the ontology's labels over :data:`.labels.FRIENDLY`)."""
    return (await ontology(request))[1]


# --------------------------------------------------------------------------- negotiation and validators


def negotiate(request: Request, offers: tuple[str, ...]) -> str:
    """The media type to answer with: ``?format=`` wins, then the Accept header; raises NotAcceptable."""
    fmt = request.query_params.get("format")
    try:
        chosen = conneg.choose(request.headers.get("accept"), fmt, "graph", offers)
    except conneg.UnknownFormat as exc:
        raise NotAcceptable(str(exc)) from exc
    if chosen is None:
        raise NotAcceptable(
            f"format {fmt!r} is not offered" if fmt else "no offered type fits the Accept header"
        )
    return chosen


def alternates(request: Request, path: str, offers: tuple[str, ...]) -> list[dict[str, str]]:
    """The other representations of ``path``: media type, name and ``?format=`` URL."""
    out = []
    for media in offers:
        name = "html" if media == HTML else BY_MEDIA[media].name
        title = "HTML" if media == HTML else BY_MEDIA[media].label
        out.append({"type": media, "name": title, "href": f"{root(request)}{path}?format={name}"})
    return out


def link_header(alts: list[dict[str, str]], extra: str = "") -> str:
    links = [f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in alts]
    return ", ".join(links + ([extra] if extra else []))


def fingerprint(request: Request) -> str:
    """What identifies the served build (changes when it does)."""
    return validators(request, "")[0]


def validators(request: Request, variant: str) -> tuple[str, datetime]:
    """ETag and Last-Modified of this answer: the build fingerprint plus the representation ``variant``."""
    return caching.build_validators(data_location(request), variant)


def finish(
    request: Request, response: Response, etag: str, modified: datetime, vary: str = "Accept"
) -> Response:
    caching.set_validators(response, etag, modified)
    if vary:
        response.headers["Vary"] = vary
    return response


def not_acceptable(request: Request, offers: tuple[str, ...], message: str) -> Response:
    body = f"406 Not Acceptable: {message}. Available: {', '.join(offers)}\n"
    return Response(body, status_code=406, media_type="text/plain", headers={"Vary": "Accept"})


# --------------------------------------------------------------------------- rendering


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render template ``name`` with the values every page uses (see the top of ``base.html``)."""
    ctx = {"root": root(request), "alternates": [], "title": "mediakg", "section": ""}
    ctx.update(context)
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def error_page(request: Request, status: int, heading: str, message: str) -> Response:
    """An HTML error page (404 Not found, 400 Bad request, ...) that says what was wrong."""
    return page(request, "error.html", {"heading": heading, "message": message, "title": heading}, status)


def not_found(request: Request, media: str, message: str) -> Response:
    if media == HTML:
        return error_page(request, 404, "Not found", message)
    return Response(message + "\n", status_code=404, media_type="text/plain", headers={"Vary": "Accept"})


def serialize(g: Graph, fmt: formats.Format) -> bytes:
    """``g`` in format ``fmt``; JSON-LD compacted with the published context (inlined: it stands alone)."""
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    if fmt.media_type == formats.JSONLD:
        return g.serialize(format="json-ld", context=jsonld_context()["@context"], auto_compact=True).encode()
    return g.serialize(format=fmt.rdflib, encoding="utf-8")


def rdf_response(
    request: Request, g: Graph, media: str, etag: str, modified: datetime, links: str
) -> Response:
    fmt = BY_MEDIA[media]
    headers = {"Link": links}
    if media == formats.JSONLD:
        ctx = public_url(request).rstrip("/") + CONTEXT_PATH
        headers["Link"] += (
            f', <{ctx}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
        )
    response = Response(serialize(g, fmt), media_type=media, headers=headers)
    return finish(request, response, etag, modified)
