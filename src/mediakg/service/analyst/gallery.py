"""The question gallery: ``/questions`` (every named question), the question page that ``/api/<name>`` answers
to a browser (a form made from the ``.rq`` header, and the answer as a sortable table with entity links and
each row's sources, a CSV link and the SPARQL), and ``/api/_entities`` (entities by name, for the forms'
suggestions).

The page runs the question as the JSON API does (:func:`mediakg.questions.answers.ask`, parameters resolved by
:mod:`mediakg.questions.entities`), so the table and ``?format=json`` show the same rows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from mediakg import formats
from mediakg.errors import MediakgError, retry_headers
from mediakg.graph.namespaces import PREFIXES
from mediakg.graph.terms import qname
from mediakg.query.base import Executor
from mediakg.questions import answers, entities
from mediakg.questions.catalogue import ParamError, Question, bind_params, typed_term
from mediakg.service.analyst.common import base_iri, page_href, render, root_of
from mediakg.service.http import client_address
from mediakg.store.bind import inject_values

router = APIRouter(include_in_schema=False)

#: Most IRIs whose sources one page looks up (beyond, the table shows the sources the rows name), and how
#: many one query asks for.
MAX_SOURCE_LOOKUP = 5000
SOURCE_BATCH = 500
_SAFE_IRI = re.compile(r'^[^\s<>"{}|^`\\]+$')
_NUMERIC = re.compile(r"#(integer|decimal|double|float|int|long|nonNegativeInteger|positiveInteger)$")
PROV = "http://www.w3.org/ns/prov#"


def questions(request: Request) -> dict[str, Question]:
    """The named questions the app serves (``app.state.questions``: the served build's copy of ``queries/``,
    loaded once when the app is made, as the API's routes are)."""
    return request.app.state.questions


# ----------------------------------------------------------------------------------------------------------
# /questions
# ----------------------------------------------------------------------------------------------------------


@router.get("/questions")
async def gallery(request: Request) -> Response:
    """Every named question (or those of one topic, ``?tag=``): title, description, tags and parameters, each
    linking to its page."""
    every = sorted(questions(request).values(), key=lambda q: q.title.lower())
    tags = sorted({t for q in every for t in q.tags})
    tag = request.query_params.get("tag") or None
    listed = [q for q in every if tag is None or tag in q.tags]
    context = {"title": "Questions", "questions": listed, "tags": tags, "tag": tag, "total": len(every)}
    return render(request, "questions.html", context, status_code=200 if listed else 404)


# ----------------------------------------------------------------------------------------------------------
# /api/_entities
# ----------------------------------------------------------------------------------------------------------


def _unprocessable(param: str, message: str) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={"detail": [{"loc": ["query", param], "msg": message, "type": "value_error"}]},
    )


def expand(value: str) -> str | None:
    """An absolute http(s) IRI for ``value`` (an IRI or a prefixed name of the project), else None."""
    prefix, colon, rest = value.partition(":")
    if colon and prefix in PREFIXES and not rest.startswith("//"):
        value = PREFIXES[prefix] + rest
    return value if re.match(r"^https?://", value) and _SAFE_IRI.match(value) else None


@router.get("/api/_entities")
async def entities_by_name(request: Request) -> Response:
    """``?q=`` text (required), ``class=`` and ``scheme=`` (IRIs or prefixed names: only instances of the
    class, members of the scheme), ``like=`` (an IRI: entities of its kind first), ``limit=`` (1-50):
    ``{"q", "entities": [{"iri", "label", "kind", "short", "href", "matched"}]}``, best first."""
    params = request.query_params
    unknown = sorted(set(params) - {"q", "class", "scheme", "like", "limit"})
    if unknown:
        return _unprocessable(unknown[0], f"unknown parameter {unknown[0]!r} (q, class, scheme, like, limit)")
    text = " ".join(params.get("q", "").split())
    if not text or len(text) > 200:
        return _unprocessable("q", "q must be the text to look for (1 to 200 characters)")
    iris: dict[str, str] = {}
    for name in ("class", "scheme", "like"):
        if name in params:
            iri = expand(params[name])
            if iri is None:
                return _unprocessable(name, f"{name} must be an IRI or a prefixed name such as mkg:Place")
            iris[name] = iri
    limit = params.get("limit", str(entities.MAX_SUGGESTIONS))
    if not limit.isascii() or not limit.isdigit() or not 1 <= int(limit) <= 50:
        return _unprocessable("limit", "limit must be a number from 1 to 50")
    executor: Executor = request.app.state.executor
    client = client_address(request)
    try:
        like = await entities.kind_of(executor, [iris["like"]], client) if "like" in iris else None
        found = await entities.suggest(
            executor,
            text,
            classes=[iris["class"]] if "class" in iris else (),
            schemes=[iris["scheme"]] if "scheme" in iris else (),
            like=like,
            limit=int(limit),
            client=client,
        )
    except MediakgError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=retry_headers(exc))
    root, base = root_of(request), base_iri(request)
    listed = [{**c.as_json(), "href": page_href(c.iri, root, base)} for c in found]
    return JSONResponse({"q": text, "entities": listed})


# ----------------------------------------------------------------------------------------------------------
# The question page (/api/<name> for browsers)
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Field:
    """One parameter of the form: what it is, its value as given (or the default) and what is shown."""

    name: str
    type: str
    description: str
    required: bool
    value: str = ""
    shown: str = ""
    default: str | None = None
    example: str | None = None
    like: str = ""
    error: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Outcome:
    """What the page shows of one run: the fields, errors, the answer and its status."""

    fields: list[Field]
    errors: list[str] = field(default_factory=list)
    doc: dict[str, Any] | None = None
    status: int = 200
    resolved: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def _given(request: Request, question: Question) -> tuple[dict[str, str], list[str]]:
    """The parameter values of the request (an empty form field counts as not given) and the problems with
    the others (unknown or repeated names)."""
    given: dict[str, str] = {}
    problems = []
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
    for name, value in pairs:
        if name not in question.param_names:
            problems.append(
                f"unknown parameter {name!r} (parameters: {', '.join(question.param_names) or 'none'})"
            )
        elif [k for k, _ in pairs].count(name) > 1:
            problems.append(f"parameter {name!r} is given more than once")
        elif value.strip():
            given[name] = value.strip()
    return given, sorted(set(problems))


async def _labels(executor: Executor, iris: list[str], client: str | None) -> dict[str, str]:
    """Labels of ``iris`` (those that have one), through the store."""
    cells = [{"value": i, "type": "iri"} for i in iris]
    await answers.fill_labels(executor, [{"c": c} for c in cells], client)
    return {c["value"]: c["label"] for c in cells if "label" in c}


async def _fields(
    executor: Executor, question: Question, given: dict[str, str], client: str | None
) -> list[Field]:
    """The form's fields with their values; entity parameters show the label of their IRI."""
    out = []
    for p in question.params:
        value = given.get(p.name, p.default or "")
        like = ""
        if p.type == "iri":
            refs = entities.reference_iris(question, p.name)
            like = refs[0] if refs else ""
        out.append(Field(p.name, p.type, p.description, p.required, value, value, p.default, p.example, like))
    iris = {}
    for f in out:
        if f.type == "iri" and f.value and entities.is_iri_value(f.value):
            iris[f.name] = str(typed_term(question.param(f.name), f.value))  # type: ignore[arg-type]
    labels = await _labels(executor, sorted(set(iris.values())), client) if iris else {}
    for f in out:
        if f.name in iris:
            f.shown = labels.get(iris[f.name], qname(iris[f.name]))
            f.value = qname(iris[f.name])
    return out


async def _run(request: Request, question: Question) -> Outcome:
    """Check, resolve and bind the request's values and run the question; errors go to the page."""
    executor: Executor = request.app.state.executor
    client = client_address(request)
    given, problems = _given(request, question)
    outcome = Outcome(await _fields(executor, question, given, client), problems)
    if problems:
        outcome.status = 422
        return outcome
    try:
        outcome.resolved = await entities.resolve_params(executor, question, given, client)
        bind_params(question, outcome.resolved)
    except MediakgError as exc:  # a value that names nothing (or several things), or a busy store
        _refused(request, question, given, outcome, exc)
        return outcome
    if outcome.resolved != given:  # show the entities the names were taken to mean, by their labels
        outcome.fields = await _fields(executor, question, outcome.resolved, client)
    try:
        outcome.doc, _ = await answers.ask(executor, question, outcome.resolved, client=client)
    except MediakgError as exc:
        outcome.errors.append(str(exc))
        outcome.status = exc.status
        outcome.headers = retry_headers(exc)
    return outcome


def _refused(
    request: Request, question: Question, given: dict[str, str], outcome: Outcome, exc: MediakgError
) -> None:
    """Put why the values were refused on the page: at the field it concerns, with the candidates an
    ambiguous name may mean (each a link that uses it), or above the form."""
    field_ = next((f for f in outcome.fields if f.name == getattr(exc, "param", None)), None)
    if not isinstance(exc, ParamError):
        outcome.errors.append(str(exc))
        outcome.status, outcome.headers = exc.status, retry_headers(exc)
        return
    outcome.status = 422
    if field_ is None:
        outcome.errors.append(str(exc))
        return
    field_.error = str(exc)
    root, base = root_of(request), base_iri(request)
    field_.candidates = [
        {
            **c.as_json(),
            "href": page_href(c.iri, root, base),
            "use": _url(request, question, given, field_.name, qname(c.iri)),
        }
        for c in getattr(exc, "candidates", [])
    ]


def _url(request: Request, question: Question, given: dict[str, str], name: str, value: str) -> str:
    """The question's URL with ``name`` set to ``value`` (the other values as given)."""
    values = {**given, name: value}
    return f"{root_of(request)}/api/{question.name}?{urlencode(values)}"


# --------------------------------------------------------------------------- the answer as a table


@dataclass(frozen=True)
class Cell:
    """A table cell: text, link, sort key and whether it is a number."""

    text: str = ""
    href: str | None = None
    title: str = ""
    sort: str = ""
    number: bool = False


def shown_columns(columns: list[str]) -> list[str]:
    """The columns a table shows: a ``xLabel`` column is shown in its ``x`` column (as the link text)."""
    return [c for c in columns if not (c.endswith("Label") and c[: -len("Label")] in columns)]


def _cell(value: dict[str, Any] | None, root: str, base: str) -> Cell:
    if value is None:
        return Cell()
    if value["type"] == "iri":
        text = value.get("label") or qname(value["value"])
        return Cell(
            text, page_href(value["value"], root, base) or value["value"], value["value"], text.lower()
        )
    text = str(value["value"])
    if _NUMERIC.search(value.get("datatype", "")):
        return Cell(text, sort=text, number=True)
    return Cell(text, sort=text.lower())


async def row_sources(
    executor: Executor, doc: dict[str, Any], base: str, client: str | None
) -> list[list[dict[str, str]]]:
    """Each row's sources: the source texts its cells name, and those its entities are derived from."""
    source_base = base + "source/"
    iris = sorted(
        {
            c["value"]
            for row in doc["rows"]
            for c in row.values()
            if c
            and c["type"] == "iri"
            and _SAFE_IRI.match(c["value"])
            and not c["value"].startswith(source_base)
        }
    )
    derived: dict[str, set[str]] = {}
    iris = iris[:MAX_SOURCE_LOOKUP]
    for start in range(0, len(iris), SOURCE_BATCH):  # batches: a query text has a length limit
        query = (
            f"PREFIX prov: <{PROV}>\nSELECT ?s ?source WHERE {{ VALUES ?s {{ "
            + " ".join(f"<{i}>" for i in iris[start : start + SOURCE_BATCH])
            + " } ?s prov:wasDerivedFrom ?source }"
        )
        result = await executor.run(query, result_format=formats.SPARQL_JSON, lane="internal", client=client)
        for b in json.loads(result.body)["results"]["bindings"]:
            derived.setdefault(b["s"]["value"], set()).add(b["source"]["value"])
    out = []
    for row in doc["rows"]:
        found: set[str] = set()
        for c in row.values():
            if c and c["type"] == "iri":
                found |= (
                    {c["value"]} if c["value"].startswith(source_base) else derived.get(c["value"], set())
                )
        out.append([{"iri": s, "id": s[len(source_base) :]} for s in sorted(found)])
    return out


def _source_links(sources: list[list[dict[str, str]]], titles: dict[str, str], root: str, base: str) -> None:
    for row in sources:
        for s in row:
            s["href"] = page_href(s["iri"], root, base) or s["iri"]
            s["title"] = titles.get(s["iri"], s["id"])
            s["short"] = s["id"].split("_", 1)[0]


async def question_page(request: Request, question: Question) -> Response:
    """``/api/<name>`` for a browser: the form, and the answer to the values given (or the defaults)."""
    outcome = await _run(request, question)
    root, base = root_of(request), base_iri(request)
    columns: list[str] = []
    table: list[list[Cell]] = []
    sources: list[list[dict[str, str]]] = []
    sparql = question.sparql
    if outcome.doc is not None:
        executor: Executor = request.app.state.executor
        client = client_address(request)
        columns = shown_columns(outcome.doc["columns"])
        table = [[_cell(row.get(c), root, base) for c in columns] for row in outcome.doc["rows"]]
        try:
            sources = await row_sources(executor, outcome.doc, base, client)
            titles = await _labels(executor, sorted({s["iri"] for r in sources for s in r}), client)
        except MediakgError:  # the answer stands without them
            sources, titles = [], {}
        _source_links(sources, titles, root, base)
        bound = bind_params(question, outcome.resolved)
        sparql = inject_values(question.sparql, bound) if bound else question.sparql
    query_string = urlencode(outcome.resolved)
    link = f"{root}/api/{question.name}" + (f"?{query_string}" if query_string else "")
    joiner = "&" if query_string else "?"
    context = {
        "title": question.title,
        "question": question,
        "outcome": outcome,
        "columns": columns,
        "table": table,
        "sources": sources,
        "sparql": sparql,
        "csv_url": f"{link}{joiner}format=csv",
        "json_url": f"{link}{joiner}format=json",
        "editor_url": f"{root}/sparql#query={quote(sparql, safe='')}",
        "answer_url": link,
    }
    response = render(request, "question.html", context, status_code=outcome.status)
    response.headers.update({"Vary": "Accept", **outcome.headers})
    return response
