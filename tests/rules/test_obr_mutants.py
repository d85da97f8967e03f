"""The OBR rules exactly: what each broken uri is told, which jar an absolute uri meant, how
sizes are shown, and which bundles the index rules leave to the container and manifest rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from assetcheck.report.model import FileReport
from assetcheck.rules.obr import REBUILD, resolve_uri
from tests.builders import KEY, VERSION, bundle_manifest, make_jar, make_obr, make_zip
from tests.rules.support import check_one

PLUGIN = f"issuehelper-{VERSION}.jar"
DEPENDENCY = "dependencies/acme-commons-2.4.1.jar"


def _bundle(name: str = "com.acme.commons", version: str = "2.4.1") -> bytes:
    return make_zip(
        {
            "META-INF/MANIFEST.MF": bundle_manifest(name, version),
            "com/acme/commons/Strings.class": b"\xca\xfe\xba\xbe",
        }
    )


def _resource(uri: str | None, name: str = "com.acme.commons", version: str = "2.4.1") -> str:
    uri_attribute = "" if uri is None else f' uri="{uri}"'
    return f'  <resource symbolicname="{name}" version="{version}"{uri_attribute}/>\n'


def _obr_xml(*resources: str) -> str:
    # Line 1 the declaration, line 2 <repository>, line 3 the plugin's resource.
    plugin = f'  <resource symbolicname="{KEY}" version="{VERSION}" uri="{PLUGIN}"/>\n'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<repository>\n'
        + plugin
        + "".join(resources)
        + "</repository>\n"
    )


def _check(
    tmp_path: Path, obr_xml: str | None, dependencies: dict[str, bytes] | None = None
) -> FileReport:
    path = tmp_path / "app.obr"
    deps = {DEPENDENCY: _bundle()} if dependencies is None else dependencies
    path.write_bytes(make_obr(None, deps, obr=obr_xml))
    return check_one(path)


def _found(result: FileReport, code: str) -> list[tuple[str | None, str, str | None, int | None]]:
    return [(f.entry, f.message, f.hint, f.line) for f in result.findings if f.code == code]


# ---- OBR010: uris that name no jar --------------------------------------------------------


def test_a_resource_without_a_uri_is_told_what_a_uri_looks_like(tmp_path: Path) -> None:
    result = _check(tmp_path, _obr_xml(_resource(DEPENDENCY), _resource(None)))
    assert _found(result, "OBR010") == [
        (
            "obr.xml",
            "a <resource> has no uri (expected the path of its jar relative to obr.xml, "
            "e.g. 'dependencies/acme-commons-2.4.1.jar')",
            REBUILD,
            5,
        )
    ]


def test_a_uri_climbing_out_of_the_obr_points_outside_it(tmp_path: Path) -> None:
    result = _check(tmp_path, _obr_xml(_resource(DEPENDENCY), _resource("../acme.jar")))
    assert _found(result, "OBR010") == [
        (
            "obr.xml",
            "uri '../acme.jar' points outside the OBR (expected a path inside it, relative to "
            "obr.xml)",
            REBUILD,
            5,
        )
    ]


@pytest.mark.parametrize(
    ("jar", "uri"),
    [
        (DEPENDENCY, "dependencies/ACME-Commons-2.4.1.jar"),  # the same name in another case
        (DEPENDENCY, "lib/acme-commons-2.4.1.jar"),  # the same name in another folder
        ("dependencies/sub/acme-commons-2.4.1.jar", "lib/acme-commons-2.4.1.jar"),
    ],
)
def test_a_uri_naming_no_entry_suggests_the_jar_it_probably_meant(
    tmp_path: Path, jar: str, uri: str
) -> None:
    result = _check(tmp_path, _obr_xml(_resource(uri)), {jar: _bundle()})
    assert _found(result, "OBR010") == [
        (
            "obr.xml",
            f"uri {uri!r} names no entry in the OBR (expected the path of a bundled jar, "
            "relative to obr.xml)",
            f"Did you mean '{jar}'? It exists. {REBUILD}",
            4,
        )
    ]


def test_a_uri_naming_nothing_like_a_bundled_jar_suggests_nothing(tmp_path: Path) -> None:
    result = _check(tmp_path, _obr_xml(_resource(DEPENDENCY), _resource("lib/other.jar")))
    [(_, _, hint, _)] = _found(result, "OBR010")
    assert hint == REBUILD


def test_elements_other_than_resources_are_passed_over(tmp_path: Path) -> None:
    xml = _obr_xml(
        '  <!-- generated -->\n  <referral depth="1" url="x"/>\n',
        '  <resource uri="dependencies/acme-commons-2.4.1.jar" version="2.4.1">'
        "<!-- no name --></resource>\n",
        _resource(None),
    )
    result = _check(tmp_path, xml)
    assert sorted((f.line, f.code) for f in result.findings) == [(6, "OBR013"), (7, "OBR010")]
    [(_, message, _, _)] = _found(result, "OBR013")
    assert message == (
        f"the resource for {DEPENDENCY!r} has no symbolicname (expected 'com.acme.commons', "
        "the jar's Bundle-SymbolicName)"
    )


# ---- OBR011: absolute uris ----------------------------------------------------------------


def test_an_absolute_uri_is_matched_to_the_longest_bundled_jar_it_ends_with(
    tmp_path: Path,
) -> None:
    uri = "file:///home/dev/target/obr/dependencies/z.jar"
    path = tmp_path / "app.obr"
    deps = {"dependencies/z.jar": _bundle(), "z.jar": _bundle("com.acme.z")}
    # A stale version too: but the uri is the problem, not the jar it probably meant.
    path.write_bytes(make_obr(None, deps, obr=_obr_xml(_resource(uri, version="9.9"))))
    result = check_one(path)
    assert _found(result, "OBR011") == [
        (
            "obr.xml",
            f"uri {uri!r} is absolute, so it does not point at a jar in the OBR "
            "(expected 'dependencies/z.jar')",
            REBUILD,
            4,
        )
    ]
    assert _found(result, "OBR014") == []


def test_an_absolute_uri_matching_no_jar_expects_a_relative_path(tmp_path: Path) -> None:
    uri = "https://repo.example/other.jar"
    result = _check(tmp_path, _obr_xml(_resource(DEPENDENCY), _resource(uri)))
    [(_, message, _, _)] = _found(result, "OBR011")
    assert message.endswith("(expected a path relative to obr.xml)")


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("https://repo.example", "/"),
        ("file:/a/../b.jar", "/b.jar"),
        ("file:/Xtra.jar", "/Xtra.jar"),
        ("file://host/X/y.jar", "/X/y.jar"),
    ],
)
def test_the_path_of_an_absolute_uri(uri: str, path: str) -> None:
    assert resolve_uri(uri) == ("absolute", path)


# ---- OBR012: sizes --------------------------------------------------------------------------


SIZES = {
    "1000": "1,000",
    "0007": "7",
    "000": "0",
    "1" * 20: "11,111,111,111,111,111,111",
    "1" * 21: "111111111111… (a 21-digit number)",
    "000" + "9" * 25: "999999999999… (a 25-digit number)",
}


def test_a_wrong_size_is_shown_as_people_read_it(tmp_path: Path) -> None:
    xml = _obr_xml(
        *(
            f'  <resource symbolicname="com.acme.commons" version="2.4.1" uri="{DEPENDENCY}">'
            f"<size>{size}</size></resource>\n"
            for size in SIZES
        )
    )
    found = sorted(_found(_check(tmp_path, xml), "OBR012"), key=lambda f: f[3] or 0)
    actual = len(_bundle())
    assert [message for _, message, _, _ in found] == [
        f"size is {shown} bytes but {DEPENDENCY!r} is {actual:,} bytes (expected them to "
        "match: obr.xml was generated for another build of the jar)"
        for shown in SIZES.values()
    ]


# ---- which bundles the index rules read -----------------------------------------------------


def test_versions_that_are_not_osgi_versions_agree_when_written_alike(tmp_path: Path) -> None:
    deps = {DEPENDENCY: _bundle(version="2.x")}
    result = _check(tmp_path, _obr_xml(_resource(DEPENDENCY, version="2.x")), deps)
    assert _found(result, "OBR014") == []
    other = _check(tmp_path, _obr_xml(_resource(DEPENDENCY, version="2.y")), deps)
    assert [m for _, m, _, _ in _found(other, "OBR014")] == [
        f"the resource for {DEPENDENCY!r} has version '2.y' (expected '2.x', the jar's "
        "Bundle-Version)"
    ]


def test_an_empty_dependency_is_left_to_the_container_rules(tmp_path: Path) -> None:
    result = _check(tmp_path, _obr_xml(_resource(DEPENDENCY)), {DEPENDENCY: make_zip({})})
    assert [(f.code, f.entry) for f in result.findings] == [("ZIP001", DEPENDENCY)]


def test_a_dependency_that_cannot_be_inflated_is_left_to_the_container_rules(
    tmp_path: Path,
) -> None:
    path = tmp_path / "app.obr"
    data = bytearray(make_obr(None, {DEPENDENCY: _bundle()}, obr=_obr_xml(_resource(DEPENDENCY))))
    data[data.index(b"com/acme/commons/Strings.class") + 40] ^= 0xFF  # inside the bundle's data
    path.write_bytes(bytes(data))
    result = check_one(path)
    assert {f.code for f in result.findings} <= {"ZIP010", "ZIP011", "ZIP014"}, result.findings
    assert {f.entry for f in result.findings} == {DEPENDENCY}


def test_an_obr_of_bundles_only_is_not_taken_for_a_renamed_plugin_jar(tmp_path: Path) -> None:
    path = tmp_path / "app.obr"
    path.write_bytes(make_zip({DEPENDENCY: _bundle()}, directories=False))
    [(_, message, _, _)] = _found(check_one(path), "OBR001")
    assert message.startswith("no jar at the root of the OBR")


def test_a_plugin_jar_under_an_obr_name_is_said_to_be_one(tmp_path: Path) -> None:
    path = tmp_path / "app.obr"
    path.write_bytes(make_jar())
    [(_, message, _, _)] = _found(check_one(path), "OBR001")
    assert message.startswith("this is a plugin jar (atlassian-plugin.xml at its root)")


@pytest.mark.parametrize(("count", "tail"), [(10, ""), (11, " and 1 more"), (13, " and 3 more")])
def test_an_obr_without_a_root_jar_names_ten_jars_elsewhere(
    tmp_path: Path, count: int, tail: str
) -> None:
    jars = {f"lib/j{i:02}.jar": _bundle(f"com.acme.j{i}") for i in range(count)}
    path = tmp_path / "app.obr"
    path.write_bytes(make_zip({"obr.xml": _obr_xml(), **jars}, directories=False))
    [(_, message, _, _)] = _found(check_one(path), "OBR001")
    shown = ", ".join(repr(jar) for jar in list(jars)[:10])
    assert message == (
        "no jar at the root of the OBR (expected the app's plugin jar next to obr.xml); jars "
        f"elsewhere: {shown}{tail}"
    )


def test_jars_past_twenty_that_obr_xml_does_not_list_are_summed_up(tmp_path: Path) -> None:
    jars = {f"dependencies/d{i:02}.jar": _bundle(f"com.acme.d{i}") for i in range(32)}
    result = _check(tmp_path, _obr_xml(), jars)
    found = _found(result, "OBR021")
    assert len(found) == 21
    [(entry, message, hint, _)] = [f for f in found if f[1].startswith("and ")]
    rest = list(jars)[20:]
    shown = ", ".join(repr(jar) for jar in rest[:10])
    assert (entry, hint) == ("obr.xml", REBUILD)
    assert message == (
        f"and 12 more jars no <resource> in obr.xml lists: {shown} and 2 more (expected a "
        "<resource> for each), so they are never resolved or installed"
    )
