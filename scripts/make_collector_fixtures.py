"""Write the simulated Collector metric dumps shipped in otlpkb/datasets/collector/sim.

For every fault of `otlpkb.sim.selfmetrics.FAULTS`, two scrapes of the built-in ``:8888``
form (at 30 s and 110 s of a 120 s run, seed 0) and, for the slow back end, the same two
in the form of a Prometheus reader left at its defaults (``_total`` and unit suffixes).
``tests/sim/test_selfmetrics.py`` regenerates them and checks they are unchanged.

    python scripts/make_collector_fixtures.py
"""

from __future__ import annotations

from pathlib import Path

from otlpkb.sim.selfmetrics import FAULTS, simulate_fault

OUT = Path(__file__).resolve().parents[1] / "src" / "otlpkb" / "datasets" / "collector" / "sim"
TIMES = (30, 110)  # seconds into the run; scrapes are 10 s apart from 0


def fixtures() -> dict[str, str]:
    """File name -> exposition text, as shipped."""
    files = {}
    for fault in FAULTS:
        forms = (False, True) if fault == "slow_backend" else (False,)
        for suffixes in forms:
            scrapes = simulate_fault(fault, until=120.0, seed=0, suffixes=suffixes)
            tag = "-suffixes" if suffixes else ""
            for t in TIMES:
                files[f"{fault}{tag}-t{t:03d}.prom"] = scrapes[t // 10]
    return files


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in fixtures().items():
        (OUT / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
