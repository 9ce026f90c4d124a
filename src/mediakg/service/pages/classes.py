"""Class listings: ``/class/<Name>`` lists the members of a class and of its sub-classes (``mkg:instanceOf``),
by name, or by date where they are events (each date at its precision, year-less ones placed by their bound).

Reported cases and acts can be narrowed to an incident type and a year (``?type=detention&year=2019``): the
home page's chart links its bars here. The year is the one :func:`.dates.when` counts the event in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from rdflib import RDFS, Node, URIRef
from starlette.responses import Response

from mediakg.graph.namespaces import ID_BASE, ONTOLOGY_IRI, PREFIXES
from mediakg.graph.terms import qname
from mediakg.publish import describe
from mediakg.service import caching
from mediakg.service.pages.common import (
    HTML,
    error_page,
    finish,
    linker,
    not_found,
    ontology,
    page,
    select,
    validators,
)
from mediakg.service.pages.dates import When, row_when

router = APIRouter()
#: Where the incident types live (ontology/MODEL.md, "Concept schemes").
INCIDENT_TYPES = ID_BASE + "concept/incident-type/"
_YEAR = re.compile(r"^[0-9]{1,4}$")


@dataclass
class Member:
    """One member as a listing shows it."""

    href: str
    label: str
    when: When | None
    types: list[str]  # incident type IRIs


def class_iri(name: str) -> str | None:
    """The class ``/class/<name>`` means: ``Meeting`` is ``mkg:Meeting``; ``skos:Concept`` is prefixed."""
    if ":" in name:
        prefix, local = name.split(":", 1)
        return PREFIXES[prefix] + local if prefix in PREFIXES else None
    return f"{ONTOLOGY_IRI}#{name}"


def members_of(rows: list[dict[str, Node]], href: Callable[[str], str]) -> list[Member]:
    """The answer of ``class-members.rq`` as members, by date where any has one, else by name."""
    out = []
    for r in rows:
        dated = any(k in r for k in ("date", "earliest", "latest"))
        out.append(
            Member(
                href=href(str(r["s"])),
                label=str(r.get("label") or r.get("otherLabel") or qname(str(r["s"]))),
                when=row_when(r) if dated else None,
                types=str(r.get("types", "")).split(),
            )
        )
    if any(m.when for m in out):
        out.sort(key=lambda m: (m.when.key if m.when else (99999, 99, 99), m.label.lower()))
    else:
        out.sort(key=lambda m: (m.label.lower(), m.href))
    return out


def first_sentence(text: str) -> str:
    """The first sentence of a class comment, ending in a full stop."""
    head = re.split(r"(?<=[a-z)])\. (?=[A-Z])", text, maxsplit=1)[0].rstrip(".")
    return head + "." if head else ""


def type_filter(value: str | None) -> str | None:
    """The incident type a ``?type=`` names (``detention``, ``id:concept/incident-type/detention`` or the
    full IRI); None when not given."""
    if not value:
        return None
    if value.startswith(("http://", "https://")):
        return value
    if ":" in value:
        return class_iri(value)
    return INCIDENT_TYPES + value


@router.api_route("/class/{name}", methods=["GET", "HEAD"], include_in_schema=False)
async def class_members(request: Request, name: str) -> Response:
    """The members of a class (and of its sub-classes), by label; events by date; cases and acts by type
    and year when asked."""
    iri = class_iri(name)
    if iri is None:
        return not_found(request, HTML, f"Unknown prefix in {name!r}.")
    try:
        describe.check_iri(iri)
    except describe.InvalidIri:
        return not_found(request, HTML, f"No class {name!r}: {iri!r} is not an IRI.")
    wanted_type = type_filter(request.query_params.get("type"))
    year = request.query_params.get("year") or None
    if year is not None and not _YEAR.match(year):
        return error_page(
            request, 400, "Bad request", f"year must be a year such as 2019, not {year[:40]!r}."
        )
    etag, modified = validators(request, f"class/{name}|{wanted_type}|{year}")
    cached = caching.conditional_response(request, etag, modified)
    if cached is not None:
        return cached
    rows = await select(request, "class-members", bindings={"class": f"<{iri}>"})
    onto, names = await ontology(request)
    if not rows and (URIRef(iri), None, None) not in onto:
        return not_found(request, HTML, f"No class {qname(iri)} in the ontology.")
    members = members_of(rows, linker(request).href)
    context = _listing(iri, names, members, wanted_type, year)
    context["comment"] = first_sentence(str(onto.value(URIRef(iri), RDFS.comment) or ""))
    if wanted_type and wanted_type not in context["type_choices"]:
        known = ", ".join(t.rsplit("/", 1)[-1] for t in context["type_choices"]) or "none"
        return error_page(
            request, 400, "Bad request", f"No {qname(iri)} has the type {wanted_type}. Types here: {known}."
        )
    return finish(request, page(request, "list.html", context), etag, modified, vary="")


def _listing(
    iri: str, names: dict[str, str], members: list[Member], wanted: str | None, year: str | None
) -> dict:
    """The list page's context: heading with the count, intro, items, and the type / year choices."""
    label = names.get(iri) or qname(iri)
    types = sorted({t for m in members for t in m.types}, key=lambda t: names.get(t, t).lower())
    years = sorted({m.when.year for m in members if m.when and m.when.year is not None})
    shown = [
        m
        for m in members
        if (wanted is None or wanted in m.types) and (year is None or (m.when and m.when.year == int(year)))
    ]
    narrowed = " ".join(
        part
        for part in (
            f"of type “{names.get(wanted, qname(wanted))}”" if wanted else "",
            f"in {year}" if year else "",
        )
        if part
    )
    items = [
        {
            "href": m.href,
            "label": m.label,
            "note": m.when.text if m.when else "",
            "tags": sorted(names.get(t, qname(t)) for t in m.types),  # engines concatenate in any order
        }
        for m in shown
    ]
    dated = any(m.when for m in members)
    return {
        "title": label,
        "heading": f"{label} ({len(items)})",
        "items": items,
        "intro": f"Members of {qname(iri)} and its sub-classes" + (", by date." if dated else ", by name."),
        "narrowed": narrowed,
        "class_name": qname(iri).removeprefix("mkg:"),
        "type_choices": {t: names.get(t, qname(t)) for t in types},
        "year_choices": years,
        "wanted_type": wanted or "",
        "wanted_year": year or "",
        "empty": "No member fits." if narrowed else "This class has no members in the data.",
        "section": "",
    }
