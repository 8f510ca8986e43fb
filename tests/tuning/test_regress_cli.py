"""`otlpkb regress`, run as a user runs it (the installed console script) and in-process.

External check: Apache Otava's TigerBeetle history (shipped with its licence): the command
reports the change points its tests document ([15, 71] at p 0.01 with a 5 % minimum).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from otlpkb import datasets
from otlpkb.cli import main
from test_cli import run


def history(path: Path, jump_at_end: bool) -> Path:
    rng = np.random.default_rng(4)
    lat = rng.normal(20.0, 0.4, 120)
    lat[80:] += 3.0
    if jump_at_end:
        lat[-1] += 8.0
    thr = rng.normal(1000.0, 10.0, 120)
    thr[40:] -= 80.0
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["commit", "p99_ms", "throughput"])
        for i in range(120):
            w.writerow([f"c{i:03d}", round(lat[i], 3), round(thr[i], 1)])
    return path


def test_ci_fails_when_the_latest_run_starts_a_regression(tmp_path) -> None:
    done = run(
        "regress", str(history(tmp_path / "h.csv", True)), "--higher-is-better", "throughput"
    )
    assert done.returncode == 1, done.stderr
    assert "New regression: p99_ms at commit c119" in done.stdout
    assert "c080" in done.stdout and "c040" in done.stdout  # older change points listed


def test_older_regressions_do_not_fail_ci(tmp_path) -> None:
    path = str(history(tmp_path / "h.csv", False))
    cli = CliRunner(env={"COLUMNS": "160"})
    assert cli.invoke(main, ["regress", path, "--higher-is-better", "throughput"]).exit_code == 0
    # a throughput drop is a regression only for a higher-is-better metric ...
    done = cli.invoke(main, ["regress", path, "--higher-is-better", "throughput", "--recent", "90"])
    assert done.exit_code == 1 and "throughput at commit c040" in done.stdout
    # ... and a latency rise only above the threshold
    wide = cli.invoke(
        main, ["regress", path, "--metric", "p99_ms", "--recent", "90", "--threshold", "0.2"]
    )
    assert wide.exit_code == 0


def test_json_output_and_json_input(tmp_path) -> None:
    rows = list(csv.DictReader(history(tmp_path / "h.csv", True).open()))
    (tmp_path / "h.json").write_text(json.dumps(rows))
    result = CliRunner().invoke(main, ["regress", str(tmp_path / "h.json"), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["key"] == "commit" and data["runs"] == 120
    cps = data["metrics"]["p99_ms"]["change_points"]
    assert [c["index"] for c in cps] == [80, 119]
    assert cps[-1]["commit"] == "c119" and cps[-1]["regression"] and cps[-1]["new"]
    assert [r["metric"] for r in data["new_regressions"]] == ["p99_ms"]


def test_otavas_tigerbeetle_history(tmp_path) -> None:
    series = json.loads(datasets.path("otava/test_series.json").read_text())["series"]
    path = tmp_path / "tb.json"
    path.write_text(json.dumps([{"run": i, "ops": v} for i, v in enumerate(series["tigerbeetle"])]))
    result = CliRunner().invoke(
        main,
        [
            "regress",
            str(path),
            "--json",
            "--window",
            "30",
            "--max-pvalue",
            "0.01",
            "--min-magnitude",
            "0.05",
            "--higher-is-better",
            "ops",
        ],
    )
    assert result.exit_code == 0, result.output
    cps = json.loads(result.output)["metrics"]["ops"]["change_points"]
    assert [c["index"] for c in cps] == [15, 71]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("commit,x\na,1\nb,zz\n", [], "line 3, column 'x': 'zz' is not a number"),
        ("commit,x\na,1\nb,\n", [], "line 3, column 'x': empty value"),
        ("commit,x\na,1\n", [], "needs at least 2 runs"),
        ("x,y\n1,2\n3,4\n", [], "no time or commit column"),
        ("commit,x\na,1\nb,2,3\n", [], "line 3: expected one value per header column"),
        ("commit,x\na,1\nb,2\n", ["--metric", "y"], "--metric 'y' is not a column"),
        ("commit,x\na,1\nb,2\n", ["--threshold", "-1"], "--threshold"),
        ("commit,x\na,1\nb,2\n", ["--higher-is-better", "z"], "--higher-is-better 'z'"),
        ('[{"commit": "a", "x": 1}, {"commit": "b"}]', [], "run 2: has columns"),
        ("[1, 2]", [], "JSON must be a list of objects"),
        ("[{", [], "invalid JSON"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, content, args, message) -> None:
    path = tmp_path / ("h.json" if content.startswith("[") else "h.csv")
    path.write_text(content)
    done = CliRunner().invoke(main, ["regress", str(path), *args])
    assert done.exit_code == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("otlpkb: error: ")
    assert message in done.stderr
    assert done.exception is None or isinstance(done.exception, SystemExit)


def test_bad_input_from_the_console_script(tmp_path) -> None:
    (tmp_path / "h.csv").write_text("commit,x\na,1\nb,zz\n")
    done = run("regress", str(tmp_path / "h.csv"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (
        done.stderr
        == f"otlpkb: error: {tmp_path / 'h.csv'}: line 3, column 'x': 'zz' is not a number\n"
    )


def test_missing_file_and_directory(tmp_path) -> None:
    for target, message in ((tmp_path / "nope.csv", "no such file"), (tmp_path, "is a directory")):
        done = CliRunner().invoke(main, ["regress", str(target)])
        assert done.exit_code == 2 and message in done.stderr
