"""Rules and rule sets: how a rule is declared, and the set of rules an engine is handed.

A rule is a small generator function in a ``rules/`` module, declared with ``@rule``. Its
docstring is the user's documentation: the first line is the summary, the rest the full text.
Nothing here imports ``rules``: the command line builds a ``RuleSet`` from the catalogue's
explicit module list (``rules.MODULES``) and hands it to the engine, as yamllint keeps one,
so a test can run the engine with any rules it likes, a crashing one included.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from assetcheck.findings import Problem, Severity
from assetcheck.readers.kinds import ReaderKind

CheckFunction = Callable[[Any], Iterable[Problem]]


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

    def declare(check: CheckFunction) -> CheckFunction:
        # Docstrings use reStructuredText's ``code``; users read Markdown and terminals.
        doc = inspect.cleandoc(check.__doc__ or "").replace("``", "`")
        declared = Rule(code, severity, subject, check, doc, check.__module__, integrity, reports)
        check.__assetcheck_rule__ = declared  # type: ignore[attr-defined]
        return check

    return declare


@dataclass(frozen=True)
class RuleSet:
    """The rules an engine runs, in code order; built once, looked up by subject or code."""

    rules: tuple[Rule, ...]

    @classmethod
    def from_modules(cls, modules: Iterable[ModuleType]) -> RuleSet:
        """Every ``@rule`` in these modules. A code declared twice is a bug: ValueError."""
        found: dict[str, Rule] = {}
        for module in modules:
            for value in vars(module).values():
                declared = getattr(value, "__assetcheck_rule__", None)
                if isinstance(declared, Rule):
                    if declared.code in found and found[declared.code] != declared:
                        raise ValueError(f"rule code {declared.code} is declared twice")
                    found[declared.code] = declared
        return cls(tuple(sorted(found.values(), key=lambda r: r.code)))

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, code: str) -> Rule | None:
        return self._by_code.get(code.upper())

    @functools.cached_property
    def _by_code(self) -> dict[str, Rule]:
        return {r.code: r for r in self.rules}

    @property
    def families(self) -> list[str]:
        return sorted({r.family for r in self.rules})

    def matches(self, prefix: str) -> bool:
        """Whether a --select/--ignore prefix names at least one rule."""
        return any(r.code.startswith(prefix) for r in self.rules)

    def only(self, keep: Callable[[Rule], bool]) -> RuleSet:
        return RuleSet(tuple(r for r in self.rules if keep(r)))

    def for_subject(self, subject: type) -> tuple[Rule, ...]:
        """Rules that inspect ``subject`` views, including rules written for a base view."""
        cache = self._subjects
        if subject not in cache:
            cache[subject] = tuple(r for r in self.rules if issubclass(subject, r.subject))
        return cache[subject]

    @functools.cached_property
    def _subjects(self) -> dict[type, tuple[Rule, ...]]:
        return {}
