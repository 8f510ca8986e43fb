"""`otlpkb incidents` (chapters 9.1 and 9.4): a user's incident records in, metrics out.

External check: the means and medians the command prints agree with ones computed here
straight from the file's timestamps (the standard library's JSON and datetime, and
numpy), without the library's parser.
"""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
from click.testing import CliRunner

from otlpkb import datasets
from otlpkb.cli import main

RECORDS = datasets.path("incidents/records.json")
POSTMORTEM = datasets.path("incidents/postmortem-INC-2026-005.json")


def test_metrics_agree_with_the_raw_timestamps():
    result = CliRunner().invoke(main, ["incidents", str(RECORDS), "--json"])
    assert result.exit_code == 1, result.output  # some incidents are worse than declared
    report = json.loads(result.output)
    raw = json.loads(RECORDS.read_text())["incidents"]
    ttr = [
        (datetime.fromisoformat(r["timeline"]["resolved"])
         - datetime.fromisoformat(r["started"])).total_seconds() / 60
        for r in raw if "resolved" in r["timeline"]
    ]  # fmt: skip
    got = {m["metric"]: m for m in report["metrics_minutes"]}
    assert got["ttr"]["n"] == len(ttr)
    assert got["ttr"]["mean"] == np.mean(ttr)
    assert got["ttr"]["median"] == np.median(ttr)
    assert got["ttr"]["mean_low"] < got["ttr"]["mean"] < got["ttr"]["mean_high"]
    assert report["incidents"] == len(raw) and report["open"] == ["INC-2026-040"]
    worse = report["more_severe_than_declared"]
    assert worse and all(w["from_impact"] < w["declared"] for w in worse)


def test_the_table_report_names_every_metric():
    result = CliRunner().invoke(main, ["incidents", str(RECORDS)])
    assert result.exit_code == 1
    for name in ("TTD", "TTA", "TTM", "TTR", "40 incidents, 1 open"):
        assert name in result.output


def test_postmortem_is_printed_as_markdown(tmp_path):
    result = CliRunner().invoke(main, ["incidents", "--postmortem", str(POSTMORTEM)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Postmortem: INC-2026-005")
    doc = json.loads(POSTMORTEM.read_text())
    doc["summary"] = "Human error in the deploy."
    (tmp_path / "pm.json").write_text(json.dumps(doc))
    blamed = CliRunner().invoke(main, ["incidents", "--postmortem", str(tmp_path / "pm.json"),
                                       "--json"])  # fmt: skip
    assert blamed.exit_code == 1
    assert json.loads(blamed.output)["blameful_phrases"] == ["Human error"]


def test_bad_input_is_one_line_naming_the_file_record_and_field(tmp_path):
    bad = json.loads(RECORDS.read_text())
    bad["incidents"][3]["timeline"]["acknowledged"] = "2020-01-01T00:00:00Z"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    result = CliRunner().invoke(main, ["incidents", str(tmp_path / "bad.json")])
    assert result.exit_code == 2
    assert "INC-2026-004" in result.output and "timeline.acknowledged" in result.output
    missing = CliRunner().invoke(main, ["incidents", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    (tmp_path / "junk.yaml").write_text("incidents: [")
    junk = CliRunner().invoke(main, ["incidents", str(tmp_path / "junk.yaml")])
    assert junk.exit_code == 2 and "junk.yaml" in junk.output
    conf = CliRunner().invoke(main, ["incidents", str(RECORDS), "--confidence", "1.5"])
    assert conf.exit_code == 2 and "--confidence" in conf.output
