"""Date expressions of a text, each with the precision the text gives, and the resolutions the text itself
licenses: a day without a year gets its year only from a relative phrase next to it ("A day earlier, on
March 21"), from "today" and the dateline, or from the period a report says it covers; "Earlier" and
"later" give bounds, never a day.

Values are XSD lexical forms: ``2019-03-22`` (xsd:date, a day), ``2020-08`` (xsd:gYearMonth), ``2009``
(xsd:gYear), ``--02-12`` (xsd:gMonthDay, a day without a year), ``--03`` (xsd:gMonth, a month without a year).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from mediakg.draft.lexicon import Lexicon
from mediakg.draft.source import SourceText

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_M = r"(?P<m>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
# Capitalised full month names only, for the forms without a year ("May" at a sentence start is a month,
# "may" is a verb).
_MC = r"(?P<m>" + "|".join(n.capitalize() for n in MONTHS if len(n) > 3 or n == "may") + r")"
_Y = r"(?P<y>(?:1[89]|20)\d\d)"
_D = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
# (pattern, precision); tried in this order, a span once taken is not read again. Month names without a
# year must be capitalised ("may" is a verb) and a lone month needs "in"/"since"/... before it.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b{_D}\s+{_M}\s*,?\s+{_Y}\b", re.I), "day"),
    (re.compile(rf"\b{_M}\s+{_D}\s*,?\s+{_Y}\b", re.I), "day"),
    (re.compile(r"\b(?P<d>[0-3]?\d)\.(?P<mn>[01]?\d)\.(?P<y>(?:1[89]|20)\d\d)\b"), "day"),
    (re.compile(r"\b(?P<y>(?:1[89]|20)\d\d)-(?P<mn>[01]\d)-(?P<d>[0-3]\d)\b"), "day"),
    (re.compile(rf"\b{_M}\s+{_Y}\b", re.I), "month"),
    (re.compile(rf"\b{_D}\s+{_M}\b(?!\s*,?\s*\d)", re.I), "day without year"),
    (re.compile(rf"\b{_MC}\s+{_D}\b(?!\s*,?\s*\d)(?![.:]\d)"), "day without year"),
    (
        re.compile(
            rf"\b(?:[Ii]n|[Ss]ince|[Uu]ntil|[Bb]y|[Ee]arly|[Ll]ate|[Mm]id-?)\s+(?:the\s+)?{_MC}\b(?!\s+\d)"
        ),
        "month without year",
    ),
    (re.compile(rf"(?<![\w.\-/])(?<!Article )(?<!Art\. ){_Y}(?![\w\-%])(?!\s*(?:years?|-year|%))"), "year"),
]
DATATYPES = {
    "day": "date",
    "month": "gYearMonth",
    "year": "gYear",
    "day without year": "gMonthDay",
    "month without year": "gMonth",
}


@dataclass
class DateExpr:
    """One date expression of the text."""

    start: int
    end: int
    quote: str
    precision: str  # day, month, year, day without year, month without year, relative
    value: str | None  # as the text gives it; None for a relative phrase with no value of its own
    resolved: str | None = None  # the value once the text's own context completes it
    basis: str = "stated"  # date-basis concept slug for the resolved or stated value
    note: str = ""  # how it was resolved or bounded, in words
    bound: tuple[str, str] | None = None  # ("latest" | "earliest", value) where the text only bounds a date
    relative: dict | None = field(default=None, repr=False)
    # the expression a relative phrase counts from ("A day earlier" than "March 22, 2019")
    anchor: DateExpr | None = field(default=None, repr=False, compare=False)

    @property
    def final(self) -> str | None:
        """The value a mapper would use: the resolved one if any, else the stated one."""
        return self.resolved or self.value

    @property
    def datatype(self) -> str:
        return datatype(self.final or "")


def datatype(value: str) -> str:
    """XSD datatype local name of a lexical date value."""
    if value.startswith("--"):
        return "gMonthDay" if len(value) > 4 else "gMonth"
    return {10: "date", 7: "gYearMonth", 4: "gYear"}.get(len(value), "date")


def _value(match: re.Match[str], precision: str) -> str | None:
    parts = match.groupdict()
    month = MONTHS[parts["m"].lower()] if parts.get("m") else int(parts["mn"]) if parts.get("mn") else None
    year = int(parts["y"]) if parts.get("y") else None
    day = int(parts["d"]) if parts.get("d") else None
    try:
        if precision == "day":
            return dt.date(year, month, day).isoformat()  # type: ignore[arg-type]
        if precision == "month":
            return f"{year:04d}-{month:02d}"
        if precision == "year":
            return f"{year:04d}"
        if precision == "day without year":
            dt.date(2000, month, day)  # type: ignore[arg-type]  # a leap year: 29 February is a day
            return f"--{month:02d}-{day:02d}"
        return f"--{month:02d}"
    except (TypeError, ValueError):
        return None  # "31 June", "2019-13-01": not a date


def find_dates(source: SourceText, lexicon: Lexicon) -> list[DateExpr]:
    """Every date expression of the text, in text order (absolute ones and relative phrases)."""
    text = source.text
    taken = bytearray(len(text))
    found: list[DateExpr] = []
    for pattern, precision in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            if precision == "month without year":
                start = match.start("m")
            if any(taken[start:end]):
                continue
            value = _value(match, precision)
            if value is None:
                continue
            taken[start:end] = b"\1" * (end - start)
            found.append(DateExpr(start, end, text[start:end], precision, value))
    for rel in lexicon.relative:
        pattern = re.compile(
            r"(?<!\w)" + r"\s+".join(map(re.escape, rel["phrase"].split())) + r"(?!\w)", re.I
        )
        for match in pattern.finditer(text):
            if any(taken[match.start() : match.end()]):
                continue
            taken[match.start() : match.end()] = b"\1" * (match.end() - match.start())
            found.append(DateExpr(match.start(), match.end(), match.group(), "relative", None, relative=rel))
    return sorted(found, key=lambda d: d.start)


@dataclass
class DocumentDates:
    """The dates that place the text itself in time."""

    dateline: DateExpr | None = None  # "Almaty, 27 June 2024 (TDI):"
    issued: DateExpr | None = None  # "29 march 2019" under the title, "Created at : 8.05.2019"
    period: DateExpr | None = None  # the month a report covers, from its title ("... August 2020")

    @property
    def reference(self) -> DateExpr | None:
        """The date of the text: its dateline, else its publication date."""
        return self.dateline or self.issued


def resolve(dates: list[DateExpr], doc: DocumentDates, source: SourceText) -> None:
    """Complete and bound the expressions where the text says how (see the module docstring)."""
    anchor: DateExpr | None = None  # the last day stated before the current expression
    for i, expr in enumerate(dates):
        if expr.precision == "relative":
            _relative(expr, dates, i, anchor, doc, source)
        elif (
            expr.precision == "day without year"
            and doc.period
            and expr.value
            and not expr.resolved
            and expr.value[2:4] == doc.period.value[5:7]  # type: ignore[index]
        ):
            expr.resolved = f"{doc.period.value}-{expr.value[5:]}"
            expr.basis = "report-period"
            expr.note = f"year from the period the report covers ({doc.period.quote!r})"
        if (
            expr.final
            and expr.datatype == "date"
            and expr.precision != "relative"
            or (
                expr.precision == "relative"
                and expr.resolved
                and expr.relative
                and expr.relative["kind"] == "exact"
            )
        ):
            anchor = expr


def _relative(
    expr: DateExpr,
    dates: list[DateExpr],
    i: int,
    anchor: DateExpr | None,
    doc: DocumentDates,
    src: SourceText,
) -> None:
    rel = expr.relative or {}
    kind, days = rel["kind"], int(rel.get("days", 0))
    base = {"dateline": doc.dateline, "year-start": doc.period or doc.reference}.get(
        rel.get("anchor", ""), anchor
    )
    if kind == "open" or base is None or base.final is None:
        expr.note = "relative to a date the text does not give: left open"
        return
    if rel.get("after") and rel["after"] not in _sentence_before(src, expr.start).lower():
        expr.note = f"no {rel['after']!r} in the sentence before: left open"
        return
    if rel.get("anchor") == "year-start":
        expr.bound = ("earliest", f"{base.final[:4]}-01")
        expr.note = f"from January of {base.final[:4]} ({base.quote!r})"
        return
    if base.datatype != "date":
        expr.note = f"relative to {base.quote!r}, which gives no day: left open"
        return
    day = (dt.date.fromisoformat(base.final) + dt.timedelta(days=days)).isoformat()
    expr.anchor = base
    if kind == "exact":
        expr.resolved = day
        expr.basis = "dateline-today" if rel.get("anchor") == "dateline" else "stated"
        expr.note = f"{rel['phrase']!r} from {base.quote!r}"
        _complete_neighbour(expr, dates, i, src)
    else:
        expr.bound = (kind, day)
        expr.note = f"{kind} date {day}: {rel['phrase']!r} than {base.quote!r}"
        _bound_neighbour(expr, dates, i, src)


def _sentence_before(src: SourceText, position: int) -> str:
    before = src.text[max(0, position - 400) : position]
    parts = re.split(r"(?<=[.!?])\s", before)
    return " ".join(parts[-2:])


def _neighbour(dates: list[DateExpr], i: int, src: SourceText) -> DateExpr | None:
    """The absolute date in the same clause right after a relative phrase ("A day earlier, on March 21")."""
    expr = dates[i]
    if i + 1 < len(dates):
        nxt = dates[i + 1]
        gap = src.text[expr.end : nxt.start]
        if nxt.precision != "relative" and len(gap) <= 12 and not re.search(r"[.;!?]", gap):
            return nxt
    return None


def _complete_neighbour(expr: DateExpr, dates: list[DateExpr], i: int, src: SourceText) -> None:
    nxt = _neighbour(dates, i, src)
    if nxt is None or nxt.value is None:
        return
    if nxt.precision == "day without year" and nxt.value[2:] == expr.resolved[5:]:  # type: ignore[index]
        nxt.resolved, nxt.basis = expr.resolved, "stated"
        nxt.note = f"year from {expr.note}"


def _bound_neighbour(expr: DateExpr, dates: list[DateExpr], i: int, src: SourceText) -> None:
    nxt = _neighbour(dates, i, src)
    if nxt is not None and nxt.bound is None and nxt.datatype != "date":
        nxt.bound, nxt.note, nxt.anchor = expr.bound, expr.note, expr.anchor
