"""A JAR manifest parser that reports every deviation from the JAR file specification.

https://docs.oracle.com/en/java/javase/17/docs/specs/jar/jar.html#jar-manifest

It runs in one pass, in time and memory linear in the manifest: lines are read a chunk at a
time, a header's continuation lines are joined into one buffer, and of each kind of issue only
the first ``MAX_ISSUES`` are kept, with a count of the rest (a hostile manifest can hold a
million bad lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from assetcheck.readers.kinds import ManifestKind, ReadIssue

MAX_LINE_BYTES = 72
JAVA_MAX_LINE_BYTES = 512  # java.util.jar.Manifest's line buffer: longer lines abort the read
MAX_ISSUES = 20  # issues of one kind kept one by one; the rest are only counted
MAX_SAME_HEADER = 20  # occurrences of one header name kept per section; the rest are counted
# Headers read before reading stops: a signed jar at the entry limit (100,000 entries) has a
# section of two headers per entry (its name and a SHA-256 digest; one signed with two digests
# has three, and is refused past 83,000 entries); a 16 MB manifest can hold millions of tiny
# ones. 250,000 distinct headers take about 150 MB, kept in the main section and its index.
MAX_HEADERS = 250_000
# Lines read before reading stops: that signed jar takes four to seven lines an entry (a wrapped
# name, one or two digests, the blank line), and a line costs about a microsecond to read.
MAX_LINES = 1_000_000
_BREAK = re.compile(rb"\r\n|\r|\n")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,69}\Z")


@dataclass(frozen=True, slots=True)
class Header:
    name: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class Manifest:
    main: tuple[Header, ...] = ()
    sections: tuple[tuple[Header, ...], ...] = ()
    issues: tuple[ReadIssue, ...] = field(default=())
    # Issues of each kind beyond the first MAX_ISSUES: counted, not kept.
    more_issues: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    _index: dict[str, list[Header]] = field(default_factory=dict, compare=False, repr=False)

    def get_all(self, name: str) -> list[Header]:
        """Main-section headers with this name (header names are case-insensitive).

        At most ``MAX_SAME_HEADER`` of them: further repetitions are only counted (as
        ``duplicate-header`` issues).
        """
        return list(self._index.get(name.lower(), ()))

    def get(self, name: str) -> Header | None:
        found = self._index.get(name.lower())
        return found[0] if found else None

    def more(self, kind: ManifestKind) -> int:
        """How many issues of this kind were counted beyond the ones kept."""
        return self.more_issues.get(kind, 0)


class _Issues:
    """The first MAX_ISSUES issues of each kind, in order, and a count of the rest."""

    def __init__(self) -> None:
        self.kept: list[ReadIssue] = []
        self.counts: dict[str, int] = {}

    def add(
        self, kind: ManifestKind, line: int | None, detail: str, length: int | None = None
    ) -> None:
        if self.count(kind):
            self.kept.append(ReadIssue(kind, detail, line=line, length=length))

    def count(self, kind: ManifestKind) -> bool:
        """Count one issue of this kind; True if it is one of those kept, whose detail is worth
        building (then ``keep`` it)."""
        count = self.counts.get(kind, 0)
        self.counts[kind] = count + 1
        return count < MAX_ISSUES

    def keep(self, kind: ManifestKind, line: int, detail: str) -> None:
        self.kept.append(ReadIssue(kind, detail, line=line))

    def more(self) -> dict[str, int]:
        return {k: n - MAX_ISSUES for k, n in self.counts.items() if n > MAX_ISSUES}


def _lines(data: bytes, chunk: int = 1 << 20) -> Iterator[bytes]:
    """Each physical line without its break (CR, LF or CRLF), a chunk of lines at a time.

    Chunks end just after a line break, so no CRLF is split between two of them, and at most
    one chunk's lines are in memory at once.
    """
    start = 0
    n = len(data)
    while start < n:
        found = _BREAK.search(data, min(start + chunk, n))
        end = n if found is None else found.end()
        yield from data[start:end].splitlines()
        start = end


def read_manifest(data: bytes) -> Manifest:
    """Parse a manifest. Issue kinds: ``encoding``, ``line-too-long`` (over 72 bytes),
    ``line-too-long-for-java`` (512 bytes or more), ``no-final-newline``, ``bad-continuation``,
    ``bad-header``, ``bad-name``, ``duplicate-header``, and ``too-many-headers``: more than
    ``MAX_HEADERS`` header lines or ``MAX_LINES`` lines, where reading stops (the manifest was
    not read whole).

    The loop is the cost of a hostile manifest (16 MB can hold 16 million lines), so each line
    does as little as it can: a header name is decoded and checked once per distinct name, and
    an issue's message is built only for the issues that are kept.
    """
    issues = _Issues()
    if data.startswith(b"\xef\xbb\xbf"):
        issues.add(ManifestKind.ENCODING, 1, "starts with a UTF-8 byte-order mark")
        data = data[3:]
    sections: list[tuple[Header, ...]] = []
    current: list[Header] = []
    counts: dict[str, int] = {}  # occurrences of each header name in the current section
    names: dict[bytes, tuple[str, str, bool]] = {}  # raw name: name, key, whether valid
    headers = 0
    # Java joins a header's continuation lines as bytes and decodes the whole value once, so a
    # multi-byte character may be split across a line break (JDK 11+ breaks at exactly 72 bytes).
    pending: tuple[str, str, bytes, int] | None = None  # name, key, first value bytes, line
    continued: bytearray | None = None  # the pending header's continuation bytes

    def flush() -> None:
        nonlocal pending, continued
        if pending is None:
            return
        name, key, raw_value, line = pending
        if continued is not None:
            raw_value = raw_value + continued
        pending = continued = None
        try:
            value = raw_value.decode("utf-8")
        except UnicodeDecodeError:
            issues.add(ManifestKind.ENCODING, line, f"{_clip(name)} is not valid UTF-8")
            value = raw_value.decode("utf-8", "replace")
        seen = counts.get(key, 0)
        counts[key] = seen + 1
        if seen < MAX_SAME_HEADER:
            current.append(Header(name, value, line))
        if seen and issues.count(ManifestKind.DUPLICATE_HEADER):
            detail = f"{_clip(name)} appears more than once"
            issues.keep(ManifestKind.DUPLICATE_HEADER, line, detail)

    def end_section() -> None:
        nonlocal current
        flush()
        if current:
            sections.append(tuple(current))
            current = []
            counts.clear()

    number = 0
    for number, raw in enumerate(_lines(data), start=1):
        if number > MAX_LINES:
            _stop(issues, number, f"{MAX_LINES:,} lines")
            break
        if not raw:
            end_section()
            continue
        length = len(raw)
        if length > MAX_LINE_BYTES:
            _long_line(issues, number, length)
        if raw[0] == 0x20:  # a continuation line
            if pending is not None:
                if continued is None:
                    continued = bytearray()
                continued += memoryview(raw)[1:]
            elif issues.count(ManifestKind.BAD_CONTINUATION):
                detail = "a continuation line (starting with a space) follows no header"
                issues.keep(ManifestKind.BAD_CONTINUATION, number, detail)
            continue
        flush()
        headers += 1
        if headers > MAX_HEADERS:
            _stop(issues, number, f"{MAX_HEADERS:,} headers")
            break
        raw_name, sep, raw_value = raw.partition(b": ")
        if not sep:
            if issues.count(ManifestKind.BAD_HEADER):
                issues.keep(ManifestKind.BAD_HEADER, number, _not_a_header(raw))
            continue
        known = names.get(raw_name)
        if known is None:
            name = raw_name.decode("utf-8", "replace")
            known = (name, name.lower(), _NAME.match(name) is not None)
            if len(names) < 10_000:
                names[raw_name] = known
        name, key, valid = known
        if not valid and issues.count(ManifestKind.BAD_NAME):
            issues.keep(
                ManifestKind.BAD_NAME, number, f"{_clip(name)!r} is not a valid header name"
            )
        pending = (name, key, raw_value, number)
    else:
        end_section()
        if number and not data.endswith((b"\n", b"\r")):
            issues.add(
                ManifestKind.NO_FINAL_NEWLINE,
                number,
                "the last line has no line break, so Java ignores it",
            )
    if current:
        sections.append(tuple(current))
    main: tuple[Header, ...] = ()
    if sections and sections[0][0].name.lower() != "name":
        main = sections.pop(0)
    index: dict[str, list[Header]] = {}
    for header in main:
        index.setdefault(header.name.lower(), []).append(header)
    return Manifest(
        main=main,
        sections=tuple(sections),
        issues=tuple(sorted(issues.kept, key=lambda issue: issue.line or 0)),
        more_issues=issues.more(),
        _index=index,
    )


def _stop(issues: _Issues, number: int, limit: str) -> None:
    issues.add(
        ManifestKind.TOO_MANY_HEADERS,
        number,
        f"it has more than {limit}; reading stopped at line {number:,}",
    )


def _long_line(issues: _Issues, number: int, length: int) -> None:
    if length >= JAVA_MAX_LINE_BYTES:
        issues.add(
            ManifestKind.LINE_TOO_LONG_FOR_JAVA,
            number,
            f"{length:,} bytes; Java refuses lines of {JAVA_MAX_LINE_BYTES} bytes or more",
            length,
        )
    else:
        issues.add(
            ManifestKind.LINE_TOO_LONG,
            number,
            f"{length} bytes; lines may be at most {MAX_LINE_BYTES} bytes",
            length,
        )


def _not_a_header(raw: bytes) -> str:
    return f"{_clip(raw[:200].decode('utf-8', 'replace'))!r} is not a 'Name: value' header line"


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
