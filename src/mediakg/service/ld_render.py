"""Turn RDF into what the entity pages show: links, datatype-aware values, and an entity's view model.

Pure functions of rdflib graphs (no I/O), so the pages can be tested without a server.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Node, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from mediakg.graph.namespaces import MKG, OA, ONTOLOGY_IRI
from mediakg.graph.terms import qname

MONTHS = list(calendar.month_name)  # ["", "January", ...] (C locale: English)
_GMONTHDAY = re.compile(r"^--(\d\d)-(\d\d)")
_GMONTH = re.compile(r"^--(\d\d)")
_DATE = re.compile(r"^(-?\d{4,})-(\d\d)-(\d\d)")
_GYEARMONTH = re.compile(r"^(-?\d{4,})-(\d\d)")
_GYEAR = re.compile(r"^(-?\d{4,})")

# Shown in their own sections of an entity page, not in the property table.
SECTION_PROPERTIES = {
    RDF.type,
    SKOS.prefLabel,
    SKOS.altLabel,
    MKG.evidence,
    MKG.participation,
    MKG.claim,
    PROV.wasDerivedFrom,
}
EVENT_CLASSES = {MKG.Meeting, MKG.Incident}
AGENT_CLASSES = {
    MKG.Person,
    MKG.Official,
    MKG.Journalist,
    MKG.Organization,
    MKG.State,
    MKG.StateBody,
    MKG.IntergovernmentalBody,
    MKG.NonGovernmentalOrganization,
    MKG.MediaOutlet,
}


# --------------------------------------------------------------------------- names and links


def local_name(iri: str) -> str:
    """The part after the last ``#`` or ``/``."""
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


@dataclass(frozen=True)
class Linker:
    """Maps IRIs to this service's pages: ``base_iri + path`` ↔ ``/id/path``, ontology terms to /ontology."""

    base_iri: str
    root: str = ""  # the app's root path (behind a proxy)

    def href(self, iri: str) -> str:
        """Where a link to ``iri`` points: a page of this service if it has one, else the IRI itself."""
        if iri.startswith(self.base_iri):
            return f"{self.root}/id/{quote(iri[len(self.base_iri) :], safe='/-_.~')}"
        if iri.startswith(ONTOLOGY_IRI + "#"):
            return f"{self.root}/ontology#{quote(iri[len(ONTOLOGY_IRI) + 1 :], safe='-_.~')}"
        if iri == ONTOLOGY_IRI:
            return f"{self.root}/ontology"
        return iri

    def iri_for_path(self, path: str) -> str:
        """The entity IRI answered at ``/id/<path>``."""
        return self.base_iri + path

    def class_href(self, iri: str) -> str:
        """The member list of class ``iri``."""
        if iri.startswith(ONTOLOGY_IRI + "#"):
            return f"{self.root}/class/{quote(iri[len(ONTOLOGY_IRI) + 1 :], safe='-_.~')}"
        return f"{self.root}/class/{quote(qname(iri), safe=':-_.~')}"


# --------------------------------------------------------------------------- values


def display_date(lexical: str, datatype: str | None) -> str:
    """A date literal as people write it, keeping its precision (``2020-08`` → ``August 2020``)."""
    try:
        if datatype == str(XSD.gMonthDay) and (m := _GMONTHDAY.match(lexical)):
            return f"{int(m[2])} {MONTHS[int(m[1])]} (year not stated)"
        if datatype == str(XSD.gMonth) and (m := _GMONTH.match(lexical)):
            return f"{MONTHS[int(m[1])]} (year not stated)"
        if datatype == str(XSD.date) and (m := _DATE.match(lexical)):
            return f"{int(m[3])} {MONTHS[int(m[2])]} {m[1]}"
        if datatype == str(XSD.gYearMonth) and (m := _GYEARMONTH.match(lexical)):
            return f"{MONTHS[int(m[2])]} {m[1]}"
        if datatype == str(XSD.gYear) and (m := _GYEAR.match(lexical)):
            return m[1]
    except (IndexError, ValueError):
        pass
    return lexical


def date_sort_key(lexical: str | None) -> tuple[int, int, int]:
    """Order dates of mixed precision: year, month, day (missing parts sort first; no date sorts last)."""
    if not lexical:
        return (99999, 99, 99)
    if m := _DATE.match(lexical):
        return (int(m[1]), int(m[2]), int(m[3]))
    if m := _GYEARMONTH.match(lexical):
        return (int(m[1]), int(m[2]), 0)
    if m := _GYEAR.match(lexical):
        return (int(m[1]), 0, 0)
    return (99999, 99, 99)


DATE_TYPES = {str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear), str(XSD.gMonthDay), str(XSD.gMonth)}


@dataclass
class Value:
    """One displayed value: a link (IRI), a literal (text, its language or datatype) or a nested node."""

    text: str
    href: str | None = None
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    nested: list[PropertyRow] | None = None


@dataclass
class PropertyRow:
    """A property with its label, its IRI's link and its values."""

    label: str
    iri: str
    href: str
    values: list[Value] = field(default_factory=list)


def best_label(g: Graph, node: Node, fallback: str | None = None) -> str:
    """English prefLabel, else any prefLabel, rdfs:label or dct:title, else ``fallback`` or the local name."""
    for prop in (SKOS.prefLabel, RDFS.label, DCTERMS.title, MKG.postTitle):
        values = [v for v in g.objects(node, prop) if isinstance(v, Literal)]
        if values:
            english = [v for v in values if v.language == "en"]
            return str(sorted(english or values)[0])
    if fallback:
        return fallback
    return local_name(str(node)) if isinstance(node, URIRef) else "(unnamed)"


class Renderer:
    """Renders the terms of one description graph ``g``; ``property_labels`` (IRI -> label, e.g. the
    ontology's ``rdfs:label``s) names properties, and any term ``g`` itself does not label."""

    def __init__(self, g: Graph, linker: Linker, property_labels: Mapping[str, str]) -> None:
        self.g = g
        self.linker = linker
        self.property_labels = property_labels

    def prop_label(self, p: URIRef) -> str:
        return self.property_labels.get(str(p)) or qname(str(p))

    def value(self, node: Node, depth: int = 0) -> Value:
        """One RDF term as a :class:`Value` (blank nodes expanded to their properties, 3 levels deep)."""
        if isinstance(node, URIRef):
            iri = str(node)
            text = best_label(self.g, node, self.property_labels.get(iri) or qname(iri))
            return Value(text=text, href=self.linker.href(iri), iri=iri)
        if isinstance(node, Literal):
            datatype = str(node.datatype) if node.datatype else None
            if datatype in DATE_TYPES:
                return Value(text=display_date(str(node), datatype), datatype=qname(datatype))
            return Value(text=str(node), lang=node.language, datatype=qname(datatype) if datatype else None)
        rows = self.rows(node, exclude=set(), depth=depth + 1) if depth < 3 else []
        return Value(text="", nested=rows)

    def rows(self, subject: Node, exclude: set, depth: int = 0) -> list[PropertyRow]:
        """The properties of ``subject`` (minus ``exclude``) with their values, sorted by label."""
        by_prop: dict[URIRef, list[Node]] = {}
        for p, o in self.g.predicate_objects(subject):
            if p not in exclude:
                by_prop.setdefault(p, []).append(o)
        out = []
        for p, objects in by_prop.items():
            values = [self.value(o, depth) for o in objects]
            values.sort(key=lambda v: (v.text.lower(), v.iri or ""))
            out.append(PropertyRow(self.prop_label(p), str(p), self.linker.href(str(p)), values))
        out.sort(key=lambda r: (r.label.lower(), r.iri))
        return out


# --------------------------------------------------------------------------- the entity view model


@dataclass
class Quote:
    """An evidence quote and the source it is taken from."""

    text: str
    source: Value | None
    source_id: str


@dataclass
class Participant:
    """A participation of an event: who (link or description), in which role, in which capacity."""

    agent: Value
    role: Value | None
    capacity: Value | None


@dataclass
class Appearance:
    """A thing that links to the entity: what it is, how it links, its date, a role and a quote if any."""

    subject: Value
    via: str
    types: list[Value]
    date: str
    sort_key: tuple[int, int, int]
    role: Value | None = None
    quote: str | None = None
    is_event: bool = False
    event_kind: str = ""


@dataclass
class EntityView:
    """Everything an entity page shows."""

    iri: str
    label: str
    alt_labels: list[Value]
    types: list[Value]
    rows: list[PropertyRow]
    participants: list[Participant]
    claims: list[list[PropertyRow]]
    quotes: list[Quote]
    sources: list[Value]
    appears_in: list[Appearance]
    meetings: list[Appearance]
    incidents: list[Appearance]
    is_agent: bool


def _with_year(month_day: str, bound: Literal) -> tuple[int, int, int]:
    """Sort key of a ``--MM-DD`` date using the year of its upper bound (the latest year it can have)."""
    m = _GMONTHDAY.match(month_day)
    b = date_sort_key(str(bound))
    if not m or b[0] == 99999:
        return b
    md = (int(m[1]), int(m[2]))
    return (b[0] if md <= (b[1], b[2] or 31) else b[0] - 1, *md)


def _event_date(g: Graph, node: Node) -> tuple[str, tuple[int, int, int]]:
    """Display date and sort key of an event. The key is the stated date; without a year, the day placed
    in the latest year its bound allows; without a date, the earliest bound, else the latest."""
    date = g.value(node, MKG.date)
    earliest = g.value(node, MKG.earliestDate)
    latest = g.value(node, MKG.latestDate)
    if isinstance(date, Literal):
        shown = display_date(str(date), str(date.datatype) if date.datatype else None)
        key = date_sort_key(str(date))
        if key[0] == 99999 and isinstance(latest, Literal):
            key = _with_year(str(date), latest)
            shown += f", reported by {display_date(str(latest), str(latest.datatype))}"
        return shown, key
    parts = []
    if isinstance(earliest, Literal):
        parts.append("not before " + display_date(str(earliest), str(earliest.datatype)))
    if isinstance(latest, Literal):
        parts.append("by " + display_date(str(latest), str(latest.datatype)))
    bound = earliest if earliest is not None else latest
    return ", ".join(parts), date_sort_key(str(bound) if bound is not None else None)


def _quotes(r: Renderer, subject: Node) -> list[Quote]:
    out = []
    for ev in r.g.objects(subject, MKG.evidence):
        exact = r.g.value(ev, OA.exact)
        source = r.g.value(ev, DCTERMS.source)
        out.append(
            Quote(
                text=str(exact) if exact is not None else "",
                source=r.value(source) if source is not None else None,
                source_id=local_name(str(source)) if source is not None else "",
            )
        )
    out.sort(key=lambda q: (q.source_id, q.text))
    return out


def entity_view(g: Graph, iri: str, linker: Linker, property_labels: Mapping[str, str]) -> EntityView:
    """The view model of entity ``iri`` from its concise bounded description ``g``."""
    r = Renderer(g, linker, property_labels)
    me = URIRef(iri)
    types = sorted((r.value(t) for t in g.objects(me, RDF.type)), key=lambda v: v.text)
    type_iris = set(g.objects(me, RDF.type))
    participants = []
    for p in g.objects(me, MKG.participation):
        agent = g.value(p, MKG.agent)
        description = g.value(p, MKG.agentDescription)
        who = r.value(agent) if agent is not None else Value(text=str(description or "(not named)"))
        role = g.value(p, MKG.participantRole)
        capacity = g.value(p, MKG.inCapacityOf)
        participants.append(
            Participant(
                who,
                r.value(role) if role is not None else None,
                r.value(capacity) if capacity is not None else None,
            )
        )
    participants.sort(key=lambda p: (p.role.text if p.role else "", p.agent.text))
    claims = [r.rows(c, exclude=set()) for c in g.objects(me, MKG.claim)]

    appears: list[Appearance] = []
    for s, p in g.subject_predicates(me):
        if isinstance(s, BNode):
            # A participation, evidence or claim: show the thing that owns it (up to two levels up).
            owners = list(g.subject_predicates(s))
            if not owners:
                continue
            for owner, via in owners:
                quote_text = g.value(s, OA.exact)
                if isinstance(owner, BNode):  # e.g. the evidence of a claim of an incident
                    owners2 = list(g.subject_predicates(owner))
                    if not owners2:
                        continue
                    owner, via = owners2[0]
                appears.append(_appearance(r, owner, via, s, p, quote_text))
        else:
            appears.append(_appearance(r, s, p, None, None, None))
    appears.sort(key=lambda a: (a.sort_key, a.subject.text))
    return EntityView(
        iri=iri,
        label=best_label(g, me),
        alt_labels=sorted((r.value(v) for v in g.objects(me, SKOS.altLabel)), key=lambda v: v.text),
        types=types,
        rows=r.rows(me, exclude=SECTION_PROPERTIES),
        participants=participants,
        claims=claims,
        quotes=_quotes(r, me),
        sources=sorted((r.value(s) for s in g.objects(me, PROV.wasDerivedFrom)), key=lambda v: v.text),
        appears_in=appears,
        meetings=[a for a in appears if a.event_kind == "meeting"],
        incidents=[a for a in appears if a.event_kind == "incident"],
        is_agent=bool(type_iris & AGENT_CLASSES),
    )


def _appearance(
    r: Renderer, owner: Node, via: URIRef, node: Node | None, inner: URIRef | None, quote_text: Node | None
) -> Appearance:
    g = r.g
    owner_types = set(g.objects(owner, RDF.type))
    date, key = _event_date(g, owner)
    role = g.value(node, MKG.participantRole) if node is not None else None
    via_text = r.prop_label(via) + (f" → {r.prop_label(inner)}" if inner is not None else "")
    kind = "meeting" if MKG.Meeting in owner_types else "incident" if MKG.Incident in owner_types else ""
    if kind and inner is not None and inner != MKG.agent:
        kind = ""  # only participations make engagements; a claimant or a quote source does not
    return Appearance(
        subject=r.value(owner),
        via=via_text,
        types=sorted((r.value(t) for t in owner_types), key=lambda v: v.text),
        date=date,
        sort_key=key,
        role=r.value(role) if role is not None else None,
        quote=str(quote_text) if quote_text is not None else None,
        is_event=bool(owner_types & EVENT_CLASSES),
        event_kind=kind,
    )
