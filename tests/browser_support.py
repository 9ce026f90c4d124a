"""A real headless Chromium for page tests: Playwright for Python driving Debian's ``/usr/bin/chromium``
(never a browser that Playwright downloads; ``.ci/run`` apt-installs chromium).

The fixtures are registered for every test module by ``conftest.py`` (``pytest_plugins``); a module imports
only the helpers (``from browser_support import BrowserPage, screenshot``).

- ``browser`` (module): the running Chromium. Not one for the whole session: while Playwright's sync API is
  running, the thread has a running event loop, and ``asyncio.run`` in any later test would fail.
- ``open_page`` (per test): ``open_page(base_url) -> BrowserPage``, a new page in its own context that
  may talk to ``base_url``'s origin only (the app on 127.0.0.1). Every request to any other host is
  aborted, recorded, and fails the test when it ends; so do uncaught script errors, unless the test
  says ``allow_page_errors()``. ``.page`` is the Playwright page, ``.requests`` every URL asked for.
- ``screenshot(page_or_locator, name, full_page=True)``: saves ``<artifacts>/<name>.png`` (a page, or one
  element) and returns its path;
  the folder is ``tests/artifacts/`` (gitignored) or ``$MEDIAKG_TEST_ARTIFACTS``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, Request, Route, sync_playwright

CHROMIUM = os.environ.get("MEDIAKG_CHROMIUM", "/usr/bin/chromium")
#: Flags that work in this sandbox (no GPU, no user namespace) and keep Chromium from calling home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("MEDIAKG_TEST_ARTIFACTS", Path(__file__).parent / "artifacts"))
#: URL schemes that are not network requests.
LOCAL_SCHEMES = {"data", "blob", "about"}


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class BrowserPage:
    """A page that may only reach one origin, with what it asked for and what went wrong."""

    page: Page
    allowed: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    _errors_allowed: bool = False

    def allow_page_errors(self) -> None:
        """Uncaught script errors are what this test looks at: do not fail it for them."""
        self._errors_allowed = True

    def _on_request(self, request: Request) -> None:
        self.requests.append(request.url)
        if not self._is_allowed(request.url):
            self.foreign.append(request.url)

    def _on_response_failed(self, request: Request) -> None:
        self.failed.append(f"{request.url}: {request.failure}")

    def _is_allowed(self, url: str) -> bool:
        return urlsplit(url).scheme in LOCAL_SCHEMES or origin(url) == self.allowed

    def _route(self, route: Route) -> None:
        if self._is_allowed(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def problems(self) -> list[str]:
        """What makes the test fail: requests to other hosts, and uncaught script errors."""
        found = [f"request to another host than {self.allowed}: {url}" for url in self.foreign]
        if not self._errors_allowed:
            found += [f"uncaught script error: {e}" for e in self.page_errors]
        return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the tests of one module (skipped where it is not installed)."""
    if not Path(CHROMIUM).is_file() and shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is not installed (Debian: apt-get install chromium); .ci/run installs it")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., BrowserPage]]:
    """``open_page(base_url, width=1280, height=800) -> BrowserPage``: a fresh page (own context: no shared
    cookies or storage) that may reach ``base_url``'s origin only; checked when the test ends."""
    opened: list[tuple[BrowserPage, object]] = []

    def open_(base_url: str, width: int = 1280, height: int = 800) -> BrowserPage:
        context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
        watched = BrowserPage(context.new_page(), allowed=origin(base_url))
        context.route("**/*", watched._route)
        context.on("request", watched._on_request)
        context.on("requestfailed", watched._on_response_failed)
        watched.page.on("pageerror", lambda error: watched.page_errors.append(str(error)))
        opened.append((watched, context))
        return watched

    yield open_
    problems = []
    for watched, context in opened:
        problems += watched.problems()
        context.close()  # type: ignore[attr-defined]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def screenshot(target: Page | Locator, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of a page (the whole page, or with ``full_page=False`` what the viewport shows) or of one
    element (a locator) as ``<artifacts>/<name>.png``; returns the path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if isinstance(target, Locator):
        target.screenshot(path=str(path))
    else:
        target.screenshot(path=str(path), full_page=full_page)
    return path
