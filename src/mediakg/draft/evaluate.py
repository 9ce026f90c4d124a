"""Compare a draft with the hand mapping of its text (the leave-one-out benchmark and its test).

The rules, also in benchmarks/README.md ("The draft benchmark"):

- The *hand mapping* of source X is data/X.ttl, plus the facts of data/reference/*.ttl that come from X
  alone (a node whose only prov:wasDerivedFrom is X, and the blank nodes under it).
- An *entity of the hand mapping*: a person, organisation (states included), place, law or provision that
  data/X.ttl names (as subject or object) or that says it was derived from X anywhere in the graph.
- A *known entity*: an entity of the hand mapping that the graph built without data/X.ttl also has (with a
  type). Recall of known entities = linked known / known; precision = linked entities of the hand mapping /
  all linked (a link counts when its score is at least the draft's LINK_SCORE).
- *Dates*: the distinct (value, XSD datatype) pairs of the hand mapping (every date-typed literal) against the
  pairs the draft proposes (each expression's value, resolved where the text resolves it, and every bound).
  A day without a year is another pair than the same day with one: precision counts.
- *Meetings, reported cases and acts*: the mkg:Meeting, mkg:Incident (a reported case) and mkg:Act nodes
  of data/X.ttl. A proposal can match a node of its kind when one of its quotes overlaps one of the node's
  evidence quotes in the text; proposals and nodes are then paired one to one (a maximum matching, larger
  overlaps first), so that a proposal covering two hand cases counts once. Recall = hand nodes paired /
  hand nodes; precision = proposals paired / proposals. Of the pairs: *types agree* when the proposal
  carries one of the node's mkg:incidentTypes; *positions agree* (cases) when the proposal's
  mkg:listPosition and mkg:caseNumber are the node's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from mediakg.draft.core import Draft
from mediakg.draft.events import Candidate
from mediakg.draft.graph import ID, MKG, GraphView
from mediakg.draft.names import NewEntity
from mediakg.draft.normalise import tokens

XSD = "http://www.w3.org/2001/XMLSchema#"
DATE_TYPES = {"date", "gYearMonth", "gYear", "gMonthDay", "gMonth"}
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
_ENTITY_TOPS = ("Person", "Organization", "Place", "Law", "LegalProvision")


@dataclass
class GoldEvent:
    iri: str
    kind: str  # meeting | case | act
    spans: list[tuple[int, int]]
    types: set[str] = field(default_factory=set)
    position: tuple[str | None, str | None] = (None, None)  # a case's listPosition and caseNumber


@dataclass
class Gold:
    """The hand mapping of one source, as the benchmark compares it."""

    entities: set[str]
    dates: set[tuple[str, str]]
    events: list[GoldEvent]
    labels: dict[str, set[str]]  # entity IRI -> every label key (for matching new names)


def _store(files: list[Path], source_file: Path) -> tuple[ox.Store, ox.NamedNode]:
    store = ox.Store()
    target = ox.NamedNode("urn:mediakg:bench:source")
    for number, path in enumerate(files):
        graph = target if path == source_file else ox.NamedNode(f"urn:mediakg:bench:{number}")
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)
    return store, target


def _closure(store: ox.Store, node: ox.NamedNode | ox.BlankNode, graph: ox.NamedNode | None) -> list[ox.Quad]:
    """The node's quads and those of the blank nodes under it."""
    out, todo, seen = [], [node], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for quad in store.quads_for_pattern(current, None, None, graph):
            out.append(quad)
            if isinstance(quad.object, ox.BlankNode):
                todo.append(quad.object)
    return out


def _date_pair(term: object) -> tuple[str, str] | None:
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(XSD):
        local = term.datatype.value[len(XSD) :]
        if local in DATE_TYPES:
            return term.value, local
    return None


def load_gold(files: list[Path], source_file: Path, text: str) -> Gold:
    """The hand mapping of the source whose data file is ``source_file`` (one of ``files``, the whole
    project), located in ``text`` (the normalised source text)."""
    store, target = _store(files, source_file)
    source = ox.NamedNode(f"{ID}source/{source_file.stem}")
    typed = {
        row["e"].value
        for row in store.query(
            f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT DISTINCT ?e WHERE {{ ?e a ?t . "
            f"?t rdfs:subClassOf* ?top VALUES ?top {{ {' '.join(f'<{MKG}{c}>' for c in _ENTITY_TOPS)} }} }}",
            use_default_graph_as_union=True,
        )
    }
    entities: set[str] = set()
    dates: set[tuple[str, str]] = set()
    for quad in store.quads_for_pattern(None, None, None, target):
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value in typed:
                entities.add(term.value)
        pair = _date_pair(quad.object)
        if pair:
            dates.add(pair)
    for quad in store.quads_for_pattern(None, ox.NamedNode(PROV_DERIVED), source, None):
        if quad.subject.value in typed:
            entities.add(quad.subject.value)
        derived = {
            q.object for q in store.quads_for_pattern(quad.subject, ox.NamedNode(PROV_DERIVED), None, None)
        }
        if quad.graph_name != target and derived == {source}:  # reference facts from this source alone
            dates.update(
                p for q in _closure(store, quad.subject, quad.graph_name) if (p := _date_pair(q.object))
            )
    return Gold(entities, dates, _events(store, target, text), _labels(store, entities))


def _events(store: ox.Store, target: ox.NamedNode, text: str) -> list[GoldEvent]:
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    events = []
    for kind, cls in (("meeting", "Meeting"), ("case", "Incident"), ("act", "Act")):
        for quad in store.quads_for_pattern(None, rdf_type, ox.NamedNode(MKG + cls), target):
            node = quad.subject
            spans = []
            for ev in store.quads_for_pattern(node, ox.NamedNode(MKG + "evidence"), None, target):
                for exact in store.quads_for_pattern(
                    ev.object, ox.NamedNode("http://www.w3.org/ns/oa#exact"), None, target
                ):
                    quote = " ".join(exact.object.value.split())
                    at = text.find(quote)
                    if at >= 0:
                        spans.append((at, at + len(quote)))
            types = {o.value for o in _objects(store, node, "incidentType", target)}
            position = tuple(
                next((o.value for o in _objects(store, node, p, target)), None)
                for p in ("listPosition", "caseNumber")
            )
            events.append(GoldEvent(node.value, kind, spans, types, position))  # type: ignore[arg-type]
    return events


def _objects(store: ox.Store, node: ox.NamedNode, prop: str, graph: ox.NamedNode) -> list[ox.Term]:
    return [q.object for q in store.quads_for_pattern(node, ox.NamedNode(MKG + prop), None, graph)]


def _labels(store: ox.Store, entities: set[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for iri in entities:
        for prop in ("prefLabel", "altLabel"):
            for quad in store.quads_for_pattern(
                ox.NamedNode(iri), ox.NamedNode(f"http://www.w3.org/2004/02/skos/core#{prop}"), None, None
            ):
                out.setdefault(iri, set()).add(_key(quad.object.value))
    return out


def _key(label: str) -> str:
    return " ".join(w.key for w in tokens(label))


def _ratio(hit: int, total: int) -> float | None:
    return round(hit / total, 3) if total else None


def score(draft: Draft, gold: Gold, reduced: GraphView) -> dict[str, object]:
    """The benchmark's figures for one draft (see the module docstring for what each counts)."""
    known = {e for e in gold.entities if e in reduced.entities}
    linked = set(draft.linked())
    dates = draft.date_values()
    figures: dict[str, object] = {
        "known": len(known),
        "known_found": len(known & linked),
        "known_recall": _ratio(len(known & linked), len(known)),
        "linked": len(linked),
        "linked_correct": len(linked & gold.entities),
        "linked_precision": _ratio(len(linked & gold.entities), len(linked)),
        "known_missed": sorted(e[len(ID) :] for e in known - linked),
        "linked_wrong": sorted(e[len(ID) :] for e in linked - gold.entities),
        "dates": len(gold.dates),
        "dates_found": len(gold.dates & dates),
        "dates_recall": _ratio(len(gold.dates & dates), len(gold.dates)),
        "dates_proposed": len(dates),
        "dates_precision": _ratio(len(gold.dates & dates), len(dates)),
        "dates_missed": sorted(f"{v}^^xsd:{t}" for v, t in gold.dates - dates),
        "dates_extra": sorted(f"{v}^^xsd:{t}" for v, t in dates - gold.dates),
    }
    for kind in ("meeting", "case", "act"):
        figures.update(_events_score(draft, gold, kind))
    figures.update(_new_score(draft.new, gold, known))
    return figures


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """Characters shared by two sets of spans (0: none)."""
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def pair(hand: list[list[tuple[int, int]]], proposed: list[list[tuple[int, int]]]) -> dict[int, int]:
    """A maximum one-to-one matching of hand nodes to proposals whose spans overlap ({hand: proposal}):
    augmenting paths (Kuhn), each hand node trying its proposals by the largest overlap first."""
    options = [
        sorted((j for j, p in enumerate(proposed) if _overlap(h, p)), key=lambda j: -_overlap(h, proposed[j]))
        for h in hand
    ]
    owner: dict[int, int] = {}  # proposal -> hand node

    def augment(i: int, seen: set[int]) -> bool:
        for j in options[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(hand)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def _proposed(draft: Draft, kind: str) -> list[Candidate]:
    if kind == "act":
        return [a for c in draft.events if c.kind == "case" for a in c.acts]
    return [c for c in draft.events if c.kind == kind]


def _events_score(draft: Draft, gold: Gold, kind: str) -> dict[str, object]:
    hand = [g for g in gold.events if g.kind == kind]
    proposed = _proposed(draft, kind)
    pairs = pair([g.spans for g in hand], [[(q.start, q.end) for q in c.quotes] for c in proposed])
    name = {"meeting": "meetings", "case": "cases", "act": "acts"}[kind]
    out: dict[str, object] = {
        name: len(hand),
        f"{name}_proposed": len(proposed),
        f"{name}_paired": len(pairs),
        f"{name}_recall": _ratio(len(pairs), len(hand)),
        f"{name}_precision": _ratio(len(pairs), len(proposed)),
        f"{name}_missed": sorted(g.iri[len(ID) :] for i, g in enumerate(hand) if i not in pairs),
    }
    if kind != "meeting":  # of the pairs, those whose proposal carries one of the hand node's types
        typed = sum(bool(hand[i].types & set(proposed[j].types)) for i, j in pairs.items())
        out.update({f"{name}_typed": typed, f"{name}_type_agreement": _ratio(typed, len(pairs))})
    if kind == "case":  # of the pairs, those at the same position with the same number
        placed = sum(
            hand[i].position == (str(proposed[j].position), proposed[j].number) for i, j in pairs.items()
        )
        out.update(cases_placed=placed, cases_position_agreement=_ratio(placed, len(pairs)))
    return out


def _new_score(new: list[NewEntity], gold: Gold, known: set[str]) -> dict[str, object]:
    unknown = gold.entities - known
    keys = {e: gold.labels.get(e, set()) for e in unknown}
    matched_gold, matched_new = set(), 0
    for proposal in new:
        names = {_key(s) for s in proposal.spellings} | {_key(proposal.label)}
        hits = {e for e, k in keys.items() if names & k or proposal.iri == e}
        matched_gold |= hits
        matched_new += bool(hits)
    return {
        "new_in_hand_mapping": len(unknown),
        "new_recall": _ratio(len(matched_gold), len(unknown)),
        "new_proposed": len(new),
        "new_precision": _ratio(matched_new, len(new)),
    }
