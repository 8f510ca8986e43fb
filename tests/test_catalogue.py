"""The catalogue, the generated files, and the one hook `make serve` uses for convenience."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from kbtest import ROOT
from otlpkb._site import catalogue, generate
from otlpkb.chapters import CHAPTERS


def test_generated_files_are_checked_in_and_current() -> None:
    # mkdocs.yml's nav and docs/reference/ are generated from the catalogue and checked in,
    # so a builder that runs no hook (Zensical) sees the same site as MkDocs.
    assert generate.stale() == [], "run: python -m otlpkb._site.generate"


def test_the_nav_in_mkdocs_yml_is_the_catalogue_nav() -> None:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    block = text[text.index(generate.NAV_START) : text.index(generate.NAV_END)]
    assert yaml.safe_load(block)["nav"] == catalogue.nav()


def test_a_missing_nav_block_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no generated nav block"):
        generate.config_with_nav("site_name: x\n")


def test_serve_hook_drops_project_modules_so_serve_runs_edited_code() -> None:
    # In a subprocess: dropping modules from this test process would confuse other tests.
    code = """
import sys, importlib
sys.path[:0] = [sys.argv[1]]
import hooks, otlpkb.chapters
sys.modules["otlpkb._site.generate"] = type(sys)("stub")  # keep the repository untouched
sys.modules["otlpkb._site.generate"].write = lambda: []
hooks._drop_project_modules()
left = [m for m in sys.modules if m.split(".")[0] == "otlpkb"]
assert not left, left
importlib.import_module("otlpkb.chapters")
print("fresh")
"""
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "scripts")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.strip() == "fresh", result.stderr


def test_mkdocs_yml_needs_no_hook_for_pages() -> None:
    # Every hook in mkdocs.yml must be optional: pages import their helpers from the package.
    for page in (ROOT / "docs").rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert "from pagekit" not in text and "from kbsite" not in text, page


def test_nav_lists_exactly_the_written_chapters() -> None:
    nav = catalogue.nav()
    flat = repr(nav)
    written = {p.chapter.id for p in catalogue.chapter_pages()}
    for c in CHAPTERS:
        assert (c.page in flat) == (c.id in written), c.id
    assert "guide/index.md" in flat and "reference/index.md" in flat


def test_reference_pages_cover_every_public_subpackage() -> None:
    names = [name for name, _ in catalogue.reference_pages()]
    assert names[0] == "otlpkb" and "otlpkb.datasets" in names
    assert not any("._" in n for n in names), "a private package got a reference page"
    text = catalogue.reference_markdown("otlpkb")
    assert "::: otlpkb.chapters" in text
    assert "otlpkb.cli" in names


def test_front_matter_errors_are_clear() -> None:
    assert catalogue.split_front_matter("# no front matter\n") == ({}, "# no front matter\n")
    with pytest.raises(ValueError, match="never closed"):
        catalogue.split_front_matter("---\nchapter: 1\n# body\n")
    with pytest.raises(ValueError, match="mapping"):
        catalogue.split_front_matter("---\n- a\n---\nbody\n")
