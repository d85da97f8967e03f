import time
from pathlib import Path

import pytest

from tests.builders import (
    descriptor,
    make_jar,
    make_obr,
    make_zip,
    sdk_manifest,
    wrap_manifest,
)
from tests.rules.support import Case, check_one, codes, file_case, run_case

MF = "META-INF/MANIFEST.MF"
DEP = "dependencies/acme-commons-2.4.1.jar"
DEP_MF = f"{DEP}!/{MF}"


def jar(manifest: str | bytes | None) -> bytes:
    """The good plugin jar with this manifest (None: without one)."""
    return make_jar(**{MF: manifest})


def sdk(**headers: str | None) -> bytes:
    """The good plugin jar with these SDK manifest headers changed (None drops one)."""
    return jar(sdk_manifest(**headers))


def appended(*lines: str, **headers: str | None) -> bytes:
    """The SDK manifest with raw lines appended, for syntax the builders would never write."""
    return jar(sdk_manifest(**headers) + "".join(f"{line}\r\n" for line in lines))


def dependency(headers: dict[str, str]) -> bytes:
    """The good .obr whose bundled dependency has exactly this manifest."""
    data = make_zip({MF: wrap_manifest(headers), "com/acme/commons/S.class": b"\xca\xfe\xba\xbe"})
    return make_obr(dependencies={DEP: data})


DEP_HEADERS = {
    "Manifest-Version": "1.0",
    "Bundle-ManifestVersion": "2",
    "Bundle-SymbolicName": "com.acme.commons",
    "Bundle-Version": "2.4.1",
}

COMPONENT_IMPORT = """
    <component-import key="ao" interface="com.atlassian.activeobjects.external.ActiveObjects"/>"""
TRANSFORMER_ELEMENTS = """
    <component key="helper" class="com.acme.jira.issuehelper.Helper"/>
    <component-import key="ao" interface="com.atlassian.activeobjects.external.ActiveObjects"/>
    <component-import key="tx" interface="com.atlassian.sal.api.transaction.TransactionTemplate"/>
    <module-type key="helper-type" class="com.acme.jira.issuehelper.HelperModuleType"/>"""

CASES: list[Case] = [
    file_case("missing", "MF001", jar(None), entry=MF, only=True),
    file_case(
        "lower-case-name",
        "MF001",
        make_jar(**{MF: None, "meta-inf/manifest.mf": sdk_manifest()}),
        entry="meta-inf/manifest.mf",
    ),
    file_case(
        "100-byte-line",
        "MF002",
        appended("Bundle-Description: " + "x" * 80, **{"Bundle-Description": None}),
        entry=MF,
        only=True,
    ),
    file_case(
        "600-byte-line",
        "MF003",
        appended("Import-Package: " + "a" * 600, **{"Import-Package": None}),
        entry=MF,
        only=True,
    ),
    file_case(
        "continuation-after-blank-line", "MF004", appended("", " stray"), entry=MF, only=True
    ),
    file_case(
        "byte-order-mark", "MF005", jar(b"\xef\xbb\xbf" + sdk_manifest().encode()), only=True
    ),
    file_case(
        "latin-1",
        "MF005",
        jar(sdk_manifest(**{"Bundle-Vendor": "Acme Soci\u00e9t\u00e9"}).encode("latin-1")),
        only=True,
    ),
    file_case("equals-sign", "MF006", appended("Bundle-Category=tools"), only=True),
    file_case("space-in-name", "MF007", appended("Bundle Category: tools"), only=True),
    file_case(
        "no-final-newline",
        "MF008",
        jar(sdk_manifest(**{"Spring-Context": None}) + "Spring-Context: *"),
        entry=MF,
        only=True,
    ),
    file_case("duplicate-vendor", "MF009", appended("Bundle-Vendor: Other Inc."), only=True),
    file_case("no-manifest-version", "MF010", sdk(**{"Manifest-Version": None}), only=True),
    file_case(
        "no-bundle-manifest-version", "MF011", sdk(**{"Bundle-ManifestVersion": None}), only=True
    ),
    file_case("bundle-manifest-version-1", "MF011", sdk(**{"Bundle-ManifestVersion": "1"})),
    file_case(
        "dependency-without-manifest-version",
        "MF011",
        dependency({k: v for k, v in DEP_HEADERS.items() if k != "Bundle-ManifestVersion"}),
        name="app.obr",
        entry=DEP_MF,
    ),
    file_case(
        "symbolic-name-space", "MF012", sdk(**{"Bundle-SymbolicName": "com acme"}), only=True
    ),
    file_case("two-symbolic-names", "MF012", sdk(**{"Bundle-SymbolicName": "a.b,c.d"}), only=True),
    file_case(
        "key-without-symbolic-name", "MF012", sdk(**{"Bundle-SymbolicName": None}), only=True
    ),
    file_case("maven-version", "MF013", sdk(**{"Bundle-Version": "1.2.0-SNAPSHOT"}), only=True),
    file_case(
        "dependency-bad-version",
        "MF013",
        dependency({**DEP_HEADERS, "Bundle-Version": "2.4.x"}),
        name="app.obr",
        entry=DEP_MF,
    ),
    file_case(
        "unquoted-range",
        "MF014",
        sdk(**{"Import-Package": "javax.inject;version=[1.0,2),org.slf4j"}),
        only=True,
    ),
    file_case(
        "empty-range",
        "MF014",
        sdk(**{"Import-Package": 'org.slf4j;version="[3,2)"'}),
        only=True,
    ),
    file_case("wildcard-import", "MF014", sdk(**{"Import-Package": "com.acme.*"}), only=True),
    file_case(
        "duplicate-import", "MF014", sdk(**{"Import-Package": "org.slf4j,org.slf4j"}), only=True
    ),
    file_case("export-java", "MF015", sdk(**{"Export-Package": "java.util.function"}), only=True),
    file_case(
        "export-range",
        "MF015",
        sdk(**{"Export-Package": 'com.acme.api;version="[1,2)"'}),
        only=True,
    ),
    file_case(
        "dependency-export-java",
        "MF015",
        dependency({**DEP_HEADERS, "Export-Package": "java.lang"}),
        name="app.obr",
        entry=DEP_MF,
    ),
    file_case("other-key", "MF020", sdk(**{"Atlassian-Plugin-Key": "com.acme.other"}), only=True),
    file_case(
        "unfiltered-key",
        "MF020",
        sdk(**{"Atlassian-Plugin-Key": "${atlassian.plugin.key}"}),
        only=True,
    ),
    file_case("no-plugin-key", "MF021", sdk(**{"Atlassian-Plugin-Key": None}), only=True),
    file_case(
        "iso-build-date",
        "MF022",
        sdk(**{"Atlassian-Build-Date": "2025-12-15T18:43:43Z"}),
        only=True,
    ),
    file_case(
        "impossible-build-date",
        "MF022",
        sdk(**{"Atlassian-Build-Date": "2025-02-30T18:43:43+0100"}),
        only=True,
    ),
    file_case("no-build-date", "MF023", sdk(**{"Atlassian-Build-Date": None}), only=True),
    file_case("stale-bundle-version", "MF024", sdk(**{"Bundle-Version": "1.1.0"}), only=True),
    file_case(
        "transformerless-without-version", "MF024", sdk(**{"Bundle-Version": None}), only=True
    ),
    file_case(
        "transformerless-component-import",
        "MF025",
        make_jar(**{"atlassian-plugin.xml": descriptor(modules=COMPONENT_IMPORT)}),
        entry="atlassian-plugin.xml",
        only=True,
    ),
    file_case(
        "scan-folder-missing",
        "MF026",
        sdk(**{"Atlassian-Scan-Folders": "META-INF/plugin-descriptors"}),
        entry=MF,
        only=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def _mf_codes(data: bytes, tmp_path: Path, name: str = "app.jar") -> list[str]:
    path = tmp_path / name
    path.write_bytes(data)
    return [c for c in codes(check_one(path)) if c.startswith("MF")]


def _mf_findings(data: bytes, tmp_path: Path, code: str):
    path = tmp_path / "app.jar"
    path.write_bytes(data)
    return [f for f in check_one(path).findings if f.code == code]


def test_snapshot_versions_correspond(tmp_path: Path) -> None:
    from tests.builders import descriptor

    data = make_jar(
        **{
            MF: sdk_manifest(**{"Bundle-Version": "1.2.0.SNAPSHOT"}),
            "atlassian-plugin.xml": descriptor(version="1.2.0-SNAPSHOT"),
        }
    )
    assert "MF024" not in _mf_codes(data, tmp_path)


@pytest.mark.parametrize(
    "manifest",
    [
        # A P2 plugin without OSGi headers: the framework generates them at install time.
        "Manifest-Version: 1.0\r\nAtlassian-Build-Date: 2025-12-15T18:43:43+0100\r\n",
    ],
)
def test_transformed_plugin_needs_no_osgi_headers(manifest: str, tmp_path: Path) -> None:
    assert _mf_codes(jar(manifest), tmp_path) == ["MF021"]


def test_a_jar_without_descriptor_or_bundle_headers_is_left_to_other_families(
    tmp_path: Path,
) -> None:
    plain = make_zip({MF: "Manifest-Version: 1.0\r\n", "x.txt": "x"})
    assert _mf_codes(plain, tmp_path) == []


def test_dependency_bundles_get_no_atlassian_rules(tmp_path: Path) -> None:
    # No Atlassian-Plugin-Key, Build-Date or descriptor: fine for a library bundle.
    assert _mf_codes(dependency(DEP_HEADERS), tmp_path, "app.obr") == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Manifest-Version": "1.0"},  # a plain library jar: OBR020 reports it, once
        {"Manifest-Version": "1.0", "Bundle-ManifestVersion": "2"},
    ],
)
def test_dependency_that_is_not_a_bundle_is_obr020s_finding(headers, tmp_path: Path) -> None:
    assert "MF012" not in _mf_codes(dependency(headers), tmp_path, "app.obr")
    assert "MF011" not in _mf_codes(dependency(headers), tmp_path, "app.obr")


def test_dependency_without_manifest_is_obr020s_finding(tmp_path: Path) -> None:
    data = make_obr(dependencies={DEP: make_zip({"org/x/X.class": b"\xca\xfe\xba\xbe"})})
    assert "MF001" not in _mf_codes(data, tmp_path, "app.obr")


def test_findings_carry_the_header_line(tmp_path: Path) -> None:
    manifest = sdk_manifest(**{"Bundle-Version": "1.x"})
    line = next(
        n
        for n, text in enumerate(manifest.splitlines(), start=1)
        if text.startswith("Bundle-Version:")
    )
    (finding,) = _mf_findings(jar(manifest), tmp_path, "MF013")
    assert finding.line == line
    assert "'1.x'" in finding.message and "minor part 'x' is not a number" in finding.message


def test_lost_last_header_is_named(tmp_path: Path) -> None:
    data = jar(sdk_manifest(**{"Spring-Context": None}) + "Spring-Context: *")
    (finding,) = _mf_findings(data, tmp_path, "MF008")
    assert "Spring-Context is lost" in finding.message


def test_grammar_errors_show_where_they_are(tmp_path: Path) -> None:
    data = sdk(**{"Import-Package": "javax.inject;version=[1.0,2),org.slf4j"})
    (finding,) = _mf_findings(data, tmp_path, "MF014")
    assert 'version="[1.0,2)"' in finding.message
    assert "character 22" in finding.message


def test_many_grammar_errors_are_summarised(tmp_path: Path) -> None:
    value = ",".join(f"bad package {n}" for n in range(40))
    findings = _mf_findings(sdk(**{"Import-Package": value}), tmp_path, "MF014")
    assert len(findings) == 11
    assert "30 more errors" in findings[-1].message


def test_long_lines_are_split_by_what_java_does(tmp_path: Path) -> None:
    data = appended("X-Short: " + "x" * 80, "X-Long: " + "y" * 600, **{"Bundle-Description": None})
    path = tmp_path / "app.jar"
    path.write_bytes(data)
    found = {(f.code, f.line) for f in check_one(path).findings if f.code in ("MF002", "MF003")}
    lines = sdk_manifest(**{"Bundle-Description": None}).count("\r\n")
    assert found == {("MF002", lines + 1), ("MF003", lines + 2)}


def test_a_20_kb_import_package_is_checked_quickly(tmp_path: Path) -> None:
    clauses = [f'com.acme.package{n}.sub;version="[{n}.0,{n + 1})"' for n in range(700)]
    value = ",".join(clauses)
    assert len(value) > 20_000
    data = sdk(**{"Import-Package": value})
    started = time.perf_counter()
    assert _mf_codes(data, tmp_path) == []
    assert time.perf_counter() - started < 2.0


def test_a_zip_with_neither_descriptor_nor_manifest_is_dsc001s_finding(tmp_path: Path) -> None:
    assert _mf_codes(make_zip({"x.txt": "x"}), tmp_path) == []


# ---- bounded findings and digit runs ---------------------------------------------------------

DIGITS = "1" * 5000  # over int()'s 4,300-digit limit


def test_bad_lines_are_listed_then_summarised(tmp_path: Path) -> None:
    data = jar("Manifest-Version: 1.0\r\n" + "not a header\r\n" * 5000)
    findings = _mf_findings(data, tmp_path, "MF006")
    assert len(findings) == 21
    assert "and 4,980 more lines" in findings[-1].message and findings[0].line == 2


def test_a_grammar_header_over_the_budget_is_reported_not_parsed(tmp_path: Path) -> None:
    value = ",".join(f"com.acme.p{n}" for n in range(100_000))  # ~1.3 MB
    (finding,) = _mf_findings(sdk(**{"Import-Package": value}), tmp_path, "MF014")
    assert "was not checked" in finding.message and "1,048,576" in finding.message


def test_error_counts_include_the_errors_not_kept(tmp_path: Path) -> None:
    value = ",".join(f"bad package {n}" for n in range(500))
    findings = _mf_findings(sdk(**{"Import-Package": value}), tmp_path, "MF014")
    assert len(findings) == 11 and "490 more errors" in findings[-1].message


def test_huge_values_are_clipped_in_messages(tmp_path: Path) -> None:
    (finding,) = _mf_findings(sdk(**{"Bundle-Version": "v" * 100_000}), tmp_path, "MF013")
    assert len(finding.message) < 500


def test_a_5000_digit_bundle_version_part_is_invalid(tmp_path: Path) -> None:
    (finding,) = _mf_findings(sdk(**{"Bundle-Version": f"1.{DIGITS}.0"}), tmp_path, "MF013")
    assert "5,000 digits" in finding.message and "2147483647" in finding.message


def test_a_5000_digit_range_bound_is_invalid(tmp_path: Path) -> None:
    value = f'org.slf4j;version="[1.7,{DIGITS})"'
    (finding,) = _mf_findings(sdk(**{"Import-Package": value}), tmp_path, "MF014")
    assert "range ceiling" in finding.message and "5,000 digits" in finding.message


def test_a_5000_digit_plugin_version_matches_no_bundle_version(tmp_path: Path) -> None:
    from tests.builders import descriptor

    data = make_jar(**{"atlassian-plugin.xml": descriptor(version=f"1.{DIGITS}.0")})
    (finding,) = _mf_findings(data, tmp_path, "MF024")
    assert "not a valid OSGi version" in finding.message and len(finding.message) < 600


# ---- transformerless plugins and scan folders -----------------------------------------------


def test_transformerless_plugin_names_each_refused_element_in_amps_words(tmp_path: Path) -> None:
    data = make_jar(**{"atlassian-plugin.xml": descriptor(modules=TRANSFORMER_ELEMENTS)})
    found = _mf_findings(data, tmp_path, "MF025")
    assert [(f.entry, f.line) for f in found] == [
        ("atlassian-plugin.xml", 16),
        ("atlassian-plugin.xml", 17),
        ("atlassian-plugin.xml", 19),
    ]
    assert [f.message for f in found] == [
        "atlassian-plugin.xml contains a definition of component. This is not allowed when "
        "Atlassian-Plugin-Key is set. (AMPS's words; <component> on line 16)",
        "atlassian-plugin.xml contains a definition of component-import. This is not allowed "
        "when Atlassian-Plugin-Key is set. (AMPS's words; <component-import> on line 17 and "
        "1 more)",
        "atlassian-plugin.xml contains a definition of module-type. This is not allowed when "
        "Atlassian-Plugin-Key is set. (AMPS's words; <module-type> on line 19)",
    ]
    assert "@ComponentImport" in (found[1].hint or "")


def test_a_transformed_plugin_may_declare_components(tmp_path: Path) -> None:
    files = {
        "atlassian-plugin.xml": descriptor(modules=TRANSFORMER_ELEMENTS),
        MF: sdk_manifest(**{"Atlassian-Plugin-Key": None}),
    }
    assert "MF025" not in _mf_codes(make_jar(**files), tmp_path)


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("META-INF/plugin-descriptors", None),
        (" /META-INF/plugin-descriptors/ ,images", None),
        ("META-INF", None),
        ("META-INF/plugin-descriptors,,", None),
        ("META-INF/plugin-descriptors,META-INF/extra", "the folder 'META-INF/extra', not in"),
        ("a,b", "the folders 'a', 'b', not in the jar"),
        ("META-INF/plugin-descriptors/jira.xml", "'META-INF/plugin-descriptors/jira.xml', not"),
    ],
)
def test_scan_folders(header: str, missing: str | None, tmp_path: Path) -> None:
    # The jar lists no folder entries of its own: a folder exists when a file is under it.
    files = {
        MF: sdk_manifest(**{"Atlassian-Scan-Folders": header}),
        "atlassian-plugin.xml": descriptor(),
        "images/logo.png": b"x",
        "META-INF/plugin-descriptors/jira.xml": "<atlassian-plugin/>",
    }
    path = tmp_path / "app.jar"
    path.write_bytes(make_zip(files, directories=False))
    found = [f for f in check_one(path).findings if f.code == "MF026"]
    if missing is None:
        assert found == []
    else:
        [finding] = found
        assert missing in finding.message
        assert finding.line is not None
