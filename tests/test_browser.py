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
    """A page in a fresh context that records console errors and every requested URL."""

    def __init__(self, browser, server: str, width: int = 1280) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.requested: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._request)
        self.server = server

    def _request(self, request) -> None:
        self.requested.append(request.url)
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
GUIDE_PAGES = ["", "guide/", "guide/examples/", "guide/cli/", "guide/contributing/"]
WIDTHS = {"desktop": 1280, "phone": 390}

# What sticks out of the text column, or is cut off inside it, without a scrollbar. An
# element may be wider than the column only inside an ancestor that clips and scrolls.
OVERFLOW_JS = """
() => {
  // Material lets tables and code bleed into the article's padding on small screens, so the
  // edge is the content area (.md-content), not the article's text box.
  const column = document.querySelector("article.md-content__inner");
  const edge = document.querySelector(".md-content").getBoundingClientRect();
  const problems = [];
  const name = el => el.tagName.toLowerCase() + (el.className ? "." +
      String(el.className).split(" ").filter(Boolean).join(".") : "") +
      " «" + el.textContent.trim().replace(/\\s+/g, " ").slice(0, 50) + "»";
  const scrolls = el => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const selector = "pre, pre > code, table, .katex-display, .arithmatex, figure, svg, img, " +
      "div.mermaid, .md-typeset__scrollwrap";
  for (const el of column.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
    // content that overflows a box with `overflow: visible` spills past the box's edge
    const visible = getComputedStyle(el).overflowX === "visible";
    const right = visible ? Math.max(box.right, box.left + el.scrollWidth) : box.right;
    if (right > edge.right + 1 || box.left < edge.left - 1) {
      let up = el.parentElement, held = false;
      while (up && up !== column) {
        const b = up.getBoundingClientRect();
        if (scrolls(up) && b.right <= edge.right + 1 && b.left >= edge.left - 1) {
          held = true;
          break;
        }
        up = up.parentElement;
      }
      if (!held) problems.push(name(el) + " sticks out of the text column");
    }
    if (!visible && !scrolls(el) && el.scrollWidth > el.clientWidth + 1) {
      problems.push(name(el) + " cuts off its content without a scrollbar");
    }
    // overlay scrollbars are invisible until touched: a wide equation shows an edge shadow
    if (el.matches(".katex-display") && el.scrollWidth > el.clientWidth + 1 &&
        !(scrolls(el) && getComputedStyle(el).backgroundImage.includes("gradient"))) {
      problems.push(name(el) + " scrolls with no visible cue");
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push("the whole page scrolls sideways");
  }
  return problems;
}
"""


def chapter_url(chapter) -> str:
    return chapter.chapter.page.removesuffix(".md") + "/"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize(
    "path",
    GUIDE_PAGES + [chapter_url(c) for c in CHAPTER_PAGES],
    ids=lambda p: p or "landing",
)
def test_nothing_overflows_the_column_without_a_scrollbar(
    browser, server: str, path: str, width: int
) -> None:
    visit = Visit(browser, server, width)
    try:
        page = visit.open(path)
        if page.locator(".arithmatex").count():
            page.wait_for_selector("html.kb-math-rendered", state="attached", timeout=60_000)
        problems = page.evaluate(OVERFLOW_JS)
        if problems:
            visit.shot(f"overflow-{width}-{path.strip('/').replace('/', '-') or 'landing'}")
        assert not problems, "\n".join(problems[:20])
        visit.assert_clean()
    finally:
        visit.close()


def test_mermaid_loads_only_where_a_diagram_is(visit: Visit) -> None:
    with_diagram = [c for c in CHAPTER_PAGES if "```mermaid" in c.body]
    without = [c for c in CHAPTER_PAGES if "```mermaid" not in c.body]
    assert without, "every chapter has a diagram: nothing to check"
    visit.open(chapter_url(without[0]))
    assert not [u for u in visit.requested if u.endswith("mermaid.min.js")], "loaded mermaid"
    visit.assert_clean()
    if with_diagram:
        page = visit.open(chapter_url(with_diagram[0]))
        page.locator("div.mermaid").first.wait_for(timeout=60_000)
        assert [u for u in visit.requested if u.endswith("mermaid.min.js")]


def test_original_titles_render_with_the_vendored_cjk_font(visit: Visit) -> None:
    # Ask Chromium which font it actually used for the seed title: the subset shipped in
    # docs/assets/vendor/cjk, whatever CJK fonts the machine has or lacks.
    chapter = CHAPTER_PAGES[0]
    page = visit.open(chapter_url(chapter))
    page.evaluate("document.fonts.ready")
    cdp = visit.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "article h1 + p em"})
    assert node["nodeId"], "no seed title under the page title"
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    families = {f["familyName"] for f in fonts}
    assert families == {"otlpkb CJK subset"}, families
    visit.assert_clean()


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
    page.wait_for_selector(".katex", state="attached", timeout=60_000)
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
        diagram.wait_for(timeout=60_000)
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


def test_the_overflow_check_catches_what_a_reader_would_see(visit: Visit) -> None:
    # The same check on a hand-made page: a block that sticks out, an equation clipped with
    # no scrollbar, and a wide block inside a scrolling wrapper (allowed).
    page = visit.page
    page.set_viewport_size({"width": 390, "height": 800})
    page.set_content(
        """<div class="md-content" style="width:300px;overflow:hidden">
        <article class="md-content__inner">
        <pre style="overflow:visible;width:600px">sticks out</pre>
        <span class="katex-display" style="display:block;overflow:hidden;width:200px;
          background:none">
          <span style="display:inline-block;width:500px">clipped</span></span>
        <div class="arithmatex spill" style="width:250px">
          <span style="display:inline-block;width:700px">spills past the edge</span></div>
        <div class="md-typeset__scrollwrap" style="overflow-x:auto;width:280px">
          <table style="width:900px"><tr><td>scrolls</td></tr></table></div>
        </article></div>"""
    )
    problems = page.evaluate(OVERFLOW_JS)
    assert any("pre" in p and "sticks out" in p for p in problems), problems
    assert any("katex-display" in p and "without a scrollbar" in p for p in problems), problems
    assert any("katex-display" in p and "no visible cue" in p for p in problems), problems
    assert not any("table" in p for p in problems), problems
    assert any("spill" in p and "sticks out" in p for p in problems), problems

