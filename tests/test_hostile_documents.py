"""Hostile documents inside artifacts: each gets its verdict in bounded time and memory.

XML that declares entities (exponential, quadratic, parameter and external ones), manifests
whose size or line count is the attack, descriptors with thousands of colliding keys or
broken references, and digit runs longer than ``int()`` accepts. Each is built here, checked
in a fresh interpreter (``tests/probe.py``) and must get the expected finding, never a crash,
in under ``SECONDS`` and ``PEAK_MB``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.builders import (
    bundle_manifest,
    descriptor,
    make_jar,
    make_obr,
    make_zip,
    marketing,
    obr_xml,
    plugin_files,
    sdk_manifest,
    source_files,
    write_tree,
)
from tests.probe import measured_check
from tests.rules.support import check_one

SECONDS = 10
PEAK_MB = 300
DESCRIPTOR = "atlassian-plugin.xml"
MF = "META-INF/MANIFEST.MF"
BODY = descriptor().split("\n", 1)[1]  # the descriptor without its XML declaration
SECRET = "assetcheck-secret-7f3a9c"


def _with_text(text: str) -> str:
    """The builders' descriptor with ``text`` as its description (where entities go)."""
    return BODY.replace("<description>", "<description>" + text, 1)


def _laughs() -> bytes:
    chain = "".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i else "&lol;") * 10}">' for i in range(10)
    )
    doc = f'<!DOCTYPE atlassian-plugin [<!ENTITY lol "lol">{chain}]>\n' + _with_text("&lol9;")
    return make_jar(**{DESCRIPTOR: doc})


def _quadratic() -> bytes:
    """One 100 KB entity referenced 100,000 times: 10 GB if expanded."""
    entity = "x" * 100_000
    doc = f'<!DOCTYPE atlassian-plugin [<!ENTITY a "{entity}">]>\n' + _with_text("&a;" * 100_000)
    return make_jar(**{DESCRIPTOR: doc})


def _parameter_entities() -> bytes:
    chain = "".join(f'<!ENTITY % p{i} "{f"%p{i - 1};" * 10}">' for i in range(1, 10))
    doc = f'<!DOCTYPE atlassian-plugin [<!ENTITY % p0 "xxxxxxxxxx">{chain}%p9;]>\n' + BODY
    return make_jar(**{DESCRIPTOR: doc})


def _external(secret: Path) -> bytes:
    url = secret.as_uri()
    doc = (
        f'<!DOCTYPE atlassian-plugin [<!ENTITY xxe SYSTEM "{url}">'
        f'<!ENTITY % pe SYSTEM "{url}"> %pe;]>\n' + _with_text("&xxe;")
    )
    return make_jar(**{DESCRIPTOR: doc})


Builder = Callable[[Path], bytes]
XML_CASES: dict[str, tuple[Builder, str]] = {
    "billion-laughs.jar": (lambda _: _laughs(), "XML002"),
    "quadratic-blowup.jar": (lambda _: _quadratic(), "XML002"),
    "parameter-entities.jar": (lambda _: _parameter_entities(), "XML002"),
    "external-entity.jar": (_external, "XML002"),
}


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "passwd"
    path.write_text(f"root:x:0:0:{SECRET}:/root:/bin/sh\n")
    return path


def _measured(folder: Path, name: str, data: bytes, expected: str) -> dict[str, object]:
    path = folder / name
    path.write_bytes(data)
    verdict = measured_check(path)
    assert expected in verdict["codes"], verdict  # type: ignore[operator]
    assert verdict["seconds"] < SECONDS, verdict  # type: ignore[operator]
    assert verdict["peak_mb"] < PEAK_MB, verdict  # type: ignore[operator]
    return verdict


@pytest.mark.parametrize("name", list(XML_CASES))
def test_entity_attacks_get_bounded_verdicts(name: str, secret: Path, tmp_path: Path) -> None:
    build, code = XML_CASES[name]
    _measured(tmp_path, name, build(secret), code)


def test_external_entities_are_never_read(secret: Path, tmp_path: Path) -> None:
    path = tmp_path / "xxe.jar"
    path.write_bytes(_external(secret))
    result = check_one(path)
    assert "XML002" in {f.code for f in result.findings}
    text = repr(result)
    assert SECRET not in text and "root:x:0:0" not in text


# ---- manifests ------------------------------------------------------------------------------


def _wrap(name: str, value: str) -> bytes:
    """One header as the JAR tool writes it (72-byte lines), in linear time for huge values."""
    line = f"{name}: {value}".encode()
    parts = [line[:72]] + [b" " + line[i : i + 71] for i in range(72, len(line), 71)]
    return b"\r\n".join(parts) + b"\r\n"


def _stored_jar(manifest: bytes) -> bytes:
    """The good plugin jar with this manifest, stored: a deflated one trips the ratio limit."""
    files = plugin_files(**{MF: manifest})
    return make_zip(files, compression=zipfile.ZIP_STORED)


def _sdk_without(name: str) -> bytes:
    return sdk_manifest(**{name: None}).encode()


MANIFEST_CASES: dict[str, tuple[Callable[[], bytes], str | None]] = {
    # 262,000 issues of one kind: kept to the first few, the rest counted.
    "bad-lines.jar": (
        lambda: _stored_jar(b"Manifest-Version: 1.0\r\n" + b"not a header line\r\n" * 262_000),
        "MF006",
    ),
    # A 15 MB Import-Package: the OSGi grammar is checked on a bounded number of characters.
    "import-15mb.jar": (
        lambda: _stored_jar(
            _sdk_without("Import-Package")
            + _wrap(
                "Import-Package",
                ",".join(f'com.acme.p{n};version="[1.0,2)"' for n in range(450_000)),
            )
        ),
        "MF014",
    ),
    # 3.5 million clauses, each an error.
    "symbolic-name-14mb.jar": (
        lambda: _stored_jar(
            _sdk_without("Bundle-SymbolicName")
            + _wrap("Bundle-SymbolicName", ",".join("a b" for _ in range(3_500_000)))
        ),
        "MF012",
    ),
    # Just under the line limit: read whole, and clean.
    "continuations-990k.jar": (
        lambda: _stored_jar(sdk_manifest().encode() + b"X-Long: a\r\n" + b" b\r\n" * 990_000),
        None,
    ),
    "orphan-continuations-1m.jar": (
        lambda: _stored_jar(b"Manifest-Version: 1.0\r\n\r\n" + b" b\r\n" * 1_000_000),
        "MF004",
    ),
    "distinct-headers-1m.jar": (
        lambda: _stored_jar(
            b"Manifest-Version: 1.0\r\n" + b"".join(b"H%d: b\r\n" % n for n in range(1_200_000))
        ),
        "MF001",
    ),
    "repeated-header-3m.jar": (
        lambda: _stored_jar(b"Manifest-Version: 1.0\r\n" + b"A: b\n" * 3_200_000),
        "MF009",
    ),
    # Lines that are neither headers nor continuations: reading stops at the line limit.
    "blank-lines-16m.jar": (
        lambda: _stored_jar(b"Manifest-Version: 1.0\r\n" + b"\n" * 16_000_000),
        "MF001",
    ),
    "bad-lines-8m.jar": (
        lambda: _stored_jar(b"Manifest-Version: 1.0\r\n" + b"x\n" * 8_000_000),
        "MF001",
    ),
}


@pytest.mark.parametrize("name", list(MANIFEST_CASES))
def test_hostile_manifests_get_bounded_verdicts(name: str, tmp_path: Path) -> None:
    build, code = MANIFEST_CASES[name]
    data = build()
    assert len(data) < 17_000_000  # under the document limit, so the manifest is read
    if code is None:
        path = tmp_path / name
        path.write_bytes(data)
        verdict = measured_check(path)
        assert not [c for c in verdict["codes"] if c.startswith("MF")], verdict
        assert verdict["seconds"] < SECONDS and verdict["peak_mb"] < PEAK_MB, verdict
    else:
        _measured(tmp_path, name, data, code)


# ---- descriptors ----------------------------------------------------------------------------


def _same_key_modules(count: int, *, restricted: bool) -> bytes:
    """``count`` modules sharing one key; restricted ones each to its own application."""
    scope = ' application="app{n}"' if restricted else ""
    modules = "".join(
        f'\n    <servlet key="same"{scope.format(n=n)} class="C{n}"/>' for n in range(count)
    )
    return make_jar(**{DESCRIPTOR: descriptor(modules=modules)})


@pytest.mark.parametrize("restricted", [True, False], ids=["disjoint", "colliding"])
def test_thousands_of_modules_sharing_a_key(restricted: bool, tmp_path: Path) -> None:
    data = _same_key_modules(5000, restricted=restricted)
    path = tmp_path / "modules.jar"
    path.write_bytes(data)
    verdict = measured_check(path)
    assert ("DSC040" in verdict["codes"]) is not restricted, verdict
    assert verdict["seconds"] < SECONDS and verdict["peak_mb"] < PEAK_MB, verdict
    if not restricted:
        found = [f for f in check_one(path).findings if f.code == "DSC040"]
        assert len(found) == 1 and "4,999 modules" in found[0].message


# ---- broken references by the ten thousand --------------------------------------------------


def _missing_marketing_images(count: int) -> bytes:
    """``count`` screenshots that do not exist, among ``count`` other entries."""
    files = plugin_files(
        **{
            "atlassian-plugin-marketing.xml": marketing(
                screenshots=[f"images/s{n}.png" for n in range(count)]
            )
        }
    )
    files.update({f"other/file{n}.txt": b"" for n in range(count)})
    return make_jar(files)


def _broken_obr(uris: int, jars: int) -> bytes:
    dependencies = {
        f"dependencies/dep{n}.jar": make_zip({MF: bundle_manifest(f"com.acme.d{n}", "1.0.0")})
        for n in range(jars)
    }
    resources = [(f"dependencies/gone{n}.jar", f"com.acme.g{n}", "1.0.0", 10) for n in range(uris)]
    return make_obr(dependencies=dependencies, obr=obr_xml(resources))


@pytest.mark.parametrize(
    ("name", "build", "code"),
    [
        ("marketing-30000.jar", lambda: _missing_marketing_images(30_000), "MKT002"),
        ("obr-30000-uris.obr", lambda: _broken_obr(30_000, 3_000), "OBR010"),
    ],
)
def test_thousands_of_broken_references(
    name: str, build: Callable[[], bytes], code: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(build())
    verdict = measured_check(path)
    assert code in verdict["codes"], verdict
    assert verdict["seconds"] < SECONDS and verdict["peak_mb"] < PEAK_MB, verdict
    found = [f for f in check_one(path).findings if f.code == code]
    assert len(found) == 21 and "more" in found[-1].message


def test_a_source_tree_with_60000_missing_images(tmp_path: Path) -> None:
    shots = [f"images/s{n}.png" for n in range(60_000)]
    tree = write_tree(
        tmp_path / "resources",
        source_files(**{"atlassian-plugin-marketing.xml": marketing(screenshots=shots)}),
    )
    verdict = measured_check(tree)
    assert "MKT002" in verdict["codes"], verdict
    assert verdict["seconds"] < SECONDS and verdict["peak_mb"] < PEAK_MB, verdict


# ---- digit runs longer than int() takes -----------------------------------------------------

DIGITS = "1" * 5000


def _obr_with_size(size: str) -> bytes:
    plugin = make_jar()
    resources = [("issuehelper-1.2.0.jar", "com.acme.jira.issuehelper", "1.2.0", size)]
    return make_obr(plugin=plugin, obr=obr_xml(resources))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "build", "code"),
    [
        (
            "bundle-version.jar",
            lambda: make_jar(**{MF: sdk_manifest(**{"Bundle-Version": f"1.{DIGITS}.0"})}),
            "MF013",
        ),
        (
            "import-range.jar",
            lambda: make_jar(
                **{MF: sdk_manifest(**{"Import-Package": f'org.slf4j;version="[1.7,{DIGITS})"'})}
            ),
            "MF014",
        ),
        (
            "plugin-version.jar",
            lambda: make_jar(**{DESCRIPTOR: descriptor(version=f"1.{DIGITS}.0")}),
            "MF024",
        ),
        (
            "compatibility.jar",
            lambda: make_jar(
                **{
                    "atlassian-plugin-marketing.xml": marketing(
                        compatibility=f'<product name="jira" min="10.{DIGITS}" max="9.{DIGITS}"/>'
                    )
                }
            ),
            "MKT004",
        ),
        ("obr-size.obr", lambda: _obr_with_size(DIGITS), "OBR012"),
    ],
)
def test_5000_digit_numbers_are_findings(
    name: str, build: Callable[[], bytes], code: str, tmp_path: Path
) -> None:
    _measured(tmp_path, name, build(), code)
