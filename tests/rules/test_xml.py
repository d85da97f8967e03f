from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetcheck.settings import DEFAULT_LIMITS, Limits, Settings
from assetcheck.views import DescriptorView, MarketingView
from tests import hostile
from tests.builders import descriptor, make_jar, make_obr, marketing
from tests.catalogue import RULES, check_paths
from tests.rules.support import Case, Folder, check_one, family_codes, file_case, run_case

DESCRIPTOR = "atlassian-plugin.xml"
MARKETING = "atlassian-plugin-marketing.xml"
FAMILIES = ("XML", "DSC", "MKT")
BODY = descriptor().split("\n", 1)[1]  # the descriptor without its XML declaration

ENTITIES = '<?xml version="1.0"?>\n<!DOCTYPE atlassian-plugin [\n<!ENTITY a "aaaa">\n]>\n' + BODY
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "&lol;" * 10}">' for i in range(9))
    + "]>\n<lolz>&lol8;</lolz>\n"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>\n'
)
EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE atlassian-plugin SYSTEM "http://example.com/atlassian-plugin.dtd">\n' + BODY
)

CASES: list[Case] = [
    file_case(
        "malformed-descriptor",
        "XML001",
        make_jar(
            **{DESCRIPTOR: "<atlassian-plugin key='a.b'>\n<plugin-info>\n</atlassian-plugin>"}
        ),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case(
        "malformed-marketing",
        "XML001",
        make_jar(**{MARKETING: marketing().replace("</highlights>", "")}),
        entry=MARKETING,
        only=True,
    ),
    file_case(
        "malformed-obr-xml",
        "XML001",
        make_obr(obr="<repository><resource></repository>"),
        name="app.obr",
        entry="obr.xml",
    ),
    file_case(
        "entities", "XML002", make_jar(**{DESCRIPTOR: ENTITIES}), entry=DESCRIPTOR, only=True
    ),
    file_case(
        "billion-laughs-marketing",
        "XML002",
        make_jar(**{MARKETING: BILLION_LAUGHS}),
        entry=MARKETING,
        only=True,
    ),
    file_case(
        "external-entity", "XML002", make_jar(**{MARKETING: EXTERNAL_ENTITY}), entry=MARKETING
    ),
    file_case(
        "external-dtd",
        "XML003",
        make_jar(**{DESCRIPTOR: EXTERNAL_DTD}),
        entry=DESCRIPTOR,
        only=True,
    ),
    file_case("empty-marketing", "XML004", make_jar(**{MARKETING: ""}), entry=MARKETING, only=True),
    file_case("blank-descriptor", "XML004", make_jar(**{DESCRIPTOR: "  \n"}), entry=DESCRIPTOR),
    file_case(
        "corrupt-entry",
        "XML005",
        hostile.corrupt_data(make_jar(), MARKETING),
        entry=MARKETING,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path: Path) -> None:
    result = run_case(case, tmp_path)
    # Precise within the document families: one problem, one finding.
    assert family_codes(result, FAMILIES) == {case.code}, result.findings


def test_malformed_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**{DESCRIPTOR: "<atlassian-plugin>\n<a>\n<b>\n</atlassian-plugin>"}))
    (finding,) = [f for f in check_one(path).findings if f.code == "XML001"]
    assert finding.line == 4
    assert "expected" in finding.message


def test_entity_declaration_reports_the_doctype_line(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**{DESCRIPTOR: ENTITIES}))
    (finding,) = [f for f in check_one(path).findings if f.code == "XML002"]
    assert finding.line == 2


def test_oversized_descriptor_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar())
    limits = Limits(max_document_bytes=800)  # the builders' descriptor is larger than this
    report = check_paths([path], Settings(limits=limits))
    findings = [f for f in report.files[0].findings if f.code == "XML005"]
    assert DESCRIPTOR in [f.entry for f in findings]
    assert all("800" in f.message for f in findings)
    # Nothing else of the descriptor is judged from a document that was not read.
    assert not [f for f in report.files[0].findings if f.code.startswith("DSC")]


def test_source_tree_documents_are_checked(tmp_path: Path) -> None:
    (tmp_path / DESCRIPTOR).write_text(descriptor())
    (tmp_path / MARKETING).write_text("<atlassian-plugin-marketing>\n<logo image='x.png'>\n")
    result = check_one(tmp_path)
    assert result.kind == "source"
    assert ("XML001", MARKETING) in [(f.code, f.entry) for f in result.findings]


# No example database: it would write .hypothesis/ into the work tree on every run.
PROPERTY = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@settings(PROPERTY, max_examples=60)
@given(st.text(max_size=300))
def test_arbitrary_documents_never_crash_the_rules(text: str) -> None:
    for content in (text, f"<atlassian-plugin>{text}</atlassian-plugin>"):
        data = content.encode("utf-8", "surrogatepass")
        folder = Folder({DESCRIPTOR: data, MARKETING: data})
        views = (
            DescriptorView(folder, DEFAULT_LIMITS, in_source=False),
            MarketingView(folder, DEFAULT_LIMITS, in_source=True),
        )
        for view in views:
            for registered in RULES:
                if isinstance(view, registered.subject):
                    for problem in registered.check(view):
                        # A verdict, not only no crash: every problem says what is wrong.
                        assert problem.message and problem.message.strip()


def test_oversized_document_says_its_size_and_the_limit(tmp_path: Path) -> None:
    big = "<atlassian-plugin>" + " " * (17 * 1024 * 1024) + "</atlassian-plugin>"
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**{DESCRIPTOR: big}))
    (finding,) = [f for f in check_one(path).findings if f.code == "XML005"]
    assert "too large" in finding.message and "16,777,216" in finding.message


ENTITY_SUBSET = '<!DOCTYPE atlassian-plugin [<!ENTITY a "aaaa">]>\n'
EVASIONS = {
    "utf16-le-bom": ('<?xml version="1.0" encoding="UTF-16"?>\n' + ENTITY_SUBSET + BODY).encode(
        "utf-16"
    ),
    "utf16-be-bom": b"\xfe\xff"
    + ('<?xml version="1.0" encoding="UTF-16"?>\n' + ENTITY_SUBSET + BODY).encode("utf-16-be"),
    "utf8-bom": b"\xef\xbb\xbf" + (ENTITY_SUBSET + BODY).encode(),
    "comment-before-doctype": (
        '<?xml version="1.0"?>\n<!-- <a> -->\n' + ENTITY_SUBSET + BODY
    ).encode(),
    "bracket-in-subset-comment": (
        '<!DOCTYPE atlassian-plugin [<!-- ] --><!ENTITY a "aaaa">]>\n' + BODY
    ).encode(),
}


@pytest.mark.parametrize("name", list(EVASIONS))
def test_entity_declarations_cannot_hide_from_xml002(name: str, tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**{DESCRIPTOR: EVASIONS[name]}))
    result = check_one(path)
    assert family_codes(result, FAMILIES) == {"XML002"}, result.findings
    (finding,) = [f for f in result.findings if f.code == "XML002"]
    assert finding.entry == DESCRIPTOR and "'a'" in finding.message


@pytest.mark.parametrize(
    "data",
    [
        descriptor().encode(),
        b"\xef\xbb\xbf" + descriptor().encode(),
        descriptor().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom"],
)
def test_a_descriptor_without_doctype_passes_in_any_encoding(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**{DESCRIPTOR: data}))
    assert not family_codes(check_one(path), FAMILIES)
