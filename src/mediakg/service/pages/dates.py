"""Dates as people read them, at the precision the text gives (ontology/MODEL.md, "Dates").

Pure functions of lexical forms and datatypes, shared by every page that shows or orders events:

- :func:`display_date`: one date literal (``2020-08`` -> ``August 2020``, ``--03`` -> ``March (year not
  stated)``);
- :func:`when`: an event's date and bounds together (``22 March 2019``, ``March (year not stated), by
  29 March 2019``, ``between 22 and 29 March 2019``, ``on or after 19 June 2024``), with the key that orders
  events of mixed precision and the year the event is counted in.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import Literal, Node
from rdflib.namespace import XSD

MONTHS = list(calendar.month_name)  # ["", "January", ...] (C locale: English)
_GMONTHDAY = re.compile(r"^--(\d\d)-(\d\d)")
_GMONTH = re.compile(r"^--(\d\d)")
_DATE = re.compile(r"^(-?\d{4,})-(\d\d)-(\d\d)")
_GYEARMONTH = re.compile(r"^(-?\d{4,})-(\d\d)")
_GYEAR = re.compile(r"^(-?\d{4,})")
DATE_TYPES = {str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear), str(XSD.gMonthDay), str(XSD.gMonth)}
#: Sort key of an event without any date: after every dated one.
UNDATED = (99999, 99, 99)


def display_date(lexical: str, datatype: str | None) -> str:
    """A date literal as people write it, keeping its precision (``2020-08`` → ``August 2020``)."""
    try:
        if datatype == str(XSD.gMonthDay) and (m := _GMONTHDAY.match(lexical)):
            return f"{int(m[2])} {MONTHS[int(m[1])]} (year not stated)"
        if datatype == str(XSD.gMonth) and (m := _GMONTH.match(lexical)):
            return f"{MONTHS[int(m[1])]} (year not stated)"
        if datatype == str(XSD.date) and (m := _DATE.match(lexical)):
            return f"{int(m[3])} {MONTHS[int(m[2])]} {m[1]}"
        if datatype == str(XSD.gYearMonth) and (m := _GYEARMONTH.match(lexical)):
            return f"{MONTHS[int(m[2])]} {m[1]}"
        if datatype == str(XSD.gYear) and (m := _GYEAR.match(lexical)):
            return m[1]
    except (IndexError, ValueError):
        pass
    return lexical


def date_sort_key(lexical: str | None) -> tuple[int, int, int]:
    """Order dates of mixed precision: year, month, day (missing parts sort first; no date sorts last)."""
    if not lexical:
        return UNDATED
    if m := _DATE.match(lexical):
        return (int(m[1]), int(m[2]), int(m[3]))
    if m := _GYEARMONTH.match(lexical):
        return (int(m[1]), int(m[2]), 0)
    if m := _GYEAR.match(lexical):
        return (int(m[1]), 0, 0)
    return UNDATED


def _parts(lexical: str) -> tuple[int | None, int | None, int | None]:
    """(year, month, day) of any of the five date types, None where the literal has no such part."""
    if m := _GMONTHDAY.match(lexical):
        return None, int(m[1]), int(m[2])
    if m := _GMONTH.match(lexical):
        return None, int(m[1]), None
    if m := _DATE.match(lexical):
        return int(m[1]), int(m[2]), int(m[3])
    if m := _GYEARMONTH.match(lexical):
        return int(m[1]), int(m[2]), None
    if m := _GYEAR.match(lexical):
        return int(m[1]), None, None
    return None, None, None


def _short(lexical: str, datatype: str | None) -> str:
    """A date without the "(year not stated)" note: ``--03-03`` → ``3 March``, ``--03`` → ``March``."""
    year, month, day = _parts(lexical)
    if year is None and month and 1 <= month <= 12:
        return f"{day} {MONTHS[month]}" if day else MONTHS[month]
    return display_date(lexical, datatype)


def _range(first: str, last: str) -> str:
    """``between 22 and 29 March 2019``: two full dates, the shared month and year said once."""
    a, b = _parts(first), _parts(last)
    if None not in a and None not in b and a[0] == b[0]:
        first_month, last_month = MONTHS[a[1] or 0], MONTHS[b[1] or 0]
        if a[1] == b[1]:
            return f"between {a[2]} and {b[2]} {last_month} {b[0]}"
        return f"between {a[2]} {first_month} and {b[2]} {last_month} {b[0]}"
    return f"between {display_date(first, _type(first))} and {display_date(last, _type(last))}"


def _type(lexical: str) -> str:
    """The datatype a bound's lexical form has (bounds carry a year: date, gYearMonth or gYear)."""
    if _DATE.match(lexical):
        return str(XSD.date)
    return str(XSD.gYearMonth) if _GYEARMONTH.match(lexical) else str(XSD.gYear)


@dataclass(frozen=True)
class When:
    """An event's time as a page shows it: ``text``; ``key`` orders events (:data:`UNDATED` last); ``year``
    is the year it is counted in (the stated one, else the latest its bounds allow; None: unknown)."""

    text: str
    key: tuple[int, int, int]
    year: int | None


def _placed(lexical: str, latest: str | None) -> tuple[int, int, int]:
    """Sort key of a date without a year, placed in the latest year its upper bound allows."""
    _, month, day = _parts(lexical)
    bound = date_sort_key(latest)
    if month is None or bound == UNDATED:
        return UNDATED[0], month or 99, day or 0
    fits = (month, day or 1) <= (bound[1] or 12, bound[2] or 31)
    return (bound[0] if fits else bound[0] - 1, month, day or 0)


def when(date: Literal | None, earliest: Literal | None = None, latest: Literal | None = None) -> When:
    """The time of an event from its ``mkg:date`` and ``mkg:earliestDate`` / ``mkg:latestDate``.

    A date with a year is shown and ordered as it is. A date without one (``--03``) is shown as ``March``
    with its upper bound and ordered in the latest year that bound allows. Without a date, the bounds are
    shown (``between … and …``, ``by …``, ``on or after …``) and the event is ordered by its earliest bound,
    else its latest.
    """
    late = str(latest) if latest is not None else None
    early = str(earliest) if earliest is not None else None
    if date is not None:
        lexical, datatype = str(date), str(date.datatype) if date.datatype else None
        if _parts(lexical)[0] is not None:
            return When(display_date(lexical, datatype), date_sort_key(lexical), _parts(lexical)[0])
        key = _placed(lexical, late)
        text = _short(lexical, datatype) + " (year not stated)"
        if late:
            text += f", by {display_date(late, _type(late))}"
        return When(text, key, None if key[0] == UNDATED[0] else key[0])
    if early and late:
        text = "on " + display_date(early, _type(early)) if early == late else _range(early, late)
    elif late:
        text = "by " + display_date(late, _type(late))
    elif early:
        text = "on or after " + display_date(early, _type(early))
    else:
        return When("date not stated", UNDATED, None)
    year = date_sort_key(late or early)[0]
    return When(text, date_sort_key(early or late), year)


def literal(term: Node | None) -> Literal | None:
    """``term`` if it is a literal, else None."""
    return term if isinstance(term, Literal) else None


def row_when(row: Mapping[str, Node]) -> When:
    """The time of the event of a SELECT row with the variables ``?date``, ``?earliest`` and ``?latest``."""
    return when(literal(row.get("date")), literal(row.get("earliest")), literal(row.get("latest")))
