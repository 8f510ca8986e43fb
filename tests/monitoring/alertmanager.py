"""A real Alertmanager (Debian prometheus-alertmanager 0.25) on 127.0.0.1, fed through its v2 API.

`replay` starts Alertmanager with a configuration whose only receiver is a webhook served
by this process, posts a stream of alerts at their times (POST /api/v2/alerts, an alert
resolved by an ``endsAt`` in the past), records every notification the webhook receives
with its arrival time, and stops Alertmanager. Clustering is switched off
(``--cluster.listen-address=``) so that no gossip settling delays the pipeline.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import yaml

from monitoring.promtool import tool


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def replay(
    tmp: Path,
    route: dict[str, Any],
    stream: list[tuple[float, dict[str, str], bool]],
    until: float,
    inhibit_rules: list[dict[str, Any]] | None = None,
) -> tuple[list[tuple[float, dict[str, Any]]], list[float]]:
    """Post ``stream`` ((seconds, labels, resolved)) and collect notifications until ``until``.

    Returns the notifications as (arrival time, webhook payload) and the actual post time
    of every event, both in seconds from the start of the stream.
    """
    received: list[tuple[float, dict[str, Any]]] = []
    start = [0.0]

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((time.monotonic() - start[0], json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    hook = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    port = free_port()
    config = {
        "route": {"receiver": "hook", **route},
        "receivers": [
            {
                "name": "hook",
                "webhook_configs": [
                    {"url": f"http://127.0.0.1:{hook.server_port}/", "send_resolved": True}
                ],
            }
        ],
        "inhibit_rules": inhibit_rules or [],
    }
    (tmp / "am.yml").write_text(yaml.safe_dump(config))
    proc = subprocess.Popen(
        [
            tool("alertmanager", "prometheus-alertmanager"),
            f"--config.file={tmp / 'am.yml'}",
            f"--storage.path={tmp / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "am.log", "w"),  # noqa: SIM115 - closed with the process
    )
    base = f"http://127.0.0.1:{port}"
    posted: list[float] = []
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}/-/ready", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("Alertmanager did not become ready: " + (tmp / "am.log").read_text())
        start[0] = time.monotonic()
        for at, labels, resolved in stream:
            delay = at - (time.monotonic() - start[0])
            if delay > 0:
                time.sleep(delay)
            now = datetime.now(UTC)
            alert: dict[str, Any] = {"labels": labels, "startsAt": now.isoformat()}
            if resolved:
                alert = {"labels": labels, "endsAt": now.isoformat()}
            request = urllib.request.Request(
                f"{base}/api/v2/alerts",
                data=json.dumps([alert]).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            posted.append(time.monotonic() - start[0])
            with urllib.request.urlopen(request, timeout=5) as r:
                assert r.status == 200
        remaining = until - (time.monotonic() - start[0])
        if remaining > 0:
            time.sleep(remaining)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        hook.shutdown()
    return received, posted
