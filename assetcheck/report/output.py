"""Writing a report to a file, so that it can never destroy anything or be left half-written.

A report replaces only a file that is absent or an earlier report, never an input of the run
and never anything else (a jar, a descriptor, a device). It is written to a temporary file
beside the target and renamed over it: readers see the old report or the new one, whole.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from assetcheck.paths import display

# How much of an existing file is read to recognise an earlier report.
_SNIFF_BYTES = 1024 * 1024
_JSON_REPORT = re.compile(
    rb'^\s*\{\s*"schema"\s*:\s*\d+\s*,\s*"tool"\s*:\s*\{\s*"name"\s*:\s*"assetcheck"'
)
_TEXT_SUMMARY = re.compile(
    rb"^Checked [\d,]+ files?: [\d,]+ errors?, [\d,]+ warnings?, [\d,]+ infos?"
    rb"(?: \([\d,]+ suppressed\))?\.$",
    re.M,
)


class OutputError(Exception):
    """The report cannot be written where asked; the message says why and what to do."""


# The machine formats, by how assetcheck starts each (a file another tool wrote is kept).
_SARIF = re.compile(
    rb'^\s*\{\s*"\$schema"\s*:\s*"https://json\.schemastore\.org/sarif-2\.1\.0\.json"'
    rb'\s*,\s*"version"\s*:\s*"2\.1\.0"\s*,\s*"runs"\s*:\s*\[\s*\{\s*"tool"\s*:\s*\{\s*'
    rb'"driver"\s*:\s*\{\s*"name"\s*:\s*"assetcheck"'
)
_JUNIT = re.compile(rb"^\s*(?:<\?xml[^>]{0,200}\?>\s*)?<testsuites name=\"assetcheck\"")
_GITLAB = re.compile(
    rb'^\s*\[\s*(?:\]\s*$|\{\s*"type"\s*:\s*"issue"\s*,\s*"engine_name"\s*:\s*"assetcheck")'
)


def is_report(head: bytes, tail: bytes) -> bool:
    """Whether a file that starts with ``head`` and ends with ``tail`` is an assetcheck report
    (any format, or a baseline)."""
    if not head.strip():
        return True  # an empty file holds nothing to lose
    if any(pattern.match(head) for pattern in (_JSON_REPORT, _SARIF, _JUNIT, _GITLAB)):
        return True
    return bool(_TEXT_SUMMARY.search(head + b"\n" + tail))


def check_output_target(output: Path, inputs: Iterable[Path]) -> None:
    """Raise OutputError unless ``output`` may be (re)written with a report."""
    shown = display(output)
    parent = output.parent
    if not parent.is_dir():
        raise OutputError(f"{shown}: the folder {display(parent)} does not exist; create it first")
    try:
        status = os.stat(output)
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputError(f"{shown}: cannot be used ({error.strerror})") from None
    if not stat.S_ISREG(status.st_mode):
        raise OutputError(
            f"{shown}: not a regular file; write the report to a file, or omit --output to print it"
        )
    for path in inputs:
        try:
            if os.path.samefile(path, output):
                raise OutputError(
                    f"{shown} is one of the files being checked; refusing to overwrite it"
                )
        except OSError:
            continue
    if not _holds_report(output, status.st_size):
        raise OutputError(
            f"{shown} exists and is not an assetcheck report; refusing to overwrite it "
            "(remove it, or choose another file)"
        )


def _holds_report(path: Path, size: int) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
            tail = b""
            if size > _SNIFF_BYTES:
                handle.seek(max(size - 4096, _SNIFF_BYTES))
                tail = handle.read()
    except OSError:
        return False
    return is_report(head, tail)


def write_report(output: Path, text: str) -> None:
    """Write ``text`` to ``output`` atomically; OutputError (and nothing left) on failure."""
    data = text.encode("utf-8", "backslashreplace")
    _refuse_special(output)  # again, right before writing: never rename over a device
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{output.name}.", suffix=".tmp", dir=output.parent
        )
    except OSError as error:
        raise OutputError(f"{display(output)}: cannot be written ({error.strerror})") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, output)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OutputError(f"{display(output)}: cannot be written ({error.strerror})") from None


def _refuse_special(output: Path) -> None:
    try:
        mode = os.lstat(output).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputError(f"{display(output)}: cannot be used ({error.strerror})") from None
    if not stat.S_ISREG(mode):
        raise OutputError(f"{display(output)}: not a regular file; refusing to replace it")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
