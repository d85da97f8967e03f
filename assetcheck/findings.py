"""Findings and severities: the plain values every other part of assetcheck passes around."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.IntEnum):
    """How bad a finding is. Ordered, so ``severity >= Severity.WARNING`` reads naturally."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r} (expected error, warning or info)"
            ) from None


@dataclass(frozen=True, slots=True)
class Problem:
    """What a rule yields: the rule's code and severity are stamped on by the engine.

    ``message`` says what is wrong and what was expected; ``hint`` says how to fix it.
    ``entry`` is the path inside the archive or source tree (``None`` for the file itself),
    relative to the view that produced it; the engine chains nested archives with ``!/``.
    """

    message: str
    entry: str | None = None
    hint: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem as reported: the rule's code and severity, and where it is.

    ``integrity`` marks a finding that says the file or the entry could not be read or
    trusted: no option switches it off, and no upload sends its file.
    """

    code: str
    severity: Severity
    message: str
    entry: str | None = None
    hint: str | None = None
    line: int | None = None
    integrity: bool = False
    # Why the policy step switched it off (a per-path ignore, later a baseline); None: active.
    # A suppressed finding stays in the machine-readable reports, marked, and fails nothing.
    suppressed: str | None = None

    @property
    def active(self) -> bool:
        return self.suppressed is None

    def sort_key(self) -> tuple[int, str, str]:
        return (-self.severity, self.entry or "", self.code)
