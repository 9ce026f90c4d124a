"""Candidate reported cases with their acts, and meetings, from the sentences that state them.

A reported case (mkg:Incident) is what the text reports as one episode: a numbered item, a bullet (with the
paragraphs under it), or in plain prose a sentence that states an incident and gives its date. Its acts
(mkg:Act) are the things its sentences say happened, typed by the labels (preferred, alternative, hidden) of
the concepts of the SKOS scheme ``id:concept/incident-type`` found in them: one act per type in a case, so a
sentence of a type the case has an act of adds to that act ("police detained ..." then "The detention
occurred ..."), one of a new type states a new act ("... took no action"; "detained ... and charged": two
acts). A case carries the types of its acts. A meeting starts at a
sentence that states one ("met with", "in his address to", lexicon.toml) and gathers the later sentences of
its episode (or, in prose, of the text) that refer back to it ("the event", "the sides").
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from mediakg.draft.dates import DateExpr
from mediakg.draft.graph import GraphView
from mediakg.draft.lexicon import Lexicon, PhraseMatcher
from mediakg.draft.source import Episode, Sentence, SourceText, Span

MAX_QUOTE = 200


@dataclass
class Cue:
    phrase: str
    start: int
    end: int
    concept: str | None = None  # the incident type a case cue stands for


@dataclass
class Candidate:
    """A proposed meeting, reported case or act of a case."""

    kind: str  # "meeting", "case" or "act"
    episode: Episode
    quotes: list[Span] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    dates: list[DateExpr] = field(default_factory=list)
    acts: list[Candidate] = field(default_factory=list)  # a case's acts, in text order
    position: int = 0  # a case's position among the cases of the text (mkg:listPosition), from 1
    number: str | None = None  # the text's own number of a case (mkg:caseNumber), where it numbers them

    @property
    def types(self) -> dict[str, list[Cue]]:
        out: dict[str, list[Cue]] = {}
        for cue in self.cues:
            if cue.concept:
                out.setdefault(cue.concept, []).append(cue)
        return out

    def add_quote(self, span: Span) -> None:
        if not any(q.start == span.start and q.end == span.end for q in self.quotes):
            self.quotes.append(span)


def quote_span(text: str, sentence: Sentence, focus: tuple[int, int] | None = None) -> Span:
    """The sentence, or a window of at most 200 characters of it around ``focus``, cut at spaces."""
    if sentence.end - sentence.start <= MAX_QUOTE:
        return Span(sentence.start, sentence.end)
    mid = (focus[0] + focus[1]) // 2 if focus else sentence.start + MAX_QUOTE // 2
    start = max(sentence.start, min(mid - MAX_QUOTE // 2, sentence.end - MAX_QUOTE))
    end = min(sentence.end, start + MAX_QUOTE)
    while start < end and start > sentence.start and text[start - 1] != " ":
        start += 1
    while end > start and end < sentence.end and text[end] != " ":
        end -= 1
    return Span(start, end)


def type_matcher(graph: GraphView) -> PhraseMatcher:
    """Every label of every incident-type concept, pointing to its concept."""
    matcher = PhraseMatcher()
    for concept in graph.concepts("incident-type"):
        for label in concept.labels:
            matcher.add(label, concept.iri)
    return matcher


def find_events(
    source: SourceText, dates: list[DateExpr], graph: GraphView, lexicon: Lexicon, body_start: int
) -> list[Candidate]:
    """Candidate meetings and reported cases of the text after its header (``body_start``)."""
    types = type_matcher(graph)
    out: list[Candidate] = []
    meeting: Candidate | None = None
    for episode in source.episodes:
        if episode.skip == "menu" or episode.end <= body_start:
            continue
        sentences = [s for s in episode.sentences if s.end > body_start]
        meeting = _meetings(source, episode, sentences, dates, lexicon, meeting, out)
        if episode.skip:
            continue
        if episode.kind == "prose":
            _prose_cases(source, episode, sentences, dates, types, out)
        else:
            _episode_case(source, episode, sentences, dates, types, out)
    for position, case in enumerate((c for c in out if c.kind == "case"), start=1):
        case.position = position
        if case.episode.kind == "item":  # the text's own number ("4."); bullets are only counted
            case.number = str(case.episode.number)
    return out


def _meetings(
    source: SourceText,
    episode: Episode,
    sentences: list[Sentence],
    dates: list[DateExpr],
    lexicon: Lexicon,
    meeting: Candidate | None,
    out: list[Candidate],
) -> Candidate | None:
    for sentence in sentences:
        for start, end, phrase, kind in lexicon.meetings.find(sentence.body, sentence.start):
            if kind == "introducing" and (meeting is None or meeting.episode is not episode):
                meeting = Candidate("meeting", episode)
                out.append(meeting)
            if meeting is None or not _in_scope(meeting, episode):
                break  # a reference back to no meeting, or to one another item or bullet states
            meeting.cues.append(Cue(phrase, start, end))
            meeting.dates += [
                d for d in _in(dates, sentence.start, sentence.end) if d.final and d not in meeting.dates
            ]
            meeting.add_quote(quote_span(source.text, sentence, (start, end)))
            break
    return meeting


def _in_scope(meeting: Candidate, episode: Episode) -> bool:
    """Whether a reference in ``episode`` ("the meeting") can mean ``meeting``: one of the same item or
    bullet (each reports its own episode), or in prose one of earlier prose (a story told on)."""
    return meeting.episode is episode or meeting.episode.kind == episode.kind == "prose"


def _cues(sentence: Sentence, types: PhraseMatcher) -> list[Cue]:
    return [
        Cue(phrase, s, e, str(concept)) for s, e, phrase, concept in types.find(sentence.body, sentence.start)
    ]


def _quote_cues(source: SourceText, case: Candidate, sentence: Sentence, cues: list[Cue]) -> None:
    """Quote the sentence; a long one around each cue not yet inside a quote (every act it states)."""
    for cue in cues:
        if not any(q.start <= cue.start and cue.end <= q.end for q in case.quotes):
            case.add_quote(quote_span(source.text, sentence, (cue.start, cue.end)))


def _in(dates: list[DateExpr], start: int, end: int) -> list[DateExpr]:
    """The expressions starting in [start, end) (``dates`` is in text order)."""
    starts = [d.start for d in dates] if len(dates) < 64 else _starts(dates)
    return dates[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]


_STARTS: dict[int, list[int]] = {}


def _starts(dates: list[DateExpr]) -> list[int]:
    """Start offsets of a long list of expressions, computed once per list."""
    key = id(dates)
    if len(_STARTS.get(key, ())) != len(dates):
        _STARTS.clear()
        _STARTS[key] = [d.start for d in dates]
    return _STARTS[key]


def _episode_case(
    source: SourceText,
    episode: Episode,
    sentences: list[Sentence],
    dates: list[DateExpr],
    types: PhraseMatcher,
    out: list[Candidate],
) -> None:
    """A numbered item or bullet is one reported case, whatever its words (the text presents it as one)."""
    case = Candidate("case", episode, dates=_in(dates, episode.start, episode.end))
    for n, sentence in enumerate(sentences):
        cues = _cues(sentence, types)
        if n == 0 and not cues:
            case.add_quote(quote_span(source.text, sentence))
        _add_to_act(source, case, sentence, cues, dates)
    if case.quotes:
        if not case.acts:  # nothing typed: one act for the reviewer to type, on the first sentence
            first = Candidate("act", episode, quotes=case.quotes[:1])
            first.dates = [d for d in _in(dates, first.quotes[0].start, first.quotes[0].end) if _dated(d)]
            case.acts.append(first)
        out.append(case)


def _prose_cases(
    source: SourceText,
    episode: Episode,
    sentences: list[Sentence],
    dates: list[DateExpr],
    types: PhraseMatcher,
    out: list[Candidate],
) -> None:
    """In prose, a sentence that states an incident and dates it starts a case; a later sentence of the
    paragraph that states one without a date of its own adds to it."""
    case: Candidate | None = None
    for sentence in sentences:
        cues = _cues(sentence, types)
        if not cues:
            continue
        own = [d for d in _in(dates, sentence.start, sentence.end) if _dated(d)]
        if own:
            case = Candidate("case", episode)
            out.append(case)
        if case is None:
            continue
        case.dates += own
        _add_to_act(source, case, sentence, cues, dates)


def _dated(expr: DateExpr) -> bool:
    """Whether an expression dates or bounds something (a relative phrase left open does not)."""
    return bool(expr.final or expr.bound)


def _add_to_act(
    source: SourceText, case: Candidate, sentence: Sentence, cues: list[Cue], dates: list[DateExpr]
) -> None:
    """Add what a sentence states (its ``cues``) to the case's acts: the cues of a type the case has an act
    of go to that act (the latest one), those of a new type make a new act ("... was detained ... and
    charged for an offense": a detention and a charge)."""
    by_type: dict[str | None, list[Cue]] = {}
    for cue in cues:
        by_type.setdefault(cue.concept, []).append(cue)
    own = [d for d in _in(dates, sentence.start, sentence.end) if _dated(d)]
    for concept, group in by_type.items():
        act = next((a for a in reversed(case.acts) if concept in a.types), None)
        if act is None:
            act = Candidate("act", case.episode)
            case.acts.append(act)
        act.cues += group
        act.dates += [d for d in own if all(d is not x for x in act.dates)]
        _quote_cues(source, act, sentence, group)
    case.cues += cues
    _quote_cues(source, case, sentence, cues)
