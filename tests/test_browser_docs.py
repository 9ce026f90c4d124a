"""/docs (Swagger UI) and /redoc (ReDoc) in a real Chromium, with every request to another host blocked:
they load the app's vendored copies, not a CDN, and show the API's operations."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from browser_support import BrowserPage, screenshot
from mediakg.service.docs_pages import VENDOR
from service_fixtures import server_factory  # noqa: F401 - module-scoped fixture


@pytest.fixture(scope="module")
def base_url(server_factory, built_dataset: Path) -> str:  # noqa: F811 - pytest fixture injection
    return server_factory(built_dataset, timeout=10, workers=1)


@pytest.fixture(scope="module")
def operations(base_url: str) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation the app's OpenAPI document lists."""
    spec = httpx.get(f"{base_url}/openapi.json", timeout=30).json()
    return [(m.upper(), p) for p, item in spec["paths"].items() for m in item]


def test_docs_lists_every_operation_offline(
    open_page: Callable[..., BrowserPage],
    base_url: str,
    operations: list[tuple[str, str]],
) -> None:
    watched = open_page(base_url)
    page = watched.page
    page.goto(f"{base_url}/docs")
    blocks = page.locator(".opblock")
    expect(blocks.first).to_be_visible(timeout=30_000)
    method, path = ".opblock-summary-method", "[data-path]"
    shown = [
        (b.locator(method).inner_text().strip(), b.locator(path).get_attribute("data-path"))
        for b in blocks.all()
    ]
    assert sorted(shown) == sorted(operations) and len(shown) > 3
    # the scripts and styles came from the app itself, and nothing was asked of another host
    assert any("/static/vendor/swagger-ui/swagger-ui-bundle.js?v=" in url for url in watched.requests)
    assert watched.foreign == []
    screenshot(page, "docs")


def test_docs_operation_opens_and_runs_against_the_app(
    open_page: Callable[..., BrowserPage],
    base_url: str,
) -> None:
    """Swagger UI works, not only draws: open /health, "Try it out", "Execute", see the app's answer."""
    page = open_page(base_url).page
    page.goto(f"{base_url}/docs")
    path = page.locator(".opblock-summary-path", has_text=re.compile(r"^/health$"))
    health = page.locator(".opblock", has=path)
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    body = health.locator(".responses-wrapper .live-responses-table .response-col_description pre").first
    expect(body).to_contain_text('"status"', timeout=30_000)
    screenshot(page, "docs-health-executed")


def test_redoc_shows_the_operations_offline(
    open_page: Callable[..., BrowserPage],
    base_url: str,
    operations: list[tuple[str, str]],
) -> None:
    watched = open_page(base_url)
    page = watched.page
    page.goto(f"{base_url}/redoc")
    expect(page.locator("h1").first).to_contain_text("mediakg", timeout=30_000)
    menu = page.locator("[role=menuitem], .menu-content label")
    expect(menu.first).to_be_visible()
    assert page.locator("[data-section-id^='operation/'], [id^='operation/']").count() == len(operations)
    assert watched.foreign == []
    screenshot(page, "redoc", full_page=False)  # the whole of it is ~20,000 px tall


def test_vendored_files_are_served_with_their_cache_rules(base_url: str) -> None:
    """Every file under static/vendor is served byte for byte; with the current ?v= it may be kept a year,
    without it the browser must revalidate; a path outside the folder is refused."""
    from mediakg.service.docs_pages import vendor_url

    with httpx.Client(base_url=base_url, timeout=30) as client:
        for path in sorted(p for p in VENDOR.rglob("*") if p.is_file()):
            name = path.relative_to(VENDOR).as_posix()
            plain = client.get(f"/static/vendor/{name}")
            assert plain.status_code == 200, name
            assert plain.content == path.read_bytes(), name
            assert plain.headers["cache-control"] == "no-cache"
            versioned = client.get(vendor_url(name))
            assert versioned.headers["cache-control"].endswith("immutable"), name
            again = client.get(vendor_url(name), headers={"If-None-Match": versioned.headers["etag"]})
            assert again.status_code == 304, name
        stale = client.get("/static/vendor/yasgui/yasgui.js?v=000000000000")
        assert stale.headers["cache-control"] == "no-cache"
        for bad in ("nothing.js", "%2e%2e/mediakg.css", "yasgui"):
            bad = f"/static/vendor/{bad}"
            response = client.get(bad)
            assert response.status_code == 404, bad
            assert response.text == "not found\n"
