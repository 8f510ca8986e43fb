"""The HTTP ``Retry-After`` header: delay-seconds or an HTTP-date, in seconds to wait.

See the chapter *Fault-tolerance mechanisms* (2.1).

Examples:
    >>> parse_retry_after("120", now=0.0)
    120.0
    >>> parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", now=946684739.0)
    60.0
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

__all__ = ["parse_retry_after"]

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    )
}
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_LONG_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MON = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"(\d{2}):(\d{2}):(\d{2})"
_IMF = re.compile(rf"{_DAY}, (\d{{2}}) {_MON} (\d{{4}}) {_TIME} GMT")
_RFC850 = re.compile(rf"{_LONG_DAY}, (\d{{2}})-{_MON}-(\d{{2}}) {_TIME} GMT")
_ASCTIME = re.compile(rf"{_DAY} {_MON} ([ \d]\d) {_TIME} (\d{{4}})")


def parse_retry_after(value: str, now: datetime | float) -> float:
    """Seconds to wait according to an HTTP ``Retry-After`` header (RFC 9110 §10.2.3).

    The header is either ``delay-seconds`` (one or more digits) or an HTTP-date. All three
    date forms of RFC 9110 §5.6.7 are accepted: the IMF-fixdate
    (``Sun, 06 Nov 1994 08:49:37 GMT``) that senders must use, and the obsolete RFC 850
    (``Sunday, 06-Nov-94 08:49:37 GMT``) and asctime (``Sun Nov  6 08:49:37 1994``) forms.
    A two-digit RFC 850 year more than 50 years in the future of ``now`` is read as the most
    recent past year with those digits, as RFC 9110 requires. The day name is not
    cross-checked against the date. A date in the past gives 0.

    Args:
        value: the header value (surrounding whitespace is ignored).
        now: when the response was received: an aware `datetime` (a naive
            one is taken as UTC) or seconds since the Unix epoch.

    Returns:
        The delay in seconds, never negative.

    Raises:
        ValueError: the value is neither form, or the date does not exist.

    Examples:
        >>> parse_retry_after("120", now=0.0)
        120.0
        >>> parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", now=946684739.0)
        60.0
        >>> parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", now=2e9)
        0.0
    """
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, got {type(value).__name__}")
    now_ts = _epoch(now)
    # --8<-- [start:retry_after]
    text = value.strip(" \t")
    if text.isdigit() and text.isascii():
        return float(int(text))
    if m := _IMF.fullmatch(text):
        day, mon, year, hh, mm, ss = m.groups()
    elif m := _RFC850.fullmatch(text):
        day, mon, yy, hh, mm, ss = m.groups()
        year = str(_rfc850_year(int(yy), now_ts))
    elif m := _ASCTIME.fullmatch(text):
        mon, day, hh, mm, ss, year = m.groups()
    else:
        raise ValueError(f"value is not delay-seconds or an HTTP-date: {value!r}")
    try:
        when = datetime(
            int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=UTC
        ).timestamp()
    except ValueError as exc:
        raise ValueError(f"value is not a valid HTTP-date: {value!r} ({exc})") from None
    return max(0.0, when - now_ts)
    # --8<-- [end:retry_after]


def _epoch(now: datetime | float) -> float:
    if isinstance(now, datetime):
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        return now.timestamp()
    if isinstance(now, bool) or not isinstance(now, int | float) or not math.isfinite(now):
        raise ValueError(f"now must be a datetime or finite epoch seconds, got {now!r}")
    return float(now)


def _rfc850_year(yy: int, now_ts: float) -> int:
    this_year = datetime.fromtimestamp(now_ts, tz=UTC).year
    year = this_year - this_year % 100 + yy
    if year > this_year + 50:
        year -= 100
    elif year < this_year - 49:  # keep the nearest century not more than 50 years ahead
        year += 100
        if year > this_year + 50:
            year -= 100
    return year
