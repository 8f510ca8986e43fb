"""Incident response: the life cycle, degradation plans, data recovery and postmortems.

Modules:

* `otlpkb.incident.lifecycle` — the incident state machine, severity from SLO impact and
  blast radius, and MTTD / MTTA / MTTM / MTTR from incident records.
* `otlpkb.incident.degradation` — token buckets, priority shedding, the Collector's
  memory limiter and adaptive sampling, run together in a SimPy model.
* `otlpkb.incident.replay` — a crash-safe persistent queue, a deduplicating sink, replay
  after real crashes, and gap detection and backfill in received telemetry.
* `otlpkb.incident.postmortem` — blameless postmortems generated from incident records:
  timeline with the response intervals, impact in error budget, factors and actions.

See section 9, *Incident response*.
"""
