"""Lint every fenced block of every page: a mistyped executed fence must not slip through.

MkDocs skips a fence written ``exec=on`` (unquoted) or with language ``python3``/``Python``
without a warning: the block is shown instead of executed and the page silently loses its
output. So any fence whose info string mentions ``exec`` must be spelled exactly right.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kbtest import ROOT

FENCE = re.compile(r"^(?P<indent>\s*)(?P<marker>`{3,}|~{3,})(?P<info>.*)$")
GOOD_EXEC = re.compile(r'^python exec="on"(?: [a-z_]+="[^"]*")*$')
LANG = re.compile(r"^[a-z0-9_+-]*$")


def fence_problems(text: str) -> list[str]:
    """Problems with the fences of one Markdown text, as 'line N: ...' strings."""
    problems, open_marker = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if not match:
            continue
        marker, info = match["marker"], match["info"].strip()
        if open_marker:
            if marker[0] == open_marker[0] and len(marker) >= len(open_marker) and not info:
                open_marker = None
            continue
        open_marker = marker
        if "exec" in info and not GOOD_EXEC.match(info):
            problems.append(
                f"line {number}: executed fence must read "
                f'```python exec="on" ...``` with quoted values, got {info!r}'
            )
        language = info.split(" ", 1)[0].split("{", 1)[0]
        if not LANG.match(language) or language in {"python3", "py3"}:
            problems.append(
                f"line {number}: fence language {language!r} is not a lowercase "
                "lexer name (use 'python')"
            )
    if open_marker:
        problems.append("a fence is never closed")
    return problems


PAGES = sorted((ROOT / "docs").rglob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fence_is_well_formed(page: Path) -> None:
    assert fence_problems(page.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "info",
    [
        "python exec=on",
        'python3 exec="on"',
        'Python exec="on"',
        "python exec='on'",
        'python exec="1"',
        'py exec="on"',
    ],
)
def test_the_lint_catches_mistyped_exec_fences(info: str) -> None:
    assert fence_problems(f"```{info}\nprint(1)\n```\n")


@pytest.mark.parametrize(
    "info",
    [
        'python exec="on"',
        'python exec="on" session="x" html="true"',
        "python",
        "text",
        "",
    ],
)
def test_the_lint_accepts_good_fences(info: str) -> None:
    assert fence_problems(f"```{info}\nprint(1)\n```\n") == []


def test_the_lint_reports_an_unclosed_fence() -> None:
    assert fence_problems("```python\nprint(1)\n") == ["a fence is never closed"]
