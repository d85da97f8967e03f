"""Platform fit rules (PLT): class-file versions against the hosts' Java, bundled host libraries."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from assetcheck.findings import Severity
from assetcheck.readers.zipreader import Budget, ZipArchive
from assetcheck.settings import Limits
from assetcheck.views import ArchiveView
from tests.builders import (
    class_file,
    library_jar,
    make_jar,
    make_obr,
    make_zip,
    marketing,
)
from tests.rules.support import Case, check_one, file_case, run_case

SERVLET = "com/acme/jira/issuehelper/HelperServlet.class"
JIRA_94 = '<product name="jira" min="9.4.0" max="9.17.0"/>'
GUAVA = "META-INF/lib/guava-31.1-jre.jar"


def app(compatibility: str | None = JIRA_94, major: int = 55, **files: bytes | str | None) -> bytes:
    """The good plugin jar with its servlet compiled to ``major`` and this compatibility
    (None: a marketing descriptor without <compatibility>)."""
    text = marketing(compatibility=compatibility or "")
    if compatibility is None:
        text = text.replace("<compatibility>\n    \n  </compatibility>\n", "")
    return make_jar(**{"atlassian-plugin-marketing.xml": text, SERVLET: class_file(major), **files})


def guava() -> bytes:
    return library_jar("com.google.guava", "guava", "31.1-jre")


CASES: list[Case] = [
    file_case("java-21-for-jira-9.4", "PLT001", app(major=65), entry=SERVLET, only=True),
    file_case(
        "bundled-library-for-java-21",
        "PLT001",
        app(
            **{
                "META-INF/lib/acme-lib-1.0.jar": library_jar(
                    "com.acme", "acme-lib", classes={"com/acme/lib/Lib.class": class_file(65)}
                )
            }
        ),
        entry="META-INF/lib/acme-lib-1.0.jar!/com/acme/lib/Lib.class",
        only=True,
    ),
    file_case(
        "obr-dependency-for-java-17",
        "PLT001",
        make_obr(
            plugin=app(),
            dependencies={
                "dependencies/acme-commons-2.4.1.jar": make_zip(
                    {"com/acme/commons/Strings.class": class_file(61)}
                )
            },
        ),
        name="app.obr",
        entry="dependencies/acme-commons-2.4.1.jar!/com/acme/commons/Strings.class",
    ),
    file_case("guava-by-pom", "PLT010", app(**{GUAVA: guava()}), entry=GUAVA, only=True),
    file_case(
        "slf4j-by-symbolic-name",
        "PLT010",
        app(
            **{
                "META-INF/lib/logging.jar": library_jar(
                    "x", "logging", pom=False, symbolic_name="slf4j.api;singleton:=true"
                )
            }
        ),
        entry="META-INF/lib/logging.jar",
        only=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def plt(data: bytes, tmp_path: Path, name: str = "app.jar", **settings: object) -> list:
    path = tmp_path / name
    path.write_bytes(data)
    result = check_one(path, **settings)
    return [f for f in result.findings if f.code.startswith("PLT")]


# ---- PLT001 ------------------------------------------------------------------------------


def test_the_message_names_product_version_java_entry_and_level(tmp_path: Path) -> None:
    [finding] = plt(app(major=65), tmp_path)
    assert finding.message == (
        "classes compiled for Java 21 (class file 65) but jira 9.4.0 runs on Java 8 or 11 "
        f"(at most 55): {SERVLET}"
    )
    assert finding.severity == Severity.ERROR
    assert "<maven.compiler.release>11</maven.compiler.release>" in (finding.hint or "")
    assert "--release 11" in (finding.hint or "")


@pytest.mark.parametrize(
    ("compatibility", "major"),
    [
        (JIRA_94, 55),  # Java 11 on a Java 11 host
        ('<product name="jira" min="9.12.0" max="10.3.0"/>', 61),  # 9.12 runs Java 17
        ('<product name="jira" min="10.0.0"/>', 61),
        ('<product name="fecru" min="4.8.0"/>', 65),  # not in the table: unknown
        ('<product name="jira" min="7.13.0"/>', 65),  # no row: unknown
        ('<product name="jira" min="940000" max="950000"/>', 65),  # build numbers
        ('<product name="jira" max="9.4.0"/>', 65),  # no min
        (None, 65),  # no compatibility at all
    ],
)
def test_no_finding_when_the_host_runs_the_classes_or_is_unknown(
    compatibility: str | None, major: int, tmp_path: Path
) -> None:
    assert plt(app(compatibility, major), tmp_path) == []


def test_the_good_plugin_passes(tmp_path: Path) -> None:
    assert plt(make_jar(), tmp_path) == []


def test_one_finding_per_jar_names_the_newest_class_and_counts_the_rest(tmp_path: Path) -> None:
    classes = {f"com/acme/gen/C{i:03}.class": class_file(61) for i in range(300)}
    classes["com/acme/gen/Newest.class"] = class_file(65)
    classes["com/acme/gen/Old.class"] = class_file(52)
    [finding] = plt(app(**classes), tmp_path)
    assert finding.entry == "com/acme/gen/Newest.class"
    assert "Java 21 (class file 65)" in finding.message
    assert "(301 classes are newer than 55)" in finding.message


def test_multi_release_classes_and_module_info_are_not_judged(tmp_path: Path) -> None:
    data = app(
        **{
            "META-INF/versions/21/com/acme/jira/issuehelper/HelperServlet.class": class_file(65),
            "module-info.class": class_file(65),
        }
    )
    assert plt(data, tmp_path) == []


def test_the_strictest_declared_product_decides(tmp_path: Path) -> None:
    both = '<product name="confluence" min="9.0.0"/>\n    ' + JIRA_94
    [finding] = plt(app(both, major=61), tmp_path)
    assert "jira 9.4.0 runs on Java 8 or 11" in finding.message


def test_a_renamed_product_is_judged_under_its_new_name(tmp_path: Path) -> None:
    [finding] = plt(app('<product name="stash" min="7.21.0"/>', major=61), tmp_path)
    assert "bitbucket 7.21.0 runs on Java 8 or 11" in finding.message


def test_a_bundled_jar_nested_in_an_obr_plugin_is_named_with_its_chain(tmp_path: Path) -> None:
    lib = library_jar("com.acme", "acme-lib", classes={"a/B.class": class_file(61)})
    data = make_obr(plugin=app(**{"META-INF/lib/acme-lib-1.0.jar": lib}))
    entries = {f.entry for f in plt(data, tmp_path, "app.obr")}
    assert "issuehelper-1.2.0.jar!/META-INF/lib/acme-lib-1.0.jar!/a/B.class" in entries


def test_a_jar_elsewhere_in_the_plugin_is_not_on_its_class_path(tmp_path: Path) -> None:
    fixture = make_zip({"a/B.class": class_file(65)})
    assert plt(app(**{"fixtures/old.jar": fixture}), tmp_path) == []


def test_the_java_table_can_be_extended_by_the_project(tmp_path: Path) -> None:
    extra = {
        "java_levels": {
            "products": {"jira": {"7.0": {"until": "8.0", "java": [8], "status": "official"}}}
        }
    }
    data = app('<product name="jira" min="7.13.0"/>', major=55)
    [finding] = plt(data, tmp_path, rule_data=extra)
    assert "jira 7.13.0 runs on Java 8 (at most 52)" in finding.message


def test_a_class_entry_that_fails_verification_is_not_judged(tmp_path: Path) -> None:
    data = bytearray(make_zip({SERVLET: class_file(65, b"x" * 4000)}, compression=0))
    data[200] ^= 0xFF  # inside the stored class data: a CRC error
    archive = ArchiveView.open(io.BytesIO(bytes(data)), Limits(), name="a.jar")
    assert archive.read_issues()
    assert archive.class_levels == {}


def test_the_reader_keeps_the_first_8_bytes_of_class_entries_only() -> None:
    data = make_zip(
        {"a/B.class": class_file(61, b"y" * 100_000), "a/notes.txt": b"\xca\xfe\xba\xbe" * 4},
        directories=False,
    )
    archive = ZipArchive.open(io.BytesIO(data), Limits(), Budget(10**9))
    for entry in archive.entries:
        archive.verify(entry)
    assert list(archive.heads.values()) == [class_file(61)[:8]]


def test_class_levels_inflate_nothing_more(tmp_path: Path, monkeypatch) -> None:
    taken: list[int] = []
    real_take = Budget.take

    def count(self: Budget, amount: int) -> bool:
        taken.append(amount)
        return real_take(self, amount)

    lib = library_jar("com.acme", "acme-lib", classes={"a/B.class": class_file(65)})
    data = app(**{"META-INF/lib/acme-lib-1.0.jar": lib})
    monkeypatch.setattr(Budget, "take", count)
    assert len(plt(data, tmp_path)) == 1
    with_rules = sum(taken)
    taken.clear()
    assert plt(data, tmp_path, ignore=("PLT",)) == []
    assert sum(taken) == with_rules


# ---- PLT010 ------------------------------------------------------------------------------


def test_the_library_message_says_what_why_and_how_to_fix(tmp_path: Path) -> None:
    [finding] = plt(app(**{GUAVA: guava()}), tmp_path)
    assert finding.entry == GUAVA
    assert finding.message.startswith(
        "bundles Guava (com.google.guava:guava, from its pom.properties), and the declared "
        "hosts provide it (jira 9.4.0 to 9.17.0: Platform 6)"
    )
    assert "conflict" in finding.message
    assert "<scope>provided</scope>" in (finding.hint or "")
    assert finding.severity == Severity.WARNING


@pytest.mark.parametrize(
    ("compatibility", "reported"),
    [
        (JIRA_94, True),  # Platform 6 provides REST v1
        ('<product name="jira" min="10.0.0" max="10.3.0"/>', False),  # Platform 7 only
        ('<product name="jira" min="9.12.0" max="10.3.0"/>', False),  # spans 6 and 7
        ('<product name="jira" min="9.12.0"/>', False),  # open-ended: reaches 7
        ('<product name="fecru" min="4.8.0" max="4.8.9"/>', False),  # no known platform
        (None, False),  # no compatibility: only what every platform provides
    ],
)
def test_a_library_gone_from_platform_7_is_judged_only_below_it(
    compatibility: str | None, reported: bool, tmp_path: Path
) -> None:
    rest = library_jar("com.atlassian.plugins.rest", "atlassian-rest-common", "6.0.0")
    found = plt(
        app(compatibility, **{"META-INF/lib/atlassian-rest-common-6.0.0.jar": rest}), tmp_path
    )
    assert [f.code for f in found] == (["PLT010"] if reported else [])


def test_without_compatibility_platform_independent_libraries_are_judged(tmp_path: Path) -> None:
    [finding] = plt(app(None, **{GUAVA: guava()}), tmp_path)
    assert "every host platform provides it (no compatibility is declared)" in finding.message


@pytest.mark.parametrize(
    ("name", "library"),
    [
        (
            "META-INF/lib/acme-commons-2.4.1.jar",
            library_jar("com.acme", "acme-commons", "2.4.1", symbolic_name="com.acme.commons"),
        ),
        # Named like Guava, but its pom.properties and manifest say what it is.
        ("META-INF/lib/guava-31.1-jre.jar", library_jar("com.acme", "guava-helpers", "1.0")),
        # A shaded jar holding Guava's pom.properties too: it is acme-all, not Guava.
        (
            "META-INF/lib/acme-all-1.0.0.jar",
            library_jar("com.acme", "acme-all", extra_poms=(("com.google.guava", "guava"),)),
        ),
    ],
    ids=["unrelated", "named-like-guava", "shaded"],
)
def test_libraries_no_host_provides_pass(name: str, library: bytes, tmp_path: Path) -> None:
    assert plt(app(**{name: library}), tmp_path) == []


def test_an_obr_dependency_is_not_a_bundled_host_library(tmp_path: Path) -> None:
    data = make_obr(plugin=app(), dependencies={"dependencies/guava-31.1-jre.jar": guava()})
    assert [f.code for f in plt(data, tmp_path, "app.obr")] == []


def test_a_library_inside_an_obr_plugin_is_found_after_release(tmp_path: Path) -> None:
    data = make_obr(plugin=app(**{GUAVA: guava()}))
    [finding] = plt(data, tmp_path, "app.obr")
    assert finding.entry == f"issuehelper-1.2.0.jar!/{GUAVA}"


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "not-verified"])
def test_the_pom_properties_of_a_bundle_are_kept_when_it_is_released(verified: bool) -> None:
    outer = make_zip({GUAVA: guava()}, compression=zipfile.ZIP_STORED)
    top = ArchiveView.open(io.BytesIO(outer), Limits(), name="a.jar")
    [nested] = list(top.nested())
    assert nested.view is not None
    if verified:
        nested.view.read_issues()
    top.release(GUAVA)
    pom = nested.view.read("META-INF/maven/com.google.guava/guava/pom.properties")
    assert pom is not None and b"artifactId=guava" in pom
    assert nested.view.maven_artifacts() == [("com.google.guava", "guava")]
