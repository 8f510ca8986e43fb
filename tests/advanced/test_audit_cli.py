"""`otlpkb audit` on the shipped fixture configurations and on broken files (chapter A.3)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from otlpkb import datasets
from otlpkb.cli import main

CONFIGS = datasets.path("collector_configs/SOURCES.md").parent


def run(*args: str):
    return CliRunner().invoke(main, ["audit", *args], env={"COLUMNS": "200"})


def test_good_configurations_exit_0() -> None:
    result = run(*map(str, sorted(CONFIGS.glob("good_*.yaml"))))
    assert result.exit_code == 0, result.output
    assert "no findings in 3 configuration(s)" in result.output


def test_findings_exit_1_with_file_and_line(monkeypatch) -> None:
    monkeypatch.chdir(CONFIGS)
    path = Path("bad_plaintext_secret.yaml")
    result = run(str(path))
    assert result.exit_code == 1
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "api_key" in t)
    assert f"{path}:{line}" in result.output and "PLAINTEXT_SECRET" in result.output


def test_fail_on_threshold_and_json() -> None:
    path = str(CONFIGS / "bad_memory_limiter_last.yaml")  # one low-severity finding
    assert run(path, "--fail-on", "medium").exit_code == 0
    result = run(path, "--json")
    assert result.exit_code == 1
    (found,) = json.loads(result.output)[path]
    assert (found["rule"], found["severity"]) == ("MEMORY_LIMITER_NOT_FIRST", "low")


def test_malformed_yaml_is_one_line_with_the_line_number(tmp_path: Path) -> None:
    bad = tmp_path / "otelcol.yaml"
    bad.write_text("receivers:\n  otlp:\n    protocols:\n      grpc: {endpoint: [\n")
    result = run(str(bad))
    assert result.exit_code == 2
    assert result.output.startswith(f"otlpkb: error: {bad}: line 5, column")
    assert result.output.count("\n") == 1


def test_missing_file_and_directory(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "no such file" in result.output
    result = run(str(tmp_path))
    assert result.exit_code == 2 and "is a directory" in result.output
