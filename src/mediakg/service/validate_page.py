"""``/validate``: check a contributor's data file against the shapes together with the data the service
serves, as ``mediakg validate FILE`` does with the project's data, without writing anything.

``GET /validate`` is a form to paste or upload a file. ``POST /validate`` takes the file as the body
(``text/turtle``, ``application/trig``, ``application/n-triples``, ``application/ld+json``; ``?name=`` as
in ``data/<name>``) or as that form (``multipart/form-data``: ``text`` or ``file``, ``format``, ``name``),
and answers the report as JSON or, for a browser, as a page listing each problem with its line or focus
node, the constraint and its message.

The file is untrusted: it is read up to ``validate_max_bytes`` (413 beyond), parsed by the same code and
with the same refusals as the command line (:mod:`mediakg.graph.parse`: no JSON-LD context is fetched or read
from a file), and validated in a process of its own with a memory limit, no network and a time limit
(:mod:`.validate_worker`: killed at the limit, 503); ``validate_concurrency`` run at once (429 beyond).
Statuses: 200 a report (``conforms`` true or false), 422 a report of a file that does not parse (line
and message), 400 a malformed request, 406 no acceptable answer type, 413, 415 a format other than the four,
429, 503; never a 500.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from mediakg import formats
from mediakg.errors import MediakgError
from mediakg.folder import BuildFolder
from mediakg.paths import project_paths
from mediakg.progress import PARSE
from mediakg.service import conneg, openapi_validate, validate_worker
from mediakg.service.pages.common import data_location, page
from mediakg.service.settings import Settings
from mediakg.validation.posted import PostedReport

router = APIRouter()

#: The formats a file may be posted in, by media type.
ACCEPTED: dict[str, formats.Format] = {
    f.media_type: f for f in (formats.by_name(n, "graph") for n in ("turtle", "trig", "nt", "jsonld"))
}
BY_NAME = {f.name: f for f in ACCEPTED.values()}
FORM = "multipart/form-data"
JSON, HTML = "application/json", formats.HTML
ANSWERS = (JSON, HTML)  # a client that states no preference gets JSON
#: A file name as in ``data/<name>`` (no folders): its stem names the graph the file fills.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
DEFAULT_NAME = "posted"
#: Bytes a form may carry beyond the file itself (field names, boundaries, the other fields).
FORM_OVERHEAD = 16 * 1024
#: Seconds a client should wait after 429 (a typical validation takes a few seconds) and after 503.
RETRY_BUSY, RETRY_STOPPED = 5, 10
_STOPPED_STATUS = {"timeout": 503, "memory": 503, "unavailable": 503, "failed": 422}


class RequestError(Exception):
    """A request that cannot be validated: its HTTP status and the reason, in words."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = {"Retry-After": str(retry_after)} if retry_after else {}


@dataclass
class Posted:
    """The file of a request: its bytes, its name (with the extension of its format) and, for the form,
    the pasted text and the name typed in, to show again."""

    data: bytes
    name: str
    format: formats.Format
    text: str = ""
    typed_name: str = ""


# --------------------------------------------------------------------------- plain words

#: What each constraint component checks, in plain words (the shapes' own messages say the details).
CONSTRAINTS = {
    "sh:MinCountConstraintComponent": "a required statement is missing",
    "sh:MaxCountConstraintComponent": "more values than allowed",
    "sh:QualifiedMinCountConstraintComponent": "a required value of a certain kind is missing",
    "sh:QualifiedMaxCountConstraintComponent": "too many values of a certain kind",
    "sh:DatatypeConstraintComponent": "a value of the wrong datatype",
    "sh:ClassConstraintComponent": "points to something of the wrong class (or to nothing described)",
    "sh:NodeKindConstraintComponent": "the wrong kind of value (IRI, blank node or literal)",
    "sh:InConstraintComponent": "a value outside the allowed list",
    "sh:HasValueConstraintComponent": "a required value is missing",
    "sh:PatternConstraintComponent": "a value that does not have the required form",
    "sh:MinLengthConstraintComponent": "a value that is too short",
    "sh:MaxLengthConstraintComponent": "a value that is too long",
    "sh:UniqueLangConstraintComponent": "two values in the same language",
    "sh:LanguageInConstraintComponent": "a language that is not allowed",
    "sh:OrConstraintComponent": "a value in none of the allowed forms",
    "sh:XoneConstraintComponent": "a value in none, or more than one, of the allowed forms",
    "sh:AndConstraintComponent": "a value that does not have the required shape",
    "sh:NotConstraintComponent": "a value that has a forbidden shape",
    "sh:NodeConstraintComponent": "a value that does not have the required shape",
    "sh:LessThanConstraintComponent": "values in the wrong order",
    "sh:LessThanOrEqualsConstraintComponent": "values in the wrong order",
    "sh:EqualsConstraintComponent": "values that should be equal differ",
    "sh:DisjointConstraintComponent": "values that should differ are equal",
    "sh:ClosedConstraintComponent": "a property this kind of node may not have",
    "sh:SPARQLConstraintComponent": "a rule of the data model",
    "mkg:WellFormedLiteral": "a literal that is not valid for its datatype",
    "mkg:QuoteInSourceText": "an evidence quote that is not in its source text",
}
for _bound in ("MinInclusive", "MaxInclusive", "MinExclusive", "MaxExclusive"):
    CONSTRAINTS[f"sh:{_bound}ConstraintComponent"] = "a value out of the allowed range"


def constraint_words(component: str, kind: str) -> str:
    """What the constraint ``component`` checks, in plain words."""
    if kind == PARSE:
        return "the file could not be read"
    return CONSTRAINTS.get(component, component.rpartition(":")[2].removesuffix("ConstraintComponent"))


def report_json(report: PostedReport) -> dict[str, Any]:
    """The report as the JSON answer (see ``REPORT_SCHEMA``)."""
    return {
        "conforms": report.conforms,
        "parsed": report.parsed,
        "file": {
            "name": report.file,
            "format": formats.by_extension(report.file).name,
            "triples": report.triples,
            "graphs": report.graphs,
            "replaces": report.replaced,
        },
        "validated_triples": report.data_triples,
        "engine": report.engine or None,
        "violations": report.violations,
        "warnings": report.warnings,
        "problems": [
            {
                "kind": p.kind,
                "in_file": report.in_file(p),
                "file": p.file,
                "line": p.line,
                "focus": p.focus or None,
                "path": p.path or None,
                "constraint": p.component or None,
                "constraint_words": constraint_words(p.component, p.kind),
                "message": p.message,
                "text": p.render(),
            }
            for p in report.problems
        ],
        "quotes": {"checked": report.quotes_checked, "unchecked": report.quotes_unchecked},
        "seconds": round(report.seconds, 3),
    }


# --------------------------------------------------------------------------- reading the request


async def read_body(request: Request, limit: int, file_limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes (never held whole); the
    message names ``file_limit``, the limit of the file it carries."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestError(413, _too_large(f"{int(declared):,} bytes", file_limit))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, _too_large(f"more than {file_limit:,} bytes", file_limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: str, limit: int) -> str:
    return (
        f"the file is too large ({size}): this service validates files of up to {limit:,} bytes "
        "(split it, or run `mediakg validate FILE` locally)"
    )


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _unsupported(what: str) -> RequestError:
    accepted = ", ".join(f"{f.label} ({f.media_type})" for f in ACCEPTED.values())
    return RequestError(415, f"{what} is not accepted here; post {accepted}, or the form ({FORM})")


def file_name(name: str | None, fmt: formats.Format, where: str) -> str:
    """``name`` (a file name as in ``data/``, or just its stem) with the extension of ``fmt``."""
    name = (name or "").strip() or DEFAULT_NAME
    if not NAME.match(name):
        raise RequestError(
            400,
            f"{where} {name[:100]!r} is not a file name: use letters, digits, '.', '_' and '-' only "
            "(e.g. 004_5fc3c1fc3dcca73a.ttl), at most 100 characters",
        )
    try:
        formats.by_extension(name)
        stem = Path(name).stem  # 004_5fc3c1fc3dcca73a.ttl posted as TriG is 004_5fc3c1fc3dcca73a.trig
    except formats.UnknownFormat:
        stem = name
    return stem + fmt.extension


async def read_posted(request: Request, settings: Settings) -> Posted:
    """The posted file, from a raw body or from the form; RequestError (400, 413, 415) otherwise."""
    media = _media_type(request)
    limit = settings.validate_max_bytes
    if media in ACCEPTED:
        fmt = ACCEPTED[media]
        name = file_name(request.query_params.get("name"), fmt, "the name parameter")
        return Posted(await read_body(request, limit, limit), name, fmt)
    if media == FORM:
        return await _read_form(request, await read_body(request, limit + FORM_OVERHEAD, limit), limit)
    try:
        known = formats.by_media_type(media)
    except formats.UnknownFormat:
        known = None
    if known is None or known.kind != "graph":
        raise _unsupported(f"Content-Type {media or '(none)'}")
    raise _unsupported(f"{known.label} ({known.media_type})")


class _InMemoryParser(MultiPartParser):
    # The body is already read and bounded: an upload never rolls over into a temporary file on disk.
    spool_max_size = 1 << 62


async def _read_form(request: Request, body: bytes, limit: int) -> Posted:
    async def stream() -> AsyncIterator[bytes]:
        yield body

    parser = _InMemoryParser(
        Headers({"content-type": request.headers.get("content-type", "")}),
        stream(),
        max_files=1,
        max_fields=8,
        max_part_size=limit + 1,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise RequestError(400, f"the form could not be read: {exc.message}") from None
    text, upload = form.get("text"), form.get("file")
    if isinstance(text, UploadFile) or (upload is not None and not isinstance(upload, UploadFile)):
        raise RequestError(400, "the form field text must be text and the field file a file")
    data = await upload.read() if upload is not None else b""
    text = text or ""
    if data and text.strip():
        raise RequestError(400, "the form has both a pasted text and a file: give one of them")
    if not data and not text.strip():
        raise RequestError(400, "the form has no file: paste its text or choose a file to upload")
    filename = _safe_name(upload.filename) if data and upload is not None else ""
    fmt = _form_format(form.get("format"), filename)
    if not data:
        data = text.encode("utf-8")
    if len(data) > limit:
        raise RequestError(413, _too_large(f"{len(data):,} bytes", limit))
    typed = str(form.get("name") or "").strip()
    name = file_name(typed or filename, fmt, "the file name")
    return Posted(data, name, fmt, text, typed)


def _safe_name(filename: str | None) -> str:
    """An uploaded file's name made a plain file name ("draft (2).ttl" -> "draft-2-.ttl")."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(filename or "").name).lstrip("-._")[-100:]
    return name or DEFAULT_NAME


def _form_format(value: Any, filename: str) -> formats.Format:
    """The format the form names; ``auto`` (or nothing): by the upload's extension, else Turtle."""
    choice = str(value or "auto").strip().lower()
    if choice != "auto":
        if choice not in BY_NAME:
            raise _unsupported(f"the format {choice[:40]!r}")
        return BY_NAME[choice]
    if not filename:
        return BY_NAME["turtle"]
    try:
        fmt = formats.by_extension(filename)
    except formats.UnknownFormat:
        raise RequestError(
            415, f"cannot tell the format of {filename!r} from its extension: choose the format"
        ) from None
    if fmt.media_type not in ACCEPTED:
        raise _unsupported(f"{fmt.label} ({filename})")
    return fmt


# --------------------------------------------------------------------------- validating


def served_file(request: Request) -> Path:
    """The dataset file of what the service serves (a build's ``dataset.nq``, or the file it was given);
    503 while there is none (a remote store not copied yet)."""
    location = data_location(request)
    try:
        return BuildFolder(location).dataset_file() if location.is_dir() else location
    except MediakgError as exc:
        raise RequestError(503, f"the served data is not available yet: {exc}", RETRY_STOPPED) from None


def _slots(request: Request, settings: Settings) -> validate_worker.Slots:
    state = request.app.state
    if getattr(state, "validate_slots", None) is None:
        state.validate_slots = validate_worker.Slots(settings.validate_concurrency)
    return state.validate_slots


async def run_validation(request: Request, posted: Posted, settings: Settings) -> PostedReport:
    """Validate ``posted`` in a child process (see :mod:`.validate_worker`); RequestError (422, 429, 503)
    when it does not finish with a report."""
    paths = project_paths()
    job = validate_worker.Job(
        data=posted.data,
        name=posted.name,
        served=served_file(request),
        shapes=tuple(sorted(paths.shapes.glob("*.ttl"))),
        sources=paths.sources if paths.sources.is_dir() else None,
        memory_limit_mb=settings.validate_memory_limit_mb,
        sandbox_required=not settings.allow_worker_network,
    )
    slots = _slots(request, settings)
    if not slots.take():
        raise RequestError(
            429,
            f"{slots.size} validations are running, as many as this service runs at once; try again "
            "in a few seconds",
            RETRY_BUSY,
        )

    def work() -> PostedReport:
        try:
            return validate_worker.run(job, settings.validate_timeout)
        finally:
            slots.give_back()  # here, not in the request: a cancelled request must not free a busy slot

    try:
        return await asyncio.to_thread(work)
    except validate_worker.ValidationStopped as exc:
        status = _STOPPED_STATUS[exc.kind]
        raise RequestError(status, str(exc), RETRY_STOPPED if status == 503 else None) from None


# --------------------------------------------------------------------------- answers


def _answer_type(request: Request) -> str | None:
    return conneg.negotiate(request.headers.get("accept"), ANSWERS)


def _not_acceptable() -> PlainTextResponse:
    return PlainTextResponse(
        f"406 Not Acceptable: the report is available as {JSON} or {HTML}\n",
        status_code=406,
        headers={"Vary": "Accept"},
    )


def form_page(
    request: Request,
    status: int = 200,
    report: PostedReport | None = None,
    posted: Posted | None = None,
    error: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    """The validation page: the form (filled in again after a POST), with the report or the error."""
    settings: Settings = request.app.state.settings
    info = getattr(request.app.state.executor, "info", None)
    context = {
        "title": "Validate a data file",
        "report": report_json(report) if report is not None else None,
        "error": error,
        "text": posted.text if posted else "",
        "chosen": posted.format.name if posted and posted.text else "auto",
        "name": posted.typed_name if posted else "",
        "lines": _lines(posted, report),
        "formats": list(ACCEPTED.values()),
        "extensions": ",".join(ext for f in ACCEPTED.values() for ext in f.extensions),
        "max_bytes": settings.validate_max_bytes,
        "served_triples": info.triples if info else None,
    }
    response = page(request, "validate.html", context, status_code=status)
    response.headers.update(headers or {})
    response.headers["Vary"] = "Accept"
    return response


def _lines(posted: Posted | None, report: PostedReport | None) -> dict[int, str]:
    """The posted file's lines that parse problems point at, to show beside them."""
    if posted is None or report is None:
        return {}
    wanted = {p.line for p in report.problems if p.kind == PARSE and p.line and report.in_file(p)}
    text = posted.data.decode("utf-8", errors="replace").splitlines()
    return {n: text[n - 1][:300] for n in wanted if 0 < n <= len(text)}


def _error(request: Request, media: str, exc: RequestError, posted: Posted | None) -> Response:
    if media == HTML:
        return form_page(request, exc.status, posted=posted, error=str(exc), headers=exc.headers)
    return JSONResponse(
        {"detail": str(exc)}, status_code=exc.status, headers={**exc.headers, "Vary": "Accept"}
    )


@router.get(
    "/validate",
    operation_id="validate_form",
    summary="The validation page",
    response_class=Response,
    responses={200: {"description": "A form to paste or upload a data file", "content": {HTML: {}}}},
)
async def validate_form(request: Request) -> Response:
    """A form to paste or upload a data file and validate it together with the served data."""
    return form_page(request)


@router.post(
    "/validate",
    operation_id="validate_file",
    summary="Validate a data file together with the served data",
    response_class=Response,
    **openapi_validate.post(ACCEPTED.values(), NAME.pattern),
)
async def validate_file(request: Request) -> Response:
    """The SHACL report (and the evidence-quote check) for the posted file together with the data this
    service serves; nothing is stored."""
    media = _answer_type(request)
    if media is None:
        return _not_acceptable()
    settings: Settings = request.app.state.settings
    posted = None
    try:
        posted = await read_posted(request, settings)
        report = await run_validation(request, posted, settings)
    except RequestError as exc:
        return _error(request, media, exc, posted)
    status = 200 if report.parsed else 422
    if media == HTML:
        return form_page(request, status, report, posted)
    return JSONResponse(report_json(report), status_code=status, headers={"Vary": "Accept"})


@router.api_route("/validate", methods=["HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"], include_in_schema=False)
async def other_methods(request: Request) -> Response:
    """HEAD is GET's headers; OPTIONS lists the methods; the others are 405 with the same list."""
    allow = {"Allow": "GET, HEAD, POST, OPTIONS"}
    if request.method == "HEAD":
        return form_page(request)
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=allow)
    return PlainTextResponse(
        f"method {request.method} not allowed on /validate; use GET (the form) or POST (a file)\n",
        status_code=405,
        headers=allow,
    )
