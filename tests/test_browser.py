"""The built site in a real Chromium (Debian's, driven by Playwright; no browser download).

Checks what only a browser can: no console error, no request to any host but 127.0.0.1,
search finds a chapter, math is rendered by KaTeX, figures are visible, the palette toggles.
Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kbtest import ARTIFACTS
from otlpkb._site import catalogue

pytestmark = [pytest.mark.site, pytest.mark.browser, pytest.mark.xdist_group("site")]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SHOTS = ARTIFACTS / "screenshots"


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        message = (
            "NO CHROMIUM: browser tests NOT RUN. Install Debian's chromium "
            "(apt-get install chromium) to run them."
        )
        if os.environ.get("OTLPKB_REQUIRE_BROWSER") == "1" or os.environ.get("CI"):
            pytest.fail(message)
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """A page in a fresh context that records console errors and every requested host."""

    def __init__(self, browser, server: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._request)
        self.server = server

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"data", "blob", "about"}:
            return
        if parts.hostname != "127.0.0.1":
            self.foreign.append(request.url)

    def open(self, path: str):
        self.page.goto(self.server + "/" + path, wait_until="networkidle")
        return self.page

    def assert_clean(self) -> None:
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.foreign, f"requests to other hosts: {self.foreign}"

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, server: str) -> Iterator[Visit]:
    v = Visit(browser, server)
    yield v
    v.close()


CHAPTER_PAGES = catalogue.chapter_pages()


def test_landing_page_loads_cleanly_and_shows_the_map(visit: Visit) -> None:
    page = visit.open("")
    assert "otlpkb" in page.title()
    rows = page.locator("article table tbody tr")
    assert rows.count() == 39
    visit.shot("landing")
    visit.assert_clean()


@pytest.mark.parametrize("chapter", CHAPTER_PAGES, ids=lambda p: p.chapter.id)
def test_chapter_renders_math_and_figures(visit: Visit, chapter) -> None:
    page = visit.open(chapter.chapter.page.removesuffix(".md") + "/")
    page.wait_for_selector(".katex", timeout=10_000)
    assert page.locator(".arithmatex .katex").count() > 0, "math not rendered by KaTeX"
    assert page.locator(".katex-error").count() == 0, "KaTeX reported a formula error"
    figures = page.locator("figure.kb-figure svg")
    assert figures.count() > 0
    for i in range(figures.count()):
        figures.nth(i).scroll_into_view_if_needed()
        box = figures.nth(i).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, f"figure {i} not shown"
    if page.locator("pre.mermaid, div.mermaid").count():
        # Material renders each diagram into a closed shadow root on a div.mermaid that
        # replaces the pre: the div's size says the vendored mermaid drew it.
        diagram = page.locator("div.mermaid").first
        diagram.wait_for(timeout=10_000)
        diagram.scroll_into_view_if_needed()
        box = diagram.bounding_box()
        assert box and box["height"] > 50, "mermaid diagram not rendered"
    visit.shot(f"chapter-{chapter.chapter.id}")
    visit.assert_clean()


def test_search_finds_the_chapters(visit: Visit) -> None:
    assert CHAPTER_PAGES, "no chapter to search for"
    page = visit.open("")
    for chapter in CHAPTER_PAGES[:3]:
        box = page.locator("input.md-search__input")
        box.click()
        box.fill("")
        box.press_sequentially(chapter.chapter.title, delay=20)  # Material listens to keys
        result = page.locator(".md-search-result__item", has_text=chapter.chapter.title)
        result.first.wait_for(timeout=15_000)
        visit.shot(f"search-{chapter.chapter.id}")
        page.keyboard.press("Escape")
    visit.assert_clean()


def test_the_palette_toggles(visit: Visit) -> None:
    page = visit.open("")
    before = page.locator("body").get_attribute("data-md-color-scheme")
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    page.wait_for_function(
        f"document.body.getAttribute('data-md-color-scheme') !== '{before}'", timeout=5_000
    )
    after = page.locator("body").get_attribute("data-md-color-scheme")
    assert {before, after} == {"default", "slate"}
    visit.shot(f"palette-{after}")
    visit.assert_clean()
