"""`make check` as a test: the library stays lint-clean and strictly typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kbtest import ROOT

BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_finds_nothing() -> None:
    result = run(str(BIN / "ruff"), "check", "src", "tests", "scripts", "examples")
    assert result.returncode == 0, result.stdout[-6000:]


def test_mypy_strict_passes_on_the_library() -> None:
    result = run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout[-6000:]


def test_docstrings_use_markdown_not_sphinx_roles() -> None:
    # mkdocstrings renders docstrings as Markdown: a :func:`x` role would show up literally.
    import re

    role = re.compile(r":(?:func|class|meth|attr|mod|data|exc|math|obj|ref):`")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "src").rglob("*.py")
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if role.search(line)]
    assert not offenders, offenders
