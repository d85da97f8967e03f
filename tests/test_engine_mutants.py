"""The engine's bookkeeping, exactly: locations, the per-code cap, crash containment, what a
checked image or source tree records, and the "changed while checked" finding."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from assetcheck import engine
from assetcheck.findings import Finding, Problem, Severity
from assetcheck.registry import RuleSet, rule
from assetcheck.settings import Limits, Settings
from assetcheck.targets import Target
from tests.builders import flat_image, source_files, write_tree
from tests.catalogue import RULES


@dataclasses.dataclass
class _View:
    chain: str = ""
    entry: str | None = None
    problems: tuple[Problem, ...] = ()


def _rules() -> RuleSet:
    @rule("TST001", Severity.WARNING, _View)
    def echo(view: _View) -> Iterator[Problem]:
        """Echo."""
        yield from view.problems

    @rule("TST002", Severity.ERROR, _View, integrity=True)
    def crash(view: _View) -> Iterator[Problem]:
        """Crash."""
        if view.entry == "boom":
            raise KeyError("no such thing")
        yield from ()

    module = type(engine)("fake_rules")
    module.echo = echo  # type: ignore[attr-defined]
    module.crash = crash  # type: ignore[attr-defined]
    return RuleSet.from_modules([module])


def test_findings_are_stamped_and_located_in_their_chain() -> None:
    checker = engine.Checker(Settings(), _rules())
    checker.run(_View(problems=(Problem("top", hint="fix it", line=3),)))
    checker.run(_View(chain="lib/a.jar!/", problems=(Problem("nested"),)))
    checker.run(_View(chain="lib/a.jar!/", entry="x.xml", problems=(Problem("own entry"),)))
    checker.run(_View(chain="lib/a.jar!/", entry="x.xml", problems=(Problem("p", entry="y"),)))
    assert checker.finish() == [
        Finding("TST001", Severity.WARNING, "top", hint="fix it", line=3),
        Finding("TST001", Severity.WARNING, "nested", entry="lib/a.jar"),
        Finding("TST001", Severity.WARNING, "own entry", entry="lib/a.jar!/x.xml"),
        Finding("TST001", Severity.WARNING, "p", entry="lib/a.jar!/y"),
    ]
    assert checker.internal_errors == []


def test_a_crashing_rule_is_an_internal_error_of_the_file_and_others_still_run() -> None:
    checker = engine.Checker(Settings(), _rules())
    checker.run(_View(chain="a.jar!/", entry="boom", problems=(Problem("still here"),)))
    checker.run(_View(entry="boom"))
    assert checker.internal_errors == [
        "rule TST002 crashed on a.jar!/boom: KeyError: 'no such thing'",
        "rule TST002 crashed on boom: KeyError: 'no such thing'",
    ]
    assert [f.message for f in checker.finish()] == ["still here"]


def test_a_crash_on_the_file_itself_says_the_file() -> None:
    def crashing(view: _View) -> Iterator[Problem]:
        raise RuntimeError("bad")
        yield  # pragma: no cover

    rules = _rules()
    [crash] = [r for r in rules if r.code == "TST002"]
    broken = RuleSet((dataclasses.replace(crash, check=crashing),))
    checker = engine.Checker(Settings(), broken)
    checker.run(_View())
    assert checker.internal_errors == ["rule TST002 crashed on the file: RuntimeError: bad"]


def test_findings_of_one_code_are_capped_and_the_rest_counted_in_one_more() -> None:
    checker = engine.Checker(Settings(findings_per_code=2), _rules())
    problems = tuple(Problem(f"p{i}", entry=f"e{i}", hint="h") for i in range(1, 1502))
    checker.run(_View(problems=problems))
    findings = checker.finish()
    assert [f.message for f in findings] == [
        "1,499 more TST001 findings in this file (1,501 in all; the first 2 are listed)",
        "p1",
        "p2",
    ]
    extra = findings[0]
    assert (extra.code, extra.severity, extra.entry, extra.hint, extra.integrity) == (
        "TST001",
        Severity.WARNING,
        None,
        "h",
        False,
    )


def test_exactly_the_cap_lists_all_and_adds_nothing() -> None:
    checker = engine.Checker(Settings(findings_per_code=2), _rules())
    checker.run(_View(problems=(Problem("a", entry="1"), Problem("b", entry="2"))))
    assert [f.message for f in checker.finish()] == ["a", "b"]


def test_findings_are_sorted_worst_first_then_by_entry_then_code() -> None:
    checker = engine.Checker(Settings(), _rules())
    checker.run(_View(problems=(Problem("b", entry="b"), Problem("a", entry="a"), Problem("c"))))
    assert [f.entry for f in checker.finish()] == [None, "a", "b"]


def test_a_change_in_size_is_said_with_both_sizes() -> None:
    assert engine._change((1000, 1, 1), (2500, 1, 1)) == "its size went from 1,000 to 2,500 bytes"
    assert engine._change((10, 1, 1), (10, 2, 1)) == "it was written to during the check"


def test_changed_images_are_relative_to_the_tree(tmp_path: Path) -> None:
    root = tmp_path / "res"
    changed = frozenset({root / "images" / "a.png", root / "b.png"})
    assert engine._changed_images(Target(root, "source", changed=changed)) == {
        "images/a.png",
        "b.png",
    }
    assert engine._changed_images(Target(root, "source")) is None
    with_descriptor = changed | {root / "atlassian-plugin.xml"}
    assert engine._changed_images(Target(root, "source", changed=with_descriptor)) is None


def test_a_standalone_image_records_its_size_and_digest(tmp_path: Path) -> None:
    data = flat_image(64, 64)
    path = tmp_path / "logo.png"
    path.write_bytes(data)
    result = engine.check_target(Target(path, "image"), Settings(), RULES)
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("extra", [-1, 0, 1])
def test_an_image_near_or_over_the_byte_limit_is_still_digested(tmp_path: Path, extra: int) -> None:
    data = flat_image(64, 64)
    path = tmp_path / "logo.png"
    path.write_bytes(data)
    settings = Settings(limits=Limits(max_image_bytes=len(data) + extra))
    result = engine.check_target(Target(path, "image"), settings, RULES)
    assert (result.size, result.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert not [f for f in result.findings if f.code == "FILE002"], result.findings


def test_an_image_that_changes_while_checked_is_an_integrity_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(flat_image(64, 64))
    size = path.stat().st_size
    calls = iter([(size, 1, 1), (size + 5, 2, 2)])
    monkeypatch.setattr(engine, "_identity", lambda handle: next(calls))
    result = engine.check_target(Target(path, "image"), Settings(), RULES)
    changed = [f for f in result.findings if f.code == "FILE002"]
    assert [(f.message, f.integrity, f.entry) for f in changed] == [
        (
            f"changed while it was being checked (its size went from {size:,} to "
            f"{size + 5:,} bytes)",
            True,
            None,
        )
    ]


def test_an_unchanged_image_is_not_said_to_have_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(flat_image(64, 64))
    size = path.stat().st_size
    monkeypatch.setattr(engine, "_identity", lambda handle: (size, 1, 1))
    result = engine.check_target(Target(path, "image"), Settings(), RULES)
    assert not [f for f in result.findings if f.code == "FILE002"]


def test_a_source_tree_records_every_image_it_checked(tmp_path: Path) -> None:
    files = source_files()
    stray = flat_image(32, 32)
    root = write_tree(tmp_path / "res", {**files, "images/unused.png": stray})
    result = engine.check_target(Target(root, "source"), Settings(), RULES)
    images = {name: data for name, data in files.items() if name.endswith(".png")}
    assert set(result.assets) == {*images, "images/unused.png"}
    unused = result.assets["images/unused.png"]
    assert (unused.entry, unused.size, unused.sha256, unused.image_types) == (
        "images/unused.png",
        len(stray),
        hashlib.sha256(stray).hexdigest(),
        (),
    )
    for name, data in images.items():
        asset = result.assets[name]
        assert (asset.entry, asset.size, asset.sha256) == (
            name,
            len(data),
            hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest(),
        )
        assert asset.image_types, name  # referenced: it has the types it is referenced as


def test_a_source_tree_checks_only_the_changed_images_named(tmp_path: Path) -> None:
    files = source_files()
    root = write_tree(tmp_path / "res", {**files, "images/unused.png": flat_image(32, 32)})
    some = next(name for name in files if name.endswith(".png"))
    changed = frozenset({root / some, root / "images/unused.png", root / "images/gone.png"})
    result = engine.check_target(Target(root, "source", changed=changed), Settings(), RULES)
    assert set(result.assets) == {some, "images/unused.png"}
