"""The home page ``/``: what the graph holds (counts that are the class pages' counts, the span of its events,
its sources), a chart of reported cases per year and type (drawn in the browser by the vendored Observable
Plot from data in the page; each bar links to the listing it counts), the latest OSCE engagements, and the
search box."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from rdflib import Node
from starlette.responses import Response

from mediakg.graph.namespaces import MKG
from mediakg.graph.terms import qname
from mediakg.service import caching
from mediakg.service.pages.classes import INCIDENT_TYPES
from mediakg.service.pages.common import finish, labels, linker, page, select, validators
from mediakg.service.pages.dates import UNDATED, When, display_date, literal, row_when
from mediakg.service.pages.render import Linker, Value

router = APIRouter()
#: The classes the home page names first, in this order (each with its sub-classes' members), in words.
FEATURED = {
    "Incident": "reported cases",
    "Act": "acts in them",
    "Meeting": "meetings",
    "Person": "people",
    "Official": "officials",
    "Journalist": "journalists",
    "Organization": "organisations",
    "Place": "places",
    "Law": "laws",
    "LegalProvision": "legal provisions",
    "Document": "documents",
    "SourceDocument": "source texts",
    "Statistic": "monitoring statistics",
}
LATEST = 5


@dataclass
class Count:
    """A class and how many members its page lists."""

    iri: str
    label: str
    href: str
    count: int


@dataclass
class Event:
    """An event as the home page lists it."""

    value: Value
    when: When
    places: list[Value] = field(default_factory=list)
    datelines: list[Value] = field(default_factory=list)


def class_counts(rows: list[dict[str, Node]], names: dict[str, str], lk: Linker) -> list[Count]:
    """The answer of ``class-counts.rq``, by label."""
    out = [
        Count(
            str(r["class"]),
            names.get(str(r["class"]), qname(str(r["class"]))),
            lk.class_href(str(r["class"])),
            int(r["members"]),
        )
        for r in rows
    ]
    return sorted(out, key=lambda c: c.label.lower())


def events_of(rows: list[dict[str, Node]], lk: Linker) -> dict[str, dict[str, tuple[Event, set[str]]]]:
    """The answer of ``events.rq``: class IRI -> event IRI -> (event, its incident type IRIs)."""
    out: dict[str, dict[str, tuple[Event, set[str]]]] = {}
    for r in rows:
        iri = str(r["event"])
        per_class = out.setdefault(str(r["class"]), {})
        if iri not in per_class:
            time = row_when(r)
            label = str(r.get("label") or qname(iri))
            per_class[iri] = (Event(Value(text=label, href=lk.href(iri), iri=iri), time), set())
        if "type" in r:
            per_class[iri][1].add(str(r["type"]))
    return out


def chart_data(cases: dict[str, tuple[Event, set[str]]], names: dict[str, str], root: str) -> dict:
    """Reported cases per year and incident type, for the chart and its table: one row per (year, type) with
    the link to the listing of those cases; a case with several types counts once under each."""
    counts: Counter[tuple[int, str]] = Counter()
    per_year: Counter[int] = Counter()
    undated = 0
    for event, types in cases.values():
        if event.when.year is None:
            undated += 1
            continue
        per_year[event.when.year] += 1
        for t in types:
            counts[(event.when.year, t)] += 1
    totals: Counter[str] = Counter()
    for (_, t), n in counts.items():
        totals[t] += n
    order = sorted(totals, key=lambda t: (-totals[t], names.get(t, t).lower()))
    rows = []
    for t in order:
        for year in sorted(per_year):
            if counts[(year, t)]:
                slug = t.removeprefix(INCIDENT_TYPES)
                query = urlencode({"type": slug, "year": year})
                rows.append(
                    {
                        "year": str(year),
                        "type": names.get(t, qname(t)),
                        "n": counts[(year, t)],
                        "href": f"{root}/class/Incident?{query}",
                    }
                )
    years = [
        {"year": str(y), "cases": n, "href": f"{root}/class/Incident?year={y}"}
        for y, n in sorted(per_year.items())
    ]
    return {
        "rows": rows,
        "years": years,
        "undated": undated,
        "types": [names.get(t, qname(t)) for t in order],
    }


def span(events: dict[str, dict[str, tuple[Event, set[str]]]]) -> tuple[Event, Event] | None:
    """The first and the last dated event of the graph."""
    dated = [e for per_class in events.values() for e, _ in per_class.values() if e.when.key != UNDATED]
    if not dated:
        return None
    by_time = sorted(dated, key=lambda e: (e.when.key, e.value.text))
    return by_time[0], by_time[-1]


def engagements(rows: list[dict[str, Node]], lk: Linker) -> list[Event]:
    """The answer of ``engagements.rq``: meetings with the OSCE, the latest first."""
    found: dict[str, Event] = {}
    for r in rows:
        iri = str(r["meeting"])
        if iri not in found:
            time = row_when(r)
            found[iri] = Event(
                Value(text=str(r.get("label") or qname(iri)), href=lk.href(iri), iri=iri), time
            )
        for key, target in (("place", found[iri].places), ("dateline", found[iri].datelines)):
            if key in r:
                v = Value(text=str(r.get(key + "Label") or qname(str(r[key]))), href=lk.href(str(r[key])))
                if v not in target:
                    target.append(v)
    for event in found.values():  # stores answer rows in any order
        event.places.sort(key=lambda v: v.text.lower())
        event.datelines.sort(key=lambda v: v.text.lower())
    return sorted(found.values(), key=lambda e: (e.when.key, e.value.text), reverse=True)


def sources_of(rows: list[dict[str, Node]], lk: Linker) -> list[dict]:
    """The answer of ``sources.rq``, oldest first."""
    out = []
    for r in rows:
        iri = str(r["source"])
        date = literal(r.get("issued")) or literal(r.get("datelineDate"))
        place = r.get("datelinePlace")
        out.append(
            {
                "value": Value(text=str(r.get("title") or qname(iri)), href=lk.href(iri), iri=iri),
                "date": display_date(str(date), str(date.datatype)) if date is not None else "",
                "key": str(date or ""),
                "dateline": Value(
                    text=str(r.get("datelinePlaceLabel") or qname(str(place))), href=lk.href(str(place))
                )
                if place is not None
                else None,
                "publisher": Value(text=str(r.get("publisherLabel") or ""), href=lk.href(str(r["publisher"])))
                if "publisher" in r
                else None,
                "things": int(r.get("things", 0)),
            }
        )
    return sorted(out, key=lambda s: s["key"])


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
async def home(request: Request) -> Response:
    """Home page: counts, sources, the chart of cases, the latest engagements, search."""
    etag, modified = validators(request, "home")
    cached = caching.conditional_response(request, etag, modified)
    if cached is not None:
        return cached
    lk = linker(request)
    names = await labels(request)
    counts = class_counts(await select(request, "class-counts"), names, lk)
    events = events_of(await select(request, "events"), lk)
    statements = (await select(request, "statements") or [{}])[0]
    info = request.app.state.executor.info
    by_name = {c.iri.removeprefix(str(MKG)): c for c in counts}
    context = {
        "title": "Home",
        "section": "home",
        "counts": counts,
        "featured": [(by_name[n], words) for n, words in FEATURED.items() if n in by_name],
        "by_name": by_name,
        "span": span(events),
        "chart": chart_data(events.get(str(MKG.Incident), {}), names, lk.root),
        "engagements": engagements(await select(request, "engagements"), lk)[:LATEST],
        "sources": sources_of(await select(request, "sources"), lk),
        "quotes": int(statements.get("quotes", 0)),
        "claims": int(statements.get("claims", 0)),
        "triples": info.triples if info else None,
    }
    return finish(request, page(request, "home.html", context), etag, modified, vary="")
