"""`otlpkb inspect` and `otlpkb spans` on real files: JSON output, tables, Parquet, bad input.

The OTLP files are the shipped ones (Jaeger's and opentelemetry-proto's examples) and file
exporter frames built with `opentelemetry-proto`; the Parquet file is read back by DuckDB.
"""

from __future__ import annotations

import gzip
import json

import pytest
from click.testing import CliRunner

from otlp_files import DEFECTS, frames, request
from otlpkb import datasets
from otlpkb.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_inspect_prints_json_for_machines(tmp_path) -> None:
    path = tmp_path / "traces.pb.gz"
    path.write_bytes(gzip.compress(frames(request(DEFECTS))))
    done = run("inspect", "--json", str(tmp_path))
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["files"] == [str(path)]
    assert (report["spans"], report["orphans"], report["parent_cycles"]) == (12, 1, 1)
    db = next(s for s in report["services"] if s["service"] == "db")
    assert db["error_rate"] == pytest.approx(1 / 4)


def test_inspect_prints_tables_for_people() -> None:
    done = run("inspect", str(datasets.path("otlp/proto-examples/trace.json")))
    assert done.exit_code == 0, done.output
    for title in ("Services", "Structure", "Operations", "Slowest traces", "my.service"):
        assert title in done.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        (b"\x00\x00\x00\x10\n\x01", "truncated frame: the length prefix says 16 bytes"),
        (b'{"resourceSpans": [}', "line 1 column 20"),
        (b"hello", "not OTLP trace data"),
    ],
)
def test_bad_input_is_one_line_naming_the_file_and_exit_2(tmp_path, content, expected) -> None:
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_bytes(content)
    for args in (["inspect", str(path)], ["spans", str(path), "--to", "parquet",
                                          str(tmp_path / "o.parquet")]):  # fmt: skip
        done = CliRunner().invoke(main, args)
        assert done.exit_code == 2, done.output
        lines = done.output.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and expected in lines[0], lines
    assert not (tmp_path / "o.parquet").exists()


def test_spans_writes_parquet_that_duckdb_queries(tmp_path) -> None:
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the test extra")
    src = tmp_path / "traces.pb"
    src.write_bytes(frames(request(DEFECTS)))
    out = tmp_path / "spans.parquet"
    done = run("spans", str(src), "--to", "parquet", str(out))
    assert done.exit_code == 0, done.output
    rows = duckdb.sql(
        f"SELECT service_name, count(*), sum((status_code = 2)::INT) FROM '{out}' "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert rows == [("auth", 2, 0), ("db", 4, 1), ("front", 6, 0)]


def test_spans_refuses_to_overwrite_an_input(tmp_path) -> None:
    src = tmp_path / "traces.pb"
    src.write_bytes(frames(request(DEFECTS)))
    done = CliRunner().invoke(main, ["spans", str(src), "--to", "parquet", str(src)])
    assert done.exit_code == 2 and "is one of the inputs" in done.output
