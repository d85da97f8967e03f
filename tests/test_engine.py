"""The engine's own promises: each byte inflated once, one bundled jar open at a time."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from assetcheck.readers.zipreader import Budget
from assetcheck.settings import Settings
from tests.builders import bundle_manifest, make_jar, make_zip, plugin_files
from tests.catalogue import check_paths


def _inflated_bytes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    taken: list[int] = []
    real_take = Budget.take

    def count(self: Budget, amount: int) -> bool:
        taken.append(amount)
        return real_take(self, amount)

    monkeypatch.setattr(Budget, "take", count)
    return taken


def _bundle(i: int) -> bytes:
    files = {
        "META-INF/MANIFEST.MF": bundle_manifest(f"com.acme.lib{i}", "1.0.0"),
        "com/acme/Lib.class": b"\xca\xfe\xba\xbe" + bytes(range(256)) * 40,
    }
    return make_zip(files, directories=False)


def _uncompressed_total(data: bytes) -> int:
    """What a single inflation of everything, nested jars included, produces."""
    import io

    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            total += info.file_size
            if info.filename.endswith(".jar"):
                total += _uncompressed_total(archive.read(info))
    return total


def test_every_byte_of_a_jar_with_bundled_jars_is_inflated_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundles = {f"META-INF/lib/lib{i}.jar": _bundle(i) for i in range(5)}
    data = make_jar(plugin_files(**bundles))
    jar = tmp_path / "app.jar"
    jar.write_bytes(data)
    taken = _inflated_bytes(monkeypatch)
    [result] = check_paths([jar], Settings()).files
    assert not [f for f in result.findings if f.code.startswith("ZIP")], result.findings
    # Bundled jars were inflated twice before (verified, then spooled to be opened).
    assert sum(taken) == _uncompressed_total(data)


def test_a_corrupt_bundled_jar_is_still_reported_once(tmp_path: Path) -> None:
    bundle = bytearray(_bundle(0))
    bundle[200] ^= 0xFF  # inside the class file's data: a CRC error once inflated
    data = make_jar(plugin_files(**{"META-INF/lib/lib0.jar": bytes(bundle)}))
    jar = tmp_path / "app.jar"
    jar.write_bytes(data)
    [result] = check_paths([jar], Settings()).files
    crc = [(f.code, f.entry) for f in result.findings if f.code.startswith("ZIP01")]
    assert len(crc) == 1, result.findings


# ---- what the walk reports, and where ---------------------------------------------------


def _check(tmp_path: Path, name: str, data: bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(data)
    [result] = check_paths([path], Settings()).files
    return result


def test_an_obr_reports_the_app_its_plugin_jar_holds(tmp_path: Path) -> None:
    from tests.builders import KEY, VERSION, make_obr

    result = _check(tmp_path, "app.obr", make_obr())
    assert (result.kind, result.app_key, result.app_version) == ("artifact", KEY, VERSION)
    assert result.findings == []


def test_a_jar_reports_its_app_and_a_placeholder_version_is_none(tmp_path: Path) -> None:
    from tests.builders import KEY, VERSION, descriptor

    assert _check(tmp_path, "a.jar", make_jar()).app_version == VERSION
    templated = make_jar(**{"atlassian-plugin.xml": descriptor(version="${project.version}")})
    result = _check(tmp_path, "b.jar", templated)
    assert (result.app_key, result.app_version) == (KEY, None)


def test_findings_inside_an_obr_name_the_bundle_they_are_in(tmp_path: Path) -> None:
    from tests.builders import flat_image, make_obr

    bad_bundle = make_zip({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n", "x.txt": "x"})
    plugin = make_jar(**{"images/logo.png": flat_image(100, 100)})  # the logo must be 144x144
    obr = make_obr(plugin, {"dependencies/plain.jar": bad_bundle})
    found = {(f.code, f.entry) for f in _check(tmp_path, "app.obr", obr).findings}
    assert ("IMG010", "issuehelper-1.2.0.jar!/images/logo.png") in found, found
    assert ("OBR020", "dependencies/plain.jar") in found, found


def test_each_artifact_has_its_own_decode_budget(tmp_path: Path) -> None:
    from tests.builders import flat_image, marketing

    names = [f"images/shot{i}.png" for i in range(5)]
    files = plugin_files(
        **{"atlassian-plugin-marketing.xml": marketing(screenshots=names)},
        **dict.fromkeys(names, flat_image(3400, 3400)),  # 5 x 11.6 million pixels: 58 million
    )
    for name in ("one.jar", "two.jar"):  # each under 100 million alone, 116 million together
        (tmp_path / name).write_bytes(make_jar(files))
    report = check_paths([tmp_path / "one.jar", tmp_path / "two.jar"], Settings())
    assert [f.code for file in report.files for f in file.findings if f.code == "IMG023"] == []


def test_a_trees_assets_are_its_images_with_the_types_they_are_referenced_as(
    tmp_path: Path,
) -> None:
    from tests.builders import source_files, write_tree

    tree = write_tree(tmp_path / "src/main/resources", source_files())
    (tree / "images/unreferenced.png").write_bytes(b"x")
    (tree / "images/banner.png").unlink()
    (file,) = check_paths([tree], Settings()).files
    assert "images/banner.png" not in file.assets  # referenced, but not there
    assert file.assets["images/unreferenced.png"].image_types == ()
    assert file.assets["images/logo.png"].image_types == ("logo",)
    assert file.assets["images/highlight1_cropped.png"].image_types == ("highlight-cropped",)
