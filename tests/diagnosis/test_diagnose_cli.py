"""`otlpkb diagnose` on shipped dumps, on a live /metrics endpoint, and on bad input.

The live endpoint is a real HTTP server on 127.0.0.1 (an ephemeral port) serving the
simulated Collector's exposition, as a Collector serves :8888/metrics; every scrape
advances the simulated Collector by one scrape interval.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from otlpkb import datasets
from otlpkb.cli import main
from otlpkb.sim.selfmetrics import simulate_fault


def diagnose(*args: str):
    return CliRunner().invoke(main, ["diagnose", *args], catch_exceptions=False)


def dump(name: str) -> str:
    return str(datasets.path(f"collector/{name}"))


def test_a_healthy_dump_exits_0_and_prints_the_path() -> None:
    done = diagnose(dump("builtin-healthy.prom"))
    assert done.exit_code == 0, done.output
    assert "OK: Healthy" in done.output and "Is data arriving?" in done.output


def test_a_series_of_dumps_exits_1_with_the_finding_as_json() -> None:
    files = [dump(f"sim/backend_down-t{t:03d}.prom") for t in (110, 30)]  # out of order
    done = diagnose("--json", *files)
    assert done.exit_code == 1, done.output
    report = json.loads(done.output)
    assert report["finding"]["id"] == "backend_down" and report["healthy"] is False
    assert report["sources"] == sorted(files)  # put in time order by the uptime
    assert report["indicators"]["window_seconds"] == 80.0
    assert [s["node"] for s in report["path"]][:2] == ["traffic", "refused"]
    assert all({"metric", "value", "threshold"} <= s.keys() for s in report["path"])


def test_otlp_json_and_old_names_are_read() -> None:
    done = diagnose("--json", dump("otlp-push-permanent-rejection.json"))
    assert json.loads(done.output)["finding"]["id"] == "permanent_rejection"
    done = diagnose(dump("v0.109-memory-limiter.prom"))
    assert done.exit_code == 1 and "Memory limit hit" in done.output


class _Collector(BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        body = server.scrapes[min(server.hits, len(server.scrapes) - 1)].encode()
        server.hits += 1
        self.send_response(200 if self.path == "/metrics" else 404)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.scrapes = simulate_fault("slow_backend", until=120.0, seed=2)[4:]
    server.hits = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server
    server.shutdown()


def test_scraping_a_live_endpoint(endpoint) -> None:
    url, server = endpoint
    done = diagnose("--json", "--scrapes", "3", "--interval", "0", f"{url}/metrics")
    assert server.hits == 3
    assert json.loads(done.output)["finding"]["id"] == "backend_slow"
    assert done.exit_code == 1
    missing = diagnose(f"{url}/nothing")
    assert missing.exit_code == 2 and "HTTP 404" in missing.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'a_total 1\nb{x="1" 2\n', "bad.prom: line 2: malformed exposition line"),
        (b'{"resourceMetrics": [1]}', "bad.prom: resourceMetrics[0]"),
        (b"up 1\n", "bad.prom: no Collector metric"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, content, message) -> None:
    bad = tmp_path / "bad.prom"
    bad.write_bytes(content)
    done = CliRunner().invoke(main, ["diagnose", str(bad)])
    assert done.exit_code == 2
    assert done.output.startswith("otlpkb: error: ") and message in done.output
    assert "Traceback" not in done.output and len(done.output.strip().splitlines()) == 1


def test_missing_files_directories_and_unordered_series(tmp_path) -> None:
    done = CliRunner().invoke(main, ["diagnose", str(tmp_path / "none.prom")])
    assert done.exit_code == 2 and "none.prom: no such file" in done.output
    done = CliRunner().invoke(main, ["diagnose", str(tmp_path)])
    assert done.exit_code == 2 and "is a directory" in done.output
    a, b = tmp_path / "a.prom", tmp_path / "b.prom"
    a.write_text("otelcol_receiver_accepted_spans 1\n")
    b.write_text("otelcol_receiver_accepted_spans 2\n")
    done = CliRunner().invoke(main, ["diagnose", str(a), str(b)])
    assert done.exit_code == 2 and "cannot be put in time order" in done.output


def test_log_files_are_matched_against_the_handbook(tmp_path) -> None:
    log = tmp_path / "collector.log"
    log.write_text(
        "2026-12-02T10:00:00Z info service Everything is ready.\n"
        "2026-12-02T10:01:00Z warn memorylimiter.go:276 Memory usage is above soft limit. "
        'Refusing data. {"cur_mem_mib": 251}\n'
    )
    done = diagnose("--json", "--log", str(log), dump("builtin-healthy.prom"))
    report = json.loads(done.output)
    assert report["finding"]["id"] == "healthy"
    assert [p["id"] for p in report["problems"]] == ["soft_limit_too_low"]
    assert "cur_mem_mib" in report["problems"][0]["log_lines"][0]
    assert done.exit_code == 1  # the handbook found a problem
    text = diagnose("--log", str(log), dump("builtin-healthy.prom")).output
    assert "Refusing data far below the memory limit" in text
    missing = CliRunner().invoke(main, ["diagnose", "--log", "nope.log", dump("idle-no-data.prom")])
    assert missing.exit_code == 2 and "nope.log: no such file" in missing.output


def test_handbook_problems_in_json_carry_their_evidence() -> None:
    files = [dump(f"sim/slow_backend-t{t:03d}.prom") for t in (30, 110)]
    report = json.loads(diagnose("--json", *files).output)
    ids = {p["id"] for p in report["problems"]}
    assert {"queue_full", "backend_bottleneck"} <= ids
    full = next(p for p in report["problems"] if p["id"] == "queue_full")
    assert full["evidence"]["exporter_enqueue_failed_ratio"] > 0
