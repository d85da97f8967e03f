"""Release hygiene (MF030, ZIP042): snapshot builds and junk that should never ship."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import (
    descriptor,
    make_jar,
    make_obr,
    make_zip,
    sdk_manifest,
    source_files,
    write_tree,
)
from tests.rules.support import Case, check_one, file_case, run_case

MF = "META-INF/MANIFEST.MF"
DESCRIPTOR = "atlassian-plugin.xml"


def snapshot(version: str = "1.2.0-SNAPSHOT", bundle: str | None = "1.2.0.SNAPSHOT") -> bytes:
    """The good plugin jar built as this version (as the SDK spells it in the manifest)."""
    return make_jar(
        **{
            DESCRIPTOR: descriptor(version=version),
            MF: sdk_manifest(**{"Bundle-Version": bundle}),
        }
    )


def junk(*names: str) -> bytes:
    return make_jar(**dict.fromkeys(names, b"junk"))


CASES: list[Case] = [
    file_case("snapshot-build", "MF030", snapshot(), entry=DESCRIPTOR),
    file_case(
        "snapshot-bundle-version-only",
        "MF030",
        snapshot(version="1.2.0", bundle="1.2.0.SNAPSHOT"),
        entry=MF,
    ),
    file_case("ds-store", "ZIP042", junk("images/.DS_Store"), only=True),
    file_case(
        "junk-in-a-bundled-jar",
        "ZIP042",
        make_obr(
            dependencies={
                "dependencies/lib.jar": make_zip(
                    {
                        MF: "Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\n"
                        "Bundle-SymbolicName: lib\r\nBundle-Version: 1.0.0\r\n",
                        "lib/Util.class~": b"\xca\xfe",
                    }
                )
            },
            obr="<repository/>",
        ),
        name="app.obr",
        entry="dependencies/lib.jar",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def _found(tmp_path: Path, data: bytes, code: str, name: str = "app.jar") -> list:
    path = tmp_path / name
    path.write_bytes(data)
    return [f for f in check_one(path).findings if f.code == code]


# ---- snapshots ------------------------------------------------------------------------------


def test_a_snapshot_build_is_one_finding_naming_both_versions(tmp_path: Path) -> None:
    [finding] = _found(tmp_path, snapshot(), "MF030")
    assert finding.severity.label == "warning"
    assert finding.message == (
        "uploading a snapshot: plugin-info/version '1.2.0-SNAPSHOT' and Bundle-Version "
        "'1.2.0.SNAPSHOT' (expected a release version such as 1.2.0)"
    )
    assert finding.line == 5  # the descriptor's <version>


@pytest.mark.parametrize(
    ("version", "bundle", "snapshot_"),
    [
        ("1.2.0", "1.2.0", False),
        ("1.2.0-SNAPSHOT", "1.2.0.SNAPSHOT", True),
        ("1.2.0-snapshot", "1.2.0.snapshot", True),
        ("1.2.0.SNAPSHOT", "1.2.0.SNAPSHOT", True),
        ("1.2.0-SNAPSHOTS", "1.2.0.SNAPSHOTS", False),
        ("1.2.0-NOSNAPSHOT", "1.2.0.NOSNAPSHOT", False),
        ("1.2.0-beta", "1.2.0.beta", False),
    ],
)
def test_snapshot_versions(version: str, bundle: str, snapshot_: bool, tmp_path: Path) -> None:
    assert bool(_found(tmp_path, snapshot(version, bundle), "MF030")) is snapshot_


def test_an_invalid_snapshot_bundle_version_is_mf013s_alone(tmp_path: Path) -> None:
    # 1.2.0-SNAPSHOT is no OSGi version: one mistake, MF013 says it.
    data = snapshot(version="1.2.0", bundle="1.2.0-SNAPSHOT")
    path = tmp_path / "app.jar"
    path.write_bytes(data)
    assert [f.code for f in check_one(path).findings] == ["MF013"]


def test_a_source_tree_is_never_a_snapshot(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, source_files(**{DESCRIPTOR: descriptor(version="1.2.0-SNAPSHOT")}))
    assert "MF030" not in [f.code for f in check_one(tree).findings]


def test_dependencies_are_not_the_release(tmp_path: Path) -> None:
    dependency = make_zip(
        {
            MF: "Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\n"
            "Bundle-SymbolicName: lib\r\nBundle-Version: 1.0.0.SNAPSHOT\r\n",
            "lib/Util.class": b"\xca\xfe",
        }
    )
    data = make_obr(dependencies={"dependencies/lib.jar": dependency}, obr="<repository/>")
    assert _found(tmp_path, data, "MF030", "app.obr") == []


# ---- junk -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (".DS_Store", "'.DS_Store'"),
        ("images/.DS_Store", "'images/.DS_Store'"),
        ("images/Thumbs.db", "'images/Thumbs.db'"),
        ("images/thumbs.db", "'images/thumbs.db'"),
        ("images/._logo.png", "'images/._logo.png'"),
        ("__MACOSX/images/._logo.png", "'__MACOSX/'"),
        (".git/HEAD", "'.git/'"),
        ("src/.git/config", "'src/.git/'"),
        ("atlassian-plugin.xml~", "'atlassian-plugin.xml~'"),
        ("images/.logo.png.swp", "'images/.logo.png.swp'"),
        ("i18n.properties.bak", "'i18n.properties.bak'"),
        ("atlassian-plugin.xml.orig", "'atlassian-plugin.xml.orig'"),
        ("atlassian-plugin.xml.rej", "'atlassian-plugin.xml.rej'"),
    ],
)
def test_junk(name: str, shown: str, tmp_path: Path) -> None:
    [finding] = _found(tmp_path, junk(name), "ZIP042")
    assert finding.entry is None  # the archive itself: one finding per archive
    assert finding.message.startswith(f"1 entry that should never ship: {shown} (expected")


@pytest.mark.parametrize(
    "name",
    [
        "images/logo.png",
        ".github/workflows/build.yml",
        "com/acme/git/Helper.class",
        "images/backup/logo.png",
        "i18n_orig.properties",
        "META-INF/maven/com.acme/helper/pom.xml",
    ],
)
def test_not_junk(name: str, tmp_path: Path) -> None:
    assert _found(tmp_path, junk(name), "ZIP042") == []


def test_junk_is_one_finding_naming_the_first_few_with_a_count(tmp_path: Path) -> None:
    names = [
        ".DS_Store",
        "images/.DS_Store",
        *(f".git/objects/{n:02x}" for n in range(40)),
        "__MACOSX/._x",
        "a.bak",
        "b.bak",
        "c.orig",
        "d.rej",
    ]
    [finding] = _found(tmp_path, junk(*names), "ZIP042")
    assert finding.message.startswith(
        "47 entries that should never ship: '.DS_Store', 'images/.DS_Store', "
        "'.git/' (40 entries), '__MACOSX/', 'a.bak' and 3 more (expected none of"
    )


def test_the_good_jar_ships_no_junk(tmp_path: Path) -> None:
    assert _found(tmp_path, make_jar(), "ZIP042") == []


def _junk_kind_by_parts(name: str) -> tuple[str, str] | None:
    """The junk test without the hint prefilter: the path parsed for every name."""
    from pathlib import PurePosixPath

    from rules.hygiene import JUNK_FOLDERS, JUNK_NAMES, JUNK_SUFFIXES

    parts = PurePosixPath(name).parts
    for depth, part in enumerate(parts[:-1]):
        if part in JUNK_FOLDERS:
            return "folder", "/".join(parts[: depth + 1]) + "/"
    if not parts:
        return None
    base = parts[-1]
    if base.lower() in JUNK_NAMES or base.endswith("~") or base.lower().endswith(JUNK_SUFFIXES):
        return "file", name
    return ("file", name) if base.startswith("._") else None


_PIECES = [
    "a",
    "B",
    "/",
    "//",
    ".",
    "./",
    "~",
    "._",
    ".git",
    ".GIT",
    "__MACOSX",
    ".DS_Store",
    "thumbs.db",
    "Desktop.INI",
    ".swp",
    ".BAK",
    ".orig",
    ".rej",
    ".svn",
    ".hg",
    "x.jar",
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join))
def test_the_junk_hint_prefilter_never_hides_junk(name: str) -> None:
    from rules.hygiene import _junk_kind

    assert _junk_kind(name) == _junk_kind_by_parts(name)
