"""Execute the pages' blocks in parallel worker processes, filling the output cache.

MkDocs renders pages one after another in one process. On a cold cache most of a build is
the chapters' executed blocks, and pages do not share state, so running each page's blocks
in its own worker first lets the build itself find every output in the cache
(`otlpkb._site.execute`). A failing block is left for the build to report.

    python -m otlpkb._site.prewarm -j 2      # then: mkdocs build
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from otlpkb._site.execute import ROOT

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>`{3,}|~{3,})(?P<info>[^\n]*)$")
EXECUTED = re.compile(r'^python exec="on"(?P<attrs>.*)$')
SESSION = re.compile(r'\bsession="([^"]*)"')


class _Render:
    """Stands for one render of one page."""


def executed_blocks(markdown: str) -> list[tuple[str, str | None]]:
    """(code, session) of every executed fence, as superfences hands them to the formatter.

    Fences inside other fences (a page that shows how to write an executed block) are text.
    """
    blocks, lines, i = [], markdown.splitlines(), 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        i += 1
        if not opening:
            continue
        indent, marker, body = opening["indent"], opening["marker"], []
        closing = re.compile(rf"^{re.escape(indent)}{marker[0]}{{{len(marker)},}}\s*$")
        while i < len(lines) and not closing.match(lines[i]):
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        executed = EXECUTED.match(opening["info"])
        if executed:
            session = SESSION.search(executed["attrs"])
            blocks.append(("\n".join(body), session.group(1) if session else None))
    return blocks


def warm_page(path: str) -> tuple[str, int, int]:
    """Run one page's blocks through the cache: (page, blocks run, blocks already cached)."""
    from otlpkb._site.execute import _cache

    cache, page = _cache(), _Render()
    misses, hits = cache.misses, cache.hits
    for code, session in executed_blocks(Path(path).read_text(encoding="utf-8")):
        try:
            cache.run(page, code, session)
        except Exception:  # the build runs it again and reports it
            break
    return path, cache.misses - misses, cache.hits - hits


def main(argv: list[str] | None = None) -> int:
    """Command line: warm the cache for every page under docs/ with `-j` workers."""
    parser = argparse.ArgumentParser(prog="python -m otlpkb._site.prewarm")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    pages = [str(p) for p in sorted((ROOT / "docs").rglob("*.md"))]
    pages = [p for p in pages if 'exec="on"' in Path(p).read_text(encoding="utf-8")]
    ran = cached = 0
    # workers import the library once and render pages in turn, as MkDocs does
    with ProcessPoolExecutor(args.jobs) as pool:
        for _, misses, hits in pool.map(warm_page, pages):
            ran, cached = ran + misses, cached + hits
    print(f"prewarm: {len(pages)} pages, {ran} blocks run, {cached} already cached")
    return 0


if __name__ == "__main__":
    sys.exit(main())
