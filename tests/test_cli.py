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


def test_module_names_are_never_split_at_80_columns() -> None:
    result = CliRunner().invoke(main, ["chapters"], env={"COLUMNS": "80"}, terminal_width=80)
    lines = result.output.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    text = "\n".join(line.strip() for line in lines)
    for c in CHAPTERS:
        for module in c.modules:
            assert module.removeprefix("otlpkb.") in text, module


def test_an_output_encoding_that_cannot_show_the_titles_is_one_clear_line() -> None:
    exe = shutil.which("otlpkb", path=str(__import__("pathlib").Path(sys.executable).parent))
    result = subprocess.run(
        [exe, "chapters"],
        capture_output=True,
        check=False,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "ascii"},
    )
    err = result.stderr.decode()
    assert result.returncode == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "encoding 'ascii'" in err and "PYTHONIOENCODING=utf-8" in err


def test_a_full_device_is_one_clear_line() -> None:
    import os

    if not os.path.exists("/dev/full"):  # Linux's always-full device
        import pytest

        pytest.skip("no /dev/full on this system")
    exe = shutil.which("otlpkb", path=str(__import__("pathlib").Path(sys.executable).parent))
    for args in (["chapters"], ["chapters", "--json"]):
        with open("/dev/full", "w") as full:
            result = subprocess.run(
                [exe, *args],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
                env={"PATH": "/usr/bin:/bin"},
            )
        assert result.returncode == 1, args
        assert result.stderr == "otlpkb: error: cannot write the output: No space left on device\n"


def test_subcommands_are_found_by_module_and_loaded_lazily() -> None:
    code = (
        "import sys; from otlpkb.cli import main; import click;"
        "ctx = click.Context(main); names = main.list_commands(ctx);"
        "assert 'chapters' in names, names;"
        "assert not any(m.startswith('numpy') for m in sys.modules), 'numpy loaded for --help';"
        "print(' '.join(names))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code == 2
