"""The same site built by Zensical, MkDocs' successor, which runs no MkDocs hooks.

mkdocs-material is in maintenance and MkDocs 1.x is unmaintained; Zensical reads
`mkdocs.yml`. It exits 0 and prints "No issues found" even when pages render tracebacks, so
this test reads the HTML: no traceback or execution error in any page, every chapter with its
executed output, and the same pages as the MkDocs build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kbtest import ROOT, pages_with_errors, prewarm
from otlpkb._site import catalogue, generate

pytestmark = [pytest.mark.site, pytest.mark.xdist_group("site")]

ZENSICAL = Path(sys.executable).parent / "zensical"


@pytest.fixture(scope="module")
def zensical_site() -> Path:
    assert ZENSICAL.exists(), "zensical is not installed (it is in the test extra)"
    dest = ROOT / "build" / "zensical-site"  # Zensical wants site_dir inside the project
    shutil.rmtree(dest, ignore_errors=True)
    config = ROOT / f".zensical-{os.getpid()}.yml"  # beside mkdocs.yml: same relative paths
    config.write_text(
        (ROOT / "mkdocs.yml").read_text(encoding="utf-8") + f"\nsite_dir: {dest}\n",
        encoding="utf-8",
    )
    generate.write(tracked=False)  # the downloads; nav and reference pages are checked in
    env = {**os.environ, "MPLBACKEND": "Agg"}
    # Executed blocks come from the same cache as in the MkDocs build: filled first, so that
    # Zensical's own page workers only render.
    prewarm(env)
    try:
        result = subprocess.run(
            [str(ZENSICAL), "build", "--clean", "--config-file", str(config)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
    finally:
        config.unlink()
    output = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    assert wait_until_written(dest), f"zensical wrote no {dest / 'index.html'}:\n{output}"
    return dest


def wait_until_written(site: Path, quiet: float = 10.0, limit: float = 600.0) -> bool:
    """Wait until `site` has its index.html and no file has appeared for `quiet` seconds.

    Seen on a heavily loaded machine: pages appeared, and directories were replaced, after
    `zensical build` had exited (its builder is native code with worker threads of its own).
    """
    start = last_change = time.monotonic()
    count = -1
    while time.monotonic() - start < limit:
        try:
            now = sum(1 for _ in site.rglob("*"))
        except FileNotFoundError:  # a directory replaced while we walked: still writing
            now = count - 1
        if now != count:
            count, last_change = now, time.monotonic()
        elif (site / "index.html").is_file() and time.monotonic() - last_change >= quiet:
            return True
        time.sleep(0.5)
    return (site / "index.html").is_file()


def pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("index.html")}


def test_zensical_builds_the_same_pages_as_mkdocs(zensical_site: Path, built_site: Path) -> None:
    assert pages(zensical_site) == pages(built_site)


def test_no_page_renders_a_traceback_or_an_execution_error(zensical_site: Path) -> None:
    assert pages_with_errors(zensical_site) == []


def test_every_chapter_carries_its_executed_output(zensical_site: Path) -> None:
    for page in catalogue.chapter_pages():
        html = (zensical_site / page.chapter.page.removesuffix(".md") / "index.html").read_text(
            encoding="utf-8"
        )
        assert "Run this chapter" in html, page.chapter.id
        assert '<figure class="kb-figure"' in html, f"{page.chapter.id}: no executed figure"
        assert "<table>" in html, f"{page.chapter.id}: no executed table"
    landing = (zensical_site / "index.html").read_text(encoding="utf-8")
    assert "chapters written" in landing  # the landing map, an executed block
