"""What the engine does with each kind of target, seen in the report: which views are checked as
what, where findings land, the decode budget, the release of bundled jars, and the findings the
engine itself raises (unreadable, changed while checked)."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from assetcheck import engine
from assetcheck.findings import Problem, Severity
from assetcheck.paths import display
from assetcheck.registry import RuleSet, rule
from assetcheck.report.model import FileReport
from assetcheck.settings import Limits, Settings
from assetcheck.targets import Target
from assetcheck.views import ArchiveView, DescriptorView, ImageView, MarketingView, SourceTreeView
from tests.builders import (
    KEY,
    MARKETING_IMAGES,
    bundle_manifest,
    descriptor,
    flat_image,
    make_jar,
    make_obr,
    make_zip,
    marketing,
    plugin_files,
    plugin_images,
    sdk_manifest,
    source_files,
    write_tree,
)
from tests.catalogue import RULES, check_paths
from tests.rules.support import Folder

HTML = b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>\n"
PLUGIN_JAR = "issuehelper-1.2.0.jar"


def _one(path: Path, settings: Settings | None = None) -> FileReport:
    [result] = check_paths([path], settings or Settings()).files
    assert result.internal_errors == [], result.internal_errors
    return result


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _codes(result: FileReport) -> list[str]:
    return [f.code for f in result.findings]


def _at(result: FileReport, code: str) -> set[str | None]:
    return {f.entry for f in result.findings if f.code == code}


# ---- what an artifact is checked as ------------------------------------------------------


def test_a_file_named_obr_is_checked_as_an_obr_even_without_obr_xml(tmp_path: Path) -> None:
    result = _one(_write(tmp_path, "app.obr", make_jar()))
    assert _codes(result) == ["OBR001"]
    assert "a plugin jar (atlassian-plugin.xml at its root) under an .obr name" in (
        result.findings[0].message
    )


def test_a_jar_named_file_holding_obr_xml_is_checked_as_an_obr(tmp_path: Path) -> None:
    result = _one(_write(tmp_path, "app.jar", make_obr()))
    assert result.findings == []
    assert (result.app_key, result.app_version) == (KEY, "1.2.0")


def test_an_obr_without_a_plugin_jar_at_its_root_holds_no_app(tmp_path: Path) -> None:
    obr = make_obr(plugin_name="bundles/issuehelper.jar")
    result = _one(_write(tmp_path, "app.obr", obr))
    assert "OBR001" in _codes(result)
    assert (result.app_key, result.app_version) == (None, None)
    assert not [c for c in _codes(result) if c.startswith(("DSC", "MKT", "MF"))], result.findings


def test_an_unreadable_plugin_jar_in_an_obr_is_not_checked_as_a_plugin(tmp_path: Path) -> None:
    result = _one(_write(tmp_path, "app.obr", make_obr(HTML)))
    assert _codes(result) == ["ZIP004"]
    assert result.findings[0].entry == PLUGIN_JAR
    assert result.app_key is None


def test_an_empty_jar_is_only_an_empty_archive_not_a_plugin_missing_everything(
    tmp_path: Path,
) -> None:
    assert _codes(_one(_write(tmp_path, "app.jar", make_zip({})))) == ["ZIP001"]


def test_a_non_zip_artifact_is_named_by_its_file_name(tmp_path: Path) -> None:
    result = _one(_write(tmp_path, "app.jar", HTML))
    assert _codes(result) == ["ZIP004"]
    assert result.findings[0].message.startswith("'app.jar' is not a zip archive but ")


def test_an_obr_dependency_is_checked_as_a_bundle_manifest(tmp_path: Path) -> None:
    bad = bundle_manifest("com.acme.commons", "2.4.1") + "Bad header\r\n"
    dependency = make_zip({"META-INF/MANIFEST.MF": bad, "com/acme/X.class": b"\xca\xfe"})
    obr = make_obr(None, {"dependencies/acme-commons-2.4.1.jar": dependency})
    result = _one(_write(tmp_path, "app.obr", obr))
    assert _at(result, "MF006") == {"dependencies/acme-commons-2.4.1.jar!/META-INF/MANIFEST.MF"}


def test_a_jar_bundled_inside_an_obr_dependency_is_not_checked_as_a_dependency(
    tmp_path: Path,
) -> None:
    # Its path inside the bundle happens to match the dependency's: it is still not one.
    bad = bundle_manifest("com.acme.inner", "1.0.0") + "Bad header\r\n"
    inner = make_zip({"META-INF/MANIFEST.MF": bad, "x.txt": "x"})
    name = "dependencies/acme-commons-2.4.1.jar"
    outer = make_zip(
        {"META-INF/MANIFEST.MF": bundle_manifest("com.acme.commons", "2.4.1"), name: inner}
    )
    result = _one(_write(tmp_path, "app.obr", make_obr(None, {name: outer})))
    assert "MF006" not in _codes(result), result.findings


def test_a_built_descriptor_with_a_placeholder_is_reported_but_a_source_one_is_not(
    tmp_path: Path,
) -> None:
    templated = descriptor(key="${atlassian.plugin.key}")
    jar = _one(
        _write(tmp_path, "app.jar", make_jar(plugin_files(**{"atlassian-plugin.xml": templated})))
    )
    assert _at(jar, "DSC020") == {"atlassian-plugin.xml"}
    tree = write_tree(tmp_path / "res", source_files())
    source = engine.check_target(Target(tree, "source"), Settings(), RULES)
    assert (source.findings, source.internal_errors) == ([], [])


def test_the_manifest_of_a_plugin_jar_is_compared_with_its_descriptor(tmp_path: Path) -> None:
    manifest = sdk_manifest(**{"Atlassian-Plugin-Key": "com.other"})
    result = _one(
        _write(tmp_path, "app.jar", make_jar(plugin_files(**{"META-INF/MANIFEST.MF": manifest})))
    )
    [finding] = [f for f in result.findings if f.code == "MF020"]
    assert "'com.other'" in finding.message and f"'{KEY}'" in finding.message


def test_an_artifact_over_a_mebibyte_is_sized_and_digested_whole(tmp_path: Path) -> None:
    blob = random.Random(7).randbytes(1_500_000)
    data = make_jar(plugin_files(**{"lib/blob.bin": blob}))
    assert len(data) > 1024 * 1024
    result = _one(_write(tmp_path, "app.jar", data))
    assert (result.size, result.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert engine.file_digest(tmp_path / "app.jar") == (len(data), result.sha256)


# ---- bundled archives -----------------------------------------------------------------------


def _nested_twice() -> bytes:
    middle = make_zip(
        {
            "META-INF/MANIFEST.MF": bundle_manifest("com.acme.middle", "1.0.0"),
            "META-INF/lib/inner.jar": HTML,
        }
    )
    return make_jar(plugin_files(**{"META-INF/lib/middle.jar": middle}))


def test_an_archive_two_levels_down_is_checked_and_located_in_its_chain(tmp_path: Path) -> None:
    result = _one(_write(tmp_path, "app.jar", _nested_twice()))
    assert _at(result, "ZIP004") == {"META-INF/lib/middle.jar!/META-INF/lib/inner.jar"}


def test_every_bundled_archive_is_released_once_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    released: list[str] = []
    real_retire = ArchiveView.retire

    def retire(self: ArchiveView) -> None:
        released.append(self.chain)
        real_retire(self)

    monkeypatch.setattr(ArchiveView, "retire", retire)
    _one(_write(tmp_path, "app.jar", _nested_twice()))
    # The inner one first (depth first), then the one holding it.
    assert released == [
        "META-INF/lib/middle.jar!/META-INF/lib/inner.jar!/",
        "META-INF/lib/middle.jar!/",
    ]


# ---- the decode budget ---------------------------------------------------------------------


def _no_pixels() -> Settings:
    return Settings(limits=Limits(max_decoded_pixels=1))


ALL_IMAGES = set(plugin_images())


def test_a_plugin_jar_decodes_its_images_under_the_decode_budget(tmp_path: Path) -> None:
    result = _one(_write(tmp_path, "app.jar", make_jar()), _no_pixels())
    assert _at(result, "IMG023") == ALL_IMAGES
    [first, *_] = [f for f in result.findings if f.code == "IMG023"]
    assert "used up the 1-pixel decode limit of this file" in first.message


def test_the_plugin_jar_of_an_obr_decodes_under_the_decode_budget(tmp_path: Path) -> None:
    result = _one(_write(tmp_path, "app.obr", make_obr()), _no_pixels())
    assert _at(result, "IMG023") == {f"{PLUGIN_JAR}!/{name}" for name in ALL_IMAGES}


def test_a_source_tree_decodes_its_images_under_the_decode_budget(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "res", source_files())
    result = engine.check_target(Target(tree, "source"), _no_pixels(), RULES)
    assert result.internal_errors == []
    assert _at(result, "IMG023") == ALL_IMAGES


def test_integrity_findings_are_kept_when_their_family_is_ignored(tmp_path: Path) -> None:
    settings = Settings(ignore=("IMG",), limits=Limits(max_decoded_pixels=1))
    data = make_jar(
        plugin_files(**{"images/logo.png": flat_image(100, 100)})
    )  # IMG010, not integrity
    result = _one(_write(tmp_path, "app.jar", data), settings)
    assert {c for c in _codes(result) if c.startswith("IMG")} == {"IMG023"}


# ---- source trees ---------------------------------------------------------------------------


def test_an_unreferenced_image_of_a_source_tree_is_not_asked_for_a_type(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "res", {**source_files(), "images/unused.png": flat_image(8, 8)})
    result = engine.check_target(Target(tree, "source"), Settings(), RULES)
    assert (result.findings, result.internal_errors) == ([], [])
    assert result.assets["images/unused.png"].image_types == ()


def test_a_changed_image_the_tree_walk_skips_is_still_checked(tmp_path: Path) -> None:
    image = flat_image(8, 8)
    tree = write_tree(tmp_path / "res", {**source_files(), "node_modules/x.png": image})
    changed = frozenset({tree / "node_modules/x.png"})
    result = engine.check_target(Target(tree, "source", changed=changed), Settings(), RULES)
    assert set(result.assets) == {"node_modules/x.png"}
    assert result.assets["node_modules/x.png"].sha256 == hashlib.sha256(image).hexdigest()


def test_an_image_of_a_source_tree_that_cannot_be_read_is_file001_at_that_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = write_tree(tmp_path / "res", source_files())
    real_read = SourceTreeView.read_image

    def read_image(self: SourceTreeView, path: str) -> bytes | None:
        if path == "images/logo.png":
            raise PermissionError(13, "Permission denied")
        return real_read(self, path)

    monkeypatch.setattr(SourceTreeView, "read_image", read_image)
    result = engine.check_target(Target(tree, "source"), Settings(), RULES)
    assert result.internal_errors == []
    assert [(f.code, f.entry, f.message, f.integrity) for f in result.findings] == [
        (
            "FILE001",
            "images/logo.png",
            "cannot be read: Permission denied, so it was not checked",
            True,
        )
    ]
    assert "images/logo.png" not in result.assets


def test_referenced_images_skip_empty_and_placeholder_values_and_drop_leading_slashes() -> None:
    files = {
        "atlassian-plugin.xml": descriptor(
            params={"plugin-logo": "", "plugin-icon": "${icon.path}", "plugin-banner": "/b.png"}
        ).encode(),
        "atlassian-plugin-marketing.xml": marketing(screenshots=["${shot}", "/s.png"]).encode(),
    }
    folder = Folder(files)
    limits = Limits()
    found = engine.referenced_images(
        DescriptorView(folder, limits, in_source=True),
        MarketingView(folder, limits, in_source=True),
        Settings().image_types,
    )
    marketing_images = {name for name in MARKETING_IMAGES if "screenshot" not in name}
    referenced = {"b.png", "s.png", "images/vendorIcon.png", "images/vendorLogo.png"}
    assert set(found) == marketing_images | referenced
    assert [t.name for t in found["b.png"]] == ["plugin-banner"]


# ---- standalone images ----------------------------------------------------------------------


def test_the_image_type_given_is_the_type_a_standalone_image_is_checked_as(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "logo.png", flat_image(100, 100))
    result = _one(path, Settings(image_type="logo"))
    assert (result.path, result.kind, result.image_type) == (display(path), "image", "logo")
    assert [(f.code, f.entry) for f in result.findings] == [("IMG010", None)]
    assert "not an accepted size for a logo image" in result.findings[0].message


def test_an_image_exactly_at_the_byte_limit_is_still_probed(tmp_path: Path) -> None:
    data = flat_image(100, 100)
    path = _write(tmp_path, "logo.png", data)
    settings = Settings(image_type="logo", limits=Limits(max_image_bytes=len(data)))
    assert _codes(_one(path, settings)) == ["IMG010"]


def test_a_standalone_image_is_checked_under_its_own_name(tmp_path: Path) -> None:
    result = _one(_write(tmp_path, "logo.jpg", flat_image(144, 144)), Settings(image_type="logo"))
    [finding] = [f for f in result.findings if f.code == "IMG004"]
    assert "the name says JPEG (.jpg) but the content is PNG" in finding.message


def test_an_image_well_over_the_byte_limit_is_digested_whole(tmp_path: Path) -> None:
    data = flat_image(64, 64)
    path = _write(tmp_path, "logo.png", data)
    settings = Settings(image_type="logo", limits=Limits(max_image_bytes=len(data) // 2))
    result = _one(path, settings)
    assert (result.size, result.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_an_image_given_without_a_type_gets_the_type_independent_checks(tmp_path: Path) -> None:
    result = _one(_write(tmp_path, "logo.png", flat_image(100, 100)))
    assert result.image_type is None
    assert _codes(result) == ["IMG050"]
    assert result.findings[0].message.startswith("no image type is known for this image")


def test_check_paths_passes_on_what_discovery_noticed(tmp_path: Path) -> None:
    outside = _write(tmp_path, "outside.png", flat_image(8, 8))
    folder = tmp_path / "folder"
    folder.mkdir()
    _write(folder, "app.jar", make_jar())
    os.symlink(outside, folder / "link.png")
    report = check_paths([folder], Settings())
    assert len(report.notices) == 1 and "link.png: skipped" in report.notices[0]


# ---- what the engine itself reports ---------------------------------------------------------


def test_a_target_that_cannot_be_opened_is_file001(tmp_path: Path) -> None:
    path = tmp_path / "gone.jar"
    result = engine.check_target(Target(path, "artifact"), Settings(), RULES)
    assert (result.path, result.kind) == (display(path), "artifact")
    assert [(f.code, f.message, f.entry, f.integrity) for f in result.findings] == [
        ("FILE001", "cannot be read: No such file or directory, so it was not checked", None, True)
    ]


def test_an_os_error_without_a_reason_is_said_by_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object) -> None:
        raise OSError("the disk went away")

    monkeypatch.setattr(engine, "_check_image", fail)
    result = engine.check_target(Target(tmp_path / "a.png", "image"), Settings(), RULES)
    assert [f.message for f in result.findings] == [
        "cannot be read: the disk went away, so it was not checked"
    ]


def test_a_rule_crashing_on_a_target_is_an_internal_error_of_its_report(tmp_path: Path) -> None:
    @rule("TST010", Severity.ERROR, ImageView)
    def crash(view: ImageView) -> Iterator[Problem]:
        """Crash."""
        raise ValueError("oops")
        yield  # pragma: no cover

    module = type(engine)("crashing_rules")
    module.crash = crash  # type: ignore[attr-defined]
    path = _write(tmp_path, "logo.png", flat_image(8, 8))
    result = engine.check_target(Target(path, "image"), Settings(), RuleSet.from_modules([module]))
    assert result.internal_errors == ["rule TST010 crashed on the file: ValueError: oops"]


def test_the_count_of_findings_over_the_cap_keeps_their_integrity() -> None:
    @rule("TST011", Severity.ERROR, ImageView, integrity=True)
    def many(view: ImageView) -> Iterator[Problem]:
        """Many."""
        for i in range(3):
            yield Problem(f"p{i}", entry=f"e{i}")

    module = type(engine)("many_rules")
    module.many = many  # type: ignore[attr-defined]
    checker = engine.Checker(Settings(findings_per_code=1), RuleSet.from_modules([module]))
    checker.run(ImageView(name="x.png", size=0, load=lambda: None, types=(), limits=Limits()))
    findings = checker.finish()
    assert [(f.message, f.integrity) for f in findings] == [
        ("2 more TST011 findings in this file (3 in all; the first 1 are listed)", True),
        ("p0", True),
    ]


def _changing(monkeypatch: pytest.MonkeyPatch, before: tuple[int, int, int], after: tuple) -> None:  # type: ignore[type-arg]
    calls = iter([before, after])
    monkeypatch.setattr(engine, "_identity", lambda handle: next(calls))


def test_an_artifact_written_to_while_checked_is_file002(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "app.jar", make_jar())
    size = path.stat().st_size
    _changing(monkeypatch, (size, 1, 1), (size, 2, 2))  # same size, new mtime
    result = engine.check_target(Target(path, "artifact"), Settings(), RULES)
    assert [(f.code, f.message, f.entry) for f in result.findings] == [
        ("FILE002", "changed while it was being checked (it was written to during the check)", None)
    ]


def test_an_artifact_that_grew_while_checked_says_both_sizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "app.jar", make_jar())
    size = path.stat().st_size
    _changing(monkeypatch, (size, 1, 1), (size + 10, 2, 2))
    result = engine.check_target(Target(path, "artifact"), Settings(), RULES)
    assert [f.message for f in result.findings if f.code == "FILE002"] == [
        f"changed while it was being checked (its size went from {size:,} to {size + 10:,} bytes)"
    ]


def test_an_unchanged_artifact_is_not_said_to_have_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "app.jar", make_jar())
    size = path.stat().st_size
    _changing(monkeypatch, (size, 1, 1), (size, 1, 1))
    assert engine.check_target(Target(path, "artifact"), Settings(), RULES).findings == []
