"""What an entity page shows, built from the entity's concise bounded description (and, for a reported case,
the descriptions of its acts): the view model that ``entity.html`` renders.

Pure functions of rdflib graphs (no I/O). The parts:

- the heading: name, other spellings, types, incident types (each a link to the filtered listing);
- for events: when (at the text's precision, with each bound's basis and quote), where (and the dateline
  place, "datelined in"), the case an act belongs to, the document and number a case is reported under;
- a reported case's acts, each with its types, date, places and participants;
- claims as claims: who said it, our summary, the source's words;
- the remaining properties with friendly names, sources and quotes, and what links to the entity, one row
  per linking thing ("mentioned in 2 claims").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rdflib import RDF, BNode, Graph, Literal, Node, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from mediakg.graph.namespaces import MKG, OA
from mediakg.service.pages.dates import When, when
from mediakg.service.pages.labels import via_phrase
from mediakg.service.pages.render import Linker, PropertyRow, Renderer, Value, best_label, local_name

# Shown in their own sections of an entity page, not in the property table.
SECTION_PROPERTIES = frozenset(
    {RDF.type, SKOS.prefLabel, SKOS.altLabel, MKG.evidence, MKG.participation, MKG.claim, PROV.wasDerivedFrom}
)
# ... and on an event page, in its "when" and "where" lines and its acts.
EVENT_PROPERTIES = frozenset(
    {
        MKG.date,
        MKG.earliestDate,
        MKG.latestDate,
        MKG.dateBasis,
        MKG.earliestBound,
        MKG.latestBound,
        MKG.place,
        MKG.reportedFrom,
        MKG.hasAct,
        MKG.reportedIn,
        MKG.caseNumber,
        MKG.listPosition,
        MKG.incidentType,
    }
)
# Of an act, as its case's page lists it: what the "acts" table shows in its own columns.
ACT_COLUMNS = SECTION_PROPERTIES | EVENT_PROPERTIES | {DCTERMS.description, MKG.relatedTo}
EVENT_CLASSES = frozenset({MKG.Meeting, MKG.Incident, MKG.Act, MKG.Election})
AGENT_CLASSES = frozenset(
    {
        MKG.Person,
        MKG.Official,
        MKG.Journalist,
        MKG.Organization,
        MKG.State,
        MKG.StateBody,
        MKG.IntergovernmentalBody,
        MKG.NonGovernmentalOrganization,
        MKG.MediaOutlet,
        MKG.ObservationMission,
    }
)


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
class Bound:
    """One bound of an event's date: which side, the date, how it was obtained, from what, and the quote."""

    side: str  # "no earlier than" / "no later than"
    date: str
    basis: Value | None
    bounded_by: Value | None
    quotes: list[Quote]


@dataclass
class EventFacts:
    """When and where an event happened, and where it belongs (an act's case, a case's document)."""

    when: When
    basis: Value | None
    bounds: list[Bound]
    places: list[Value]
    datelines: list[Value]
    case: Value | None = None
    reported_in: Value | None = None
    number: str = ""


@dataclass
class Claim:
    """A statement one side made: who (identified claimants, or the side as the text describes it, and its
    kind), our one-sentence summary, the source's own words, the act it concerns, and what else it states."""

    who: list[Value]
    side: str
    kinds: list[Value]
    summary: str
    quotes: list[Quote]
    about: Value | None
    rows: list[PropertyRow]

    @property
    def speaker(self) -> str:
        """Who said it, in words: "Beibut Atamkulov and Ingibjörg Gísladóttir", "a girl from the group"."""
        if self.who:
            names = [v.text for v in self.who]
            return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        if self.side:
            return self.side
        return " / ".join(v.text for v in self.kinds) or "one side"


@dataclass
class Act:
    """One act of a reported case, as the case's page lists it."""

    act: Value
    types: list[Value]
    when: When
    places: list[Value]
    participants: list[Participant]
    rows: list[PropertyRow]


@dataclass
class Appearance:
    """A thing that links to the entity: what it is, how it links (and how many times), its date, a role."""

    subject: Value
    how: str
    types: list[Value]
    date: str
    sort_key: tuple[int, int, int]
    role: Value | None = None
    quotes: list[str] = field(default_factory=list)
    event_kind: str = ""


@dataclass
class EntityView:
    """Everything an entity page shows."""

    iri: str
    label: str
    alt_labels: list[Value]
    types: list[Value]
    incident_types: list[Value]
    rows: list[PropertyRow]
    participants: list[Participant]
    claims: list[Claim]
    quotes: list[Quote]
    sources: list[Value]
    appears_in: list[Appearance]
    meetings: list[Appearance]
    incidents: list[Appearance]
    is_agent: bool
    event: EventFacts | None = None
    acts: list[Act] = field(default_factory=list)
    kind: str = ""  # "case", "act", "meeting", "agent", "place" or ""


# --------------------------------------------------------------------------- parts


def quotes_of(r: Renderer, subject: Node) -> list[Quote]:
    """The evidence quotes of ``subject``, each once (the same words from the same source count once)."""
    out: dict[tuple[str, str], Quote] = {}
    for ev in r.g.objects(subject, MKG.evidence):
        exact = r.g.value(ev, OA.exact)
        source = r.g.value(ev, DCTERMS.source)
        q = Quote(
            text=str(exact) if exact is not None else "",
            source=r.value(source) if source is not None else None,
            source_id=local_name(str(source)) if source is not None else "",
        )
        out.setdefault((q.text, q.source_id), q)
    return sorted(out.values(), key=lambda q: (q.source_id, q.text))


def event_when(g: Graph, node: Node) -> When:
    """The time of event ``node`` in ``g`` (see :func:`.dates.when`)."""
    date, earliest, latest = (g.value(node, p) for p in (MKG.date, MKG.earliestDate, MKG.latestDate))
    lit = [v if isinstance(v, Literal) else None for v in (date, earliest, latest)]
    return when(*lit)


def participants_of(r: Renderer, event: Node) -> list[Participant]:
    """Who took part in ``event``, in which role and capacity (by role, then name)."""
    out = []
    for p in r.g.objects(event, MKG.participation):
        agent = r.g.value(p, MKG.agent)
        description = r.g.value(p, MKG.agentDescription)
        who = r.value(agent) if agent is not None else Value(text=str(description or "(not named)"))
        role = r.g.value(p, MKG.participantRole)
        capacity = r.g.value(p, MKG.inCapacityOf)
        out.append(
            Participant(
                who,
                r.value(role) if role is not None else None,
                r.value(capacity) if capacity is not None else None,
            )
        )
    out.sort(key=lambda p: (p.role.text if p.role else "", p.agent.text))
    return out


def _values(r: Renderer, subject: Node, prop: URIRef) -> list[Value]:
    return sorted((r.value(o) for o in r.g.objects(subject, prop)), key=lambda v: v.text.lower())


def claims_of(r: Renderer, subject: Node, about: Value | None = None) -> list[Claim]:
    """The claims stated on ``subject`` (a meeting, a case or an act), ``about`` the act they concern."""
    shown = {MKG.claimant, MKG.agentDescription, MKG.claimantType, DCTERMS.description, MKG.evidence}
    out = []
    for c in r.g.objects(subject, MKG.claim):
        side = r.g.value(c, MKG.agentDescription)
        summary = r.g.value(c, DCTERMS.description)
        out.append(
            Claim(
                who=_values(r, c, MKG.claimant),
                side=str(side) if side is not None else "",
                kinds=_values(r, c, MKG.claimantType),
                summary=str(summary) if summary is not None else "",
                quotes=quotes_of(r, c),
                about=about,
                rows=r.rows(c, exclude=shown | {RDF.type, PROV.wasDerivedFrom}),
            )
        )
    out.sort(key=lambda c: (c.about.text if c.about else "", c.speaker.lower(), c.summary))
    return out


def _bounds(r: Renderer, event: Node) -> list[Bound]:
    out = []
    for prop, side in ((MKG.earliestBound, "no earlier than"), (MKG.latestBound, "no later than")):
        for b in r.g.objects(event, prop):
            date = r.g.value(b, MKG.date)
            basis = r.g.value(b, MKG.dateBasis)
            by = r.g.value(b, MKG.boundedBy)
            out.append(
                Bound(
                    side=side,
                    date=r.value(date).text if date is not None else "",
                    basis=r.value(basis) if basis is not None else None,
                    bounded_by=r.value(by) if by is not None else None,
                    quotes=quotes_of(r, b),
                )
            )
    return out


def event_facts(r: Renderer, me: URIRef) -> EventFacts:
    """When and where event ``me`` happened, with its bounds, its case (an act) or its document (a case)."""
    g = r.g
    basis = g.value(me, MKG.dateBasis)
    case = next(iter(g.subjects(MKG.hasAct, me)), None)
    document = g.value(me, MKG.reportedIn)
    number, position = g.value(me, MKG.caseNumber), g.value(me, MKG.listPosition)
    if number is not None:
        label = f"case {number}"
    elif position is not None:
        label = f"item {position}"
    else:
        label = ""
    return EventFacts(
        when=event_when(g, me),
        basis=r.value(basis) if basis is not None else None,
        bounds=_bounds(r, me),
        places=_values(r, me, MKG.place),
        datelines=_values(r, me, MKG.reportedFrom),
        case=r.value(case) if case is not None else None,
        reported_in=r.value(document) if document is not None else None,
        number=label,
    )


def act_view(act_graph: Graph, act: URIRef, linker: Linker, labels: Mapping[str, str]) -> Act:
    """One act of a case from the act's own description."""
    r = Renderer(act_graph, linker, labels)
    return Act(
        act=r.value(act),
        types=_values(r, act, MKG.incidentType),
        when=event_when(act_graph, act),
        places=_values(r, act, MKG.place),
        participants=participants_of(r, act),
        rows=r.rows(act, exclude=ACT_COLUMNS),
    )


# --------------------------------------------------------------------------- what links to the entity


def _owner(g: Graph, node: Node) -> list[tuple[Node, URIRef, Node]]:
    """(owner, owner's property, the blank node it holds) for a blank node that links to the entity: the
    thing that owns it, up to two levels up (the meeting of a participation, the case of a claim's quote)."""
    out = []
    for owner, via in g.subject_predicates(node):
        held = node
        if isinstance(owner, BNode):
            above = list(g.subject_predicates(owner))
            if not above:
                continue
            held = owner
            owner, via = above[0]
        out.append((owner, via, held))
    return out


def appearances(r: Renderer, me: URIRef) -> list[Appearance]:
    """What links to ``me``: one row per linking thing and way of linking (several claims of one meeting
    that mention the entity make one row, "mentioned in 2 claims"), in date order."""
    groups: dict[tuple[Node, str, str | None, Node | None], list[tuple[Node, str | None]]] = {}
    for s, p in r.g.subject_predicates(me):
        if p == MKG.hasAct:
            continue  # an act's case is shown at the top of its page
        if not isinstance(s, BNode):
            groups.setdefault((s, str(p), None, None), []).append((s, None))
            continue
        role = r.g.value(s, MKG.participantRole)
        quote = r.g.value(s, OA.exact)
        for owner, via, held in _owner(r.g, s):
            key = (owner, str(via), str(p), role)
            groups.setdefault(key, []).append((held, str(quote) if quote is not None else None))
    out = [_appearance(r, *key, found) for key, found in groups.items()]
    out.sort(key=lambda a: (a.sort_key, a.subject.text.lower(), a.how))
    return out


def _appearance(
    r: Renderer,
    owner: Node,
    via: str,
    inner: str | None,
    role: Node | None,
    found: list[tuple[Node, str | None]],
) -> Appearance:
    owner_types = set(r.g.objects(owner, RDF.type))
    time = event_when(r.g, owner)
    count = len({held for held, _ in found})
    kind = "meeting" if MKG.Meeting in owner_types else "incident" if MKG.Incident in owner_types else ""
    if kind and inner != str(MKG.agent):
        kind = ""  # only participations make engagements; a claimant or a quote source does not
    return Appearance(
        subject=r.value(owner),
        how=via_phrase(r.prop_label, via, inner, count),
        types=sorted((r.value(t) for t in owner_types), key=lambda v: v.text),
        date=time.text if owner_types & EVENT_CLASSES else "",
        sort_key=time.key,
        role=r.value(role) if role is not None else None,
        quotes=sorted({q for _, q in found if q}),
        event_kind=kind,
    )


def _unique_events(items: list[Appearance]) -> list[Appearance]:
    """Each event once (a person who is victim and witness of one case is listed with the first role)."""
    seen: set[str | None] = set()
    out = []
    for a in items:
        if a.subject.iri not in seen:
            seen.add(a.subject.iri)
            out.append(a)
    return out


# --------------------------------------------------------------------------- the page


def _kind(types: set[Node]) -> str:
    if MKG.Incident in types:
        return "case"
    if MKG.Act in types:
        return "act"
    if MKG.Meeting in types:
        return "meeting"
    if types & AGENT_CLASSES:
        return "agent"
    return "place" if MKG.Place in types else ""


def entity_view(
    g: Graph,
    iri: str,
    linker: Linker,
    labels: Mapping[str, str],
    acts: Mapping[str, Graph] | None = None,
) -> EntityView:
    """The view model of entity ``iri`` from its concise bounded description ``g``; ``labels`` names terms
    (:func:`.labels.term_labels`); ``acts`` holds the descriptions of a reported case's acts by IRI."""
    r = Renderer(g, linker, labels)
    me = URIRef(iri)
    type_iris = set(g.objects(me, RDF.type))
    is_event = bool(type_iris & EVENT_CLASSES)
    appears = appearances(r, me)
    in_order = sorted(
        ((act_view(ag, URIRef(a), linker, labels), ag) for a, ag in (acts or {}).items()),
        key=lambda pair: (pair[0].when.key, pair[0].act.text),
    )
    act_views = [view for view, _ in in_order]
    claims = claims_of(r, me)  # the case's own, then those of its acts in the acts' order
    for view, act_graph in in_order:
        claims += claims_of(Renderer(act_graph, linker, labels), URIRef(view.act.iri or ""), about=view.act)
    exclude = SECTION_PROPERTIES | EVENT_PROPERTIES if is_event else SECTION_PROPERTIES
    return EntityView(
        iri=iri,
        label=best_label(g, me),
        alt_labels=_values(r, me, SKOS.altLabel),
        types=sorted((r.value(t) for t in type_iris), key=lambda v: v.text),
        incident_types=_values(r, me, MKG.incidentType),
        rows=r.rows(me, exclude=exclude),
        participants=participants_of(r, me),
        claims=claims,
        quotes=quotes_of(r, me),
        sources=_values(r, me, PROV.wasDerivedFrom),
        appears_in=appears,
        meetings=_unique_events([a for a in appears if a.event_kind == "meeting"]),
        incidents=_unique_events([a for a in appears if a.event_kind == "incident"]),
        is_agent=bool(type_iris & AGENT_CLASSES),
        event=event_facts(r, me) if is_event else None,
        acts=act_views,
        kind=_kind(type_iris),
    )
