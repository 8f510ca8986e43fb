"""Mutation testing of the core modules, each against its own tests only (`make mutate`).

For every target below, mutmut 3 (pinned in the ``mutate`` extra of pyproject.toml) runs
in a scratch copy of the repository under ``.mutmut/<target>/`` whose pyproject.toml
carries a ``[tool.mutmut]`` table for that target alone: mutate one module, run only its
test files. The score table goes to standard output and, merged with the targets measured
before, to ``mutation-score.json``; each survivor's diff goes to ``.mutmut/<target>.txt``.

    python scripts/mutate.py                          # every target
    python scripts/mutate.py -m performance.queueing  # one target (repeat -m for more)
    python scripts/mutate.py --max-mutants 150        # a seeded sample of each module

Score = (killed + timeout) / (mutants checked - argued equivalent). Survivors that are
equivalent to the original are listed, each with its reason, in
``scripts/mutate_equivalent.toml``; "no tests" and "not checked" count against nobody and
are reported. Mutating the wording of error messages (the statements that start with
``raise``) is switched off: the tests match the argument's name in the message, and a
mutant that wraps the message in ``XX...XX`` tells nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutmut"
EQUIVALENT = ROOT / "scripts" / "mutate_equivalent.toml"


@dataclass(frozen=True)
class Target:
    """One module (or a few files of one concept) and the tests that are its own."""

    sources: tuple[str, ...]
    tests: tuple[str, ...]
    pytest_args: tuple[str, ...] = field(default=())
    # mutmut's CPU limit per mutant is 2 x multiplier x (its tests' time + 1 s); lower it
    # where mutants loop forever, so that they cost seconds, not the target's whole budget
    timeout_multiplier: float = 15.0


TARGETS: dict[str, Target] = {
    "performance.queueing": Target(
        ("src/otlpkb/performance/queueing.py",), ("tests/performance/test_queueing.py",)
    ),
    "fault_tolerance.detectors": Target(
        ("src/otlpkb/fault_tolerance/detectors.py",), ("tests/fault_tolerance/test_detectors.py",)
    ),
    "recovery.wal": Target(
        ("src/otlpkb/recovery/wal.py",),
        ("tests/recovery/test_wal.py", "tests/recovery/test_wal_crash.py"),
    ),
    "otlp.readers": Target(
        (
            "src/otlpkb/otlp/reader.py",
            "src/otlpkb/otlp/json_reader.py",
            "src/otlpkb/otlp/proto_reader.py",
        ),
        ("tests/otlp/test_reader.py", "tests/otlp/test_streaming.py"),
    ),
    "tracing.cycles": Target(("src/otlpkb/tracing/cycles.py",), ("tests/tracing/test_cycles.py",)),
    "consistency.linearizability": Target(
        ("src/otlpkb/consistency/linearizability.py",),
        ("tests/consistency/test_linearizability.py",),
        timeout_multiplier=2.0,  # a broken search loops: 60 of 100 were unchecked at 15
    ),
    "tuning.mva": Target(("src/otlpkb/tuning/mva.py",), ("tests/tuning/test_mva.py",)),
    # change_points lives in tuning.regression. The Otava test re-runs Apache Otava in its
    # own environment to check the recorded answers the other tests compare against; it
    # does not call our module, so it stays out of every mutant's run.
    "tuning.change_points": Target(
        ("src/otlpkb/tuning/regression.py",),
        ("tests/tuning/test_regression.py",),
        (
            "--deselect",
            "tests/tuning/test_regression.py::test_recorded_otava_answers_are_what_otava_says",
        ),
    ),
    "capacity.forecasting": Target(
        ("src/otlpkb/capacity/forecasting.py",), ("tests/capacity/test_forecasting.py",)
    ),
}

COPIED = ("src", "tests", "scripts", "examples")
# one process per mutant (mutmut's children), the package imported from the scratch copy
PYTEST_ARGS = ("-p", "no:xdist", "-o", "addopts=--import-mode=importlib -p no:cacheprovider")
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def toml_list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(x) for x in items) + "]"


def prepare(name: str, target: Target) -> Path:
    """A fresh scratch copy of the repository configured for ``target``."""
    work = WORK / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in COPIED:
        shutil.copytree(ROOT / folder, work / folder, ignore=ignore)
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    config += f"""
[tool.mutmut]
source_paths = ["src/otlpkb/"]
only_mutate = {toml_list(target.sources)}
pytest_add_cli_args_test_selection = {toml_list(target.tests + target.pytest_args)}
pytest_add_cli_args = {toml_list(PYTEST_ARGS)}
also_copy = {toml_list(list(COPIED[1:]))}
do_not_mutate_patterns = ['^\\s*raise \\w+\\(']
use_git_change_detection = false
timeout_multiplier = {target.timeout_multiplier}
"""
    (work / "pyproject.toml").write_text(config, encoding="utf-8")
    return work


GENERATE = """
import mutmut.__main__ as m
m.set_mutant_under_test("mutant_generation")
m.makedirs("mutants", exist_ok=True)
m.copy_src_dir()
m.copy_also_copy_files()
m.setup_source_paths()
m.store_lines_covered_by_tests()
m.create_mutants(1)
"""


def env() -> dict[str, str]:
    out = {**os.environ, "MPLBACKEND": "Agg", "HYPOTHESIS_PROFILE": "mutate"}
    out.pop("PYTHONPATH", None)  # the scratch copy's mutated sources, nothing else
    return out


def metas(work: Path, target: Target) -> list[Path]:
    return [work / "mutants" / f"{src}.meta" for src in target.sources]


def mutant_names(work: Path, target: Target) -> list[str]:
    names: list[str] = []
    for meta in metas(work, target):
        names += json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return sorted(names)


def run_target(
    name: str, target: Target, args: argparse.Namespace, before: dict[str, object] | None
) -> dict[str, object]:
    work = prepare(name, target)
    subprocess.run(
        [sys.executable, "-c", GENERATE], cwd=work, env=env(), check=True, capture_output=True
    )
    otava = ROOT / ".venv-otava"  # chapter 6.4's oracle: share it rather than rebuild it
    if otava.is_dir():
        (work / "mutants" / ".venv-otava").symlink_to(otava, target_is_directory=True)
    everything = mutant_names(work, target)
    chosen = everything
    if args.max_mutants and len(everything) > args.max_mutants:
        chosen = sorted(random.Random(args.seed).sample(everything, args.max_mutants))
    if args.survivors and before is not None:
        # Tests only grow, so what was killed stays killed: re-check the survivors alone.
        again = [m for m in before["survivors"] if m in everything]  # type: ignore[attr-defined]
        if not again:
            return before
        result = launch(name, work, target, again, len(everything), args)
        return merge(before, result)
    return launch(name, work, target, chosen, len(everything), args)


def merge(before: dict[str, object], again: dict[str, object]) -> dict[str, object]:
    counts = dict(before["counts"])  # type: ignore[call-overload]
    counts.pop("survived", None)
    for status, n in again["counts"].items():  # type: ignore[attr-defined]
        counts[status] = counts.get(status, 0) + n
    killed = sum(n for s, n in counts.items() if s in KILLED)
    judged = killed + counts.get("survived", 0)
    return {
        **before,
        "counts": counts,
        "killed": killed,
        "survived": counts.get("survived", 0),
        "equivalent": counts.get("equivalent", 0),
        "score": round(killed / judged, 4) if judged else None,
        "score_before": before.get("score_before", before["score"]),
        "survivors": again["survivors"],
        "measured": again["measured"],
        "seconds": int(before["seconds"]) + int(again["seconds"]),
    }  # type: ignore[call-overload]


def launch(
    name: str, work: Path, target: Target, chosen: list[str], total: int, args: argparse.Namespace
) -> dict[str, object]:
    started = time.monotonic()
    log = (WORK / f"{name}.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.jobs), *chosen],
        cwd=work,
        env=env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=args.timeout)
        stopped = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGINT)  # mutmut saves what it has on an interrupt
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        stopped = True
    log.close()
    return summarise(name, work, target, chosen, total, stopped, time.monotonic() - started)


# mutmut 3.8's exit codes (mutmut.__main__.status_by_exit_code)
STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    2: "interrupted",
    None: "not checked",
    33: "no tests",
    34: "skipped",
    35: "suspicious",
    36: "timeout",
    37: "caught by type check",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    -11: "segfault",
    -9: "segfault",
}


def status_of(code: int | None) -> str:
    return STATUS.get(code, f"exit {code}")


def summarise(
    name: str,
    work: Path,
    target: Target,
    chosen: list[str],
    total: int,
    stopped: bool,
    seconds: float,
) -> dict[str, object]:
    codes: dict[str, int | None] = {}
    for meta in metas(work, target):
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    argued = equivalents().get(name, {})
    counts: dict[str, int] = {}
    survivors: list[str] = []
    for mutant in chosen:
        status = status_of(codes.get(mutant))
        if status == "survived" and mutant in argued:
            status = "equivalent"
        counts[status] = counts.get(status, 0) + 1
        if status == "survived":
            survivors.append(mutant)
    killed = sum(n for s, n in counts.items() if s in KILLED)
    judged = killed + counts.get("survived", 0)
    with (WORK / f"{name}.txt").open("w", encoding="utf-8") as out:
        for mutant in survivors:
            shown = subprocess.run(
                [sys.executable, "-m", "mutmut", "show", mutant],
                cwd=work,
                env=env(),
                capture_output=True,
                text=True,
                check=False,
            )
            out.write(f"== {mutant}\n{shown.stdout}\n")
    return {
        "module": name,
        "sources": list(target.sources),
        "tests": list(target.tests),
        "mutants_in_module": total,
        "mutants_run": len(chosen),
        "counts": counts,
        "killed": killed,
        "survived": counts.get("survived", 0),
        "equivalent": counts.get("equivalent", 0),
        "score": round(killed / judged, 4) if judged else None,
        "survivors": survivors,
        "stopped_by_timeout": stopped,
        "seconds": round(seconds),
        "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def equivalents() -> dict[str, dict[str, str]]:
    if not EQUIVALENT.exists():
        return {}
    return tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))


def table(results: dict[str, dict[str, object]]) -> str:
    rows = [
        f"{'module':30} {'mutants':>8} {'run':>5} {'killed':>6} {'surv':>5} "
        f"{'equiv':>5} {'other':>5} {'score':>7}"
    ]
    for name in TARGETS:
        r = results.get(name)
        if r is None:
            rows.append(f"{name:30} {'not yet measured':>45}")
            continue
        other = int(r["mutants_run"]) - int(r["killed"]) - int(r["survived"]) - int(r["equivalent"])  # type: ignore[call-overload]
        score = "-" if r["score"] is None else f"{100 * float(r['score']):.1f}%"  # type: ignore[arg-type]
        rows.append(
            f"{name:30} {r['mutants_in_module']:>8} {r['mutants_run']:>5} "
            f"{r['killed']:>6} {r['survived']:>5} {r['equivalent']:>5} {other:>5} "
            f"{score:>7}" + ("  (stopped)" if r["stopped_by_timeout"] else "")
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "-m",
        "--module",
        action="append",
        choices=sorted(TARGETS),
        help="only this target (repeatable); default: all",
    )
    parser.add_argument(
        "--max-mutants",
        type=int,
        default=0,
        help="a seeded sample of at most this many mutants per target (0: all)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the sample")
    parser.add_argument("--jobs", type=int, default=2, help="mutmut's parallel children")
    parser.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        help="stop a target's run after this many seconds (partial result)",
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="re-check only the survivors recorded in the score file",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "mutation-score.json",
        help="the score file (targets not run keep their previous entry)",
    )
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    results: dict[str, dict[str, object]] = {}
    if args.json.exists():
        results = json.loads(args.json.read_text(encoding="utf-8"))["modules"]
    for name in args.module or list(TARGETS):
        print(f"== {name}", flush=True)
        results[name] = run_target(name, TARGETS[name], args, results.get(name))
        print(table(results).splitlines()[list(TARGETS).index(name) + 1], flush=True)
        args.json.write_text(  # after every target: a stopped run keeps what it measured
            json.dumps({"tool": "mutmut", "modules": results}, indent=1) + "\n",
            encoding="utf-8",
        )
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
