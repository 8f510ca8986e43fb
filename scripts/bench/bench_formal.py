"""Benchmark the model checker (otlpkb.formal.model_checker) against SPIN.

The peer a user would pick for an explicit-state check of a protocol is SPIN. Both check
the same two-phase-commit model (``otlpkb.formal.specs.two_phase`` and its Promela twin
``two_phase_promela``) with a growing number of resource managers; the state spaces
coincide, so the counts must be equal and the speeds compare like for like. SPIN is
compiled with its defaults (``cc -o pan pan.c``; its hash table is 2^24 slots) and run
with a search depth large enough for the model (``-m``); its own "elapsed time" and
"rate" are reported. Ratios are SPIN's rate over ours, in the same run.

    python scripts/bench/bench_formal.py            # up to 8 RMs: 1,745,408 states
    python scripts/bench/bench_formal.py --quick    # up to 5 RMs, a few seconds
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from otlpkb.formal.model_checker import check
from otlpkb.formal.specs import bounded_fifo, otlp_export, two_phase, two_phase_promela


def spin(promela: str, workdir: Path) -> dict[str, float]:
    """SPIN's counts and timing for one Promela model (compiled with its defaults)."""
    exe = shutil.which("spin")
    if exe is None:
        raise SystemExit("spin is not installed: apt-get install spin")
    (workdir / "model.pml").write_text(promela)
    subprocess.run([exe, "-a", "model.pml"], cwd=workdir, check=True, capture_output=True)
    subprocess.run(["cc", "-o", "pan", "pan.c"], cwd=workdir, check=True, capture_output=True)
    out = subprocess.run(
        ["./pan", "-m1000000"], cwd=workdir, check=True, capture_output=True, text=True
    ).stdout
    fields = {
        "stored": r"(\d+) states, stored",
        "transitions": r"(\d+) transitions",
        "seconds": r"elapsed time ([\d.e+-]+) seconds",
        "state_mb": r"([\d.]+)\s+equivalent memory usage for states",
    }
    found = {}
    for key, pattern in fields.items():
        match = re.search(pattern, out)
        found[key] = float(match.group(1)) if match else float("nan")
    rate = re.search(r"rate\s+([\d.e+-]+) states/second", out)
    found["rate"] = float(rate.group(1)) if rate else float("nan")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    args = parser.parse_args()
    sizes = [3, 4, 5] if args.quick else [5, 6, 7, 8]

    print("TwoPhase with n resource managers: otlpkb.formal vs SPIN 6 (same state space)")
    header = (
        f"{'RMs':>4} {'distinct':>10} {'generated':>11} {'equal':>6} "
        f"{'ours st/s':>10} {'SPIN st/s':>10} {'ratio':>6} {'B/state':>8} {'SPIN B/st':>9}"
    )
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            ours = check(two_phase(n), progress=False)
            theirs = spin(two_phase_promela(n), Path(tmp))
            equal = (
                theirs["stored"] == ours.distinct_states
                and theirs["transitions"] == ours.generated_states
            )
            # SPIN prints a rate only for runs that last long enough to time
            rate = theirs["rate"]
            if rate != rate and theirs["seconds"] > 0:
                rate = theirs["stored"] / theirs["seconds"]
            ratio = rate / ours.states_per_second if rate == rate else float("nan")
            spin_bytes = theirs["state_mb"] * 2**20 / theirs["stored"]
            print(
                f"{n:>4} {ours.distinct_states:>10,} {ours.generated_states:>11,} "
                f"{'yes' if equal else 'NO':>6} {ours.states_per_second:>10,.0f} "
                f"{rate:>10,.0f} {ratio:>6.1f} {ours.bytes_per_state:>8.0f} "
                f"{spin_bytes:>9.0f}"
            )
    print("(ratio = SPIN's rate / ours; SPIN B/st: state vector + overhead, its hash table apart)")

    print("\nOther models (ours only): distinct, generated, depth, states/s")
    others = [
        ("bounded FIFO, 3 msgs, qLen 3", bounded_fifo(3, 3)),
        ("OTLP export, 3 batches", otlp_export(3, 2, 3)),
    ]
    if not args.quick:
        others.append(("OTLP export, 4 batches", otlp_export(4, 2, 3)))
    for name, spec in others:
        r = check(spec, progress=False)
        print(
            f"{name:<30} {r.distinct_states:>10,} {r.generated_states:>11,} {r.depth:>4} "
            f"{r.states_per_second:>10,.0f}"
        )


if __name__ == "__main__":
    main()
