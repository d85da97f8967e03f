"""The catalogue cannot drift: every rule is documented, tested, and in the README."""

from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path

import pytest

from tests.catalogue import RULES

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r"^[A-Z]{2,4}\d{3}$")


def _tested_codes() -> set[str]:
    codes: set[str] = set()
    for module_path in sorted((ROOT / "tests" / "rules").glob("test_*.py")):
        module = importlib.import_module(f"tests.rules.{module_path.stem}")
        codes.update(case.code for case in getattr(module, "CASES", []))
    return codes


def _readme_rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([A-Z]{2,4}\d{3})` \| (\w+) \|", text, re.MULTILINE))


def test_there_are_rules() -> None:
    assert len(RULES) > 20


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.code)
def test_rule_is_documented(rule) -> None:
    assert CODE.match(rule.code)
    assert rule.summary.endswith("."), rule.summary
    assert "Passing:" in rule.doc and "Failing:" in rule.doc


def test_every_rule_has_a_failing_case() -> None:
    missing = {r.code for r in RULES} - _tested_codes()
    assert not missing, f"rules without a failing case in tests/rules: {sorted(missing)}"


def test_every_rule_is_in_the_readme_table_with_its_severity() -> None:
    rows = _readme_rows()
    for rule in RULES:
        assert rows.get(rule.code) == rule.severity.label, rule.code
    assert set(rows) == {r.code for r in RULES}, "README lists rules that do not exist"


def test_readme_rule_table_is_the_generated_one() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from rules_table import table
    finally:
        sys.path.pop(0)
    assert table() in (ROOT / "README.md").read_text(encoding="utf-8"), (
        "README rule table is stale: run python scripts/rules_table.py --write"
    )


# The design's rooms: what each part of the code may import.
FORBIDDEN = {
    "rules": (
        "assetcheck.readers",
        "assetcheck.cli",
        "assetcheck.marketplace",
        "assetcheck.client",
        "assetcheck.ledger",
        "assetcheck.engine",
        "assetcheck.views",
    ),
    "assetcheck/readers": (
        "rules",
        "assetcheck.rules",
        "assetcheck.cli",
        "assetcheck.report",
        "assetcheck.marketplace",
        "assetcheck.client",
        "assetcheck.engine",
    ),
    "assetcheck/client": (
        "rules",
        "assetcheck.rules",
        "assetcheck.readers",
        "assetcheck.report",
        "assetcheck.engine",
        "assetcheck.views",
        "assetcheck.cli",
    ),
    "assetcheck/report": (
        "rules",
        "assetcheck.rules",
        "assetcheck.readers",
        "assetcheck.marketplace",
        "assetcheck.client",
        "assetcheck.cli",
    ),
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_rooms_import_only_what_they_may(room: str) -> None:
    for path in sorted((ROOT / room).rglob("*.py")):
        for name in _imports(path):
            for banned in FORBIDDEN[room]:
                assert not (name == banned or name.startswith(banned + ".")), (path, name)
    if room == "rules":
        for path in sorted((ROOT / room).rglob("*.py")):
            engine = {
                n
                for n in _imports(path)
                if n.startswith("assetcheck") and not n.startswith("assetcheck.rules")
            }
            assert engine <= {"assetcheck.api"}, (path, engine)


def test_nothing_imports_the_cli() -> None:
    for path in sorted((ROOT / "assetcheck").rglob("*.py")):
        if path.name not in ("cli.py", "__main__.py"):
            assert "assetcheck.cli" not in _imports(path), path


def test_readme_names_exactly_the_integrity_rules() -> None:
    """The README's list of what can never be switched off is the registry's."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = text.split("**What can never be switched off.**", 1)[1].split("They run", 1)[0]
    listed: set[str] = set()
    for first, last in re.findall(r"`([A-Z]+\d{3})`(?:-`([A-Z]+\d{3})`)?", paragraph):
        if not last:
            listed.add(first)
            continue
        family = first.rstrip("0123456789")
        low, high = int(first[len(family) :]), int(last[len(family) :])
        listed |= {
            r.code
            for r in RULES
            if r.family == family and low <= int(r.code[len(family) :]) <= high
        }
    assert listed == {r.code for r in RULES if r.integrity}


def test_every_reader_problem_kind_is_reported_by_exactly_one_rule() -> None:
    """Readers name what they meet; exactly one rule turns each kind into a finding, so no
    problem a reader meets can go unreported (or be reported twice)."""
    from assetcheck.readers.kinds import ManifestKind, XmlKind, ZipKind

    for enum in (ZipKind, XmlKind, ManifestKind):
        for kind in enum:
            owners = [
                r.code for r in RULES if kind in r.reports and type(kind) in map(type, r.reports)
            ]
            assert len(owners) == 1, f"{enum.__name__}.{kind.name} is reported by {owners}"


def test_a_rule_reports_only_kinds_of_its_own_reader() -> None:
    from assetcheck.readers.kinds import ManifestKind, XmlKind, ZipKind

    family_kind = {"ZIP": ZipKind, "XML": XmlKind, "MF": ManifestKind}
    for rule in RULES:
        for kind in rule.reports:
            assert isinstance(kind, family_kind[rule.family]), (rule.code, kind)


def test_nothing_below_the_command_line_imports_the_rules() -> None:
    """One direction: the CLI builds the rule set and hands it to the engine."""
    for path in sorted((ROOT / "assetcheck").rglob("*.py")):
        if path.name != "cli.py":
            names = _imports(path)
            banned = {"rules", "assetcheck.rules"}
            assert not {n for n in names if n in banned or n.split(".")[0] == "rules"}, path
            assert not {n for n in names if n.startswith("assetcheck.rules.")}, path
