"""The chapter contract (docs/guide/contributing.md): what every chapter page must pair with."""

from __future__ import annotations

import importlib
import re

import pytest

from kbtest import ROOT
from otlpkb._site import catalogue
from otlpkb.chapters import CHAPTERS, chapter

PAGES = catalogue.chapter_pages()
EXEC = re.compile(r'^\s*```python exec="on"', re.M)


def test_at_least_one_chapter_is_written() -> None:
    assert PAGES, "no chapter page exists"


def test_pages_live_only_where_the_catalogue_puts_them() -> None:
    declared = {c.page for c in CHAPTERS}
    for page in (ROOT / "docs").rglob("*.md"):
        meta, _ = catalogue.split_front_matter(page.read_text(encoding="utf-8"))
        if "chapter" in meta:
            rel = page.relative_to(ROOT / "docs").as_posix()
            assert rel in declared, f"{rel} declares chapter {meta['chapter']} off the catalogue"
            assert chapter(str(meta["chapter"])).page == rel


@pytest.mark.parametrize("c", CHAPTERS, ids=lambda c: c.id)
def test_written_status_agrees_between_site_and_package(c) -> None:
    # The site marks a chapter written when its page exists; `otlpkb chapters` when its
    # modules ship. A module without its page, or a page without its module, is a defect.
    assert (ROOT / "docs" / c.page).exists() == c.written


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.chapter.id)
class TestChapterPage:
    def test_front_matter_is_complete_and_matches_the_catalogue(self, page) -> None:
        missing = [k for k in catalogue.REQUIRED_KEYS if not page.meta.get(k)]
        assert not missing, f"{page.path}: front matter lacks {missing}"
        c = page.chapter
        assert str(page.meta["chapter"]) == c.id
        assert page.meta["title"] == c.title
        assert page.meta["seed_title"] == c.seed_title
        assert tuple(page.modules) == c.modules
        assert page.example == c.example

    def test_title_and_seed_title_head_the_page(self, page) -> None:
        body = page.body.lstrip()
        assert body.startswith(f"# {page.chapter.title}\n")
        assert page.chapter.seed_title in body.split("\n## ", 1)[0]

    def test_declared_modules_import_with_an_explicit_public_api(self, page) -> None:
        for name in page.modules:
            module = importlib.import_module(name)
            assert getattr(module, "__all__", None), f"{name} has no __all__"
            assert module.__doc__ and len(module.__doc__) > 80, f"{name} needs a docstring"

    def test_declared_tests_exist_and_exercise_the_modules(self, page) -> None:
        sources = []
        for test in page.tests:
            path = ROOT / test
            assert path.is_file(), f"{test} does not exist"
            assert re.search(r"^def test_|^    def test_", path.read_text(), re.M), test
            sources.append(path.read_text(encoding="utf-8"))
        for name in page.modules:
            assert any(name in s for s in sources), f"no declared test imports {name}"

    def test_example_exists_and_is_embedded(self, page) -> None:
        assert (ROOT / page.example).is_file()
        assert f'--8<-- "{page.example}"' in page.body, "the page does not embed its example"

    def test_page_executes_code_and_has_the_required_sections(self, page) -> None:
        assert EXEC.search(page.body), "the page executes no block"
        headings = re.findall(r"^## (.+)$", page.body, re.M)
        for section in (
            "Overview",
            "The model",
            "Implementation",
            "Operating it",
            "Check it yourself",
            "Summary",
            "Exercises",
            "References",
        ):
            assert any(h.startswith(section) for h in headings), f"no '## {section}' section"

    def test_snippets_point_at_existing_sections(self, page) -> None:
        for path, section in re.findall(r'--8<-- "([^":]+)(?::([\w-]+))?"', page.body):
            source = ROOT / path
            assert source.is_file(), f"snippet file {path} is missing"
            if section:
                text = source.read_text(encoding="utf-8")
                assert f"[start:{section}]" in text and f"[end:{section}]" in text, (
                    f"{path} has no snippet section {section!r}"
                )
