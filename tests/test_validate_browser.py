"""The validation page (``/validate``) in a real Chromium against a real ``mediakg serve`` of the real build:
a bad file pasted with the keyboard alone is reported with its line and message, a good file uploaded
gets "No problems", every input has its label, the page reads at 375 px without sideways scrolling, and
nothing is asked of another host (the ``open_page`` fixture fails the test otherwise). Screenshots go to
tests/artifacts/validate-*.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from browser_support import BrowserPage, screenshot
from service_fixtures import server_factory  # noqa: F401 - module-scoped fixture

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "bad"
GOOD_FILE = REPO / "data" / "004_5fc3c1fc3dcca73a.ttl"
FIELDS = ("text", "file", "format", "name")


@pytest.fixture(scope="module")
def base_url(server_factory, built_dataset: Path) -> str:  # noqa: F811 - pytest fixture injection
    return server_factory(built_dataset, workers=1)


def _active_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _tab_to(page: Page, element_id: str, most: int = 40) -> None:
    for _ in range(most):
        if _active_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px window"


def test_every_input_has_a_label(open_page: Callable[..., BrowserPage], base_url: str) -> None:
    page = open_page(base_url).page
    page.goto(f"{base_url}/validate")
    for field in FIELDS:
        label = page.locator(f'label[for="{field}"]')
        expect(label).to_have_count(1)
        assert page.get_by_label(label.inner_text()).get_attribute("id") == field
    expect(page.get_by_role("button", name="Validate")).to_be_visible()
    screenshot(page, "validate-form")


def test_a_bad_file_pasted_with_the_keyboard_shows_its_line_and_message(
    open_page: Callable[..., BrowserPage], base_url: str
) -> None:
    watched = open_page(base_url)
    page = watched.page
    page.goto(f"{base_url}/validate")
    text = (BAD / "syntax_error.ttl").read_text(encoding="utf-8")
    _tab_to(page, "text")
    page.keyboard.insert_text(text)  # what a paste does: the text arrives at once
    for field in ("file", "format", "name"):
        page.keyboard.press("Tab")
        assert _active_id(page) == field
    page.keyboard.type("syntax_error.ttl")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Validate"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#outcome-heading")).to_have_text("The file could not be read")
    problem = page.locator("ol.problems li").first
    expect(problem.locator(".line")).to_have_text("line 27")
    expect(problem.locator(".message")).to_contain_text("syntax error: expected '.'")
    expect(problem.locator("pre.source")).to_contain_text("<person/other> a mkg:Person .")  # line 27
    expect(problem).to_contain_text("In syntax_error.ttl.")
    # the pasted text is there again, to be fixed and sent once more
    assert page.locator("#text").input_value().replace("\r\n", "\n") == text.rstrip("\n") + "\n"
    assert all(url.startswith(base_url) for url in watched.requests)
    screenshot(page, "validate-bad-paste")


def test_a_pasted_file_that_breaks_a_shape_shows_the_node_rule_and_message(
    open_page: Callable[..., BrowserPage], base_url: str
) -> None:
    page = open_page(base_url).page
    page.goto(f"{base_url}/validate")
    page.get_by_label("Paste the file").fill((BAD / "missing_source.ttl").read_text(encoding="utf-8"))
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#outcome-heading")).to_have_text("1 problem")
    problem = page.locator("ol.problems li").first
    expect(problem.locator(".focus")).to_contain_text("id:person/bad-no-source")
    expect(problem.locator(".path")).to_contain_text("prov:wasDerivedFrom")
    expect(problem.locator(".message")).to_contain_text("Missing provenance: no prov:wasDerivedFrom")
    expect(problem.locator(".constraint")).to_contain_text("a required statement is missing")
    screenshot(page, "validate-violation")


def test_a_good_file_uploaded_has_no_problems(open_page: Callable[..., BrowserPage], base_url: str) -> None:
    page = open_page(base_url).page
    page.goto(f"{base_url}/validate")
    page.get_by_label("or upload it").set_input_files(str(GOOD_FILE))
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#outcome-heading")).to_have_text("No problems", timeout=60_000)
    outcome = page.locator("section.outcome")
    expect(outcome).to_contain_text(f"{GOOD_FILE.name} (")
    expect(outcome).to_contain_text("It replaces the served graph")
    expect(page.locator("ol.problems")).to_have_count(0)
    screenshot(page, "validate-good-upload")


def test_the_page_reads_at_375_px(open_page: Callable[..., BrowserPage], base_url: str) -> None:
    page = open_page(base_url, width=375, height=800).page
    page.goto(f"{base_url}/validate")
    _no_sideways_scroll(page)
    screenshot(page, "validate-375-form")
    page.get_by_label("Paste the file").fill((BAD / "dangling_place.ttl").read_text(encoding="utf-8"))
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#outcome-heading")).to_have_text("1 problem")
    _no_sideways_scroll(page)
    textarea = page.locator("#text").bounding_box()
    assert textarea is not None and textarea["width"] <= 375
    screenshot(page, "validate-375-report")
