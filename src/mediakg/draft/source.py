"""Read a source text and find its structure: lines, paragraphs, sentences, and the episodes it reports
(numbered items, bullets with the paragraphs under them, or plain paragraphs).

All offsets point into :attr:`SourceText.text`, the text with its whitespace runs collapsed to one space:
the form ``mediakg verify-quotes`` compares quotes with, so any slice of it is a quote that verifies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mediakg.draft.lexicon import Lexicon
from mediakg.errors import UsageError

#: Largest text drafted (bytes). A monthly report is 5-50 kB; a text of megabytes is no single source to map
#: by hand, and drafting it would take minutes (the fuzzy matching grows with its distinct words).
MAX_BYTES = 2_000_000

_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+\S")
_BULLET = re.compile(r"^[-•*–—]\s+\S")
# A sentence ends at . ! ? (and a closing quote) before a space and a capital, digit or opening quote.
_SENTENCE_END = re.compile(r"[.!?][\"”’»]?\s+(?=[\"“«(]?[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ\d])")
# A link ends a sentence when a capital follows it ("...29793555.html They were informed").
_URL_END = re.compile(r"https?://\S+?(?=\s+[A-ZА-ЯЁ])")
_ABBREVIATIONS = {
    "mr",
    "ms",
    "mrs",
    "dr",
    "art",
    "no",
    "st",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "pf",
    "co",
    "inc",
    "jr",
}


@dataclass
class Span:
    """A stretch of the normalised text."""

    start: int
    end: int


@dataclass
class Line(Span):
    """One non-empty line of the raw text, located in the normalised text."""

    number: int  # 1-based line number in the file
    body: str
    blank_before: bool


@dataclass
class Sentence(Span):
    """One sentence (or a clause of a long one) of an episode."""

    body: str


@dataclass
class Episode(Span):
    """What the text reports as one unit: a numbered item, a bullet and the paragraphs under it, or a
    paragraph of prose. ``kind`` is ``item``, ``bullet`` or ``prose``; ``number`` the item's own number or
    the bullet's position."""

    kind: str
    number: int | None
    sentences: list[Sentence] = field(default_factory=list)
    skip: str = ""  # why it cannot be a reported case ("figures", "demand", "menu"), "" if it can


@dataclass
class SourceText:
    """A source text ready for drafting."""

    id: str
    path: Path
    text: str
    lines: list[Line]
    episodes: list[Episode] = field(default_factory=list)

    def quote(self, span: Span | tuple[int, int]) -> str:
        start, end = (span.start, span.end) if isinstance(span, Span) else span
        return self.text[start:end].strip()


def read_source(path: Path, lexicon: Lexicon, source_id: str | None = None) -> SourceText:
    """Read ``path`` as a source text; UsageError (exit 2) for a missing, empty, binary, non-UTF-8 or too
    large file, naming the file and what is wrong."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise UsageError(
            f"{path}: {size / 1e6:.1f} MB is more than a source text to draft ({MAX_BYTES / 1e6:.0f} MB at "
            "most); split it into the documents it holds and draft each"
        )
    data = path.read_bytes()
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UsageError(f"{path}: binary file (NUL byte at offset {nul}), not a text")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not raw.strip():
        raise UsageError(f"{path}: the file is empty (nothing to draft)")
    text, lines = _lines(raw)
    if sum(ch.isalpha() for ch in text) < 20:
        raise UsageError(f"{path}: no text to draft (fewer than 20 letters)")
    source = SourceText(source_id or path.stem, path, text, lines)
    source.episodes = episodes(source, lexicon)
    return source


def _lines(raw: str) -> tuple[str, list[Line]]:
    """The normalised text and its lines (a blank line before a line marks a new paragraph)."""
    lines: list[Line] = []
    parts: list[str] = []
    offset = 0
    blank = True
    for number, rawline in enumerate(raw.splitlines(), start=1):
        body = " ".join(rawline.split())
        if not body:
            blank = True
            continue
        if parts:
            offset += 1  # the space that joins two lines
        lines.append(Line(offset, offset + len(body), number, body, blank))
        parts.append(body)
        offset += len(body)
        blank = False
    text = " ".join(parts)
    assert text == " ".join(raw.split())  # the same normalisation as mediakg.validation.quotes.normalise
    return text, lines


def sentences(text: str, start: int, end: int) -> list[Sentence]:
    """Sentences of ``text[start:end]``; a sentence over 200 characters is cut at its semicolons, so that
    each part can be quoted whole (quotes are at most 200 characters)."""
    out: list[Sentence] = []
    begin = start
    ends = [(m.start(), m.start() + 1, m.end()) for m in _SENTENCE_END.finditer(text, start, end)]
    ends += [(m.end() - 1, m.end(), m.end() + 1) for m in _URL_END.finditer(text, start, end)]
    for stop, close, after in sorted(ends):
        if stop < begin:
            continue
        word = text[begin : stop + 1].rsplit(" ", 1)[-1].rstrip(".").lower()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue  # "Mr. Atamkulov", "K. Kasymov", "Art. 158"
        close += 1 if text[close : close + 1] in '"”’»' and close < end else 0
        out += _clauses(text, begin, close)
        begin = after
    if begin < end:
        out += _clauses(text, begin, end)
    return [s for s in out if s.body]


def _clauses(text: str, start: int, end: int) -> list[Sentence]:
    body = text[start:end].strip()
    if len(body) <= 200 or ";" not in body:
        return [Sentence(start, end, body)]
    out = []
    for part in re.finditer(r"[^;]+;?", text[start:end]):
        piece = part.group().strip()
        if piece:
            lead = len(part.group()) - len(part.group().lstrip())
            out.append(Sentence(start + part.start() + lead, start + part.start() + lead + len(piece), piece))
    return out


def episodes(source: SourceText, lexicon: Lexicon) -> list[Episode]:
    """Split the text into episodes (see :class:`Episode`); page furniture and duplicated lines (menus,
    links to other articles) are left out."""
    seen: dict[str, int] = {}
    for line in source.lines:
        seen[line.body] = seen.get(line.body, 0) + 1
    out: list[Episode] = []
    current: Episode | None = None
    previous: Line | None = None
    bullets = 0
    for line in source.lines:
        if lexicon.is_furniture(line.body) or seen[line.body] > 1:
            current = previous = None
            continue
        numbered, bullet = _NUMBERED.match(line.body), _BULLET.match(line.body)
        if numbered or bullet:
            bullets = bullets + 1 if bullet else bullets
            number = int(numbered.group(1)) if numbered else bullets
            current = Episode(line.start, line.end, "item" if numbered else "bullet", number)
            current.skip = _skip_reason(line.body, lexicon)
            out.append(current)
        elif current is not None and current.skip != "menu" and _belongs(current, previous, line):
            current = Episode(current.start, line.end, current.kind, current.number, skip=current.skip)
            out[-1] = current
        else:
            current = Episode(line.start, line.end, "prose", None)
            # a paragraph that opens with a number or a quantity gives figures ("8 judicial acts were ...")
            first = re.split(r"(?<=[.!?])\s", line.body, maxsplit=1)[0]
            current.skip = "figures" if line.body[:1].isdigit() or lexicon.is_figure(first) else ""
            out.append(current)
        previous = line
    _mark_menus(out, source)
    for episode in out:
        body_start = episode.start
        if episode.kind != "prose":  # leave the item number or bullet sign out of the sentences
            marker = re.match(r"(\d{1,3}[.)]|[-•*–—])\s+", source.text[episode.start : episode.end])
            body_start += marker.end() if marker else 0
        episode.sentences = sentences(source.text, body_start, episode.end)
    return out


def _belongs(current: Episode, previous: Line | None, line: Line) -> bool:
    """Whether ``line`` goes on with the current episode: a hard-wrapped line of the same paragraph, or a
    paragraph under a bullet (unless it starts a list of figures or a list heading)."""
    if not line.blank_before:
        return previous is not None and (previous.body[-1] not in '.!?:"”»' or line.body[:1].islower())
    return current.kind == "bullet" and not (line.body[:1].isdigit() or line.body.endswith(":"))


def _unpunctuated(episode: Episode, source: SourceText) -> bool:
    return episode.kind == "bullet" and not source.text[episode.start : episode.end].rstrip().endswith(
        (".", "!", "?", '"', "”", "»")
    )


def _mark_menus(out: list[Episode], source: SourceText) -> None:
    """Bullets without a full stop next to others without one are a menu (a site's navigation)."""
    for i, episode in enumerate(out):
        if episode.skip or not _unpunctuated(episode, source):
            continue
        neighbours = out[max(0, i - 1) : i] + out[i + 1 : i + 2]
        if any(_unpunctuated(n, source) for n in neighbours):
            episode.skip = "menu"


def _skip_reason(body: str, lexicon: Lexicon) -> str:
    """Why a bullet or item cannot state a reported case: a menu entry, a figure, a demand."""
    text = re.sub(r"^(\d{1,3}[.)]|[-•*–—])\s+", "", body)
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if len(text.split()) < lexicon.min_bullet_words and not text.rstrip().endswith((".", "!", "?")):
        return "menu"
    if text[:1].isdigit() or lexicon.is_figure(first):
        return "figures"
    if lexicon.has_demand(first):
        return "demand"
    return ""
