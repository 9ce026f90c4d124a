"""The analyst's pages in a real Chromium (Debian's, driven by Playwright) against a real ``mediakg serve`` of
the project's build, every request to another host blocked and failing the test (``browser_support``):

- the SPARQL editor runs an example query and shows its rows (as many as the API answers), links entities to
  their pages, charts the answer, shares a link that carries the query, and lets Tab leave the editor;
- a question form is filled with the keyboard only, an entity chosen by typing part of a name, and the answer
  table appears (the API's rows), sorts, and offers its CSV;
- the timeline filters by a person (the items drawn and listed are that person's), shows a quote on focus,
  and an item leads to its page;
- the charts draw a bar per row of their questions' answers, for cases and for acts;
- every page loads its scripts, styles and fonts from the app alone, labels every control, fits a 375 px
  screen, and is saved as a screenshot at 1280 and 375 px (``tests/artifacts/analyst-*.png``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from browser_support import BrowserPage, screenshot
from service_fixtures import server_factory  # noqa: F401 - module-scoped fixture

ID = "https://w3id.org/mediakg/id/"
TIMEOUT = 30_000
#: Every page of the analyst, with a name for its screenshots and what shows that it is ready.
PAGES = {
    "editor": ("/sparql", ".yasqe .CodeMirror"),
    "questions": ("/questions", "ul.gallery"),
    "question": ("/api/incidents?type=detention&place=astana", "table.answer-table"),
    "timeline": ("/timeline", "#timeline-page[data-ready=true]"),
    "charts": ("/charts", "#charts-page[data-ready=true]"),
}


@pytest.fixture(scope="module")
def base_url(server_factory, built_dataset: Path) -> str:  # noqa: F811 - pytest fixture injection
    return server_factory(built_dataset, timeout=10, workers=2)


def api(base_url: str, name: str, **params: str) -> dict:
    r = httpx.get(f"{base_url}/api/{name}", params=params, headers={"Accept": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def timeline_data(base_url: str) -> dict:
    return httpx.get(f"{base_url}/timeline.json", timeout=30).json()


def open_ready(
    open_page: Callable[..., BrowserPage], base_url: str, name: str, width: int = 1280
) -> BrowserPage:
    path, ready = PAGES[name]
    watched = open_page(base_url, width=width, height=900)
    watched.page.goto(base_url + path)
    expect(watched.page.locator(ready).first).to_be_visible(timeout=TIMEOUT)
    return watched


# --------------------------------------------------------------------------- the SPARQL editor


def test_editor_runs_an_example_and_shows_its_rows(open_page, base_url: str) -> None:
    page = open_ready(open_page, base_url, "editor").page
    page.get_by_label("Example query").select_option("incidents-by-type")
    page.get_by_role("button", name="Open in the editor").click()
    assert "#+ title: Incidents by type" in page.evaluate("yasgui.getTab().getQuery()")
    page.keyboard.press("Control+Enter")  # the editor has the focus after "Open"
    rows = page.locator(".yasr_results table tbody tr")
    expected = api(base_url, "incidents-by-type")["rows"]
    expect(rows).to_have_count(len(expected), timeout=TIMEOUT)
    # entities link to their pages in this app
    link = page.locator(".yasr_results a[href='/id/concept/incident-type/detention']").first
    expect(link).to_be_visible()
    screenshot(page, "analyst-editor-results")
    # the answer as a chart (a bar per row)
    page.locator(".yasr_btnGroup button", has_text="Chart").click()
    bars = page.locator(".yasr_results figure.yasr-chart svg rect")
    expect(bars).to_have_count(len(expected))
    # the raw response
    page.locator(".yasr_btnGroup button", has_text="Response").click()
    expect(page.locator(".yasr_results")).to_contain_text('"head"')
    link_back = page.locator(".yasr_btnGroup button", has_text="Table")
    link_back.click()
    page.locator(".yasr_results a[href='/id/concept/incident-type/detention']").first.click()
    page.wait_for_url(f"{base_url}/id/concept/incident-type/detention")
    expect(page.locator("h1")).to_contain_text("detention")


def test_editor_shares_a_link_that_carries_the_query(open_page, base_url: str) -> None:
    page = open_ready(open_page, base_url, "editor").page
    query = "SELECT ?law WHERE { ?law a <https://w3id.org/mediakg/ontology#Law> } ORDER BY ?law"
    page.evaluate("q => { yasgui.getTab().setQuery(q); }", query)
    page.locator(".yasqe_share").click()
    shared = page.locator(".yasqe_sharePopup input, .yasqe_sharePopup textarea").first
    expect(shared).to_be_visible()
    link = shared.input_value()
    assert link.startswith(f"{base_url}/sparql#")
    assert parse_qs(urlsplit(link).fragment)["query"] == [query]
    other = open_page(base_url).page
    other.goto(link)
    expect(other.locator(".yasqe .CodeMirror")).to_be_visible(timeout=TIMEOUT)
    assert other.evaluate("yasgui.getTab().getQuery()") == query
    # a shared link runs its query as it opens
    laws = {r["law"]["value"] for r in api(base_url, "laws")["rows"]}
    expect(other.locator(".yasr_results table tbody tr")).to_have_count(len(laws))


def test_tab_leaves_the_editor(open_page, base_url: str) -> None:
    page = open_ready(open_page, base_url, "editor").page
    in_editor = "document.activeElement === yasgui.getTab().getYasqe().getInputField()"
    page.locator(".yasqe .CodeMirror-lines").click()
    assert page.evaluate(in_editor)
    before = page.evaluate("yasgui.getTab().getQuery()")
    page.keyboard.press("Tab")
    assert not page.evaluate(in_editor)
    assert page.evaluate("yasgui.getTab().getQuery()") == before  # no tab character typed
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(in_editor)


# --------------------------------------------------------------------------- a question form


def test_question_form_by_keyboard_with_an_entity_chosen_by_name(open_page, base_url: str) -> None:
    watched = open_page(base_url)
    page = watched.page
    page.goto(f"{base_url}/questions")
    page.get_by_role("link", name="Source and evidence behind an entity", exact=True).click()
    field = page.get_by_role("combobox", name="entity")
    expect(field).to_have_value("Kassym-Jomart Tokayev")  # the default, shown by its name
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("toike", delay=30)  # part of an alternative spelling, "Sania Toiken"
    option = page.get_by_role("option", name="Sania Toyken")
    expect(option).to_be_visible(timeout=TIMEOUT)
    page.keyboard.press("ArrowDown")
    expect(field).to_have_attribute("aria-activedescendant", option.get_attribute("id") or "")
    page.keyboard.press("Enter")
    expect(field).to_have_value("Sania Toyken")
    page.keyboard.press("Tab")
    while not page.evaluate("document.activeElement.textContent === 'Answer'"):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/api/entity-sources-and-evidence?entity=id%3Aperson%2Fsania-toyken")
    rows = page.locator("table.answer-table tbody tr")
    expected = api(base_url, "entity-sources-and-evidence", entity="id:person/sania-toyken")["rows"]
    expect(rows).to_have_count(len(expected))
    assert len(expected) > 0
    # each row names its sources (source 004, the appeal)
    expect(page.locator("td.sources a").first).to_have_text("004")
    screenshot(page, "analyst-question-answered")
    sort_by_first_column(page)
    csv = page.get_by_role("link", name="Download CSV")
    r = page.request.get(base_url + (csv.get_attribute("href") or ""))
    assert r.headers["content-type"].startswith("text/csv")
    assert len(r.text().strip().splitlines()) == len(expected) + 1


def sort_by_first_column(page: Page) -> None:
    """The first column's button sorts the rows by it, ascending then descending."""
    header = page.locator("table.answer-table thead th").first
    cells = page.locator("table.answer-table tbody tr td:first-child")
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    keys = [c.get_attribute("data-sort") or "" for c in cells.all()]
    assert keys == sorted(keys)
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    keys = [c.get_attribute("data-sort") or "" for c in cells.all()]
    assert keys == sorted(keys, reverse=True)


def test_question_page_shows_the_sparql_to_copy(open_page, base_url: str) -> None:
    page = open_page(base_url).page
    page.goto(f"{base_url}/api/incidents?type=detention&place=astana")
    sparql = page.locator("#sparql-text")
    expect(sparql).to_contain_text("SELECT DISTINCT ?incident")
    expect(sparql).to_contain_text("VALUES")  # the values the page ran with
    page.get_by_role("button", name="Copy the query").click()
    expect(page.locator(".copied")).not_to_be_empty()
    # the form shows the entities the names were taken to mean, by their labels
    expect(page.get_by_role("combobox", name="place")).to_have_value("Astana")
    editor = page.get_by_role("link", name="Open in the SPARQL editor")
    editor.click()
    expect(page.locator(".yasqe .CodeMirror")).to_be_visible(timeout=TIMEOUT)
    assert "incident-type/detention" in page.evaluate("yasgui.getTab().getQuery()")


# --------------------------------------------------------------------------- the timeline


def test_timeline_filtered_by_a_person_leads_to_the_item(open_page, base_url: str) -> None:
    data = timeline_data(base_url)
    person = ID + "person/sania-toyken"
    hers = [i for i in data["items"] if person in i["facets"]["person"] and i["shape"] != "undated"]
    assert hers
    page = open_ready(open_page, base_url, "timeline").page
    page.get_by_label("Person", exact=True).select_option(label="Sania Toyken")
    assert parse_qs(urlsplit(page.url).query)["person"] == ["id:person/sania-toyken"]
    drawn = page.locator("#timeline .vis-item:not(.vis-background):not(.law) a[data-item]")
    expect(drawn).to_have_count(len(hers))
    assert {unquote(a.get_attribute("data-item") or "") for a in drawn.all()} == {i["id"] for i in hers}
    listed = page.locator("#event-list a[aria-describedby]")
    assert {a.get_attribute("href") for a in listed.all()} >= {i["href"] for i in hers}
    # the quote shows on keyboard focus: in the list ...
    first = listed.first
    first.focus()
    quote = page.locator("#" + (first.get_attribute("aria-describedby") or ""))
    expect(quote).to_be_visible()
    # ... and on the timeline
    item = page.locator("#timeline .vis-item.incident a[data-item]").first
    item.focus()
    chosen = next(i for i in hers if i["id"] == item.get_attribute("data-item"))
    expect(page.locator("#tooltip")).to_be_visible()
    expect(page.locator("#tooltip")).to_contain_text(chosen["quote"][:40])
    screenshot(page, "analyst-timeline-person")
    item.click()
    page.wait_for_url(base_url + chosen["href"])
    expect(page.locator("h1")).to_contain_text(chosen["label"][:30])


def test_timeline_marks_laws_and_keeps_dates_as_the_texts_give_them(open_page, base_url: str) -> None:
    page = open_ready(open_page, base_url, "timeline").page
    page.get_by_role("button", name="Show all").click()
    laws = page.locator("#timeline .vis-item.law a")
    expect(laws).to_have_count(2)  # the two laws with a signing date
    # "by 29 March" (an upper bound only) is drawn open at the start; a month is a range over the month
    expect(page.locator("#timeline .vis-item.open-start").first).to_be_visible()
    by = page.locator(
        "#event-list li.entry", has_text="Sania Toiken taken to a police station in Astana without"
    )
    expect(by.locator(".when").first).to_have_text(
        "by 11 March 2019 (the text gives 12 February, without a year)"
    )


# --------------------------------------------------------------------------- the charts


def test_charts_draw_every_row_for_cases_and_acts(open_page, base_url: str) -> None:
    page = open_ready(open_page, base_url, "charts").page
    for level in ("mkg:Incident", "mkg:Act"):
        if level == "mkg:Act":
            page.get_by_label("acts within the cases").check()
            expect(page.locator("#chart-status")).to_contain_text("counting acts", timeout=TIMEOUT)
        for section, question in [("by-type", "incidents-by-type"), ("by-place", "incidents-by-place")]:
            rows = api(base_url, question, level=level)["rows"]
            expect(page.locator(f"#{section} figure svg [aria-label=bar] rect")).to_have_count(len(rows))
        years = api(base_url, "incidents-by-year", level=level)["rows"]
        table = page.locator("#by-year .chart-data table tbody tr")
        expect(table).to_have_count(2 * len(years))  # stated and only bounded years
    stats = api(base_url, "monitoring-statistics")["rows"]
    expect(page.locator("#statistics .chart-data table tbody tr")).to_have_count(len(stats))
    bar = page.locator("#by-type figure svg a").first
    bar.focus()  # bars are links: reachable by Tab, followed by Enter
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/id/concept/incident-type/**")


# --------------------------------------------------------------------------- every page


CONTROLS_WITHOUT_NAME = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(e => e.type !== 'hidden' && e.checkVisibility())
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.getAttribute('aria-labelledby') && !e.title && !e.textContent.trim())
  .map(e => e.outerHTML.slice(0, 120))"""
# Scripts, style sheets (and links), everything fetched, and the font files @font-face rules name.
RESOURCES = """() => {
  const fonts = [];
  for (const sheet of document.styleSheets) {
    let rules = [];
    try { rules = [...sheet.cssRules]; } catch (e) { fonts.push('unreadable sheet ' + sheet.href); }
    for (const rule of rules) {
      if (rule instanceof CSSFontFaceRule) {
        for (const m of rule.style.getPropertyValue('src').matchAll(/url\\(["']?([^"')]+)/g)) {
          fonts.push(new URL(m[1], sheet.href || location.href).href);
        }
      }
    }
  }
  return [
    ...[...document.scripts].map(s => s.src).filter(Boolean),
    ...[...document.querySelectorAll('link[href]')].map(l => l.href),
    ...performance.getEntriesByType('resource').map(r => r.name),
    ...fonts,
  ];
}"""


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_is_served_by_the_app_alone(open_page, base_url: str, name: str) -> None:
    for width in (1280, 375):
        watched = open_ready(open_page, base_url, name, width)
        page = watched.page
        page.wait_for_load_state("networkidle")
        loaded = page.evaluate(RESOURCES)
        urls = [u for u in loaded if not u.startswith(("data:", "blob:"))]
        assert urls and all(u.startswith(base_url + "/") for u in urls), urls
        assert watched.foreign == []
        assert page.evaluate(CONTROLS_WITHOUT_NAME) == []
        # readable at 375 px: nothing wider than the screen but what scrolls in its own box
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"analyst-{name}-{width}")
