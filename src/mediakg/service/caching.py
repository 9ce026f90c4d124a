"""HTTP validators for answers computed from one build: ETag, Last-Modified and 304 Not Modified.

Everything the service answers (pages, dumps, query results) is a function of the build and the request, so
the build's fingerprint (hash of ``summary.json``) and its time are the validators. Use it in any route::

    from mediakg.service.caching import build_validators, conditional_response, set_validators

    etag, last_modified = build_validators(build_dir, variant="json")
    not_modified = conditional_response(request, etag, last_modified)
    if not_modified is not None:
        return not_modified
    response = ...
    set_validators(response, etag, last_modified)

``variant`` distinguishes representations of the same URL (format, query string), since an ETag names one
representation. ETags are weak (``W/``): a gzip-encoded body is the same representation.

Answers that are expensive to compute (query results) can be validated before they are computed, see
:func:`not_modified_before_answer`; :func:`request_variant` turns the parts of a request an answer depends on
into a ``variant``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from mediakg.folder import fingerprint

#: Seconds a build's fingerprint is used without looking at its files again: every answer carries
#: validators, and the stat() calls per request are a measurable part of a light query's cost.
RECHECK_SECONDS = 1.0
_recent: dict[Path, tuple[float, tuple[str, datetime]]] = {}


def build_fingerprint(location: Path) -> tuple[str, datetime]:
    """Fingerprint of a build folder or of a dataset file (:func:`mediakg.folder.fingerprint`), at most
    :data:`RECHECK_SECONDS` old."""
    recent = _recent.get(location)
    now = time.monotonic()
    if recent is not None and now - recent[0] < RECHECK_SECONDS:
        return recent[1]
    found = fingerprint(location)
    answer = (found.digest, found.modified)
    _recent[location] = (now, answer)
    return answer


def make_etag(fingerprint: str, variant: str = "") -> str:
    """A weak ETag for the representation ``variant`` of a resource computed from build ``fingerprint``."""
    tag = fingerprint[:20]
    if variant:
        tag += "-" + hashlib.sha256(variant.encode("utf-8")).hexdigest()[:12]
    return f'W/"{tag}"'


def build_validators(location: Path, variant: str = "") -> tuple[str, datetime]:
    """``(etag, last_modified)`` of an answer derived from the build at ``location`` (see module doc)."""
    fingerprint, mtime = build_fingerprint(location)
    return make_etag(fingerprint, variant), mtime


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of ``etag`` with an ``If-None-Match`` header value (RFC 9110 §13.1.2)."""
    if if_none_match.strip() == "*":
        return True
    return any(_opaque(t) == _opaque(etag) for t in if_none_match.split(",") if t.strip())


def http_date(moment: datetime) -> str:
    """``moment`` as an IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``)."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def is_not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    """True when the request's conditional headers say the client's copy is current (RFC 9110 §13.2.2)."""
    if request.method not in ("GET", "HEAD"):
        return False
    inm = request.headers.get("if-none-match")
    if inm is not None:  # If-None-Match takes precedence over If-Modified-Since
        return etag_matches(inm, etag)
    since = parse_http_date(request.headers.get("if-modified-since"))
    return since is not None and last_modified.replace(microsecond=0) <= since


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP-date header value (``If-Modified-Since``) as an aware datetime, or None when it is absent, not
    a date, out of range (year 99999999999) or later than now: RFC 9110 §13.1.3 has such a header
    ignored, never an error."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment if moment <= datetime.now(UTC) else None
    except (TypeError, ValueError, OverflowError, IndexError):  # comparing converts to UTC: may overflow
        return None


def served_location(request: Request) -> Path | None:
    """The build folder or dataset file the app serves (``settings.data``), None when it has none."""
    data = getattr(getattr(request.app.state, "settings", None), "data", None)
    return Path(data) if data else None


def request_validators(request: Request, variant: str) -> tuple[str, datetime] | None:
    """``(etag, last_modified)`` of an answer of the served build, or None when the app serves no local
    build or dataset file (then answers carry no validators: nothing says when the data changes)."""
    location = served_location(request)
    if location is None:
        return None
    try:
        return build_validators(location, variant)
    except OSError:  # FileNotFoundError included: no build there
        return None


def request_variant(*parts: object) -> str:
    """A ``variant`` naming everything an answer depends on besides the build (query text, parameters,
    media type...), unambiguously: ``("a", "b|c")`` and ``("a|b", "c")`` differ."""
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)


# ETags of answers this process gave with status 200 (bounded, most recent last).
_answered: OrderedDict[str, None] = OrderedDict()
ANSWERED_SIZE = 4096


def remember_answer(etag: str) -> None:
    """Note that a successful answer carrying ``etag`` was given (see :func:`not_modified_before_answer`)."""
    _answered[etag] = None
    _answered.move_to_end(etag)
    while len(_answered) > ANSWERED_SIZE:
        _answered.popitem(last=False)


def not_modified_before_answer(
    request: Request, etag: str, last_modified: datetime, headers: dict[str, str] | None = None
) -> Response | None:
    """A 304 decided before the answer is computed, else None (compute it, then :func:`conditional_response`).

    HTTP applies preconditions only to requests that would succeed (RFC 9110 §13.2.1). A matching
    ``If-None-Match`` proves it: the client holds this very ETag, which only a successful answer of this build
    to this request carries. ``If-Modified-Since`` alone proves nothing about a request never answered, so it
    counts here only for an ETag this process has answered with before.
    """
    if request.headers.get("if-none-match") is None and etag not in _answered:
        return None
    return conditional_response(request, etag, last_modified, headers)


def set_validators(response: Response, etag: str, last_modified: datetime) -> Response:
    """Put ``ETag`` and ``Last-Modified`` on ``response`` and return it."""
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified)
    return response


def conditional_response(
    request: Request, etag: str, last_modified: datetime, headers: dict[str, str] | None = None
) -> Response | None:
    """A ``304 Not Modified`` response if the client's copy is current, else None (then answer normally).

    ``headers`` (e.g. ``Vary``, ``Link``, ``Cache-Control``) are repeated on the 304, as RFC 9110 asks.
    """
    if not is_not_modified(request, etag, last_modified):
        return None
    response = Response(status_code=304, headers=headers or {})
    return set_validators(response, etag, last_modified)
