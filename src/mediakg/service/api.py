"""The question API: one documented GET operation per ``queries/*.rq`` file, generated at app start.

- ``GET /api`` lists the questions (name, title, description, tags, typed parameters, URL).
- ``GET /api/{name}?param=value`` answers one question. The default answer is JSON: ``{"question", "params",
  "columns", "rows": [{column: {"value", "type", "datatype", "label"}}]}``, where IRIs carry the label found
  in the question's ``<column>Label`` column or, failing that, looked up in the store. ``Accept: text/csv``
  or ``format=csv`` gives CSV, and any SPARQL results format (JSON, XML, TSV) is served by Accept or
  ``format=`` (``sparql-json``, ``xml``, ``tsv``) as the store writes it.
- A browser (``text/html`` preferred to every answer format, no ``format=``) gets the question page
  (:mod:`.analyst.gallery`): a form made from the header and the answer as a table.
- An ``iri`` parameter also takes a short name (``place/astana``, ``astana``) or a label (``Astana``); one
  entity of that name is bound, several answer 422 with ``ctx.candidates``
  (:mod:`mediakg.questions.entities`).
- Unknown parameters and values of the wrong type answer 422 with the reason; an unknown question 404.
- Answers carry ``ETag`` / ``Last-Modified`` (:mod:`.caching`: the build, plus a hash of the question's text,
  its parameter values and the media type) and ``Vary: Accept``; a matching ``If-None-Match`` (or an
  ``If-Modified-Since`` for an answer given before) gets ``304 Not Modified`` without running the question.

No route is written by hand per question: each operation is a function with an explicit signature of typed
``Query`` parameters (defaults, examples, descriptions), so ``/openapi.json`` and ``/docs`` show every
question and its parameters. Parameters are bound as RDF terms through the executor's bindings
(N-Triples text), never pasted into the query.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BeforeValidator

from mediakg import formats
from mediakg.errors import MediakgError, retry_headers
from mediakg.questions import answers, entities
from mediakg.questions.catalogue import (
    DATE_PATTERN,
    INTEGER_PATTERN,
    IRI_PATTERN,
    ParamError,
    Question,
    QuestionError,
    bind_params,
    effective_params,
)
from mediakg.service import caching, conneg
from mediakg.service.analyst.common import prefers_html
from mediakg.service.analyst.gallery import question_page
from mediakg.service.http import client_address

JSON = "application/json"
#: What a question can answer with, in order of preference (the first is the default).
OFFERS: tuple[str, ...] = (JSON, conneg.SPARQL_JSON, conneg.CSV, conneg.SPARQL_XML, conneg.TSV)
#: ``format=`` values: the registry's result formats by name, except that ``json`` is the API's own JSON
#: (the SPARQL results JSON is ``sparql-json``).
FORMATS: dict[str, str] = {
    **{f.name: f.media_type for f in formats.RESULTS},
    "json": JSON,
    "sparql-json": formats.SPARQL_JSON,
}
#: Patterns of the parameter types that have one (integers are typed, strings take anything).
PATTERNS = {"date": DATE_PATTERN, "iri": IRI_PATTERN}
#: Query-string names the API uses itself (a question parameter may not take them).
RESERVED = frozenset({"format"})


# ----------------------------------------------------------------------------------------------------------
# Answers
# ----------------------------------------------------------------------------------------------------------


def _unprocessable(param: str, message: str, candidates: list[Any] | None = None) -> JSONResponse:
    """422 in FastAPI's own validation-error shape, so clients read one format; an ambiguous entity name
    lists what it may mean in ``ctx.candidates``."""
    error: dict[str, Any] = {"loc": ["query", param], "msg": message, "type": "value_error"}
    if candidates:
        error["ctx"] = {"candidates": [c.as_json() for c in candidates]}
    return JSONResponse(status_code=422, content={"detail": [error]})


def _truncation(result: Any) -> dict[str, str]:
    """Headers saying that a row or size cap of the executor cut the answer."""
    if getattr(result, "truncated", False):
        return {"X-Result-Truncated": str(result.truncation or "true")}
    return {}


def _choose(request: Request, fmt: str | None) -> str | None:
    """The media type to answer with: ``format=`` wins, then Accept; None if nothing acceptable."""
    if fmt is not None:
        return FORMATS.get(fmt)
    return conneg.negotiate(request.headers.get("accept"), OFFERS)


async def answer(request: Request, question: Question, raw: Mapping[str, str], fmt: str | None) -> Response:
    """Run ``question`` with the raw parameter values through the executor and serialise the answer; a browser
    (``text/html`` preferred to every answer format, no ``format=``) gets the question page instead."""
    if fmt is None and prefers_html(request, OFFERS):
        return await question_page(request, question)
    given = [name for name, _ in request.query_params.multi_items()]
    repeated = sorted({name for name in given if given.count(name) > 1})
    if repeated:  # which one would count is a guess: refuse it, as /sparql does
        return _unprocessable(
            repeated[0], f"parameter {repeated[0]!r} is given {given.count(repeated[0])} times"
        )
    unknown = sorted(set(request.query_params) - set(question.param_names) - RESERVED)
    if unknown:
        allowed = ", ".join(question.param_names) or "none"
        return _unprocessable(unknown[0], f"unknown parameter {unknown[0]!r} (parameters: {allowed}, format)")
    try:  # entity parameters given by name (short name or label) become IRIs
        raw = await entities.resolve_params(
            request.app.state.executor, question, raw, client=client_address(request)
        )
        bound = bind_params(question, raw)
    except ParamError as exc:
        return _unprocessable(exc.param, str(exc), getattr(exc, "candidates", None))
    except MediakgError as exc:
        return JSONResponse(status_code=exc.status, content={"detail": str(exc)}, headers=retry_headers(exc))
    media = _choose(request, fmt)
    if media is None:
        if fmt is not None:
            return _unprocessable("format", f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
        return JSONResponse(status_code=406, content={"detail": f"can answer with {', '.join(OFFERS)}"})
    shown = effective_params(question, raw)
    vary = {"Vary": "Accept"}
    validators = caching.request_validators(
        request, caching.request_variant("api", question.name, question.sparql, shown, bound, media)
    )
    if validators is not None:
        not_modified = caching.not_modified_before_answer(request, *validators, vary)
        if not_modified is not None:
            return not_modified
    response = await _run(request, question, raw, media)
    if validators is None or response.status_code != 200:
        return response
    response.headers.update(vary)
    caching.remember_answer(validators[0])
    not_modified = caching.conditional_response(request, *validators, vary)  # If-Modified-Since only
    return not_modified if not_modified is not None else caching.set_validators(response, *validators)


async def _run(request: Request, question: Question, raw: Mapping[str, str], media: str) -> Response:
    """The answer to ``question`` with the raw parameter values as ``media``."""
    try:
        doc, result = await answers.ask(
            request.app.state.executor,
            question,
            raw,
            media_type=None if media == JSON else media,
            client=client_address(request),
        )
    except MediakgError as exc:  # each carries its HTTP status
        return JSONResponse(status_code=exc.status, content={"detail": str(exc)}, headers=retry_headers(exc))
    if doc is None:
        return Response(content=result.body, media_type=result.media_type, headers=_truncation(result))
    return JSONResponse(doc, headers=_truncation(result))


# ----------------------------------------------------------------------------------------------------------
# Route generation
# ----------------------------------------------------------------------------------------------------------


def _query_param(question: Question, index: int) -> inspect.Parameter:
    """The FastAPI ``Query`` parameter (typed, documented) for one declared question parameter."""
    p = question.params[index]
    extra: dict[str, Any] = {"x-mediakg-type": p.type}
    annotation: Any = str
    default: Any = p.default
    example: Any = p.example
    if p.type == "integer":
        annotation = Annotated[int, BeforeValidator(_ascii_integer)]
        default = int(p.default) if p.default is not None else None
        example = int(p.example) if p.example is not None else None
    elif p.type in PATTERNS:
        # published as is; the handler (mediakg.questions.catalogue) checks the same pattern, with a readable
        # message
        extra["pattern"] = PATTERNS[p.type]
    description = p.description or p.name
    description += {
        "date": " Format: YYYY-MM-DD, YYYY-MM or YYYY.",
        "iri": " An absolute IRI, or a prefixed name such as id:law/…; also a short name (law/…, or its last"
        " part) or a name as the graph spells it, if it names one entity (else 422 with the candidates).",
        "integer": "",
        "string": "",
    }[p.type]
    query = Query(
        ... if p.required else default,
        alias=p.name,
        description=description,
        examples=[example] if example is not None else None,
        json_schema_extra=extra,
    )
    if not p.required:
        annotation = annotation | None
    return inspect.Parameter(
        f"p_{index}", inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=query
    )


def _ascii_integer(value: Any) -> Any:
    """An integer parameter as written: pydantic alone also takes `` 1``, ``1_000`` and ``1.0``."""
    if isinstance(value, str) and not re.fullmatch(INTEGER_PATTERN, value):
        raise ValueError(f"{value!r} is not an integer (an optional sign and ASCII digits)")
    return value


def _endpoint(question: Question) -> Callable[..., Any]:
    """A route function for ``question`` whose signature declares its parameters for FastAPI and OpenAPI."""

    async def endpoint(request: Request, **values: Any) -> Response:
        fmt = values.pop("fmt", None)
        raw = {
            p.name: str(values[f"p_{i}"])
            for i, p in enumerate(question.params)
            if values.get(f"p_{i}") is not None
        }
        return await answer(request, question, raw, fmt)

    parameters = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
    parameters += [_query_param(question, i) for i in range(len(question.params))]
    parameters.append(
        inspect.Parameter(
            "fmt",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Literal[tuple(FORMATS)] | None,  # type: ignore[valid-type]
            default=Query(
                None,
                alias="format",
                description=f"Answer format instead of the Accept header: {', '.join(FORMATS)}",
                examples=["csv"],
            ),
        )
    )
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = "question_" + question.name.replace("-", "_")
    return endpoint


_DETAIL = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
_VALIDATION = {  # FastAPI's own shape; the API's own 422s use it too
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        }
    },
}
_CELL = {
    "type": "object",
    "required": ["value", "type"],
    "properties": {
        "value": {"type": "string"},
        "type": {"enum": ["iri", "bnode", "literal"]},
        "datatype": {"type": "string"},
        "lang": {"type": "string"},
        "label": {"type": "string"},
    },
}
_ANSWER = {
    "type": "object",
    "required": ["question", "params", "columns", "rows"],
    "properties": {
        "question": {"type": "string"},
        "params": {"type": "object", "additionalProperties": {"type": "string"}},
        "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {
            "type": "array",
            "items": {"type": "object", "additionalProperties": {"anyOf": [{"type": "null"}, _CELL]}},
        },
        "truncated": {"type": ["string", "boolean"]},
    },
}
_VALIDATORS = {
    "ETag": {"description": "Weak validator of this answer (build, question, parameters, format)"},
    "Last-Modified": {"description": "Time of the build the answer comes from"},
}


def _json(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}, **extra}


def error_responses() -> dict[int | str, dict[str, Any]]:
    """The failures every question and the list can answer with (besides their 200)."""
    retry = {
        "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}
    }
    return {
        304: {"description": "Not Modified: the If-None-Match / If-Modified-Since validators match"},
        406: _json("No acceptable answer format (Accept)", _DETAIL),
        422: _json("Unknown parameter or a value of the wrong type; detail names the parameter", _VALIDATION),
        429: _json("Too many requests from this client; try again after Retry-After", _DETAIL, headers=retry),
        503: _json("The query ran past its time limit or the store is unavailable", _DETAIL, headers=retry),
    }


def _responses() -> dict[int | str, dict[str, Any]]:
    row_example = {
        "value": "https://w3id.org/mediakg/id/person/marat-tazhin",
        "type": "iri",
        "label": "Marat Tazhin",
    }
    example = {
        "question": "name",
        "params": {},
        "columns": ["person", "personLabel"],
        "rows": [{"person": row_example, "personLabel": None}],
    }
    answer = "The answer: JSON rows with labels (default), CSV, or a SPARQL results format"
    text = {"schema": {"type": "string"}}
    return {
        200: {
            "description": answer,
            "headers": {
                **_VALIDATORS,
                "X-Result-Truncated": {"description": "Present when a row or size cap cut the answer"},
            },
            "content": {
                JSON: {"schema": _ANSWER, "example": example},
                conneg.CSV: text,
                conneg.SPARQL_JSON: {"schema": {"type": "object"}},
                conneg.SPARQL_XML: text,
                conneg.TSV: text,
                conneg.HTML: {"schema": {"type": "string"}, "example": "<!doctype html>… (question page)"},
            },
        },
        **error_responses(),
    }


def make_router(questions: Mapping[str, Question]) -> APIRouter:
    """A router with ``GET /api`` and one documented operation per question of ``questions`` (by name)."""
    for q in questions.values():
        clash = RESERVED & set(q.param_names)
        if clash:
            raise QuestionError(
                f"{q.path}: parameter name(s) reserved by the API: {', '.join(sorted(clash))}"
            )
    router = APIRouter()

    async def list_questions(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        doc = {"questions": [{**q.as_json(), "url": f"{base}/api/{q.name}"} for q in questions.values()]}
        validators = caching.request_validators(request, caching.request_variant("api-list", doc))
        if validators is None:
            return JSONResponse(doc)
        not_modified = caching.conditional_response(request, *validators)
        return (
            not_modified
            if not_modified is not None
            else caching.set_validators(JSONResponse(doc), *validators)
        )

    listing = {"type": "object", "required": ["questions"], "properties": {"questions": {"type": "array"}}}
    router.add_api_route(
        "/api",
        list_questions,
        methods=["GET"],
        tags=["questions"],
        summary="List the named questions",
        description="Every question with its title, description, tags, typed parameters and URL.",
        responses={
            200: _json("The questions", listing, headers=_VALIDATORS),
            304: error_responses()[304],
        },
        response_class=JSONResponse,
    )
    for q in questions.values():
        router.add_api_route(
            f"/api/{q.name}",
            _endpoint(q),
            methods=["GET"],
            tags=["questions"],
            summary=q.title,
            description=f"{q.description}\n\nTags: {', '.join(q.tags)}. Query file: `queries/{q.path.name}`.",
            operation_id=f"question_{q.name.replace('-', '_')}",
            responses=_responses(),
            response_class=Response,
        )

    async def unknown_question(name: str) -> JSONResponse:
        known = ", ".join(questions)
        return JSONResponse(status_code=404, content={"detail": f"no question {name!r} (questions: {known})"})

    router.add_api_route("/api/{name}", unknown_question, methods=["GET"], include_in_schema=False)
    return router
