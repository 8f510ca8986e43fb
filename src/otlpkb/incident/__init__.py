"""Incident response: the life cycle, degradation plans, data recovery and postmortems.

Modules:

* `otlpkb.incident.lifecycle` — the incident state machine, severity from SLO impact and
  blast radius, and MTTD / MTTA / MTTM / MTTR from incident records.

See section 9, *Incident response*.
"""
