"""Paths and the site build that several test modules share (tests/ is on pytest's path)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def build_site(dest: Path, **env_extra: str) -> subprocess.CompletedProcess[str]:
    """Run a strict MkDocs build into ``dest`` (never with -q: it would hide the warnings).

    Only the downloads are generated first: the checked-in generated files are the
    subject of their own test, which must see them as committed.
    """
    from otlpkb._site import generate

    generate.write(tracked=False)
    env = {**os.environ, "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1", **env_extra}
    if env.get("OTLPKB_EXEC_CACHE") != "off":
        prewarm(env)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(dest)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def prewarm(env: dict[str, str]) -> None:
    """Run the pages' executed blocks into the output cache, on both cores."""
    subprocess.run(
        [sys.executable, "-m", "otlpkb._site.prewarm", "-j", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
    )


#: how much longer crash, fuzz and property runs go (OTLPKB_TEST_SCALE; `make explore` uses 10)
SCALE = int(os.environ.get("OTLPKB_TEST_SCALE", "1"))


#: what an executed block that failed leaves in a page (markdown-exec renders the error)
ERROR_MARKERS = ("Traceback (most recent call last)", "ExecutionError", "code block: ")


def pages_with_errors(site: Path) -> list[str]:
    """`page: marker` for every HTML page of `site` that shows a failed executed block."""
    return [
        f"{p.relative_to(site)}: {marker}"
        for p in sorted(site.rglob("*.html"))
        for marker in ERROR_MARKERS
        if marker in p.read_text(encoding="utf-8")
    ]
