"""The series on which chapter 6.4 compares `change_points` with Apache Otava.

`jobs()` lists them: Otava's own test series with the parameters of its tests
(src/otlpkb/datasets/otava/test_series.json) and seeded generated series — 30 with one to
four planted shifts of 5-20 % and 10 of pure noise, 300 runs each, at Otava's defaults.
`run_otava(jobs)` runs apache-otava on them in its own environment (otava_env.py).
`python tests/tuning/otava_cases.py --write` records Otava's answers in
src/otlpkb/datasets/otava/otava-0.8.0.json, which the chapter's page reads (a page cannot
run Otava); test_regression.py checks that the record still matches a fresh run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import otava_env  # noqa: E402

DATA = HERE.parents[1] / "src" / "otlpkb" / "datasets" / "otava"
RECORD = DATA / "otava-0.8.0.json"
#: series stored in test_series.json (the record names them instead of repeating them)
SHIPPED = ("tigerbeetle", "single_series")


def generated(seed: int, n: int = 300, shifts: bool = True) -> list[float]:
    """A benchmark-like series: a level that shifts by 5-20 % at 1-4 random runs."""
    rng = np.random.default_rng(seed)
    level, out, prev = 100.0, [], 0
    cuts = np.sort(rng.choice(np.arange(20, n - 20), rng.integers(1, 5), replace=False))
    for cut in [*(cuts.tolist() if shifts else []), n]:
        out.append(rng.normal(level, 1.5, cut - prev))
        prev = cut
        level *= 1 + rng.choice([-1, 1]) * rng.uniform(0.05, 0.2)
    return np.concatenate(out).round(3).tolist()


def jobs() -> list[dict[str, Any]]:
    cases = json.loads((DATA / "test_series.json").read_text())
    out = []
    for name, expected in cases["expected"].items():
        for e in expected:
            out.append(
                {
                    "name": name,
                    "series": cases["series"][name],
                    "window": e["window"],
                    "max_pvalue": e["max_pvalue"],
                    "min_magnitude": e["min_magnitude"],
                    "otava_test_expects": e["indexes"],
                }
            )
    for seed in range(30):
        out.append({"name": f"shifts-{seed}", "series": generated(seed)})
    for seed in range(10):
        out.append({"name": f"noise-{seed}", "series": generated(100 + seed, shifts=False)})
    for job in out:
        job.setdefault("window", 50)
        job.setdefault("max_pvalue", 0.001)
        job.setdefault("min_magnitude", 0.0)
    return out


def run_otava(todo: list[dict[str, Any]]) -> list[dict[str, Any]]:
    python = otava_env.ensure()
    done = subprocess.run(
        [str(python), str(HERE / "otava_oracle.py")],
        input=json.dumps(todo),
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(done.stdout))


def record(todo: list[dict[str, Any]], answers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "otava": otava_env.PIN,
        "note": "recorded by tests/tuning/otava_cases.py --write; checked by the test suite",
        "jobs": [
            {
                "name": job["name"],
                "series": job["name"] if job["name"] in SHIPPED else job["series"],
                "window": job["window"],
                "max_pvalue": job["max_pvalue"],
                "min_magnitude": job["min_magnitude"],
                "otava": [
                    {k: c[k] for k in ("index", "pvalue", "mean_before", "mean_after")}
                    for c in answer["change_points"]
                ],
            }
            for job, answer in zip(todo, answers, strict=True)
        ],
    }


if __name__ == "__main__":
    todo = jobs()
    data = record(todo, run_otava(todo))
    if "--write" in sys.argv:
        RECORD.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"{len(data['jobs'])} jobs")
