"""Manifest rules (MF): ``META-INF/MANIFEST.MF`` of the plugin jar and of every bundled jar.

They run on the plugin jar (with its descriptor beside it), on an .obr's root plugin jar, and on
each jar under an .obr's ``dependencies/`` (``view.descriptor`` is None there: those get the
syntax and OSGi rules, not the Atlassian ones).

A plugin jar without any OSGi header is legitimate: the plugin framework generates its OSGi
manifest at install time ("transformation"). The OSGi header rules therefore require headers only
of jars that declare themselves bundles (``Bundle-SymbolicName``, ``Bundle-ManifestVersion`` or
``Atlassian-Plugin-Key`` present) and of .obr dependencies, which must be bundles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from assetcheck.api import (
    ERROR,
    INFO,
    MANIFEST,
    WARNING,
    GrammarError,
    Header,
    ManifestKind,
    ManifestView,
    ParsedHeader,
    Problem,
    Version,
    excerpt,
    has_placeholder,
    maven_to_osgi,
    parse_bundle_symbolic_name,
    parse_export_package,
    parse_import_package,
    parse_version,
    rule,
)

BOM = b"\xef\xbb\xbf"
MAX_LINE = 72  # the JAR specification's limit, in bytes, line break excluded
JAVA_MAX_LINE = 512  # java.util.jar.Manifest's line buffer: longer lines abort the whole read
SHOWN = 10  # grammar errors reported one by one per header before the rest are summarised
# The OSGi grammar is checked on at most this many characters of Bundle-SymbolicName,
# Import-Package and Export-Package per manifest (duplicates included): real headers are tens of
# kilobytes, and parsing costs about a microsecond a character, so a 16 MB header would take
# seconds and hundreds of megabytes.
GRAMMAR_BUDGET = 1 << 20
GRAMMAR_HEADERS = ("Bundle-SymbolicName", "Import-Package", "Export-Package")
SHOWN_CHARS = 60  # how much of a header value a message quotes
BUILD_DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ssZ"
BUILD_DATE_EXAMPLE = "2025-12-15T18:43:43+0100"
_BUILD_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}")
BUNDLE_HEADERS = ("Bundle-SymbolicName", "Bundle-ManifestVersion", "Atlassian-Plugin-Key")

SYNTAX_HINT = (
    "Let the build write the manifest (the AMPS maven plugin or maven-bundle-plugin); "
    "extra headers belong in <instructions> or <manifestEntries>, not in a hand-written file."
)


# ---- helpers ------------------------------------------------------------------------------


def _issues(view: ManifestView, kind: ManifestKind) -> Iterator[tuple[int | None, str]]:
    manifest = view.manifest
    if manifest is not None:
        for issue in manifest.issues:
            if issue.kind == kind:
                yield issue.line, issue.detail


def _more(view: ManifestView, kind: ManifestKind, what: str, hint: str) -> Iterator[Problem]:
    """One summary for the issues of ``kind`` the reader counted but did not keep."""
    count = 0 if view.manifest is None else view.manifest.more(kind)
    if count:
        yield Problem(
            f"and {count:,} more {what} (only the first ones are listed one by one)",
            hint=hint,
        )


def _shown(value: str) -> str:
    """A header value quoted for a message, clipped: a hostile value can be megabytes long."""
    value = value.strip()
    if len(value) > SHOWN_CHARS:
        value = f"{value[: SHOWN_CHARS - 1]}…"
    return repr(value)


def _headers(view: ManifestView, name: str) -> list[Header]:
    return [] if view.manifest is None else view.manifest.get_all(name)


def _has(view: ManifestView, name: str) -> bool:
    return bool(_headers(view, name))


def _is_plugin(view: ManifestView) -> bool:
    """A plugin jar whose descriptor exists: the Atlassian header rules apply."""
    return view.descriptor is not None and view.descriptor.present


def _must_be_bundle(view: ManifestView) -> bool:
    """An .obr dependency, or a jar that declares itself an OSGi bundle."""
    return view.descriptor is None or any(_has(view, name) for name in BUNDLE_HEADERS)


def _unchecked(view: ManifestView) -> set[int]:
    """Lines of the grammar headers left over once GRAMMAR_BUDGET is spent, in manifest order."""
    headers = sorted(
        (header for name in GRAMMAR_HEADERS for header in _headers(view, name)),
        key=lambda header: header.line,
    )
    spent = 0
    over = set()
    for header in headers:
        spent += len(header.value)
        if spent > GRAMMAR_BUDGET:
            over.add(header.line)
    return over


def _parsed(
    view: ManifestView, header: Header, parse: Callable[[str], ParsedHeader], hint: str
) -> Iterator[Problem]:
    """The header's grammar problems, or why its grammar was not checked."""
    if header.line in _unchecked(view):
        total = sum(len(h.value) for name in GRAMMAR_HEADERS for h in _headers(view, name))
        yield Problem(
            f"{header.name} was not checked: it is {len(header.value):,} characters long, and "
            f"the OSGi headers of this manifest hold {total:,} characters (assetcheck checks "
            f"at most {GRAMMAR_BUDGET:,}, far more than any real bundle needs)",
            hint=hint + " A header this long is usually generated by a wildcard that matched "
            "far too much.",
            line=header.line,
        )
        return
    yield from _grammar_problems(header, parse(header.value), hint)


def _grammar_problems(header: Header, parsed: ParsedHeader, hint: str) -> Iterator[Problem]:
    value = header.value
    errors: Sequence[GrammarError] = parsed.errors
    for error in errors[:SHOWN]:
        yield Problem(
            f"{header.name}: {error.message} (at character {error.position + 1}: "
            f"{excerpt(value, error.position)})",
            hint=hint,
            line=header.line,
        )
    if parsed.error_count > SHOWN:
        yield Problem(
            f"{header.name}: {parsed.error_count - SHOWN:,} more errors like the ones above",
            hint=hint,
            line=header.line,
        )


def _long_lines(view: ManifestView, kind: ManifestKind) -> Iterator[tuple[int, int]]:
    """(line number, byte length) of the lines the reader found too long, of this kind."""
    if view.manifest is not None:
        for issue in view.manifest.issues:
            if issue.kind == kind and issue.line is not None and issue.length is not None:
                yield issue.line, issue.length


def _header_at(view: ManifestView, line: int | None) -> Header | None:
    """The header whose text includes ``line`` (the last one starting at or before it)."""
    if view.manifest is None or line is None:
        return None
    found = None
    for section in (view.manifest.main, *view.manifest.sections):
        for header in section:
            if header.line <= line and (found is None or header.line > found.line):
                found = header
    return found


# ---- presence and JAR syntax ----------------------------------------------------------------


@rule("MF001", ERROR, ManifestView, reports=(ManifestKind.TOO_MANY_HEADERS,))
def manifest_missing(view: ManifestView) -> Iterator[Problem]:
    """The jar has no readable ``META-INF/MANIFEST.MF``.

    The OSGi framework, the plugin framework and the Marketplace all read the manifest; without
    it a dependency is not a bundle and the Marketplace finds no build date.

    A jar without descriptor or manifest is not a plugin at all (DSC001), and an .obr
    dependency without a manifest is not a bundle (OBR020): each is reported once, there.

    Passing: a jar built by the Atlassian SDK, whose first entries are ``META-INF/MANIFEST.MF``.
    Failing: a zip assembled by hand without a manifest, or with ``meta-inf/manifest.mf``.
    """
    if view.present:
        for line, detail in _issues(view, ManifestKind.TOO_MANY_HEADERS):
            yield Problem(
                f"META-INF/MANIFEST.MF could not be read whole ({detail}), so it was not "
                "checked past that line (expected a manifest of at most a few thousand headers)",
                hint="Rebuild the jar; a signed jar has two headers and a few lines per entry.",
                line=line,
            )
        if view.manifest is None:
            issue = view.archive.entry_problem(MANIFEST)
            detail = (
                issue.detail
                if issue is not None
                else f"larger than {view.archive.limits.max_document_bytes:,} bytes"
            )
            yield Problem(
                f"META-INF/MANIFEST.MF could not be read ({detail}), so it was not checked",
                hint="Rebuild the jar; a manifest is a few kilobytes of text.",
            )
        return
    if view.descriptor is not None and not view.descriptor.present:
        return  # neither descriptor nor manifest: not a plugin jar at all, DSC001 says so
    other = next((e.name for e in view.archive.entries if e.name.lower() == MANIFEST.lower()), None)
    if other is not None:
        yield Problem(
            f"the manifest is named {other!r}; OSGi frameworks look for exactly {MANIFEST!r}",
            entry=other,
            hint="Rename the entry to META-INF/MANIFEST.MF (upper case), or rebuild the jar.",
        )
        return
    if view.descriptor is None:
        return  # an .obr dependency without a manifest is not a bundle: OBR020 says so
    yield Problem(
        f"{MANIFEST} is missing (expected in every plugin jar)",
        hint="Build the plugin with the Atlassian SDK (atlas-package or the AMPS maven plugin), "
        "which writes the manifest.",
    )


@rule("MF002", WARNING, ManifestView, reports=(ManifestKind.LINE_TOO_LONG,))
def line_too_long(view: ManifestView) -> Iterator[Problem]:
    """A manifest line is longer than the JAR specification's 72 bytes.

    Java tolerates lines up to 511 bytes, but other manifest readers follow the specification
    and cut or reject longer lines; build tools always wrap at 72 bytes.

    Passing: long values continued on lines that start with one space.
    Failing: ``Import-Package: ...`` written as one 300-byte line.
    """
    for number, length in _long_lines(view, ManifestKind.LINE_TOO_LONG):
        yield Problem(
            f"line {number} is {length} bytes long (at most {MAX_LINE} allowed; continue "
            "long values on lines starting with one space)",
            hint=SYNTAX_HINT,
            line=number,
        )
    yield from _more(
        view, ManifestKind.LINE_TOO_LONG, f"lines longer than {MAX_LINE} bytes", SYNTAX_HINT
    )


@rule("MF003", ERROR, ManifestView, reports=(ManifestKind.LINE_TOO_LONG_FOR_JAVA,))
def line_too_long_for_java(view: ManifestView) -> Iterator[Problem]:
    """A manifest line is 512 bytes or longer: Java refuses to read the whole manifest.

    ``java.util.jar.Manifest`` reads lines into a 512-byte buffer and fails with "manifest line
    too long", so the plugin framework and the Marketplace cannot read any header.

    Passing: every line at most 72 bytes, long values continued on the next lines.
    Failing: a 20 KB ``Import-Package`` value on one line.
    """
    for number, length in _long_lines(view, ManifestKind.LINE_TOO_LONG_FOR_JAVA):
        yield Problem(
            f"line {number} is {length:,} bytes long; Java fails on lines of "
            f"{JAVA_MAX_LINE} bytes or more (the JAR limit is {MAX_LINE})",
            hint=SYNTAX_HINT,
            line=number,
        )
    yield from _more(
        view,
        ManifestKind.LINE_TOO_LONG_FOR_JAVA,
        f"lines of {JAVA_MAX_LINE} bytes or more",
        SYNTAX_HINT,
    )


@rule("MF004", ERROR, ManifestView, reports=(ManifestKind.BAD_CONTINUATION,))
def bad_continuation(view: ManifestView) -> Iterator[Problem]:
    """A continuation line (starting with a space) follows no header.

    Java fails to read such a manifest ("invalid manifest format").

    Passing: ``Import-Package: a,`` followed by `` b``.
    Failing: a manifest whose first line, or a line after a blank line, starts with a space.
    """
    for line, detail in _issues(view, ManifestKind.BAD_CONTINUATION):
        yield Problem(
            f"line {line}: {detail} (expected a 'Name: value' header before it)",
            hint="Remove the leading space, or the blank line that ends the section before it.",
            line=line,
        )
    yield from _more(
        view,
        ManifestKind.BAD_CONTINUATION,
        "continuation lines that follow no header",
        "Remove the leading space, or the blank line that ends the section before it.",
    )


@rule("MF005", ERROR, ManifestView, reports=(ManifestKind.ENCODING,))
def bad_encoding(view: ManifestView) -> Iterator[Problem]:
    """The manifest is not plain UTF-8 (invalid bytes, or a byte-order mark).

    A byte-order mark becomes part of the first header's name, which Java rejects; other
    invalid bytes turn values into replacement characters.

    Passing: a manifest saved as UTF-8 without BOM.
    Failing: a manifest saved as UTF-8 with BOM, or in Latin-1 with accented vendor names.
    """
    for line, detail in _issues(view, ManifestKind.ENCODING):
        yield Problem(
            f"line {line}: {detail} (expected UTF-8 without a byte-order mark)",
            hint="Save the manifest as UTF-8 without BOM, or let the build write it.",
            line=line,
        )
    yield from _more(
        view,
        ManifestKind.ENCODING,
        "lines that are not valid UTF-8",
        "Save the manifest as UTF-8 without BOM, or let the build write it.",
    )


@rule("MF006", ERROR, ManifestView, reports=(ManifestKind.BAD_HEADER,))
def bad_header_line(view: ManifestView) -> Iterator[Problem]:
    """A line is neither a ``Name: value`` header nor a continuation line.

    Java fails to read such a manifest ("invalid header field").

    Passing: ``Bundle-Version: 1.2.0``.
    Failing: ``Bundle-Version=1.2.0``, or ``Bundle-Version:1.2.0`` (no space after the colon).
    """
    for line, detail in _issues(view, ManifestKind.BAD_HEADER):
        yield Problem(
            f"line {line}: {detail} (expected 'Name: value', with one space after the colon)",
            hint=SYNTAX_HINT,
            line=line,
        )
    yield from _more(
        view, ManifestKind.BAD_HEADER, "lines that are not 'Name: value' headers", SYNTAX_HINT
    )


@rule("MF007", ERROR, ManifestView, reports=(ManifestKind.BAD_NAME,))
def bad_header_name(view: ManifestView) -> Iterator[Problem]:
    """A header name has characters other than letters, digits, '-' and '_', or is too long.

    Java rejects the manifest when it meets such a name.

    Passing: ``Atlassian-Plugin-Key: com.acme.x``.
    Failing: ``Atlassian Plugin Key: com.acme.x`` (spaces in the name).
    """
    for line, detail in _issues(view, ManifestKind.BAD_NAME):
        yield Problem(
            f"line {line}: {detail} (expected letters, digits, '-' and '_', at most 70 "
            "characters, starting with a letter or digit)",
            hint="Fix the header name in the <instructions> or <manifestEntries> of the pom.",
            line=line,
        )
    yield from _more(
        view,
        ManifestKind.BAD_NAME,
        "invalid header names",
        "Fix the header name in the <instructions> or <manifestEntries> of the pom.",
    )


@rule("MF008", ERROR, ManifestView, reports=(ManifestKind.NO_FINAL_NEWLINE,))
def no_final_newline(view: ManifestView) -> Iterator[Problem]:
    """The manifest does not end with a line break, so Java never reads its last line.

    Passing: every line, the last included, ends with a line break.
    Failing: a hand-written manifest whose last header ``Spring-Context: *`` has no line break.
    """
    for line, _detail in _issues(view, ManifestKind.NO_FINAL_NEWLINE):
        header = _header_at(view, line)
        lost = f"; {header.name} is lost or cut short" if header is not None else ""
        yield Problem(
            f"the last line (line {line}) has no line break, so Java ignores it{lost}",
            hint="End the manifest with a line break.",
            line=line,
        )


@rule("MF009", ERROR, ManifestView, reports=(ManifestKind.DUPLICATE_HEADER,))
def duplicate_header(view: ManifestView) -> Iterator[Problem]:
    """A header appears more than once in one manifest section.

    Java keeps the last value and other readers the first, so tools disagree about the value
    (the same ambiguity as a duplicated zip entry).

    Passing: one ``Bundle-Version`` header.
    Failing: ``Bundle-Version`` written by the build and again by ``<manifestEntries>``.
    """
    for line, detail in _issues(view, ManifestKind.DUPLICATE_HEADER):
        yield Problem(
            f"line {line}: {detail} (each header may appear once per section)",
            hint="Remove one; check <instructions> and <manifestEntries> in the pom for a "
            "header set twice.",
            line=line,
        )
    yield from _more(
        view,
        ManifestKind.DUPLICATE_HEADER,
        "repeated headers",
        "Remove the repeated headers; check <instructions> and <manifestEntries> in the pom.",
    )


@rule("MF010", WARNING, ManifestView)
def manifest_version(view: ManifestView) -> Iterator[Problem]:
    """The main section has no ``Manifest-Version`` header.

    The JAR specification requires it; tools that rewrite manifests (``jar``, signers) drop
    the main attributes of a manifest without it.

    Passing: ``Manifest-Version: 1.0`` as the first line.
    Failing: a hand-written manifest that starts with ``Bundle-Name``.
    """
    if view.manifest is not None and not _has(view, "Manifest-Version"):
        yield Problem(
            "the main section has no Manifest-Version header (expected 'Manifest-Version: 1.0')",
            hint=SYNTAX_HINT,
        )


# ---- OSGi headers -------------------------------------------------------------------------


@rule("MF011", ERROR, ManifestView)
def bundle_manifest_version(view: ManifestView) -> Iterator[Problem]:
    """``Bundle-ManifestVersion`` is missing or not ``2`` on an OSGi bundle.

    Without it the framework treats the jar as a pre-R4 bundle and ignores the R4 headers
    (directives, ``Require-Bundle``, fragments); other values are refused.

    Passing: ``Bundle-ManifestVersion: 2``.
    Failing: a bundle with ``Bundle-SymbolicName`` but no ``Bundle-ManifestVersion``, or ``1``.
    """
    headers = _headers(view, "Bundle-ManifestVersion")
    if not headers:
        # A jar with no symbolic name either is "not a bundle": MF012 reports that, once.
        if _has(view, "Bundle-SymbolicName"):
            yield Problem(
                "Bundle-ManifestVersion is missing (expected 'Bundle-ManifestVersion: 2')",
                hint="Build the bundle with the AMPS maven plugin, maven-bundle-plugin or bnd, "
                "which write it.",
            )
        return
    for header in headers:
        if header.value.strip() != "2":
            yield Problem(
                f"Bundle-ManifestVersion is {_shown(header.value)} (expected 2)",
                hint="Set it to 2, or let maven-bundle-plugin or bnd write the manifest.",
                line=header.line,
            )


@rule("MF012", ERROR, ManifestView)
def bundle_symbolic_name(view: ManifestView) -> Iterator[Problem]:
    """An OSGi bundle lacks a valid ``Bundle-SymbolicName``.

    The symbolic name (with the version) identifies the bundle to the framework. A plugin jar
    that declares itself a bundle (``Atlassian-Plugin-Key`` or ``Bundle-ManifestVersion``) needs
    one; an .obr dependency without one is reported once, by OBR020 (not a bundle).

    Passing: ``Bundle-SymbolicName: com.acme.jira.issuehelper;singleton:=true``.
    Failing: ``Bundle-SymbolicName: com acme``, ``a.b,c.d`` (two names), or none at all next
    to ``Atlassian-Plugin-Key``.
    """
    headers = _headers(view, "Bundle-SymbolicName")
    if not headers:
        # An .obr dependency with no symbolic name at all is not a bundle: OBR020 says so.
        if view.descriptor is not None and view.manifest is not None and _must_be_bundle(view):
            yield Problem(
                "no Bundle-SymbolicName, though the manifest declares an OSGi bundle "
                "(expected the plugin key, e.g. 'Bundle-SymbolicName: com.acme.myplugin')",
                hint="Let AMPS write it: remove a hand-written manifest, or set "
                "<Bundle-SymbolicName>${atlassian.plugin.key}</Bundle-SymbolicName>.",
            )
        return
    for header in headers:
        yield from _parsed(
            view,
            header,
            parse_bundle_symbolic_name,
            "A symbolic name is dot-separated tokens of letters, digits, '_' and '-', optionally "
            "followed by directives such as ;singleton:=true.",
        )


@rule("MF013", ERROR, ManifestView)
def bundle_version(view: ManifestView) -> Iterator[Problem]:
    """``Bundle-Version`` is not a valid OSGi version.

    The framework refuses to install a bundle whose version it cannot parse.

    Passing: ``Bundle-Version: 1.2.0``, ``1.2.0.SNAPSHOT``, ``2.0.1.beta-3``.
    Failing: ``Bundle-Version: 1.2.0-SNAPSHOT``, ``1.2.x``, ``v1.2``.
    """
    for header in _headers(view, "Bundle-Version"):
        parsed = parse_version(header.value)
        if isinstance(parsed, GrammarError):
            yield Problem(
                f"Bundle-Version {_shown(header.value)} is not a valid OSGi version: "
                f"{parsed.message} (expected major.minor.micro.qualifier with numeric parts, "
                "e.g. 1.2.0 or 1.2.0.SNAPSHOT)",
                hint="Remove a hand-written <Bundle-Version> from the AMPS <instructions>: the "
                "SDK converts ${project.version} (1.2.0-SNAPSHOT becomes 1.2.0.SNAPSHOT).",
                line=header.line,
            )


@rule("MF014", ERROR, ManifestView)
def import_package(view: ManifestView) -> Iterator[Problem]:
    """``Import-Package`` breaks the OSGi clause or version-range grammar.

    Felix refuses to install the bundle: unquoted ranges, bad package names, packages imported
    twice, and ranges no version can satisfy (floor above ceiling) all stop it.

    Passing: ``Import-Package: com.atlassian.jira.issue;version="[9.0,11)",org.slf4j``.
    Failing: ``org.slf4j;version=[1.7,3)`` (unquoted), ``com.acme.*`` (a bnd wildcard),
    ``org.slf4j;version="[3,2)"`` (empty range), the same package listed twice.
    """
    for header in _headers(view, "Import-Package"):
        yield from _parsed(
            view,
            header,
            parse_import_package,
            'Fix <Import-Package> in the AMPS <instructions>: quote ranges (version="[1.0,2)"), '
            "list each package once, and end with '*' so bnd computes the rest.",
        )


@rule("MF015", ERROR, ManifestView)
def export_package(view: ManifestView) -> Iterator[Problem]:
    """``Export-Package`` breaks the OSGi clause grammar or exports what it may not.

    Felix refuses bundles that export ``java.*``, give an export a version range, or set
    ``bundle-symbolic-name``/``bundle-version`` on an export.

    Passing: ``Export-Package: com.acme.api;version="1.2.0"``.
    Failing: ``com.acme.api;version="[1,2)"``, ``com.acme.api;version=1.2.0-SNAPSHOT``,
    ``java.util.concurrent``.
    """
    for header in _headers(view, "Export-Package"):
        yield from _parsed(
            view,
            header,
            parse_export_package,
            "Fix <Export-Package> in the AMPS <instructions>: export only your own packages, "
            'each with one OSGi version (version="1.2.0").',
        )


# ---- Atlassian headers --------------------------------------------------------------------


@rule("MF020", ERROR, ManifestView)
def plugin_key_mismatch(view: ManifestView) -> Iterator[Problem]:
    """``Atlassian-Plugin-Key`` differs from the descriptor's plugin key.

    The plugin framework identifies a transformerless plugin by this header, while UPM and the
    Marketplace use the descriptor key: when they differ, the installed plugin is not the app
    the listing, licence and updates refer to.

    Passing: ``Atlassian-Plugin-Key: com.acme.x`` with ``<atlassian-plugin key="com.acme.x">``.
    Failing: the header left as ``${atlassian.plugin.key}``, or naming another key.
    """
    if not _is_plugin(view) or view.descriptor is None:
        return
    key = view.descriptor.key
    if not key or has_placeholder(key):
        return  # the descriptor rules report a missing or unresolved key
    for header in _headers(view, "Atlassian-Plugin-Key"):
        value = header.value.strip()
        if value != key:
            yield Problem(
                f"Atlassian-Plugin-Key is {_shown(value)} but atlassian-plugin.xml has key "
                f"{_shown(key)} (expected them equal)",
                hint="Use <Atlassian-Plugin-Key>${atlassian.plugin.key}</Atlassian-Plugin-Key> in "
                'the AMPS <instructions> and key="${atlassian.plugin.key}" in the descriptor.',
                line=header.line,
            )


@rule("MF021", INFO, ManifestView)
def plugin_key_missing(view: ManifestView) -> Iterator[Problem]:
    """The plugin jar has no ``Atlassian-Plugin-Key``, so it is not transformerless.

    Without the header the plugin framework "transforms" the jar at install time, generating its
    OSGi manifest and Spring context: installs are slower and hit the transformer's bugs, and
    Atlassian Spring Scanner 2 expects a transformerless plugin. Transformed plugins still
    install and run, so this is advice, not a defect.

    Passing: ``Atlassian-Plugin-Key: com.acme.x`` (the SDK template's default).
    Failing: a plugin jar built without ``<Atlassian-Plugin-Key>`` in its AMPS instructions.
    """
    if not _is_plugin(view) or view.manifest is None or _has(view, "Atlassian-Plugin-Key"):
        return
    if _has(view, "Bundle-SymbolicName"):
        what = "the plugin framework will transform this bundle when it is installed"
    else:
        what = (
            "the jar has no OSGi headers, so the plugin framework will generate its OSGi "
            "manifest when it is installed"
        )
    yield Problem(
        f"no Atlassian-Plugin-Key: {what} (expected a transformerless plugin)",
        hint="Add <Atlassian-Plugin-Key>${atlassian.plugin.key}</Atlassian-Plugin-Key> and "
        "<Spring-Context>*</Spring-Context> to the AMPS <instructions> (see the SDK guide "
        "'Transformed to transformerless plugin conversion').",
    )


@rule("MF022", WARNING, ManifestView)
def build_date_format(view: ManifestView) -> Iterator[Problem]:
    """``Atlassian-Build-Date`` is not in the form ``yyyy-MM-dd'T'HH:mm:ssZ``.

    The Marketplace reads the build date, and the licensing framework compares it with the
    licence's maintenance end to decide whether a licence covers this version. The format is
    the one the SDK writes; what a reader does with another one is not documented, hence a
    warning.

    Passing: ``Atlassian-Build-Date: 2025-12-15T18:43:43+0100``.
    Failing: ``2025-12-15T18:43:43Z``, ``2025-12-15T18:43:43+01:00``, ``15.12.2025``.
    """
    if view.descriptor is None:
        return
    for header in _headers(view, "Atlassian-Build-Date"):
        value = header.value.strip()
        why = _build_date_problem(value)
        if why is not None:
            yield Problem(
                f"Atlassian-Build-Date {_shown(value)} {why} (expected {BUILD_DATE_FORMAT}, "
                f"e.g. {BUILD_DATE_EXAMPLE})",
                hint="Let AMPS write the build date: remove a hand-written "
                "Atlassian-Build-Date from <instructions> or <manifestEntries>.",
                line=header.line,
            )


def _build_date_problem(value: str) -> str | None:
    if not _BUILD_DATE.fullmatch(value):
        return "does not have the expected form"
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return "is not a real date and time"
    return None


@rule("MF023", WARNING, ManifestView)
def build_date_missing(view: ManifestView) -> Iterator[Problem]:
    """The plugin jar has no ``Atlassian-Build-Date``.

    The Marketplace reads the build date from the manifest and the licensing framework uses
    it to tell whether a licence's maintenance covers this version. The SDK always writes it,
    so its absence means the jar was not built by the SDK.

    Passing: a jar built with ``atlas-package``.
    Failing: a plugin jar built with plain maven-jar-plugin or repackaged by another tool.
    """
    if _is_plugin(view) and view.manifest is not None and not _has(view, "Atlassian-Build-Date"):
        yield Problem(
            f"no Atlassian-Build-Date header (expected e.g. "
            f"'Atlassian-Build-Date: {BUILD_DATE_EXAMPLE}')",
            hint="Build with the Atlassian SDK (atlas-package or the AMPS maven plugin), which "
            "writes it.",
        )


@rule("MF024", WARNING, ManifestView)
def bundle_version_mismatch(view: ManifestView) -> Iterator[Problem]:
    """``Bundle-Version`` does not correspond to the descriptor's ``plugin-info/version``.

    The SDK derives both from ``${project.version}`` (``1.0.0-SNAPSHOT`` becomes Bundle-Version
    ``1.0.0.SNAPSHOT``); a difference means one was hard-coded, and the framework, UPM and the
    Marketplace then show different versions of the same jar.

    Passing: ``<version>1.2.0-SNAPSHOT</version>`` with ``Bundle-Version: 1.2.0.SNAPSHOT``.
    Failing: ``<version>1.2.0</version>`` with ``Bundle-Version: 1.1.0``.
    """
    if not _is_plugin(view) or view.descriptor is None or view.manifest is None:
        return
    declared = view.descriptor.version
    if not declared or has_placeholder(declared):
        return  # the descriptor rules report a missing or unresolved version
    expected_text = maven_to_osgi(declared)
    expected = parse_version(expected_text)
    headers = _headers(view, "Bundle-Version")
    if isinstance(expected, GrammarError):
        # No Bundle-Version can correspond to it: say so next to any valid one (an invalid
        # one is MF013's finding).
        for header in headers:
            if isinstance(parse_version(header.value), Version):
                yield Problem(
                    f"Bundle-Version {_shown(header.value)} does not correspond to "
                    f"plugin-info/version {_shown(declared)}, which the SDK turns into "
                    f"{_shown(expected_text)}, not a valid OSGi version: {expected.message} "
                    "(expected a plugin-info/version like 1.2.0 or 1.2.0-SNAPSHOT)",
                    hint="Fix <version> in the pom: <plugin-info> takes ${project.version}, and "
                    "AMPS derives Bundle-Version from it.",
                    line=header.line,
                )
        return
    if not headers and _has(view, "Atlassian-Plugin-Key"):
        yield Problem(
            f"no Bundle-Version, so OSGi sees version 0.0.0; plugin-info/version is "
            f"{_shown(declared)} (expected Bundle-Version {_shown(expected_text)})",
            hint="Let AMPS write Bundle-Version from ${project.version}.",
        )
    for header in headers:
        actual = parse_version(header.value)
        if isinstance(actual, Version) and actual != expected:
            yield Problem(
                f"Bundle-Version {_shown(header.value)} does not correspond to "
                f"plugin-info/version {_shown(declared)} (expected {_shown(expected_text)})",
                hint="Keep <version>${project.version}</version> in plugin-info and remove any "
                "hard-coded <Bundle-Version> from the AMPS <instructions>.",
                line=header.line,
            )


# Descriptor elements AMPS refuses in a transformerless plugin (ValidateManifestMojo): the
# plugin framework does not transform such a jar, so nothing would create these beans.
TRANSFORMER_ONLY = ("component", "component-import", "module-type")


@rule("MF025", ERROR, ManifestView)
def transformerless_descriptor(view: ManifestView) -> Iterator[Problem]:
    """A transformerless plugin holds ``<component>``, ``<component-import>`` or ``<module-type>``.

    With ``Atlassian-Plugin-Key`` set, the plugin framework does not transform the jar, so
    these elements would never take effect; AMPS refuses to build such a plugin ("...
    This is not allowed when Atlassian-Plugin-Key is set.") and the SDK guide tells you to
    replace them with Atlassian Spring Scanner annotations.

    Passing: ``Atlassian-Plugin-Key: com.acme.x`` with ``@Component``/``@ComponentImport``
    annotations instead of the elements.
    Failing: ``Atlassian-Plugin-Key: com.acme.x`` and ``<component-import key="ao"
    interface="com.atlassian.activeobjects.external.ActiveObjects"/>`` in the descriptor.
    """
    if not _is_plugin(view) or view.descriptor is None or not _has(view, "Atlassian-Plugin-Key"):
        return
    root = view.descriptor.root
    if root is None or root.tag != "atlassian-plugin":
        return  # the XML and descriptor rules report it
    for tag in TRANSFORMER_ONLY:
        found = root.findall(tag)
        if not found:
            continue
        where = f"line {found[0].sourceline}"
        if len(found) > 1:
            where += f" and {len(found) - 1:,} more"
        yield Problem(
            f"atlassian-plugin.xml contains a definition of {tag}. This is not allowed when "
            f"Atlassian-Plugin-Key is set. (AMPS's words; <{tag}> on {where})",
            entry=view.descriptor.entry,
            line=found[0].sourceline,
            hint=_TRANSFORMER_HINTS[tag],
        )


_TRANSFORMER_HINTS = {
    "component": "Replace <component> with a Spring Scanner @Component (or @ExportAsService) "
    "annotation on the class, or drop <Atlassian-Plugin-Key> to stay a transformed plugin.",
    "component-import": "Replace <component-import> with @ComponentImport on the injected "
    "field or constructor parameter (Atlassian Spring Scanner), or drop "
    "<Atlassian-Plugin-Key> to stay a transformed plugin.",
    "module-type": "Declare the module type with @ModuleType on a ModuleDescriptorFactory "
    "(Atlassian Spring Scanner), or drop <Atlassian-Plugin-Key> to stay a transformed plugin.",
}


@rule("MF026", WARNING, ManifestView)
def scan_folders_missing(view: ManifestView) -> Iterator[Problem]:
    """A folder named in ``Atlassian-Scan-Folders`` is not in the jar.

    The plugin framework reads extra descriptor XML from each comma-separated folder of this
    header (plugin framework code); a folder that is not in the jar contributes nothing, so
    the modules meant to be there are silently missing. A warning: the framework does not
    refuse the plugin.

    Passing: ``Atlassian-Scan-Folders: META-INF/plugin-descriptors`` with
    ``META-INF/plugin-descriptors/jira.xml`` in the jar.
    Failing: the same header in a jar without a ``META-INF/plugin-descriptors/`` folder.
    """
    if view.descriptor is None:
        return
    headers = _headers(view, "Atlassian-Scan-Folders")
    if not headers:
        return
    folders = _folders(view)
    for header in headers:
        missing = []
        for part in header.value.split(","):
            folder = part.strip().strip("/")
            if folder and folder not in folders and folder not in missing:
                missing.append(folder)
        if missing:
            shown = ", ".join(_shown(f) for f in missing[:SHOWN])
            more = f" and {len(missing) - SHOWN:,} more" if len(missing) > SHOWN else ""
            plural = "s" if len(missing) > 1 else ""
            yield Problem(
                f"Atlassian-Scan-Folders names the folder{plural} {shown}{more}, not in the jar "
                "(expected each listed folder to hold descriptor XML)",
                hint="Put the extra descriptors under src/main/resources/<folder>/, or remove "
                "the folder from <Atlassian-Scan-Folders> in the AMPS <instructions>.",
                line=header.line,
            )


def _folders(view: ManifestView) -> set[str]:
    """Every folder of the jar, named by its entries (a jar need not list folders itself)."""
    folders: set[str] = set()
    for entry in view.archive.entries:
        parts = entry.name.rstrip("/").split("/")
        last = len(parts) if entry.is_dir else len(parts) - 1
        for depth in range(1, last + 1):
            folders.add("/".join(parts[:depth]))
    return folders
