import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetcheck.rules.obr import resolve_uri
from tests.builders import (
    KEY,
    VERSION,
    bundle_manifest,
    make_jar,
    make_obr,
    make_zip,
    obr_xml,
)
from tests.rules.support import Case, check_one, file_case, run_case

PLUGIN = f"issuehelper-{VERSION}.jar"
DEP = "dependencies/acme-commons-2.4.1.jar"
JAR = make_jar()


def bundle(symbolic_name: str = "com.acme.commons", version: str = "2.4.1") -> bytes:
    return make_zip(
        {
            "META-INF/MANIFEST.MF": bundle_manifest(symbolic_name, version),
            "com/acme/commons/Strings.class": b"\xca\xfe\xba\xbe",
        }
    )


DEP_JAR = bundle()
PLAIN_JAR = make_zip(
    {"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\n", "org/x/X.class": b"\xca\xfe\xba\xbe"}
)
NO_MANIFEST_JAR = make_zip({"org/x/X.class": b"\xca\xfe\xba\xbe"})

# (uri, symbolicname, version, size) for the good OBR's two jars.
PLUGIN_RES = (PLUGIN, KEY, VERSION, len(JAR))
DEP_RES = (DEP, "com.acme.commons", "2.4.1", len(DEP_JAR))


def obr(files: dict[str, bytes | str]) -> bytes:
    """An .obr with exactly these entries, stored like AMPS writes it."""
    return make_zip(files, compression=zipfile.ZIP_STORED, directories=False)


def with_resources(
    *resources: tuple[str, str, str, int], jars: dict[str, bytes] | None = None
) -> bytes:
    """The good OBR's jars, or ``jars`` (entry name -> bytes), with an obr.xml of ``resources``."""
    files: dict[str, bytes | str] = dict(jars or {PLUGIN: JAR, DEP: DEP_JAR})
    files["obr.xml"] = obr_xml(list(resources))
    return obr(files)


def with_dependency(
    data: bytes,
    *,
    name: str = DEP,
    uri: str | None = None,
    symbolic_name: str = "com.acme.commons",
    version: str = "2.4.1",
) -> bytes:
    """The good OBR with ``data`` as its dependency, listed as told (correctly by default)."""
    resource = (uri or name, symbolic_name, version, len(data))
    return with_resources(PLUGIN_RES, resource, jars={PLUGIN: JAR, name: data})


def obr_case(case_id: str, code: str, data: bytes, **kwargs: object) -> Case:
    return file_case(case_id, code, data, name="app.obr", **kwargs)


NAMESPACED = obr_xml([PLUGIN_RES, DEP_RES]).replace(
    "<repository ", '<repository xmlns="http://www.osgi.org/xmlns/obr/v1.0.0" '
)

CASES: list[Case] = [
    obr_case(
        "no-root-jar",
        "OBR001",
        obr({DEP: DEP_JAR, "obr.xml": obr_xml([DEP_RES])}),
        only=True,
    ),
    obr_case("plugin-jar-named-obr", "OBR001", JAR, only=True),
    obr_case(
        "two-root-jars",
        "OBR002",
        obr(
            {
                PLUGIN: JAR,
                "acme-commons-2.4.1.jar": DEP_JAR,
                "obr.xml": obr_xml([PLUGIN_RES, ("acme-commons-2.4.1.jar", *DEP_RES[1:])]),
            }
        ),
        entry="acme-commons-2.4.1.jar",
        only=True,
    ),
    obr_case("no-obr-xml", "OBR003", obr({PLUGIN: JAR, DEP: DEP_JAR}), only=True),
    obr_case(
        "not-a-repository",
        "OBR004",
        make_obr(obr='<?xml version="1.0"?>\n<bundles>\n  <bundle uri="x.jar"/>\n</bundles>\n'),
        entry="obr.xml",
        only=True,
    ),
    obr_case(
        "listed-jar-missing",
        "OBR010",
        with_resources(PLUGIN_RES, DEP_RES, ("dependencies/gone-1.0.jar", "gone", "1.0", 10)),
        entry="obr.xml",
        only=True,
    ),
    obr_case(
        "uri-climbs-out",
        "OBR010",
        with_resources(PLUGIN_RES, DEP_RES, ("../elsewhere.jar", "x", "1.0", 10)),
        entry="obr.xml",
        only=True,
    ),
    obr_case(
        "uri-wrong-folder",
        "OBR010",
        with_resources(PLUGIN_RES, ("acme-commons-2.4.1.jar", *DEP_RES[1:])),
        entry="obr.xml",
        only=True,  # the "did you mean" names the jar: not reported again as unlisted
    ),
    obr_case(
        "file-uri",
        "OBR011",
        with_resources(PLUGIN_RES, (f"file:/home/dev/issuehelper/target/obr/{DEP}", *DEP_RES[1:])),
        entry="obr.xml",
        only=True,
    ),
    obr_case(
        "absolute-path-uri",
        "OBR011",
        with_resources(("/" + PLUGIN, *PLUGIN_RES[1:]), DEP_RES),
        entry="obr.xml",
        only=True,
    ),
    obr_case(
        "size-differs",
        "OBR012",
        with_resources(PLUGIN_RES, (*DEP_RES[:3], len(DEP_JAR) + 1)),
        entry="obr.xml",
        only=True,
    ),
    obr_case(
        "symbolicname-differs",
        "OBR013",
        with_resources((PLUGIN, "com.acme.jira.helper", VERSION, len(JAR)), DEP_RES),
        entry="obr.xml",
        only=True,
    ),
    obr_case(
        "version-differs",
        "OBR014",
        with_resources(PLUGIN_RES, (*DEP_RES[:2], "2.4.0", DEP_RES[3])),
        entry="obr.xml",
        only=True,
    ),
    # only=True: the manifest rules leave a jar without bundle headers alone (a plain library),
    # so this is the one finding that says a dependency is not a bundle.
    obr_case(
        "dependency-without-bundle-symbolicname",
        "OBR020",
        with_dependency(PLAIN_JAR),
        entry=DEP,
        only=True,
    ),
    obr_case(
        "dependency-without-manifest",
        "OBR020",
        with_dependency(NO_MANIFEST_JAR),
        entry=DEP,
        only=True,
    ),
    obr_case(
        "unlisted-dependency",
        "OBR021",
        with_resources(
            PLUGIN_RES,
            DEP_RES,
            jars={PLUGIN: JAR, DEP: DEP_JAR, "dependencies/extra-1.0.jar": bundle("org.extra")},
        ),
        entry="dependencies/extra-1.0.jar",
        only=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def obr_findings(data: bytes, tmp_path: Path) -> list[tuple[str, str | None]]:
    path = tmp_path / "app.obr"
    path.write_bytes(data)
    return [(f.code, f.entry) for f in check_one(path).findings if f.code.startswith("OBR")]


def test_good_obr_has_no_obr_findings(tmp_path: Path) -> None:
    assert obr_findings(make_obr(), tmp_path) == []


def test_good_jar_has_no_obr_findings(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(JAR)
    assert not [f for f in check_one(path).findings if f.code.startswith("OBR")]


@pytest.mark.parametrize(
    "uri",
    [
        f"./{DEP}",
        DEP.replace("acme-commons", "acme%2Dcommons"),
        f"dependencies/./sub/../{DEP.split('/')[1]}",
    ],
)
def test_equivalent_relative_uris_resolve(uri: str, tmp_path: Path) -> None:
    data = with_dependency(DEP_JAR, uri=uri)
    assert obr_findings(data, tmp_path) == []


def test_percent_encoded_name_with_space(tmp_path: Path) -> None:
    data = with_dependency(
        DEP_JAR, name="dependencies/acme commons.jar", uri="dependencies/acme%20commons.jar"
    )
    assert obr_findings(data, tmp_path) == []


def test_namespaced_repository_is_read(tmp_path: Path) -> None:
    assert obr_findings(make_obr(obr=NAMESPACED), tmp_path) == []


@pytest.mark.parametrize(
    ("declared", "manifest", "same"),
    [
        ("1.2", "1.2.0", True),
        ("1", "1.0.0", True),
        ("1.2.0", "1.2", True),
        ("1.2.0.SNAPSHOT", "1.2.0.SNAPSHOT", True),
        ("1.2.1", "1.2.0", False),
        ("1.2.0.SNAPSHOT", "1.2.0", False),
    ],
)
def test_versions_compare_as_osgi_versions(
    declared: str, manifest: str, same: bool, tmp_path: Path
) -> None:
    data = with_dependency(bundle(version=manifest), version=declared)
    expected = [] if same else [("OBR014", "obr.xml")]
    assert obr_findings(data, tmp_path) == expected


def test_symbolicname_directives_are_ignored(tmp_path: Path) -> None:
    data = with_dependency(bundle("com.acme.commons;singleton:=true"))
    assert obr_findings(data, tmp_path) == []


def test_dependency_that_cannot_be_opened_is_not_reported_again(tmp_path: Path) -> None:
    data = with_dependency(b"this is not a zip archive at all" * 4)
    path = tmp_path / "app.obr"
    path.write_bytes(data)
    findings = check_one(path).findings
    assert [f.code for f in findings if f.entry == DEP and f.code.startswith("ZIP")]
    assert not [f for f in findings if f.code.startswith("OBR")]


def test_renamed_plugin_jar_reports_one_obr_problem(tmp_path: Path) -> None:
    assert obr_findings(JAR, tmp_path) == [("OBR001", None)]


def test_file_uri_names_the_relative_path_in_its_message(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "file-uri")
    result = run_case(case, tmp_path)
    (finding,) = [f for f in result.findings if f.code == "OBR011"]
    assert repr(DEP) in finding.message
    assert finding.line is not None


def test_wrong_folder_suggests_the_entry(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "uri-wrong-folder")
    result = run_case(case, tmp_path)
    (finding,) = [f for f in result.findings if f.code == "OBR010"]
    assert DEP in (finding.hint or "")


def test_missing_resource_uri_is_reported(tmp_path: Path) -> None:
    xml = obr_xml([PLUGIN_RES, DEP_RES]).replace(f' uri="{DEP}"', "")
    assert ("OBR010", "obr.xml") in obr_findings(make_obr(obr=xml), tmp_path)


@pytest.mark.parametrize("size", ["big", "²", "-1", "1e3"])
def test_size_that_is_not_a_number(size: str, tmp_path: Path) -> None:
    xml = obr_xml([PLUGIN_RES, DEP_RES]).replace(
        f"<size>{len(DEP_JAR)}</size>", f"<size>{size}</size>"
    )
    assert obr_findings(make_obr(obr=xml), tmp_path) == [("OBR012", "obr.xml")]


def test_unparseable_obr_xml_is_left_to_the_xml_rules(tmp_path: Path) -> None:
    assert obr_findings(make_obr(obr="<repository><resource></repository>"), tmp_path) == []


def test_unlisted_root_jar_when_uri_points_elsewhere(tmp_path: Path) -> None:
    data = with_resources(("issuehelper-1.1.0.jar", *PLUGIN_RES[1:]), DEP_RES)
    assert sorted(obr_findings(data, tmp_path)) == [("OBR010", "obr.xml"), ("OBR021", PLUGIN)]


@pytest.mark.parametrize(
    ("uri", "kind", "path"),
    [
        ("a.jar", "relative", "a.jar"),
        ("  ./dependencies/b.jar ", "relative", "dependencies/b.jar"),
        ("dependencies/../a.jar", "relative", "a.jar"),
        ("a%20b.jar", "relative", "a b.jar"),
        ("a.jar#frag", "relative", "a.jar"),
        ("../a.jar", "outside", "../a.jar"),
        ("dependencies/../../a.jar", "outside", "dependencies/../../a.jar"),
        ("file:/tmp/obr/a.jar", "absolute", "/tmp/obr/a.jar"),
        ("file:///tmp/obr/a.jar", "absolute", "/tmp/obr/a.jar"),
        ("https://repo.example/obr/a.jar?x=1", "absolute", "/obr/a.jar"),
        ("/a.jar", "absolute", "/a.jar"),
        ("C:/build/a.jar", "absolute", "/build/a.jar"),
        ("", "relative", ""),
    ],
)
def test_resolve_uri(uri: str, kind: str, path: str) -> None:
    assert resolve_uri(uri) == (kind, path)


@given(st.text())
def test_resolve_uri_never_raises(uri: str) -> None:
    kind, path = resolve_uri(uri)
    assert kind in ("relative", "outside", "absolute")
    if kind == "relative":
        assert ".." not in path.split("/")


# ---- many broken uris, huge sizes ----------------------------------------------------------


def test_broken_uris_are_listed_then_summarised(tmp_path: Path) -> None:
    resources = [(f"dependencies/gone{n}.jar", "com.acme.x", "1.0.0", 10) for n in range(50)]
    resources.append(("DEPENDENCIES/ACME-COMMONS-2.4.1.JAR", "com.acme.commons", "2.4.1", 10))
    path = tmp_path / "app.obr"
    path.write_bytes(make_obr(obr=obr_xml(resources)))
    found = [f for f in check_one(path).findings if f.code == "OBR010"]
    assert len(found) == 21 and "and 31 more <resource> uris" in found[-1].message


def test_a_near_miss_is_suggested_through_the_index(tmp_path: Path) -> None:
    resources = [("DEPENDENCIES/ACME-COMMONS-2.4.1.JAR", "com.acme.commons", "2.4.1", 10)]
    path = tmp_path / "app.obr"
    path.write_bytes(make_obr(obr=obr_xml(resources)))
    (finding,) = [f for f in check_one(path).findings if f.code == "OBR010"]
    assert f"Did you mean '{DEP}'" in finding.hint


def test_a_5000_digit_size_is_wrong_not_a_crash(tmp_path: Path) -> None:
    plugin = make_jar()
    digits = "1" * 5000
    obr = obr_xml([(PLUGIN, KEY, VERSION, digits)])  # type: ignore[list-item]
    path = tmp_path / "app.obr"
    path.write_bytes(make_obr(plugin=plugin, obr=obr))
    (finding,) = [f for f in check_one(path).findings if f.code == "OBR012"]
    assert "5,000-digit number" in finding.message and f"{len(plugin):,} bytes" in finding.message


def test_a_size_with_leading_zeros_matches(tmp_path: Path) -> None:
    plugin = make_jar()
    obr = obr_xml([(PLUGIN, KEY, VERSION, "0" * 5000 + str(len(plugin)))])  # type: ignore[list-item]
    path = tmp_path / "app.obr"
    path.write_bytes(make_obr(plugin=plugin, obr=obr))
    assert "OBR012" not in {f.code for f in check_one(path).findings}
