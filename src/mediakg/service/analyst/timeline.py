"""The timeline: ``/timeline`` (the page) and ``/timeline.json`` (its data, from the named questions
``timeline-events``, ``timeline-facets`` and ``laws``).

Dates keep the precision the texts give (:func:`span`): a day is drawn as a point, a month or a year as its
whole span, a date the text only bounds ("by 29 March") as a bound - a range open at the side the text leaves
open, or one between the two bounds -, and a day or month without a year and without bounds is listed as
undated, never given a year.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from mediakg.errors import MediakgError, retry_headers
from mediakg.graph.namespaces import PREFIXES
from mediakg.query.base import Executor
from mediakg.questions import answers
from mediakg.questions.catalogue import Question
from mediakg.service import caching
from mediakg.service.analyst.common import base_iri, page_href, render, root_of
from mediakg.service.analyst.gallery import questions
from mediakg.service.http import client_address

router = APIRouter(include_in_schema=False)

MONTHS = list(calendar.month_name)
KINDS = {PREFIXES["mkg"] + k: k.lower() for k in ("Meeting", "Incident", "Act")}
FACETS = ("country", "organisation", "person", "type")
#: The named questions the timeline is drawn from.
TIMELINE_QUESTIONS = ("timeline-events", "timeline-facets", "laws")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH_DAY = re.compile(r"^--(\d{2})-(\d{2})")
_MONTH_ONLY = re.compile(r"^--(\d{2})$")


# ----------------------------------------------------------------------------------------------------------
# Dates at their precision
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One date value as the first day it may be, the day after the last, and how people write it."""

    first: date
    after: date
    text: str
    precision: str  # day | month | year


def period(value: str | None) -> Period | None:
    """A dated value (``2019-03-22``, ``2019-03``, ``2019``) as a period; None without a year."""
    if not value:
        return None
    if m := _DAY.match(value):
        day = date(int(m[1]), int(m[2]), int(m[3]))
        return Period(day, day + timedelta(days=1), f"{day.day} {MONTHS[day.month]} {day.year}", "day")
    if m := _MONTH.match(value):
        first = date(int(m[1]), int(m[2]), 1)
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return Period(first, after, f"{MONTHS[first.month]} {first.year}", "month")
    if m := _YEAR.match(value):
        first = date(int(m[1]), 1, 1)
        return Period(first, date(first.year + 1, 1, 1), m[1], "year")
    return None


def yearless(value: str | None) -> str:
    """A day or month without a year as people write it (``--02-12`` → ``12 February``), else ''."""
    if not value:
        return ""
    if m := _MONTH_DAY.match(value):
        return f"{int(m[2])} {MONTHS[int(m[1])]}"
    if m := _MONTH_ONLY.match(value):
        return MONTHS[int(m[1])]
    return ""


@dataclass(frozen=True)
class Span:
    """Where an event goes on the time axis and what it says of its date.

    ``shape``: day (a point at ``start``), month, year (``start`` to ``end``), between (somewhere between two
    bounds), by (no later than ``end``; open start), from (no earlier than ``start``; open end), undated (not
    drawn). ``start``/``end`` are ISO days, ``end`` exclusive; ``when`` is the date in words."""

    shape: str
    when: str
    start: str | None = None
    end: str | None = None


def span(value: str | None, earliest: str | None = None, latest: str | None = None) -> Span:
    """The span of an event with date ``value`` and bounds ``earliest`` / ``latest`` (lexical forms)."""
    stated = period(value)
    if stated is not None:
        end = None if stated.precision == "day" else stated.after.isoformat()
        return Span(stated.precision, stated.text, stated.first.isoformat(), end)
    no_year = yearless(value)
    note = f" (the text gives {no_year}, without a year)" if no_year else ""
    low, high = period(earliest), period(latest)
    if low and high:
        when = f"between {low.text} and {high.text}{note}"
        return Span("between", when, low.first.isoformat(), high.after.isoformat())
    if high:
        return Span("by", f"by {high.text}{note}", None, high.after.isoformat())
    if low:
        return Span("from", f"on or after {low.text}{note}", low.first.isoformat(), None)
    return Span("undated", f"{no_year}, year not stated" if no_year else "date not stated")


# ----------------------------------------------------------------------------------------------------------
# The data
# ----------------------------------------------------------------------------------------------------------


def _value(row: dict[str, Any], column: str) -> str | None:
    cell = row.get(column)
    return None if cell is None else str(cell["value"])


def _label(row: dict[str, Any], column: str) -> str:
    cell = row.get(column)
    return "" if cell is None else str(cell.get("label") or cell["value"])


def _source(row: dict[str, Any], root: str, base: str) -> dict[str, str] | None:
    iri = _value(row, "source")
    if iri is None:
        return None
    ident = iri.rsplit("/", 1)[-1]
    return {
        "iri": iri,
        "href": page_href(iri, root, base) or iri,
        "title": _label(row, "source"),
        "id": ident,
    }


def events(rows: list[dict[str, Any]], root: str, base: str) -> list[dict[str, Any]]:
    """The timeline's items from the rows of ``timeline-events`` (one per event: the first source's row)."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        iri = _value(row, "event")
        if iri is None or iri in out:
            continue
        where = span(_value(row, "date"), _value(row, "earliestDate"), _value(row, "latestDate"))
        out[iri] = {
            "id": iri,
            "kind": KINDS.get(_value(row, "kind") or "", "event"),
            "label": _label(row, "event"),
            "href": page_href(iri, root, base) or iri,
            "case": _value(row, "case"),
            "date": _value(row, "date"),
            "earliest": _value(row, "earliestDate"),
            "latest": _value(row, "latestDate"),
            "basis": _label(row, "dateBasis") if row.get("dateBasis") else None,
            "source": _source(row, root, base),
            "quote": _value(row, "quote"),
            **asdict(where),
        }
    return list(out.values())


def facets(rows: list[dict[str, Any]]) -> tuple[dict[str, dict[str, set[str]]], dict[str, dict[str, str]]]:
    """From the rows of ``timeline-facets``: each event's values per facet, and each facet's values with their
    labels."""
    of_event: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    values: dict[str, dict[str, str]] = {f: {} for f in FACETS}
    for row in rows:
        event, facet, value = _value(row, "event"), _value(row, "facet"), _value(row, "value")
        if event is None or value is None or facet not in values:
            continue
        of_event[event][facet].add(value)
        values[facet][value] = _label(row, "value")
    return of_event, values


def laws(rows: list[dict[str, Any]], root: str, base: str) -> list[dict[str, Any]]:
    """The laws from the rows of ``laws``: signing date (as a day, month or year), quote and source."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        iri = _value(row, "law")
        if iri is None or iri in out:
            continue
        signed = period(_value(row, "date"))
        out[iri] = {
            "id": iri,
            "label": _label(row, "law"),
            "href": page_href(iri, root, base) or iri,
            "type": _label(row, "type"),
            "date": _value(row, "date"),
            "when": f"signed {signed.text}" if signed else "date not given",
            "start": signed.first.isoformat() if signed else None,
            "source": _source(row, root, base),
            "quote": _value(row, "quote"),
        }
    return sorted(out.values(), key=lambda law: (law["start"] or "9999", law["label"]))


async def timeline_data(
    executor: Executor, named: Mapping[str, Question], root: str, base: str, client: str | None
) -> dict[str, Any]:
    """The document ``/timeline.json`` answers (from the questions ``named``): items, laws and the filters'
    values."""
    docs = {}
    for name in TIMELINE_QUESTIONS:
        docs[name], _ = await answers.ask(executor, named[name], {}, client=client)
    items = events(docs["timeline-events"]["rows"], root, base)
    of_event, values = facets(docs["timeline-facets"]["rows"])
    osce = PREFIXES["id"] + "org/osce"
    for item in items:
        found = of_event.get(item["id"], {})
        item["facets"] = {f: sorted(found.get(f, ())) for f in FACETS}
        item["osce"] = osce in found.get("organisation", ())
    listed = {
        f: sorted(({"iri": i, "label": label} for i, label in v.items()), key=lambda x: x["label"].lower())
        for f, v in values.items()
    }
    return {"items": items, "laws": laws(docs["laws"]["rows"], root, base), "facets": listed}


@router.get("/timeline.json")
async def timeline_json(request: Request) -> Response:
    """The timeline's data: every meeting, reported case and act with its span, quote, source and filter
    values; the laws with their signing dates; the values each filter offers."""
    named = questions(request)
    texts = [named[n].sparql for n in TIMELINE_QUESTIONS]
    validators = caching.request_validators(
        request, caching.request_variant("timeline", root_of(request), texts)
    )
    if validators is not None:
        not_modified = caching.conditional_response(request, *validators)
        if not_modified is not None:
            return not_modified
    try:
        doc = await timeline_data(
            request.app.state.executor, named, root_of(request), base_iri(request), client_address(request)
        )
    except MediakgError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=retry_headers(exc))
    response = JSONResponse(doc)
    return caching.set_validators(response, *validators) if validators is not None else response


@router.get("/timeline")
async def timeline_page(request: Request) -> Response:
    """The timeline page (drawn by ``static/js/timeline.js`` from ``/timeline.json``)."""
    labels = {
        "country": "Country",
        "organisation": "Organisation",
        "person": "Person",
        "type": "Incident type",
    }
    return render(request, "timeline.html", {"title": "Timeline", "filters": labels})
