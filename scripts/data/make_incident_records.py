"""Write the synthetic incident records of chapter 9.1 (src/otlpkb/datasets/incidents/).

The records are made up, not collected: a seeded generator draws each interval from a
lognormal distribution (incident durations are right-skewed; see Davidovič, *Incident
Metrics in SRE*, O'Reilly 2021), so the chapter can compute from a file in the schema of
`otlpkb.incident.lifecycle` without publishing anyone's real incidents. Rerun it only to
change the data set; the file is checked in and the page computes from it.

    python scripts/data/make_incident_records.py
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "src/otlpkb/datasets/incidents/records.json"

CAUSES = [
    ("Exporter sending queue full; spans dropped", ["gateway-collector"]),
    ("memory_limiter refusing data on agent Collectors", ["agent-collector"]),
    ("Back end returns 429 above its ingest quota", ["gateway-collector", "trace-store"]),
    ("Expired TLS certificate on the OTLP/gRPC endpoint", ["otlp-ingress"]),
    ("Load-balancing exporter routes a trace to two samplers", ["tail-sampler"]),
    ("Metric cardinality explosion after a deploy", ["metrics-store"]),
    ("Persistent queue disk full on gateway nodes", ["gateway-collector"]),
    ("DNS resolution failures for the trace back end", ["gateway-collector"]),
    ("Clock skew breaks span ordering in the UI", ["trace-query"]),
    ("Collector crash loop after a configuration change", ["agent-collector"]),
]


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> None:
    rng = np.random.default_rng(2026)
    n = 40
    starts = np.sort(rng.uniform(0, 181, n))  # days into 2026
    records = []
    for i, day in enumerate(starts):
        title, services = CAUSES[int(rng.integers(len(CAUSES)))]
        started = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=float(day))
        started = started.replace(second=0, microsecond=0)
        ttd = rng.lognormal(np.log(9.0), 1.1)  # minutes
        tta = rng.lognormal(np.log(4.0), 0.8)
        mit = rng.lognormal(np.log(30.0), 0.9)
        res = rng.lognormal(np.log(80.0), 1.0)
        rev = rng.uniform(2, 9) * 1440
        t = started
        timeline = {}
        for state, gap in (
            ("detected", ttd), ("acknowledged", tta), ("mitigated", mit),
            ("resolved", res), ("reviewed", rev),
        ):  # fmt: skip
            t = t + timedelta(minutes=round(float(gap), 1))
            timeline[state] = iso(t)
        # the last incidents of the half-year are still open
        if i == n - 1:
            timeline = {k: timeline[k] for k in ("detected", "acknowledged")}
        elif i >= n - 3:
            timeline = {k: v for k, v in timeline.items() if k != "reviewed"}
        radius = float(np.clip(rng.beta(0.7, 4.0), 0.002, 1.0))
        # the SLO counts all events: only the affected share of sources can fail
        bad = float(max(radius * rng.beta(1.5, 2.5), 0.001))
        declared = "SEV1" if radius >= 0.5 else "SEV2" if radius >= 0.1 else "SEV3"
        records.append(
            {
                "id": f"INC-2026-{i + 1:03d}",
                "title": title,
                "severity": declared,
                "services": services,
                "started": iso(started),
                "timeline": timeline,
                "impact": {"blast_radius": round(radius, 3), "bad_fraction": round(bad, 3)},
                "slo": {"target": 0.999, "window_days": 30},
            }
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"incidents": records}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
