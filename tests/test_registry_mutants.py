"""How ``@rule`` declares a rule and how a ``RuleSet`` is built and looked up.

These declare rules inside the tests (not at import time), so a change to ``rule`` or
``RuleSet.from_modules`` is seen by the test that exercises it.
"""

from __future__ import annotations

import types
from collections.abc import Iterator

import pytest

from assetcheck.findings import Problem, Severity
from assetcheck.readers.kinds import ZipKind
from assetcheck.registry import Rule, RuleSet, rule


class _View:
    pass


class _SubView(_View):
    pass


class _Other:
    pass


def _module(name: str, **values: object) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in values.items():
        setattr(module, key, value)
    return module


def test_rule_declares_every_field_from_its_arguments_and_docstring() -> None:
    def check(view: _View) -> Iterator[Problem]:
        """Summary with ``code`` in it.

        Passing: a ``good`` view.
        """
        yield Problem("bad")

    returned = rule("TST012", Severity.WARNING, _View, integrity=True, reports=(ZipKind.EMPTY,))(
        check
    )
    assert returned is check
    declared = check.__assetcheck_rule__  # type: ignore[attr-defined]
    assert declared == Rule(
        code="TST012",
        severity=Severity.WARNING,
        subject=_View,
        check=check,
        doc="Summary with `code` in it.\n\nPassing: a `good` view.",
        module=__name__,
        integrity=True,
        reports=(ZipKind.EMPTY,),
    )
    assert declared.summary == "Summary with `code` in it."
    assert declared.family == "TST"


def test_a_rule_is_not_integrity_and_reports_nothing_by_default() -> None:
    @rule("TST001", Severity.ERROR, _View)
    def check(view: _View) -> Iterator[Problem]:
        yield from ()

    declared = check.__assetcheck_rule__  # type: ignore[attr-defined]
    assert declared.integrity is False
    assert declared.reports == ()
    assert declared.doc == ""  # no docstring: an empty doc, not "None"
    assert declared.summary == ""


def _rules() -> tuple[types.ModuleType, types.ModuleType]:
    @rule("BBB002", Severity.INFO, _SubView)
    def sub_rule(view: _View) -> Iterator[Problem]:
        """Second."""
        yield from ()

    @rule("AAA010", Severity.ERROR, _View, integrity=True)
    def base_rule(view: _View) -> Iterator[Problem]:
        """First."""
        yield from ()

    @rule("AAA002", Severity.WARNING, _Other)
    def other_rule(view: _Other) -> Iterator[Problem]:
        """Other."""
        yield from ()

    first = _module("fake_first", sub_rule=sub_rule, helper=len, NAME="x")
    # A module that imports a rule from another lists it again: the same rule, once.
    second = _module("fake_second", base_rule=base_rule, other_rule=other_rule, again=sub_rule)
    return first, second


def test_a_rule_set_holds_every_declared_rule_of_its_modules_in_code_order() -> None:
    rules = RuleSet.from_modules(_rules())
    assert [r.code for r in rules] == ["AAA002", "AAA010", "BBB002"]
    assert len(rules) == 3
    assert rules.families == ["AAA", "BBB"]


def test_a_code_declared_twice_is_an_error() -> None:
    @rule("AAA010", Severity.INFO, _Other)
    def clash(view: _Other) -> Iterator[Problem]:
        """Clash."""
        yield from ()

    with pytest.raises(ValueError, match=r"^rule code AAA010 is declared twice$"):
        RuleSet.from_modules([*_rules(), _module("fake_third", clash=clash)])


def test_rules_are_looked_up_by_code_case_insensitively() -> None:
    rules = RuleSet.from_modules(_rules())
    found = rules.get("aaa010")
    assert found is not None and found.code == "AAA010" and found.integrity is True
    assert rules.get("AAA002") is not None and rules.get("AAA002").subject is _Other  # type: ignore[union-attr]
    assert rules.get("CCC001") is None


def test_prefixes_match_rules_by_the_start_of_their_code() -> None:
    rules = RuleSet.from_modules(_rules())
    assert rules.matches("AAA") and rules.matches("BBB002") and rules.matches("")
    assert not rules.matches("AAA011") and not rules.matches("B2") and not rules.matches("002")


def test_only_keeps_the_rules_asked_for() -> None:
    rules = RuleSet.from_modules(_rules())
    kept = rules.only(lambda r: r.severity >= Severity.WARNING)
    assert [r.code for r in kept] == ["AAA002", "AAA010"]
    assert [r.code for r in rules] == ["AAA002", "AAA010", "BBB002"]  # unchanged


def test_a_view_gets_the_rules_of_its_type_and_of_its_base_types() -> None:
    rules = RuleSet.from_modules(_rules())
    assert [r.code for r in rules.for_subject(_SubView)] == ["AAA010", "BBB002"]
    assert [r.code for r in rules.for_subject(_View)] == ["AAA010"]
    assert [r.code for r in rules.for_subject(_Other)] == ["AAA002"]
    assert rules.for_subject(int) == ()
    # Asked again (cached), the same answer.
    assert [r.code for r in rules.for_subject(_SubView)] == ["AAA010", "BBB002"]
