"""Run Apache Otava's change-point detection on series read from standard input.

Runs inside `.venv-otava` (tests/tuning/otava_env.py), never in the project's environment.
Input: a JSON list of jobs ``{"series": [...], "window": 50, "max_pvalue": 0.001,
"min_magnitude": 0.0}``. Output: a JSON list, per job, of ``{"change_points": [...],
"weak": [...], "seconds": ...}``, each change point with Otava's index, p-value, means and
relative change. Otava is called exactly as its own `Series.analyze` calls it: on a plain
list of floats (`otava.analysis.compute_change_points`).
"""

import json
import sys
import time


def run(job):
    from otava.analysis import compute_change_points  # only in .venv-otava

    series = [float(v) for v in job["series"]]
    t0 = time.perf_counter()
    cps, weak = compute_change_points(
        series,
        window_len=job.get("window", 50),
        max_pvalue=job.get("max_pvalue", 0.001),
        min_magnitude=job.get("min_magnitude", 0.0),
    )
    seconds = time.perf_counter() - t0

    def out(c):
        return {
            "index": int(c.index),
            "pvalue": float(c.stats.pvalue),
            "mean_before": float(c.stats.mean_1),
            "mean_after": float(c.stats.mean_2),
            "forward_change": float(c.stats.forward_rel_change()),
            "otava_magnitude": float(c.stats.change_magnitude()),
        }

    return {
        "change_points": [out(c) for c in cps],
        "weak": [int(c.index) for c in weak],
        "seconds": seconds,
    }


if __name__ == "__main__":
    jobs = json.load(sys.stdin)
    json.dump([run(job) for job in jobs], sys.stdout)
