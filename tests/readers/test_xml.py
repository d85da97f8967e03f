import pytest
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


# ---- entity declarations, as the parser sees them ---------------------------------------------

ENTITY_DOC = '<!DOCTYPE a [<!ENTITY x "xxxx">]>\n<a>&x;</a>\n'
PLAIN_DOC = '<?xml version="1.0" encoding="{enc}"?>\n<a key="k"><b>text</b></a>\n'


def _entities(data: bytes) -> tuple[object, list[str]]:
    doc = load_xml(data, LIMIT)
    return doc.root, [issue.kind for issue in doc.issues]


@pytest.mark.parametrize(
    "data",
    [
        # UTF-16 hides '<!ENTITY' from any byte pattern.
        ('<?xml version="1.0" encoding="UTF-16"?>\n' + ENTITY_DOC).encode("utf-16-le"),
        ('<?xml version="1.0" encoding="UTF-16"?>\n' + ENTITY_DOC).encode("utf-16"),
        b"\xff\xfe"
        + ('<?xml version="1.0" encoding="UTF-16"?>\n' + ENTITY_DOC).encode("utf-16-le"),
        b"\xfe\xff"
        + ('<?xml version="1.0" encoding="UTF-16"?>\n' + ENTITY_DOC).encode("utf-16-be"),
        b"\xef\xbb\xbf" + ENTITY_DOC.encode(),
        # A comment holding an element-like '<a>' before the DOCTYPE.
        ('<?xml version="1.0"?>\n<!-- <a> -->\n' + ENTITY_DOC).encode(),
        # A ']' in a comment inside the internal subset ends a naive subset early.
        b'<!DOCTYPE a [<!-- ] --><!ENTITY x "xxxx">]>\n<a>&x;</a>\n',
        # Parameter entities, and external ones the parser must never read.
        b'<!DOCTYPE a [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n<a/>\n',
        b"<!DOCTYPE a [<!ENTITY % p \"<!ENTITY x 'y'>\">]>\n<a/>\n",
        # libxml2 refuses to amplify these; the declaration is still what is reported.
        b'<!DOCTYPE a [<!ENTITY x "' + b"x" * 100_000 + b'">]>\n<a>' + b"&x;" * 100_000 + b"</a>",
    ],
    ids=[
        "utf16-le-no-bom",
        "utf16-bom",
        "utf16-le-bom",
        "utf16-be-bom",
        "utf8-bom",
        "comment-before-doctype",
        "bracket-in-subset-comment",
        "external-parameter-entity",
        "parameter-entity",
        "quadratic-blowup",
    ],
)
def test_entity_declarations_are_found_by_the_parser(data: bytes) -> None:
    root, found = _entities(data)
    assert root is None and found == ["entities"]


@pytest.mark.parametrize(
    ("enc", "bom"),
    [
        ("UTF-8", b""),
        ("UTF-8", b"\xef\xbb\xbf"),
        ("UTF-16LE", b"\xff\xfe"),
        ("UTF-16BE", b"\xfe\xff"),
    ],
)
def test_documents_without_entities_parse_in_any_encoding(enc: str, bom: bytes) -> None:
    codec = {"UTF-8": "utf-8", "UTF-16LE": "utf-16-le", "UTF-16BE": "utf-16-be"}[enc]
    data = bom + PLAIN_DOC.format(enc="UTF-16" if bom and codec != "utf-8" else enc).encode(codec)
    doc = load_xml(data, LIMIT)
    assert doc.root is not None and doc.root.get("key") == "k" and not doc.issues


def test_an_internal_subset_without_entities_is_not_an_entity_finding() -> None:
    doc = load_xml(b"<!DOCTYPE a [<!ELEMENT a ANY>]>\n<a/>", LIMIT)
    assert doc.root is not None and not doc.issues


def test_the_entity_issue_names_the_entities_and_the_doctype_line() -> None:
    data = ('<?xml version="1.0" encoding="UTF-16"?>\n<!-- c\n -->\n' + ENTITY_DOC).encode("utf-16")
    (issue,) = load_xml(data, LIMIT).issues
    assert issue.line == 4 and "'x'" in issue.detail


def test_external_dtd_in_utf16_is_found() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE a PUBLIC "-//A//B" "a.dtd">\n<a/>'
    doc = load_xml(text.encode("utf-16"), LIMIT)
    assert doc.root is not None and [(i.kind, i.line) for i in doc.issues] == [("external-dtd", 2)]
