"""Benchmark: how long the site takes to build, cold and warm, and after one edit.

Run from the repository root (it builds into a temporary directory and restores every file
it touches):

    .venv/bin/python scripts/bench/bench_site.py            # MkDocs
    .venv/bin/python scripts/bench/bench_site.py --zensical # and Zensical's clean build

Four builds, each a strict `mkdocs build` in a fresh process, as `make docs` and the tests
run it:

1. clean: an empty output cache, every executed block runs in the build process; then the
   same with the cache first filled by `otlpkb._site.prewarm -j 2` (as `make docs` does);
2. warm: nothing changed, every block is served from the cache;
3. a page edited: one chapter's prose changed (its blocks still hit the cache), rebuilt
   whole, and rebuilt as `make serve DIRTY=1` does (only the changed page, MkDocs' ``--dirty``);
4. a module edited: one module changed; only pages whose blocks import it re-execute.

Wall time is what a reader of `make serve` waits; CPU time (user + system of the build
process) is steadier on a shared machine. Aims (issue 8): clean < 60 s, warm < 10 s, one
chapter edited < 10 s, on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PAGE = ROOT / "docs/theory/performance/latency.md"
MODULE = ROOT / "src/otlpkb/fault_tolerance/reliability.py"


def build(dest: Path, cache: Path, command: list[str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one build."""
    env = {**os.environ, "OTLPKB_EXEC_CACHE": str(cache), "NO_MKDOCS_2_WARNING": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = command or [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(dest)]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        sys.exit(f"build failed:\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def edited(path: Path, addition: str):
    """Context: `path` with `addition` appended, restored afterwards."""

    class Edit:
        def __enter__(self) -> None:
            self.text = path.read_text(encoding="utf-8")
            path.write_text(self.text + addition, encoding="utf-8")

        def __exit__(self, *exc: object) -> None:
            path.write_text(self.text, encoding="utf-8")

    return Edit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zensical", action="store_true", help="also time a Zensical build")
    args = parser.parse_args()
    subprocess.run([str(BIN / "python"), "-m", "otlpkb._site.generate"], cwd=ROOT, check=True)
    pages = len(list((ROOT / "docs").rglob("*.md")))
    with tempfile.TemporaryDirectory() as tmp:
        work, cache = Path(tmp), Path(tmp) / "cache"
        rows = [("clean (empty cache)", *build(work / "a", cache))]
        shutil.rmtree(cache)
        prewarm = [str(BIN / "python"), "-m", "otlpkb._site.prewarm", "-j", "2"]
        pw_wall, pw_cpu = build(work / "p", cache, prewarm)
        wall, cpu = build(work / "a2", cache)
        rows.append(("clean, prewarm -j 2 then build", pw_wall + wall, pw_cpu + cpu))
        rows.append(("warm (nothing changed)", *build(work / "b", cache)))
        with edited(PAGE, "\n\nOne more sentence of prose.\n"):
            rows.append((f"page edited ({PAGE.name})", *build(work / "c", cache)))
            # what `make serve DIRTY=1` does on a save: rebuild only the pages changed since the
            # site in work/b was written (MkDocs' --dirty; not strict, see the Makefile)
            dirty = [str(BIN / "mkdocs"), "build", "--dirty", "--site-dir", str(work / "b")]
            rows.append(("page edited, serve DIRTY=1", *build(work / "b", cache, dirty)))
        with edited(MODULE, "\n# an edit\n"):
            rows.append((f"module edited ({MODULE.name})", *build(work / "d", cache)))
        if args.zensical:
            site = ROOT / "build" / "bench-zensical"
            config = ROOT / ".zensical-bench.yml"
            config.write_text(
                (ROOT / "mkdocs.yml").read_text(encoding="utf-8") + f"\nsite_dir: {site}\n"
            )
            try:
                command = [str(BIN / "zensical"), "build", "--clean", "-f", str(config)]
                rows.append(("zensical, warm exec cache", *build(site, cache, command)))
            finally:
                config.unlink()
                shutil.rmtree(site, ignore_errors=True)
    print(f"site build times, {pages} Markdown pages, {os.cpu_count()} CPUs")
    print(f"{'build':32} {'wall (s)':>9} {'CPU (s)':>9}")
    for name, wall, cpu in rows:
        print(f"{name:32} {wall:9.1f} {cpu:9.1f}")


if __name__ == "__main__":
    main()
