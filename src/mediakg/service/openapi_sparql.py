"""The OpenAPI description of ``/sparql`` (parameters, bodies, every status and media type it answers with).

The route reads its parameters itself (the SPARQL protocol repeats names and takes two bodies), so FastAPI
cannot derive them from a signature: :mod:`.sparql_endpoint` passes these dicts to its route declarations.
"""

from __future__ import annotations

from typing import Any

from mediakg.service import conneg

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
PLAIN = "text/plain"

_TEXT = {"schema": {"type": "string"}}
_GRAPHS = {"type": "array", "items": {"type": "string"}}
_FORMAT_HELP = (
    "Answer format instead of the Accept header: a name (json, xml, csv, tsv for SELECT/ASK; turtle, nt, "
    "jsonld, rdfxml, trig, nquads, json, xml for CONSTRUCT/DESCRIBE and the service description; html for "
    "the query form) or a media type. An unknown name is 400, one that does not fit the query form 406."
)


def _param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    array = schema.get("type") == "array"
    extra = {"style": "form", "explode": True} if array else {}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        **extra,
    }


PARAMETERS = [
    _param(
        "query", {"type": "string"}, "The SPARQL 1.1 query. Without it, GET answers the service description."
    ),
    _param("default-graph-uri", _GRAPHS, "Graphs whose merge is the default graph (repeatable)."),
    _param("named-graph-uri", _GRAPHS, "The named graphs of the dataset (repeatable)."),
    _param("format", {"type": "string"}, _FORMAT_HELP),
]


def _error(description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {PLAIN: _TEXT}, **extra}


_RETRY = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}
}
_RESULTS = {media: {} for media in (*conneg.SOLUTION_TYPES, *conneg.GRAPH_TYPES)}


def _responses(get: bool) -> dict[int | str, dict[str, Any]]:
    ok = "Query results (SELECT/ASK: SPARQL JSON, XML, CSV, TSV; CONSTRUCT/DESCRIBE: an RDF format)"
    content = dict(_RESULTS)
    if get:
        ok += "; without a query the service description (Turtle by default) or, for browsers, a query form"
        content[conneg.HTML] = {}
    responses: dict[int | str, dict[str, Any]] = {
        200: {"description": ok, "content": content},
        400: _error(
            "Not a query the endpoint runs: syntax, SERVICE, a parameter given twice, an unknown format"
        ),
        403: _error("An update (the endpoint is read-only)"),
        406: _error("No result format fits the Accept header or format parameter"),
        429: _error("Too many queries from this client; try again after Retry-After", headers=_RETRY),
        503: _error("The query ran past its time or memory limit, or no worker is available", headers=_RETRY),
    }
    if get:
        responses[304] = {
            "description": "Not Modified: the If-None-Match / If-Modified-Since validators match"
        }
    else:
        responses[415] = _error(f"The body is neither {FORM} nor {SPARQL_QUERY}")
    return responses


_FORM_SCHEMA = {
    "type": "object",
    "required": ["query"],
    "properties": {p["name"]: p["schema"] for p in PARAMETERS},
}
_FORM_ENCODING = {
    name: {"style": "form", "explode": True} for name in ("default-graph-uri", "named-graph-uri")
}

#: ``responses`` and ``openapi_extra`` of ``GET /sparql`` and ``POST /sparql``.
GET = {"responses": _responses(get=True), "openapi_extra": {"parameters": PARAMETERS}}
POST = {
    "responses": _responses(get=False),
    "openapi_extra": {
        "parameters": [p for p in PARAMETERS if p["name"] != "query"],
        "requestBody": {
            "required": True,
            "content": {
                FORM: {"schema": _FORM_SCHEMA, "encoding": _FORM_ENCODING},
                SPARQL_QUERY: {"schema": {"type": "string"}},
            },
        },
    },
}
