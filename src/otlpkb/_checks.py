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
import reprlib

import numpy as np
import numpy.typing as npt

__all__ = ["integer", "non_negative", "positive", "real", "real_array"]


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


def integer(name: str, value: object, minimum: int | None = None) -> int:
    """``value`` as an ``int`` (``bool`` refused), at least ``minimum`` when one is given.

    ``TypeError`` for a non-integer, ``ValueError`` below ``minimum``.

    Examples:
        >>> integer("queue_size", 1000, minimum=1)
        1000
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if minimum is not None and int(value) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def real_array(name: str, value: object) -> npt.NDArray[np.float64]:
    """A number or an array of numbers as a float array; ``TypeError`` for anything else.

    Strings, booleans, ``None`` and other objects are refused with the argument's name
    (numpy would otherwise turn ``"1"`` into 1.0, or fail with a message naming nothing).
    Whether the values must be finite, positive or in a range is the caller's rule.

    Examples:
        >>> real_array("load", [1, 2.5]).tolist()
        [1.0, 2.5]
    """
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":  # b(ool), U (str), O (object), c (complex), ...
        raise TypeError(
            f"{name} must be a number or an array of numbers, got {reprlib.repr(value)}"
        )
    return arr.astype(np.float64)
