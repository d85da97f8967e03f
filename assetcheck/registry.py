"""The one registry through which the engine finds rules.

A rule is a small generator function in a ``rules/`` module, registered with ``@rule``. Its
docstring is the user's documentation: the first line is the summary, the rest the full text.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from assetcheck.findings import Problem, Severity
from assetcheck.readers.kinds import ReaderKind

CheckFunction = Callable[[Any], Iterable[Problem]]

_RULES: dict[str, Rule] = {}


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    subject: type
    check: CheckFunction
    doc: str
    module: str
    # The rule says that a file or an entry could not be read or trusted. Such a rule always
    # runs and its findings cannot be switched off: an unread file must never pass.
    integrity: bool = False
    # The reader problem kinds this rule reports (each kind is reported by exactly one rule).
    reports: tuple[ReaderKind, ...] = ()

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""

    @property
    def family(self) -> str:
        return self.code.rstrip("0123456789")


def rule(
    code: str,
    severity: Severity,
    subject: type,
    *,
    integrity: bool = False,
    reports: tuple[ReaderKind, ...] = (),
) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``check`` as the rule ``code``, run on every ``subject`` view.

    ``integrity`` marks a rule that reports what could not be read or trusted: it runs
    whatever ``--select``/``--ignore`` say, and its findings are never suppressed.
    ``reports`` names the reader problem kinds the rule turns into findings.
    """

    def register(check: CheckFunction) -> CheckFunction:
        if code in _RULES:
            raise ValueError(f"rule code {code} is registered twice")
        # Docstrings use reStructuredText's ``code``; users read Markdown and terminals.
        doc = inspect.cleandoc(check.__doc__ or "").replace("``", "`")
        _RULES[code] = Rule(
            code, severity, subject, check, doc, check.__module__, integrity, reports
        )
        return check

    return register


def all_rules() -> list[Rule]:
    importlib.import_module("rules")
    return sorted(_RULES.values(), key=lambda r: r.code)


def get_rule(code: str) -> Rule | None:
    all_rules()
    return _RULES.get(code.upper())


def rules_for(subject: type) -> list[Rule]:
    """Rules that inspect ``subject`` views, including rules written for a base view."""
    return [r for r in all_rules() if issubclass(subject, r.subject)]
