"""Argument checks shared by the library: one wording for one rule, everywhere.

Each check returns the value as a ``float`` or raises with a message that names the
argument and repeats the value, as the chapters promise: ``TypeError`` for something that is
not a real number (``bool`` included), ``ValueError`` for a number outside the rule.

Examples:
    >>> positive("rate", 2)
    2.0
    >>> positive("rate", 0)
    Traceback (most recent call last):
    ...
    ValueError: rate must be a finite number > 0, got 0
"""

from __future__ import annotations

import math
import numbers

__all__ = ["non_negative", "positive", "real"]


def real(name: str, value: object) -> float:
    """``value`` as a finite float; ``TypeError`` if it is not a real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


def positive(name: str, value: object) -> float:
    """``value`` as a float, which must be finite and > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def non_negative(name: str, value: object) -> float:
    """``value`` as a float, which must be finite and >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not (math.isfinite(v) and v >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v
