"""The MkDocs hooks that `make serve` relies on."""

from __future__ import annotations

import subprocess
import sys

import kbsite
from kbtest import ROOT
from otlpkb.chapters import CHAPTERS


def test_pre_build_drops_project_modules_so_serve_runs_edited_code() -> None:
    # In a subprocess: dropping modules from this test process would confuse other tests.
    code = """
import sys, importlib
sys.path[:0] = [sys.argv[1]]
import hooks, pagekit, otlpkb.chapters
hooks.on_pre_build(config=None)
left = [m for m in sys.modules if m.split(".")[0] in ("otlpkb", "pagekit", "kbsite")]
assert not left, left
importlib.import_module("otlpkb.chapters")
print("fresh")
"""
    result = subprocess.run([sys.executable, "-c", code, str(ROOT / "scripts")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "fresh", result.stderr


def test_nav_lists_exactly_the_written_chapters() -> None:
    nav = kbsite.nav()
    flat = repr(nav)
    written = {p.chapter.id for p in kbsite.chapter_pages()}
    for c in CHAPTERS:
        assert (c.page in flat) == (c.id in written), c.id
    assert "guide/index.md" in flat and "reference/index.md" in flat


def test_reference_pages_cover_every_public_subpackage() -> None:
    names = [name for name, _ in kbsite.reference_pages()]
    assert names[0] == "otlpkb" and "otlpkb.datasets" in names
    text = kbsite.reference_markdown("otlpkb")
    assert "::: otlpkb.chapters" in text and "::: otlpkb.cli" in text


def test_front_matter_errors_are_clear() -> None:
    import pytest

    assert kbsite.split_front_matter("# no front matter\n") == ({}, "# no front matter\n")
    with pytest.raises(ValueError, match="never closed"):
        kbsite.split_front_matter("---\nchapter: 1\n# body\n")
    with pytest.raises(ValueError, match="mapping"):
        kbsite.split_front_matter("---\n- a\n---\nbody\n")
