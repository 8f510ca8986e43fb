"""`otlpkb slo` on real files: Sloth's getting-started spec, and specs with mistakes.

External checks: `promtool check rules` accepts what the command writes, and the
detection times it reports are the SRE Workbook's arithmetic (1 h x 14.4 x 0.1 % = 51.84 s).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitoring.promtool import check_rules
from otlpkb import datasets
from otlpkb.cli import main

SPEC = datasets.path("sloth/getting-started.yml")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "120"})


def test_writes_rules_promtool_accepts_and_prints_the_windows(tmp_path: Path):
    out = tmp_path / "rules.yaml"
    result = invoke("slo", str(SPEC), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "myservice / requests-availability" in result.output
    assert "51.84 s" in result.output and "129.6 s" in result.output
    check = check_rules(tmp_path, out.read_text())
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 16 rules found" in check.stdout


def test_without_output_the_rules_go_to_stdout():
    result = invoke("slo", str(SPEC))
    assert result.exit_code == 0
    assert result.output.startswith("groups:\n- name: sloth-slo-sli-recordings-myservice")


def test_json_summary(tmp_path: Path):
    result = invoke("slo", str(SPEC), "--json", "--period", "28d")
    assert result.exit_code == 0, result.output
    (slo,) = json.loads(result.output)["slos"]
    assert slo["period_days"] == 28
    assert [w["burn_rate"] for w in slo["windows"]] == pytest.approx([13.44, 5.6, 2.8, 0.933333])
    assert slo["budget_minutes"] == pytest.approx(40.32)  # 0.1 % of 28 days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version: prometheus/v1\nservice: a\nslos:\n  - name: b\n    objective: 100\n",
            "spec.yaml:5: slos[0].objective: must be a percentage in (0, 100), got 100",
        ),
        (
            "version: prometheus/v1\nservice: a\nslos:\n  - name: b\n    objective: 99.9\n"
            "    period: 1d\n    sli:\n      events:\n        error_query: e[{{.window}}]\n"
            "        total_query: t[{{.window}}]\n",
            "spec.yaml:6: slos[0].period: the ticket window 3d is longer than the period of 1d",
        ),
        (
            "version: prometheus/v1\nservice: a\nslos:\n  - name: b\n    objective: 99.9\n"
            "    sli:\n      events:\n        error_query: sum(e[{{.window}}]\n"
            "        total_query: t[{{.window}}]\n",
            "spec.yaml:8: slos[0].sli.events.error_query: PromQL does not parse",
        ),
        ("service: [a\n", "spec.yaml:2: yaml:"),
    ],
)
def test_bad_specs_exit_2_with_file_line_and_field(tmp_path: Path, text, message):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        result = invoke("slo", "spec.yaml")
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_file_and_bad_period(tmp_path: Path):
    result = invoke("slo", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "no such file" in result.output
    result = invoke("slo", str(SPEC), "--period", "a month")
    assert result.exit_code == 2 and "--period" in result.output
