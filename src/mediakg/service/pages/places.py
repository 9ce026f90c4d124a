"""What a place's page adds: the reported cases and the meetings at the place or at a place within it, and
the meetings datelined there ("held in, or datelined in": ``mkg:placeOrDateline``, ontology/MODEL.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Node

from mediakg.graph.namespaces import MKG
from mediakg.graph.terms import qname
from mediakg.service.pages.dates import When, row_when
from mediakg.service.pages.render import Linker, Value


@dataclass
class Where:
    """How an event is linked to the place: at it (or a place in it), or datelined there."""

    place: Value
    datelined: bool


@dataclass
class HereItem:
    """A case or meeting at the place, with its time and the places that link it here."""

    event: Value
    when: When
    where: list[Where] = field(default_factory=list)


@dataclass
class Here:
    """The cases and meetings at a place (or within it), each in date order."""

    cases: list[HereItem]
    meetings: list[HereItem]


def place_events(rows: list[dict[str, Node]], linker: Linker) -> Here:
    """The answer of ``place-events.rq`` as a :class:`Here` (one item per event, its places gathered)."""
    items: dict[tuple[str, str], HereItem] = {}
    for r in rows:
        event = str(r["event"])
        key = (str(r["class"]), event)
        if key not in items:
            label = str(r.get("label") or qname(event))
            time = row_when(r)
            items[key] = HereItem(Value(text=label, href=linker.href(event), iri=event), time)
        at = str(r["at"])
        where = Where(
            Value(text=str(r.get("atLabel") or qname(at)), href=linker.href(at), iri=at),
            datelined=str(r["how"]) == str(MKG.reportedFrom),
        )
        if where not in items[key].where:
            items[key].where.append(where)

    for item in items.values():  # stores answer rows in any order
        item.where.sort(key=lambda w: (w.datelined, w.place.text.lower()))

    def of(cls: Node) -> list[HereItem]:
        found = [item for (c, _), item in items.items() if c == str(cls)]
        return sorted(found, key=lambda it: (it.when.key, it.event.text.lower()))

    return Here(cases=of(MKG.Incident), meetings=of(MKG.Meeting))
