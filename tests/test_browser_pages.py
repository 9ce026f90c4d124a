"""The pages in a real Chromium (browser_support: Debian's chromium driven by Playwright, every request to
another host blocked and failing the test), against a real ``mediakg serve`` on the real build.

Home at desktop and phone width (375 px) with its chart drawn; search by "Toiken" with the keyboard only
(suggestions as you type) and by "Токаев" through the box; home counts equal to the class pages' counts; a
reported case's page with its acts; a meeting's page with its claims shown as claims. Screenshots go to
``tests/artifacts/pages-*.png``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from playwright.sync_api import Page, expect

from browser_support import BrowserPage, screenshot
from mediakg.graph.namespaces import ID_BASE
from service_fixtures import start_server

UNION = {"use_default_graph_as_union": True}
MKG = "https://w3id.org/mediakg/ontology#"
PHONE = 375
#: Most Tab presses to reach the home page's search box (skip link, brand, nine nav links, then the box).
MAX_TABS = 20


@pytest.fixture(scope="module")
def base_url(build_dir: Path) -> Iterator[str]:
    with start_server(build_dir, workers=2) as base:
        yield base


def fits(page: Page, width: int) -> None:
    """Nothing on the page is wider than the screen (no sideways scrolling)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def heading_count(page: Page) -> int:
    found = re.search(r"\((\d+)\)\s*$", page.locator("h1").inner_text())
    assert found, page.locator("h1").inner_text()
    return int(found[1])


def test_home_at_desktop_and_phone_width(open_page: Callable[..., BrowserPage], base_url: str) -> None:
    for width, name in ((1280, "pages-home-desktop"), (PHONE, "pages-home-375")):
        page = open_page(base_url, width=width).page
        page.goto(base_url + "/")
        expect(page.locator("#chart")).to_have_attribute("data-state", "drawn")
        data = json.loads(page.locator("#chart-data").text_content())
        expect(page.locator("#chart svg a")).to_have_count(len(data["rows"]))  # each bar a link
        expect(page.locator("nav[aria-label=Site] a[aria-current=page]")).to_have_text("Home")
        fits(page, width)
        screenshot(page, name)


def test_a_chart_bar_leads_to_the_cases_it_counts(
    open_page: Callable[..., BrowserPage], base_url: str
) -> None:
    """The first bar (the most frequent type in its year), followed with the keyboard: the listing has as
    many cases as the bar counts."""
    page = open_page(base_url).page
    page.goto(base_url + "/")
    bar = page.locator("#chart svg a").first
    expect(bar).to_be_attached()
    counted = int(re.search(r": (\d+) case", bar.locator("title").text_content())[1])
    bar.focus()
    bar.press("Enter")
    page.wait_for_url(re.compile(r"/class/Incident\?type=.+&year=\d{4}"))
    assert heading_count(page) == counted == page.locator("ol.members > li").count()


def test_search_toiken_with_the_keyboard_only(open_page: Callable[..., BrowserPage], base_url: str) -> None:
    """Tab to the search box, type, pick the first suggestion with the arrow key, Enter: Sania Toyken's page
    (the texts spell her Toyken and Toiken)."""
    page = open_page(base_url).page
    page.goto(base_url + "/")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "home-q":
            break
    else:
        pytest.fail(f"the search box is not reached in {MAX_TABS} presses of Tab")
    box = page.locator("#home-q")
    page.keyboard.type("Toiken")
    first = page.locator("#home-search [role=option]").first
    expect(first).to_contain_text("Sania Toyken")
    expect(box).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    screenshot(page, "pages-search-suggestions", full_page=False)
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "/id/person/sania-toyken")
    expect(page.locator("h1")).to_have_text("Sania Toyken")
    expect(page.locator("p.alt")).to_contain_text("Sania Toiken")


def test_search_tokayev_in_cyrillic_through_the_box(
    open_page: Callable[..., BrowserPage], base_url: str
) -> None:
    """At phone width: "Токаев" typed into the box and sent finds Kassym-Jomart Tokayev (written "K.Tokaev"
    in one text) first; his page opens from the result."""
    page = open_page(base_url, width=PHONE).page
    page.goto(base_url + "/")
    page.locator("#home-q").fill("Токаев")
    expect(page.locator("#home-search [role=option]").first).to_contain_text("Kassym-Jomart Tokayev")
    page.locator("#home-q").press("Enter")  # no suggestion chosen: Enter sends the form
    page.wait_for_url(re.compile(r"/search\?q="))
    first = page.locator("ol.members > li").first
    expect(first).to_contain_text("Kassym-Jomart Tokayev")
    expect(first).to_contain_text("K.Tokaev")
    fits(page, PHONE)
    screenshot(page, "pages-search-results-375")
    first.locator("a").click()
    page.wait_for_url(base_url + "/id/person/kassym-jomart-tokayev")
    expect(page.locator("h1")).to_have_text("Kassym-Jomart Tokayev")


def test_home_counts_equal_the_class_pages(open_page: Callable[..., BrowserPage], base_url: str) -> None:
    page = open_page(base_url).page
    page.goto(base_url + "/")
    cards = page.locator("a.stat")
    expected = [
        (cards.nth(i).get_attribute("href"), int(cards.nth(i).get_attribute("data-count")))
        for i in range(cards.count())
    ]
    assert len(expected) >= 10
    for href, count in expected:
        page.goto(base_url + href)
        assert heading_count(page) == count == page.locator("ol.members > li").count(), href


def _case_with_most_acts(store: ox.Store) -> tuple[str, list[str]]:
    rows = list(store.query(f"SELECT ?case ?act {{ ?case <{MKG}hasAct> ?act }}", **UNION))
    by_case: dict[str, list[str]] = {}
    for r in rows:
        by_case.setdefault(r["case"].value, []).append(r["act"].value)
    case = max(by_case, key=lambda c: (len(by_case[c]), c))
    return case, by_case[case]


def test_case_page_shows_its_acts(
    open_page: Callable[..., BrowserPage], base_url: str, store: ox.Store
) -> None:
    case, acts = _case_with_most_acts(store)
    path = "/id/" + case[len(ID_BASE) :]
    for width, name in ((1280, "pages-case-desktop"), (PHONE, "pages-case-375")):
        page = open_page(base_url, width=width).page
        page.goto(base_url + path)
        items = page.locator("#acts li.act")
        expect(items).to_have_count(len(acts))
        for act in acts:
            expect(page.locator(f'#acts li.act h3 a[href="/id/{act[len(ID_BASE) :]}"]')).to_have_count(1)
        expect(items.first.locator(".types a")).not_to_have_count(0)
        expect(page.locator("#when")).to_contain_text("2019")
        fits(page, width)
        screenshot(page, name)
    # an act links back to its case
    page.locator("#acts li.act h3 a").first.click()
    expect(page.locator("#case a")).to_have_attribute("href", path)


def test_meeting_page_shows_a_claim_as_a_claim(
    open_page: Callable[..., BrowserPage], base_url: str, store: ox.Store
) -> None:
    row = next(
        iter(
            store.query(
                f"""SELECT ?m ?who ?text {{ ?m a <{MKG}Meeting> ; <{MKG}claim> ?c ; <{MKG}reportedFrom> ?d .
                    ?c <{MKG}claimant> ?p ; <http://purl.org/dc/terms/description> ?text .
                    ?p <http://www.w3.org/2004/02/skos/core#prefLabel> ?who }} ORDER BY ?m ?text LIMIT 1""",
                **UNION,
            )
        )
    )
    path = "/id/" + row["m"].value[len(ID_BASE) :]
    for width, name in ((1280, "pages-meeting-desktop"), (PHONE, "pages-meeting-375")):
        page = open_page(base_url, width=width).page
        page.goto(base_url + path)
        claim = page.locator("article.claim").filter(has_text=row["text"].value)
        expect(claim).to_have_count(1)
        expect(claim.locator("p.said")).to_have_text(re.compile(rf"^{re.escape(row['who'].value)}.* said:$"))
        expect(claim.locator("blockquote")).not_to_have_count(0)
        expect(page.locator("#claims")).not_to_contain_text("rdf:type")
        expect(page.locator("#claims")).not_to_contain_text("wasDerivedFrom")
        expect(page.locator("#where")).to_contain_text("datelined in")
        fits(page, width)
        screenshot(page, name)
