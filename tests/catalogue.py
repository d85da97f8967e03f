"""The shipped rule set, as the command line builds it, for tests that run the engine."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from assetcheck import engine, rules
from assetcheck.registry import RuleSet
from assetcheck.report.model import Report
from assetcheck.settings import Settings

RULES = RuleSet.from_modules(rules.MODULES)


def check_paths(paths: Iterable[Path], settings: Settings) -> Report:
    """The engine with every shipped rule (those ``settings`` select)."""
    return engine.check_paths(paths, settings, RULES)
