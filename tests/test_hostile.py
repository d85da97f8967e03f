"""Hostile artifacts: each gets a verdict in bounded time and memory, never a traceback.

Each check runs in a fresh interpreter so that its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import hostile
from tests.builders import descriptor, make_jar, plugin_files
from tests.probe import measured_check

SECONDS = 10
PEAK_MB = 300


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<atlassian-plugin key="&lol9;" name="x" plugins-version="2"/>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<atlassian-plugin key="com.acme.x" name="&xxe;" plugins-version="2"/>
"""


def _hostile_files() -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, a code prefix the verdict must contain). Built once per module."""
    stored = hostile.stored_jar(
        {"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n", "data.txt": b"payload" * 100}
    )
    return {
        "zeros-1gib.jar": (hostile.zeros_bomb(), "ZIP032"),
        "overlap-2000.jar": (hostile.overlapping_records(2000), "ZIP024"),
        "nested-12.jar": (hostile.nested_jars(12), "ZIP033"),
        "entries-150000.jar": (hostile.many_entries(150_000), "ZIP030"),
        "traversal.jar": (
            hostile.with_names(["META-INF/MANIFEST.MF", "../../../../tmp/evil.sh"]),
            "ZIP022",
        ),
        "billion-laughs.jar": (
            make_jar(**{"atlassian-plugin.xml": BILLION_LAUGHS}),
            "XML",
        ),
        "external-entity.jar": (
            make_jar(**{"atlassian-plugin.xml": EXTERNAL_ENTITY}),
            "XML",
        ),
        "crc.jar": (hostile.damage(stored, b"payloadpayload", b"payloadPAYLOAD"), "ZIP010"),
        "truncated.jar": (make_jar()[:-200], "ZIP003"),
        "hidden-records.jar": (hostile.hidden_records(), "ZIP016"),
        "concatenated.jar": (hostile.concatenated(), "ZIP017"),
        "ratio-exempt-flood.jar": (hostile.ratio_exempt_flood(4000), "ZIP031"),
        "nested-entry-flood.jar": (hostile.nested_entry_flood(20, 99_000), "ZIP030"),
    }


NAMES = [
    "zeros-1gib.jar",
    "overlap-2000.jar",
    "nested-12.jar",
    "entries-150000.jar",
    "traversal.jar",
    "billion-laughs.jar",
    "external-entity.jar",
    "crc.jar",
    "truncated.jar",
    "hidden-records.jar",
    "concatenated.jar",
    "ratio-exempt-flood.jar",
    "nested-entry-flood.jar",
]


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("hostile")
    expected = {}
    for name, (data, code) in _hostile_files().items():
        (folder / name).write_bytes(data)
        expected[name] = code
    assert sorted(expected) == sorted(NAMES)
    return folder, expected


@pytest.mark.parametrize("name", NAMES)
def test_hostile_artifact_gets_bounded_verdict(
    name: str, hostile_dir: tuple[Path, dict[str, str]]
) -> None:
    folder, codes = hostile_dir
    expected = codes[name]
    verdict = measured_check(folder / name)
    assert any(code.startswith(expected) for code in verdict["codes"]), verdict
    assert verdict["seconds"] < SECONDS, verdict
    assert verdict["peak_mb"] < PEAK_MB, verdict


def test_nothing_is_written_outside_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking a traversal archive writes nothing next to it or above it."""
    from assetcheck.settings import Settings
    from tests.catalogue import check_paths

    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    jar = work / "evil.jar"
    jar.write_bytes(hostile.with_names(["META-INF/MANIFEST.MF", "../../escaped.txt", "/tmp/x"]))
    monkeypatch.chdir(work)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    check_paths([jar], Settings())
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_descriptor_params_survive_in_hostile_neighbourhood(tmp_path: Path) -> None:
    """A good plugin with a bomb bundled beside it still gets its plugin checks."""
    from assetcheck.settings import Settings
    from tests.catalogue import check_paths

    files = plugin_files(**{"META-INF/lib/bomb.jar": hostile.zeros_bomb(16 * 1024 * 1024)})
    files["atlassian-plugin.xml"] = descriptor()
    jar = tmp_path / "app.jar"
    jar.write_bytes(make_jar(files))
    report = check_paths([jar], Settings())
    found = {(f.code, f.entry) for f in report.files[0].findings}
    assert ("ZIP032", "META-INF/lib/bomb.jar!/zeros.bin") in found


def test_records_hidden_behind_the_count_are_checked(
    hostile_dir: tuple[Path, dict[str, str]],
) -> None:
    """Every record the directory holds is an entry: the second descriptor and the traversal
    name that a low end-record count hides are found by the rules that look for them."""
    folder, _ = hostile_dir
    verdict = measured_check(folder / "hidden-records.jar")
    assert {"ZIP016", "ZIP020", "ZIP022"} <= set(verdict["codes"]), verdict


def test_large_real_app_passes_the_limits(tmp_path: Path) -> None:
    """40,000 entries, 200 of them bundled jars of 500 entries: no limit trips, in bounds."""
    path = tmp_path / "big.jar"
    path.write_bytes(hostile.large_real_app())
    verdict = measured_check(path)
    assert not [code for code in verdict["codes"] if code.startswith("ZIP")], verdict
    assert verdict["seconds"] < SECONDS, verdict
    assert verdict["peak_mb"] < PEAK_MB, verdict
