"""A Chaos Toolkit provider module for tests/advanced/test_chaos.py.

The Chaos Toolkit calls `probe` for each steady-state probe and `inject` for each action
of the method; `inject` switches the observed system from the steady-state observation to
the faulted one, which the test computed with otlpkb's simulator beforehand.
"""

from __future__ import annotations

STATE: dict[str, dict[str, float]] = {}


def probe(metric: str) -> float:
    return STATE["observation"][metric]


def inject(kind: str, start: float, duration: float, magnitude: float) -> None:
    STATE["observation"] = STATE["faulted"]
