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
