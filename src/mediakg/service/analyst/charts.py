"""The charts page, ``/charts``: incidents by type, year, place and perpetrator type, and the monitoring
statistics, drawn in the browser with Observable Plot (vendored) from the named questions' JSON
(``/api/<name>``, as any client reads it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mediakg.service.analyst.common import render

router = APIRouter(include_in_schema=False)

#: The charts, in page order: id, heading, the question drawn, and what the chart shows.
CHARTS = (
    ("by-type", "Incidents by type", "incidents-by-type", "A case counts once for each type that applies."),
    (
        "by-year",
        "Incidents by year",
        "incidents-by-year",
        "Whether the text states the year or only bounds it.",
    ),
    (
        "by-place",
        "Incidents by place",
        "incidents-by-place",
        "A place counts the incidents in the places within it.",
    ),
    (
        "by-perpetrator",
        "Incidents by perpetrator type",
        "incidents-by-perpetrator-type",
        "A broader type (state authority) counts the incidents of its narrower ones too.",
    ),
    (
        "statistics",
        "Monitoring statistics",
        "monitoring-statistics",
        "The figures of the monitoring report, by indicator and reference period.",
    ),
)


@router.get("/charts")
async def charts_page(request: Request) -> Response:
    """The charts (drawn by ``static/js/charts.js``), each with its data as a table and its question."""
    charts = [{"id": c[0], "title": c[1], "question": c[2], "note": c[3]} for c in CHARTS]
    return render(request, "charts.html", {"title": "Charts", "charts": charts})
