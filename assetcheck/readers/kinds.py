"""What the readers meet, in the words readers and rules share: a ReadIssue of a kind.

A reader never decides what an issue means; it names it with one of these kinds, and exactly
one rule reports each kind (a test holds that). StrEnum members compare equal to their text.
The words of the project: a reader meets an *issue*, a rule yields a *problem*, the engine
reports a *finding*.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ZipKind(StrEnum):
    """Problems met reading a zip archive (``assetcheck.readers.zipreader``)."""

    EMPTY = "empty"
    NOT_ZIP = "not-zip"
    OTHER_FORMAT = "other-format"  # not a zip, and the content is another known format
    MULTI_DISK = "multi-disk"
    TRUNCATED = "truncated"
    BAD_CENTRAL_DIRECTORY = "bad-central-directory"
    DIRECTORY_COUNT = "directory-count"
    DIRECTORY_SIZE = "directory-size"
    HIDDEN_LOCAL_HEADER = "hidden-local-header"
    TOO_MANY_ENTRIES = "too-many-entries"
    TOTAL_SIZE = "total-size"
    PREPENDED = "prepended"
    OVERLAP = "overlap"
    BAD_NAME_ENCODING = "bad-name-encoding"
    UNICODE_PATH = "unicode-path"
    BAD_LOCAL_HEADER = "bad-local-header"
    NAME_MISMATCH = "name-mismatch"
    LOCAL_MISMATCH = "local-mismatch"
    DATA_DESCRIPTOR = "data-descriptor"
    ENCRYPTED = "encrypted"
    METHOD = "method"
    TRUNCATED_ENTRY = "truncated-entry"
    INFLATE = "inflate"
    SIZE_MISMATCH = "size-mismatch"
    CRC = "crc"
    RATIO = "ratio"


class XmlKind(StrEnum):
    """Problems met loading an XML document (``assetcheck.readers.xml`` and the views)."""

    EMPTY = "empty"
    TOO_LARGE = "too-large"
    UNREADABLE = "unreadable"
    ENTITIES = "entities"
    EXTERNAL_DTD = "external-dtd"
    MALFORMED = "malformed"


class ManifestKind(StrEnum):
    """Problems met reading a JAR manifest (``assetcheck.readers.manifest``)."""

    ENCODING = "encoding"
    LINE_TOO_LONG = "line-too-long"
    LINE_TOO_LONG_FOR_JAVA = "line-too-long-for-java"
    NO_FINAL_NEWLINE = "no-final-newline"
    BAD_CONTINUATION = "bad-continuation"
    BAD_HEADER = "bad-header"
    BAD_NAME = "bad-name"
    DUPLICATE_HEADER = "duplicate-header"
    TOO_MANY_HEADERS = "too-many-headers"


ReaderKind = ZipKind | XmlKind | ManifestKind


@dataclass(frozen=True, slots=True)
class ReadIssue:
    """What a reader met: its kind, what it says, and where (an archive entry, a line)."""

    kind: ReaderKind
    detail: str
    entry: str | None = None
    line: int | None = None
    length: int | None = None  # a too-long manifest line's length in bytes
