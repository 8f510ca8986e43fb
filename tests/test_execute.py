"""The executed-fence cache: a stored output is reused only while it is still the output.

These tests run blocks against a small package made in a temporary directory, so they can
edit its modules the way a developer edits `otlpkb` under `mkdocs serve`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import markdown_exec
import pytest

from otlpkb._site.execute import ExecCache, imported_modules, module_files


class Page:
    """Stands for one render of one page (the cache keys sessions on it)."""


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[Path]:
    package = tmp_path / "kbprobe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "values.py").write_text("from .units import UNIT\nVALUE = 1\n")
    (package / "units.py").write_text("UNIT = 's'\n")
    (package / "other.py").write_text("OTHER = 0\n")
    sys.path.insert(0, str(tmp_path))
    yield package
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.split(".")[0] == "kbprobe"]:
        del sys.modules[name]


def fresh_modules() -> None:
    # what scripts/hooks.py does before each `mkdocs serve` rebuild
    for name in [m for m in sys.modules if m.split(".")[0] == "kbprobe"]:
        del sys.modules[name]


BLOCK = "from kbprobe.values import VALUE, UNIT\nprint(f'{VALUE} {UNIT}')"


def test_an_unchanged_block_is_served_from_the_cache(probe: Path, tmp_path: Path) -> None:
    cache = ExecCache(tmp_path / "cache", probe)
    assert cache.run(Page(), BLOCK) == "1 s\n"
    assert cache.run(Page(), BLOCK) == "1 s\n"
    assert (cache.hits, cache.misses) == (1, 1)


def test_editing_an_imported_module_changes_the_page(probe: Path, tmp_path: Path) -> None:
    cache = ExecCache(tmp_path / "cache", probe)
    assert cache.run(Page(), BLOCK) == "1 s\n"
    (probe / "values.py").write_text("from .units import UNIT\nVALUE = 2\n")
    fresh_modules()
    assert cache.run(Page(), BLOCK) == "2 s\n"
    # a module imported only indirectly (values imports units) counts as well
    (probe / "units.py").write_text("UNIT = 'ms'\n")
    fresh_modules()
    assert cache.run(Page(), BLOCK) == "2 ms\n"
    assert cache.misses == 3


def test_editing_a_module_the_block_does_not_use_keeps_the_cache(
    probe: Path, tmp_path: Path
) -> None:
    cache = ExecCache(tmp_path / "cache", probe)
    cache.run(Page(), BLOCK)
    (probe / "other.py").write_text("OTHER = 1\n")
    assert cache.run(Page(), BLOCK) == "1 s\n"
    assert cache.hits == 1
    (probe / "new_module.py").write_text("")  # a new module changes the layout: re-run
    cache.run(Page(), BLOCK)
    assert cache.misses == 2


def test_a_session_rebuilds_state_that_cached_blocks_left(probe: Path, tmp_path: Path) -> None:
    cache = ExecCache(tmp_path / "cache", probe)
    first, second = "x = 20\nprint('set')", "print(x + 1)"
    page = Page()
    assert cache.run(page, first, "s") == "set\n"
    assert cache.run(page, second, "s") == "21\n"
    page = Page()  # the next build: the first block hits, a changed second block misses
    assert cache.run(page, first, "s") == "set\n"
    assert cache.run(page, "print(x + 2)", "s") == "22\n"
    assert (cache.hits, cache.misses) == (1, 3)


def test_the_same_block_after_different_session_code_is_not_confused(
    probe: Path, tmp_path: Path
) -> None:
    cache = ExecCache(tmp_path / "cache", probe)
    for value in (1, 2):
        page = Page()
        cache.run(page, f"x = {value}", "s")
        assert cache.run(page, "print(x)", "s") == f"{value}\n"


def test_a_failing_block_raises_an_execution_error_with_its_line(
    probe: Path, tmp_path: Path
) -> None:
    cache = ExecCache(None, probe)
    with pytest.raises(markdown_exec.ExecutionError, match="1 / 0"):
        cache.run(Page(), "y = 1\ny = 1 / 0\n")


def test_without_a_directory_nothing_is_stored(probe: Path, tmp_path: Path) -> None:
    cache = ExecCache(None, probe)
    assert cache.run(Page(), "print(3)") == "3\n"
    assert cache.run(Page(), "print(3)") == "3\n"
    assert cache.misses == 2 and not list(tmp_path.rglob("*.txt"))


def test_imports_are_found_absolute_relative_and_from_packages() -> None:
    code = "import otlpkb.a\nfrom otlpkb.b import c\nimport numpy\nfrom . import d\n"
    assert imported_modules(code, "otlpkb.pkg") == {
        "otlpkb.a",
        "otlpkb.b",
        "otlpkb.b.c",
        "otlpkb.pkg",
        "otlpkb.pkg.d",
    }
    assert imported_modules("from ..x import y", "otlpkb.p.q") == {"otlpkb.p.x", "otlpkb.p.x.y"}


def test_the_real_package_closure_follows_imports() -> None:
    files = {p.as_posix() for p in module_files({"otlpkb.performance.queueing"})}
    assert any(f.endswith("otlpkb/performance/queueing.py") for f in files)
    assert any(f.endswith("otlpkb/_checks.py") for f in files)  # imported by queueing
    assert any(f.endswith("otlpkb/performance/__init__.py") for f in files)
    assert not any("/recovery/" in f for f in files)
    everything = module_files({"otlpkb.cli"})  # looks modules up by name: depends on all
    assert any(p.as_posix().endswith("recovery/wal.py") for p in everything)


def test_prewarm_finds_the_blocks_superfences_executes() -> None:
    # Render every page with Python-Markdown and the page extensions, recording what the
    # python fence formatter receives; prewarm's own reading of the page must agree.
    import markdown

    from kbtest import ROOT
    from otlpkb._site.prewarm import executed_blocks

    received: list[tuple[str, str | None]] = []

    def record(source, language, css_class, options, md, **kwargs):
        received.append((source, options.get("session") or None))
        return ""

    fences = [
        {
            "name": "python",
            "class": "python",
            "validator": markdown_exec.validator,
            "format": record,
        }
    ]
    extensions = [
        "admonition",
        "attr_list",
        "md_in_html",
        "pymdownx.details",
        "pymdownx.superfences",
        "pymdownx.tabbed",
    ]
    config = {"pymdownx.superfences": {"custom_fences": fences}}
    for page in sorted((ROOT / "docs").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        received.clear()
        markdown.markdown(text, extensions=extensions, extension_configs=config)
        assert executed_blocks(text) == received, page
