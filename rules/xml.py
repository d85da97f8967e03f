"""XML rules (XML): whether an XML document can be read at all, and read safely.

They run on every XML document assetcheck parses: ``atlassian-plugin.xml``,
``atlassian-plugin-marketing.xml`` and an .obr's ``obr.xml``. A document that is absent is not
theirs to report (the descriptor, marketing and OBR rules say whether it must exist). When a
document cannot be parsed, exactly one of these rules says why, and the rules that need its
content stay silent.
"""

from __future__ import annotations

from collections.abc import Iterator

from assetcheck.api import ERROR, WARNING, DocumentView, Problem, ReadIssue, XmlKind, rule


def _issues(view: DocumentView, *kinds: XmlKind) -> Iterator[ReadIssue]:
    return (issue for issue in view.issues if issue.kind in kinds)


def _rebuild_hint(view: DocumentView) -> str:
    if view.entry == "obr.xml":
        return "Rebuild the .obr with the Atlassian SDK (`atlas-package`), which writes obr.xml."
    return f"Fix {view.entry} in src/main/resources and rebuild."


@rule("XML001", ERROR, DocumentView, integrity=True, reports=(XmlKind.MALFORMED,))
def not_well_formed(view: DocumentView) -> Iterator[Problem]:
    """The XML document is not well-formed, so nothing in it can be read.

    The Marketplace and the plugin framework reject a descriptor they cannot parse.

    Passing: ``<atlassian-plugin key="com.acme.helper" ...> ... </atlassian-plugin>``.
    Failing: an unclosed element, a stray ``&`` (write ``&amp;``), or text after the root element.
    """
    for issue in _issues(view, XmlKind.MALFORMED):
        yield Problem(
            f"not well-formed XML: {issue.detail} "
            "(expected a single, properly nested root element)",
            hint=_rebuild_hint(view) + " An XML-aware editor or `xmllint --noout` shows the spot.",
            line=issue.line,
        )


@rule("XML002", ERROR, DocumentView, integrity=True, reports=(XmlKind.ENTITIES,))
def entity_declarations(view: DocumentView) -> Iterator[Problem]:
    """The document's DOCTYPE declares entities: the start of entity-expansion attacks.

    Declared entities are how "billion laughs" (exponential expansion) and external-entity
    attacks (reading local files or URLs) work. assetcheck never expands them and does not read
    the document further; no plugin descriptor needs them.

    Passing: a descriptor with no DOCTYPE.
    Failing: ``<!DOCTYPE x [<!ENTITY a "aaaa"> <!ENTITY b "&a;&a;&a;">]>`` or
    ``<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>``.
    """
    for issue in _issues(view, XmlKind.ENTITIES):
        yield Problem(
            f"{issue.detail} (expected no entity declarations: they enable entity-expansion "
            "and external-entity attacks; assetcheck never expands them and did not read the "
            "document further)",
            hint="Remove the DOCTYPE and write the text out in full.",
            line=issue.line,
        )


@rule("XML003", WARNING, DocumentView, reports=(XmlKind.EXTERNAL_DTD,))
def external_dtd(view: DocumentView) -> Iterator[Problem]:
    """The document's DOCTYPE refers to an external DTD.

    assetcheck never loads it, but other XML readers may try to fetch it over the network while
    parsing, which is slow at best and a way to leak or inject data at worst.

    Passing: a descriptor with no DOCTYPE.
    Failing: ``<!DOCTYPE atlassian-plugin SYSTEM "http://example.com/plugin.dtd">``.
    """
    for issue in _issues(view, XmlKind.EXTERNAL_DTD):
        yield Problem(
            "the DOCTYPE refers to an external DTD (expected no DOCTYPE)",
            hint="Remove the DOCTYPE line; plugin descriptors have no DTD.",
            line=issue.line,
        )


@rule("XML004", ERROR, DocumentView, integrity=True, reports=(XmlKind.EMPTY,))
def empty_document(view: DocumentView) -> Iterator[Problem]:
    """The XML document is empty (no bytes, or only white space).

    Passing: a descriptor with a root element.
    Failing: a 0-byte ``atlassian-plugin-marketing.xml`` left by a build step.
    """
    for issue in _issues(view, XmlKind.EMPTY):
        yield Problem(
            f"{issue.detail} (expected an XML document with a root element)",
            hint=_rebuild_hint(view),
        )


@rule(
    "XML005", ERROR, DocumentView, integrity=True, reports=(XmlKind.TOO_LARGE, XmlKind.UNREADABLE)
)
def unreadable_document(view: DocumentView) -> Iterator[Problem]:
    """The XML document is over the size limit (default 16 MiB) or its entry cannot be read.

    It is not parsed, so none of its content is checked.

    Passing: a descriptor of a few kilobytes.
    Failing: a 20 MB ``atlassian-plugin.xml``, or one whose zip entry is corrupt.
    """
    limit = f"{view.limits.max_document_bytes:,}"
    for issue in _issues(view, XmlKind.TOO_LARGE):
        yield Problem(
            f"the document is too large to read: {issue.detail} (expected at most {limit} bytes)",
            hint="Descriptors are a few kilobytes: check what the build put in it. The limit is "
            "set never to trip on a real app: if this one is genuine, report it.",
        )
    for issue in _issues(view, XmlKind.UNREADABLE):
        yield Problem(
            f"the document {issue.detail} (expected a readable entry of at most {limit} bytes)",
            hint="See the ZIP findings for this entry; rebuild the artifact or copy it again.",
        )
