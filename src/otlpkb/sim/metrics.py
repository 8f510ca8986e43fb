"""What a simulated pipeline reports: the Collector's own metrics and latency samples.

`Recorder` is the mutable tally a run writes into; `Recorder.result`
freezes it into a `PipelineResult` with the Collector's metric names
(``otelcol_receiver_accepted_spans``, ``otelcol_exporter_queue_size`` ...), per-item
latency arrays and sampled time series.

See the chapter *Throughput theory* (1.3).

Examples:
    >>> r = Recorder(queue_capacity=10)
    >>> r.accepted += 5
    >>> res = r.result(until=1.0, queue_size=0, pending_items=5)
    >>> res.metrics["otelcol_receiver_accepted_spans"]
    5.0
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["METRIC_NAMES", "PipelineResult", "Recorder"]

FloatArray = npt.NDArray[np.float64]

METRIC_NAMES: tuple[str, ...] = (
    "otelcol_receiver_accepted_spans",
    "otelcol_receiver_refused_spans",
    "otelcol_processor_memory_limiter_refused_spans",
    "otelcol_processor_batch_batch_size_trigger_send",
    "otelcol_processor_batch_timeout_trigger_send",
    "otelcol_exporter_sent_spans",
    "otelcol_exporter_send_failed_spans",
    "otelcol_exporter_enqueue_failed_spans",
    "otelcol_exporter_queue_size",
    "otelcol_exporter_queue_capacity",
)
"""The metric names a `PipelineResult` carries, as the Collector spells them
(without the ``_total`` suffix that the Prometheus exposition adds to counters)."""


@dataclass(frozen=True, eq=False)
class PipelineResult:
    """The outcome of `otlpkb.sim.Pipeline.run`.

    Attributes:
        until: simulated seconds.
        metrics: the Collector's metric names (`METRIC_NAMES`) to their final
            values (counters are totals; ``otelcol_exporter_queue_size`` is the final
            gauge value).
        pending_items: items still inside the pipeline at the end (batch buffer, queue,
            exports in flight or backing off).
        dropped_items: items the receiver accepted that were dropped at a full sending
            queue (behind a batch processor, which swallows the error). Spans are
            conserved: ``accepted == sent + send_failed + dropped_items + pending_items``.
        e2e_latency: per successfully exported item, seconds from receipt to the back
            end's acknowledgement.
        batch_wait: per item that left the batch processor, seconds spent in its buffer.
        batch_sizes: items in each batch the batch processor sent
            (``otelcol_processor_batch_batch_send_size`` observations).
        queue_wait: per request taken by a consumer, seconds spent in the sending queue.
        attempts: export attempts (first tries and retries).
        retries: export attempts that were retries.
        times: sample times of the time series.
        queue_size: ``otelcol_exporter_queue_size`` at each sample time.
        memory_mib: modelled memory in use at each sample time.
        in_flight: busy consumers (exporting or backing off) at each sample time.
        scrapes: at each sample time, the metrics (as in ``metrics``) a scrape of the
            Collector would have read then: ``(time, metrics)`` pairs.
    """

    until: float
    metrics: dict[str, float]
    pending_items: int
    dropped_items: int
    e2e_latency: FloatArray
    batch_wait: FloatArray
    batch_sizes: FloatArray
    queue_wait: FloatArray
    attempts: int
    retries: int
    times: FloatArray
    queue_size: FloatArray
    memory_mib: FloatArray
    in_flight: FloatArray
    scrapes: tuple[tuple[float, dict[str, float]], ...] = ()

    @property
    def throughput(self) -> float:
        """Exported spans per simulated second."""
        return self.metrics["otelcol_exporter_sent_spans"] / self.until

    @property
    def loss_fraction(self) -> float:
        """Spans refused, dropped or failed, over spans offered to the receiver."""
        m = self.metrics
        offered = m["otelcol_receiver_accepted_spans"] + m["otelcol_receiver_refused_spans"]
        if offered == 0:
            return 0.0
        lost = (
            m["otelcol_receiver_refused_spans"]
            + m["otelcol_exporter_send_failed_spans"]
            + self.dropped_items
        )
        return lost / offered


@dataclass
class Recorder:
    """Mutable tallies written during a run (internal to the simulator's components)."""

    queue_capacity: int
    accepted: int = 0
    refused: int = 0
    limiter_refused: int = 0
    size_triggers: int = 0
    timeout_triggers: int = 0
    sent: int = 0
    send_failed: int = 0
    enqueue_failed: int = 0
    dropped: int = 0
    attempts: int = 0
    retries: int = 0
    e2e_lat: list[float] = field(default_factory=list)
    e2e_cnt: list[int] = field(default_factory=list)
    bwait_lat: list[float] = field(default_factory=list)
    bwait_cnt: list[int] = field(default_factory=list)
    batch_sizes: list[int] = field(default_factory=list)
    queue_wait: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    queue_size: list[int] = field(default_factory=list)
    memory_mib: list[float] = field(default_factory=list)
    in_flight: list[int] = field(default_factory=list)
    scrapes: list[tuple[float, dict[str, float]]] = field(default_factory=list)

    def counters(self, queue_size: int) -> dict[str, float]:
        """The Collector metrics as they stand now (counters so far, the queue gauge)."""
        return {
            "otelcol_receiver_accepted_spans": float(self.accepted),
            "otelcol_receiver_refused_spans": float(self.refused),
            "otelcol_processor_memory_limiter_refused_spans": float(self.limiter_refused),
            "otelcol_processor_batch_batch_size_trigger_send": float(self.size_triggers),
            "otelcol_processor_batch_timeout_trigger_send": float(self.timeout_triggers),
            "otelcol_exporter_sent_spans": float(self.sent),
            "otelcol_exporter_send_failed_spans": float(self.send_failed),
            "otelcol_exporter_enqueue_failed_spans": float(self.enqueue_failed),
            "otelcol_exporter_queue_size": float(queue_size),
            "otelcol_exporter_queue_capacity": float(self.queue_capacity),
        }

    def result(self, until: float, queue_size: int, pending_items: int) -> PipelineResult:
        """Freeze the tallies into a `PipelineResult`."""
        metrics = self.counters(queue_size)

        def rep(lat: list[float], cnt: list[int]) -> FloatArray:
            return np.repeat(np.asarray(lat, dtype=np.float64), np.asarray(cnt, dtype=np.int64))

        return PipelineResult(
            until=until,
            metrics=metrics,
            pending_items=pending_items,
            dropped_items=self.dropped,
            e2e_latency=rep(self.e2e_lat, self.e2e_cnt),
            batch_wait=rep(self.bwait_lat, self.bwait_cnt),
            batch_sizes=np.asarray(self.batch_sizes, dtype=np.float64),
            queue_wait=np.asarray(self.queue_wait, dtype=np.float64),
            attempts=self.attempts,
            retries=self.retries,
            times=np.asarray(self.times, dtype=np.float64),
            queue_size=np.asarray(self.queue_size, dtype=np.float64),
            memory_mib=np.asarray(self.memory_mib, dtype=np.float64),
            in_flight=np.asarray(self.in_flight, dtype=np.float64),
            scrapes=tuple(self.scrapes),
        )
