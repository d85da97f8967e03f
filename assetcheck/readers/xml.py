"""A safe XML loader: no DTD loading, no entity expansion, no network, a size cap.

A DOCTYPE that declares entities is how billion-laughs and external-entity attacks start; such a
document is reported and never parsed, so nothing in it can be expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_DOCTYPE = re.compile(rb"<!DOCTYPE\b(?P<body>(?:[^\[>]|\[[^\]]*\])*)>?", re.DOTALL)
_ENTITY = re.compile(rb"<!ENTITY\b")
_EXTERNAL_ID = re.compile(rb"\b(SYSTEM|PUBLIC)\b")


@dataclass(frozen=True, slots=True)
class XmlIssue:
    kind: str  # "empty" | "too-large" | "entities" | "external-dtd" | "malformed"
    line: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class XmlDoc:
    root: Any | None  # lxml.etree._Element; Any keeps lxml's stubs out of the public types
    issues: tuple[XmlIssue, ...] = field(default=())


def load_xml(data: bytes, max_bytes: int) -> XmlDoc:
    """Parse ``data`` into a tree, or say why not. Never raises on bad input."""
    if not data.strip():
        return XmlDoc(None, (XmlIssue("empty", None, "the file is empty"),))
    if len(data) > max_bytes:
        return XmlDoc(
            None,
            (XmlIssue("too-large", None, f"{len(data):,} bytes; the limit is {max_bytes:,}"),),
        )
    issues: list[XmlIssue] = []
    doctype = _DOCTYPE.search(data, 0, _prolog_end(data))
    if doctype:
        line = data.count(b"\n", 0, doctype.start()) + 1
        if _ENTITY.search(doctype.group(0)):
            detail = "the DOCTYPE declares entities (entity expansion is never performed)"
            return XmlDoc(None, (XmlIssue("entities", line, detail),))
        if _EXTERNAL_ID.search(doctype.group("body")):
            issues.append(XmlIssue("external-dtd", line, "the DOCTYPE refers to an external DTD"))
    from lxml import etree  # lazy: keeps start-up fast for runs that parse no XML

    parser = etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        position = error.position[0] if error.position else None
        issues.append(XmlIssue("malformed", position, _syntax_message(error)))
        return XmlDoc(None, tuple(issues))
    except (ValueError, etree.LxmlError) as error:
        issues.append(XmlIssue("malformed", None, str(error)))
        return XmlDoc(None, tuple(issues))
    return XmlDoc(root, tuple(issues))


def _prolog_end(data: bytes) -> int:
    """Where the DOCTYPE could still be: before the first element start tag."""
    match = re.search(rb"<[A-Za-z_]", data)
    return match.start() if match else len(data)


def _syntax_message(error: Exception) -> str:
    text = str(error)
    # lxml appends "(<string>, line N)"; the finding carries the line separately.
    return re.sub(r",? \(<string>, line \d+\)$", "", text) or "not well-formed"
