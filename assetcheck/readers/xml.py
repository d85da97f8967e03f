"""A safe XML loader: no DTD loading, no entity expansion, no network, a size cap.

A DOCTYPE that declares entities is how billion-laughs and external-entity attacks start; such a
document is reported and its tree is never used, so nothing in it is ever expanded. Whether a
document declares entities is the XML parser's own answer (the internal subset it read), never
a guess from the bytes: the bytes may be UTF-16, hold comments before the DOCTYPE, or hide a
``]`` in a comment inside the internal subset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assetcheck.readers.kinds import ReadIssue, XmlKind

SHOWN = 5  # entity names an issue names before it counts the rest


@dataclass(frozen=True, slots=True)
class XmlDoc:
    root: Any | None  # lxml.etree._Element; Any keeps lxml's stubs out of the public types
    issues: tuple[ReadIssue, ...] = field(default=())


def _parser(*, recover: bool) -> Any:
    from lxml import etree  # lazy: keeps start-up fast for runs that parse no XML

    # Entities are never substituted (resolve_entities=False), no DTD or external entity is
    # ever read (load_dtd=False, no_network=True), and libxml2's own limits stay on
    # (huge_tree=False), including its cap on entity amplification.
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        recover=recover,
    )


def load_xml(data: bytes, max_bytes: int) -> XmlDoc:
    """Parse ``data`` into a tree, or say why not. Never raises on bad input."""
    if not data.strip():
        return XmlDoc(None, (ReadIssue(XmlKind.EMPTY, "the file is empty"),))
    if len(data) > max_bytes:
        return XmlDoc(
            None,
            (ReadIssue(XmlKind.TOO_LARGE, f"{len(data):,} bytes; the limit is {max_bytes:,}"),),
        )
    from lxml import etree

    try:
        root = etree.fromstring(data, _parser(recover=False))
    except etree.XMLSyntaxError as error:
        # A document that declares entities may fail only because libxml2 refused to amplify
        # them: ask a forgiving parse (as safe) whether the DOCTYPE declares any.
        entities = _entities_issue(data, _recovered(data))
        if entities is not None:
            return XmlDoc(None, (entities,))
        position = error.position[0] if error.position else None
        return XmlDoc(None, (ReadIssue(XmlKind.MALFORMED, _syntax_message(error), line=position),))
    except (ValueError, etree.LxmlError) as error:
        return XmlDoc(None, (ReadIssue(XmlKind.MALFORMED, str(error)),))
    if root is None:  # pragma: no cover - lxml raises rather than return nothing
        return XmlDoc(None, (ReadIssue(XmlKind.MALFORMED, "no root element"),))
    entities = _entities_issue(data, root)
    if entities is not None:
        return XmlDoc(None, (entities,))
    docinfo = root.getroottree().docinfo
    if docinfo.system_url is not None or docinfo.public_id is not None:
        line = _doctype_line(data, docinfo.encoding)
        issue = ReadIssue(XmlKind.EXTERNAL_DTD, "the DOCTYPE refers to an external DTD", line=line)
        return XmlDoc(root, (issue,))
    return XmlDoc(root, ())


def _recovered(data: bytes) -> Any | None:
    from lxml import etree

    try:
        return etree.fromstring(data, _parser(recover=True))
    except (ValueError, etree.LxmlError):
        return None


def _entities_issue(data: bytes, root: Any | None) -> ReadIssue | None:
    """The entities issue when the parsed document's internal subset declares any entity."""
    if root is None:
        return None
    docinfo = root.getroottree().docinfo
    dtd = docinfo.internalDTD
    if dtd is None:
        return None
    names = [entity.name for entity in dtd.iterentities()]
    if not names:
        return None
    shown = ", ".join(repr(_clip(name)) for name in names[:SHOWN])
    more = f" and {len(names) - SHOWN:,} more" if len(names) > SHOWN else ""
    detail = f"the DOCTYPE declares {_plural(len(names), 'entity', 'entities')}: {shown}{more}"
    return ReadIssue(XmlKind.ENTITIES, detail, line=_doctype_line(data, docinfo.encoding))


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _doctype_line(data: bytes, encoding: str | None) -> int | None:
    """The line the DOCTYPE starts on: after the XML declaration, comments and PIs only."""
    try:
        text = data.decode(encoding or "utf-8", "replace")
    except LookupError:
        return None
    i = 1 if text.startswith("\ufeff") else 0
    n = len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if text.startswith("<?", i):
            close = "?>"
        elif text.startswith("<!--", i):
            close = "-->"
        elif text.startswith("<!DOCTYPE", i):
            return text.count("\n", 0, i) + 1
        else:
            return None
        end = text.find(close, i + 2)
        if end < 0:
            return None
        i = end + len(close)
    return None


def _syntax_message(error: Exception) -> str:
    text = str(error)
    # lxml appends "(<string>, line N)"; the finding carries the line separately.
    return re.sub(r",? \(<string>, line \d+\)$", "", text) or "not well-formed"
