"""OSGi manifest-header grammar: symbolic names, versions, version ranges and clause headers.

Follows the OSGi Core specification (Release 8): the general header syntax of section 1.3.2,
``Bundle-SymbolicName`` (3.2.1.11), ``Bundle-Version`` (3.2.5), version ranges (3.2.6),
``Import-Package`` (3.6.4) and ``Export-Package`` (3.6.5), plus the checks Apache Felix (the
framework inside every Atlassian host product) applies when it installs a bundle.

Nothing here raises on bad input. Parsers return what they could read together with
``GrammarError`` values whose ``position`` is a character offset into the text they were given.
Every parser runs in time linear in its input: a real ``Import-Package`` can be 20 KB long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_INT = 2**31 - 1  # version parts are Java ints: a larger number fails Integer.parseInt
_MAX_INT_TEXT = str(MAX_INT)
_MAX_INT_DIGITS = len(_MAX_INT_TEXT)

_NUMBER = re.compile(r"[0-9]+", re.ASCII)
_QUALIFIER = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_SYMBOLIC_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*", re.ASCII)
_EXTENDED = re.compile(r"[A-Za-z0-9_.-]+", re.ASCII)
# A Java identifier (letters and digits in the Unicode sense, plus '_' and '$'), dot-separated.
_PACKAGE = re.compile(r"(?:[^\W\d]|\$)[\w$]*(?:\.(?:[^\W\d]|\$)[\w$]*)*")
_WS = re.compile(r"[ \t]*")
# An unquoted path or parameter name: everything up to the next separator or quote.
_BARE = re.compile(r'[^;,=:"]*')
_QUOTED = re.compile(r'"((?:[^"\\\r\n\x00]|\\.)*)"', re.DOTALL)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_TYPE = re.compile(r"[ \t]*([A-Za-z<>]+)[ \t]*=")
_UNQUOTED_REST = re.compile(r"[^;,]*")
_UNQUOTED_RANGE = re.compile(r"[\[(][^\])\[(;\"]*[\])]")
RANGE_LOOKAHEAD = 100
MAX_ERRORS = 100  # errors a parsed header keeps one by one; the rest are counted
SHOWN_CHARS = 60  # how much of a name or value a message quotes


@dataclass(frozen=True, slots=True)
class GrammarError:
    """What is wrong, and where: ``position`` is a character offset into the parsed text."""

    position: int
    message: str


def _q(text: str) -> str:
    """``text`` quoted for a message, clipped: a hostile value can be megabytes long."""
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return repr(text)


# ---- versions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Version:
    """An OSGi version; ordering is the framework's (numbers, then the qualifier as a string)."""

    major: int
    minor: int = 0
    micro: int = 0
    qualifier: str = ""

    def __str__(self) -> str:
        base = f"{self.major}.{self.minor}.{self.micro}"
        return f"{base}.{self.qualifier}" if self.qualifier else base


_PARTS = ("major", "minor", "micro")


def parse_version(text: str) -> Version | GrammarError:
    """``major(.minor(.micro(.qualifier)?)?)?``; surrounding white space is ignored, as in OSGi."""
    start = len(text) - len(text.lstrip())
    body = text.strip()
    if not body:
        return GrammarError(start, "the version is empty")
    numbers: list[int] = []
    position = 0
    for index, part in enumerate(_PARTS):
        match = _NUMBER.match(body, position)
        if match is None:
            shown = body[position:].split(".", 1)[0]
            what = (
                f"{part} part {_q(shown)} is not a number" if shown else f"the {part} part is empty"
            )
            return GrammarError(start + position, what)
        digits = match.group().lstrip("0") or "0"
        # Compare as text: int() of a long digit run is quadratic, and refused over 4,300 digits.
        if len(digits) > _MAX_INT_DIGITS or (
            len(digits) == _MAX_INT_DIGITS and digits > _MAX_INT_TEXT
        ):
            shown = digits if len(digits) <= 20 else f"{digits[:12]}… ({len(digits):,} digits)"
            return GrammarError(
                start + position, f"{part} part {shown} is larger than {MAX_INT} (a Java int)"
            )
        numbers.append(int(digits))
        position = match.end()
        if position == len(body):
            padded = [*numbers, 0, 0]
            return Version(padded[0], padded[1], padded[2])
        if body[position] != ".":
            found = body[position]
            why = (
                "OSGi separates the qualifier with '.', e.g. 1.0.0.SNAPSHOT"
                if found == "-"
                else "parts are separated by '.'"
            )
            return GrammarError(
                start + position, f"unexpected {_q(found)} after the {part} part ({why})"
            )
        position += 1
        if index == 2:
            break
    qualifier = body[position:]
    if not qualifier:
        return GrammarError(start + position, "the qualifier after the last '.' is empty")
    match = _QUALIFIER.match(qualifier)
    if match is None or match.end() != len(qualifier):
        bad = 0 if match is None else match.end()
        return GrammarError(
            start + position + bad,
            f"qualifier {_q(qualifier)} has {_q(qualifier[bad])} "
            "(a qualifier may hold only A-Z, a-z, 0-9, '_' and '-')",
        )
    return Version(numbers[0], numbers[1], numbers[2], qualifier)


@dataclass(frozen=True, slots=True)
class VersionRange:
    """``[floor,ceiling)`` and friends; a bare version means "at least" (no ceiling)."""

    floor: Version
    floor_closed: bool = True
    ceiling: Version | None = None
    ceiling_closed: bool = False

    @property
    def is_empty(self) -> bool:
        """True when no version can match: floor above ceiling, or equal with an open end."""
        if self.ceiling is None:
            return False
        if self.floor == self.ceiling:
            return not (self.floor_closed and self.ceiling_closed)
        return self.floor > self.ceiling

    def __str__(self) -> str:
        if self.ceiling is None:
            return str(self.floor)
        left = "[" if self.floor_closed else "("
        right = "]" if self.ceiling_closed else ")"
        return f"{left}{self.floor},{self.ceiling}{right}"


def parse_range(text: str) -> VersionRange | GrammarError:
    """An OSGi version range: ``[1.7,3)``, ``(1,2]``, or a bare version meaning "at least"."""
    start = len(text) - len(text.lstrip())
    body = text.strip()
    if not body or body[0] not in "[(":
        version = parse_version(body)
        if isinstance(version, GrammarError):
            return GrammarError(start + version.position, version.message)
        return VersionRange(version)
    comma = body.find(",")
    if comma < 0:
        return GrammarError(start, f"range {_q(body)} has no ',' between its floor and ceiling")
    close = body[-1]
    if close not in ")]":
        return GrammarError(start + len(body) - 1, f"range {_q(body)} does not end with ')' or ']'")
    floor = parse_version(body[1:comma])
    if isinstance(floor, GrammarError):
        return GrammarError(start + 1 + floor.position, f"range floor: {floor.message}")
    ceiling = parse_version(body[comma + 1 : -1])
    if isinstance(ceiling, GrammarError):
        return GrammarError(
            start + comma + 1 + ceiling.position, f"range ceiling: {ceiling.message}"
        )
    return VersionRange(floor, body[0] == "[", ceiling, close == "]")


# ---- clause headers -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parameter:
    """``name=value`` (an attribute) or ``name:=value`` (a directive) of a clause."""

    name: str
    value: str
    directive: bool
    position: int  # where the name starts
    value_position: int  # where the value starts (inside the quotes when quoted)
    type: str | None = None  # typed attributes: ``name:Version=1.0``


@dataclass(frozen=True, slots=True)
class Clause:
    paths: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    position: int
    path_positions: tuple[int, ...] = ()

    def attribute(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name and not p.directive), None)

    def directive(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name and p.directive), None)


@dataclass(frozen=True, slots=True)
class ParsedHeader:
    """The clauses that parsed cleanly, and the errors met (a broken clause is skipped).

    ``errors`` are the first ``MAX_ERRORS`` by position; ``more_errors`` counts the rest, so
    a hostile header with a million broken clauses costs no more memory than a real one.
    """

    clauses: tuple[Clause, ...]
    errors: tuple[GrammarError, ...]
    more_errors: int = 0

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.more_errors


class _Errors:
    """Errors as a parser meets them: the first MAX_ERRORS of each source, and a count."""

    def __init__(self, parsed: ParsedHeader | None = None) -> None:
        self.kept: list[GrammarError] = []
        self.count = 0
        if parsed is not None:
            self.kept.extend(parsed.errors)
            self.count = parsed.error_count
        self._own = 0  # errors added here, beyond the parsed ones

    def append(self, error: GrammarError) -> None:
        self.count += 1
        if self._own < MAX_ERRORS:
            self.kept.append(error)
        self._own += 1

    def extend(self, errors: list[GrammarError]) -> None:
        for error in errors:
            self.append(error)

    def header(self, clauses: tuple[Clause, ...]) -> ParsedHeader:
        # Each source keeps its own first MAX_ERRORS in position order, so the first
        # MAX_ERRORS of the merge are the first MAX_ERRORS overall.
        first = sorted(self.kept, key=lambda e: e.position)[:MAX_ERRORS]
        return ParsedHeader(clauses, tuple(first), self.count - len(first))


class _Broken(Exception):
    """A clause cannot be parsed further; internal to the parser, never escapes it.

    ``resume`` is where to look for the next clause when the error position would mislead
    (an unquoted range's own comma is not the end of the clause).
    """

    def __init__(self, error: GrammarError, resume: int | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.resume = error.position if resume is None else resume


def parse_clauses(text: str) -> ParsedHeader:
    """Split a header into clauses: ``path(;path)*(;name:=value|;name=value)*`` joined by ','.

    Values are ``extended`` tokens (letters, digits, ``_ - .``) or double-quoted strings,
    which may hold commas and semicolons. After an error the parser skips to the next
    top-level comma and carries on, so one pass reports every broken clause.
    """
    parser = _ClauseParser(text)
    return parser.run()


class _ClauseParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.clauses: list[Clause] = []
        self.errors = _Errors()

    def run(self) -> ParsedHeader:
        if not self.text.strip():
            return ParsedHeader((), (GrammarError(0, "the header is empty"),))
        i = 0
        while True:
            try:
                clause, i = self._clause(i)
                self.clauses.append(clause)
            except _Broken as broken:
                self.errors.append(broken.error)
                i = self._skip_clause(broken.resume)
            if i >= self.n:
                break
            i += 1  # the ',' between clauses
        return self.errors.header(tuple(self.clauses))

    def _ws(self, i: int) -> int:
        match = _WS.match(self.text, i)
        return match.end() if match else i

    def _clause(self, i: int) -> tuple[Clause, int]:
        """Parse one clause starting at ``i``; return it and the index of its ',' (or the end)."""
        start = self._ws(i)
        paths: list[str] = []
        path_positions: list[int] = []
        parameters: list[Parameter] = []
        seen: set[tuple[str, bool]] = set()
        i = start
        while True:
            i = self._ws(i)
            token_start = i
            if i < self.n and self.text[i] == '"':
                token, i = self._quoted(i)
                quoted = True
            else:
                match = _BARE.match(self.text, i)
                end = match.end() if match else i
                token = self.text[i:end].rstrip(" \t")
                i = end
                quoted = False
            j = self._ws(i)
            here = self.text[j] if j < self.n else ""
            if here in ("=", ":") and not quoted:
                parameter, i = self._parameter(token, token_start, j)
                key = (parameter.name, parameter.directive)
                if key in seen:
                    kind = "directive" if parameter.directive else "attribute"
                    raise _Broken(
                        GrammarError(
                            token_start, f"{kind} {_q(parameter.name)} appears twice in one clause"
                        )
                    )
                seen.add(key)
                parameters.append(parameter)
            else:
                if not token:
                    what = "an empty clause" if not paths and not parameters else "an empty path"
                    raise _Broken(GrammarError(token_start, f"{what} (a stray ',' or ';'?)"))
                if parameters:
                    raise _Broken(
                        GrammarError(
                            token_start,
                            f"path {_q(token)} comes after the clause's parameters "
                            "(paths must come first)",
                        )
                    )
                paths.append(token)
                path_positions.append(token_start)
                i = j
            i = self._ws(i)
            if i >= self.n or self.text[i] == ",":
                if not paths:
                    # OSGi's clause is path (';' path)* (';' parameter)*: Felix refuses a
                    # clause of parameters only ("No path specified on clause").
                    raise _Broken(
                        GrammarError(start, "the clause has parameters but no path before them")
                    )
                clause = Clause(tuple(paths), tuple(parameters), start, tuple(path_positions))
                return clause, i
            if self.text[i] == ";":
                i += 1
                continue
            raise _Broken(
                GrammarError(i, f"unexpected {_q(self.text[i])} (expected ';', ',' or the end)")
            )

    def _parameter(self, name: str, name_start: int, j: int) -> tuple[Parameter, int]:
        text = self.text
        directive = False
        attr_type = None
        if text.startswith(":=", j):
            directive = True
            i = j + 2
        elif text[j] == ":":
            typed = _TYPE.match(text, j + 1)
            if typed is None:
                raise _Broken(
                    GrammarError(j, "':' must be followed by '=' (a directive is name:=value)")
                )
            attr_type = typed.group(1)
            i = typed.end()
        else:
            i = j + 1
        if not name:
            raise _Broken(GrammarError(name_start, "a parameter has no name before '=' or ':='"))
        if not _EXTENDED.fullmatch(name):
            raise _Broken(
                GrammarError(
                    name_start,
                    f"parameter name {_q(name)} may hold only letters, digits, '_', '-' and '.'",
                )
            )
        i = self._ws(i)
        if i < self.n and text[i] == '"':
            value, end = self._quoted(i)
            value_position = i + 1
        else:
            match = _EXTENDED.match(text, i)
            value = match.group() if match else ""
            end = match.end() if match else i
            value_position = i
            after = self._ws(end)
            if after < self.n and text[after] not in ";,":
                raise self._unquoted(name, i)
            if not value:
                raise _Broken(GrammarError(i, f"{_q(name)} has an empty value"))
        parameter = Parameter(name, value, directive, name_start, value_position, attr_type)
        return parameter, end

    def _unquoted(self, name: str, i: int) -> _Broken:
        """The error for an unquoted value that is not an ``extended`` token."""
        text = self.text
        if text[i] in "[(":
            # Most likely an unquoted range: show it whole and resume after it, so its own
            # comma does not produce a second, confusing error. The look-ahead is bounded to
            # keep the parser linear on hostile input.
            match = _UNQUOTED_RANGE.match(text[i : i + RANGE_LOOKAHEAD])
            if match is not None:
                raw = match.group()
                message = (
                    f"the version range {_q(raw)} of {_q(name)} is not quoted; a range holds a "
                    f'comma, so it must be written {name}="{raw}"'
                )
                return _Broken(GrammarError(i, message), resume=i + len(raw))
        rest = _UNQUOTED_REST.match(text, i)
        raw = text[i : rest.end() if rest else self.n].strip()
        return _Broken(
            GrammarError(
                i,
                f"the value {_q(raw)} of {_q(name)} must be in double quotes (unquoted values may "
                "hold only letters, digits, '_', '-' and '.')",
            )
        )

    def _quoted(self, i: int) -> tuple[str, int]:
        match = _QUOTED.match(self.text, i)
        if match is None:
            raise _Broken(GrammarError(i, "a quoted string is not closed (missing '\"')"))
        return _ESCAPE.sub(r"\1", match.group(1)), match.end()

    def _skip_clause(self, i: int) -> int:
        """The index of the next top-level ',' at or after ``i`` (quotes respected), or the end."""
        text = self.text
        comma = text.find(",", i)
        while comma >= 0:
            # Only look for quotes before the comma, so each character is scanned once.
            quote = text.find('"', i, comma)
            if quote < 0:
                return comma
            match = _QUOTED.match(text, quote)
            if match is None:
                return self.n  # an unclosed quote swallows the rest, as it does for Felix
            i = match.end()
            if i > comma:
                comma = text.find(",", i)
        return self.n


# ---- specific headers -----------------------------------------------------------------------


def is_symbolic_name(text: str) -> bool:
    """``token('.'token)*`` where a token is letters, digits, '_' and '-'."""
    return _SYMBOLIC_NAME.fullmatch(text) is not None


def is_package_name(text: str) -> bool:
    """Java identifiers joined by '.'; '.' alone (the default package) is not importable."""
    return _PACKAGE.fullmatch(text) is not None


def parse_bundle_symbolic_name(text: str) -> ParsedHeader:
    """``Bundle-SymbolicName``: one clause with one symbolic name and optional parameters."""
    parsed = parse_clauses(text)
    errors = _Errors(parsed)
    if len(parsed.clauses) + parsed.error_count > 1:
        errors.append(GrammarError(0, "there must be exactly one clause (one symbolic name)"))
    for clause in parsed.clauses:
        if len(clause.paths) != 1:
            errors.append(
                GrammarError(clause.position, "a clause must name exactly one symbolic name")
            )
        for name, position in zip(clause.paths, clause.path_positions, strict=True):
            if not is_symbolic_name(name):
                errors.append(
                    GrammarError(
                        position,
                        f"{_q(name)} is not a symbolic name (dot-separated tokens of letters, "
                        "digits, '_' and '-')",
                    )
                )
    return errors.header(parsed.clauses)


def parse_import_package(text: str) -> ParsedHeader:
    """``Import-Package``: package names, version ranges, no package imported twice."""
    parsed = parse_clauses(text)
    errors = _Errors(parsed)
    first_seen: dict[str, int] = {}
    for clause in parsed.clauses:
        errors.extend(_package_names(clause, "imported"))
        for name, position in zip(clause.paths, clause.path_positions, strict=True):
            if name in first_seen:
                errors.append(
                    GrammarError(
                        position,
                        f"package {_q(name)} is imported twice (Felix refuses the bundle: "
                        "'Duplicate import')",
                    )
                )
            first_seen.setdefault(name, position)
        for attribute in ("version", "specification-version", "bundle-version"):
            parameter = clause.attribute(attribute)
            if parameter is not None:
                errors.extend(_range_errors(parameter))
        errors.extend(_version_pair(clause))
        resolution = clause.directive("resolution")
        if resolution is not None and resolution.value not in ("mandatory", "optional"):
            errors.append(
                GrammarError(
                    resolution.value_position,
                    f"resolution:={_q(resolution.value)} is neither 'mandatory' nor 'optional' "
                    "(frameworks treat it as mandatory)",
                )
            )
    return errors.header(parsed.clauses)


def parse_export_package(text: str) -> ParsedHeader:
    """``Export-Package``: package names, single versions (not ranges), no ``java.*``."""
    parsed = parse_clauses(text)
    errors = _Errors(parsed)
    for clause in parsed.clauses:
        errors.extend(_package_names(clause, "exported"))
        for name, position in zip(clause.paths, clause.path_positions, strict=True):
            if name == "java" or name.startswith("java."):
                errors.append(
                    GrammarError(position, f"{_q(name)}: java.* packages may not be exported")
                )
        for attribute in ("version", "specification-version"):
            parameter = clause.attribute(attribute)
            if parameter is not None:
                errors.extend(_export_version_errors(parameter))
        errors.extend(_version_pair(clause))
        for attribute in ("bundle-symbolic-name", "bundle-version"):
            parameter = clause.attribute(attribute)
            if parameter is not None:
                errors.append(
                    GrammarError(
                        parameter.position,
                        f"an export may not set the {_q(attribute)} attribute "
                        "(the framework adds it)",
                    )
                )
    return errors.header(parsed.clauses)


def _package_names(clause: Clause, verb: str) -> list[GrammarError]:
    return [
        GrammarError(position, f"{_q(name)} is not a valid {verb} package name")
        for name, position in zip(clause.paths, clause.path_positions, strict=True)
        if not is_package_name(name)
    ]


def _range_errors(parameter: Parameter) -> list[GrammarError]:
    parsed = parse_range(parameter.value)
    if isinstance(parsed, GrammarError):
        return [
            GrammarError(
                parameter.value_position + parsed.position,
                f"{parameter.name}={_q(parameter.value)}: {parsed.message}",
            )
        ]
    if parsed.is_empty:
        return [
            GrammarError(
                parameter.value_position,
                f"{parameter.name}={_q(parameter.value)} matches no version "
                "(its floor is above its ceiling, or they are equal with an open end)",
            )
        ]
    return []


def _export_version_errors(parameter: Parameter) -> list[GrammarError]:
    value = parameter.value.strip()
    if value[:1] in ("[", "("):
        return [
            GrammarError(
                parameter.value_position,
                f"{parameter.name}={_q(parameter.value)}: an export has one version, not a range",
            )
        ]
    parsed = parse_version(parameter.value)
    if isinstance(parsed, GrammarError):
        return [
            GrammarError(
                parameter.value_position + parsed.position,
                f"{parameter.name}={_q(parameter.value)}: {parsed.message}",
            )
        ]
    return []


def _version_pair(clause: Clause) -> list[GrammarError]:
    """``version`` and the deprecated ``specification-version`` must agree when both are set."""
    version = clause.attribute("version")
    legacy = clause.attribute("specification-version")
    if version is None or legacy is None or version.value.strip() == legacy.value.strip():
        return []
    return [
        GrammarError(
            legacy.position,
            f"version={_q(version.value)} and specification-version={_q(legacy.value)} differ "
            "(Felix refuses the bundle)",
        )
    ]


def excerpt(text: str, position: int, width: int = 30) -> str:
    """The text around ``position``, clipped with '…', to show where an error is."""
    start = max(0, position - width)
    end = min(len(text), position + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
