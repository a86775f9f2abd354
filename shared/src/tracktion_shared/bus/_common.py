"""Small rules both bus implementations share, so they accept and refuse the same things."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tracktion_shared.bus.base import ATTEMPT_HEADER, REASON_HEADER

__all__ = ["MAX_REASON_LENGTH", "NAME_PATTERN", "dead_letter_headers", "retry_headers", "validate_name"]

#: consumer names and prefixes become queue names (``<prefix>.<consumer>.dlq``), so they stay within safe characters.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")

#: a pydantic validation error can be pages long; a header (and a log line) with its first few KB is enough to act on.
MAX_REASON_LENGTH = 4000


def validate_name(kind: str, value: str) -> str:
    """Refuse names that would make odd or colliding queue names, the same way for both buses."""
    if not NAME_PATTERN.fullmatch(value):
        raise ValueError(f"{kind} {value!r} must be 1-100 characters of letters, digits, '_', '.' or '-'")
    return value


def retry_headers(headers: Mapping[str, Any] | None, attempt: int) -> dict[str, Any]:
    """Headers of a retried copy: the original ones (trace context included) plus how often it already failed."""
    return {**(headers or {}), ATTEMPT_HEADER: attempt}


def dead_letter_headers(headers: Mapping[str, Any] | None, reason: str, attempts: int) -> dict[str, Any]:
    """Headers of a dead letter: the original ones plus why it was given up on and after how many attempts.

    To replay a dead letter, publish its body again without these two headers, or it starts with its retries spent.
    """
    return {**(headers or {}), ATTEMPT_HEADER: attempts, REASON_HEADER: reason[:MAX_REASON_LENGTH]}
