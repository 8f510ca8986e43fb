r"""Chaos experiments on OTLP pipelines: steady-state hypotheses, injected faults, reports.

The reference implementation of the chapter *Chaos engineering* (A.1). An experiment has
the shape the Chaos Toolkit gives it:

* a *steady-state hypothesis*: `Probe` predicates on metrics (a metric name and an
  inclusive tolerance range), checked before the method and after it;
* a *method*: `Fault` injections (latency, loss, partition, a slow back end, throttling);
* *rollbacks*: every fault has a window, and the run goes on after the window ends, so
  the after-check sees whether the pipeline came back.

`run_experiment` runs one against the simulated pipeline of `otlpkb.sim` and returns an
`ExperimentReport` (``completed``, ``deviated``, or ``failed`` when the steady state did not
hold to begin with: the Chaos Toolkit's verdicts), with the data lost and the probes that
broke; `smallest_breaking` bisects a fault's magnitude for the smallest one that breaks
the hypothesis; and `to_chaostoolkit` writes the experiment in the Chaos Toolkit's own format.

Two faults run against real processes on this machine: `kill_wal_writer` kills a process
that writes a write-ahead log (`otlpkb.recovery.wal`) with SIGKILL and counts the
acknowledged records that recovery brings back, and `fill_disk_under_wal` lets a writer
hit a file-size limit (``RLIMIT_FSIZE``: the kernel's "disk full" for one process) and
checks what survives; `stall_http_receiver` points the OpenTelemetry SDK's OTLP/HTTP
exporter at a local receiver process that stalls before it answers.

See the chapter *Chaos engineering* (A.1).

Examples:
    >>> from otlpkb.sim import PipelineConfig, PoissonSource, QueueConfig
    >>> cfg = PipelineConfig(sources=(PoissonSource(rate=20.0),), batch=None,
    ...                      queue=QueueConfig(queue_size=500, num_consumers=2))
    >>> no_loss = Probe("nothing lost", "lost_spans", high=0)
    >>> short = Experiment("short partition", (no_loss,), (Fault("partition", 10.0, 2.0),))
    >>> run_experiment(short, cfg, duration=60.0).status
    'completed'
    >>> long = Experiment("long partition", (no_loss,), (Fault("partition", 10.0, 30.0),))
    >>> run_experiment(long, cfg, duration=60.0).status
    'deviated'
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from otlpkb._checks import integer, non_negative, positive, real
from otlpkb.recovery.wal import RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE, WriteAheadLog
from otlpkb.sim import (
    Outage,
    Pipeline,
    PipelineConfig,
    PipelineResult,
    Slowdown,
    Throttle,
)

__all__ = [
    "FAULT_KINDS",
    "CrashResult",
    "DiskFullResult",
    "Experiment",
    "ExperimentReport",
    "Fault",
    "FaultKind",
    "Probe",
    "ProbeResult",
    "StallResult",
    "apply_faults",
    "fill_disk_under_wal",
    "kill_wal_writer",
    "observe",
    "records_that_fit",
    "run_experiment",
    "smallest_breaking",
    "stall_http_receiver",
    "to_chaostoolkit",
]

FaultKind = Literal["latency", "loss", "partition", "slow_backend", "throttle"]
#: The faults the simulated pipeline can take.
FAULT_KINDS: tuple[str, ...] = ("latency", "loss", "partition", "slow_backend", "throttle")
Status = Literal["completed", "deviated", "failed"]


@dataclass(frozen=True)
class Fault:
    """One injected fault.

    Attributes:
        kind: ``"partition"`` (every export fails with ``UNAVAILABLE`` in the window),
            ``"slow_backend"`` (service times multiplied by `magnitude` in the window),
            ``"throttle"`` (HTTP 429 with ``Retry-After`` `magnitude` seconds in the
            window), ``"latency"`` (`magnitude` seconds added to every export's round
            trip) or ``"loss"`` (each export attempt fails with probability `magnitude`).
            Latency and loss last the whole run: the simulator's knobs for them are
            constant.
        start: seconds from the start of the run.
        duration: length of the window in seconds (its end is the fault's rollback).
        magnitude: the factor, delay or probability of the kind (unused by partition).
    """

    kind: FaultKind
    start: float = 0.0
    duration: float = math.inf
    magnitude: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}, got {self.kind!r}")
        non_negative("start", self.start)
        if not (isinstance(self.duration, (int, float)) and self.duration > 0):
            raise ValueError(f"duration must be a number > 0, got {self.duration!r}")
        m = non_negative("magnitude", self.magnitude)
        if self.kind == "loss" and m > 1:
            raise ValueError(f"magnitude of a loss fault must lie in [0, 1], got {m!r}")
        if self.kind == "slow_backend" and m <= 0:
            raise ValueError(f"magnitude of a slow_backend fault must be > 0, got {m!r}")

    @property
    def end(self) -> float:
        """When the fault is rolled back."""
        return self.start + self.duration


@dataclass(frozen=True)
class Probe:
    """A steady-state predicate: ``low <= observation[metric] <= high``.

    The tolerance is inclusive at both ends, like the Chaos Toolkit's two-element list.

    Attributes:
        name: what the probe checks, in words.
        metric: a key of `observe`'s result (a Collector metric name or a derived one).
        low: smallest value that holds.
        high: largest value that holds.
    """

    name: str
    metric: str
    low: float = -math.inf
    high: float = math.inf

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        if not isinstance(self.metric, str) or not self.metric:
            raise ValueError(f"metric must be a non-empty string, got {self.metric!r}")
        for field, v in (("low", self.low), ("high", self.high)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
                raise TypeError(f"{field} must be a number, got {v!r}")
        if self.low > self.high:
            raise ValueError(f"low must be <= high ({self.high!r}), got {self.low!r}")

    def holds(self, observation: dict[str, float]) -> bool:
        """Whether the observed value lies within the tolerance."""
        if self.metric not in observation:
            raise KeyError(f"metric {self.metric!r} is not observed; known: {sorted(observation)}")
        # --8<-- [start:probe]
        return self.low <= observation[self.metric] <= self.high
        # --8<-- [end:probe]


@dataclass(frozen=True)
class Experiment:
    """A chaos experiment: a hypothesis, a method of faults, and its title.

    Attributes:
        title: what the experiment asks.
        hypothesis: the steady-state probes (all must hold).
        method: the faults to inject.
    """

    title: str
    hypothesis: tuple[Probe, ...]
    method: tuple[Fault, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "hypothesis", tuple(self.hypothesis))
        object.__setattr__(self, "method", tuple(self.method))
        if not self.hypothesis:
            raise ValueError("hypothesis must hold at least one Probe, got none")
        for i, p in enumerate(self.hypothesis):
            if not isinstance(p, Probe):
                raise TypeError(f"hypothesis[{i}] must be a Probe, got {p!r}")
        for i, f in enumerate(self.method):
            if not isinstance(f, Fault):
                raise TypeError(f"method[{i}] must be a Fault, got {f!r}")


@dataclass(frozen=True)
class ProbeResult:
    """One probe's values and verdicts before and after the method."""

    probe: Probe
    before: float
    after: float | None
    held_before: bool
    held_after: bool | None


@dataclass(frozen=True)
class ExperimentReport:
    """What an experiment found.

    Attributes:
        title: the experiment's title.
        status: ``"completed"`` (the hypothesis held before and after), ``"deviated"``
            (it held before, not after) or ``"failed"`` (it did not hold before; the
            method was not run). The Chaos Toolkit's journal records the same verdicts
            as ``steady_states.before.steady_state_met`` and ``deviated``.
        probes: every probe's values and verdicts.
        breached: names of the probes that did not hold after the method.
        lost_spans: spans refused, dropped or failed in the faulted run.
        rollbacks: the faults, with the time each was rolled back (``inf``: never).
        before: the steady-state observation.
        after: the observation of the faulted run (``None`` when the method was not run).
    """

    title: str
    status: Status
    probes: tuple[ProbeResult, ...]
    breached: tuple[str, ...]
    lost_spans: float
    rollbacks: tuple[tuple[str, float], ...]
    before: dict[str, float]
    after: dict[str, float] | None


def apply_faults(config: PipelineConfig, faults: Sequence[Fault]) -> PipelineConfig:
    """The pipeline configuration with the faults injected into its back end.

    Examples:
        >>> from otlpkb.sim import PipelineConfig, PoissonSource
        >>> cfg = apply_faults(PipelineConfig(sources=(PoissonSource(rate=1.0),)),
        ...                    [Fault("partition", 5.0, 10.0), Fault("latency", magnitude=0.2)])
        >>> cfg.backend.outages[0].end, cfg.backend.network_latency
        (15.0, 0.2)
    """
    if not isinstance(config, PipelineConfig):
        raise TypeError(f"config must be a PipelineConfig, got {config!r}")
    b = config.backend
    # --8<-- [start:inject]
    for f in faults:
        if f.kind == "partition":
            b = dataclasses.replace(b, outages=(*b.outages, Outage(f.start, f.end)))
        elif f.kind == "slow_backend":
            slow = Slowdown(f.start, f.end, factor=f.magnitude)
            b = dataclasses.replace(b, slowdowns=(*b.slowdowns, slow))
        elif f.kind == "throttle":
            limit = Throttle(f.start, f.end, retry_after=f.magnitude)
            b = dataclasses.replace(b, throttles=(*b.throttles, limit))
        elif f.kind == "latency":
            b = dataclasses.replace(b, network_latency=b.network_latency + f.magnitude)
        else:  # loss: each attempt fails with this probability
            b = dataclasses.replace(b, error_probability=f.magnitude)
    # --8<-- [end:inject]
    return dataclasses.replace(config, backend=b)


def observe(result: PipelineResult) -> dict[str, float]:
    """The metrics probes can test: the Collector's own, and a few derived from the run.

    Derived: ``lost_spans`` (refused + failed + dropped), ``loss_fraction``,
    ``throughput`` (spans/s sent), ``mean_latency`` and ``p99_latency`` (seconds from
    receipt to the back end's answer, ``inf`` when nothing was exported),
    ``attempts_per_request`` (export attempts per first attempt) and ``max_queue_size``.
    """
    if not isinstance(result, PipelineResult):
        raise TypeError(f"result must be a PipelineResult, got {result!r}")
    m = result.metrics
    lat = result.e2e_latency
    first = result.attempts - result.retries
    lost = (
        m["otelcol_receiver_refused_spans"]
        + m["otelcol_exporter_send_failed_spans"]
        + result.dropped_items
    )
    return {
        **m,
        "lost_spans": float(lost),
        "loss_fraction": result.loss_fraction,
        "throughput": result.throughput,
        "mean_latency": float(lat.mean()) if lat.size else math.inf,
        "p99_latency": float(np.quantile(lat, 0.99)) if lat.size else math.inf,
        "attempts_per_request": result.attempts / first if first else 0.0,
        "max_queue_size": float(result.queue_size.max()) if result.queue_size.size else 0.0,
    }


def run_experiment(
    experiment: Experiment, config: PipelineConfig, *, duration: float, seed: int = 0
) -> ExperimentReport:
    """Run an experiment against the simulated pipeline, as the Chaos Toolkit runs one.

    The steady state is a run of `config` without faults. If a probe fails there, the
    experiment is ``failed`` and the method does not run. Otherwise the same run (same
    seed, so the same arrivals) is repeated with the method's faults, each rolled back at
    the end of its window, and the hypothesis is checked on it: ``completed`` if every
    probe holds, ``deviated`` if one does not.

    Args:
        experiment: the experiment.
        config: the pipeline without faults.
        duration: simulated seconds of each run (the faults' windows should end before).
        seed: seed of both runs.
    """
    if not isinstance(experiment, Experiment):
        raise TypeError(f"experiment must be an Experiment, got {experiment!r}")
    until = positive("duration", duration)
    s = integer("seed", seed, minimum=0)
    before = observe(Pipeline(config).run(until=until, seed=s))
    # --8<-- [start:run]
    held_before = [p.holds(before) for p in experiment.hypothesis]
    if not all(held_before):  # no steady state to begin with: do not inject anything
        results = [
            ProbeResult(p, before[p.metric], None, ok, None)
            for p, ok in zip(experiment.hypothesis, held_before)
        ]
        return ExperimentReport(
            experiment.title, "failed", tuple(results), (), 0.0, (), before, None
        )
    after = observe(Pipeline(apply_faults(config, experiment.method)).run(until, s))
    held_after = [p.holds(after) for p in experiment.hypothesis]
    status: Status = "completed" if all(held_after) else "deviated"
    # --8<-- [end:run]
    results = [
        ProbeResult(p, before[p.metric], after[p.metric], True, ok)
        for p, ok in zip(experiment.hypothesis, held_after)
    ]
    return ExperimentReport(
        title=experiment.title,
        status=status,
        probes=tuple(results),
        breached=tuple(r.probe.name for r in results if not r.held_after),
        lost_spans=after["lost_spans"],
        rollbacks=tuple((f.kind, f.end) for f in experiment.method),
        before=before,
        after=after,
    )


def smallest_breaking(
    make: Callable[[float], Experiment],
    config: PipelineConfig,
    *,
    low: float,
    high: float,
    duration: float,
    tolerance: float,
    seed: int = 0,
) -> float | None:
    """The smallest fault magnitude that makes the experiment deviate, by bisection.

    `make` builds the experiment for a magnitude (an outage's length, a slow-down
    factor). The search assumes that a bigger fault breaks at least as much, and stops
    when the bracket is narrower than `tolerance`.

    Args:
        make: magnitude -> experiment.
        config: the pipeline.
        low: a magnitude expected to hold.
        high: a magnitude expected to break.
        duration: simulated seconds of each run.
        tolerance: width of the final bracket.
        seed: seed of every run.

    Returns:
        The upper end of the final bracket, `low` if `low` already breaks, or ``None``
        if even `high` does not.
    """
    lo, hi = real("low", low), real("high", high)
    if lo >= hi:
        raise ValueError(f"low must be < high ({high!r}), got {low!r}")
    tol = positive("tolerance", tolerance)

    def breaks(x: float) -> bool:
        report = run_experiment(make(x), config, duration=duration, seed=seed)
        if report.status == "failed":
            raise ValueError(f"the steady state does not hold, so no fault breaks it (at {x})")
        return report.status == "deviated"

    if breaks(lo):
        return lo
    if not breaks(hi):
        return None
    # --8<-- [start:bisect]
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if breaks(mid):
            hi = mid
        else:
            lo = mid
    return hi
    # --8<-- [end:bisect]


def to_chaostoolkit(experiment: Experiment, provider_module: str) -> dict[str, Any]:
    """The experiment in the Chaos Toolkit's format (a dict ready for ``json.dump``).

    Each probe becomes a Python probe calling ``<provider_module>.probe(metric=...)``
    with the tolerance ``[low, high]`` (an infinite bound becomes the largest double, so
    that the document is plain JSON); each fault becomes an action calling
    ``<provider_module>.inject(kind=..., start=..., duration=..., magnitude=...)``. The
    provider module connects them to a system: the simulator, or a real Collector.

    Examples:
        >>> e = Experiment("x", (Probe("no loss", "lost_spans", 0, 0),), (Fault("loss"),))
        >>> doc = to_chaostoolkit(e, "my.provider")
        >>> doc["steady-state-hypothesis"]["probes"][0]["tolerance"]
        [0, 0]
    """
    if not isinstance(experiment, Experiment):
        raise TypeError(f"experiment must be an Experiment, got {experiment!r}")
    if not isinstance(provider_module, str) or not provider_module:
        raise ValueError(f"provider_module must be a module name, got {provider_module!r}")

    def call(func: str, **arguments: Any) -> dict[str, Any]:
        return {"type": "python", "module": provider_module, "func": func, "arguments": arguments}

    def finite(x: float) -> float:  # JSON has no infinity: the largest double stands in
        return max(min(x, sys.float_info.max), -sys.float_info.max)

    probes = [
        {
            "type": "probe",
            "name": p.name,
            "tolerance": [finite(p.low), finite(p.high)],
            "provider": call("probe", metric=p.metric),
        }
        for p in experiment.hypothesis
    ]
    actions = [
        {
            "type": "action",
            "name": f"inject {f.kind}",
            "provider": call(
                "inject", kind=f.kind, start=f.start, duration=f.duration, magnitude=f.magnitude
            ),
        }
        for f in experiment.method
    ]
    return {
        "version": "1.0.0",
        "title": experiment.title,
        "description": "generated by otlpkb.advanced.chaos",
        "steady-state-hypothesis": {"title": experiment.title, "probes": probes},
        "method": actions,
        "rollbacks": [],
    }


# ------------------------------------------------------------------- real processes

_WRITER = r"""
import os, signal, sys
from otlpkb.recovery.wal import WriteAheadLog
path, records, flush_every, size, fsize = sys.argv[1:6]
records, flush_every, size, fsize = int(records), int(flush_every), int(size), int(fsize)
if fsize > 0:
    import resource
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
log = WriteAheadLog.open(path, fsync="never")
buffered = []
for i in range(records):
    buffered.append(i.to_bytes(8, "little") * (size // 8))
    if len(buffered) >= flush_every:
        try:
            for record in buffered:
                log.append(record)
        except OSError as exc:
            print("error", exc.errno, flush=True)
            buffered.clear()
            continue
        buffered.clear()
    print(i, flush=True)
print("done", flush=True)
if fsize == 0:
    sys.stdin.read()
log.close()
"""


def _payload(i: int, size: int) -> bytes:
    return i.to_bytes(8, "little") * (size // 8)


def _recovered(path: Path, size: int) -> int:
    """Length of the prefix 0, 1, 2, ... of intact records the log replays."""
    with WriteAheadLog.open(path) as log:
        count = 0
        for seq, data in log.replay():
            if seq != count or data != _payload(count, size):
                break
            count += 1
    return count


def _writer(path: Path, records: int, flush_every: int, size: int, fsize: int) -> Any:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    args = [str(path), str(records), str(flush_every), str(size), str(fsize)]
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


@dataclass(frozen=True)
class CrashResult:
    """What a SIGKILL did to a write-ahead log writer (`kill_wal_writer`).

    Attributes:
        acknowledged: records the writer acknowledged before it died.
        recovered: records recovery replays, in order and intact.
        lost: acknowledged records that recovery does not bring back.
    """

    acknowledged: int
    recovered: int
    lost: int


def kill_wal_writer(
    path: str | os.PathLike[str],
    *,
    records: int,
    flush_every: int = 1,
    payload_size: int = 64,
    kill_after: int | None = None,
) -> CrashResult:
    """Start a process that writes a WAL, kill it with SIGKILL, and recover the log.

    The writer acknowledges record ``i`` (a line on its standard output) after it has
    been appended, when ``flush_every`` is 1. With ``flush_every = k > 1`` it keeps
    records in memory and appends them ``k`` at a time, yet acknowledges each as it
    arrives: the pattern of an exporter that acknowledges before it persists.

    Args:
        path: directory of the log (created; must not hold another log).
        records: records to write.
        flush_every: records held in memory before they are appended.
        payload_size: bytes per record (a multiple of 8).
        kill_after: kill as soon as this many acknowledgements were read (the writer
            keeps going meanwhile); ``None``: kill when all are acknowledged and the
            writer waits.

    Examples:
        >>> import tempfile, os
        >>> d = tempfile.mkdtemp()
        >>> kill_wal_writer(os.path.join(d, "a"), records=20)
        CrashResult(acknowledged=20, recovered=20, lost=0)
        >>> kill_wal_writer(os.path.join(d, "b"), records=20, flush_every=8).lost
        4
    """
    n = integer("records", records, minimum=1)
    k = integer("flush_every", flush_every, minimum=1)
    size = integer("payload_size", payload_size, minimum=8)
    if size % 8:
        raise ValueError(f"payload_size must be a multiple of 8, got {payload_size!r}")
    stop = n if kill_after is None else integer("kill_after", kill_after, minimum=0)
    target = Path(path)
    proc = _writer(target, n, k, size, 0)
    assert proc.stdout is not None and proc.stdin is not None
    acked = 0
    # --8<-- [start:kill]
    for line in proc.stdout:  # one line per acknowledged record, then "done"
        if line.strip() == "done" or acked >= stop:
            break
        acked += 1
    proc.send_signal(signal.SIGKILL)  # no chance to flush, close or clean up
    proc.wait()
    acked += sum(1 for line in proc.stdout if line.strip().isdigit())
    recovered = _recovered(target, size)
    # --8<-- [end:kill]
    proc.stdin.close()
    proc.stdout.close()
    return CrashResult(acked, recovered, max(acked - recovered, 0))


def records_that_fit(limit_bytes: int, payload_size: int) -> int:
    """Records of `payload_size` bytes that one WAL segment holds under a file-size limit.

    A segment starts with a `SEGMENT_HEADER_SIZE`-byte header and frames each record
    with `RECORD_HEADER_SIZE` bytes, so
    ``(limit - SEGMENT_HEADER_SIZE) // (RECORD_HEADER_SIZE + payload_size)`` fit.

    Examples:
        >>> records_that_fit(4096, 64)
        53
    """
    limit = integer("limit_bytes", limit_bytes, minimum=SEGMENT_HEADER_SIZE)
    size = integer("payload_size", payload_size, minimum=0)
    return (limit - SEGMENT_HEADER_SIZE) // (RECORD_HEADER_SIZE + size)


@dataclass(frozen=True)
class DiskFullResult:
    """What a full disk did to a write-ahead log writer (`fill_disk_under_wal`).

    Attributes:
        acknowledged: appends that succeeded.
        failed: appends that raised an ``OSError`` (the writer went on trying).
        errno: the error number of the first failure (``EFBIG`` for the limit), or 0.
        recovered: records recovery replays, in order and intact.
        writable_after: whether the log accepts an append once the limit is lifted.
    """

    acknowledged: int
    failed: int
    errno: int
    recovered: int
    writable_after: bool


def fill_disk_under_wal(
    path: str | os.PathLike[str],
    *,
    limit_bytes: int,
    records: int,
    payload_size: int = 64,
) -> DiskFullResult:
    """Run a WAL writer under a file-size limit until its appends fail, then recover.

    The writer sets ``RLIMIT_FSIZE`` (and ignores ``SIGXFSZ``), so a write past
    `limit_bytes` comes back short and the next one fails with ``EFBIG``, as a full disk
    fails with ``ENOSPC``. It tries every record and acknowledges the ones appended.

    Examples:
        >>> import tempfile, os
        >>> r = fill_disk_under_wal(os.path.join(tempfile.mkdtemp(), "w"),
        ...                         limit_bytes=2048, records=40)
        >>> r.acknowledged == records_that_fit(2048, 64) == r.recovered, r.writable_after
        (True, True)
    """
    limit = integer("limit_bytes", limit_bytes, minimum=SEGMENT_HEADER_SIZE + 1)
    n = integer("records", records, minimum=1)
    size = integer("payload_size", payload_size, minimum=8)
    if size % 8:
        raise ValueError(f"payload_size must be a multiple of 8, got {payload_size!r}")
    target = Path(path)
    proc = _writer(target, n, 1, size, limit)
    out, _ = proc.communicate("")
    lines = out.split()
    acked, failed, first_errno = 0, 0, 0
    words = iter(lines)
    for word in words:
        if word == "error":
            failed += 1
            code = int(next(words))
            first_errno = first_errno or code
        elif word.isdigit():
            acked += 1
    recovered = _recovered(target, size)
    with WriteAheadLog.open(target) as log:
        try:
            log.append(_payload(recovered, size))
            writable = True
        except OSError:
            writable = False
    return DiskFullResult(acked, failed, first_errno, recovered, writable)


_RECEIVER = r"""
import http.server, sys, time
stall = float(sys.argv[1])
class Stalling(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        print("request", flush=True)
        time.sleep(stall)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@dataclass(frozen=True)
class StallResult:
    """What a stalling OTLP/HTTP receiver did to the OpenTelemetry SDK's exporter.

    Attributes:
        exported: whether ``OTLPSpanExporter.export`` reported success.
        requests: POST requests the receiver saw (retries included).
        spans: spans in the batch.
    """

    exported: bool
    requests: int
    spans: int


def stall_http_receiver(stall: float, *, timeout: float, spans: int = 10) -> StallResult:
    """Export a batch with the OpenTelemetry SDK to a local receiver that stalls.

    A separate process serves OTLP/HTTP on a loopback port and sleeps `stall` seconds
    before it answers each request. The SDK's ``OTLPSpanExporter`` (package
    ``opentelemetry-exporter-otlp-proto-http``, in the ``docs`` extra) sends one batch of
    `spans` spans with its `timeout`, which bounds the whole export, retries included. The
    receiver is killed afterwards.

    Examples:
        >>> stall_http_receiver(0.0, timeout=5.0, spans=3).exported
        True
    """
    delay = non_negative("stall", stall)
    limit = positive("timeout", timeout)
    n = integer("spans", spans, minimum=1)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("otlpkb.advanced.chaos")
    for i in range(n):
        with tracer.start_as_current_span(f"span {i}"):
            pass
    batch = memory.get_finished_spans()
    proc = subprocess.Popen(
        [sys.executable, "-c", _RECEIVER, str(delay)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    try:
        port = int(proc.stdout.readline())
        exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces", timeout=limit)
        # --8<-- [start:stall]
        result = exporter.export(batch)  # blocks for at most `timeout` seconds
        # --8<-- [end:stall]
        exporter.shutdown()  # type: ignore[no-untyped-call]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    requests = sum(1 for line in proc.stdout if line.strip() == "request")
    proc.stdout.close()
    provider.shutdown()
    return StallResult(result.name == "SUCCESS", requests, len(batch))
