"""Container rules (ZIP): the zip structure of every artifact and of every jar nested in one.

They run on the artifact itself and on each bundled jar (``dependencies/dep.jar!/...``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator

from assetcheck.api import (
    BIDI_CHARACTERS,
    CONTROL_CHARACTERS,
    ERROR,
    INVISIBLE_CHARACTERS,
    MANIFEST,
    WARNING,
    ArchiveView,
    Problem,
    ReadIssue,
    ZipKind,
    rule,
    rule_data,
)

_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
_BIDI = re.compile(f"[{BIDI_CHARACTERS}]")
# Any of them: one search per name finds the rare name that holds one.
_SUSPECT = re.compile(f"[{CONTROL_CHARACTERS}{BIDI_CHARACTERS}{INVISIBLE_CHARACTERS}]")
_DRIVE = re.compile(r"^[A-Za-z]:")
# The printable characters Windows refuses in a file name (the colon is a stream: its own case).
_FORBIDDEN = re.compile(r'[<>"|?*]')
# A segment that ends in a dot or a space (``.`` and ``..`` are segments of their own).
_TRAILING = re.compile(r"(?:^|/)(?!\.\.?(?:/|$))([^/]*[. ])(?=/|$)")
SHOWN = 10  # how many examples a summary finding names


def _issues(archive: ArchiveView, *kinds: ZipKind) -> Iterator[ReadIssue]:
    return (issue for issue in archive.issues if issue.kind in kinds)


def _read_issues(archive: ArchiveView, *kinds: ZipKind) -> Iterator[ReadIssue]:
    if not archive.readable:
        return iter(())
    return (issue for issue in archive.read_issues() if issue.kind in kinds)


def _examples(names: list[str], show: Callable[[str], str] = repr) -> str:
    shown = ", ".join(show(n) for n in names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN:,} more" if len(names) > SHOWN else "")


@rule("ZIP001", ERROR, ArchiveView, integrity=True, reports=(ZipKind.EMPTY,))
def empty_archive(archive: ArchiveView) -> Iterator[Problem]:
    """The file is empty, or a zip archive with no entries.

    Passing: any jar with at least one entry.
    Failing: a 0-byte ``app.jar``, or a zip holding nothing.
    """
    for issue in _issues(archive, ZipKind.EMPTY):
        yield Problem(issue.detail, hint="Rebuild the artifact (e.g. `atlas-package`).")
    if archive.readable and not archive.entries:
        yield Problem(
            "the zip archive has no entries", hint="Rebuild the artifact (e.g. `atlas-package`)."
        )


@rule("ZIP002", ERROR, ArchiveView, integrity=True, reports=(ZipKind.NOT_ZIP, ZipKind.MULTI_DISK))
def not_a_zip(archive: ArchiveView) -> Iterator[Problem]:
    """The file has no zip structure at all and is not a known other format.

    Passing: a jar built by Maven.
    Failing: a text file or random bytes named ``app.jar``.
    """
    for issue in _issues(archive, ZipKind.NOT_ZIP, ZipKind.MULTI_DISK):
        yield Problem(
            f"not a zip archive: {issue.detail}",
            hint="Upload the .jar or .obr that the build produced (target/*.jar).",
        )


@rule(
    "ZIP003",
    ERROR,
    ArchiveView,
    integrity=True,
    reports=(ZipKind.TRUNCATED, ZipKind.BAD_CENTRAL_DIRECTORY),
)
def truncated(archive: ArchiveView) -> Iterator[Problem]:
    """The archive is truncated or its central directory is damaged.

    Passing: a complete jar.
    Failing: a jar cut short by an interrupted download or copy (no end-of-central-directory).
    """
    for issue in _issues(archive, ZipKind.TRUNCATED, ZipKind.BAD_CENTRAL_DIRECTORY):
        yield Problem(
            issue.detail, hint="Copy or download the artifact again, or rebuild it; then re-check."
        )


@rule("ZIP004", ERROR, ArchiveView, integrity=True, reports=(ZipKind.OTHER_FORMAT,))
def wrong_file_type(archive: ArchiveView) -> Iterator[Problem]:
    """The file is another format under an archive name, detected by its magic bytes.

    Passing: ``app.jar`` that really is a zip.
    Failing: ``app.jar`` that is really a PNG image or an HTML error page saved by a download.
    """
    for _ in _issues(archive, ZipKind.OTHER_FORMAT):
        sniffed = archive.sniffed
        yield Problem(
            f"{archive.name!r} is not a zip archive but {sniffed.description} ({sniffed.mime})",
            hint="Check the build or download step that produced this file.",
        )


@rule("ZIP010", ERROR, ArchiveView, integrity=True, reports=(ZipKind.CRC,))
def crc_mismatch(archive: ArchiveView) -> Iterator[Problem]:
    """An entry's data does not match the CRC-32 recorded for it.

    Passing: every entry inflates to bytes with the recorded CRC.
    Failing: a jar whose bytes were damaged in transit.
    """
    for issue in _read_issues(archive, ZipKind.CRC):
        yield Problem(
            f"data is corrupt: {issue.detail}",
            entry=issue.entry,
            hint="The file is damaged; rebuild it or copy it again.",
        )


@rule(
    "ZIP011", ERROR, ArchiveView, integrity=True, reports=(ZipKind.INFLATE, ZipKind.TRUNCATED_ENTRY)
)
def corrupt_data(archive: ArchiveView) -> Iterator[Problem]:
    """An entry's compressed data cannot be inflated, or is cut short.

    Passing: every entry's deflate stream is complete and valid.
    Failing: an entry whose compressed bytes were overwritten or truncated.
    """
    for issue in _read_issues(archive, ZipKind.INFLATE, ZipKind.TRUNCATED_ENTRY):
        yield Problem(
            f"cannot be read: {issue.detail}",
            entry=issue.entry,
            hint="The file is damaged; rebuild it or copy it again.",
        )


@rule("ZIP012", ERROR, ArchiveView, integrity=True, reports=(ZipKind.ENCRYPTED,))
def encrypted(archive: ArchiveView) -> Iterator[Problem]:
    """An entry is encrypted; the Marketplace and the JVM cannot read it.

    Passing: plain entries.
    Failing: a jar made with ``zip -e``.
    """
    for entry in archive.entries:
        if entry.encrypted:
            yield Problem(
                "the entry is encrypted",
                entry=entry.name,
                hint="Build the artifact without zip encryption.",
            )


@rule("ZIP013", ERROR, ArchiveView, integrity=True, reports=(ZipKind.METHOD,))
def compression_method(archive: ArchiveView) -> Iterator[Problem]:
    """An entry uses a compression method other than stored (0) or deflate (8).

    Passing: entries written by ``jar``, Maven or Gradle (deflate or stored).
    Failing: an entry compressed with bzip2, LZMA or deflate64 by an archiver tool.
    """
    for entry in archive.entries:
        if entry.method not in (0, 8) and not entry.encrypted:
            yield Problem(
                f"compression method {entry.method} is not supported by the JVM "
                "(expected stored or deflate)",
                entry=entry.name,
                hint="Repackage with `jar` or your build tool instead of an archiver.",
            )


@rule("ZIP014", ERROR, ArchiveView, integrity=True, reports=(ZipKind.SIZE_MISMATCH,))
def size_mismatch(archive: ArchiveView) -> Iterator[Problem]:
    """An entry inflates to a size other than the one its directory record declares.

    Passing: declared and real sizes agree.
    Failing: a hand-edited or hostile archive whose directory lies about sizes.
    """
    for issue in _read_issues(archive, ZipKind.SIZE_MISMATCH):
        yield Problem(
            issue.detail, entry=issue.entry, hint="Rebuild the artifact with a standard tool."
        )


@rule(
    "ZIP015",
    ERROR,
    ArchiveView,
    integrity=True,
    reports=(
        ZipKind.BAD_LOCAL_HEADER,
        ZipKind.NAME_MISMATCH,
        ZipKind.LOCAL_MISMATCH,
        ZipKind.DATA_DESCRIPTOR,
    ),
)
def local_header(archive: ArchiveView) -> Iterator[Problem]:
    """An entry's local header is missing or disagrees with the central directory.

    Different zip readers trust different headers, so the same name can resolve to different
    bytes: this is how malware scanners get bypassed.

    ``java.util.jar.JarInputStream`` reads the local headers as a stream and never sees the
    directory: it trusts the local name, method, flags, CRC and sizes, and the data descriptor
    (flag bit 3) after the data; it refuses a stored entry with a data descriptor.

    Passing: each directory record points at a local header with the same name, method,
    flags, CRC and sizes (or a data descriptor that agrees with the directory).
    Failing: a record that points at garbage or at a local header naming another file; a local
    header declaring other sizes or another method; a data descriptor that lies.
    """
    for issue in _read_issues(
        archive,
        ZipKind.BAD_LOCAL_HEADER,
        ZipKind.NAME_MISMATCH,
        ZipKind.LOCAL_MISMATCH,
        ZipKind.DATA_DESCRIPTOR,
    ):
        yield Problem(
            issue.detail,
            entry=issue.entry,
            hint="Rebuild the artifact with `jar` or your build tool; zip readers that trust "
            "the local headers (JarInputStream) read something else.",
        )


@rule(
    "ZIP016",
    ERROR,
    ArchiveView,
    integrity=True,
    reports=(ZipKind.DIRECTORY_COUNT, ZipKind.DIRECTORY_SIZE),
)
def directory_count(archive: ArchiveView) -> Iterator[Problem]:
    """The end-of-central-directory record disagrees with the central directory it ends.

    assetcheck reads every record in the directory's declared size, as the JDK and Python's
    zipfile do; readers that trust the count instead miss the records hidden behind it (a
    second ``atlassian-plugin.xml``, a traversal name).

    Passing: the end record (or ZIP64 end record) counts exactly the records the directory
    holds, and the directory's size ends at its last record.
    Failing: an end record counting 2 entries before a directory of 4.
    """
    for issue in _issues(archive, ZipKind.DIRECTORY_COUNT, ZipKind.DIRECTORY_SIZE):
        yield Problem(
            f"{issue.detail} (expected them to agree)",
            hint="No build tool writes this; rebuild the artifact and treat this file as hostile.",
        )


@rule("ZIP017", ERROR, ArchiveView, integrity=True, reports=(ZipKind.HIDDEN_LOCAL_HEADER,))
def hidden_local_headers(archive: ArchiveView) -> Iterator[Problem]:
    """A local file header that the central directory does not account for.

    Streaming readers (``JarInputStream`` reads from byte 0) see entries that directory
    readers do not: a second archive glued in front of the real one, or an entry slipped into
    the gaps between entries' data or before the directory.

    Passing: every local header belongs to a directory record.
    Failing: ``evil.zip`` concatenated in front of ``app.jar``; a local header between two
    entries that no record points at.
    """
    for issue in _issues(archive, ZipKind.HIDDEN_LOCAL_HEADER):
        yield Problem(
            f"{issue.detail} (expected every local header to have a directory record): "
            "streaming readers see an entry that directory readers do not",
            entry=issue.entry,
            hint="Upload the plain jar your build produced, without other archives or data "
            "glued in; treat this file as hostile.",
        )


@rule("ZIP020", ERROR, ArchiveView, integrity=True)
def duplicate_names(archive: ArchiveView) -> Iterator[Problem]:
    """Two or more entries have exactly the same name.

    Different zip readers resolve a duplicated name to different entries (the first or the
    last), so what the Marketplace scans may not be what the product loads.

    Passing: every name appears once.
    Failing: ``atlassian-plugin.xml`` twice, e.g. from a shade or assembly step.
    """
    counts: dict[str, int] = defaultdict(int)
    for entry in archive.entries:
        counts[entry.name] += 1
    for name, count in counts.items():
        if count > 1:
            yield Problem(
                f"the name appears {count} times; different zip readers pick different copies",
                entry=name,
                hint="Fix the build step that adds it twice (shade/assembly filters).",
            )


@rule("ZIP021", WARNING, ArchiveView)
def case_duplicate_names(archive: ArchiveView) -> Iterator[Problem]:
    """Entry names that differ only in letter case or in Unicode normalisation.

    They collide when the archive is extracted on a case-insensitive file system (Windows,
    macOS), and composed and decomposed spellings of one name (``café`` as ``é`` or as ``e``
    and a combining accent) are one file on macOS. Names are compared by Unicode's canonical
    caseless match (full case folding of the canonical decomposition), so ``ß`` and ``ss``,
    ``ﬁ`` and ``fi`` also collide; compatibility forms that no file system merges (``²`` and
    ``2``, full-width letters) do not, which is why the comparison is not NFKC's. Names that
    differ in normalisation are shown with their non-ASCII characters escaped, since they
    look alike.

    Passing: ``images/Logo.png`` alone.
    Failing: ``images/Logo.png`` and ``images/logo.png``; ``café.txt`` composed and decomposed.
    """
    groups: dict[str, set[str]] = defaultdict(set)
    for entry in archive.entries:
        name = entry.name
        groups[name.lower() if name.isascii() else _caseless(name)].add(name)
    for names in groups.values():
        if len(names) > 1:
            yield _collision(*sorted(names))


def _caseless(name: str) -> str:
    """Unicode's canonical caseless key, NFD(casefold(NFD(name))).

    For an ASCII name it is ``name.lower()`` (ASCII is its own decomposition and folds as
    lower() does), which the loop uses directly: the usual name stays cheap.
    """
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def _collision(first: str, *others: str) -> Problem:
    """One finding for names that share a caseless key, saying how each differs from the first."""
    case: list[str] = []
    normalisation: list[str] = []
    both: list[str] = []
    composed = unicodedata.normalize("NFC", first)
    for other in others:
        if unicodedata.normalize("NFC", other) == composed:
            normalisation.append(other)
        elif other.casefold() == first.casefold():
            case.append(other)
        else:
            both.append(other)
    if not normalisation and not both:
        return Problem(
            f"differs only in case from {_examples(case)}",
            entry=first,
            hint="Rename one of them; case-insensitive file systems see one file.",
        )
    # Spellings that differ in normalisation look alike: show every name with its code points.
    parts = [
        f"differs only {reason} from {_examples(names, ascii)}"
        for reason, names in (
            ("in case", case),
            ("in Unicode normalisation (composed and decomposed characters)", normalisation),
            ("in case and in Unicode normalisation", both),
        )
        if names
    ]
    return Problem(
        "; ".join(parts) + f" (this name is {first!a})",
        entry=first,
        hint="Rename one of them; macOS sees composed and decomposed spellings of a name as "
        "one file, and case-insensitive file systems names differing only in case.",
    )


_PATH_HINT = "Use relative paths with forward slashes only."
_CHARACTER_HINT = (
    "Rename the file without control, bidirectional formatting or invisible characters; no "
    "build tool writes them, so treat the file as suspect."
)


def _unsafe_reason(name: str, raw: bytes | None = None) -> tuple[str, str] | None:
    """Why ``name`` is unsafe, and how to fix it; or None."""
    suspect = _SUSPECT.search(name)
    if suspect and _CONTROL.search(name):
        return "contains control characters", _CHARACTER_HINT
    if suspect:
        char = suspect.group()
        what = "bidirectional formatting" if _BIDI.match(char) else "invisible"
        return (
            f"contains the {what} character U+{ord(char):04X} "
            f"({unicodedata.name(char, 'unassigned')}), which makes it display as another name",
            _CHARACTER_HINT,
        )
    # A name that is not UTF-8 shows its bad bytes escaped ("\\xe9"): judge the real bytes.
    if "\\" in name and (raw is None or b"\\" in raw):
        return "contains a backslash", _PATH_HINT
    if name.startswith("/"):
        return "is an absolute path", _PATH_HINT
    if _DRIVE.match(name):
        return "starts with a drive letter", _PATH_HINT
    if ".." in name.split("/"):
        return "contains a '..' segment (path traversal)", _PATH_HINT
    return None


@rule("ZIP022", ERROR, ArchiveView)
def unsafe_names(archive: ArchiveView) -> Iterator[Problem]:
    """An entry name that could write outside the extraction folder or confuse tools.

    Absolute paths, ``..`` segments, backslashes, drive letters (``C:x``), control characters
    (C0, DEL and C1: ``\\x00``-``\\x1f``, ``\\x7f``-``\\x9f``; and the line and paragraph
    separators U+2028, U+2029), bidirectional formatting characters (overrides, embeddings,
    isolates and the LRM, RLM and ALM marks: U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
    U+061C) and invisible ones (Unicode's default-ignorable characters that a name has no use
    for: zero-width space U+200B, word joiner U+2060, soft hyphen U+00AD, byte-order mark
    U+FEFF, Hangul fillers, tags, and the unassigned ones), which make a name display as another
    (``evil\\u202egnp.js`` shows as ``eviljs.png``, ``logo\\u200b.png`` as ``logo.png``). The
    name is shown escaped. Names Windows alone mishandles (``NUL.txt``, ``logo.png:hidden``, a
    trailing dot) are ``ZIP027``.

    Passing: ``images/logo.png``, ``i18n/café.properties``.
    Failing: ``../../etc/cron.d/x``, ``/tmp/x``, ``C:\\x``, ``images\\logo.png``,
    ``invoice\\u202efdp.exe``, ``logo\\u200b.png``.
    """
    for entry in archive.entries:
        found = _unsafe_reason(entry.name, entry.raw_name or None)
        if found:
            reason, hint = found
            yield Problem(
                f"unsafe entry name: it {reason}",
                entry=_escaped(entry.name),
                hint=hint,
            )
        if entry.unicode_path is not None and entry.unicode_path != entry.name:
            found = _unsafe_reason(entry.unicode_path)
            if found:
                reason, hint = found
                yield Problem(
                    "unsafe entry name in the Unicode Path extra field (0x7075): "
                    f"{_escaped(entry.unicode_path)!r} {reason}",
                    entry=_escaped(entry.name),
                    hint=f"{hint} Write no Unicode Path extra field that names another file.",
                )


@rule("ZIP027", WARNING, ArchiveView)
def windows_names(archive: ArchiveView) -> Iterator[Problem]:
    """An entry name Windows cannot extract as is: a device name, a trailing dot or space, <>:"|?*.

    Windows opens a device, not a file, for a file or folder named ``CON``, ``PRN``, ``AUX``,
    ``NUL``, ``COM1``-``COM9`` or ``LPT1``-``LPT9`` (and ``COM¹``-``COM³``, ``LPT¹``-``LPT³``),
    in any case and with any extension, spaces before it included (``NUL.txt``, ``NUL .txt``,
    ``images/aux.png``, ``Con.class``; the list is ``rules/data/windows_names.toml``); it
    drops a trailing dot or space (``run.jsp.`` is written as ``run.jsp``); and it reads
    ``logo.png:b`` as the NTFS alternate data stream ``b`` of file ``logo.png``; it refuses
    ``< > " | ? *`` in a name (``what?.txt``). Extracting such an entry on Windows fails,
    writes to a device, or writes another file than the name says.

    A warning, where ``ZIP022`` is an error: the products load classes and resources from the
    jar itself and never write them out by entry name, so ``com/acme/Con.class`` works on
    every system, and nothing here escapes the extraction folder on Linux or macOS. It bites
    what does extract on a Windows host or desktop: an OSGi framework copying a bundled jar
    (``META-INF/lib/aux.jar``) to its cache, a build or scanner unpacking the artifact, or a
    person using ``unzip`` or Explorer.

    Passing: ``images/logo.png``, ``com/acme/Console.class``, ``META-INF/``.
    Failing: ``NUL.txt``, ``NUL .txt``, ``images/aux.png``, ``lib/com1/x.jar``,
    ``readme.txt.``, ``notes :``, ``logo.png:hidden``, ``help/what?.html``.
    """
    reserved = _reserved_pattern(tuple(rule_data("windows_names.toml").get("reserved", [])))
    for entry in archive.entries:
        name, other = entry.name, entry.unicode_path
        # Cheap tests first (substring tests; a pattern that starts with a literal "/"): they
        # keep 100,000 names in about the time ZIP022 takes.
        if (
            ":" in name
            or name.endswith((".", " "))
            or "./" in name
            or " /" in name
            or _FORBIDDEN.search(name)
            or reserved.search("/" + name)
        ):
            for reason, hint in _windows_reasons(name, reserved):
                yield Problem(
                    f"unsafe entry name on Windows: {reason}", entry=_escaped(name), hint=hint
                )
        if other is not None and other != name:
            for reason, hint in _windows_reasons(other, reserved):
                yield Problem(
                    "unsafe entry name in the Unicode Path extra field (0x7075) on Windows: "
                    f"{reason}",
                    entry=_escaped(name),
                    hint=f"{hint} Write no Unicode Path extra field that names another file.",
                )


@functools.lru_cache(maxsize=8)
def _reserved_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """A segment that is a reserved name, alone or followed by spaces, an extension or both,
    searched in the name with a "/" in front. Windows reads the name before the first dot with
    its trailing spaces dropped, so ``NUL .txt`` is ``NUL`` too.

    The names are one trie of ASCII-case-insensitive characters (``[cC][oO](?:[mM]...|[nN])``):
    three times faster than an alternation under ``re.I``, which also folds the Kelvin sign.
    """
    trie: dict[str, dict] = {}
    for name in names:
        if not name:
            continue  # an empty name would make every segment a match
        node = trie
        for char in name.lower():
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(rf"/({_trie_pattern(trie) or '(?!)'} *(?:\.[^/]*)?)(?=/|$)")


def _trie_pattern(node: dict[str, dict]) -> str:
    branches = []
    for char, child in sorted(node.items()):
        if char:
            upper = char.upper()
            same = upper == char or len(upper) != 1
            either = re.escape(char) if same else f"[{re.escape(char)}{re.escape(upper)}]"
            branches.append(either + _trie_pattern(child))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body


def _windows_reasons(name: str, reserved: re.Pattern[str]) -> Iterator[tuple[str, str]]:
    found = reserved.search("/" + name)
    if found:
        segment = found.group(1)
        device = re.split(r"[. ]", segment, maxsplit=1)[0].upper()
        yield (
            f"'{_escaped(segment)}' names the device {_escaped(device)}: Windows opens the "
            "device, not a file, for this name in any case and with any extension",
            "Rename the file or folder so that its name before the first dot is not a Windows "
            "device name (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9).",
        )
    found = _TRAILING.search(name)
    if found:
        segment = found.group(1)
        kept = segment.rstrip(". ")
        yield (
            f"'{_escaped(segment)}' ends in a dot or a space, which Windows drops"
            + (f" (it writes '{_escaped(kept)}')" if kept else ""),
            "Rename it without the trailing dot or space.",
        )
    found = _FORBIDDEN.search(name)
    if found:
        segment = _segment_at(name, found.start())
        yield (
            f"'{_escaped(segment)}' contains '{found.group()}', which Windows does not allow in "
            "a file name",
            'Rename it without any of < > " | ? *.',
        )
    # "C:x" is ZIP022's drive letter; a colon after it is still a stream.
    drive = 2 if _DRIVE.match(name) else 0
    colon = name.find(":", drive)
    if colon >= 0:
        segment = _segment_at(name, colon, drive)
        file, _, stream = segment.partition(":")
        yield (
            f"'{_escaped(segment)}' contains ':', which NTFS reads as an alternate data stream "
            f"(the hidden stream '{_escaped(stream)}' of the file '{_escaped(file)}')",
            "Rename it without ':'.",
        )


def _segment_at(name: str, at: int, start: int = 0) -> str:
    """The path segment of ``name`` that holds index ``at``, beginning no earlier than ``start``."""
    begin = max(name.rfind("/", 0, at) + 1, start)
    return name[begin:].split("/", 1)[0]


def _escaped(name: str) -> str:
    return name.encode("unicode_escape").decode("ascii")


@rule("ZIP025", ERROR, ArchiveView, integrity=True, reports=(ZipKind.BAD_NAME_ENCODING,))
def name_encoding(archive: ArchiveView) -> Iterator[Problem]:
    """An entry name that is not valid UTF-8.

    The JDK reads jar entry names as UTF-8 (whether or not the 0x800 flag says so) and refuses
    the whole jar when one is not: ``ZipException: invalid CEN header (bad entry name)``. The
    name is shown with its bad bytes escaped (``\\xff``).

    Passing: ``images/logo.png``, ``i18n/café.properties`` (UTF-8).
    Failing: a name written in cp437 or Latin-1 by an old archiver (``caf\\x82.txt``).
    """
    for issue in _issues(archive, ZipKind.BAD_NAME_ENCODING):
        yield Problem(
            f"{issue.detail}; expected a UTF-8 name",
            entry=issue.entry,
            hint="Rename the file to an ASCII or UTF-8 name and rebuild with `jar` or your "
            "build tool.",
        )


@rule("ZIP026", ERROR, ArchiveView, integrity=True, reports=(ZipKind.UNICODE_PATH,))
def unicode_path_name(archive: ArchiveView) -> Iterator[Problem]:
    """An entry's Unicode Path extra field (0x7075) names another file than the entry.

    Readers that honour the field (Info-ZIP ``unzip``, 7-Zip, Python's zipfile) extract the
    field's name; the JDK uses the header's: the same entry becomes two different files.

    Passing: no Unicode Path field, or one holding the entry's own name.
    Failing: an entry ``readme.txt`` whose Unicode Path field says ``../../.bashrc``.
    """
    for issue in _issues(archive, ZipKind.UNICODE_PATH):
        yield Problem(
            f"{issue.detail} (expected the field to hold the entry's own name)",
            entry=_escaped(issue.entry or ""),
            hint="Rebuild the artifact with `jar` or your build tool, which write no such field.",
        )


@rule("ZIP023", ERROR, ArchiveView)
def symlinks(archive: ArchiveView) -> Iterator[Problem]:
    """An entry is a symbolic link; jars have no use for them and they can escape extraction.

    Passing: regular files and folders only.
    Failing: an entry made with ``zip --symlinks``.
    """
    for entry in archive.entries:
        if entry.is_symlink:
            yield Problem(
                "the entry is a symbolic link",
                entry=entry.name,
                hint="Package the file itself, not a link to it.",
            )


@rule("ZIP024", ERROR, ArchiveView, integrity=True, reports=(ZipKind.OVERLAP,))
def overlapping_entries(archive: ArchiveView) -> Iterator[Problem]:
    """Several directory records share the same data: the classic zip-bomb construction.

    Passing: every entry has its own data.
    Failing: thousands of records pointing at one highly compressed local file.
    """
    overlapping = [issue.entry or "" for issue in _issues(archive, ZipKind.OVERLAP)]
    if overlapping:
        yield Problem(
            f"{len(overlapping):,} entries overlap the data of other entries: "
            f"{_examples(overlapping)}",
            hint="No build tool writes this; treat the file as hostile.",
        )


@rule("ZIP030", ERROR, ArchiveView, integrity=True, reports=(ZipKind.TOO_MANY_ENTRIES,))
def too_many_entries(archive: ArchiveView) -> Iterator[Problem]:
    """Too many entries in one archive, or in a file and all archives nested in it.

    The defaults are 100,000 in one archive and 250,000 in all; the archive where a limit is
    reached is not read further.

    Passing: a large app with 40,000 entries and 200 bundled jars.
    Failing: an archive with 150,000 entries; 20 bundled jars of 99,000 entries each.
    """
    for issue in _issues(archive, ZipKind.TOO_MANY_ENTRIES):
        yield Problem(
            f"too many entries: {issue.detail}",
            hint="Remove unneeded files (bundled sources, tests, duplicates)."
            " The limits are set never to trip on a real app: if this one is genuine, report it.",
        )


@rule("ZIP031", ERROR, ArchiveView, integrity=True, reports=(ZipKind.TOTAL_SIZE,))
def total_size(archive: ArchiveView) -> Iterator[Problem]:
    """The uncompressed total exceeds the limit, nested archives included.

    The limit is 100 times the file's size, at least 64 MiB and at most 4 GiB (defaults).
    Inflating stops at the limit, so a bomb costs bounded time and memory, even one made of
    many entries each too small for the ratio limit (``ZIP032``).

    Passing: a 300 MB app that inflates to 1 GB.
    Failing: an archive whose entries inflate to many gigabytes; 4,000 entries of 1 MiB
    inflating from 4 MB in all.
    """
    for issue in (
        *_issues(archive, ZipKind.TOTAL_SIZE),
        *_read_issues(archive, ZipKind.TOTAL_SIZE),
    ):
        yield Problem(
            f"uncompressed size over the limit: {issue.detail}",
            entry=issue.entry,
            hint="Remove large files the app does not need."
            " The limits are set never to trip on a real app: if this one is genuine, report it.",
        )


@rule("ZIP032", ERROR, ArchiveView, integrity=True, reports=(ZipKind.RATIO,))
def compression_ratio(archive: ArchiveView) -> Iterator[Problem]:
    """An entry's compression ratio exceeds the limit (default 100:1 for entries over 1 MiB).

    Inflating stops at the limit: this is a zip bomb's signature.

    Passing: class files and resources (ratios of 2:1 to 20:1).
    Failing: 1 GiB of zeros compressed to 1 MB.
    """
    for issue in _read_issues(archive, ZipKind.RATIO):
        yield Problem(
            f"compression ratio over the limit: {issue.detail}",
            entry=issue.entry,
            hint="Remove the entry: real files rarely compress better than 100:1."
            " The limits are set never to trip on a real app: if this one is genuine, report it.",
        )


@rule("ZIP033", ERROR, ArchiveView, integrity=True)
def nesting_depth(archive: ArchiveView) -> Iterator[Problem]:
    """Archives nested deeper than the limit (default 5 levels); deeper ones are not opened.

    Passing: an .obr holding a plugin jar holding bundled library jars.
    Failing: a jar in a jar in a jar ... twelve levels deep.
    """
    archive.read_issues()
    for name in archive.depth_exceeded:
        yield Problem(
            f"nested archives deeper than {archive.limits.max_nesting_depth} levels "
            "are not inspected",
            entry=name,
            hint="Flatten the bundled jars.",
        )


@rule("ZIP040", WARNING, ArchiveView, reports=(ZipKind.PREPENDED,))
def prepended_data(archive: ArchiveView) -> Iterator[Problem]:
    """Data before the first entry: a prepended stub, or another file glued in front.

    Passing: a jar that starts with its first local header.
    Failing: a shell-script launcher or an image prepended to the jar (a polyglot).
    """
    for issue in _issues(archive, ZipKind.PREPENDED):
        yield Problem(
            f"{issue.detail} (expected the archive to start at byte 0)",
            hint="Upload the plain jar, without launcher stubs or other data in front.",
        )


@rule("ZIP041", WARNING, ArchiveView)
def manifest_position(archive: ArchiveView) -> Iterator[Problem]:
    """``META-INF/MANIFEST.MF`` is not among the first entries.

    ``java.util.jar.JarInputStream`` (used by some installers) only finds the manifest when it
    is the first entry, or the second after ``META-INF/``.

    Passing: ``META-INF/``, ``META-INF/MANIFEST.MF``, ... as ``jar`` and Maven write them.
    Failing: a jar repacked with ``zip -r`` so that the manifest comes last.
    """
    names = [entry.name for entry in archive.entries]
    if MANIFEST not in names:
        return
    position = names.index(MANIFEST)
    if position == 0 or (position == 1 and names[0] == "META-INF/"):
        return
    yield Problem(
        f"the manifest is entry {position + 1} (expected first, or second after META-INF/)",
        entry=MANIFEST,
        hint="Repackage with `jar` or your build tool, which write the manifest first.",
    )
