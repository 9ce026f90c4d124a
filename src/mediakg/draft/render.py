"""Write a draft as Turtle for data/<id>.ttl: every proposal under a ``# REVIEW:`` comment, every asserted
entity with ``prov:wasDerivedFrom`` and at least one verbatim quote, questions and date expressions as
comments."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable

from mediakg.draft.core import Draft
from mediakg.draft.dates import DateExpr
from mediakg.draft.events import Candidate
from mediakg.draft.graph import ID
from mediakg.draft.names import NewEntity
from mediakg.draft.normalise import slug
from mediakg.draft.render_events import EventWriter
from mediakg.draft.source import Span
from mediakg.draft.turtle import RULE, comment, iri, lang_literal, literal

PREFIXES = """@base <https://w3id.org/mediakg/id/> .
@prefix mkg:       <https://w3id.org/mediakg/ontology#> .
@prefix prov:      <http://www.w3.org/ns/prov#> .
@prefix skos:      <http://www.w3.org/2004/02/skos/core#> .
@prefix dct:       <http://purl.org/dc/terms/> .
@prefix oa:        <http://www.w3.org/ns/oa#> .
@prefix eli:       <http://data.europa.eu/eli/ontology#> .
@prefix xsd:       <http://www.w3.org/2001/XMLSchema#> .
@prefix itype:     <https://w3id.org/mediakg/id/concept/incident-type/> .
@prefix datebasis: <https://w3id.org/mediakg/id/concept/date-basis/> .
@prefix lawtype:   <https://w3id.org/mediakg/id/concept/law-type/> .
"""


class TurtleWriter:
    """Renders one draft."""

    def __init__(self, draft: Draft) -> None:
        self.d = draft
        self.text = draft.source.text
        self.src = f"<source/{draft.source.id}>"
        self.used_iris: set[str] = set(draft.graph.entities)
        self._by_start: list[tuple[int, str]] = []
        self._name_starts: list[int] = []

    def evidence(self, spans: Iterable[Span | DateExpr | tuple[int, int]], limit: int = 4) -> str:
        quotes = []
        for span in spans:
            start, end = (span.start, span.end) if hasattr(span, "start") else span
            quote = self.text[start:end].strip()[:200].strip()
            if quote and quote not in quotes:
                quotes.append(quote)
        quotes = quotes[:limit]
        parts = [f"[ a mkg:Evidence ; oa:exact {literal(q)} ; dct:source {self.src} ]" for q in quotes]
        return "    mkg:evidence " + " ,\n        ".join(parts) + " ."

    def where(self, start: int) -> str:
        return f"line {self.d.line_of(start)}"

    # ----------------------------------------------------------------------------------------- sections

    def render(self) -> str:
        out = self.preamble() + [PREFIXES]
        for section in (
            self.source_doc,
            self.dates,
            self.known,
            self.questions,
            self.new_entities,
            self.events,
        ):
            out += section()
        return "\n".join(out).rstrip() + "\n"

    def preamble(self) -> list[str]:
        d = self.d
        counts = (
            f"{len(d.linked())} known entities, {len(d.new)} new names, {len(d.dates)} date expressions, "
            f"{d.counts()}, {len(d.questions)} questions"
        )
        today = dt.date.today().isoformat()
        return comment(
            f"DRAFT of data/{d.source.id}.ttl, written by `mediakg draft` on {today}\n"
            f"from {d.source.path.name}, against a graph of {d.graph.triples} triples.\n"
            "Nothing here has been checked by a person yet.\n"
            f"Found: {counts}.\n\n"
            'Every block below is a proposal under a "# REVIEW:" comment: keep it, correct it or delete it.\n'
            "Quotes (oa:exact) are verbatim from the text. Scores: 1.0 = a label found verbatim,\n"
            "0.97 = other case or accents, 0.93 = a spelling variant, 0.9 = initials and surname,\n"
            "0.85 = surname or short name, 0.8 = implied by a post's title; close spellings (<= 0.87)\n"
            "are listed as questions only. Labels of meetings, cases and acts are ours (the first words\n"
            "of the text): rewrite them. Then: mediakg verify-quotes; mediakg validate data/<id>.ttl;\n"
            "data/MAPPING-NOTES.md; mediakg build."
        ) + [""]

    def source_doc(self) -> list[str]:
        h, d = self.d.header, self.d
        notes, props, spans = [], [f"dct:identifier {literal(d.source.id)}"], []
        if h.title:
            props.append(f"dct:title {literal(h.title.body)}@en")
            spans.append(h.title)
            notes.append(f"title: {self.where(h.title.start)} (the headline before the dateline or date)")
        else:
            notes.append("title: none found - add dct:title")
        if h.dateline:
            props.append(f'mkg:datelineDate "{h.dateline.date.final}"^^xsd:date')
            spans.append(h.dateline.quote)
            place = self.dateline_place()
            if place:
                props.append(f"mkg:datelinePlace {iri(place)}")
            notes.append(
                f"dateline: {literal(self.d.source.quote(h.dateline.quote))} - a dateline, not an event date"
            )
        if h.dates.issued:
            props.append(f'dct:issued "{h.dates.issued.final}"^^xsd:date')
            spans.append(h.issued_quote or h.dates.issued)
            notes.append(f"publication date as printed: {literal(h.dates.issued.quote)}")
        if h.dates.period:
            notes.append(f"the text says it covers {h.dates.period.final} ({literal(h.dates.period.quote)})")
        if h.languages:
            props.append("dct:language " + ", ".join(f'"{tag}"^^xsd:language' for tag in h.languages))
            spans += [Span(line.start, min(line.end, line.start + 120)) for line in h.languages.values()]
            notes.append(
                "languages seen: "
                + ", ".join(f"{tag} ({self.where(ln.start)})" for tag, ln in h.languages.items())
            )
        if h.dateline and h.dateline.agency:
            notes.append(
                f"the dateline credits {literal(self.d.source.quote(h.dateline.agency))}: "
                "the publisher (dct:publisher)?"
            )
        lines = [RULE, "# The source text", RULE, ""]
        lines += comment("REVIEW: " + "; ".join(notes))
        lines += [f"{self.src} a mkg:SourceDocument ;"] + [f"    {p} ;" for p in props]
        lines += [self.evidence(spans or [Span(0, min(len(self.text), 80))], limit=6), ""]
        return lines

    def dateline_place(self) -> str | None:
        h = self.d.header
        if not h.dateline:
            return None
        span = h.dateline.place
        for mention in self.d.found.mentions:
            if mention.start == span.start:
                return mention.iri
        for entity in self.d.new:
            if any(s == span.start for s, _, _ in entity.mentions):
                return entity.iri
        place = NewEntity(
            self.d.source.quote(span).title(),
            "Place",
            "place",
            "the dateline's place",
            [(span.start, span.end, self.d.source.quote(span))],
        )
        place.iri = f"{ID}place/{slug(place.label)}"
        self.d.new.append(place)
        return place.iri

    def dates(self) -> list[str]:
        lines = [
            RULE,
            f"# Date expressions ({len(self.d.dates)}): as the text gives them, and what it makes of them",
            RULE,
        ]
        for expr in self.d.dates:
            lines += comment("REVIEW: " + self._date_line(expr))
        return lines + [""]

    def _date_line(self, expr: DateExpr) -> str:
        text = f"{literal(expr.quote)} ({self.where(expr.start)}): "
        if expr.value:
            text += f"{expr.value} xsd:{expr.precision and _DT[expr.precision]} ({expr.precision})"
        else:
            text += "relative"
        if expr.resolved and expr.resolved != expr.value:
            text += f" -> {expr.resolved} xsd:{expr.datatype}, basis {expr.basis}"
        if expr.bound:
            text += f"; {expr.bound[0]} date {expr.bound[1]}"
        if expr.note:
            text += f" [{expr.note}]"
        return text

    def known(self) -> list[str]:
        linked = self.d.linked()
        lines = [RULE, f"# Entities the graph knows ({len(linked)}), where this text names them", RULE, ""]
        graph = self.d.graph.entities
        order = sorted(linked, key=lambda i: (sorted(graph[i].kinds), graph[i].label))
        for entity_iri in order:
            entity, mentions = graph[entity_iri], linked[entity_iri]
            shown = "; ".join(
                f"{literal(m.surface)} {m.score:.2f} ({self.where(m.start)}, {m.how})"
                for m in _distinct(mentions)[:4]
            )
            cls = "/".join(
                sorted(c for c in entity.classes if c not in ("Person", "Organization", "Place"))
                or entity.classes
            )
            lines += comment(
                f"REVIEW: {entity.short} {literal(entity.label)} (mkg:{cls}), "
                f"score {mentions[0].score:.2f}: {shown}"
            )
            lines.append(f"{iri(entity_iri)} prov:wasDerivedFrom {self.src} ;")
            labels = {lab.text for lab in entity.labels}
            spellings = [
                m.surface
                for m in _distinct(mentions)
                if m.surface not in labels and m.how.startswith(("label", "close", "initial"))
            ]
            if spellings:
                lines.append(
                    "    skos:altLabel " + ", ".join(lang_literal(s) for s in dict.fromkeys(spellings)) + " ;"
                )
            lines += [self.evidence((m.start, m.end) for m in _distinct(mentions)), ""]
        return lines

    def questions(self) -> list[str]:
        lines = [RULE, f"# Questions for the reviewer ({len(self.d.questions)})", RULE]
        graph = self.d.graph.entities
        for q in self.d.questions:
            names = [
                f"{graph[c].short} {literal(graph[c].label)}"
                if c in graph
                else literal(c.removeprefix("new:"))
                for c in q.candidates
            ]
            lines += comment(
                f"REVIEW: QUESTION {literal(q.surface)} ({self.where(q.start)}): same as "
                f"{' or '.join(names)}? ({q.why}) If so, add this spelling and quote to it."
            )
        return lines + [""]

    def new_entities(self) -> list[str]:
        lines = [RULE, f"# Names the graph does not know ({len(self.d.new)}): new entities?", RULE, ""]
        for entity in self.d.new:
            lines += self._new_entity(entity)
        return lines

    def _new_entity(self, e: NewEntity) -> list[str]:
        first = e.mentions[0]
        lines = comment(
            f"REVIEW: new mkg:{e.cls}? {literal(e.label)} ({self.where(first[0])}; {e.why}); "
            f"suggested IRI id:{e.iri[len(ID) :]}"
        )
        lines.append(f"{iri(e.iri)} a mkg:{e.cls} ;")
        lines.append(f"    skos:prefLabel {lang_literal(e.label)} ;")
        others = [s for s in e.spellings if s != e.label]
        if others:
            lines.append("    skos:altLabel " + ", ".join(lang_literal(s) for s in others) + " ;")
        if e.kind == "law" and e.law_type:
            lines.append(f"    mkg:lawType lawtype:{e.law_type} ;")
        if e.kind == "provision":
            if e.law:
                lines.append(f"    eli:is_part_of {iri(e.law)} ;")
            lines.append(f"    mkg:articleNumber {literal(e.article or '')} ;")
        lines.append(f"    prov:wasDerivedFrom {self.src} ;")
        lines += [self.evidence((s, t) for s, t, _ in e.mentions), ""]
        return lines

    def events(self) -> list[str]:
        return EventWriter(self).render()

    def document_node(self, document: str) -> list[str]:
        h = self.d.header
        lines = comment(
            "REVIEW: the document that reports the cases below (make it mkg:Appeal or "
            "mkg:MonitoringReport, with dct:creator, where the text says so)"
        )
        lines.append(f"{document} a mkg:Document ;")
        if h.title:
            lines.append(f"    skos:prefLabel {literal(h.title.body)}@en ;")
        date = h.dates.period or h.dates.reference
        if date and date.final:
            lines.append(f'    mkg:date "{date.final}"^^xsd:{date.datatype} ;')
        lines += [f"    mkg:describedIn {self.src} ;", f"    prov:wasDerivedFrom {self.src} ;"]
        spans = [h.title] if h.title else []
        spans += [date] if date else []
        return lines + [self.evidence(spans or [Span(0, 40)]), ""]

    def named_in(self, c: Candidate) -> list[str]:
        if not self._by_start:
            items = [
                (m.start, self.d.graph.entities[m.iri].short)
                for m in self.d.found.mentions
                if m.score >= 0.75
            ]
            items += [(s, f"id:{e.iri[len(ID) :]} (new)") for e in self.d.new for s, _, _ in e.mentions]
            self._by_start = sorted(items)
            self._name_starts = [s for s, _ in self._by_start]
        starts = self._name_starts
        names = []
        for q in c.quotes:
            lo, hi = bisect.bisect_left(starts, q.start), bisect.bisect_left(starts, q.end)
            names += [name for _, name in self._by_start[lo:hi]]
        return list(dict.fromkeys(names))

    def unique(self, full: str) -> str:
        candidate, n = full, 2
        while candidate in self.used_iris:
            candidate, n = f"{full}-{n}", n + 1
        self.used_iris.add(candidate)
        return candidate


_DT = {
    "day": "date",
    "month": "gYearMonth",
    "year": "gYear",
    "day without year": "gMonthDay",
    "month without year": "gMonth",
    "relative": "",
}


def _distinct(mentions: list) -> list:
    """One mention per spelling (the best scored first)."""
    seen, out = set(), []
    for m in mentions:
        if m.surface not in seen:
            seen.add(m.surface)
            out.append(m)
    return out


def render(draft: Draft) -> str:
    """The draft as Turtle text."""
    return TurtleWriter(draft).render()
