"""A simulated Collector traces pipeline, built from a `PipelineConfig`.

``Pipeline(config).run(until=..., seed=...)`` wires sources → receiver → memory
limiter → batch processor → sending queue and consumers → retrying exporter → back end
in a fresh SimPy environment and returns a `PipelineResult`. Every random stream
is derived from ``seed`` with `numpy.random.SeedSequence` (one child per source,
one for the back end, one for the retry jitter), so the same seed gives identical
results and no global random state is touched.

See the chapter *Throughput theory* (1.3).

Examples:
    >>> from otlpkb.sim import BatchConfig, PoissonSource
    >>> cfg = PipelineConfig(sources=(PoissonSource(rate=200.0, items_per_request=10),),
    ...                      batch=BatchConfig(send_batch_size=500, timeout=0.2))
    >>> r = Pipeline(cfg).run(until=30.0, seed=7)
    >>> r.metrics["otelcol_exporter_queue_capacity"]
    1000.0
    >>> m = r.metrics
    >>> m["otelcol_receiver_accepted_spans"] == (m["otelcol_exporter_sent_spans"]
    ...     + m["otelcol_exporter_send_failed_spans"] + r.dropped_items + r.pending_items)
    True
    >>> r2 = Pipeline(cfg).run(until=30.0, seed=7)  # same seed, same run
    >>> r2.metrics == r.metrics and bool((r2.e2e_latency == r.e2e_latency).all())
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from otlpkb.sim.components import (
    Backend,
    Batcher,
    Exporter,
    MemoryLimiter,
    Pool,
    Request,
)
from otlpkb.sim.config import PipelineConfig
from otlpkb.sim.metrics import PipelineResult, Recorder
from otlpkb.sim.sources import source_process

__all__ = ["Pipeline", "PipelineState"]


@dataclass(frozen=True)
class PipelineState:
    """Where every accepted item is, right after one event of a run (see `Pipeline.run`).

    Each field is read from the component that holds the items, not from a running
    total, so a component that loses items without counting them shows up as a gap:
    ``received == exported + batched + queued + in_flight + failed + dropped`` holds
    after every event of a correct pipeline.

    Attributes:
        time: simulated time of the event.
        event: 1-based index of the event in the run.
        received: items the receiver accepted (``otelcol_receiver_accepted_spans``).
        exported: items the back end acknowledged (``otelcol_exporter_sent_spans``).
        batched: items in the batch processor's buffer.
        queued: items of the requests waiting in the sending queue.
        in_flight: items of requests taken by a consumer and not settled yet.
        failed: items counted as ``otelcol_exporter_send_failed_spans``.
        dropped: accepted items dropped, and counted, at a full sending queue.
        refused: items refused to the sender (not accepted, so not in ``received``).
    """

    time: float
    event: int
    received: int
    exported: int
    batched: int
    queued: int
    in_flight: int
    failed: int
    dropped: int
    refused: int


class Pipeline:
    """A pipeline ready to run; the configuration is validated when it is built.

    Args:
        config: the pipeline configuration.
        exporter: the class of the sending queue and exporter: `Exporter` or a
            subclass of it (e.g. a faulty one, to test a monitor against it).

    Raises:
        TypeError: if ``config`` is not a `PipelineConfig` or ``exporter`` is not a
            subclass of `Exporter`.
    """

    def __init__(self, config: PipelineConfig, *, exporter: type[Exporter] = Exporter) -> None:
        if not isinstance(config, PipelineConfig):
            raise TypeError(f"config must be a PipelineConfig, got {config!r}")
        if not (isinstance(exporter, type) and issubclass(exporter, Exporter)):
            raise TypeError(f"exporter must be a subclass of Exporter, got {exporter!r}")
        self.config = config
        self.exporter = exporter

    def run(
        self,
        until: float,
        seed: int | None = 0,
        monitor: Callable[[PipelineState], None] | None = None,
    ) -> PipelineResult:
        """Simulate ``until`` seconds and return the metrics and latency samples.

        Args:
            until: simulated seconds, > 0.
            seed: seed of every random stream of the run (an int >= 0, or ``None``
                for fresh entropy).
            monitor: called with a `PipelineState` after every event the run
                processes (SimPy's ``step``), in order; it observes and must not change
                the run, which gives the same result with or without it.

        Returns:
            The run's `PipelineResult`.

        Raises:
            ValueError: if ``until`` is not a finite positive number.
            TypeError: if ``monitor`` is neither callable nor None.
        """
        if isinstance(until, bool) or not isinstance(until, int | float):
            raise TypeError(f"until must be a number, got {until!r}")
        if not math.isfinite(until) or until <= 0:
            raise ValueError(f"until must be a finite number > 0, got {until!r}")
        if monitor is not None and not callable(monitor):
            raise TypeError(f"monitor must be callable or None, got {monitor!r}")
        cfg = self.config
        env = simpy.Environment()
        seq = np.random.SeedSequence(seed)
        s_sources, s_backend, s_retry = seq.spawn(3)
        rec = Recorder(queue_capacity=cfg.queue.queue_size)
        pool = Pool()
        backend = Backend(env, cfg.backend, np.random.default_rng(s_backend))
        exporter = self.exporter(
            env,
            cfg.queue,
            cfg.retry,
            cfg.timeout,
            backend,
            rec,
            pool,
            np.random.default_rng(s_retry),
        )
        limiter = MemoryLimiter(env, cfg.memory_limiter, pool) if cfg.memory_limiter else None

        def dropped(items: int) -> None:
            rec.dropped += items
            pool.items -= items

        batcher = Batcher(env, cfg.batch, rec, exporter.enqueue, dropped) if cfg.batch else None

        # --8<-- [start:pipeline]
        def receive(items: int) -> None:
            if limiter is not None and limiter.refusing:
                rec.refused += items
                rec.limiter_refused += items
                return
            if batcher is not None:
                rec.accepted += items
                pool.items += items
                batcher.add(items)
            elif exporter.enqueue(Request([(env.now, items)], items)):
                rec.accepted += items
                pool.items += items
            else:  # the queue's error travels back to the receiver
                rec.refused += items

        # --8<-- [end:pipeline]

        for src, s in zip(cfg.sources, s_sources.spawn(len(cfg.sources)), strict=True):
            env.process(source_process(env, src, np.random.default_rng(s), receive))

        def sampler() -> Generator[simpy.Event, Any, None]:
            item_bytes = cfg.memory_limiter.item_bytes if cfg.memory_limiter else 1024.0
            base = cfg.memory_limiter.base_mib if cfg.memory_limiter else 0.0
            while True:
                rec.times.append(env.now)
                rec.queue_size.append(exporter.queue_size)
                rec.memory_mib.append(base + pool.items * item_bytes / 2**20)
                rec.in_flight.append(exporter.busy)
                rec.scrapes.append((env.now, rec.counters(exporter.queue_size)))
                yield env.timeout(cfg.sample_interval)

        env.process(sampler())
        if monitor is None:
            env.run(until=until)
        else:
            # --8<-- [start:monitor]
            events = 0
            while env.peek() < until:  # the events env.run(until) would process
                env.step()
                events += 1
                monitor(
                    PipelineState(
                        time=env.now,
                        event=events,
                        received=rec.accepted,
                        exported=rec.sent,
                        batched=batcher.count if batcher is not None else 0,
                        queued=exporter.queued_items,
                        in_flight=exporter.in_flight_items,
                        failed=rec.send_failed,
                        dropped=rec.dropped,
                        refused=rec.refused,
                    )
                )
            env.run(until=until)  # nothing is left before until: only the clock moves
            # --8<-- [end:monitor]
        return rec.result(
            until=float(until), queue_size=exporter.queue_size, pending_items=pool.items
        )
