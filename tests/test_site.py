"""The built site: strict build, API inventory, links and anchors, notebooks, reproducibility."""

from __future__ import annotations

import filecmp
import importlib
import json
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from kbtest import build_site, pages_with_errors
from otlpkb._site import catalogue
from otlpkb.chapters import CHAPTERS

pytestmark = [pytest.mark.site, pytest.mark.xdist_group("site")]


def inventory_names(site: Path) -> set[str]:
    """Object names in the Sphinx-format inventory that mkdocstrings writes."""
    raw = (site / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):
        header_end = raw.index(b"\n", header_end) + 1
    assert raw.startswith(b"# Sphinx inventory version 2")
    lines = zlib.decompress(raw[header_end:]).decode().splitlines()
    return {line.split(" ", 1)[0] for line in lines if line}


LOADED_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in {"img", "script"} and a.get("src"):
            self.sources.append(a["src"])
        if tag == "link" and a.get("href") and a.get("rel") in LOADED_RELS:
            self.sources.append(a["href"])


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_the_strict_build_produces_the_landing_page(built_site: Path) -> None:
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert "The chapter map" in html
    for c in CHAPTERS:  # every chapter is on the map, written or planned
        assert f"{c.id} {c.title}" in html, c.id


def test_every_written_chapter_is_linked_from_the_map_and_planned_ones_are_not(
    built_site: Path,
) -> None:
    links = set(parse(built_site / "index.html").links)
    written = {p.chapter.id for p in catalogue.chapter_pages()}
    for c in CHAPTERS:
        url = c.page.removesuffix(".md") + "/"
        assert (url in links) == (c.id in written), c.id
        assert (built_site / url / "index.html").exists() == (c.id in written), c.id


def test_every_public_name_of_the_declared_modules_is_in_the_api_inventory(
    built_site: Path,
) -> None:
    names = inventory_names(built_site)
    missing = []
    for page in catalogue.chapter_pages():
        for module_name in page.modules:
            module = importlib.import_module(module_name)
            missing += [
                f"{module_name}.{n}" for n in module.__all__ if f"{module_name}.{n}" not in names
            ]
    assert not missing, f"not in the API reference: {missing}"


class _SignatureText(HTMLParser):
    """The text a reader sees in signatures (`div.doc-signature`) and "Bases:" lines."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # >0 inside a signature
        self.paragraph: list[str] | None = None
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self.depth or "doc-signature" in classes:
            self.depth += tag not in VOID_TAGS
        if tag == "p":
            self.paragraph = []

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID_TAGS:
            self.depth -= 1
        if tag == "p" and self.paragraph is not None:
            text = "".join(self.paragraph)
            if text.startswith("Bases:"):
                self.texts.append(text)
            self.paragraph = None

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.texts.append(data)
        if self.paragraph is not None:
            self.paragraph.append(data)


VOID_TAGS = {"br", "img", "input", "hr", "meta", "link", "wbr"}
PRIVATE = re.compile(r"(?<![\w.])_[A-Za-z]\w*")


def private_names_shown(html: str) -> set[str]:
    """Private names (`_x`, not dunders) in the signatures and base classes of a page."""
    parser = _SignatureText()
    parser.feed(html)
    return set(PRIVATE.findall("".join(parser.texts)))


@pytest.mark.parametrize("package", [name for name, _ in catalogue.reference_pages()])
def test_the_api_reference_shows_no_private_names(built_site: Path, package: str) -> None:
    html = (built_site / "reference" / package / "index.html").read_text(encoding="utf-8")
    assert private_names_shown(html) == set()


def test_private_names_are_found_in_signatures_and_bases() -> None:
    html = (
        '<div class="doc-signature"><pre><code>f(x=<span>_positive</span>(1))</code></pre></div>'
        "<p>Bases: <code><span>_Clocked</span></code></p><p>a <code>_total</code> suffix</p>"
    )
    assert private_names_shown(html) == {"_positive", "_Clocked"}


def test_every_public_subpackage_has_a_reference_page(built_site: Path) -> None:
    for name, page in catalogue.reference_pages():
        assert (built_site / page.removesuffix(".md") / "index.html").is_file(), name


def test_no_broken_internal_link_or_anchor(built_site: Path) -> None:
    pages = {p: parse(p) for p in built_site.rglob("*.html")}
    root = built_site.resolve()
    broken = []
    for path, page in pages.items():
        for href in page.links + page.sources:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "data:")):
                continue
            if not parts.path:
                target = path
            elif parts.path.startswith("/"):  # 404.html links from the site root
                target = (root / unquote(parts.path).lstrip("/")).resolve()
            else:
                target = (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(built_site)} -> {href}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(built_site)} -> {href} (no anchor)")
    assert not broken, "\n".join(broken[:50])


def test_nothing_is_loaded_from_another_host(built_site: Path) -> None:
    for path in built_site.rglob("*.html"):
        for src in parse(path).sources:
            assert not urlsplit(src).netloc, f"{path}: loads {src} from another host"
    css = " ".join(
        p.read_text(encoding="utf-8", errors="replace") for p in built_site.rglob("*.css")
    )
    assert "fonts.googleapis" not in css and "fonts.gstatic" not in css


def test_math_and_figures_are_in_every_chapter(built_site: Path) -> None:
    for page in catalogue.chapter_pages():
        html = (built_site / page.chapter.page.removesuffix(".md") / "index.html").read_text()
        assert 'class="arithmatex"' in html, f"{page.chapter.id}: no math"
        assert re.search(r'<figure class="kb-figure"[^>]*>\s*<svg', html), (
            f"{page.chapter.id}: no executed figure"
        )
        assert "<table>" in html, f"{page.chapter.id}: no table"


def test_each_chapter_offers_its_example_as_a_notebook(built_site: Path) -> None:
    for page in catalogue.chapter_pages():
        notebook = built_site / "downloads" / f"{page.chapter.slug}.ipynb"
        data = json.loads(notebook.read_text(encoding="utf-8"))
        assert data["nbformat"] == 4
        kinds = {cell["cell_type"] for cell in data["cells"]}
        assert kinds == {"code", "markdown"}, kinds
        code = "".join("".join(c["source"]) for c in data["cells"] if c["cell_type"] == "code")
        assert "import" in code
        html = (built_site / page.chapter.page.removesuffix(".md") / "index.html").read_text()
        assert f"downloads/{page.chapter.slug}.ipynb" in html


def test_no_page_renders_a_traceback_or_an_execution_error(built_site: Path) -> None:
    assert pages_with_errors(built_site) == []


def test_two_builds_are_byte_identical(built_site: Path, tmp_path: Path) -> None:
    # The second build executes every block again (no cache), so this checks both that
    # execution is reproducible and that the cached outputs of the first build were current.
    second = tmp_path / "again"
    result = build_site(second, OTLPKB_EXEC_CACHE="off")
    assert result.returncode == 0, result.stderr[-4000:]
    differ = []
    for path in sorted(built_site.rglob("*")):
        if path.is_file():
            twin = second / path.relative_to(built_site)
            if not twin.exists() or not filecmp.cmp(path, twin, shallow=False):
                differ.append(str(path.relative_to(built_site)))
    extra = {p.relative_to(second) for p in second.rglob("*")} - {
        p.relative_to(built_site) for p in built_site.rglob("*")
    }
    assert not differ and not extra, f"differ: {differ[:20]}, only in second: {sorted(extra)[:20]}"
