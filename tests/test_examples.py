"""Every example runs to the end under runpy, as a reader would run it, headless.

An example that calls ``sys.exit`` (even ``sys.exit(0)``) fails: in a page build that trap
gives exit status 0 and an empty site, and in a notebook it kills the kernel.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kbtest import ROOT

RUNNER = """
import runpy, sys
try:
    runpy.run_path(sys.argv[1], run_name="__main__")
except SystemExit as exc:
    print(f"example called sys.exit({exc.code!r})", file=sys.stderr)
    sys.exit(3)
"""

EXAMPLES = sorted((ROOT / "examples").rglob("*.py"))


def run_example(path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    return subprocess.run(
        [sys.executable, "-c", RUNNER, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_runs(example: Path) -> None:
    result = run_example(example)
    assert result.returncode == 0, f"{example} failed:\n{result.stderr[-4000:]}"
    assert result.stdout.strip(), f"{example} printed nothing: an example should show results"


def test_the_runner_catches_sys_exit_zero(tmp_path: Path) -> None:
    trap = tmp_path / "trap.py"
    trap.write_text("import sys\nprint('partial')\nsys.exit(0)\n")
    result = run_example(trap)
    assert result.returncode == 3 and "sys.exit(0)" in result.stderr


def test_examples_are_percent_scripts_without_header() -> None:
    for example in EXAMPLES:
        text = example.read_text(encoding="utf-8")
        assert "# %%" in text, f"{example} is not a jupytext percent script"
        assert not text.startswith("# ---"), f"{example} carries a jupytext header"
