from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetcheck.rules import descriptor as rules
from assetcheck.settings import DEFAULT_LIMITS
from assetcheck.views import DescriptorView
from tests.builders import (
    IMAGE_PARAMS,
    KEY,
    SOURCE_DESCRIPTOR_VALUES,
    descriptor,
    make_jar,
    make_obr,
    sdk_manifest,
    source_files,
    write_tree,
)
from tests.catalogue import RULES
from tests.rules.support import Case, Folder, check_one, family_codes, file_case, run_case

DESCRIPTOR = "atlassian-plugin.xml"
FAMILIES = ("XML", "DSC", "MKT")


def jar_with(text: str, **manifest: str) -> bytes:
    """The good plugin jar with this descriptor (and, for a new key, a manifest that agrees)."""
    files: dict[str, str | None] = {DESCRIPTOR: text}
    if manifest:
        files["META-INF/MANIFEST.MF"] = sdk_manifest(**manifest)
    return make_jar(**files)


def without(text: str, fragment: str) -> str:
    assert fragment in text, fragment
    return text.replace(fragment, "", 1)


GOOD = descriptor()
NO_PLUGIN_INFO = GOOD[: GOOD.index("    <plugin-info>")] + GOOD[GOOD.index("</plugin-info>") + 14 :]
DUPLICATE_MODULES = """
    <web-item key="helper" name="Helper" section="system.top.navigation.bar" weight="40">
        <label key="helper.label"/>
        <link>/plugins/servlet/helper</link>
    </web-item>
    <servlet key="helper" class="com.acme.jira.issuehelper.HelperServlet">
        <url-pattern>/helper/*</url-pattern>
    </servlet>"""

REMOTE_CONTAINER = """
    <remote-plugin-container key="container" display-url="https://acme.example"/>"""

CASES: list[Case] = [
    file_case("no-descriptor", "DSC001", make_jar(**{DESCRIPTOR: None}), entry=DESCRIPTOR),
    file_case(
        "descriptor-in-a-folder",
        "DSC001",
        make_jar(**{DESCRIPTOR: None, "resources/atlassian-plugin.xml": GOOD}),
        entry=DESCRIPTOR,
    ),
    file_case(
        "wrong-root",
        "DSC002",
        jar_with(
            GOOD.replace("atlassian-plugin ", "plugin ").replace("/atlassian-plugin>", "/plugin>")
        ),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case("key-missing", "DSC003", jar_with(without(GOOD, f'key="{KEY}" ')), entry=DESCRIPTOR),
    file_case(
        "key-with-space",
        "DSC003",
        jar_with(descriptor(key="com.acme issue helper")),
        entry=DESCRIPTOR,
    ),
    file_case(
        "key-without-dot",
        "DSC004",
        jar_with(descriptor(key="issuehelper"), **{"Atlassian-Plugin-Key": "issuehelper"}),
        entry=DESCRIPTOR,
    ),
    file_case(
        "name-missing",
        "DSC005",
        jar_with(without(GOOD, 'name="Issue Helper" ')),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "name-against-principles",
        "DSC006",
        jar_with(descriptor(name="Jira Issue Helper Plugin")),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "plugins-version-missing",
        "DSC007",
        jar_with(without(GOOD, ' plugins-version="2"')),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "plugins-version-1",
        "DSC007",
        jar_with(GOOD.replace('plugins-version="2"', 'plugins-version="1"')),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "plugins-version-4",
        "DSC008",
        jar_with(GOOD.replace('plugins-version="2"', 'plugins-version="4"')),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "plugins-version-placeholder-in-jar",
        "DSC008",
        jar_with(GOOD.replace('plugins-version="2"', 'plugins-version="${plugins.version}"')),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "plugin-info-missing", "DSC010", jar_with(NO_PLUGIN_INFO), entry=DESCRIPTOR, only=True
    ),
    file_case("version-empty", "DSC011", jar_with(descriptor(version="")), entry=DESCRIPTOR),
    file_case(
        "vendor-name-empty", "DSC012", jar_with(descriptor(vendor="")), entry=DESCRIPTOR, only=True
    ),
    file_case(
        "vendor-url-no-scheme",
        "DSC013",
        jar_with(descriptor(vendor_url="www.acme.example")),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "description-missing",
        "DSC014",
        jar_with(without(GOOD, "<description>Adds helpful panels to Jira issues.</description>")),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "unfiltered-version",
        "DSC020",
        jar_with(descriptor(version="${project.version}")),
        entry=DESCRIPTOR,
    ),
    file_case(
        "dc-status-missing",
        "DSC030",
        jar_with(descriptor(params={"atlassian-data-center-status": None})),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "dc-compatible-yes",
        "DSC031",
        jar_with(descriptor(params={"atlassian-data-center-compatible": "yes"})),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "licensing-yes",
        "DSC032",
        jar_with(descriptor(params={"atlassian-licensing-enabled": "yes"})),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "banner-wrong-extension",
        "DSC033",
        jar_with(descriptor(params={"plugin-banner": "images/pluginBanner.jpg"})),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "duplicate-module-keys",
        "DSC040",
        jar_with(descriptor(modules=DUPLICATE_MODULES)),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "remote-plugin-container",
        "DSC041",
        jar_with(descriptor(modules=REMOTE_CONTAINER)),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "obr-plugin-descriptor",
        "DSC030",
        make_obr(
            make_jar(**{DESCRIPTOR: descriptor(params={"atlassian-data-center-status": None})})
        ),
        name="app.obr",
        entry=f"issuehelper-1.2.0.jar!/{DESCRIPTOR}",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path: Path) -> None:
    result = run_case(case, tmp_path)
    assert family_codes(result, FAMILIES) == {case.code}, result.findings


def findings(tmp_path: Path, data: bytes, code: str) -> list:
    path = tmp_path / "app.jar"
    path.write_bytes(data)
    return [f for f in check_one(path).findings if f.code == code]


# ---- source trees -------------------------------------------------------------------------


def source_tree(folder: Path, text: str) -> Path:
    return write_tree(folder, source_files(**{DESCRIPTOR: text}))


def test_source_tree_placeholders_are_normal(tmp_path: Path) -> None:
    text = descriptor(
        **SOURCE_DESCRIPTOR_VALUES, params={"atlassian-licensing-enabled": "${licensing}"}
    )
    result = check_one(source_tree(tmp_path, text))
    assert result.kind == "source"
    assert not family_codes(result, FAMILIES), result.findings


def test_source_tree_images_resolve_in_the_folder(tmp_path: Path) -> None:
    source_tree(tmp_path, descriptor(**SOURCE_DESCRIPTOR_VALUES))
    (tmp_path / "images" / "pluginLogo.png").unlink()
    result = check_one(tmp_path)
    assert [(f.code, f.entry) for f in result.findings if f.code.startswith("DSC")] == [
        ("DSC033", DESCRIPTOR)
    ]


def test_source_tree_still_checks_resolved_values(tmp_path: Path) -> None:
    source_tree(tmp_path, descriptor(key="com.acme issue helper", vendor_url="ftp://acme"))
    assert family_codes(check_one(tmp_path), FAMILIES) == {"DSC003", "DSC013"}


# ---- Maven placeholders -------------------------------------------------------------------


def test_every_filtered_value_is_checked(tmp_path: Path) -> None:
    text = descriptor(
        **SOURCE_DESCRIPTOR_VALUES, params={"atlassian-licensing-enabled": "${licensing}"}
    ).replace("Adds helpful panels to Jira issues.", "${project.description}")
    found = findings(tmp_path, jar_with(text), "DSC020")
    placeholders = {f.message.split("placeholder ")[1].split(" ")[0] for f in found}
    assert placeholders == {
        *SOURCE_DESCRIPTOR_VALUES.values(),
        "${project.description}",
        "${licensing}",
    }
    assert all(f.line for f in found)
    # A placeholder is one finding, not also a bad key, name, url or boolean.
    path = tmp_path / "app.jar"
    assert family_codes(check_one(path), FAMILIES) == {"DSC020"}


def test_runtime_variables_in_modules_are_not_placeholders(tmp_path: Path) -> None:
    modules = """
    <web-item key="browse" section="x" weight="1"><link>/browse/${issue.key}</link></web-item>
    <web-panel key="panel" location="y"><resource type="velocity" name="view"
        location="templates/${project.key}.vm"/></web-panel>"""
    assert not findings(tmp_path, jar_with(descriptor(modules=modules)), "DSC020")


# ---- key, name, url -----------------------------------------------------------------------


def run_rule(check, text: str, *, in_source: bool = False, files: tuple[str, ...] = ()):
    folder = Folder({DESCRIPTOR: text.encode(), **dict.fromkeys(files, b"x")})
    return list(check(DescriptorView(folder, DEFAULT_LIMITS, in_source=in_source)))


@pytest.mark.parametrize(
    ("key", "invalid", "not_reverse_domain"),
    [
        ("com.acme.jira.issuehelper", False, False),
        ("com.acme-tools.issue_helper", False, False),
        ("Com.Acme.Helper2", False, False),
        ("issuehelper", False, True),
        ("com.acme.", False, True),
        (".com.acme", False, True),
        ("com..acme", False, True),
        ("com.acme issue", True, False),
        ("com.acme:helper", True, False),
        ("com/acme/helper", True, False),
        ("com.acmé.helper", True, False),
        ("", True, False),
        ("  ", True, False),
        ("${atlassian.plugin.key}", False, False),
    ],
)
def test_key_syntax(key: str, invalid: bool, not_reverse_domain: bool) -> None:
    text = descriptor(key=key)
    assert bool(run_rule(rules.key_invalid, text)) is invalid
    assert bool(run_rule(rules.key_not_reverse_domain, text)) is not_reverse_domain


@pytest.mark.parametrize(
    ("name", "problems"),
    [
        ("Issue Helper", 0),
        ("Issue Helper for Jira", 0),
        ("Time Tracker for Jira and Confluence", 0),
        ("Jiraffe Tools", 0),
        ("Appfire Helper", 0),
        ("Helper Apps", 0),
        ("Add-ons Galore", 0),
        ("Pluginator", 0),
        ("Jira Time Tracker", 1),
        ("jira time tracker", 1),
        ("Confluence-Helper", 1),
        ("Issue Helper App", 1),
        ("Issue Helper (beta)", 1),
        ("ATLASSIAN helper", 1),
        ("My add-on", 1),
        ("Helper plugin", 1),
        ("Jira Helper Plugin", 2),
        ("x" * 60, 0),
        ("x" * 61, 1),
        ("${project.name}", 0),
    ],
)
def test_name_principles(name: str, problems: int) -> None:
    found = run_rule(rules.name_against_listing_principles, descriptor(name=name))
    assert len(found) == problems, [p.message for p in found]
    assert all("expected" in p.message for p in found)


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://www.acme.example", True),
        ("http://acme.example/path?q=1", True),
        ("HTTPS://ACME.EXAMPLE", True),
        ("www.acme.example", False),
        ("ftp://acme.example", False),
        ("https://", False),
        ("https://acme example", False),
        ("https://[broken", False),
        ("", False),
        (None, False),
    ],
)
def test_vendor_url(url: str | None, valid: bool) -> None:
    assert (rules._url_problem(url) is None) is valid


def test_vendor_url_missing_is_reported_once(tmp_path: Path) -> None:
    text = without(descriptor(), ' url="https://www.acme.example"')
    assert [p.message for p in run_rule(rules.vendor_url_invalid, text)] == [
        "the vendor url is missing (expected an absolute http(s) URL such as "
        "https://www.acme.example)"
    ]
    assert not run_rule(rules.vendor_name_missing, text)


def test_vendor_missing_is_one_finding() -> None:
    text = without(descriptor(), '<vendor name="Acme Software" url="https://www.acme.example"/>')
    assert len(run_rule(rules.vendor_name_missing, text)) == 1
    assert not run_rule(rules.vendor_url_invalid, text)


# ---- params -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code", "fragment"),
    [
        ({"atlassian-data-center-status": None}, "DSC030", "is missing"),
        ({"atlassian-data-center-status": "true"}, "DSC030", "expected 'compatible'"),
        ({"atlassian-data-center-compatible": None}, "DSC031", "is missing"),
        ({"atlassian-data-center-compatible": "false"}, "DSC031", "expected 'true'"),
        ({"atlassian-licensing-enabled": "1"}, "DSC032", "'1'"),
        ({"read-only-access-mode-compatible": "True"}, "DSC032", "'True'"),
        ({"plugin-logo": ""}, "DSC033", "is empty"),
        ({"vendor-icon": "images/nothing.png"}, "DSC033", "images/nothing.png"),
    ],
)
def test_param_problems(tmp_path: Path, params: dict, code: str, fragment: str) -> None:
    (finding,) = findings(tmp_path, jar_with(descriptor(params=params)), code)
    assert fragment in finding.message
    assert finding.line and finding.hint


def test_boolean_params_accept_true_and_false(tmp_path: Path) -> None:
    params = {"atlassian-licensing-enabled": "false", "read-only-access-mode-compatible": " true "}
    assert not findings(tmp_path, jar_with(descriptor(params=params)), "DSC032")


def test_missing_image_suggests_the_file_that_exists(tmp_path: Path) -> None:
    params = {"plugin-banner": "images/pluginBanner.jpg", "plugin-logo": "/images/PLUGINLOGO.png"}
    found = findings(tmp_path, jar_with(descriptor(params=params)), "DSC033")
    assert [f.hint.split("'")[1] for f in found] == [
        "images/pluginLogo.png",
        "images/pluginBanner.png",
    ]
    assert "images/pluginBanner.jpg" in found[1].message


def test_image_params_with_a_leading_slash_resolve(tmp_path: Path) -> None:
    params = {name: "/" + path for name, (path, _) in IMAGE_PARAMS.items()}
    assert not findings(tmp_path, jar_with(descriptor(params=params)), "DSC033")


# ---- module keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("modules", "duplicates"),
    [
        (DUPLICATE_MODULES, 1),
        ('<component key="a" class="A"/><component-import key="a" interface="B"/>', 1),
        ('<web-item key="a"/><web-item key="a"/><web-item key="a"/>', 1),
        (
            '<web-item key="a"><label key="same"/></web-item><web-item key="b"><label key="same"/>'
            "</web-item>",
            0,
        ),
        ('<resource type="download" name="a" key="x"/><web-item key="x"/>', 0),
        ('<web-item key="a" application="jira"/><web-item key="a" application="confluence"/>', 0),
        (
            '<web-item key="a" application="jira, bamboo"/>'
            '<web-item key="a" application="bamboo"/>',
            1,
        ),
        ('<web-item key="a" application="jira"/><web-item key="a"/>', 1),
        (
            '<web-item key="a"><restrict application="jira" version="[8,9)"/></web-item>'
            '<web-item key="a"><restrict application="jira" version="[9,10)"/></web-item>',
            0,
        ),
        (
            '<web-item key="a"><restrict application="jira"/></web-item>'
            '<web-item key="a"><restrict application="jira"/></web-item>',
            1,
        ),
        ("<!-- a comment --><web-item/><web-item/>", 0),
    ],
)
def test_module_keys(modules: str, duplicates: int) -> None:
    found = run_rule(rules.duplicate_module_keys, descriptor(modules=modules))
    assert len(found) == duplicates, [p.message for p in found]
    assert all(p.line for p in found)


# ---- plugins-version and refused modules ----------------------------------------------------


def root_with(attributes: str) -> str:
    return GOOD.replace('plugins-version="2"', attributes)


@pytest.mark.parametrize(
    ("attributes", "legacy", "unsupported"),
    [
        ('plugins-version="2"', None, None),
        ('plugins-version=" 2 "', None, None),
        ('pluginsVersion="2"', None, None),
        ("", "plugins-version is missing, so this is a legacy version 1 plugin: hosts", None),
        ('plugins-version="1"', "plugins-version is 1, a legacy plugin: hosts refuse", None),
        ('pluginsVersion="3"', "plugins-version is '3': UPM installs it, but the Market", None),
        ('plugins-version="4"', None, "Cannot install plugin with unsupported version '4'"),
        ('plugins-version="2.0"', None, "Cannot install plugin with unsupported version '2.0'"),
        ('pluginsVersion="two"', None, "Cannot install plugin with unsupported version 'two'"),
        ('plugins-version=""', None, "Cannot install plugin with unsupported version ''"),
    ],
)
def test_plugins_version(attributes: str, legacy: str | None, unsupported: str | None) -> None:
    text = root_with(attributes)
    for check, expected in (
        (rules.plugins_version, legacy),
        (rules.plugins_version_unsupported, unsupported),
    ):
        found = run_rule(check, text)
        if expected is None:
            assert found == [], [p.message for p in found]
        else:
            (problem,) = found
            assert problem.message.startswith(expected), problem.message
            assert problem.line == 2


def test_plugins_version_placeholder_is_normal_in_a_source_tree() -> None:
    text = root_with('plugins-version="${plugins.version}"')
    assert not run_rule(rules.plugins_version, text, in_source=True)
    assert not run_rule(rules.plugins_version_unsupported, text, in_source=True)
    assert run_rule(rules.plugins_version_unsupported, text, in_source=False)


def test_refused_module_is_one_finding_with_a_count() -> None:
    modules = REMOTE_CONTAINER * 3
    (problem,) = run_rule(rules.refused_module, descriptor(modules=modules))
    assert problem.message.startswith(
        "the descriptor declares <remote-plugin-container> on line 16 (and 2 more): UPM refuses"
    )
    assert problem.line == 16


def test_a_nested_element_of_that_name_is_not_a_module() -> None:
    modules = "<web-item key='w'><remote-plugin-container/></web-item>"
    assert not run_rule(rules.refused_module, descriptor(modules=modules))


# ---- robustness ---------------------------------------------------------------------------

# No example database: it would write .hypothesis/ into the work tree on every run.
PROPERTY = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
ATTRIBUTE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"<&'), max_size=80
)


@settings(PROPERTY, max_examples=80)
@given(ATTRIBUTE_TEXT, ATTRIBUTE_TEXT, ATTRIBUTE_TEXT, ATTRIBUTE_TEXT, st.booleans())
def test_arbitrary_values_never_raise(
    key: str, name: str, url: str, param: str, in_source: bool
) -> None:
    text = descriptor(
        key=key,
        name=name,
        vendor_url=url,
        version=param,
        params={"plugin-logo": param, "atlassian-licensing-enabled": param, "x": param},
        modules=f'<web-item key="{key}" application="{param}"/><web-item key="{key}"/>',
    )
    for registered in RULES:
        if registered.code.startswith("DSC"):
            for problem in run_rule(registered.check, text, in_source=in_source):
                assert problem.message


@settings(PROPERTY, max_examples=200)
@given(st.text(max_size=200))
def test_url_check_never_raises(text: str) -> None:
    result = rules._url_problem(text)
    assert result is None or isinstance(result, str)


@pytest.mark.parametrize(
    ("modules", "duplicates"),
    [
        # Modes and versions: unset agrees with anything, set ones must be equal.
        (
            '<web-item key="a"><restrict application="jira" mode="dc"/></web-item>'
            '<web-item key="a"><restrict application="jira" version="[9,10)"/></web-item>',
            1,
        ),
        (
            '<web-item key="a"><restrict application="jira" version="[9,10)" mode="dc"/>'
            '</web-item><web-item key="a"><restrict application="jira" version="[9,10)" '
            'mode="server"/></web-item>',
            0,
        ),
        ('<web-item key="a" application="jira"/><web-item key="a" application="jira"/>', 1),
        ('<web-item key="a"/><servlet key="b"/><web-item key="a"/><servlet key="b"/>', 2),
    ],
)
def test_module_key_scopes(modules: str, duplicates: int) -> None:
    found = run_rule(rules.duplicate_module_keys, descriptor(modules=modules))
    assert len(found) == duplicates, [p.message for p in found]


def test_one_finding_per_duplicated_key_names_places_and_count() -> None:
    modules = "".join(f'\n<servlet key="same" class="C{n}"/>' for n in range(50))
    (problem,) = run_rule(rules.duplicate_module_keys, descriptor(modules=modules))
    assert "used again by 49 modules" in problem.message and "and 44 more" in problem.message
    assert problem.message.count("on line") == 6  # the first, then five of the others
