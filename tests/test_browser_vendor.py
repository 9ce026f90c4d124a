"""The vendored YASGUI, vis-timeline and Observable Plot load and work in a real Chromium with every
request to another host blocked. The page is a test fixture (tests/data/vendor-page.html) handed to the
browser at the app's own origin; its scripts, styles and queries go to the real server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from browser_support import BrowserPage, screenshot
from service_fixtures import server_factory  # noqa: F401 - module-scoped fixture

FIXTURE = Path(__file__).parent / "data" / "vendor-page.html"
FIXTURE_PATH = "/__test__/vendor-page.html"  # not a route of the app: the test answers it


@pytest.fixture(scope="module")
def base_url(server_factory, built_dataset: Path) -> str:  # noqa: F811 - pytest fixture injection
    return server_factory(built_dataset, timeout=10, workers=1)


@pytest.fixture
def vendor_page(open_page: Callable[..., BrowserPage], base_url: str) -> BrowserPage:
    watched = open_page(base_url)
    watched.page.route(
        base_url + FIXTURE_PATH,
        lambda route: route.fulfill(body=FIXTURE.read_text(encoding="utf-8"), content_type="text/html"),
    )
    watched.page.goto(base_url + FIXTURE_PATH)
    return watched


def test_yasgui_runs_a_query_against_the_app(vendor_page: BrowserPage, base_url: str) -> None:
    page = vendor_page.page
    expect(page.locator("#yasgui .CodeMirror")).to_be_visible()
    assert page.locator("#yasgui input.autocomplete").input_value() == f"{base_url}/sparql"
    with page.expect_response(lambda r: r.url.startswith(f"{base_url}/sparql")) as answer:
        page.locator("#yasgui .yasqe_queryButton").click()
    assert answer.value.status == 200
    rows = page.locator("#yasgui .yasr table.dataTable tbody tr")
    expect(rows).to_have_count(5)
    # IRIs under the graph's base IRI link to the app's own entity pages, in the same tab
    link = rows.first.locator("a.iri").first
    assert link.get_attribute("href").startswith("/id/incident/")
    assert link.get_attribute("target") is None
    screenshot(page, "vendor-yasgui-results", full_page=False)
    assert _labels(page) == sorted(_labels(page))


def _labels(page: Page) -> list[str]:
    return [cell.inner_text() for cell in page.locator("#yasgui .yasr tbody tr td:nth-child(3)").all()]


def _complete(page: Page, text: str) -> list[str]:
    """Type ``text`` at the end of the editor, ask for completions (Ctrl-Space), return the hints."""
    page.evaluate("() => { const y = yasgui.getTab().getYasqe(); y.setValue(''); y.focus(); }")
    page.keyboard.type(text)
    page.keyboard.press("Control+Space")
    hints = page.locator(".CodeMirror-hints li")
    expect(hints.first).to_be_visible()
    return hints.all_inner_texts()


def test_yasgui_completes_from_the_app_not_remote_services(vendor_page: BrowserPage, base_url: str) -> None:
    """Prefixes come from the page's list; classes from the app's endpoint (upstream asks prefix.cc and
    lov.linkeddata.es, which the blocked-network fixture would report)."""
    page = vendor_page.page
    expect(page.locator("#yasgui .CodeMirror")).to_be_visible()
    assert _complete(page, "PREFIX mk") == ["mkg: <https://w3id.org/mediakg/ontology#>"]
    before = len(vendor_page.requests)
    hints = _complete(page, "PREFIX mkg: <https://w3id.org/mediakg/ontology#>\nSELECT * { ?x a mkg:Inc")
    assert "mkg:Incident" in hints
    asked = [url for url in vendor_page.requests[before:] if "STRSTARTS" in url]
    assert asked and all(url.startswith(f"{base_url}/sparql?") for url in asked)
    screenshot(page, "vendor-yasgui-completion", full_page=False)


def test_timeline_draws_lanes_items_and_a_marker(vendor_page: BrowserPage) -> None:
    page = vendor_page.page
    timeline = page.locator("#timeline .vis-timeline")
    expect(timeline).to_be_visible()
    contents = timeline.locator(".vis-item .vis-item-content")
    expect(contents).to_have_count(3)
    assert sorted(contents.all_inner_texts()) == ["A meeting", "An incident in March", "By 29 March"]
    labels = timeline.locator(".vis-labelset .vis-label").all_inner_texts()
    assert labels == ["OSCE engagements", "Media-freedom incidents"]
    # the month is drawn as a range as wide as March is on the axis (the window shows 2019-01-01..2020-12-31)
    month = timeline.locator(".vis-item.vis-range").bounding_box()
    axis = timeline.locator(".vis-panel.vis-center").bounding_box()
    assert month and axis
    assert month["width"] == pytest.approx(axis["width"] * 31 / 730, rel=0.1)
    expect(timeline.locator(".vis-item.vis-point")).to_contain_text("A meeting")
    expect(timeline.locator(".vis-item.vis-box.bound")).to_contain_text("By 29 March")
    expect(timeline.locator(".vis-custom-time")).to_have_count(1)
    screenshot(page.locator("#timeline"), "vendor-timeline")


def test_plot_draws_linked_bars_with_a_legend(vendor_page: BrowserPage) -> None:
    page = vendor_page.page
    chart = page.locator("#chart")
    bars = chart.locator("svg [aria-label='bar'] a rect")
    expect(bars).to_have_count(4)
    assert all((box := bar.bounding_box()) and box["height"] > 0 for bar in bars.all())
    hrefs = chart.locator("svg [aria-label='bar'] a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert sorted(hrefs) == sorted(f"/class/Incident?year={y}" for y in ("2019", "2019", "2020", "2021"))
    assert sorted(chart.locator(".plot-swatch, [class$='-swatch']").all_inner_texts()) == [
        "attack",
        "detention",
        "prosecution",
    ]
    titles = chart.locator("svg [aria-label='bar'] title").evaluate_all("ts => ts.map(t => t.textContent)")
    assert sorted(titles) == [
        "2019, attack: 1",
        "2019, detention: 2",
        "2020, detention: 3",
        "2021, prosecution: 1",
    ]
    screenshot(chart, "vendor-chart")


def test_the_browser_fixture_blocks_and_reports_other_hosts(
    open_page: Callable[..., BrowserPage], base_url: str
) -> None:
    """The check the other browser tests rely on: a page that asks another host for a script, a font and an
    image gets none of them (aborted before any connection) and the test would fail, naming each URL.
    The other hosts are loopback names (*.localhost, 127.0.0.2), so nothing could leave the machine."""
    watched = open_page(base_url)
    page = watched.page
    html = (
        "<!doctype html><title>t</title>"
        "<style>@font-face { font-family: F; src: url(http://fonts.localhost:9/f.woff2); }"
        " body { font-family: F; }</style>"
        "<script src='http://cdn.localhost:9/lib.js'></script>"
        "<img src='http://127.0.0.2:9/pixel.png' alt=''><p>text</p>"
    )
    page.route(
        base_url + "/__test__/foreign.html", lambda route: route.fulfill(body=html, content_type="text/html")
    )
    page.goto(base_url + "/__test__/foreign.html")
    page.wait_for_load_state("load")
    expected = {
        "http://fonts.localhost:9/f.woff2",
        "http://cdn.localhost:9/lib.js",
        "http://127.0.0.2:9/pixel.png",
    }
    assert set(watched.foreign) == expected
    assert {f.split(": ")[0] for f in watched.failed} == expected  # aborted, none answered
    assert len(watched.problems()) == 3 and all("another host" in p for p in watched.problems())
    watched.foreign.clear()  # seen: do not fail this test for them at teardown
