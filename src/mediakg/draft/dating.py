"""The dates a draft proposes for a meeting, a reported case or an act, each bound with what justifies it.

An event gets ``mkg:date`` where the text dates it, and ``mkg:earliestDate`` / ``mkg:latestDate`` where the
text only bounds it. Every bound is a :class:`Bound`: the value, how the text supports it (a date-basis
concept), the expression it is read from (the quote) and what it is taken from (the reporting document, the
source text's own date, or the date of another act), which the draft writes as a ``mkg:DateBound`` node. A
case's dates cover its acts': the one date they share, else the range from the earliest to the latest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mediakg.draft.dates import DateExpr, DocumentDates
from mediakg.draft.events import Candidate

_WITH_YEAR = ("date", "gYearMonth", "gYear")


@dataclass(frozen=True)
class Bound:
    """One bound of an event's date and its justification (a ``mkg:DateBound``)."""

    value: str
    basis: str  # date-basis concept slug
    expr: DateExpr  # the expression it is read from (its quote is the evidence)
    # what it is taken from: "document" (the reporting document), "source" (the text's dateline), or "" (then
    # the event whose date expr.anchor is, if any)
    by: str = ""

    @property
    def key(self) -> tuple[str, str, int, str]:
        """Bounds with the same key are one node."""
        return (self.value, self.basis, self.expr.start, self.by)


@dataclass
class Dating:
    """The date properties proposed for one event, and how they were chosen (for the REVIEW comment)."""

    date: str | None = None
    date_expr: DateExpr | None = None
    earliest: Bound | None = None
    latest: Bound | None = None
    basis: str = ""
    note: str = field(default="", compare=False)

    @property
    def low(self) -> Bound | None:
        """The earliest the event can be: its date (where it has a year) or its earliest bound."""
        if self.date and self.date_expr and _has_year(self.date):
            return Bound(self.date, self.basis, self.date_expr)
        return self.earliest

    @property
    def high(self) -> Bound | None:
        """The latest the event can be: its date (where it has a year) or its latest bound."""
        if self.date and self.date_expr and _has_year(self.date):
            return Bound(self.date, self.basis, self.date_expr)
        return self.latest


def _has_year(value: str) -> bool:
    return not value.startswith("--")


def _within(value: str, earliest: Bound | None, latest: Bound | None) -> bool:
    """Whether ``value`` can lie between the bounds (compared at the shorter precision)."""

    def cut(a: str, b: str) -> tuple[str, str]:
        n = min(len(a), len(b))
        return a[:n], b[:n]

    low_ok = earliest is None or cut(earliest.value, value)[0] <= cut(earliest.value, value)[1]
    return low_ok and (latest is None or cut(value, latest.value)[0] <= cut(value, latest.value)[1])


def _bound_basis(expr: DateExpr) -> str:
    """How the text supports a bound read from ``expr``."""
    anchor = (expr.relative or {}).get("anchor", "")
    if anchor == "dateline":
        return "bounded-by-dateline"
    if anchor == "year-start":
        return "stated"
    return "bounded-by-related-event" if expr.anchor is not None else "stated"


def _reference_bound(doc: DocumentDates) -> Bound | None:
    """No later than the text itself: its dateline, else its publication date."""
    reference = doc.reference
    if reference is None or not reference.final:
        return None
    if reference is doc.dateline:
        return Bound(reference.final, "bounded-by-dateline", reference, "source")
    return Bound(reference.final, "bounded-by-document", reference, "document")


def dating(candidate: Candidate, doc: DocumentDates) -> Dating:
    """The dates the text gives ``candidate`` (from the expressions in its sentences), else the bounds the
    text's own dates give it."""
    stated = [d for d in candidate.dates if d.final]
    # a bound read from a relative phrase ("Earlier") before the same bound copied to the date after it
    bounds = sorted((d for d in candidate.dates if d.bound), key=lambda d: d.relative is None)
    if stated:
        return _stated(stated[0], bounds, doc)
    out = Dating()
    for expr in bounds:
        side, value = expr.bound  # type: ignore[misc]
        bound = Bound(value, _bound_basis(expr), expr)
        if side == "earliest" and out.earliest is None:
            out.earliest = bound
        elif side == "latest" and out.latest is None:
            out.latest = bound
    if doc.period and doc.period.final and _within(doc.period.final, out.earliest, out.latest):
        out.date, out.date_expr, out.basis = doc.period.final, doc.period, "report-period"
        out.note = "no date in the text: the period the report covers"
        return out
    if out.latest is None:
        out.latest = _reference_bound(doc)
    if out.latest is None and out.earliest is None:
        out.note = "no date in the text and no date of the text: the reviewer must find one"
        return out
    out.basis = (out.earliest or out.latest).basis  # type: ignore[union-attr]
    out.note = "no date in the text: " + (
        "bounded by " + ", ".join(repr(b.expr.quote) for b in (out.earliest, out.latest) if b)
    )
    return out


def _stated(first: DateExpr, bounds: list[DateExpr], doc: DocumentDates) -> Dating:
    out = Dating(first.final, first, basis=first.basis, note=first.note or "stated in the text")
    if first.datatype in _WITH_YEAR:
        return out
    latest = next((d for d in bounds if d.bound and d.bound[0] == "latest"), None)
    if latest is not None:
        out.latest = Bound(latest.bound[1], _bound_basis(latest), latest)  # type: ignore[index]
        out.basis = out.latest.basis
        out.note = f"no year in the text; {latest.note}"
        return out
    out.latest = _reference_bound(doc)
    out.basis = out.latest.basis if out.latest else "stated"
    out.note = "no year in the text" + (": the date of the text bounds it" if out.latest else "")
    return out


def act_dating(act: Candidate, case: Candidate, doc: DocumentDates) -> Dating:
    """An act's dates: those of its own sentences, else the case's (the episode's first date)."""
    if act.dates:
        return dating(act, doc)
    out = dating(case, doc)
    out.note = f"none in its own sentences, so its case's: {out.note}"
    return out


def case_dating(acts: list[Dating], own: Dating) -> Dating:
    """A case's dates, covering its acts': their one date, else from the earliest to the latest. ``own``:
    the dating of the case's episode as a whole (its first date), which acts without dates share."""
    first = acts[0]
    if all(a == own for a in acts):
        return own
    if all(a == first for a in acts):
        return first
    lows, highs = [a.low for a in acts], [a.high for a in acts]
    out = Dating(note="the range of its acts' dates")
    if all(lows):
        out.earliest = min(lows, key=lambda b: b.value)  # type: ignore[union-attr]
    if all(highs):
        out.latest = max(highs, key=lambda b: b.value)  # type: ignore[union-attr]
    if out.earliest and out.latest and out.earliest.value == out.latest.value:
        return Dating(out.earliest.value, out.earliest.expr, basis=out.earliest.basis, note=first.note)
    if out.earliest is None and out.latest is None:
        return Dating(note="its acts have no common range: the reviewer must date it")
    out.basis = (out.latest or out.earliest).basis  # type: ignore[union-attr]
    return out
