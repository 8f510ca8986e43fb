"""`otlpkb rules` on rule files: the shipped Collector alerts, a rule with mistakes, and
files that do not parse.

External check: `promtool check rules` (Prometheus's own validator) accepts the files the
command passes and rejects the ones it refuses with exit status 2.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitoring.promtool import check_rules
from otlpkb.cli import main
from otlpkb.monitoring.rules import collector_rules, dump_rules

NO_ANNOTATIONS = """\
groups:
- name: g
  rules:
  - alert: HighErrors
    expr: rate(http_errors_total[30s]) > 1
    labels: {severity: page}
"""
UNCLOSED = """\
groups:
- name: g
  rules:
  - alert: X
    expr: rate(foo[5m] > 1
"""


def invoke(tmp: Path, text: str, *args: str):
    path = tmp / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["rules", str(path), *args], env={"COLUMNS": "160"})


def test_the_shipped_collector_alerts_pass_here_and_in_promtool(tmp_path: Path):
    text = dump_rules([collector_rules()])
    result = invoke(tmp_path, text)
    assert result.exit_code == 0, result.output
    assert "no findings in 1 rule file(s)" in result.output
    assert check_rules(tmp_path, text).returncode == 0


def test_missing_annotations_are_errors_and_a_short_rate_range_a_warning(tmp_path: Path):
    result = invoke(tmp_path, NO_ANNOTATIONS, "--json")
    assert result.exit_code == 1, result.output
    (found,) = json.loads(result.output).values()
    checks = {(f["check"], f["severity"]) for f in found}
    assert ("annotations/required", "error") in checks
    assert ("promql/rate-range", "warning") in checks
    # promtool checks syntax only: the same file is valid Prometheus configuration
    assert check_rules(tmp_path, NO_ANNOTATIONS).returncode == 0


def test_a_scrape_interval_that_fits_four_samples_silences_the_range_warning(tmp_path: Path):
    result = invoke(tmp_path, NO_ANNOTATIONS, "--json", "--scrape-interval", "5s")
    (found,) = json.loads(result.output).values()
    assert "promql/rate-range" not in {f["check"] for f in found}


def test_promql_that_does_not_parse_is_named_with_file_line_and_field(tmp_path: Path):
    result = invoke(tmp_path, UNCLOSED)
    assert result.exit_code == 2
    assert "rules.yaml:5: groups[0].rules[0].expr: PromQL does not parse" in result.output
    assert check_rules(tmp_path, UNCLOSED).returncode != 0


def test_a_missing_file_and_a_bad_interval_are_one_line_errors(tmp_path: Path):
    result = CliRunner().invoke(main, ["rules", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "nope.yaml: no such file" in result.output
    result = invoke(tmp_path, NO_ANNOTATIONS, "--scrape-interval", "soon")
    assert result.exit_code == 2 and "--scrape-interval" in result.output
