"""The `otlpkb` command, run as a user would run it: the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from click.testing import CliRunner

import otlpkb
from otlpkb.chapters import CHAPTERS
from otlpkb.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("otlpkb", path=str(__import__("pathlib").Path(sys.executable).parent))
    assert exe, "the otlpkb console script is not installed next to this Python"
    return subprocess.run(
        [exe, *args],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"},
    )


def test_version_is_the_package_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"otlpkb, version {otlpkb.__version__}"


def test_chapters_lists_all_39_with_status() -> None:
    result = run("chapters")
    assert result.returncode == 0, result.stderr
    for c in CHAPTERS:
        assert c.id in result.stdout and c.seed_title in result.stdout, c.id
    written = sum(c.written for c in CHAPTERS)
    assert f"{written} of 39 chapters written" in result.stdout


def test_chapters_json_agrees_with_the_catalogue() -> None:
    result = CliRunner().invoke(main, ["chapters", "--json"])
    data = json.loads(result.output)
    assert [d["id"] for d in data] == [c.id for c in CHAPTERS]
    assert {d["status"] for d in data} <= {"written", "planned"}
    only_written = json.loads(
        CliRunner().invoke(main, ["chapters", "--json", "--status", "written"]).output
    )
    assert [d["id"] for d in only_written] == [c.id for c in CHAPTERS if c.written]


def test_a_bad_option_names_itself() -> None:
    result = CliRunner().invoke(main, ["chapters", "--status", "finished"])
    assert result.exit_code == 2
    assert "'finished' is not one of" in result.output


def test_an_unknown_chapter_lookup_says_what_exists() -> None:
    import pytest

    from otlpkb.chapters import chapter

    with pytest.raises(KeyError, match=r"no chapter '9\.9'"):
        chapter("9.9")
