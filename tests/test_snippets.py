"""Shown code reads like a book: the lines that carry the idea, at most 88 columns wide.

A page shows library code only through snippet sections (`--8<-- "src/...py:name"`), and a
section should hold the core of an algorithm — the recurrence, the update rule, the search
loop — not a whole function with its docstring and argument checks (the API reference has
those). These rules are measured on the text the page includes, after the same dedent the
snippets extension applies.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from kbtest import ROOT

WIDTH = 88  # the text column of the site fits 88 characters of code at 1280 px
MAX_LINES = 40  # "typically 5-30 lines"; a little slack for a loop with its setup
SNIPPET = re.compile(r'^\s*--8<-- "(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"\s*$', re.M)
MARKER = re.compile(r"#\s*--8<--\s*\[(?:start|end):[\w-]+\]")

PAGES = sorted(p for p in (ROOT / "docs").rglob("*.md") if "reference" not in p.parts)


def section_text(path: Path, section: str | None) -> str:
    """What the snippets extension includes for `path` (and `section`), dedented."""
    text = path.read_text(encoding="utf-8")
    if section is None:
        return text
    match = re.search(
        rf"^[^\n]*\[start:{re.escape(section)}\][^\n]*\n(?P<body>.*?)^[^\n]*\[end:{re.escape(section)}\]",
        text,
        re.S | re.M,
    )
    assert match, f"{path} has no section {section!r}"
    body = "\n".join(line for line in match["body"].splitlines() if not MARKER.search(line))
    return textwrap.dedent(body)


def shown_snippets(page: Path) -> list[tuple[str, str | None, str]]:
    """(path, section, included text) of every snippet the page shows."""
    out = []
    for m in SNIPPET.finditer(page.read_text(encoding="utf-8")):
        source = ROOT / m["path"]
        if source.suffix == ".py":
            out.append((m["path"], m["section"], section_text(source, m["section"])))
    return out


def problems(path: str, section: str | None, text: str) -> list[str]:
    where = f"{path}:{section}" if section else path
    found = [
        f"{where} line {n}: {len(line)} columns (at most {WIDTH})"
        for n, line in enumerate(text.splitlines(), 1)
        if len(line) > WIDTH
    ]
    if section is not None:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > MAX_LINES:
            found.append(f"{where}: {len(lines)} lines shown (at most {MAX_LINES})")
        if '"""' in text or "'''" in text:
            found.append(f"{where}: shows a docstring (leave it to the API reference)")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT / "docs").as_posix())
def test_shown_code_fits_the_column_and_carries_only_the_idea(page: Path) -> None:
    found = [p for snippet in shown_snippets(page) for p in problems(*snippet)]
    assert not found, "\n".join(found)


def test_the_rules_catch_a_whole_function_and_a_wide_line() -> None:
    wide = "x = " + "1 + " * 30 + "1"
    assert problems("m.py", "s", wide)[0].endswith(f"{len(wide)} columns (at most 88)")
    body = 'def f():\n    """Doc."""\n' + "    x = 1\n" * 45
    found = problems("m.py", "s", body)
    assert any("lines shown" in p for p in found) and any("docstring" in p for p in found)
    assert problems("m.py", "s", "x = 1\n") == []


def test_section_text_drops_nested_markers_and_dedents(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "def f():\n    # --8<-- [start:core]\n    a = 1\n    # --8<-- [start:inner]\n"
        "    b = 2\n    # --8<-- [end:inner]\n    # --8<-- [end:core]\n"
    )
    assert section_text(source, "core") == "a = 1\nb = 2"
