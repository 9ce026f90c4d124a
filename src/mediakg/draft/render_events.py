"""Write the events of a draft: meetings, and reported cases (mkg:Incident) with their acts (mkg:Act), as
the model of issue 11 has them (ontology/MODEL.md, "Events"): each case with its position among the text's
cases (mkg:listPosition), the text's own number where it numbers them (mkg:caseNumber), its acts
(mkg:hasAct) and the types and dates that cover its acts'; every earliest or latest date with the
mkg:DateBound that justifies it."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Protocol

from mediakg.draft.core import Draft
from mediakg.draft.dates import DateExpr, datatype
from mediakg.draft.dating import Bound, Dating, act_dating, case_dating, dating
from mediakg.draft.events import Candidate, quote_span
from mediakg.draft.graph import ID
from mediakg.draft.normalise import slug
from mediakg.draft.source import Sentence, Span
from mediakg.draft.turtle import RULE, comment, iri, literal, placeholder_label

INCIDENT_TYPES = ID + "concept/incident-type/"


class Host(Protocol):
    """What :class:`EventWriter` uses of the :class:`~mediakg.draft.render.TurtleWriter` that owns it (a
    protocol, so that this module need not import the one that imports it)."""

    d: Draft
    text: str
    src: str

    def evidence(self, spans: Iterable[Span | DateExpr | tuple[int, int]], limit: int = 4) -> str: ...
    def where(self, start: int) -> str: ...
    def dateline_place(self) -> str | None: ...
    def document_node(self, document: str) -> list[str]: ...
    def named_in(self, c: Candidate) -> list[str]: ...
    def unique(self, full: str) -> str: ...


class EventWriter:
    """Renders the meetings, cases, acts and date bounds of one draft (a part of :class:`TurtleWriter`)."""

    def __init__(self, writer: Host) -> None:
        self.w = writer
        self.d = writer.d
        self.doc_dates = self.d.header.dates
        self.cases = [c for c in self.d.events if c.kind == "case"]
        self.meetings = [c for c in self.d.events if c.kind == "meeting"]
        self.document = f"<document/{slug(self.d.source.id)}>" if self.cases else None
        self.iris: dict[int, str] = {}  # id(candidate) -> its IRI
        self.owner: dict[int, str] = {}  # id(date expression) -> the IRI of the event it dates
        self.bounds: dict[tuple[str, str, int, str], tuple[str, Bound]] = {}
        self._sentences = sorted(
            (s for e in self.d.source.episodes for s in e.sentences), key=lambda s: s.start
        )
        self._starts = [s.start for s in self._sentences]
        self._name()

    # ------------------------------------------------------------------------------------------ naming

    def _name(self) -> None:
        """IRIs for every meeting, case and act, and which event each date expression dates."""
        for c in self.meetings + self.cases:
            self.iris[id(c)] = self._iri(c)
            for act in c.acts:
                self.iris[id(act)] = self._iri(act)
                self.owner.update((id(d), self.iris[id(act)]) for d in act.dates)
            self.owner.update((id(d), self.iris[id(c)]) for d in c.dates if id(d) not in self.owner)

    def _iri(self, c: Candidate) -> str:
        kind = {"meeting": "meeting", "case": "incident", "act": "act"}[c.kind]
        return self.w.unique(f"{ID}{kind}/{slug(' '.join(self.label(c).split()[:7]))}")

    def label(self, c: Candidate) -> str:
        """A placeholder label: the first words of the sentence of its first quote."""
        first = c.quotes[0]
        sentence = self._sentence_at(first.start)
        return placeholder_label(sentence.body if sentence else self.w.text[first.start : first.end])

    def _sentence_at(self, offset: int) -> Sentence | None:
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and offset < self._sentences[i].end:
            return self._sentences[i]
        return None

    # ----------------------------------------------------------------------------------------- sections

    def render(self) -> list[str]:
        acts = sum(len(c.acts) for c in self.cases)
        lines = [
            RULE,
            f"# Meetings ({len(self.meetings)}) and reported cases ({len(self.cases)}, with {acts} acts) "
            "the text states",
            RULE,
            "",
        ]
        if self.document:
            lines += self.w.document_node(self.document)
        for meeting in self.meetings:
            lines += self._meeting(meeting)
        for case in self.cases:
            lines += self._case(case)
        return lines + self._bound_nodes()

    def _meeting(self, c: Candidate) -> list[str]:
        when = dating(c, self.doc_dates)
        notes = [
            f"meeting? {self._where(c)}",
            "stated by: " + ", ".join(dict.fromkeys(literal(x.phrase) for x in c.cues)),
            f"dates: {when.note}",
        ]
        named = self.w.named_in(c)
        if named:
            notes.append("named in it (who took part, in which post; where?): " + ", ".join(named))
        lines = comment("REVIEW: " + "; ".join(notes))
        lines += self._head(c, "Meeting")
        lines += self._date_lines(when)
        place = self.w.dateline_place()
        if place:  # where it was reported from, not where it took place (mkg:place is the reviewer's)
            lines.append(f"    mkg:reportedFrom {iri(place)} ;")
        lines.append(f"    prov:wasDerivedFrom {self.w.src} ;")
        return lines + [self.w.evidence(c.quotes, limit=6), ""]

    def _case(self, c: Candidate) -> list[str]:
        act_dates = [act_dating(a, c, self.doc_dates) for a in c.acts]
        when = case_dating(act_dates, dating(c, self.doc_dates))
        number = f' (its number "{c.number}" is mkg:caseNumber)' if c.number else ""
        notes = [
            f"reported case {c.position} of the text (mkg:listPosition)? {self._where(c)}{number}",
            "types (its acts'): " + (self._types(c) or "none found - choose one"),
            f"dates: {when.note}",
            f"{len(c.acts)} act{'s' if len(c.acts) > 1 else ''} below: split or merge them as the text says",
        ]
        named = self.w.named_in(c)
        if named:
            notes.append("named in it (victims, perpetrators, places?): " + ", ".join(named))
        lines = comment("REVIEW: " + "; ".join(notes))
        lines += self._head(c, "Incident")
        lines.append(f"    mkg:listPosition {c.position} ;")
        if c.number:
            lines.append(f"    mkg:caseNumber {literal(c.number)} ;")
        lines += self._type_lines(c)
        lines += self._date_lines(when)
        lines.append("    mkg:hasAct " + ", ".join(iri(self.iris[id(a)]) for a in c.acts) + " ;")
        if self.document:
            lines.append(f"    mkg:reportedIn {self.document} ;")
        lines.append(f"    prov:wasDerivedFrom {self.w.src} ;")
        lines += [self.w.evidence(c.quotes, limit=6), ""]
        for n, (act, act_when) in enumerate(zip(c.acts, act_dates, strict=True), start=1):
            lines += self._act(act, act_when, f"act {n} of reported case {c.position}")
        return lines

    def _act(self, a: Candidate, when: Dating, what: str) -> list[str]:
        meeting = self._meeting_of(a)
        notes = [
            f"{what}? types by their labels: " + (self._types(a) or "none found - choose one"),
            f"dates: {when.note}",
        ]
        if meeting:
            notes.append(f"at the meeting above, {iri(meeting)}? (mkg:atEvent)")
        named = self.w.named_in(a)
        if named:
            notes.append(
                "named in it (victims, perpetrators, places; a charge: mkg:chargedUnder, a private party's "
                "demand: mkg:demandedUnder, a provision cited: mkg:citedProvision?): " + ", ".join(named)
            )
        lines = comment("REVIEW: " + "; ".join(notes))
        lines += self._head(a, "Act")
        lines += self._type_lines(a)
        lines += self._date_lines(when)
        if meeting:
            lines.append(f"    mkg:atEvent {iri(meeting)} ;")
        lines.append(f"    prov:wasDerivedFrom {self.w.src} ;")
        return lines + [self.w.evidence(a.quotes, limit=6), ""]

    # ------------------------------------------------------------------------------------------- parts

    def _head(self, c: Candidate, cls: str) -> list[str]:
        return [f"{iri(self.iris[id(c)])} a mkg:{cls} ;", f"    skos:prefLabel {literal(self.label(c))}@en ;"]

    def _where(self, c: Candidate) -> str:
        if c.episode.number:
            return f"{c.episode.kind} {c.episode.number}"
        return f"paragraph at {self.w.where(c.episode.start)}"

    def _types(self, c: Candidate) -> str:
        labels = {concept.iri: concept.label for concept in self.d.graph.concepts("incident-type")}
        return ", ".join(
            f"{labels.get(t, t)} ({', '.join(dict.fromkeys(literal(x.phrase) for x in cues))})"
            for t, cues in c.types.items()
        )

    def _type_lines(self, c: Candidate) -> list[str]:
        concepts = [
            "itype:" + t[len(INCIDENT_TYPES) :] if t.startswith(INCIDENT_TYPES) else iri(t) for t in c.types
        ]
        return [f"    mkg:incidentType {', '.join(concepts)} ;"] if concepts else []

    def _meeting_of(self, act: Candidate) -> str | None:
        """The meeting proposed in the act's own item, bullet or paragraph (the act took place at it, or
        concerned it: media kept out of a session, questions answered at a briefing)."""
        for meeting in self.meetings:
            if meeting.episode.start == act.episode.start:
                return self.iris[id(meeting)]
        return None

    def _date_lines(self, when: Dating) -> list[str]:
        lines = []
        if when.date:
            lines.append(f'    mkg:date "{when.date}"^^xsd:{datatype(when.date)} ;')
        for side, bound in (("earliest", when.earliest), ("latest", when.latest)):
            if bound:
                lines.append(f'    mkg:{side}Date "{bound.value}"^^xsd:{datatype(bound.value)} ;')
                lines.append(f"    mkg:{side}Bound {self._bound_node(bound)} ;")
        if when.basis:
            lines.append(f"    mkg:dateBasis datebasis:{when.basis} ;")
        return lines

    # -------------------------------------------------------------------------------------- date bounds

    def _bound_node(self, bound: Bound) -> str:
        """The blank node label of a bound (one node per bound, however many events it bounds)."""
        if bound.key not in self.bounds:
            self.bounds[bound.key] = (f"_:bound-{len(self.bounds) + 1}", bound)
        return self.bounds[bound.key][0]

    def _bounded_by(self, bound: Bound) -> str | None:
        """What the bound is taken from, as Turtle: the reporting document, the source text, or the event
        whose date a relative phrase counts from (not the event the phrase itself dates)."""
        if bound.by == "document":
            return self.document or self.w.src
        if bound.by == "source":
            return self.w.src
        anchor = bound.expr.anchor
        by = self.owner.get(id(anchor)) if anchor is not None else None
        return iri(by) if by and by != self.owner.get(id(bound.expr)) else None

    def _bound_nodes(self) -> list[str]:
        if not self.bounds:
            return []
        title = f"# Date bounds ({len(self.bounds)}): what each earliest or latest date rests on"
        lines = [RULE, title, RULE, ""]
        for label, bound in self.bounds.values():
            by = self._bounded_by(bound)
            lines += comment(
                f"REVIEW: {bound.value}, {bound.basis.replace('-', ' ')}, from {bound.expr.quote!r} "
                f"({self.w.where(bound.expr.start)})" + (f", bounded by {by}" if by else "")
            )
            lines += [
                f"{label} a mkg:DateBound ;",
                f'    mkg:date "{bound.value}"^^xsd:{datatype(bound.value)} ;',
                f"    mkg:dateBasis datebasis:{bound.basis} ;",
            ]
            if by:
                lines.append(f"    mkg:boundedBy {by} ;")
            lines.append(f"    prov:wasDerivedFrom {self.w.src} ;")
            lines += [self.w.evidence([self._bound_quote(bound.expr)]), ""]
        return lines

    def _bound_quote(self, expr: DateExpr) -> Span:
        """The sentence (or a window of it) that states the bound; the expression alone in the header."""
        sentence = self._sentence_at(expr.start)
        if sentence is None:
            return Span(expr.start, expr.end)
        return quote_span(self.w.text, sentence, (expr.start, expr.end))
