"""A JAR manifest parser that reports every deviation from the JAR file specification.

https://docs.oracle.com/en/java/javase/17/docs/specs/jar/jar.html#jar-manifest
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_LINE_BYTES = 72
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,69}\Z")
_NEWLINE = re.compile(rb"\r\n|\n|\r")


@dataclass(frozen=True, slots=True)
class Header:
    name: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class ManifestIssue:
    kind: str  # see read_manifest for the kinds
    line: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class Manifest:
    main: tuple[Header, ...] = ()
    sections: tuple[tuple[Header, ...], ...] = ()
    issues: tuple[ManifestIssue, ...] = field(default=())

    def get_all(self, name: str) -> list[Header]:
        """Main-section headers with this name (header names are case-insensitive)."""
        key = name.lower()
        return [header for header in self.main if header.name.lower() == key]

    def get(self, name: str) -> Header | None:
        found = self.get_all(name)
        return found[0] if found else None


def read_manifest(data: bytes) -> Manifest:
    """Parse a manifest. Issue kinds: ``encoding``, ``line-too-long``, ``no-final-newline``,
    ``bad-continuation``, ``bad-header``, ``bad-name``, ``duplicate-header``."""
    issues: list[ManifestIssue] = []
    if data.startswith(b"\xef\xbb\xbf"):
        issues.append(ManifestIssue("encoding", 1, "starts with a UTF-8 byte-order mark"))
        data = data[3:]
    raw_lines = _NEWLINE.split(data)
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    elif raw_lines:
        issues.append(
            ManifestIssue(
                "no-final-newline",
                len(raw_lines),
                "the last line has no line break, so Java ignores it",
            )
        )
    sections: list[list[Header]] = [[]]
    # Java joins a header's continuation lines as bytes and decodes the whole value once, so a
    # multi-byte character may be split across a line break (JDK 11+ breaks at exactly 72 bytes).
    pending: tuple[str, list[bytes], int] | None = None  # name, value pieces, line

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            name, pieces, line = pending
            raw_value = b"".join(pieces)
            try:
                value = raw_value.decode("utf-8")
            except UnicodeDecodeError:
                issues.append(ManifestIssue("encoding", line, f"{name} is not valid UTF-8"))
                value = raw_value.decode("utf-8", "replace")
            sections[-1].append(Header(name, value, line))
            pending = None

    for number, raw in enumerate(raw_lines, start=1):
        if len(raw) > MAX_LINE_BYTES:
            issues.append(
                ManifestIssue(
                    "line-too-long",
                    number,
                    f"{len(raw)} bytes; lines may be at most {MAX_LINE_BYTES} bytes",
                )
            )
        if raw == b"":
            flush()
            if sections[-1]:
                sections.append([])
            continue
        if raw.startswith(b" "):
            if pending is None:
                issues.append(
                    ManifestIssue(
                        "bad-continuation",
                        number,
                        "a continuation line (starting with a space) follows no header",
                    )
                )
            else:
                pending[1].append(raw[1:])
            continue
        flush()
        raw_name, sep, raw_value = raw.partition(b": ")
        if not sep:
            text = raw.decode("utf-8", "replace")
            issues.append(
                ManifestIssue(
                    "bad-header", number, f"{_clip(text)!r} is not a 'Name: value' header line"
                )
            )
            continue
        name = raw_name.decode("utf-8", "replace")
        if not _NAME.match(name):
            issues.append(ManifestIssue("bad-name", number, f"{name!r} is not a valid header name"))
        pending = (name, [raw_value], number)
    flush()
    parsed = [tuple(section) for section in sections if section]
    main = parsed[0] if parsed and not _is_named_section(parsed[0]) else ()
    rest = parsed[1:] if main else parsed
    for section in [main, *rest]:
        issues.extend(_duplicates(section))
    return Manifest(main=tuple(main), sections=tuple(rest), issues=tuple(issues))


def _is_named_section(section: tuple[Header, ...]) -> bool:
    return section[0].name.lower() == "name"


def _duplicates(section: tuple[Header, ...]) -> list[ManifestIssue]:
    seen: set[str] = set()
    found = []
    for header in section:
        key = header.name.lower()
        if key in seen:
            found.append(
                ManifestIssue(
                    "duplicate-header", header.line, f"{header.name} appears more than once"
                )
            )
        seen.add(key)
    return found


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
