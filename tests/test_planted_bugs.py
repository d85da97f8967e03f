"""Bugs that once left the whole suite green, each caught here (issue 9).

A crashing rule must not stop the run, and bundled jars must be released as the walk leaves
them. The reporter bugs (swapped summary counts, a dropped ``fix:`` line) are caught in
tests/report/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assetcheck import engine, views
from assetcheck.findings import Problem, Severity
from assetcheck.registry import Rule, RuleSet
from assetcheck.settings import Settings
from tests.builders import bundle_manifest, flat_image, make_jar, make_obr, make_zip
from tests.catalogue import check_paths


def _rule(code: str, check: Any) -> Rule:
    return Rule(code, Severity.WARNING, views.ImageView, check, "A test rule.", __name__)


def test_a_crashing_rule_is_an_internal_error_of_its_file_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(view: Any) -> Iterator[Problem]:
        if view.name == "bad.png":
            raise RuntimeError("boom")
        yield from ()

    def seen(view: Any) -> Iterator[Problem]:
        yield Problem(f"saw {view.name}")

    # The engine is handed its rules: here one that crashes and one after it.
    rules = RuleSet((_rule("TST001", crash), _rule("TST002", seen)))
    for name in ("bad.png", "good.png"):
        (tmp_path / name).write_bytes(flat_image(16, 16))

    report = engine.check_paths([tmp_path / "bad.png", tmp_path / "good.png"], Settings(), rules)

    bad, good = report.files
    assert bad.internal_errors == ["rule TST001 crashed on the file: RuntimeError: boom"]
    assert good.internal_errors == []
    # The rule after the crashing one still ran on the same file, and the next file was checked.
    assert [(f.code, f.message) for f in bad.findings] == [("TST002", "saw bad.png")]
    assert [(f.code, f.message) for f in good.findings] == [("TST002", "saw good.png")]
    assert report.internal_errors == [f"{bad.path}: {bad.internal_errors[0]}"]


def _bundle(name: str) -> bytes:
    return make_zip(
        {
            "META-INF/MANIFEST.MF": bundle_manifest(name, "1.0.0"),
            f"{name.replace('.', '/')}/A.class": b"\xca\xfe\xba\xbe",
        }
    )


def _jar_with_bundles(count: int) -> bytes:
    return make_jar(
        **{f"META-INF/lib/lib{n}.jar": _bundle(f"com.acme.lib{n}") for n in range(count)}
    )


ARTIFACTS = {
    # A plugin jar with four bundled jars: four opened, one at a time.
    "app.jar": (lambda: _jar_with_bundles(4), {1: 4}),
    # An OBR: the plugin jar (holding two bundled jars) and three dependencies.
    "app.obr": (
        lambda: make_obr(
            _jar_with_bundles(2),
            {f"dependencies/dep{n}.jar": _bundle(f"com.acme.dep{n}") for n in range(3)},
        ),
        {1: 4, 2: 2},
    ),
}


@pytest.mark.parametrize("name", sorted(ARTIFACTS))
def test_bundled_jars_are_opened_once_and_released_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    build, expected_opens = ARTIFACTS[name]
    path = tmp_path / name
    path.write_bytes(build())

    live: dict[int, set[int]] = {}  # depth -> ids of bundled views not yet closed
    peak: dict[int, int] = {}
    opened: dict[int, int] = {}
    real_init, real_close = views.ArchiveView.__init__, views.ArchiveView.close

    def init(self: views.ArchiveView, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        if self.depth:
            opened[self.depth] = opened.get(self.depth, 0) + 1
            live.setdefault(self.depth, set()).add(id(self))
            peak[self.depth] = max(peak.get(self.depth, 0), len(live[self.depth]))

    def close(self: views.ArchiveView) -> None:
        live.get(self.depth, set()).discard(id(self))
        real_close(self)

    monkeypatch.setattr(views.ArchiveView, "__init__", init)
    monkeypatch.setattr(views.ArchiveView, "close", close)

    report = check_paths([path], Settings())

    assert report.internal_errors == []
    assert opened == expected_opens
    assert peak == {depth: 1 for depth in expected_opens}, "bundled jars held open at once"
    assert all(not ids for ids in live.values()), "a bundled jar was never closed"
