"""The fast paths find what the serial path finds, byte for byte (issue 12).

Three things make a check fast: a child process verifying entries ahead on the other core
(``readers/ahead.py``), image decoding on a pool of threads (``engine._check_images``), and
the inflate backend (``readers/inflate.py``: ISA-L, zlib-ng or zlib). Each must be a pure
speed-up: the report of every sample and of every hostile input the tests build is the same
with ``jobs=1`` and zlib as with ``jobs=2`` and each backend. The child normally starts only
for artifacts of 16 MB and more; here it starts for every artifact, so each hostile shape goes
through it. The limits cases put the inflate budget and the decode budget's end in the middle
of what runs ahead, where a careless replay would differ.
"""

from __future__ import annotations

import dataclasses
import json
import random
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assetcheck import views
from assetcheck.readers import ahead, inflate
from assetcheck.report.json_report import report_to_dict
from assetcheck.settings import Limits, Settings
from tests import hostile
from tests.builders import (
    class_file,
    flat_image,
    library_jar,
    make_jar,
    make_obr,
    make_zip,
    marketing,
    plugin_files,
)
from tests.catalogue import check_paths

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
MiB = 1024 * 1024


def _hostile_inputs() -> dict[str, bytes]:
    good = hostile.good_jar()
    return {
        "good.jar": good,
        "corrupt.jar": hostile.corrupt_data(good, "atlassian-plugin.xml"),
        "overlapping.jar": hostile.overlapping_records(50, 4 * MiB),
        "nested.jar": hostile.nested_jars(7),
        "hidden.jar": hostile.hidden_records(),
        "concatenated.jar": hostile.concatenated(),
        "symlink.jar": hostile.symlink_jar(),
        "manifest-last.jar": hostile.manifest_last_jar(),
        "bad-utf8.jar": hostile.bad_utf8_name(),
        "zeros.jar": hostile.zeros_bomb(256 * MiB),
        "flood.jar": hostile.ratio_exempt_flood(40, 256 * 1024),
        "entries.jar": hostile.many_entries(3000),
        "nested-flood.jar": hostile.nested_entry_flood(3, 2000),
        "local-disagrees.jar": hostile.local_disagrees(crc=1),
        "app.obr": make_obr(),
    }


def _screenshots_jar() -> bytes:
    """A plugin whose screenshots spend the decode budget halfway through."""
    names = [f"images/shot{i}.png" for i in range(12)]
    files = plugin_files(
        **{"atlassian-plugin-marketing.xml": marketing(screenshots=names)},
        **{name: flat_image(900 + 10 * i, 600) for i, name in enumerate(names)},
    )
    return make_jar(files)


def _budget_jar() -> bytes:
    """A bundle and then 3 MiB of plain entries: with TIGHT's inflate budget (the file's size)
    the budget runs out in the plain entries the child verified, after the walk spent some."""
    rng = random.Random(12)
    bundle = make_zip({"x.bin": rng.randbytes(MiB)}, compression=zipfile.ZIP_STORED)
    files: dict[str, bytes | str] = {**plugin_files(), "META-INF/lib/a.jar": bundle}
    files.update({f"static/r{i}.bin": rng.randbytes(100_000) for i in range(30)})
    return make_zip(files, compression=zipfile.ZIP_STORED)


def _java_levels_jar() -> bytes:
    """Classes newer than the host's Java, in the plugin and in a bundled library (PLT001 reads
    the first bytes the verification kept), and a bundled host library (PLT010)."""
    lib = library_jar("com.acme", "acme-lib", classes={"a/B.class": class_file(61)})
    guava = library_jar("com.google.guava", "guava", "31.1-jre")
    jira_94 = '<product name="jira" min="9.4.0" max="9.17.0"/>'  # Java 11
    return make_jar(
        **{
            "atlassian-plugin-marketing.xml": marketing(compatibility=jira_94),
            "com/acme/jira/issuehelper/HelperServlet.class": class_file(65),
            "META-INF/lib/acme-lib-1.0.jar": lib,
            "META-INF/lib/guava-31.1-jre.jar": guava,
        }
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    built = {
        "screenshots.jar": _screenshots_jar(),
        "budget.jar": _budget_jar(),
        "java.jar": _java_levels_jar(),
    }
    for name, data in {**_hostile_inputs(), **built}.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def every_artifact_ahead(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Verify ahead whatever the artifact's size; yields the number of children started."""
    monkeypatch.setattr(views, "AHEAD_MIN_COST", 0)
    started: list[int] = []
    real_start = ahead.Ahead.start.__func__  # type: ignore[attr-defined]

    def counted(cls: type[ahead.Ahead], *args: object) -> ahead.Ahead | None:
        child = real_start(cls, *args)
        started.append(child is not None)
        return child

    monkeypatch.setattr(ahead.Ahead, "start", classmethod(counted))
    yield started


def _report(paths: list[Path], settings: Settings) -> str:
    report = check_paths(paths, settings)
    for file in report.files:
        assert not file.internal_errors, file.internal_errors
    return json.dumps(report_to_dict(report)["files"], indent=1, sort_keys=True)


def _with_backend(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(inflate.ENVIRONMENT, name)
    assert inflate.selected().name == name


BACKENDS = [pytest.param(name, id=name) for name in inflate.BACKENDS]
TIGHT = {
    # The inflate budget ends inside what the child verifies: the parent must meet the limit
    # at the entry a serial run meets it, and say the same.
    "inflate-budget": Limits(min_inflate_budget=2 * MiB, max_file_ratio=1),
    # The decode budget ends after a few screenshots.
    "decode-budget": Limits(max_decoded_pixels=3_000_000),
    "entry-budget": Limits(max_total_entries=2500),
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_samples_report_the_same_on_every_path(
    backend: str, monkeypatch: pytest.MonkeyPatch, every_artifact_ahead: list[int]
) -> None:
    _with_backend(monkeypatch, "zlib")
    serial = _report([SAMPLES], Settings(jobs=1))
    assert not any(every_artifact_ahead)
    _with_backend(monkeypatch, backend)
    assert _report([SAMPLES], Settings(jobs=2)) == serial
    assert sum(every_artifact_ahead) >= 10  # the children really ran


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("limits", [None, *TIGHT.values()], ids=["default", *TIGHT])
def test_hostile_inputs_report_the_same_on_every_path(
    backend: str,
    limits: Limits | None,
    corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
    every_artifact_ahead: list[int],
) -> None:
    settings = Settings() if limits is None else Settings(limits=limits)
    paths = sorted(corpus.iterdir())
    _with_backend(monkeypatch, "zlib")
    serial = _report(paths, dataclasses.replace(settings, jobs=1))
    _with_backend(monkeypatch, backend)
    parallel = _report(paths, dataclasses.replace(settings, jobs=2))
    assert parallel == serial
    assert sum(every_artifact_ahead) >= 5


def test_the_tight_limits_do_bite(corpus: Path) -> None:
    """The limits cases above are worth running: each one changes the report."""
    paths = sorted(corpus.iterdir())
    plain = _report(paths, Settings(jobs=1))
    for limits in TIGHT.values():
        assert _report(paths, Settings(jobs=1, limits=limits)) != plain
    entries = {
        (f.code, f.entry) for f in check_paths([corpus / "java.jar"], Settings()).files[0].findings
    }
    assert ("PLT001", "META-INF/lib/acme-lib-1.0.jar!/a/B.class") in entries
    assert {"PLT001", "PLT010"} <= {code for code, _ in entries}
    tight = Settings(limits=TIGHT["inflate-budget"])
    budget = check_paths([corpus / "budget.jar"], tight).files[0].findings
    assert any("inflating stopped" in f.message for f in budget)


def test_corrupt_data_is_described_in_zlibs_words_by_every_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jar = tmp_path / "corrupt.jar"
    jar.write_bytes(hostile.corrupt_data(hostile.good_jar(), "atlassian-plugin.xml"))
    messages = set()
    for name in inflate.BACKENDS:
        _with_backend(monkeypatch, name)
        report = check_paths([jar], Settings(jobs=1))
        found = [f.message for f in report.files[0].findings if "corrupt" in f.message]
        assert found, name
        messages.add(tuple(found))
    assert len(messages) == 1
    assert "Error -3 while decompressing data" in next(iter(messages))[0]


def test_an_unknown_backend_is_refused_with_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(inflate.ENVIRONMENT, "pigz")
    with pytest.raises(inflate.BackendError, match="isal, zlib-ng, zlib"):
        inflate.selected()


def test_a_child_that_dies_leaves_the_parent_to_verify_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, every_artifact_ahead: list[int]
) -> None:
    """A child killed before it answers costs time, never a verdict."""
    jar = tmp_path / "crc.jar"
    jar.write_bytes((SAMPLES / "artifacts/bad/crc-damage.jar").read_bytes())
    serial = _report([jar], Settings(jobs=1))
    real_child: Callable[..., None] = ahead._child

    def dying(archive: object, plan: object, fd: int, writer: int) -> None:
        import os

        os._exit(1)
        real_child(archive, plan, fd, writer)  # pragma: no cover

    monkeypatch.setattr(ahead, "_child", dying)
    assert _report([jar], Settings(jobs=2)) == serial
    assert every_artifact_ahead == [True]
