"""Incident response: the life cycle, degradation plans, data recovery and postmortems.

Modules:

* `otlpkb.incident.lifecycle` — the incident state machine, severity from SLO impact and
  blast radius, and MTTD / MTTA / MTTM / MTTR from incident records.
* `otlpkb.incident.degradation` — token buckets, priority shedding, the Collector's
  memory limiter and adaptive sampling, run together in a SimPy model.

See section 9, *Incident response*.
"""
