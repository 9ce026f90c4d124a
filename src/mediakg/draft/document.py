"""What the text says about itself: its title, dateline (place, date, agency), publication date, the
period a report covers, and the languages it is written in."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from mediakg.draft.dates import DateExpr, DocumentDates
from mediakg.draft.lexicon import Lexicon
from mediakg.draft.source import Line, SourceText, Span

_KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_ENGLISH_WORDS = {"the", "of", "and", "in", "to", "is", "was", "for", "on", "with", "that", "by"}
# "Almaty, 27 June 2024 (TDI):", "WARSAW, May 7, 2019 –", "VIENNA, 30 April 2007 -"
_DATELINE_PLACE = re.compile(r"^(?P<place>[A-ZА-ЯЁ][\w’'.\- ]{1,40}?),\s+$")
_AFTER_DATELINE = re.compile(r"^\s*(?:\((?P<agency>[^)]{1,40})\))?\s*[-–—:]")


@dataclass
class Dateline:
    place: Span
    date: DateExpr
    agency: Span | None
    quote: Span  # the whole dateline, for the evidence


@dataclass
class Header:
    """The source document's own facts, each with the span that states it."""

    title: Line | None = None
    dateline: Dateline | None = None
    dates: DocumentDates = field(default_factory=DocumentDates)
    issued_quote: Span | None = None
    languages: dict[str, Line] = field(default_factory=dict)  # language tag -> a line written in it


def read_header(source: SourceText, dates: list[DateExpr], lexicon: Lexicon) -> Header:
    """Title, dateline, publication date, report period and languages of ``source``."""
    header = Header()
    header.dateline = _dateline(source, dates)
    header.title = _title(source, header, dates)
    if header.dateline:
        header.dates.dateline = header.dateline.date
    header.dates.issued, header.issued_quote = _issued(source, dates, header, lexicon)
    if header.title:
        in_title = [d for d in dates if header.title.start <= d.start < header.title.end]
        months = [d for d in in_title if d.precision == "month"]
        header.dates.period = months[-1] if months else None
    header.languages = languages(source)
    return header


def _dateline(source: SourceText, dates: list[DateExpr]) -> Dateline | None:
    starts = [line.start for line in source.lines]
    for date in dates:  # in text order, so the first line that has a dateline gives it
        i = bisect.bisect_left(starts, date.start) - 1
        if date.precision != "day" or i < 0:
            continue
        line = source.lines[i]
        if not line.start < date.start < line.end:
            continue
        place = _DATELINE_PLACE.match(source.text[line.start : date.start])
        after = _AFTER_DATELINE.match(source.text[date.end : line.end])
        if place and after:
            agency = None
            if after.group("agency"):
                agency = Span(date.end + after.start("agency"), date.end + after.end("agency"))
            end = date.end + after.end()
            return Dateline(
                Span(line.start, line.start + len(place.group("place"))),
                date,
                agency,
                Span(line.start, end),
            )
    return None


def _is_title_like(line: Line) -> bool:
    words = line.body.split()
    return 4 <= len(words) <= 30 and not line.body.startswith(("-", "•", "*")) and not line.body.endswith(":")


def _title(source: SourceText, header: Header, dates: list[DateExpr]) -> Line | None:
    """The headline: the last title-like line before the dateline or the first line that is only a date,
    else the first title-like line; a breadcrumb that ends with a later line ("HomeNews...<title>") yields
    that line."""
    spans = {(d.start, d.end) for d in dates}
    date_lines = [ln for ln in source.lines if (ln.start, ln.end) in spans]
    stop = header.dateline.quote.start if header.dateline else date_lines[0].start if date_lines else None
    candidates = [ln for ln in source.lines if _is_title_like(ln) and (stop is None or ln.start < stop)]
    if not candidates:
        return None
    pick = candidates[-1] if stop is not None else candidates[0]
    for later in source.lines:
        if later.start > pick.start and pick.body.endswith(later.body) and later.body != pick.body:
            return later
    return pick


def _issued(
    source: SourceText, dates: list[DateExpr], header: Header, lexicon: Lexicon
) -> tuple[DateExpr | None, Span | None]:
    """A date alone on a line right under the title, or after "Created at", "Published", ... anywhere."""
    if header.title is not None:
        after = [ln for ln in source.lines if ln.start > header.title.end][:2]
        for line in after:
            alone = [d for d in dates if d.start == line.start and d.end == line.end and d.precision == "day"]
            if alone:
                return alone[0], Span(header.title.start, line.end)
    prefixes = "|".join(map(re.escape, lexicon.issued_prefixes))
    days = {d.start: d for d in dates if d.precision == "day"}
    for match in re.finditer(rf"(?:{prefixes})\s*:\s*", source.text):
        if match.end() in days:
            return days[match.end()], Span(match.start(), days[match.end()].end)
    return None, None


def languages(source: SourceText) -> dict[str, Line]:
    """Languages seen, by script and words, each with a line written in it: Kazakh (Cyrillic with Kazakh
    letters), Russian (other Cyrillic), English (Latin with English function words)."""
    found: dict[str, Line] = {}
    for line in source.lines:
        letters = [ch for ch in line.body if ch.isalpha()]
        if not letters:
            continue
        cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in letters)
        if cyrillic > len(letters) / 2:
            tag = "kk" if _KAZAKH_LETTERS & set(line.body) else "ru"
        elif _ENGLISH_WORDS & {w.lower() for w in re.findall(r"[A-Za-z]+", line.body)}:
            tag = "en"
        else:
            continue
        if tag not in found or len(line.body) < len(found[tag].body) and len(line.body) > 20:
            found[tag] = line
    return found
