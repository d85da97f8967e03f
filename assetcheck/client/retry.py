"""When to try again: which answers are retried, and how long to wait before the next attempt."""

from __future__ import annotations

import email.utils
import random
import re
from datetime import UTC

_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes '²' and '٣'


def retryable(status: int) -> bool:
    return status == 429 or 500 <= status < 600


def backoff(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from ``Retry-After``: ASCII delta-seconds or an HTTP-date.

    Anything else (``²``, ``soon``, a negative number) is None: the caller backs off instead.
    """
    if value is None:
        return None
    value = value.strip()
    if _DIGITS.fullmatch(value):
        return float(value) if len(value) < 16 else float("inf")
    if not value.isascii() or not any(char.isalpha() for char in value):
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    try:
        return max(0.0, when.timestamp() - now)
    except (OverflowError, OSError, ValueError):
        return None
