from hypothesis import given
from hypothesis import strategies as st

from assetcheck.readers.xml import load_xml

LIMIT = 1 << 20


def kinds(data: bytes) -> list[str]:
    return [issue.kind for issue in load_xml(data, LIMIT).issues]


def test_parses_and_keeps_placeholders() -> None:
    doc = load_xml(b'<a key="${x}"><b>${y}</b></a>', LIMIT)
    assert doc.root is not None and doc.root.get("key") == "${x}" and not doc.issues


def test_entities_are_reported_and_never_parsed() -> None:
    doc = load_xml(b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>', LIMIT)
    assert doc.root is None and [i.kind for i in doc.issues] == ["entities"]


def test_external_dtd_is_reported_but_not_loaded() -> None:
    doc = load_xml(b'<!DOCTYPE a SYSTEM "http://example.com/a.dtd"><a/>', LIMIT)
    assert doc.root is not None and [i.kind for i in doc.issues] == ["external-dtd"]


def test_malformed_empty_and_too_large() -> None:
    assert kinds(b"<a><b></a>") == ["malformed"]
    assert kinds(b"  \n") == ["empty"]
    assert kinds(b"<a>" + b" " * LIMIT + b"</a>") == ["too-large"]


def test_malformed_reports_its_line() -> None:
    (issue,) = load_xml(b"<a>\n<b>\n</a>", LIMIT).issues
    assert issue.line == 3


@given(st.binary(max_size=2000))
def test_never_raises(data: bytes) -> None:
    load_xml(data, LIMIT)


@given(st.text(alphabet="<>!&;[]\"' =abcDOCTYPEENTITYSYSTEM/", max_size=300))
def test_never_raises_on_markup_soup(text: str) -> None:
    load_xml(text.encode(), LIMIT)
