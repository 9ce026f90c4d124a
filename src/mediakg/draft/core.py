"""Draft the mapping of one source text against one graph: the steps in order, and their result."""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from pathlib import Path

from mediakg.draft.dates import DateExpr, find_dates, resolve
from mediakg.draft.document import Header, read_header
from mediakg.draft.entities import Found, Matcher, Mention, Question
from mediakg.draft.events import Candidate, find_events
from mediakg.draft.graph import GraphView
from mediakg.draft.lexicon import Lexicon
from mediakg.draft.names import NameFinder, NewEntity
from mediakg.draft.source import SourceText, read_source

#: Mentions scored below this are not proposed as links (they only come as questions).
LINK_SCORE = 0.75


@dataclass
class Draft:
    """Everything proposed for one text."""

    source: SourceText
    graph: GraphView
    header: Header
    dates: list[DateExpr]
    found: Found
    new: list[NewEntity]
    questions: list[Question]
    events: list[Candidate]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list, repr=False)

    def linked(self) -> dict[str, list[Mention]]:
        """Known entity IRI -> its mentions (best first)."""
        return {iri: ms for iri, ms in self.found.by_entity().items() if ms[0].score >= LINK_SCORE}

    def counts(self) -> str:
        """The events proposed, in words ("4 reported cases with 5 acts, 1 meetings")."""
        cases = [c for c in self.events if c.kind == "case"]
        acts = sum(len(c.acts) for c in cases)
        return f"{len(cases)} reported cases with {acts} acts, {len(self.events) - len(cases)} meetings"

    def date_values(self) -> set[tuple[str, str]]:
        """Every (lexical value, XSD datatype) proposed: each expression's value (resolved where the text
        resolves it) and every bound."""
        out: set[tuple[str, str]] = set()
        for expr in self.dates:
            if expr.final:
                out.add((expr.final, expr.datatype))
            if expr.bound:
                out.add((expr.bound[1], _datatype(expr.bound[1])))
        return out

    def line_of(self, offset: int) -> int:
        """Line number (in the file) of a text offset."""
        starts = (
            [line.start for line in self.source.lines] if len(self.source.lines) < 64 else self._line_starts()
        )
        index = bisect.bisect_right(starts, offset) - 1
        return self.source.lines[index].number if index >= 0 else 0

    def _line_starts(self) -> list[int]:
        if len(self._starts) != len(self.source.lines):
            self._starts[:] = [line.start for line in self.source.lines]
        return self._starts


def _datatype(value: str) -> str:
    from mediakg.draft.dates import datatype

    return datatype(value)


class Drafter:
    """Drafts texts against one graph (the graph's indexes are built once)."""

    def __init__(self, graph: GraphView, lexicon: Lexicon | None = None) -> None:
        self.graph = graph
        self.lexicon = lexicon or Lexicon.load()
        self.matcher = Matcher(graph, self.lexicon)
        self.names = NameFinder(graph, self.lexicon)

    def draft_file(self, path: Path, source_id: str | None = None) -> Draft:
        """Read ``path`` (UsageError for an unusable file) and draft it."""
        return self.draft(read_source(path, self.lexicon, source_id))

    def draft(self, source: SourceText) -> Draft:
        started = time.perf_counter()
        dates = find_dates(source, self.lexicon)
        header = read_header(source, dates, self.lexicon)
        resolve(dates, header.dates, source)
        found = self.matcher.match(source)
        new, name_questions = self.names.find(source, found)
        body_start = max(
            (
                s.end
                for s in (header.title, header.dateline and header.dateline.quote, header.issued_quote)
                if s
            ),
            default=0,
        )
        # The dateline's own date and the header are the document's, not an event's.
        events = find_events(
            source,
            [d for d in dates if d.start >= body_start],
            self.graph,
            self.lexicon,
            header.dateline.quote.start if header.dateline else body_start,
        )
        questions = list(
            {(q.surface, tuple(q.candidates)): q for q in reversed(found.questions + name_questions)}.values()
        )
        questions.sort(key=lambda q: q.start)  # one question per spelling and candidates, at its first place
        draft = Draft(source, self.graph, header, dates, found, new, questions, events)
        draft.seconds = time.perf_counter() - started
        return draft
