"""`otlpkb forecast` (chapter 7.1): a user's CSV in, a forecast and a capacity date out.

External check: the command's model, fitted on the same rows, gives the same forecast as
the library (statsmodels agreement is tested in test_forecasting.py), and a straight line
reaches its capacity on the date that arithmetic gives.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from otlpkb.cli import main


def _write(path: Path, values, start=datetime(2026, 1, 1, tzinfo=UTC), step=timedelta(days=1),
           header="time,ingest_gib_per_day"):
    rows = [header] if header else []
    rows += [f"{(start + i * step).isoformat()},{v}" for i, v in enumerate(values)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_line_reaches_capacity_on_the_arithmetic_date(tmp_path):
    csv = _write(tmp_path / "line.csv", [100 + 2 * i for i in range(30)])
    result = CliRunner().invoke(main, ["forecast", str(csv), "--horizon", "90d",
                                       "--capacity", "200", "--model", "linear", "--json"])
    assert result.exit_code == 1, result.output  # exit 1: the capacity is reached
    report = json.loads(result.output)
    # 100 + 2 t = 200 at t = 50 days after 2026-01-01
    assert report["crossing"]["expected"] == "2026-02-20T00:00:00Z"
    assert report["forecast"][0]["time"] == "2026-01-31T00:00:00Z"
    assert report["forecast"][0]["value"] == pytest.approx(160.0)


def test_auto_picks_a_seasonal_model_for_weekly_data(tmp_path):
    days = np.arange(84)
    y = 500 * 1.01 ** days * np.where(days % 7 >= 5, 0.7, 1.0)
    csv = _write(tmp_path / "weekly.csv", np.round(y, 3))
    result = CliRunner().invoke(main, ["forecast", str(csv), "--horizon", "4w",
                                       "--capacity", "5000", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["model"].startswith("holt-winters") and report["period"] == 7
    assert report["horizon_steps"] == 28 and len(report["forecast"]) == 28
    assert report["crossing"]["expected"] is None


def test_plot_and_console_script(tmp_path):
    csv = _write(tmp_path / "s.csv", [10 + i for i in range(20)], header="")
    svg = tmp_path / "out.svg"
    exe = shutil.which("otlpkb", path=str(Path(sys.executable).parent))
    assert exe
    result = subprocess.run(
        [exe, "forecast", str(csv), "--horizon", "10d", "--capacity", "35",
         "--model", "linear", "--plot", str(svg)],
        capture_output=True, text=True, check=False, env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stderr
    assert "capacity 35: reached 2026-01-26" in result.stdout  # 10 + t = 35
    assert svg.read_text().startswith("<?xml") and "<svg" in svg.read_text()


@pytest.mark.parametrize(
    ("rows", "args", "message"),
    [
        ("time,v\n2026-01-01,1\n2026-01-02,\n", [], "s.csv:3: value '' is not a number"),
        ("time,v\n2026-01-01,1\n2026-01-02,nan\n2026-01-03,2\n2026-01-04,3\n", [],
         "s.csv:3: value 'nan' is missing"),
        ("t,v\n2026-01-01,1\n2026-01-02,2\n2026-01-04,3\n2026-01-05,4\n", [],
         "the series must be equally spaced with no gaps"),
        ("t,v\nyesterday,1\n", [], "s.csv:2: time 'yesterday' is neither"),
        ("t,v\n2026-01-02,1\n2026-01-01,2\n", [], "is not after the previous row"),
        ("t,v\n2026-01-01,1\n", [], "1 data rows; at least 4"),
        ("t,v\n" + "".join(f"2026-01-{d:02d},{d}\n" for d in range(1, 11)),
         ["--horizon", "3x"], "--horizon '3x'"),
        ("t,v\n" + "".join(f"2026-01-{d:02d},{d}\n" for d in range(1, 11)),
         ["--capacity", "-5"], "--capacity must be a number > 0"),
        ("t,v\n" + "".join(f"2026-01-{d:02d},{d}\n" for d in range(1, 11)),
         ["--period", "7"], "--period 7: the series has 10 rows, fewer than two seasons"),
        ("t,v\n" + "".join(f"2026-01-{d:02d},{d - 5}\n" for d in range(1, 21)),
         ["--model", "log-linear"], "is not positive: a log-linear trend needs y > 0"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, rows, args, message):
    path = tmp_path / "s.csv"
    path.write_text(rows)
    options = {"--horizon": "5d", "--capacity": "10"}
    options.update(zip(args[::2], args[1::2]))
    argv = ["forecast", str(path), *(x for kv in options.items() for x in kv)]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2, result.output
    assert message in result.output
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("otlpkb: error: ")


def test_a_missing_file_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["forecast", str(tmp_path / "none.csv"),
                                       "--horizon", "1d", "--capacity", "1"])
    assert result.exit_code == 2 and "cannot read" in result.output
